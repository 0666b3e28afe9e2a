"""``run_all.py``'s history (``common.append_history``) and ``plot_history.py`` on a synthetic
history: which runs are kept, how the series line up, and that a PNG is written."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def benchmarks(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import common
    import plot_history

    return common, plot_history


def make_results(common, ratio_w1, with_w5=True):
    results = [
        common.Result("W1", "minidl-reference", "cpu", 3.0, target_ratio=0.6),
        common.Result("W1", "minidl", "cpu", ratio_w1, target_ratio=0.6),
        common.Result("W1", "pytorch", "cpu", 1.0, target_ratio=0.6),
    ]
    if with_w5:
        results += [
            common.Result("W5 relu", "minidl", "cpu", 1.0, target_ratio=2.0,
                          higher_is_better=True, extra={"ratio_value": 4.0}),
            common.Result("W5 relu", "pytorch", "cpu", 1.0, extra={"ratio_value": 2.0}),
        ]
    return common.fill_ratios(results)


def test_append_history_keeps_every_run(tmp_path, benchmarks):
    common, _ = benchmarks
    path = tmp_path / "history.json"
    env = {"device": "cpu", "load_average_1min": 1.5}
    common.append_history(path, make_results(common, 0.8), env, quick=False)
    common.append_history(path, make_results(common, 0.7, with_w5=False), env, quick=True)
    history = json.loads(path.read_text())
    assert [run["quick"] for run in history] == [False, True]
    first = history[0]["workloads"]
    assert first["W1"] == {"ratio": pytest.approx(0.8), "reference_ratio": pytest.approx(3.0),
                           "target_ratio": 0.6, "higher_is_better": False}
    assert first["W5 relu"]["ratio"] == pytest.approx(2.0)
    assert first["W5 relu"]["higher_is_better"] is True
    assert set(history[1]["workloads"]) == {"W1"}
    assert history[0]["load_average_1min"] == 1.5


def test_series_and_selection(benchmarks):
    _, plot_history = benchmarks
    def run(ratio, **changes):
        return dict({"device": "cpu", "quick": False, "time": "t",
                     "workloads": {"W1": {"ratio": ratio, "target_ratio": 0.6}}}, **changes)

    history = [run(1.0), run(0.5, quick=True), run(0.9, device="cuda"), run(0.8),
               dict(run(0.7), workloads={})]
    runs = plot_history.select_runs(history, "cpu")
    assert [r["workloads"].get("W1", {}).get("ratio") for r in runs] == [1.0, 0.8, None]
    assert len(plot_history.select_runs(history, "cpu", include_quick=True)) == 4
    assert len(plot_history.select_runs(history, "cpu", last=2)) == 2
    found = plot_history.series(runs)
    assert found["W1"]["run"] == [0, 1] and found["W1"]["ratio"] == [1.0, 0.8]
    assert found["W1"]["target_ratio"] == 0.6


def test_plot_history_script_writes_a_png(tmp_path, benchmarks):
    common, _ = benchmarks
    history = tmp_path / "history.json"
    for ratio in (0.9, 0.8, 1.3):  # the last run regresses
        common.append_history(history, make_results(common, ratio), {"device": "cpu"}, False)
    out = tmp_path / "history.png"
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "plot_history.py"),
                           "--history", str(history), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3 runs" in done.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_history_without_a_history_file_says_so(tmp_path):
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "plot_history.py"),
                           "--history", str(tmp_path / "missing.json")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "run benchmarks/run_all.py first" in done.stderr
