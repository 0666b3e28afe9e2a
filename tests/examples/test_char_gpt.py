"""The character-level GPT example: the key-value cache gives the full model's logits, the
sampling filters keep what they promise, and a short training run learns and samples."""
import numpy as np
import pytest

import minidl as dl
from minidl.datasets import load_sonnets
from minidl.examples import char_gpt


def test_sonnets_ship_with_the_package():
    text = load_sonnets()
    assert len(text) == 9931 and text.startswith("I\n\nFrom fairest creatures")
    # 16 sonnets, each a numeral and a blank line before its lines, a blank line between them
    assert text.isascii() and text.count("\n\n") == 16 + 15


def test_tokenizer_round_trip():
    tokenizer = char_gpt.CharTokenizer("hello world")
    assert tokenizer.decode(tokenizer.encode("world hello")) == "world hello"
    assert len(tokenizer) == len(set("hello world"))


def _model(seed=0):
    dl.manual_seed(seed)
    model = char_gpt.GPT(vocab_size=20, block_size=16, d_model=32, n_heads=4, n_layers=2)
    model.eval()
    return model


def test_kv_cache_gives_the_full_forward_logits():
    model = _model()
    ids = np.random.default_rng(0).integers(0, 20, (1, 12))
    with dl.no_grad():
        full = model(dl.tensor(ids)).numpy()
        caches = [{} for _ in model.blocks]
        pieces = [model(dl.tensor(ids[:, :5]), caches, 0).numpy()]
        for t in range(5, 12):
            pieces.append(model(dl.tensor(ids[:, t:t + 1]), caches, t).numpy())
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), full, atol=1e-5)
    assert caches[0]["k"].shape == (1, 4, 12, 8)


def test_generation_with_and_without_cache_agree():
    model = _model(1)
    prompt = np.array([3, 1, 4])
    plain = char_gpt.generate(model, prompt, 10, np.random.default_rng(0), top_k=5,
                              use_cache=False)
    cached = char_gpt.generate(model, prompt, 10, np.random.default_rng(0), top_k=5)
    np.testing.assert_array_equal(plain, cached)
    assert len(cached) == 13 and (cached[:3] == prompt).all()
    with pytest.raises(ValueError, match="block size"):
        char_gpt.generate(model, prompt, 14, np.random.default_rng(0))
    long = char_gpt.generate(model, prompt, 20, np.random.default_rng(0), use_cache=False)
    assert len(long) == 23  # without the cache the context window slides


def test_filter_logits():
    logits = np.array([2.0, -1.0, 0.5, 3.0, 0.0, 1.0])
    p = char_gpt.filter_logits(logits)
    np.testing.assert_allclose(p, np.exp(logits) / np.exp(logits).sum())
    top2 = char_gpt.filter_logits(logits, top_k=2)
    assert set(np.flatnonzero(top2)) == {0, 3} and np.isclose(top2.sum(), 1)
    # top-p: the smallest set of most likely tokens reaching p
    nucleus = char_gpt.filter_logits(logits, top_p=0.8)
    order = np.argsort(-p)
    needed = int(np.searchsorted(np.cumsum(p[order]), 0.8)) + 1
    assert set(np.flatnonzero(nucleus)) == set(order[:needed])
    assert set(np.flatnonzero(char_gpt.filter_logits(logits, top_p=1e-9))) == {3}
    sharp = char_gpt.filter_logits(logits, temperature=0.1)
    flat = char_gpt.filter_logits(logits, temperature=10.0)
    assert sharp[3] > 0.99 and flat.max() < 0.25
    with pytest.raises(ValueError, match="temperature"):
        char_gpt.filter_logits(logits, temperature=0)


def test_a_short_training_run_learns(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIDL_QUICK", "1")
    results = char_gpt.main(["--steps", "12", "--out", str(tmp_path)])
    losses = results["history"]["train_loss"]
    assert losses[-1] < losses[0]
    assert results["kv_cache_same_text"] and results["kv_cache_speedup"] > 0
    assert all(sample.startswith("Shall I ") for sample in results["samples"].values())
    assert (tmp_path / "results.json").is_file() and (tmp_path / "char_gpt.minidl").is_file()
