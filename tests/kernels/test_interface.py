"""Every kernel set implements exactly the interface table of minidl.kernels.interface: the same
names with the same parameters. The CUDA set is read from its source (AST), so this runs
without CuPy."""
import ast
import inspect
from pathlib import Path

import pytest

from minidl.kernels import cpu, interface
from minidl.kernels import reference as ref

CUDA_DIR = Path(interface.__file__).parent / "cuda"


def parameters(function):
    return tuple(inspect.signature(function).parameters)


@pytest.mark.parametrize("kernel_set", [ref, cpu], ids=["reference", "cpu"])
@pytest.mark.parametrize("name", interface.KERNELS)
def test_python_kernel_sets_match_the_table(kernel_set, name):
    assert hasattr(kernel_set, name), f"{kernel_set.__name__} has no kernel {name}"
    assert parameters(getattr(kernel_set, name)) == interface.KERNELS[name][0]


def test_cpu_exports_exactly_the_table():
    assert sorted(cpu.__all__) == sorted(interface.KERNELS)


def cuda_functions():
    """{name: parameter names} of every top-level function in kernels/cuda/*.py."""
    functions = {}
    for path in CUDA_DIR.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                functions[node.name] = tuple(arg.arg for arg in node.args.args)
    return functions


def cuda_exports():
    tree = ast.parse((CUDA_DIR / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            return [element.value for element in node.value.elts]
    raise AssertionError("kernels/cuda/__init__.py has no __all__")


def test_cuda_exports_exactly_the_table_with_the_same_parameters():
    assert sorted(cuda_exports()) == sorted(interface.KERNELS)
    functions = cuda_functions()
    for name, (params, _) in interface.KERNELS.items():
        assert functions.get(name) == params, f"cuda {name}: {functions.get(name)} != {params}"
