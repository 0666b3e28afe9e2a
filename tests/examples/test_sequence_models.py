"""The sequence-model examples in quick mode: they run end to end and learn something.

They run on the reference kernels: at these tiny sizes a step is dominated by per-call costs,
and the parallel Numba kernels wait for their threads when other processes keep the cores busy,
which made these tests minutes slower on a loaded machine. The kernels' own tests cover Numba.
"""
import math

import pytest

import minidl as dl
from minidl.examples import sort_transformer, tiny_bert


@pytest.fixture(autouse=True)
def reference_kernels():
    with dl.use_kernels("reference"):
        yield


def test_sort_transformer_learns_to_sort():
    result = sort_transformer.train(quick=True, verbose=False)
    assert result["accuracy"] > 0.8  # chance is about 0.1; the full run reaches >= 0.99


def test_tiny_bert_compares_pretrained_and_scratch(tmp_path):
    plot = tmp_path / "attention.png"
    result = tiny_bert.run(quick=True, plot_path=str(plot), verbose=False)
    for name in ("pretrained", "pretrained_frozen", "scratch"):
        assert 0.0 <= result[name] <= 1.0
    assert max(result["pretrained"], result["scratch"]) > 0.3  # above chance (0.25)
    assert math.isfinite(result["mlm_loss"])
    assert plot.stat().st_size > 0
