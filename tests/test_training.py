import io

import matplotlib
import pytest

from minidl import training
from minidl.training import EarlyStopping, History, ProgressBar


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(training, "_now", fake)
    return fake


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_line(clock):
    bar = ProgressBar(total=100, desc="epoch 1", stream=io.StringIO(), width=10)
    clock.now = 2.0
    bar.update(40, loss=0.312345)
    assert bar.render() == "epoch 1  40%|####------| 40/100 [00:02<00:03, 20.0 it/s] loss=0.3123"


def test_progress_bar_without_total_and_slow_rate(clock):
    bar = ProgressBar(stream=io.StringIO())
    clock.now = 10.0
    bar.update(4)
    assert bar.render() == "4 [00:10, 2.5 s/it]"


def test_terminal_redraws_in_place(clock):
    stream = Terminal()
    bar = ProgressBar(total=3, stream=stream, refresh=0.1)
    for step in range(3):
        clock.now += 1.0
        bar.update(loss=float(step))
    bar.close()
    out = stream.getvalue()
    assert out.count("\r") == 4 and out.count("\n") == 1 and out.endswith("\n")
    assert "3/3" in out.split("\r")[-1]


def test_non_terminal_prints_occasional_plain_lines(clock):
    stream = io.StringIO()
    items = []
    for item in ProgressBar(range(100), stream=stream, log_interval=10.0):
        clock.now += 0.5  # 50 s in all: a line every 10 s, and the final one
        items.append(item)
    assert items == list(range(100))
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 6 and lines[-1].startswith("100%") and "100/100" in lines[-1]


def test_close_writes_once(clock):
    stream = io.StringIO()
    with ProgressBar(total=2, stream=stream) as bar:
        bar.update(2)
    bar.close()
    assert stream.getvalue().count("\n") == 1


def test_history_records_by_name():
    history = History()
    history.log(train_loss=1.0, val_loss=1.2, train_acc=0.5)
    history.log(train_loss=0.6, train_acc=0.7)
    history.log(train_loss=0.4, val_loss=0.5, train_acc=0.8, val_acc=0.75)
    assert len(history) == 3
    assert history["train_loss"] == [1.0, 0.6, 0.4]
    assert history["val_loss"] == [1.2, 0.5] and history.epochs["val_loss"] == [1, 3]


def test_history_plot_saves_png_without_a_window(tmp_path):
    backend = matplotlib.get_backend()
    history = History()
    for epoch in range(4):
        history.log(loss=1 / (epoch + 1), val_loss=1.2 / (epoch + 1), val_acc=0.2 * epoch)
    history.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.get_backend() == backend


def test_history_plot_groups_families():
    assert training._family("val_loss") == ("loss", "validation")
    assert training._family("test_acc") == ("acc", "test")  # the flagship's held-out split
    assert training._family("train_acc") == ("acc", "train")
    assert training._family("loss") == ("loss", "train")
    with pytest.raises(ValueError, match="nothing"):
        History().plot("unused.png")


def test_early_stopping_min():
    stopper = EarlyStopping(patience=2)
    decisions = [stopper.step(v) for v in [1.0, 0.8, 0.9, 0.85, 0.7]]
    # 0.9 and 0.85 do not improve on 0.8; the second of them exhausts the patience.
    assert decisions == [False, False, False, True, False]
    assert stopper.best == 0.7 and stopper.best_epoch == 4 and stopper.is_best


def test_early_stopping_max_with_min_delta():
    stopper = EarlyStopping(patience=1, mode="max", min_delta=0.05)
    assert stopper.step(0.5) is False and stopper.is_best
    assert stopper.step(0.53) is True  # +0.03 is within min_delta: not an improvement
    assert not stopper.is_best and stopper.best == 0.5 and stopper.best_epoch == 0


def test_early_stopping_patience_zero_and_nan():
    stopper = EarlyStopping(patience=0)
    assert stopper.step(float("nan")) is True and stopper.best is None
    assert stopper.step(1.0) is False and stopper.best_epoch == 1


def test_early_stopping_validates_arguments():
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(3, mode="lowest")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(-1)
