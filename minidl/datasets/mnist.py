"""Read MNIST from its original IDX files in a local folder.

An IDX file is a big-endian header followed by the raw values:

    bytes 0-1   zero
    byte  2     type code (0x08 = unsigned byte, the only one MNIST uses)
    byte  3     number of dimensions d
    4·d bytes   the size of each dimension, uint32 big-endian
    then        prod(sizes) values, row-major

so the first four bytes read as one integer give the "magic number": 2051 (0x00000803) for
image files (N, rows, cols) and 2049 (0x00000801) for label files (N,).
"""
import gzip
import os

import numpy as np

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def load_mnist(root, train=True, as_images=False):
    """Return MNIST as NumPy arrays ``(X, y)`` read from the folder ``root``.

    Reads ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (``t10k-…`` when
    ``train=False``), each either raw or gzipped (``.gz``). ``X`` is float32 of shape
    (N, rows·cols) = (N, 784) with pixels scaled to [0, 1] as ``pixel / 255``; ``y`` is int64
    of shape (N,). With ``as_images=True``, ``X`` is (N, 1, rows, cols) = (N, 1, 28, 28).
    Raises FileNotFoundError naming the files looked for, and ValueError for a file that is not
    a valid IDX file of the expected kind.
    """
    split = "train" if train else "t10k"
    images = _read_idx(_find(root, f"{split}-images-idx3-ubyte"), IMAGES_MAGIC, ndim=3)
    labels = _read_idx(_find(root, f"{split}-labels-idx1-ubyte"), LABELS_MAGIC, ndim=1)
    if len(images) != len(labels):
        raise ValueError(f"load_mnist: {len(images)} images but {len(labels)} labels in {root}")
    shape = (len(images), 1) + images.shape[1:] if as_images else (len(images), -1)
    X = (images.reshape(shape) / 255.0).astype(np.float32)
    return X, labels.astype(np.int64)


def _find(root, name):
    """The path of ``name`` or ``name.gz`` inside ``root``."""
    candidates = [os.path.join(root, name), os.path.join(root, name + ".gz")]
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"load_mnist: found neither {name!r} nor {name + '.gz'!r} "
                            f"in folder {os.path.abspath(root)!r}")


def _read_idx(path, magic, ndim):
    """Read one IDX file of unsigned bytes, checking its magic number and its size."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or int.from_bytes(data[:4], "big") != magic:
        raise ValueError(
            f"{path}: not an IDX file of {ndim} dimension(s): expected magic number "
            f"{magic:#010x}, got {data[:4].hex() or 'an empty file'}"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(data)} bytes, need {header})")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise ValueError(
            f"{path}: header declares shape {shape} ({expected} bytes in all) "
            f"but the file holds {len(data)} bytes"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)
