"""minidl.utils: ``minidl.utils.data`` is ``minidl.data``, under PyTorch's name
(``from torch.utils.data import DataLoader`` becomes ``from minidl.utils.data import ...``)."""
import sys

from .. import data

sys.modules[__name__ + ".data"] = data  # so that ``import minidl.utils.data`` finds it too

__all__ = ["data"]
