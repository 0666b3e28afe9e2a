"""minidl.quantization: post-training dynamic int8 quantization (``quantize_dynamic``)."""
from .linear import DynamicQuantizedLinear
from .quantize import qint8, quantize_dynamic

__all__ = ["DynamicQuantizedLinear", "qint8", "quantize_dynamic"]
