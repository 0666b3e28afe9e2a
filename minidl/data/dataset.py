"""``Dataset``, the interface a DataLoader reads from, and ``TensorDataset``, one over Tensors."""
from ..tensor import Tensor


class Dataset:
    """A collection of samples: subclasses define ``__getitem__(index)`` and ``__len__()``.

    A sample is usually a tuple such as ``(image, label)``; each field may be a Tensor, a
    NumPy array or a Python number.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: sample ``i`` is ``(t[i] for t in tensors)``.

    All tensors must have the same size in their first dimension.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        for position, t in enumerate(tensors):
            if not isinstance(t, Tensor) or t.ndim == 0:
                raise TypeError(f"TensorDataset: argument {position} must be a Tensor with at "
                                f"least one dimension, got {t!r:.80}")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: tensors must have the same first dimension, "
                             f"got sizes {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]
