"""W2: causal scaled-dot-product attention, forward + backward, B=8 H=8 T=128 D=64 (float32).

One timing is ``o = F.scaled_dot_product_attention(q, k, v, is_causal=True); o.backward(go)``
with q, k, v of shape (B, H, T, D) that require grad (their ``.grad`` reset before each call),
against PyTorch's ``F.scaled_dot_product_attention``. On cuda the script also runs the long
sequence case T=1024, H=16 (workload "W2 T=1024 H=16"), where a fused kernel that never writes
the T x T scores to memory pays off most.
Targets: cpu <= 0.8x PyTorch SDPA; cuda <= 1.5x PyTorch SDPA fp32.
"""
from common import SkipWorkload, import_torch, main, per_impl, torch_device

SHAPES = {"W2": (8, 8, 128, 64)}
CUDA_ONLY_SHAPES = {"W2 T=1024 H=16": (8, 16, 1024, 64)}
TARGETS = {"cpu": ("<= 0.8x PyTorch SDPA", 0.8), "cuda": ("<= 1.5x PyTorch SDPA fp32", 1.5)}


def attention_flops(batch, heads, t, d):
    """Matmul FLOPs of one causal forward+backward (half the score matrix is masked out):
    forward QK^T and PV, backward recomputes QK^T and adds dV, dP, dQ, dK: 2 + 5 matmuls."""
    one_matmul = 2 * batch * heads * t * t * d * 0.5
    return 7 * one_matmul


def make_builder(shape):
    def build(impl, device):
        import numpy as np

        rng = np.random.default_rng(0)
        q0, k0, v0, go0 = (rng.standard_normal(shape, dtype=np.float32) for _ in range(4))
        if impl == "pytorch":
            torch = import_torch()
            tdev = torch_device(torch, device)
            if tdev is None:
                raise SkipWorkload("this PyTorch build has no CUDA")
            q, k, v = (torch.tensor(a, device=tdev, requires_grad=True) for a in (q0, k0, v0))
            go = torch.tensor(go0, device=tdev)
            sdpa = torch.nn.functional.scaled_dot_product_attention
        else:
            import minidl as dl
            import minidl.nn.functional as F

            q, k, v = (dl.tensor(a, device=device, requires_grad=True) for a in (q0, k0, v0))
            go = dl.tensor(go0, device=device)
            sdpa = F.scaled_dot_product_attention

        def step():
            q.grad = k.grad = v.grad = None
            sdpa(q, k, v, is_causal=True).backward(go)

        return step

    return build


def run(device="cpu", quick=False):
    target, ratio = TARGETS[device]
    shapes = dict(SHAPES, **(CUDA_ONLY_SHAPES if device == "cuda" else {}))
    results = []
    for workload, shape in shapes.items():
        found = per_impl(workload, device, quick, make_builder(shape), per="fwd+bwd",
                         target=target, target_ratio=ratio, repeats=3 if quick else 30)
        b, h, t, d = shape
        for r in found:
            r.extra.update(shape=list(shape), flops=attention_flops(*shape),
                           note=f"B={b} H={h} T={t} D={d}, causal")
        results += found
    return results


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0])
