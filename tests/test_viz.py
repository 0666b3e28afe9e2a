"""minidl.viz.draw_graph: every tensor's gradient is right, the drawing is complete, misuse is
reported."""
import matplotlib
import numpy as np
import pytest

import minidl as dl
from minidl.viz import draw_graph, graph_layout, node_gradients


def _small_network(seed=0):
    rng = np.random.default_rng(seed)
    x = dl.tensor(rng.standard_normal((6, 3)))
    w1 = dl.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b1 = dl.tensor(rng.standard_normal(4), requires_grad=True)  # broadcast over the batch
    w2 = dl.tensor(rng.standard_normal((4, 1)), requires_grad=True)
    hidden = (x @ w1 + b1).tanh()
    loss = ((hidden @ w2) ** 2).mean() + (hidden * hidden).sum() * 0.1  # hidden used twice
    return loss, {"w1": w1, "b1": b1, "w2": w2, "hidden": hidden}


def test_node_gradients_match_the_engine_for_leaves_and_intermediates():
    loss, named = _small_network()
    grads = node_gradients(loss)
    hidden = named["hidden"]
    # d loss / d hidden, by hand: 2 (hidden w2) w2^T / N + 0.2 hidden
    expected_hidden = (2 * (hidden.numpy() @ named["w2"].numpy()) @ named["w2"].numpy().T / 6
                       + 0.2 * hidden.numpy())
    np.testing.assert_allclose(grads[id(hidden)], expected_hidden, rtol=1e-12)
    loss.backward()
    for name in ("w1", "b1", "w2"):
        tensor = named[name]
        assert grads[id(tensor)].shape == tensor.shape
        np.testing.assert_allclose(grads[id(tensor)], tensor.grad.numpy(), rtol=1e-12)


def test_scalar_graph_by_hand():
    a, b, c, f = (dl.tensor(v, requires_grad=True) for v in (2.0, -3.0, 10.0, -2.0))
    d = a * b + c
    grads = node_gradients(d * f)
    assert [float(grads[id(t)]) for t in (a, b, c, f, d)] == [6.0, -4.0, -2.0, 4.0, -2.0]


def test_draw_graph_draws_one_box_per_tensor_with_value_and_grad(tmp_path):
    loss, named = _small_network()
    backend = matplotlib.get_backend()
    fig = draw_graph(loss, named)
    nodes, edges, *_ = graph_layout(loss, named)
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_text()]  # the boxes
    arrows = [t for t in fig.axes[0].texts if not t.get_text()]  # empty annotations
    assert len(texts) == len(nodes) == 13 and len(arrows) == len(edges)
    assert all("data " in t and "grad " in t for t in texts)
    assert any(t.startswith("w1  (3, 4)") for t in texts)
    assert any(t.startswith("hidden = Tanh") for t in texts)
    fig.savefig(tmp_path / "graph.png")
    assert (tmp_path / "graph.png").stat().st_size > 1000
    assert matplotlib.get_backend() == backend  # no pyplot window, no backend switch


def test_draw_graph_after_backward_says_how_to_fix_it():
    loss, _ = _small_network()
    loss.backward()
    with pytest.raises(RuntimeError, match="before backward"):
        draw_graph(loss)
    loss, _ = _small_network()
    loss.backward(retain_graph=True)
    draw_graph(loss)  # fine with a retained graph


def test_draw_graph_needs_a_one_element_root():
    w = dl.tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(ValueError, match="one element"):
        draw_graph(w * 2)
