"""Helpers for training loops: a progress bar, a metric history with plots, early stopping."""
import math
import sys
from time import perf_counter as _now


class ProgressBar:
    """A text progress display for a long loop.

    Wrap an iterable (``for batch in ProgressBar(loader, desc="epoch 1"): ...``) or call
    ``update(n)`` yourself; pass metrics to show after the bar with ``set_postfix(loss=0.31)``
    or ``update(loss=0.31)``. On a terminal the line is redrawn in place with ``\\r`` at most
    every ``refresh`` seconds; on any other stream (a log file, CI output) a plain line is
    printed at most every ``log_interval`` seconds, so logs stay readable. A final line is
    always written by ``close()`` (called at the end of iteration and by ``with``)::

        epoch 1  40%|############------------------| 40/100 [00:02<00:03, 17.8 it/s] loss=0.31
    """

    def __init__(self, iterable=None, total=None, desc="", stream=None, width=30,
                 refresh=0.1, log_interval=10.0):
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.iterable, self.total, self.desc, self.width = iterable, total, desc, width
        self.stream = sys.stderr if stream is None else stream
        self.is_tty = getattr(self.stream, "isatty", lambda: False)()
        self.interval = refresh if self.is_tty else log_interval
        self.n = 0
        self.postfix = {}
        self.closed = False
        self._start = self._last_write = _now()
        self._last_width = 0

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.update()
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def set_postfix(self, **metrics):
        """Replace the metrics shown after the bar."""
        self.postfix = metrics

    def update(self, n=1, **metrics):
        """Advance by ``n`` steps, update the shown metrics, and redraw if it is time to."""
        self.n += n
        self.postfix.update(metrics)
        if _now() - self._last_write >= self.interval:
            self._write()

    def close(self):
        """Write the final state (once) and end the line."""
        if not self.closed:
            self.closed = True
            self._write(final=True)

    def render(self):
        """The current display as one line of text."""
        elapsed = _now() - self._start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        speed = f"{rate:.1f} it/s" if rate >= 1 or rate == 0 else f"{1 / rate:.1f} s/it"
        parts = [self.desc] if self.desc else []
        if self.total:
            fraction = min(self.n / self.total, 1.0)
            filled = int(fraction * self.width)
            remaining = max(self.total - self.n, 0) / rate if rate > 0 else math.inf
            parts.append(f"{fraction:4.0%}|{'#' * filled}{'-' * (self.width - filled)}| "
                         f"{self.n}/{self.total} [{_clock(elapsed)}<{_clock(remaining)}, {speed}]")
        else:
            parts.append(f"{self.n} [{_clock(elapsed)}, {speed}]")
        parts += [f"{name}={_format_value(value)}" for name, value in self.postfix.items()]
        return " ".join(parts)

    def _write(self, final=False):
        line = self.render()
        if self.is_tty:
            # Pad with spaces so a shorter line fully covers the previous one.
            self.stream.write("\r" + line.ljust(self._last_width) + ("\n" if final else ""))
            self._last_width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self._last_write = _now()


def _clock(seconds):
    """Seconds as mm:ss (or h:mm:ss); '?' when unknown."""
    if not math.isfinite(seconds):
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _format_value(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class History:
    """Per-epoch metrics by name: ``history.log(train_loss=0.4, val_loss=0.5, val_acc=0.9)``.

    Each ``log`` call is one epoch (numbered from 1); a metric left out of an epoch is simply
    not recorded for it. ``history[name]`` is the list of its values, ``history.epochs[name]``
    the epochs they belong to. Names are grouped for plotting by "family": ``val_loss`` is the
    validation line of the ``loss`` family, ``test_loss`` its test line, ``train_loss`` and
    ``loss`` its training line.
    """

    def __init__(self):
        self.values = {}
        self.epochs = {}
        self.num_epochs = 0

    def log(self, **metrics):
        """Record the metrics of the next epoch."""
        self.num_epochs += 1
        for name, value in metrics.items():
            self.values.setdefault(name, []).append(float(value))
            self.epochs.setdefault(name, []).append(self.num_epochs)

    def __getitem__(self, name):
        return self.values[name]

    def __len__(self):
        return self.num_epochs

    def plot(self, path):
        """Save the curves to ``path`` (any format matplotlib writes, e.g. .png or .svg).

        One subplot per metric family, with a line per split (train, validation, test), each
        labelled by the prefix it was logged with. Draws on an
        off-screen Agg canvas: it never opens a window and leaves pyplot's state alone.
        """
        if not self.values:
            raise ValueError("History.plot: nothing has been logged yet")
        # Imported here: matplotlib takes longer to import than the rest of minidl.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        families = {}
        for name in self.values:
            family, split = _family(name)
            families.setdefault(family, []).append((split, name))
        fig = Figure(figsize=(5 * len(families), 4), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(families), squeeze=False)[0]
        for ax, (family, lines) in zip(axes, families.items()):
            for split, name in lines:
                ax.plot(self.epochs[name], self.values[name], marker="o", markersize=3, label=split)
            ax.set(title=family, xlabel="epoch", ylabel=family)
            ax.legend()
        fig.savefig(path)


def _family(name):
    """('loss', 'validation') for 'val_loss', ('loss', 'test') for 'test_loss', ('loss', 'train')
    for 'train_loss' and 'loss'."""
    if name.startswith("val_"):
        return name[len("val_"):], "validation"
    if name.startswith("test_"):
        return name[len("test_"):], "test"
    if name.startswith("train_"):
        return name[len("train_"):], "train"
    return name, "train"


class EarlyStopping:
    """Stop training once a monitored value has not improved for ``patience`` steps.

    Call ``step(value)`` once per epoch; it returns True when ``patience`` steps in a row have
    not improved (so ``patience=0`` stops at the first step that does not improve). With
    ``mode="min"`` (e.g. a loss) a value improves on the best if ``value < best - min_delta``;
    with ``mode="max"`` (e.g. an accuracy) if ``value > best + min_delta``. NaN never improves.
    After each step, ``best`` is the best value so far, ``best_epoch`` the index of the step
    that gave it (0 for the first call), and ``is_best`` whether this step improved (the moment
    to save a checkpoint).
    """

    def __init__(self, patience, mode="min", min_delta=0.0):
        if mode not in ("min", "max"):
            raise ValueError(f'EarlyStopping: mode must be "min" or "max", got {mode!r}')
        if patience < 0 or min_delta < 0:
            raise ValueError(f"EarlyStopping: patience and min_delta must be >= 0, "
                             f"got {patience} and {min_delta}")
        self.patience, self.mode, self.min_delta = patience, mode, min_delta
        self.best = None
        self.best_epoch = None
        self.is_best = False
        self.num_steps = 0
        self.steps_since_best = 0

    def step(self, value):
        value = float(value)
        if math.isnan(value):
            self.is_best = False
        elif self.best is None:
            self.is_best = True
        elif self.mode == "min":
            self.is_best = value < self.best - self.min_delta
        else:
            self.is_best = value > self.best + self.min_delta
        if self.is_best:
            self.best, self.best_epoch, self.steps_since_best = value, self.num_steps, 0
        else:
            self.steps_since_best += 1
        self.num_steps += 1
        return not self.is_best and self.steps_since_best >= self.patience
