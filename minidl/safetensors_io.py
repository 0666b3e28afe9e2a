"""Weights other tools read: a ``state_dict`` to and from a ``.safetensors`` file.

safetensors (Hugging Face's format, read by PyTorch, JAX, TensorFlow, Rust...) holds a JSON
header (name -> dtype, shape, byte range) and the raw little-endian bytes of every tensor; like
minidl's own format it runs no code on load. Since minidl's parameter names and shapes follow
PyTorch's, a file written here loads into the same PyTorch model
(``model.load_state_dict(safetensors.torch.load_file(path))``), and a file PyTorch wrote
(``safetensors.torch.save_file(model.state_dict(), path)``) loads into the same minidl model.

The optional ``safetensors`` package (``pip install minidl[deploy]``) does the encoding, through
its NumPy API; it is imported only when these functions run.
"""
import numpy as np

from .atomic_write import write_bytes_atomically
from .tensor import Tensor


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            "save_safetensors/load_safetensors need the safetensors package: "
            "pip install 'minidl[deploy]' (or pip install safetensors)"
        ) from None
    return safetensors.numpy


def save_safetensors(state_dict, path, metadata=None):
    """Write ``state_dict`` (name -> Tensor or NumPy array) to ``path`` in safetensors format.

    ``metadata`` is an optional dict of str -> str stored in the header. The write is atomic:
    a temporary file in the same folder is renamed over ``path`` once complete.
    """
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"save_safetensors: keys must be strings, got {name!r}")
        if isinstance(value, Tensor):
            value = value.numpy()
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"save_safetensors: {name!r} is a {type(value).__name__}; only Tensors and "
                "NumPy arrays can be stored (safetensors holds tensors only)"
            )
        arrays[name] = np.ascontiguousarray(value)
    data = _safetensors_numpy().save(arrays, metadata=metadata)
    write_bytes_atomically(path, data)


def load_safetensors(path):
    """Read a safetensors file into a dict of name -> Tensor (on "cpu", the stored dtypes),
    ready for ``model.load_state_dict``."""
    arrays = _safetensors_numpy().load_file(str(path))
    return {name: Tensor._wrap(np.array(array)) for name, array in arrays.items()}
