"""Backward finishes each leaf's gradient as early as it can: right after the last op that uses
it, so that DistributedDataParallel can start all-reducing it while backward goes on."""
import minidl as dl
import minidl.nn as nn
from minidl.autograd import topological_order


def test_a_late_layers_weight_is_ready_before_earlier_layers_are_differentiated():
    dl.manual_seed(0)
    first, last = nn.Linear(4, 4), nn.Linear(4, 2)
    events = []
    hidden = first(dl.randn(3, 4)).tanh()
    hidden.register_hook(lambda grad: events.append("hidden"))
    last.weight.register_post_accumulate_grad_hook(lambda p: events.append("last.weight"))
    first.weight.register_post_accumulate_grad_hook(lambda p: events.append("first.weight"))
    last(hidden).sum().backward()
    assert events == ["last.weight", "hidden", "first.weight"]


def test_each_leaf_comes_right_after_its_last_consumer_and_the_order_stays_topological():
    w1 = dl.randn(3, requires_grad=True)
    w2 = dl.randn(3, requires_grad=True)
    a = (w1 * 2).exp()
    b = a * w2  # w2's only consumer
    c = b + w1  # w1's last consumer (in backward order): its first use is deeper, at w1 * 2
    root = c.sum()
    order = topological_order(root)
    position = {id(t): i for i, t in enumerate(order)}
    assert position[id(w2)] == position[id(b)] + 1
    for tensor in order:  # every tensor before the tensors it was built from
        if tensor.grad_fn is not None:
            for x in tensor.grad_fn.inputs:
                if isinstance(x, dl.Tensor) and x.requires_grad:
                    assert position[id(tensor)] < position[id(x)]
