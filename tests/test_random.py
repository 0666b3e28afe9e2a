"""dl.Generator and the random functions: seeded streams, generator=, and the distributions of
multinomial, bernoulli, normal and randperm."""
import numpy as np
import pytest

import minidl as dl


def test_a_seeded_generator_repeats_its_stream_whatever_else_is_drawn():
    def draw(generator):
        return [
            dl.rand(3, generator=generator).numpy(),
            dl.randn(2, 2, generator=generator).numpy(),
            dl.randint(0, 10, (4,), generator=generator).numpy(),
            dl.randperm(5, generator=generator).numpy(),
            dl.multinomial(dl.ones(6), 3, generator=generator).numpy(),
            dl.multinomial(dl.ones(6), 8, replacement=True, generator=generator).numpy(),
            dl.bernoulli(dl.full((5,), 0.5), generator=generator).numpy(),
            dl.normal(0.0, 1.0, (3,), generator=generator).numpy(),
            dl.rand_like(dl.ones(2), generator=generator).numpy(),
            dl.randn_like(dl.ones(2), generator=generator).numpy(),
            dl.randint_like(dl.ones(2), 5, generator=generator).numpy(),
        ]

    first = draw(dl.Generator().manual_seed(42))
    dl.randn(100)  # the default generator moves on; a seeded one does not care
    second = draw(dl.Generator().manual_seed(42))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    third = draw(dl.Generator().manual_seed(43))
    assert not all(np.array_equal(a, b) for a, b in zip(first, third))


def test_generator_api():
    g = dl.Generator()
    assert g.manual_seed(7) is g and g.initial_seed() == 7 and g.device == "cpu"
    state = g.get_state()
    a = dl.rand(3, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(dl.rand(3, generator=g).numpy(), a.numpy())
    with pytest.raises(TypeError, match="rand: generator must be a dl.Generator"):
        dl.rand(2, generator=np.random.default_rng(0))


def test_multinomial_with_replacement_follows_the_weights():
    weights = dl.tensor([[1.0, 0.0, 3.0], [0.0, 5.0, 5.0]])
    samples = dl.multinomial(weights, 20000, replacement=True, generator=dl.Generator().manual_seed(0))
    assert samples.shape == (2, 20000) and samples.dtype == dl.int64
    counts = np.stack([np.bincount(row, minlength=3) for row in samples.numpy()]) / 20000
    np.testing.assert_allclose(counts, [[0.25, 0.0, 0.75], [0.0, 0.5, 0.5]], atol=0.02)


def test_multinomial_without_replacement_draws_each_category_at_most_once():
    g = dl.Generator().manual_seed(1)
    weights = dl.tensor([1.0, 2.0, 0.0, 4.0, 8.0])
    firsts = []
    for _ in range(2000):
        sample = dl.multinomial(weights, 4, generator=g).numpy()
        assert sorted(sample) == [0, 1, 3, 4]  # the zero-weight category never appears
        firsts.append(sample[0])
    np.testing.assert_allclose(np.bincount(firsts, minlength=5) / 2000,
                               np.array([1, 2, 0, 4, 8]) / 15, atol=0.03)
    with pytest.raises(RuntimeError, match="without replacement"):
        dl.multinomial(weights, 5)


def test_multinomial_rejects_bad_weights():
    with pytest.raises(RuntimeError, match="non-negative"):
        dl.multinomial(dl.tensor([1.0, -1.0]), 1)
    with pytest.raises(RuntimeError, match="sums to zero"):
        dl.multinomial(dl.tensor([0.0, 0.0]), 1, replacement=True)


def test_bernoulli_normal_randperm_distributions():
    g = dl.Generator().manual_seed(2)
    p = dl.tensor([0.1, 0.9]).expand(20000, 2)
    np.testing.assert_allclose(dl.bernoulli(p, generator=g).numpy().mean(0), [0.1, 0.9], atol=0.01)
    assert p.bernoulli(generator=g).dtype == dl.float32
    samples = dl.normal(dl.tensor([-3.0, 5.0]).expand(20000, 2), dl.tensor([1.0, 0.1]), generator=g)
    np.testing.assert_allclose(samples.numpy().mean(0), [-3.0, 5.0], atol=0.03)
    np.testing.assert_allclose(samples.numpy().std(0), [1.0, 0.1], rtol=0.03)
    assert sorted(dl.randperm(10, generator=g).tolist()) == list(range(10))
    assert dl.randperm(4).dtype == dl.int64


def test_tensor_multinomial_method_as_in_nanogpt_generate():
    probs = dl.softmax(dl.randn(2, 65), dim=-1)
    next_tokens = dl.multinomial(probs, num_samples=1)
    assert next_tokens.shape == (2, 1) and probs.multinomial(3).shape == (2, 3)
