"""One converter per op: how each minidl op is written as ONNX operators.

A converter gets the graph builder ``g`` (minidl/onnx/export.py) and a traced op (its class,
its node with the options its forward stored, its inputs and its output) and returns the ONNX
name of the op's result. ``g.input(op, i)`` names the i-th input (a tensor, or a number made
into a constant of the op's dtype); ``g.add(op_type, inputs, **attributes)`` appends an ONNX
node and returns its output's name. Ops with no converter here make the export fail with an
error naming them (``CONVERTERS`` is the table).
"""
import dataclasses
import math

import numpy as np

from ..nn.linear import LinearFunction
from ..ops.activations import GELU, ReLU, Sigmoid, Tanh
from ..ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from ..ops.attention import ScaledDotProductAttention, causal_mask
from ..ops.batch_norm import BatchNormEvaluation, BatchNormTraining
from ..ops.comparison import Eq, Ge, Gt, Le, Lt, Ne
from ..ops.conversion import Cast, ToDevice
from ..ops.conv import Conv2d, ConvTranspose2d
from ..ops.dropout import Dropout
from ..ops.embedding import Embedding
from ..ops.group_norm import GroupNorm
from ..ops.indexing import GetItem
from ..ops.layer_norm import LayerNorm
from ..ops.math import Abs, Clamp, Exp, Log, Sqrt
from ..ops.matmul import MatMul
from ..ops.pooling import AvgPool2d, MaxPool2d, _pooling_output_size
from ..ops.quantized import QuantizedLinearFunction
from ..ops.rearrange import Split, Unbind
from ..ops.reductions import Amax, Amin, Mean, Sum, Var
from ..ops.resample import Resample2d, adaptive_average_matrix, interpolation_matrix
from ..ops.selection import MaskedFill, Maximum, Minimum, Where
from ..ops.shape import Cat, Expand, Permute, Reshape, Stack
from ..ops.softmax import LogSoftmax, Softmax

CONVERTERS = {}


def converts(*functions):
    """Register the decorated converter for these op classes."""
    def register(convert):
        for function in functions:
            CONVERTERS[function] = convert
        return convert
    return register


class ExportError(RuntimeError):
    """A model that cannot be written as ONNX; the message names the op and why."""


# ---- elementwise: one ONNX operator each, with the same broadcasting as NumPy ----------------
_ELEMENTWISE = {
    Add: "Add", Sub: "Sub", Mul: "Mul", Div: "Div", Pow: "Pow", Neg: "Neg", Exp: "Exp",
    Log: "Log", Sqrt: "Sqrt", Abs: "Abs", ReLU: "Relu", Sigmoid: "Sigmoid", Tanh: "Tanh",
    MatMul: "MatMul", Maximum: "Max", Minimum: "Min", Eq: "Equal", Lt: "Less",
    Le: "LessOrEqual", Gt: "Greater", Ge: "GreaterOrEqual",
}


@converts(*_ELEMENTWISE)
def elementwise(g, op):
    tensors = [g.input(op, i) for i in range(len(op.inputs))]
    return g.add(_ELEMENTWISE[op.function], tensors)


@converts(Ne)
def not_equal(g, op):
    return g.add("Not", [g.add("Equal", [g.input(op, 0), g.input(op, 1)])])


@converts(Clamp)
def clamp(g, op):
    """Clip(x, min, max); an absent bound is an empty input name."""
    bounds = ["" if op.inputs[i] is None else g.input(op, i) for i in (1, 2)]
    return g.add("Clip", [g.input(op, 0)] + bounds)


@converts(GELU)
def gelu(g, op):
    """Gelu from opset 20; before, x/2 (1 + erf(x / sqrt 2)) or its tanh approximation."""
    x, approximate = g.input(op, 0), op.inputs[1]
    if g.opset >= 20:
        return g.add("Gelu", [x], approximate=approximate)
    half = g.scalar(0.5, op.output.dtype)
    one = g.scalar(1.0, op.output.dtype)
    if approximate == "tanh":  # x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.add("Mul", [g.add("Mul", [x, x]), x])
        inner = g.add("Add", [x, g.add("Mul", [cube, g.scalar(0.044715, op.output.dtype)])])
        inner = g.add("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), op.output.dtype)])
        phi = g.add("Add", [one, g.add("Tanh", [inner])])
    else:
        phi = g.add("Add", [one, g.add("Erf", [g.add("Mul", [
            x, g.scalar(1 / math.sqrt(2), op.output.dtype)])])])
    return g.add("Mul", [g.add("Mul", [x, half]), phi])


@converts(Softmax, LogSoftmax)
def softmax(g, op):
    return g.add(op.function.__name__, [g.input(op, 0)], axis=op.node.dim)


@converts(Where)
def where(g, op):
    return g.add("Where", [g.input(op, i) for i in range(3)])


@converts(MaskedFill)
def masked_fill(g, op):
    value = g.scalar(op.inputs[2], op.output.dtype)
    return g.add("Where", [g.input(op, 1), value, g.input(op, 0)])


@converts(Cast)
def cast(g, op):
    return g.add("Cast", [g.input(op, 0)], to=g.onnx_dtype(op.output.dtype))


@converts(ToDevice)
def to_device(g, op):
    return g.add("Identity", [g.input(op, 0)])


@converts(Dropout)
def dropout(g, op):
    raise ExportError(
        "onnx.export: Dropout ran in training mode; export evaluates the model (eval()), so "
        "this is a call F.dropout(..., training=True) the exported graph cannot reproduce"
    )


# ---- layers -------------------------------------------------------------------------------
@converts(LinearFunction)
def linear(g, op):
    """Gemm(x, W, b, transB=1) for a matrix; MatMul(x, W^T) + b for more leading axes."""
    x, weight = g.input(op, 0), g.input(op, 1)
    has_bias = op.inputs[2] is not None
    if op.inputs[0].ndim == 2:
        inputs = [x, weight] + ([g.input(op, 2)] if has_bias else [])
        return g.add("Gemm", inputs, transB=1)
    y = g.add("MatMul", [x, g.add("Transpose", [weight], perm=[1, 0])])
    return g.add("Add", [y, g.input(op, 2)]) if has_bias else y


@converts(LayerNorm)
def layer_norm(g, op):
    """LayerNormalization over the trailing ``normalized_ndim`` axes."""
    count = op.inputs[4]
    normalized = op.node.x_shape[-count:]
    weight = (g.input(op, 1) if op.inputs[1] is not None
              else g.constant(np.ones(normalized, op.output.dtype), "layer_norm_ones"))
    inputs = [g.input(op, 0), weight] + ([g.input(op, 2)] if op.inputs[2] is not None else [])
    return g.add("LayerNormalization", inputs, axis=-count, epsilon=float(op.inputs[3]))


@converts(Embedding)
def embedding(g, op):
    return g.add("Gather", [g.input(op, 0), g.input(op, 1)], axis=0)


@converts(ScaledDotProductAttention)
def scaled_dot_product_attention(g, op):
    """softmax(scale Q K^T + mask) V on (B, L, E) inputs, as MatMul, Softmax and MatMul.

    A row whose keys are all masked out gives zeros, as minidl's kernels do (a softmax of a row
    of -inf would give NaN): where the row maximum is -inf, the scores and weights become 0.
    """
    q, k, v = (g.input(op, i) for i in range(3))
    mask, scale, causal = op.inputs[3], op.inputs[4], op.inputs[5]
    dtype = op.output.dtype
    scores = g.add("MatMul", [q, g.add("Transpose", [k], perm=[0, 2, 1])])
    scores = g.add("Mul", [scores, g.scalar(scale, dtype)])
    if causal:
        lengths = op.inputs[0].shape[1], op.inputs[1].shape[1]
        scores = g.add("Add", [scores, g.constant(causal_mask(*lengths, dtype, np),
                                                  "causal_mask")])
    if mask is None:
        return g.add("MatMul", [g.add("Softmax", [scores], axis=-1), v])
    scores = g.add("Add", [scores, g.input(op, 3)])
    row_max = g.reduce("ReduceMax", scores, [-1], keepdims=1)
    all_masked = g.add("Equal", [row_max, g.scalar(-np.inf, dtype)])
    zero = g.scalar(0.0, dtype)
    weights = g.add("Softmax", [g.add("Where", [all_masked, zero, scores])], axis=-1)
    weights = g.add("Where", [all_masked, zero, weights])
    return g.add("MatMul", [weights, v])


@converts(QuantizedLinearFunction)
def quantized_linear(g, op):
    """DynamicQuantizeLinear(x) -> MatMulInteger with the int8 weight -> back to float: the
    same arithmetic as minidl's op (minidl/ops/quantized.py)."""
    x_q, x_scale, zero_point = g.add("DynamicQuantizeLinear", [g.input(op, 0)], outputs=3)
    weight_t = g.add("Transpose", [g.input(op, 1)], perm=[1, 0])
    accumulated = g.add("MatMulInteger", [x_q, weight_t, zero_point])
    y = g.add("Cast", [accumulated], to=g.onnx_dtype(op.output.dtype))
    y = g.add("Mul", [y, g.add("Mul", [x_scale, g.input(op, 2)])])
    return g.add("Add", [y, g.input(op, 3)]) if op.inputs[3] is not None else y


# ---- convolutions, pooling, normalization of images -----------------------------------------
# conv1d and max_pool1d run as their 2-D ops on (N, C, 1, L), so they export as 2-D nodes
# between two Reshapes. Pads are listed as ONNX wants them: all begins, then all ends.
@converts(Conv2d)
def conv2d(g, op):
    """Conv with the node's geometry; asymmetric ("same") padding goes into pads."""
    kernel_size, stride, ((top, bottom), (left, right)), dilation = op.node.geometry
    inputs = [g.input(op, 0), g.input(op, 1)] + ([g.input(op, 2)] if op.inputs[2] is not None
                                                  else [])
    return g.add("Conv", inputs, kernel_shape=list(kernel_size), strides=list(stride),
                 pads=[top, left, bottom, right], dilations=list(dilation),
                 group=op.node.groups)


@converts(ConvTranspose2d)
def conv_transpose2d(g, op):
    """ConvTranspose; output_padding is what the output has beyond (H - 1) s - 2 p + d (k - 1) + 1
    (the node keeps the output shape, not output_padding)."""
    kernel_size, stride, padding, dilation = op.node.geometry
    output_padding = [
        out - ((size - 1) * s - 2 * p + d * (k - 1) + 1)
        for out, size, k, s, (p, _), d in zip(op.output.shape[2:], op.node.x_shape[2:],
                                               kernel_size, stride, padding, dilation)]
    inputs = [g.input(op, 0), g.input(op, 1)] + ([g.input(op, 2)] if op.inputs[2] is not None
                                                  else [])
    return g.add("ConvTranspose", inputs, kernel_shape=list(kernel_size), strides=list(stride),
                 pads=[padding[0][0], padding[1][0], padding[0][1], padding[1][1]],
                 dilations=list(dilation), output_padding=output_padding,
                 group=op.node.groups)


def _ceil_mode(x, kernel_size, stride, padding, dilation, output_size):
    """1 when the traced output is larger than the floor rule gives (pooled with ceil_mode)."""
    floor_size = tuple(_pooling_output_size(n, k, s, p, d, False) for n, k, s, p, d in
                       zip(x.shape[2:], kernel_size, stride, padding, dilation))
    return int(tuple(output_size) != floor_size)


@converts(MaxPool2d)
def max_pool2d(g, op):
    x, kernel_size, stride, padding, dilation, output_size = op.inputs
    return g.add("MaxPool", [g.input(op, 0)], kernel_shape=list(kernel_size),
                 strides=list(stride), pads=list(padding) * 2, dilations=list(dilation),
                 ceil_mode=_ceil_mode(x, kernel_size, stride, padding, dilation, output_size))


@converts(AvgPool2d)
def avg_pool2d(g, op):
    x, kernel_size, stride, padding, output_size, count_include_pad = op.inputs
    return g.add("AveragePool", [g.input(op, 0)], kernel_shape=list(kernel_size),
                 strides=list(stride), pads=list(padding) * 2,
                 count_include_pad=int(count_include_pad),
                 ceil_mode=_ceil_mode(x, kernel_size, stride, padding, (1, 1), output_size))


@converts(Resample2d)
def resample2d(g, op):
    """y = A_h x A_w^T, the op behind adaptive_avg_pool2d and interpolate. The node keeps only
    the two matrices, so the converter recognises them: an adaptive average over equal windows
    is GlobalAveragePool or AveragePool; nearest or bilinear interpolation to a size is Resize.
    Any other pair (an adaptive average over unequal windows, a scale_factor whose product is
    not a whole size) is written as it is computed, two MatMuls with the matrices."""
    x, rows, columns = op.inputs[0], _host(op, op.inputs[1]), _host(op, op.inputs[2])
    (height, width), (out_h, out_w) = x.shape[2:], op.output.shape[2:]

    def made_by(build, *args):
        return (np.allclose(rows, build(height, out_h, *args), atol=1e-7)
                and np.allclose(columns, build(width, out_w, *args), atol=1e-7))

    if made_by(adaptive_average_matrix) and height % out_h == 0 and width % out_w == 0:
        if out_h == out_w == 1:
            return g.add("GlobalAveragePool", [g.input(op, 0)])
        window = [height // out_h, width // out_w]
        return g.add("AveragePool", [g.input(op, 0)], kernel_shape=window, strides=window)
    resize_modes = {  # (mode, align_corners) -> Resize's attributes
        ("nearest", False): dict(mode="nearest", nearest_mode="floor",
                                 coordinate_transformation_mode="asymmetric"),
        ("bilinear", True): dict(mode="linear", coordinate_transformation_mode="align_corners"),
        ("bilinear", False): dict(mode="linear",
                                  coordinate_transformation_mode="pytorch_half_pixel"),
    }
    for (mode, align_corners), attributes in resize_modes.items():
        if made_by(interpolation_matrix, mode, align_corners):
            return _resize_to(g, g.input(op, 0), (out_h, out_w), attributes)
    y = g.add("MatMul", [g.constant(rows, "resample_rows"), g.input(op, 0)])
    return g.add("MatMul", [y, g.constant(np.ascontiguousarray(columns.T), "resample_columns")])


def _resize_to(g, x, size, attributes):
    """Resize x (N, C, H, W) to (N, C, *size): the sizes input is x's (N, C), read at run time
    (N is the dynamic batch), joined with the constant size."""
    batch_and_channels = g.add("Slice", [g.add("Shape", [x]),
                                         g.constant(np.array([0], np.int64), "slice"),
                                         g.constant(np.array([2], np.int64), "slice")])
    sizes = g.add("Concat", [batch_and_channels, g.constant(np.array(size, np.int64), "size")],
                  axis=0)
    return g.add("Resize", [x, "", "", sizes], **attributes)


def _host(op, array):
    """An array the op's node holds (not a Tensor) as a NumPy array, copied from a GPU."""
    return op.node.backend.to_host(array)


@converts(BatchNormEvaluation)
def batch_norm(g, op):
    """BatchNormalization with the running statistics (the op of batch norm in eval mode)."""
    x, weight, bias, running_mean, running_var = op.inputs
    channels, dtype = x.shape[1], op.output.dtype
    scale = (g.input(op, 1) if weight is not None
             else g.constant(np.ones(channels, dtype), "batch_norm_ones"))
    shift = (g.input(op, 2) if bias is not None
             else g.constant(np.zeros(channels, dtype), "batch_norm_zeros"))
    running_mean, running_var = _host(op, running_mean), _host(op, running_var)
    mean = g.constant(running_mean, "running_mean")
    var = g.constant(running_var, "running_var")
    return g.add("BatchNormalization", [g.input(op, 0), scale, shift, mean, var],
                 epsilon=float(op.node.eps))


@converts(BatchNormTraining)
def batch_norm_training(g, op):
    raise ExportError(
        "onnx.export: BatchNormTraining ran (batch statistics); export evaluates the model "
        "(eval()), so this is a call F.batch_norm(..., training=True) the graph cannot reproduce"
    )


@converts(GroupNorm)
def group_norm(g, op):
    """(N, C, ...) -> (N, G, rest), InstanceNormalization of each (sample, group), back to
    x's shape, then weight and bias per channel. (GroupNormalization of opsets 18-20 has a
    scale per group, not per channel as PyTorch's, so the decomposition serves every opset.)"""
    x, weight, bias = op.inputs
    dtype, groups = op.output.dtype, op.node.num_groups
    as_groups = g.add("Reshape", [g.input(op, 0),
                                  g.constant(np.array([0, groups, -1], np.int64), "shape")])
    normalized = g.add("InstanceNormalization", [
        as_groups, g.constant(np.ones(groups, dtype), "group_norm_ones"),
        g.constant(np.zeros(groups, dtype), "group_norm_zeros")],
        epsilon=float(op.node.eps))
    y = g.add("Reshape", [normalized, g.add("Shape", [g.input(op, 0)])])
    per_channel = np.array([-1] + [1] * (x.ndim - 2), np.int64)
    if weight is not None:
        y = g.add("Mul", [y, g.add("Reshape", [g.input(op, 1),
                                               g.constant(per_channel, "shape")])])
    if bias is not None:
        y = g.add("Add", [y, g.add("Reshape", [g.input(op, 2),
                                               g.constant(per_channel, "shape")])])
    return y


# ---- reductions -----------------------------------------------------------------------------
_REDUCTIONS = {Sum: "ReduceSum", Mean: "ReduceMean", Amax: "ReduceMax", Amin: "ReduceMin"}


@converts(*_REDUCTIONS)
def reduction(g, op):
    dims, keepdim = op.inputs[1], op.inputs[2]
    if not dims:  # a 0-d input: nothing to reduce
        return g.add("Identity", [g.input(op, 0)])
    return g.reduce(_REDUCTIONS[op.function], g.input(op, 0), list(dims), int(keepdim))


@converts(Var)
def variance(g, op):
    """sum((x - mean)^2) / (n - ddof) over dims."""
    x, (dims, ddof, keepdim) = g.input(op, 0), op.inputs[1:4]
    for d in dims:
        if d in g.dynamic_dims(op.inputs[0]):
            raise ExportError(f"onnx.export: Var over the dynamic axis {d} is not supported")
    count = math.prod(op.inputs[0].shape[d] for d in dims)
    centered = g.add("Sub", [x, g.reduce("ReduceMean", x, list(dims), 1)])
    squares = g.reduce("ReduceSum", g.add("Mul", [centered, centered]), list(dims), int(keepdim))
    return g.add("Div", [squares, g.scalar(count - ddof, op.output.dtype)])


# ---- shapes ---------------------------------------------------------------------------------
@converts(Permute)
def permute(g, op):
    return g.add("Transpose", [g.input(op, 0)], perm=list(op.inputs[1]))


@converts(Reshape)
def reshape(g, op):
    """Reshape to the traced shape. Axes that change with a dynamic input axis (the batch) are
    written as 0 (copy the input's size at that position) or -1 (infer; at most one)."""
    shape = list(op.output.shape)
    dynamic = sorted(g.dynamic_dims(op.output))
    input_dynamic = g.dynamic_dims(op.inputs[0])
    inferred = []
    for d in dynamic:
        if d in input_dynamic and g.same_size_both_traces(op.inputs[0], d, op.output, d):
            shape[d] = 0
        else:
            inferred.append(d)
    if len(inferred) > 1:
        raise ExportError(
            f"onnx.export: Reshape to {tuple(op.output.shape)} has several axes that change "
            "with the dynamic input axes; cannot express it as one ONNX Reshape"
        )
    for d in inferred:
        shape[d] = -1
    if 0 in op.output.shape:
        raise ExportError("onnx.export: Reshape to a shape with a zero-size axis")
    return g.add("Reshape", [g.input(op, 0), g.constant(np.array(shape, np.int64), "shape")])


@converts(Expand)
def expand(g, op):
    """Expand broadcasts both ways in ONNX: a dynamic axis the input already has becomes 1."""
    shape = list(op.output.shape)
    x = op.inputs[0]
    offset = len(shape) - x.ndim
    for d in g.dynamic_dims(op.output):
        if d - offset in g.dynamic_dims(x):
            shape[d] = 1
        else:
            raise ExportError(f"onnx.export: Expand to {tuple(shape)} grows a dynamic axis "
                              f"({d}) that its input does not have")
    return g.add("Expand", [g.input(op, 0), g.constant(np.array(shape, np.int64), "shape")])


@converts(Cat)
def cat(g, op):
    return g.add("Concat", [g.input(op, i) for i in range(len(op.inputs))], axis=op.node.dim)


@converts(Stack)
def stack(g, op):
    parts = [g.unsqueeze(g.input(op, i), [op.node.dim]) for i in range(len(op.inputs))]
    return g.add("Concat", parts, axis=op.node.dim)


@converts(GetItem)
def getitem(g, op):
    """Basic indexing (ints, slices, None, ...) and one integer array index, one axis at a
    time: Slice for a slice, Gather for an int (which drops the axis) or an index array,
    Unsqueeze for None."""
    x, index = op.inputs[0], op.inputs[1]
    parts = list(index) if isinstance(index, tuple) else [index]
    parts = [np.asarray(p) if isinstance(p, list) else p for p in parts]
    if any(hasattr(p, "dtype") and p.dtype.kind == "b" for p in parts):
        raise ExportError("onnx.export: indexing with a bool mask has a data-dependent shape "
                          "and no ONNX form here; use masked_fill or where")
    if sum(hasattr(p, "dtype") for p in parts) > 1:
        raise ExportError("onnx.export: indexing with several index arrays is not supported")
    if any(hasattr(p, "dtype") for p in parts):  # NumPy moves the result of split-up array and
        advanced = [i for i, p in enumerate(parts)  # int indices to the front: not done here
                    if hasattr(p, "dtype") or isinstance(p, int)]
        if advanced != list(range(advanced[0], advanced[-1] + 1)):
            raise ExportError("onnx.export: an index array with ints that are not next to it "
                              "is not supported")
    ellipsis = [i for i, p in enumerate(parts) if p is Ellipsis]
    if ellipsis:
        at = ellipsis[0]
        named = sum(p is not None for p in parts) - 1
        parts[at:at + 1] = [slice(None)] * (x.ndim - named)
    dynamic = g.dynamic_dims(x)
    result, axis, in_axis = g.input(op, 0), 0, 0
    for part in parts:
        if part is None:
            result = g.unsqueeze(result, [axis])
            axis += 1
            continue
        size = x.shape[in_axis]
        if isinstance(part, slice):
            start, stop, step = part.indices(size)
            if (start, stop, step) != (0, size, 1):
                if in_axis in dynamic:
                    raise ExportError(f"onnx.export: slicing the dynamic axis {in_axis} with "
                                      f"{part} is not supported")
                if step < 0 and stop < 0:
                    stop = -size - 1  # Slice reads a negative end as counting from the end
                constants = [g.constant(np.array([v], np.int64), "slice")
                             for v in (start, stop, axis, step)]
                result = g.add("Slice", [result] + constants)
            axis += 1
        elif hasattr(part, "dtype"):
            indices = g.constant(np.asarray(part, np.int64), "index")
            result = g.add("Gather", [result, indices], axis=axis)
            axis += part.ndim
        else:
            scalar = g.constant(np.array(int(part), np.int64), "index")
            result = g.add("Gather", [result, scalar], axis=axis)
        in_axis += 1
    return g.add("Identity", [result]) if result == g.input(op, 0) else result


@converts(Split, Unbind)
def split(g, op):
    """The hidden tensor standing for all the pieces (autograd.MultiOutputFunction) is the
    input itself; each piece is cut out of it below."""
    return g.add("Identity", [g.input(op, 0)])


@converts(Split._output_function, Unbind._output_function)
def split_piece(g, op):
    """One piece of split/chunk/unbind: the input indexed as that piece was (as getitem)."""
    all_pieces = op.inputs[0]
    index = all_pieces.grad_fn.indices[op.node.output_index]
    return getitem(g, dataclasses.replace(op, inputs=(all_pieces, index)))
