"""Every CUDA kernel compiles with NVRTC for the GPUs minidl targets, on a machine without one.

The CUDA kernel set runs only on a GPU, but whether NVRTC accepts its code can be checked
anywhere the NVRTC library is installed (the ``nvidia-cuda-nvrtc`` wheel of the ``dev`` extra, on
Linux): each ``kernels/cuda/*.cu`` file with every template instance its launcher requests, and
each ``cupy.ElementwiseKernel`` snippet for float and double, for sm_80 (A100), sm_90 (H100,
H200) and sm_100 (B200). What they compute is tested elsewhere (``test_cuda_parity.py``, on a
GPU or under the cudasim emulator); this test catches what only NVRTC sees: device-only
intrinsics, template instances that do not instantiate, C++ that g++ accepts and NVRTC rejects.

The launchers are imported with a stand-in for CuPy that records the ElementwiseKernels they
define, so neither CuPy nor a GPU is needed. Skipped where the NVRTC library is absent.
"""
import ast
import ctypes
import glob
import importlib.util
import pathlib
import re
import sys
import types

import pytest

import minidl.kernels

ARCHITECTURES = ["sm_80", "sm_90", "sm_100"]
CUDA_DIR = pathlib.Path(minidl.kernels.__file__).parent / "cuda"
# The launchers, imported a second time under a private name inside minidl.kernels, so that
# their relative imports (``from ..reference_convolution import ...``) still resolve.
_PACKAGE = "minidl.kernels._cuda_launchers_for_nvrtc"


def _find_nvrtc():
    """The newest libnvrtc.so of an ``nvidia-*`` wheel on sys.path, or None."""
    found = []
    for entry in sys.path:
        found += glob.glob(str(pathlib.Path(entry) / "nvidia" / "*" / "lib" / "libnvrtc.so*"))
    found = [path for path in found if "builtins" not in path]
    if not found:
        return None
    return max(found, key=lambda path: [int(n) for n in re.findall(r"\d+", pathlib.Path(path).name)])


_NVRTC_PATH = _find_nvrtc()
if _NVRTC_PATH is None:
    pytest.skip("needs the NVRTC library: pip install -e '.[dev]' (nvidia-cuda-nvrtc, Linux only)",
                allow_module_level=True)


class Nvrtc:
    """The few NVRTC calls a compile check needs, through ctypes."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.nvrtcGetErrorString.restype = ctypes.c_char_p

    def compile(self, source, filename, name_expressions, options):
        """(ok, log): compile `source` with the template instances `name_expressions`."""
        program = ctypes.c_void_p()
        self._check(self.lib.nvrtcCreateProgram(ctypes.byref(program), source.encode(), filename.encode(),
                                                0, None, None))
        try:
            for name in name_expressions:
                self._check(self.lib.nvrtcAddNameExpression(program, name.encode()))
            encoded = [option.encode() for option in options]
            status = self.lib.nvrtcCompileProgram(program, len(encoded), (ctypes.c_char_p * len(encoded))(*encoded))
            size = ctypes.c_size_t()
            self.lib.nvrtcGetProgramLogSize(program, ctypes.byref(size))
            log = ctypes.create_string_buffer(size.value)
            self.lib.nvrtcGetProgramLog(program, log)
            return status == 0, log.value.decode(errors="replace")
        finally:
            self.lib.nvrtcDestroyProgram(ctypes.byref(program))

    def _check(self, status):
        if status:
            raise RuntimeError(f"NVRTC: {self.lib.nvrtcGetErrorString(status).decode()}")


class RecordedElementwiseKernel:
    """Stands in for cupy.ElementwiseKernel: keeps what CuPy would compile."""

    instances = []

    def __init__(self, in_params, out_params, operation, name, preamble="", **options):
        self.in_params, self.out_params = in_params, out_params
        self.operation, self.name, self.preamble = operation, name, preamble
        RecordedElementwiseKernel.instances.append(self)


def _read_launchers():
    """({cu file: source as NVRTC gets it}, {cu file: name expressions}), from importing the
    modules of kernels/cuda (under a private package name) with the stand-in for CuPy."""
    stand_in = types.ModuleType("cupy")
    stand_in.ElementwiseKernel = RecordedElementwiseKernel
    spec = importlib.util.spec_from_file_location(_PACKAGE, CUDA_DIR / "__init__.py",
                                                  submodule_search_locations=[str(CUDA_DIR)])
    package = importlib.util.module_from_spec(spec)
    real_cupy = sys.modules.get("cupy")
    sys.modules["cupy"], sys.modules[_PACKAGE] = stand_in, package
    try:
        spec.loader.exec_module(package)
        modules = [module for name, module in sys.modules.items() if name.startswith(_PACKAGE + ".")]
        sources = {path.name: package._runtime._source(path.name) for path in CUDA_DIR.glob("*.cu")}
        return sources, _requested_instances(modules)
    finally:
        for name in [name for name in sys.modules if name.startswith(_PACKAGE)]:
            del sys.modules[name]
        if real_cupy is None:
            del sys.modules["cupy"]
        else:
            sys.modules["cupy"] = real_cupy


def _requested_instances(modules):
    """{cu file: name expressions}, from each ``get_kernel("file.cu", NAMES, ...)`` call."""
    requested = {}
    for module in modules:
        tree = ast.parse(pathlib.Path(module.__file__).read_text())
        for call in ast.walk(tree):
            if (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "get_kernel"
                    and isinstance(call.args[0], ast.Constant) and isinstance(call.args[1], ast.Name)):
                names = requested.setdefault(call.args[0].value, [])
                names += [n for n in getattr(module, call.args[1].id) if n not in names]
    return requested


_C_TYPES = {"bool": "bool", "int32": "int", "int64": "long long", "uint64": "unsigned long long",
            "float32": "float", "float64": "double"}


def elementwise_source(kernel, c_type):
    """A kernel equivalent to the one CuPy generates for `kernel`, its type placeholder = c_type.

    Each parameter "[raw] TYPE name" becomes a reference to element i, or (raw) an array indexed
    by the snippet itself; the loop variable is ``i``, as in CuPy.
    """
    lines = [kernel.preamble, f"typedef {c_type} T;",
             "template <typename V> struct Raw { V* p; __device__ V& operator[](long long n) const { return p[n]; } };"]
    params, references = [], []
    for text, is_input in [(kernel.in_params, True), (kernel.out_params, False)]:
        for param in text.split(","):
            *qualifiers, type_name, name = param.split()
            c_name = _C_TYPES.get(type_name, type_name)
            const = "const " if is_input else ""
            if "raw" in qualifiers:
                params.append(f"Raw<{const}{c_name}> {name}")
            else:
                params.append(f"{const}{c_name}* {name}_array")
                references.append(f"{const}{c_name}& {name} = {name}_array[i];")
    lines += [f'extern "C" __global__ void {kernel.name}({", ".join(params)}, long long n) {{',
              "  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;"
              " i += (long long)blockDim.x * gridDim.x) {",
              *references, kernel.operation + ";", "  }", "}"]  # CuPy ends the snippet with ";" too
    return "\n".join(lines)


_SOURCES, _INSTANCES = _read_launchers()
_NVRTC = Nvrtc(_NVRTC_PATH)


def _assert_compiles(source, filename, name_expressions, architecture):
    ok, log = _NVRTC.compile(source, filename, name_expressions, ["-std=c++17", f"--gpu-architecture={architecture}"])
    assert ok, f"{filename} does not compile for {architecture}:\n{log}"
    # common.cuh's constants unused by one file (#177-D, "declared but never referenced") are fine
    warnings = [line for line in log.splitlines() if ": warning" in line and "#177-D" not in line]
    assert not warnings, f"{filename} compiles for {architecture} with warnings:\n{log}"


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("filename", sorted(_SOURCES))
def test_cu_file_compiles_with_every_requested_instance(filename, architecture):
    names = _INSTANCES.get(filename, [])
    assert names, f"{filename}: no launcher in kernels/cuda requests a kernel of it (get_kernel)"
    _assert_compiles(_SOURCES[filename], filename, names, architecture)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("c_type", ["float", "double"])
@pytest.mark.parametrize("kernel", RecordedElementwiseKernel.instances, ids=lambda kernel: kernel.name)
def test_elementwise_kernel_compiles(kernel, c_type, architecture):
    _assert_compiles(elementwise_source(kernel, c_type), f"{kernel.name}.cu", [], architecture)


def test_the_check_sees_a_compile_error():
    """The harness itself: a snippet NVRTC must reject is reported as not compiling."""
    ok, log = _NVRTC.compile('extern "C" __global__ void broken() { undeclared_name = 1; }', "broken.cu", [],
                             ["--gpu-architecture=sm_90"])
    assert not ok and "undeclared_name" in log
