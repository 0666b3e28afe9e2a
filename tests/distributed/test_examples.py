"""The flagship example trains on 2 ranks: one report, one checkpoint, written by rank 0."""
import pytest

import minidl as dl

pytestmark = pytest.mark.distributed


def test_train_digits_distributed_on_two_ranks(run_ranks, tmp_path):
    result, _ = run_ranks("-m", "minidl.examples.train_digits", "--distributed", "--epochs", "2",
                          "--out", tmp_path, script_is_module=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("test accuracy") == 1  # rank 0 only
    assert "reloaded checkpoint gives identical predictions: yes" in result.stdout
    assert "on 2 ranks" in result.stdout
    checkpoint = dl.load(tmp_path / "checkpoint.minidl")
    assert list(checkpoint["model"])[0] == "0.weight"  # the plain model's keys, no "module."
    # 1438 training images, 719 per rank, batches of 32: 23 steps per epoch
    assert checkpoint["optimizer"]["state"][0]["step"] == 2 * 23
