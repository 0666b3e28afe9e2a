"""``quantize_dynamic``: post-training dynamic quantization, as PyTorch's
``torch.ao.quantization.quantize_dynamic``.

Every submodule whose type is in ``qconfig_spec`` (only ``nn.Linear`` is supported) is
replaced by its int8 twin (``DynamicQuantizedLinear``); everything else stays float. No
calibration data is needed: weights are quantized now, activations on every call.
"""
import copy

import numpy as np

from ..dtypes import qint8
from ..nn.linear import Linear
from .linear import DynamicQuantizedLinear

_QUANTIZED = {Linear: DynamicQuantizedLinear}


def quantize_dynamic(model, qconfig_spec=None, dtype=qint8, inplace=False):
    """A copy of ``model`` (``model`` itself with ``inplace=True``) with each module of a type
    in ``qconfig_spec`` (default {nn.Linear}) replaced by its dynamically quantized form."""
    if np.dtype(dtype) != qint8:
        raise ValueError(f"quantize_dynamic: only dtype=dl.qint8 is supported, got {dtype}")
    types = set(qconfig_spec or {Linear})
    unsupported = [t.__name__ for t in types if t not in _QUANTIZED]
    if unsupported:
        raise ValueError(f"quantize_dynamic: no quantized form for {', '.join(unsupported)} "
                         "(supported: Linear)")
    if not inplace:
        model = copy.deepcopy(model)
    if type(model) in types:
        return _QUANTIZED[type(model)].from_float(model)
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if type(child) in types:
                setattr(module, name, _QUANTIZED[type(child)].from_float(child))
    return model
