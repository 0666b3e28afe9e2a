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


def test_transfer_learning_reports_all_three(monkeypatch):
    from minidl.examples import transfer_cnn

    monkeypatch.setenv("MINIDL_QUICK", "1")
    results = transfer_cnn.main(["--shots", "5", "--pretrain-steps", "30",
                                 "--finetune-steps", "10"])
    assert set(results) == {"frozen backbone", "full fine-tuning", "from scratch"}
    assert all(0.2 < accuracy <= 1.0 for accuracy in results.values())  # above chance (0.2)


def test_frozen_backbone_does_not_change():
    from minidl.examples.transfer_cnn import Classifier

    model = Classifier(5)
    assert not any(isinstance(m, type(model.head[0])) for m in model.backbone)  # no Linear
    assert list(model.state_dict())[0] == "backbone.0.weight"
