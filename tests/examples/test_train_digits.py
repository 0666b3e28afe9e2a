"""The flagship example runs end to end in quick mode (3 epochs): it learns, reports, saves its
plot and checkpoint, and the reloaded checkpoint predicts exactly as the trained model."""
import numpy as np

import minidl as dl
from minidl.examples import train_digits


def test_train_digits_quick(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MINIDL_QUICK", "1")
    results = train_digits.main(["--out", str(tmp_path), "--seed", "0"])
    output = capsys.readouterr().out
    assert len(results["history"]) == 3
    # the held-out split is a test set (no model selection on it): never called "validation"
    assert set(results["history"].values) == {"train_loss", "test_loss", "train_acc", "test_acc"}
    assert results["test_accuracy"] > 0.85  # about 0.90 after 3 epochs; 0.97+ after 30
    assert 0.8 < results["f1"] <= 1.0
    assert results["plot"].stat().st_size > 0 and results["checkpoint"].stat().st_size > 0
    assert results["reload_identical"]
    assert "reloaded checkpoint gives identical predictions: yes" in output
    assert "confusion matrix" in output
    checkpoint = dl.load(results["checkpoint"])
    assert list(checkpoint["model"]) == ["0.weight", "0.bias", "2.weight", "2.bias",
                                         "4.weight", "4.bias"]
    assert checkpoint["optimizer"]["state"][0]["step"] == 3 * 23  # 23 batches of 64 per epoch


def test_stratified_split_keeps_class_shares():
    y = np.repeat(np.arange(4), [10, 20, 30, 40])
    train, test = train_digits.stratified_split(y, test_fraction=0.2, seed=0)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    np.testing.assert_array_equal(np.bincount(y[test]), [2, 4, 6, 8])
    again = train_digits.stratified_split(y, test_fraction=0.2, seed=0)
    np.testing.assert_array_equal(again[1], test)
