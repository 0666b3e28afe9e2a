"""Small datasets as NumPy arrays: bundled digits and local MNIST files."""
from .digits import load_digits
from .mnist import load_mnist

__all__ = ["load_digits", "load_mnist"]
