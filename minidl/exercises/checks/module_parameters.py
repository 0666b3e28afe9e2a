"""Tests of the exercise module_parameters."""
import minidl as dl

from ..framework import ExerciseFailure


def _model(mod):
    class Linear(mod.Module):
        def __init__(self, fan_in, fan_out):
            super().__init__()
            self.weight = mod.Parameter(dl.randn(fan_out, fan_in))
            self.bias = mod.Parameter(dl.zeros(fan_out))

    class Block(mod.Module):
        def __init__(self):
            super().__init__()
            self.linear1 = Linear(4, 8)
            self.scale = mod.Parameter(dl.ones(8))
            self.linear2 = Linear(8, 4)

    class Encoder(mod.Module):
        def __init__(self):
            super().__init__()
            self.embedding = mod.Parameter(dl.randn(10, 4))
            self.block0 = Block()
            self.block1 = Block()

    class Model(mod.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()
            self.head = Linear(4, 3)

    return Model()


EXPECTED = [
    "encoder.embedding",
    "encoder.block0.scale", "encoder.block0.linear1.weight", "encoder.block0.linear1.bias",
    "encoder.block0.linear2.weight", "encoder.block0.linear2.bias",
    "encoder.block1.scale", "encoder.block1.linear1.weight", "encoder.block1.linear1.bias",
    "encoder.block1.linear2.weight", "encoder.block1.linear2.bias",
    "head.weight", "head.bias",
]


def _names(model):
    result = model.named_parameters()
    if result is None:
        raise ExerciseFailure("named_parameters() yields (name, parameter) pairs", "None",
                              "use yield (or return a list of pairs)")
    return [name for name, _ in result]


def test_names_of_a_nested_model(mod):
    names = _names(_model(mod))
    if sorted(names) != sorted(EXPECTED):
        missing = sorted(set(EXPECTED) - set(names))
        extra = sorted(set(names) - set(EXPECTED))
        raise ExerciseFailure(f"the {len(EXPECTED)} dotted names such as "
                              "'encoder.block0.linear1.weight'",
                              f"missing {missing[:4]}, unexpected {extra[:4]}",
                              "recurse into each child of _modules with the prefix "
                              "prefix + child_name + '.'")


def test_order_own_parameters_first(mod):
    names = _names(_model(mod))
    if names != EXPECTED:
        raise ExerciseFailure(f"the order {EXPECTED[:3]} ... (own parameters first, then each "
                              "child in the order it was assigned)", f"{names[:3]} ...")


def test_shared_parameter_listed_once(mod):
    model = _model(mod)
    model.head.weight = model.encoder.embedding  # weight tying: (10, 4) is shared
    model.head._parameters["weight"] = model.encoder.embedding
    pairs = list(model.named_parameters())
    ids = [id(p) for _, p in pairs]
    if len(ids) != len(set(ids)):
        raise ExerciseFailure("a shared parameter appears once", f"{len(ids)} entries for "
                              f"{len(set(ids))} distinct tensors",
                              "remember the ids of the parameters already yielded")
    if "encoder.embedding" not in [name for name, _ in pairs]:
        raise ExerciseFailure("the shared tensor keeps its first name, 'encoder.embedding'",
                              str([name for name, _ in pairs][:3]))


def test_freeze_the_encoder_only(mod):
    model = _model(mod)
    count = mod.freeze(model.encoder)
    if count != 11:
        raise ExerciseFailure("freeze(model.encoder) returns 11 (the encoder's tensors)",
                              str(count))
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    if trainable != ["head.weight", "head.bias"]:
        raise ExerciseFailure("only head.weight and head.bias still require grad",
                              str(trainable), "call p.requires_grad_(False) on each parameter "
                              "of the module you freeze")


def test_frozen_parameters_get_no_gradient(mod):
    model = _model(mod)
    mod.freeze(model.encoder)
    x = dl.randn(2, 4)
    h = x @ model.encoder.block0.linear1.weight.T
    out = (h.sum() + (x @ model.head.weight.T).sum())
    out.backward()
    if model.encoder.block0.linear1.weight.grad is not None:
        raise ExerciseFailure("no .grad on a frozen parameter after backward", "a gradient")
    if model.head.weight.grad is None:
        raise ExerciseFailure("a .grad on the trainable head", "None")


TESTS = [test_names_of_a_nested_model, test_order_own_parameters_first,
         test_shared_parameter_listed_once, test_freeze_the_encoder_only,
         test_frozen_parameters_get_no_gradient]
