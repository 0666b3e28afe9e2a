"""A dynamically quantized nn.Linear (PyTorch's torch.ao.nn.quantized.dynamic.Linear).

It holds the int8 weight and its per-output-channel scales (``minidl/ops/quantized.py`` has
the math) and the float bias; the activations are quantized on every call. Its state_dict
holds "weight" (int8), "weight_scale" and "bias" (float), a quarter of the float layer's bytes
plus one scale per output.
"""
from ..nn.module import Module
from ..ops.quantized import quantize_per_channel, quantized_linear


class DynamicQuantizedLinear(Module):
    """y = x W^T + b with W in int8 and x quantized per batch; built by ``from_float``."""

    def __init__(self, weight_q, weight_scale, bias=None):
        super().__init__()
        self.out_features, self.in_features = weight_q.shape
        # buffers, not Parameters: nothing here is trained, but state_dict and .to() carry them
        self.register_buffer("weight", weight_q)
        self.register_buffer("weight_scale", weight_scale)
        self.register_buffer("bias", bias)

    @classmethod
    def from_float(cls, linear):
        """Quantize a float ``nn.Linear``'s weight (per output channel, symmetric int8)."""
        quantized, scale = quantize_per_channel(linear.weight.detach())
        return cls(quantized, scale, None if linear.bias is None else linear.bias.detach())

    def forward(self, input):  # noqa: A002 (PyTorch's argument name)
        return quantized_linear(input, self.weight, self.weight_scale, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                "dtype=qint8, qscheme=per_channel_symmetric")
