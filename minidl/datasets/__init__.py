"""Small datasets: bundled digits and sonnets, and local MNIST files."""
from .digits import load_digits
from .mnist import load_mnist
from .sonnets import load_sonnets

__all__ = ["load_digits", "load_mnist", "load_sonnets"]
