"""The UCI handwritten digits, bundled with minidl (see ``data/README.md`` for attribution)."""
import gzip
import io
from importlib import resources

import numpy as np


def load_digits(as_images=False):
    """Return the 1797 8×8 handwritten digits as NumPy arrays ``(X, y)``.

    ``X`` is float32 of shape (1797, 64): each row is an image in row-major order, with pixel
    counts 0..16 scaled to [0, 1] as ``pixel / 16``. ``y`` is int64 of shape (1797,), the digit
    0..9. With ``as_images=True``, ``X`` is (1797, 1, 8, 8): one channel of 8 x 8 pixels, the
    layout convolutions take. Works offline: the data ships inside the package.
    """
    raw = resources.files(__package__).joinpath("data", "digits.csv.gz").read_bytes()
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    X = (table[:, :64] / 16.0).astype(np.float32)
    y = table[:, 64]
    return (X.reshape(-1, 1, 8, 8) if as_images else X), y
