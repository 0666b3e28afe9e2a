"""Module hooks: functions a Module calls around its ``forward`` (and, for full backward hooks,
when backward reaches it), to look at or change what flows through a model without editing it,
e.g. to record every layer's activations::

    activations = {}
    handle = model.fc.register_forward_hook(
        lambda module, args, output: activations.update(fc=output.detach()))
    model(x)
    handle.remove()

``Module.register_*_hook`` store the hooks in the module's ``ModuleHooks`` (made on the first
registration, so a module without hooks pays nothing per call).
"""
import functools
from collections import OrderedDict

from ..autograd import is_grad_enabled
from ..ops.identity import identity
from ..tensor import Tensor


class ModuleHooks:
    """The hooks registered on one module, and how a call runs them (``Module.__call__``)."""

    def __init__(self):
        self.forward_pre = OrderedDict()  # handle id -> hook(module, args)
        self.forward = OrderedDict()  # handle id -> hook(module, args, output)
        self.backward = OrderedDict()  # handle id -> hook(module, grad_input, grad_output)

    def call(self, module, args, kwargs):
        for hook in tuple(self.forward_pre.values()):
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_call = None
        if self.backward and is_grad_enabled():
            backward_call = _BackwardHookCall(module, self.backward)
            args = backward_call.wrap_inputs(args)
        output = module.forward(*args, **kwargs)
        for hook in tuple(self.forward.values()):
            result = hook(module, args, output)
            if result is not None:
                output = result
        if backward_call is not None:
            backward_call.watch_outputs(output)
        return output


class _BackwardHookCall:
    """One call of a module with full backward hooks.

    Each tensor input that requires grad goes through ``ops.identity`` before forward, and a
    tensor hook on that copy receives the module's own contribution to the input's gradient; a
    tensor hook on each output receives ``grad_output``. Backward reaches the outputs first;
    when the last input gradient arrives, the module's hooks run. (With several tensor inputs,
    a hook may replace only the gradient of the input that backward reaches last.)
    """

    def __init__(self, module, hooks):
        self.module, self.hooks = module, hooks
        self.grad_input, self.grad_output = (), ()
        self.waiting_inputs = 0

    def wrap_inputs(self, args):
        self.grad_input = [None] * len(args)
        wrapped = list(args)
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor) and arg.requires_grad:
                wrapped[i] = identity(arg)
                wrapped[i].register_hook(functools.partial(self._input_gradient, i))
                self.waiting_inputs += 1
        return tuple(wrapped)

    def watch_outputs(self, output):
        outputs = output if isinstance(output, tuple) else (output,)
        self.grad_output = [None] * len(outputs)
        for j, out in enumerate(outputs):
            if isinstance(out, Tensor) and out.requires_grad:
                out.register_hook(functools.partial(self._output_gradient, j))

    def _output_gradient(self, j, grad):
        self.grad_output[j] = grad
        if self.waiting_inputs == 0:  # no input needs a gradient: the hooks see Nones
            self._run_hooks()

    def _input_gradient(self, i, grad):
        self.grad_input[i] = grad
        self.waiting_inputs -= 1
        if self.waiting_inputs:
            return None
        replaced = self._run_hooks()
        return None if replaced is None else replaced[i]

    def _run_hooks(self):
        """Run the module's backward hooks; the last replacement of grad_input, or None."""
        replaced = None
        for hook in tuple(self.hooks.values()):
            result = hook(self.module, tuple(self.grad_input), tuple(self.grad_output))
            if result is not None:
                if len(result) != len(self.grad_input):
                    raise RuntimeError(
                        f"backward hook {getattr(hook, '__name__', hook)!r} returned "
                        f"{len(result)} gradients, expected {len(self.grad_input)} (one per "
                        "positional input)"
                    )
                self.grad_input = list(result)
                replaced = result
        return replaced
