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


def test_distillation_loss_matches_its_formula():
    import minidl as dl
    import minidl.nn.functional as F
    from minidl.examples.distill_digits import distillation_loss

    rng = np.random.default_rng(0)
    student, teacher = rng.standard_normal((2, 5, 4)).astype(np.float32)
    targets = rng.integers(0, 4, 5)
    T, alpha = 3.0, 0.7

    def log_softmax(z):
        z = z - z.max(axis=-1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))

    p_teacher = np.exp(log_softmax(teacher / T))
    kl = (p_teacher * (log_softmax(teacher / T) - log_softmax(student / T))).sum(-1).mean()
    hard = -log_softmax(student)[np.arange(5), targets].mean()
    got = distillation_loss(dl.tensor(student), dl.tensor(teacher), dl.tensor(targets), T, alpha)
    np.testing.assert_allclose(got.item(), alpha * T**2 * kl + (1 - alpha) * hard, rtol=1e-5)
    same = distillation_loss(dl.tensor(student), dl.tensor(student), dl.tensor(targets), T, 1.0)
    assert abs(same.item()) < 1e-6
    hard_only = distillation_loss(dl.tensor(student), dl.tensor(teacher), dl.tensor(targets), T,
                                  0.0)
    np.testing.assert_allclose(hard_only.item(),
                               F.cross_entropy(dl.tensor(student), dl.tensor(targets)).item(),
                               rtol=1e-6)


def test_distill_digits_quick():
    from minidl.examples import distill_digits

    result = distill_digits.run(quick=True, seeds=(0,), verbose=False)
    assert result["teacher"][0] > 0.9
    assert result["student_alone"][0] > 0.6 and result["student_distilled"][0] > 0.6
