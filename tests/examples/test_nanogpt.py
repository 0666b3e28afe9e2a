"""The nanoGPT-style example runs with only its imports switched: the same source file, loaded
once with minidl and once with PyTorch, gives the same losses from the same initial weights."""
import pathlib

import numpy as np
import pytest

import minidl as dl
from minidl.examples import nanogpt, nanogpt_pytorch

SOURCE = pathlib.Path(nanogpt.__file__).read_text()


def load_with_torch():
    """The example's source with its three framework imports switched to PyTorch."""
    pytest.importorskip("torch")
    return nanogpt_pytorch.load_with_torch()


def test_only_the_imports_name_minidl():
    assert SOURCE.count(nanogpt_pytorch.MINIDL_IMPORTS) == 1
    model_code = SOURCE[SOURCE.index("# ---- model"):SOURCE.index("# ---- training")]
    assert "minidl" not in model_code


CONFIG = dict(block_size=8, vocab_size=13, n_layer=2, n_head=2, n_embd=16, dropout=0.0)


def copy_weights(minidl_model, torch_model):
    import torch

    state = {name: torch.from_numpy(np.array(t.numpy())) for name, t in
             minidl_model.state_dict().items()}
    torch_model.load_state_dict(state, strict=True)


def batch(batch_size=4, seed=0):
    """Random token ids and their next tokens (the same batch every step, so the loss falls)."""
    ids = np.random.default_rng(seed).integers(
        0, CONFIG["vocab_size"], size=(batch_size, CONFIG["block_size"] + 1))
    return ids[:, :-1], ids[:, 1:].copy()


@pytest.mark.parametrize("flash", [True, False], ids=["sdpa", "masked_softmax"])
def test_losses_match_pytorch_over_adamw_steps(flash):
    torch_gpt = load_with_torch()
    import torch

    dl.manual_seed(0)
    model = nanogpt.GPT(nanogpt.GPTConfig(**CONFIG, flash=flash))
    reference = torch_gpt.GPT(torch_gpt.GPTConfig(**CONFIG, flash=flash))
    assert list(model.state_dict()) == list(reference.state_dict())
    copy_weights(model, reference)
    assert model.get_num_params() == reference.get_num_params()
    options = dict(weight_decay=0.1, learning_rate=1e-2, betas=(0.9, 0.95))
    optimizer = model.configure_optimizers(**options)
    torch_optimizer = reference.configure_optimizers(**options)
    assert [len(g["params"]) for g in optimizer.param_groups] == \
        [len(g["params"]) for g in torch_optimizer.param_groups]
    ours, theirs = [], []
    x, y = batch()
    for _ in range(5):
        _, loss = model(dl.tensor(x), dl.tensor(y))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        ours.append(loss.item())
        _, torch_loss = reference(torch.from_numpy(x), torch.from_numpy(y))
        torch_optimizer.zero_grad(set_to_none=True)
        torch_loss.backward()
        torch_optimizer.step()
        theirs.append(torch_loss.item())
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=1e-5)
    assert ours[-1] < ours[0]  # it learns


def test_greedy_generation_matches_pytorch():
    """With top_k=1 the sampling is deterministic, so both frameworks pick the same tokens."""
    torch_gpt = load_with_torch()
    import torch

    dl.manual_seed(1)
    model = nanogpt.GPT(nanogpt.GPTConfig(**CONFIG)).eval()
    reference = torch_gpt.GPT(torch_gpt.GPTConfig(**CONFIG)).eval()
    copy_weights(model, reference)
    prompt = np.array([[1, 2, 3], [4, 5, 6]])
    ours = model.generate(dl.tensor(prompt), max_new_tokens=10, top_k=1)  # past block_size
    theirs = reference.generate(torch.from_numpy(prompt), max_new_tokens=10, top_k=1)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_sampling_stays_in_vocabulary_and_extends_the_prompt():
    dl.manual_seed(2)
    model = nanogpt.GPT(nanogpt.GPTConfig(**CONFIG)).eval()
    out = model.generate(dl.tensor([[0, 1]]), max_new_tokens=5, temperature=0.9, top_k=4)
    assert out.shape == (1, 7) and out.dtype == dl.int64
    assert out[:, :2].tolist() == [[0, 1]]
    assert 0 <= int(out.min()) and int(out.max()) < CONFIG["vocab_size"]


def test_tied_embedding_is_one_parameter():
    model = nanogpt.GPT(nanogpt.GPTConfig(**CONFIG))
    assert model.transformer.wte.weight is model.lm_head.weight
    names = [name for name, _ in model.named_parameters()]
    assert "lm_head.weight" not in names and "transformer.wte.weight" in names


def test_example_trains_in_quick_mode():
    with dl.use_kernels("reference"):
        result = nanogpt.train(quick=True, verbose=False)
    assert result["last_loss"] < result["first_loss"] - 0.5
    assert len(result["sample"]) == 81


def test_model_prints_like_pytorch():
    torch_gpt = load_with_torch()
    ours = nanogpt.GPT(nanogpt.GPTConfig(**CONFIG))
    assert repr(ours) == repr(torch_gpt.GPT(torch_gpt.GPTConfig(**CONFIG)))
