"""The deployment examples in quick mode: they run and show their effect."""
import numpy as np


def test_prune_digits_curve(tmp_path):
    from minidl.examples import prune_digits

    result = prune_digits.run(quick=True, out=tmp_path, verbose=False)
    assert (tmp_path / "accuracy_vs_sparsity.png").exists()
    sparsity = np.array(result["sparsity"])
    np.testing.assert_allclose(sparsity, prune_digits.SPARSITIES, atol=0.01)
    assert result["global"][0] > 0.85  # the dense model
    assert result["global"][-1] < result["global"][0]  # 98% pruned loses accuracy
    at_80 = prune_digits.SPARSITIES.index(0.8)
    assert result["global_fine_tuned"][at_80] >= result["global"][at_80] - 0.02
