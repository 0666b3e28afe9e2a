"""W8: one AdamW training step of a GPT: 4 layers, 4 heads, n_embd 128, block 128, batch 16.

The model is minidl/examples/nanogpt.py, written the way PyTorch users write a GPT with
``import minidl as torch``. The PyTorch side runs the very same source with its three framework
import lines switched to PyTorch's (as tests/examples/test_nanogpt.py does), so both frameworks
run identical model code. Both start from minidl's initial weights (copied by name) and see the
same random batch of token ids (vocab 64, the example's default); dropout is 0. One step is
``logits, loss = model(x, y); optimizer.zero_grad(set_to_none=True); loss.backward();
optimizer.step()`` with the example's ``configure_optimizers`` (AdamW, weight decay 0.1 on the
matrices only, lr 1e-3). ``--quick`` shrinks the model and batch (a smoke run).
Targets: cpu <= 0.9x PyTorch; cuda <= 1.0x PyTorch.
"""
from common import SkipWorkload, import_torch, main, per_impl, torch_device

WORKLOAD = "W8"
CONFIG = dict(n_layer=4, n_head=4, n_embd=128, block_size=128, vocab_size=64, dropout=0.0)
BATCH = 16
QUICK_CONFIG = dict(n_layer=1, n_head=2, n_embd=16, block_size=16, vocab_size=64, dropout=0.0)
QUICK_BATCH = 2
TARGETS = {"cpu": ("<= 0.9x PyTorch", 0.9), "cuda": ("<= 1.0x PyTorch", 1.0)}


def nanogpt_with_torch():
    """minidl/examples/nanogpt.py loaded as a module with its framework imports switched to
    PyTorch's."""
    from minidl.examples.nanogpt_pytorch import load_with_torch

    return load_with_torch()


def step_flops(config, batch):
    """Matmul FLOPs of one forward+backward (backward ~ 2x forward): per layer the four
    projections (qkv, out) and the MLP (4x), the causal attention core, then the LM head."""
    tokens, d, t = batch * config["block_size"], config["n_embd"], config["block_size"]
    per_layer = 2 * tokens * (4 * d * d + 8 * d * d) + 2 * 2 * batch * t * t * d * 0.5
    head = 2 * tokens * d * config["vocab_size"]
    return 3 * (config["n_layer"] * per_layer + head)


def make_builder(config, batch):
    def build(impl, device):
        import numpy as np

        import minidl as dl
        from minidl.examples import nanogpt

        ids = np.random.default_rng(0).integers(
            0, config["vocab_size"], size=(batch, config["block_size"] + 1))
        x0, y0 = ids[:, :-1].copy(), ids[:, 1:].copy()
        options = dict(weight_decay=0.1, learning_rate=1e-3, betas=(0.9, 0.95))
        if impl == "pytorch":
            torch = import_torch()
            tdev = torch_device(torch, device)
            if tdev is None:
                raise SkipWorkload("this PyTorch build has no CUDA")
            with dl.use_kernels("reference"):  # only for the initial weights
                dl.manual_seed(0)
                state = nanogpt.GPT(nanogpt.GPTConfig(**config)).state_dict()
            torch_gpt = nanogpt_with_torch()
            model = torch_gpt.GPT(torch_gpt.GPTConfig(**config))
            model.load_state_dict({k: torch.from_numpy(np.array(v.numpy()))
                                   for k, v in state.items()})
            model.to(tdev)
            x, y = torch.from_numpy(x0).to(tdev), torch.from_numpy(y0).to(tdev)
        else:
            dl.manual_seed(0)
            model = nanogpt.GPT(nanogpt.GPTConfig(**config)).to(device)
            x, y = dl.tensor(x0, device=device), dl.tensor(y0, device=device)
        optimizer = model.configure_optimizers(**options)

        def step():
            _, loss = model(x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        return step

    return build


def run(device="cpu", quick=False):
    target, ratio = TARGETS[device]
    config, batch = (QUICK_CONFIG, QUICK_BATCH) if quick else (CONFIG, BATCH)
    results = per_impl(WORKLOAD, device, quick, make_builder(config, batch), per="step",
                       target=target, target_ratio=ratio, repeats=3 if quick else 20)
    note = f"B={batch} T={config['block_size']} d={config['n_embd']} L={config['n_layer']}"
    for r in results:
        r.extra.update(flops=step_flops(config, batch), note=note)
    return results


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0])
