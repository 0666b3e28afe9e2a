"""Where the time of a workload goes: cProfile plus per-kernel and per-op timers.

    python benchmarks/profile_workload.py W1|W2|W3|W4|W8 [--steps N] [--kernels accelerated|reference]
                                          [--quick] [--top 25] [--out outputs/profiles]

The workload's minidl step (from its benchmark script, same sizes) runs in four passes:

1. warm-up (JIT compilation, caches), untimed;
2. ``--steps`` plain steps, timed: the wall time per step that the other figures divide up;
3. the same steps with every function of the active kernel set (``minidl.kernels.cpu`` or
   ``minidl.kernels.reference``, as the backend hands them to the ops) and the ``forward`` and
   ``backward`` of every op (``ArrayFunction`` subclass) wrapped in a timer for the duration of
   the pass: total time and calls per kernel and per op (a kernel that calls another through
   the module counts in both). An op's time includes the kernels and the BLAS products it
   runs, so the ``MatMul``/``LinearFunction`` rows are where the ``numpy.matmul`` time shows
   (NumPy's ``@`` cannot be timed on its own);
4. the same steps under cProfile: the top functions by cumulative and by own (self) time.

Timers and cProfile add overhead of their own (most to many tiny calls), so compare rows with
each other, not with pass 2. Take profiles on a quiet machine. It prints the tables and writes
``<out>/<workload>-<kernels>.json``.
"""
import argparse
import cProfile
import functools
import io
import pstats
import sys
import time
from pathlib import Path

from common import environment, write_json

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "outputs" / "profiles"


def workload_step(workload, quick):
    """A function doing one minidl step of ``workload`` (built with the active kernel set)."""
    if workload == "W1":
        import w1_mlp_step

        return w1_mlp_step.build("minidl", "cpu")
    if workload == "W4":
        import w4_autograd_overhead

        return w4_autograd_overhead.build("minidl", "cpu")
    if workload == "W2":
        import w2_attention

        shape = (2, 2, 16, 8) if quick else w2_attention.SHAPES["W2"]
        return w2_attention.make_builder(shape)("minidl", "cpu")
    if workload == "W3":
        import w3_transformer_layer

        return w3_transformer_layer.build("minidl", "cpu")
    if workload == "W8":
        import w8_gpt_step as w8

        config, batch = (w8.QUICK_CONFIG, w8.QUICK_BATCH) if quick else (w8.CONFIG, w8.BATCH)
        return w8.make_builder(config, batch)("minidl", "cpu")
    raise ValueError(f"profile_workload: unknown workload {workload!r}; choose W1, W2, W3, W4 or W8")


# ---- timers -------------------------------------------------------------------------------------
class Timers:
    """Call counts and total seconds per name, collected by wrapping functions in place."""

    def __init__(self):
        self.totals = {}  # name -> [calls, seconds]
        self.restore = []  # (owner, attribute, original value)

    def timed(self, name, fn):
        totals = self.totals.setdefault(name, [0, 0.0])

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[0] += 1
                totals[1] += time.perf_counter() - started

        return wrapper

    def wrap_module_functions(self, module, prefix):
        """Time every public function of ``module`` (a kernel set) as ``prefix.name``."""
        names = getattr(module, "__all__", None) or \
            [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            value = getattr(module, name)
            if callable(value) and not isinstance(value, type):
                self.restore.append((module, name, value))
                setattr(module, name, self.timed(f"{prefix}.{name}", value))

    def wrap_ops(self):
        """Time ``forward`` and ``backward`` of every op class (``ArrayFunction`` subclass)."""
        from minidl.autograd import ArrayFunction

        pending, seen = list(ArrayFunction.__subclasses__()), set()
        while pending:
            cls = pending.pop()
            if cls in seen:
                continue
            seen.add(cls)
            pending += cls.__subclasses__()
            for method in ("forward", "backward"):
                if method in vars(cls):
                    self.restore.append((cls, method, vars(cls)[method]))
                    wrapped = self.timed(f"{cls.__name__}.{method}", getattr(cls, method))
                    setattr(cls, method, staticmethod(wrapped))

    def unwrap(self):
        for owner, name, value in reversed(self.restore):
            setattr(owner, name, value)
        self.restore.clear()

    def rows(self, steps, prefix=""):
        """[(name, calls per step, ms per step)], slowest first, names starting with prefix."""
        rows = [(name, calls / steps, 1e3 * seconds / steps)
                for name, (calls, seconds) in self.totals.items()
                if calls and name.startswith(prefix)]
        return sorted(rows, key=lambda row: -row[2])


def format_rows(title, rows, step_ms, top):
    lines = [title, f"{'name':<44} {'calls/step':>10} {'ms/step':>9} {'% of step':>9}"]
    for name, calls, ms in rows[:top]:
        lines.append(f"{name:<44} {calls:>10.1f} {ms:>9.3f} {100 * ms / step_ms:>8.1f}%")
    return "\n".join(lines)


def cprofile_text(profile, sort, top):
    stream = io.StringIO()
    pstats.Stats(profile, stream=stream).strip_dirs().sort_stats(sort).print_stats(top)
    return stream.getvalue()


# ---- the four passes ----------------------------------------------------------------------------
def profile(workload, kernels="accelerated", steps=10, quick=False, top=25):
    """The profile of ``steps`` minidl steps of ``workload`` as a dict (see module docstring)."""
    import minidl as dl
    from minidl.backend import get_backend

    with dl.use_kernels(kernels):
        step = workload_step(workload, quick)
        for _ in range(2 if quick else 5):
            step()
        started = time.perf_counter()
        for _ in range(steps):
            step()
        step_ms = 1e3 * (time.perf_counter() - started) / steps

        timers = Timers()
        timers.wrap_module_functions(get_backend("cpu").kernels, "kernel")
        timers.wrap_ops()
        try:
            for _ in range(steps):
                step()
        finally:
            timers.unwrap()

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(steps):
            step()
        profiler.disable()
    return {
        "workload": workload, "kernels": kernels, "steps": steps, "quick": quick,
        "step_ms": step_ms,
        "kernel_rows": timers.rows(steps, "kernel."),
        "op_rows": [row for row in timers.rows(steps) if not row[0].startswith("kernel.")],
        "cprofile_cumulative": cprofile_text(profiler, "cumulative", top),
        "cprofile_self": cprofile_text(profiler, "tottime", top),
    }


def report(found, top):
    head = (f"{found['workload']} with the {found['kernels']} kernels: "
            f"{found['step_ms']:.3f} ms per step (plain pass, {found['steps']} steps)")
    return "\n\n".join([
        head,
        format_rows("per kernel (timers on):", found["kernel_rows"], found["step_ms"], top),
        format_rows("per op, forward and backward, kernels and BLAS inside included:",
                    found["op_rows"], found["step_ms"], top),
        "cProfile, by cumulative time:\n" + found["cprofile_cumulative"],
        "cProfile, by own time:\n" + found["cprofile_self"],
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=("W1", "W2", "W3", "W4", "W8"))
    parser.add_argument("--kernels", default="accelerated", choices=("accelerated", "reference"))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 steps: a smoke run")
    parser.add_argument("--top", type=int, default=25, help="rows per table")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    steps = 2 if args.quick else args.steps
    found = profile(args.workload, args.kernels, steps, args.quick, args.top)
    print(report(found, args.top))
    path = args.out / f"{args.workload}-{args.kernels}.json"
    # no benchmark Results here: the profile's figures go into the JSON beside the environment
    write_json(path, [], environment("cpu"), dict(found, command=" ".join(sys.argv)))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
