"""Exercise check_state_dict: what ``load_state_dict(strict=True)`` checks before loading.

A model's ``state_dict()`` maps parameter names ("0.weight", "encoder.layers.1.norm1.bias")
to tensors. Loading a checkpoint into a model fails loudly, before touching any weight, when

- a key the model needs is missing from the checkpoint (``missing``),
- the checkpoint has a key the model does not know (``unexpected``; often a renamed layer or a
  "module." prefix from another library),
- a key is in both but the shapes differ (``mismatched``: a changed layer size).

Write ``compare_state_dicts(model_shapes, checkpoint_shapes)``: both are dicts from name to
shape tuple. Return a dict with three sorted lists: ``"missing"`` and ``"unexpected"`` (names),
``"mismatched"`` ((name, model_shape, checkpoint_shape) tuples). Then ``explain`` (given) turns
that into an error message.
Check with:  python -m minidl.exercises check check_state_dict
"""


def compare_state_dicts(model_shapes, checkpoint_shapes):
    """Missing, unexpected and mis-shaped keys of a checkpoint, compared with the model."""
    # BEGIN SOLUTION
    missing = sorted(set(model_shapes) - set(checkpoint_shapes))
    unexpected = sorted(set(checkpoint_shapes) - set(model_shapes))
    mismatched = sorted(
        (name, tuple(model_shapes[name]), tuple(checkpoint_shapes[name]))
        for name in set(model_shapes) & set(checkpoint_shapes)
        if tuple(model_shapes[name]) != tuple(checkpoint_shapes[name])
    )
    return {"missing": missing, "unexpected": unexpected, "mismatched": mismatched}
    # END SOLUTION


def explain(report):
    """A readable error message from compare_state_dicts' report, or None when all is well."""
    lines = []
    if report["missing"]:
        lines.append("missing keys: " + ", ".join(report["missing"]))
    if report["unexpected"]:
        lines.append("unexpected keys: " + ", ".join(report["unexpected"]))
    for name, model_shape, checkpoint_shape in report["mismatched"]:
        lines.append(f"{name}: the model has shape {model_shape}, the checkpoint {checkpoint_shape}")
    return "\n".join(lines) or None
