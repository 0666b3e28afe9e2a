"""Memory held by kept losses: 300 W1 training steps, each loss appended to a list.

    losses = []
    repeat 300 times:
        optimizer.zero_grad(); loss = cross_entropy(model(x), y); loss.backward(); optimizer.step()
        losses.append(loss)

A kept loss should keep only its own value: backward (without retain_graph) releases what each
node saved and its links to the inputs, so the activations of every step can be freed. Each
implementation runs in a fresh subprocess; the figure is the growth of the process's resident
memory (VmRSS, Linux) from after the first step to after the last one. Target (issue 11):
minidl <= 2x PyTorch. This is a memory figure, not a timing: a loaded machine does not change it.

    python benchmarks/kept_losses_memory.py [--steps 300] [--json out.json]
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

STEPS = 300
HERE = Path(__file__).resolve().parent


def rss_mib():
    """The resident memory of this process, in MiB (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("kept_losses_memory: needs Linux (/proc/self/status)")


def measure(impl, steps):
    """Run ``steps`` W1 steps with ``impl`` keeping every loss; MiB of RSS growth."""
    losses = []
    step_and_keep = _w1_step_keeping_losses(impl, losses)
    step_and_keep()
    before = rss_mib()
    for _ in range(steps - 1):
        step_and_keep()
    return rss_mib() - before


def _w1_step_keeping_losses(impl, losses):
    """W1's step (w1_mlp_step.py, same model, data and optimizer) that keeps each loss."""
    sys.path.insert(0, str(HERE))
    import w1_mlp_step

    if impl == "pytorch":
        import torch

        x, y, layers = w1_mlp_step.make_data()
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64),
            torch.nn.ReLU(), torch.nn.Linear(64, 10),
        )
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        cross_entropy = torch.nn.functional.cross_entropy
    else:
        import minidl.nn.functional as F

        model, optimizer, x, y = w1_mlp_step.build_minidl("cpu")
        cross_entropy = F.cross_entropy

    def step_and_keep():
        optimizer.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)

    return step_and_keep


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--impl", help=argparse.SUPPRESS)  # the subprocess's own run
    args = parser.parse_args()
    if args.impl:
        print(json.dumps({"mib": measure(args.impl, args.steps)}))
        return
    results = {}
    for impl in ("minidl", "pytorch"):
        run = subprocess.run(
            [sys.executable, __file__, "--impl", impl, "--steps", str(args.steps)],
            capture_output=True, text=True,
        )
        if run.returncode != 0:
            results[impl] = None
            print(f"{impl}: skipped ({run.stderr.strip().splitlines()[-1]})")
            continue
        results[impl] = json.loads(run.stdout.strip().splitlines()[-1])["mib"]
    print(f"{args.steps} kept W1 losses: growth of resident memory")
    for impl, mib in results.items():
        print(f"  {impl:8s} {'skipped' if mib is None else f'{mib:8.1f} MiB'}")
    if results.get("minidl") is not None and results.get("pytorch"):
        ratio = results["minidl"] / max(results["pytorch"], 1.0)
        print(f"  ratio    {ratio:8.2f}x PyTorch (target <= 2x; PyTorch's growth floored at 1 MiB)")
    if args.json:
        Path(args.json).write_text(json.dumps({"steps": args.steps, "mib": results}, indent=2))


if __name__ == "__main__":
    main()
