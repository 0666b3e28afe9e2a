"""The CNN examples run end to end in quick mode (3 epochs) and learn."""
from minidl.examples import digits_cnn


def test_lenet_quick(monkeypatch):
    monkeypatch.setenv("MINIDL_QUICK", "1")
    results = digits_cnn.main(["--seed", "0"])
    assert results["test_accuracy"] > 0.85  # about 0.93 after 3 epochs; 0.99 after 40


def test_resnet_learns(monkeypatch):
    monkeypatch.setenv("MINIDL_QUICK", "1")
    results = digits_cnn.main(["--model", "resnet", "--seed", "0", "--epochs", "2"])
    assert results["test_accuracy"] > 0.5  # from 0.1 by chance
