"""Tests of the exercise check_state_dict."""
from ..framework import ExerciseFailure

MODEL = {"0.weight": (16, 8), "0.bias": (16,), "2.weight": (4, 16), "2.bias": (4,)}


def _report(mod, checkpoint):
    report = mod.compare_state_dicts(dict(MODEL), dict(checkpoint))
    if not isinstance(report, dict) or set(report) != {"missing", "unexpected", "mismatched"}:
        raise ExerciseFailure("a dict with keys 'missing', 'unexpected', 'mismatched'",
                              repr(report)[:100])
    return report


def test_identical(mod):
    report = _report(mod, MODEL)
    if any(report.values()):
        raise ExerciseFailure("three empty lists for a matching checkpoint", str(report))


def test_missing_and_unexpected(mod):
    checkpoint = {"module.0.weight": (16, 8), "0.bias": (16,), "2.weight": (4, 16),
                  "2.bias": (4,), "extra.step": ()}
    report = _report(mod, checkpoint)
    if list(report["missing"]) != ["0.weight"]:
        raise ExerciseFailure("missing ['0.weight']", str(report["missing"]),
                              "missing = keys of the model that the checkpoint lacks")
    if list(report["unexpected"]) != ["extra.step", "module.0.weight"]:
        raise ExerciseFailure("unexpected ['extra.step', 'module.0.weight'] (sorted)",
                              str(report["unexpected"]),
                              "unexpected = keys of the checkpoint the model lacks; sort them")


def test_mismatched_shapes(mod):
    checkpoint = dict(MODEL, **{"0.weight": (32, 8), "2.bias": (5,)})
    report = _report(mod, checkpoint)
    expected = [("0.weight", (16, 8), (32, 8)), ("2.bias", (4,), (5,))]
    got = [tuple(item) for item in report["mismatched"]]
    if got != expected:
        raise ExerciseFailure(f"mismatched {expected}", str(got),
                              "(name, model_shape, checkpoint_shape) for names in both, sorted")
    if report["missing"] or report["unexpected"]:
        raise ExerciseFailure("no missing or unexpected keys", str(report))


def test_explain_names_everything(mod):
    message = mod.explain(_report(mod, {"0.weight": (16, 9), "2.weight": (4, 16), "x": (1,)}))
    for word in ("0.bias", "2.bias", "x", "0.weight"):
        if word not in (message or ""):
            raise ExerciseFailure(f"the message mentions {word!r}", repr(message))


TESTS = [test_identical, test_missing_and_unexpected, test_mismatched_shapes,
         test_explain_names_everything]
