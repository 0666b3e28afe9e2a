"""``minidl.onnx.export``: write a model as an ONNX file, as ``torch.onnx.export`` does.

    dl.onnx.export(model, (x,), "model.onnx", input_names=["x"], output_names=["logits"],
                   dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})

How: the model runs once in eval mode while the tracer (tracer.py) records every op; each op
becomes ONNX nodes through its converter (converters.py); parameters become initializers
under their state_dict names; other constant tensors become initializers too.

Dynamic axes: a trace sees concrete sizes (a reshape to (32, 12, 4, 16)). To learn which sizes
follow a dynamic input axis, the model is traced a second time with every dynamic input axis
one longer; a size that differs between the two traces is dynamic, and converters write it
symbolically (Reshape's 0 and -1, Expand's 1). The two traces must run the same ops, and every
constant must be the same in both: a constant that changes with the input is a value computed
outside the ops (e.g. straight from ``tensor._data``), which the graph could not reproduce, and
the export stops with an error naming the op that reads it.
"""
import numpy as np

from ..atomic_write import write_bytes_atomically
from ..tensor import Tensor
from .converters import CONVERTERS, ExportError
from .tracer import trace

DEFAULT_OPSET = 17  # the first with LayerNormalization


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=None):
    """Trace ``model(*args)`` and write it to the path ``f`` as an ONNX model.

    ``args``: a Tensor or a tuple of Tensors. ``input_names``/``output_names``: names of the
    graph's inputs and outputs (default "input_0"..., "output_0"...). ``dynamic_axes``: for
    an input or output name, the axes whose size may change, as {axis: "name"} or [axis, ...].
    ``opset_version``: 17 (default) or later. The model is put in eval mode while it is
    traced and its mode is restored. Returns the ``onnx.ModelProto``.
    """
    import onnx

    args = (args,) if isinstance(args, Tensor) else tuple(args)
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset < DEFAULT_OPSET:
        raise ValueError(f"onnx.export: opset_version {opset} is too old; minidl writes "
                         f"LayerNormalization, which needs opset {DEFAULT_OPSET} or later")
    input_names = list(input_names or [f"input_{i}" for i in range(len(args))])
    if len(input_names) != len(args):
        raise ValueError(f"onnx.export: {len(input_names)} input_names for {len(args)} inputs")
    dynamic_axes = {name: _axis_names(name, axes) for name, axes in (dynamic_axes or {}).items()}

    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        first = trace(model, args)
        longer = _lengthen(args, input_names, dynamic_axes)
        second = trace(model, longer) if longer is not None else None
    finally:
        if was_training:
            model.train()
    output_names = list(output_names or [f"output_{i}" for i in range(len(first.outputs))])
    if len(output_names) != len(first.outputs):
        raise ValueError(f"onnx.export: {len(output_names)} output_names for "
                         f"{len(first.outputs)} outputs")
    unknown = set(dynamic_axes) - set(input_names) - set(output_names)
    if unknown:
        raise ValueError(f"onnx.export: dynamic_axes names {sorted(unknown)} are neither "
                         "inputs nor outputs")

    builder = GraphBuilder(opset, _named_tensors(model), first, second)
    graph = builder.build(input_names, output_names, dynamic_axes)
    onnx_model = onnx.helper.make_model(
        graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
        producer_name="minidl", producer_version="0.1.0",
    )
    onnx_model.ir_version = min(onnx_model.ir_version, 10)  # what onnxruntime 1.18+ reads
    onnx.checker.check_model(onnx_model)
    write_bytes_atomically(f, onnx_model.SerializeToString())
    return onnx_model


def _axis_names(name, axes):
    if isinstance(axes, dict):
        return {int(axis): str(label) for axis, label in axes.items()}
    return {int(axis): f"{name}_dynamic_axis_{axis}" for axis in axes}


def _named_tensors(model):
    """(name, tensor) for every parameter and buffer (a quantized layer's int8 weight, a pruning
    mask), and every other tensor a module holds, named as in the state_dict."""
    if not hasattr(model, "named_modules"):
        return []
    named = list(model.named_parameters()) + list(model.named_buffers())
    for prefix, module in model.named_modules():
        for name, value in vars(module).items():
            if isinstance(value, Tensor):
                named.append((f"{prefix}.{name}" if prefix else name, value))
    return named


def _lengthen(args, input_names, dynamic_axes):
    """The inputs with every dynamic axis one longer (its first entry repeated at the end), or
    None when no input has a dynamic axis."""
    changed = False
    longer = []
    for name, arg in zip(input_names, args):
        array = arg.numpy()
        for axis in dynamic_axes.get(name, {}):
            if not -array.ndim <= axis < array.ndim:
                raise ValueError(f"onnx.export: dynamic axis {axis} of input {name!r} is out "
                                 f"of range for shape {arg.shape}")
            size = array.shape[axis]
            array = np.take(array, list(range(size)) + [0], axis=axis)
            changed = True
        longer.append(Tensor._wrap(array))
    return longer if changed else None


class GraphBuilder:
    """Collects ONNX nodes and initializers while the converters run; see converters.py."""

    def __init__(self, opset, named_tensors, first, second):
        self.opset = opset
        self.first, self.second = first, second
        self.tensor_names = {id(t): name for name, t in named_tensors}
        self.names = {}  # id(tensor of the first trace) -> its ONNX name
        self.nodes, self.initializers = [], []
        self.used_names = set()
        self.second_shapes = {}  # id(tensor of the first trace) -> its shape in the second
        if second is not None:
            self._match_traces()

    # ---- what converters call ------------------------------------------------------------
    def input(self, op, index):
        """The ONNX name of input ``index`` of ``op``; a number becomes a constant of the
        dtype of the op's first tensor input."""
        x = op.inputs[index]
        if isinstance(x, Tensor):
            return self._tensor_name(x)
        like = next(t.dtype for t in op.inputs if isinstance(t, Tensor))
        return self.scalar(x, like)

    def scalar(self, value, dtype):
        return self.constant(np.array(value, dtype=dtype), "scalar")

    def constant(self, array, hint):
        from onnx import numpy_helper

        name = self._fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.array(array, order="C"), name))
        return name

    def add(self, op_type, inputs, outputs=1, **attributes):
        """Append an ONNX node; its output's name (a list of ``outputs`` names if > 1)."""
        from onnx import helper

        names = [self._fresh(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), names,
                                           name=f"{op_type}_{len(self.nodes)}", **attributes))
        return names[0] if outputs == 1 else names

    def reduce(self, op_type, x, axes, keepdims):
        """Reduce over ``axes``: as an input from opset 18 (13 for ReduceSum), before as an
        attribute."""
        takes_input = self.opset >= (13 if op_type == "ReduceSum" else 18)
        if takes_input:
            axes_name = self.constant(np.array(axes, np.int64), "axes")
            return self.add(op_type, [x, axes_name], keepdims=keepdims)
        return self.add(op_type, [x], axes=axes, keepdims=keepdims)

    def unsqueeze(self, x, axes):
        return self.add("Unsqueeze", [x, self.constant(np.array(axes, np.int64), "axes")])

    def onnx_dtype(self, dtype):
        from onnx import helper

        return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def dynamic_dims(self, tensor):
        """The axes of ``tensor`` whose size follows a dynamic input axis."""
        other = self.second_shapes.get(id(tensor))
        if other is None:
            return set()
        return {d for d, (a, b) in enumerate(zip(tensor.shape, other)) if a != b}

    def same_size_both_traces(self, a, axis_a, b, axis_b):
        other_a, other_b = self.second_shapes[id(a)], self.second_shapes[id(b)]
        return a.shape[axis_a] == b.shape[axis_b] and other_a[axis_a] == other_b[axis_b]

    # ---- building the graph ------------------------------------------------------------------
    def build(self, input_names, output_names, dynamic_axes):
        from onnx import helper

        for tensor, name in zip(self.first.inputs, input_names):
            self.names[id(tensor)] = name
            self.used_names.add(name)
        self.used_names.update(output_names)
        for op in self.first.ops:
            convert = CONVERTERS.get(op.function)
            if convert is None:
                raise ExportError(
                    f"onnx.export: the op {op.function.__name__} "
                    f"({op.function.__module__}) has no ONNX converter"
                )
            self.names[id(op.output)] = convert(self, op)
        outputs = []
        for tensor, name in zip(self.first.outputs, output_names):
            self.nodes.append(helper.make_node("Identity", [self._tensor_name(tensor)],
                                               [name], name=f"output_{name}"))
            outputs.append(self._value_info(tensor, name, dynamic_axes))
        inputs = [self._value_info(t, n, dynamic_axes)
                  for t, n in zip(self.first.inputs, input_names)]
        return helper.make_graph(self.nodes, "minidl", inputs, outputs,
                                 initializer=self.initializers)

    def _value_info(self, tensor, name, dynamic_axes):
        from onnx import helper

        labels = dynamic_axes.get(name, {})
        dims = [labels.get(d, labels.get(d - tensor.ndim, size))
                for d, size in enumerate(tensor.shape)]
        for d in self.dynamic_dims(tensor):
            if not isinstance(dims[d], str):
                dims[d] = f"{name}_dynamic_axis_{d}"
        return helper.make_tensor_value_info(name, self.onnx_dtype(tensor.dtype), dims)

    def _tensor_name(self, tensor):
        """The name of a graph input or op output; a leaf tensor (a parameter, another tensor
        a module holds, a constant) becomes an initializer on first use."""
        from onnx import numpy_helper

        key = id(tensor)
        if key in self.names:
            return self.names[key]
        name = self.tensor_names.get(key)
        if name is None:
            name = self._fresh("constant")

        self.initializers.append(numpy_helper.from_array(np.array(tensor.numpy(), order="C"),
                                                         name))
        self.used_names.add(name)
        self.names[key] = name
        return name

    def _fresh(self, hint):
        name, n = hint, 0
        while name in self.used_names:
            n += 1
            name = f"{hint}_{n}"
        self.used_names.add(name)
        return name

    def _match_traces(self):
        """Pair every tensor of the first trace with the second's, and check the constants."""
        first, second = self.first, self.second
        if [op.function for op in first.ops] != [op.function for op in second.ops]:
            raise ExportError("onnx.export: the model runs different ops when a dynamic axis "
                              "changes size (control flow that depends on a shape?)")
        for a, b in zip(first.inputs, second.inputs):
            self.second_shapes[id(a)] = b.shape
        made = {id(op.output) for op in first.ops} | {id(t) for t in first.inputs}
        for op, other in zip(first.ops, second.ops):
            self.second_shapes[id(op.output)] = other.output.shape
            for i, (a, b) in enumerate(zip(op.inputs, other.inputs)):
                if isinstance(a, Tensor):
                    if id(a) not in made and not _same_constant(a.numpy(), b.numpy()):
                        raise ExportError(
                            f"onnx.export: input {i} of {op.function.__name__} is a constant "
                            "that changes with the input's dynamic axes: it was computed "
                            "outside minidl's ops (e.g. from a tensor's array), so the graph "
                            "cannot reproduce it"
                        )
                elif op.function not in _SHAPE_OPS and not _same_option(a, b):
                    raise ExportError(
                        f"onnx.export: option {i} of {op.function.__name__} changes with the "
                        f"input's dynamic axes ({a!r} vs {b!r}); cannot export it as dynamic"
                    )


def _same_constant(a, b):
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def _same_option(a, b):
    if hasattr(a, "shape") or hasattr(b, "shape"):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


def _shape_ops():
    from ..ops.indexing import GetItem
    from ..ops.shape import Expand, Reshape

    return {Reshape, Expand, GetItem}


_SHAPE_OPS = _shape_ops()
