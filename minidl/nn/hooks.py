"""Forward hooks: functions a Module calls around its ``forward``, to look at (or change) what
flows through a model without editing it, e.g. to record every layer's activations::

    activations = {}
    handle = model.fc.register_forward_hook(
        lambda module, args, output: activations.update(fc=output.detach()))
    model(x)
    handle.remove()
"""
import itertools

_next_id = itertools.count()


class RemovableHandle:
    """What ``register_forward_hook`` returns: ``remove()`` unregisters the hook (also on
    leaving a ``with`` block)."""

    def __init__(self, hooks):
        self.hooks, self.id = hooks, next(_next_id)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(hooks, hook, prepend, name, **unsupported):
    """Store ``hook`` in the ordered dict ``hooks`` (first when ``prepend``); a handle."""
    for option, value in unsupported.items():
        if value:
            raise NotImplementedError(f"{name}: the {option}= option is not supported")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def call_with_hooks(module, args, kwargs):
    """pre-hooks (each may return new positional args), forward, then hooks (each may return
    a new output)."""
    for hook in list(module._forward_pre_hooks.values()):
        result = hook(module, args)
        if result is not None:
            args = result if isinstance(result, tuple) else (result,)
    output = module.forward(*args, **kwargs)
    for hook in list(module._forward_hooks.values()):
        result = hook(module, args, output)
        if result is not None:
            output = result
    return output
