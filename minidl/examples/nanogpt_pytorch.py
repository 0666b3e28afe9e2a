"""minidl/examples/nanogpt.py run by PyTorch: the same source, its three framework imports
switched, as a module. The parity test (tests/examples/test_nanogpt.py) and benchmark W8
(benchmarks/w8_gpt_step.py) use it to run identical model code in both frameworks."""
import pathlib
import types

from . import nanogpt

MINIDL_IMPORTS = """import minidl as torch
import minidl.nn as nn
from minidl.nn import functional as F
"""
TORCH_IMPORTS = """import torch
import torch.nn as nn
from torch.nn import functional as F
"""


def load_with_torch():
    """The example as a module named ``nanogpt_torch`` that imports PyTorch (which must be
    installed); RuntimeError if the example's import block is no longer the one above."""
    source = pathlib.Path(nanogpt.__file__).read_text()
    if source.count(MINIDL_IMPORTS) != 1:
        raise RuntimeError("minidl/examples/nanogpt.py: its import block changed; only those "
                           "three lines may name minidl")
    module = types.ModuleType("nanogpt_torch")
    exec(compile(source.replace(MINIDL_IMPORTS, TORCH_IMPORTS), "nanogpt_torch", "exec"),
         module.__dict__)
    return module
