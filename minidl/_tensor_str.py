"""How a Tensor prints: PyTorch's layout, so that printed output reads the same in both.

    tensor([0.9840, 0.1234], requires_grad=True)      4 decimals, every element the same width
    tensor([1., 2.])                                  whole numbers: no decimals, a trailing dot
    tensor([1.0000e-05, 3.0000e+02])                  scientific when the magnitudes differ by
                                                      more than 1000x, or are < 1e-4 or > 1e8
    tensor([[1, 2],
            [3, 4]])                                  rows under each other, aligned

Past 1000 elements only the first and last 3 along each axis are shown, around "...". Lines
wrap at 80 characters. A dtype other than the default float, int64 and bool is named after the
values, as are the device (other than "cpu"), grad_fn and requires_grad.
"""
import math

import numpy as np

THRESHOLD = 1000  # more elements than this: summarize
EDGE_ITEMS = 3
LINE_WIDTH = 80
PRECISION = 4


class _Formatter:
    """Chooses one format for every element of a tensor (from the values that are shown)."""

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            self.width = max((len(str(v)) for v in flat.tolist()), default=1)
            return
        shown = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if shown.size == 0:
            return
        magnitudes = np.abs(shown)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        spread = largest / smallest > 1000 or largest > 1e8
        if self.int_mode:
            self.sci_mode = spread
            texts = [f"{v:.{PRECISION}e}" if spread else f"{v:.0f}." for v in shown.tolist()]
        else:
            self.sci_mode = spread or smallest < 1e-4
            pattern = f".{PRECISION}e" if self.sci_mode else f".{PRECISION}f"
            texts = [format(v, pattern) for v in shown.tolist()]
        self.width = max(len(text) for text in texts)

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return text.rjust(self.width)


def _shown(values, summarize):
    """The elements that will be printed (the edges of each axis when summarizing)."""
    if not summarize or values.ndim == 0:
        return values
    for axis in range(values.ndim):
        if values.shape[axis] > 2 * EDGE_ITEMS:
            head = np.take(values, range(EDGE_ITEMS), axis=axis)
            tail = np.take(values, range(values.shape[axis] - EDGE_ITEMS, values.shape[axis]),
                           axis=axis)
            values = np.concatenate([head, tail], axis=axis)
    return values


def _body(values, indent, summarize, formatter):
    """The bracketed text of ``values``, its continuation lines indented by ``indent``."""
    if values.ndim == 0:
        return formatter.format(values.item())
    n = values.shape[0]
    cut = summarize and n > 2 * EDGE_ITEMS
    indices = [*range(EDGE_ITEMS), None, *range(n - EDGE_ITEMS, n)] if cut else range(n)
    if values.ndim == 1:
        texts = [" ..." if i is None else formatter.format(values[i].item()) for i in indices]
        per_line = max(1, (LINE_WIDTH - indent) // (formatter.width + 2))
        lines = [", ".join(texts[start:start + per_line])
                 for start in range(0, len(texts), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = ["..." if i is None else _body(values[i], indent + 1, summarize, formatter)
            for i in indices]
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(rows) + "]"


def tensor_repr(values, dtype, default_dtype, device, grad_fn, requires_grad):
    """``repr`` of a tensor with host array ``values`` and the given attributes."""
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if device != "cpu":
        suffixes.append(f"device='{device}'")
    if values.size == 0:
        body = "[]"
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
    else:
        summarize = values.size > THRESHOLD
        formatter = _Formatter(_shown(values, summarize))
        body = _body(values, indent, summarize, formatter)
    if dtype != default_dtype and dtype.kind != "b" and dtype != np.int64:
        suffixes.append(f"dtype={dtype!r}")
    if grad_fn is not None:
        suffixes.append(f"grad_fn={grad_fn!r}")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    text = prefix + body
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINE_WIDTH:
            text += ",\n" + " " * indent + suffix
            last_line = indent + len(suffix)
        else:
            text += ", " + suffix
            last_line += len(suffix) + 2
    return text + ")"
