"""Smoke test of benchmarks/split_backward.py: both cuts run and are reported (no timing is
asserted)."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_reports_both_cuts(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    monkeypatch.setattr(sys, "argv", ["split_backward.py"])
    import split_backward

    split_backward.main(repeat=1)
    out = capsys.readouterr().out
    assert "narrow x3 (indexing)" in out and "split (one op)" in out
