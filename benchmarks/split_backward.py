"""What cutting q, k, v with one split op saves in backward, measured A/B in one process.

    python benchmarks/split_backward.py

W8's attention cuts the (B, T, 3C) projection into q, k, v, views them as heads, and uses all
three. Cut with ``narrow`` (plain indexing, as ``split`` was before), each piece's backward
allocates a zero gradient of the full (B, T, 3C) shape and the engine sums the three; cut with
``split`` (one op with an output per piece), backward writes the three gradients into one array.
Both run interleaved with W8's sizes (B=16, T=128, C=128, 4 heads), and the script prints the
minimum over the repeats of the backward pass alone, so that a busy machine slows both alike.
"""
import time

import minidl as dl

B, T, C, HEADS = 16, 128, 128, 4


def backward_seconds(cut, x, weight):
    """Seconds of one backward through cut pieces viewed as heads, each weighted and summed."""
    pieces = [p.view(B, T, HEADS, C // HEADS).transpose(1, 2) for p in cut(x)]
    loss = sum((p * weight).sum() for p in pieces)
    start = time.perf_counter()
    loss.backward()
    seconds = time.perf_counter() - start
    x.grad = None
    return seconds


def main(repeat=30):
    dl.manual_seed(0)
    x = dl.randn(B, T, 3 * C, requires_grad=True)
    weight = dl.randn(B, HEADS, T, C // HEADS)
    cuts = {
        "narrow x3 (indexing)": lambda t: [t.narrow(2, i * C, C) for i in range(3)],
        "split (one op)": lambda t: t.split(C, dim=2),
    }
    best = {name: float("inf") for name in cuts}
    for _ in range(repeat):
        for name, cut in cuts.items():
            best[name] = min(best[name], backward_seconds(cut, x, weight))
    for name, seconds in best.items():
        print(f"{name:22s} backward {seconds * 1e3:6.2f} ms (min of {repeat})")


if __name__ == "__main__":
    main()
