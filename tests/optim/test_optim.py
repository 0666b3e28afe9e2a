"""Optimizers, schedulers and clip_grad_norm_: step-by-step against PyTorch's formulas written out
in NumPy (every option, both kernel sets), parameter groups, frozen parameters, state_dict round
trips through a file, and (when PyTorch is installed) parity with torch.optim."""
import itertools
import math

import numpy as np
import pytest

import minidl as dl
import minidl.nn as nn
import minidl.optim as optim
from minidl.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, StepLR

STEPS = 4
SHAPES = [(3, 2), (4,)]


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    return [nn.Parameter(dl.tensor(rng.standard_normal(shape))) for shape in SHAPES]


def gradients(step, seed=1):
    """The fixed gradients of one step (float64 arrays, one per parameter)."""
    rng = np.random.default_rng([seed, step])
    return [rng.standard_normal(shape) for shape in SHAPES]


def set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = dl.tensor(g)


# ----------------------------------------------------------------------------- the formulas


def sgd_reference(p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """PyTorch's SGD algorithm box, one parameter; yields p after each step."""
    buf = None
    for g in grads:
        g = g + weight_decay * p
        if momentum != 0:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        yield p


def adam_reference(p, grads, lr, betas, eps, weight_decay, decoupled):
    """PyTorch's Adam / AdamW algorithm boxes, one parameter; yields p after each step."""
    beta1, beta2 = betas
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        yield p


def check_against_reference(optimizer, params, reference):
    """Run STEPS steps and compare every parameter after each one with the reference."""
    initial = [p.numpy().copy() for p in params]
    expected = [list(reference(p0, [gradients(s)[i] for s in range(STEPS)]))
                for i, p0 in enumerate(initial)]
    for step in range(STEPS):
        set_grads(params, gradients(step))
        optimizer.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.numpy(), expected[i][step], rtol=1e-12, atol=1e-14,
                                       err_msg=f"parameter {i} after step {step + 1}")


SGD_OPTIONS = [
    dict(momentum=momentum, dampening=dampening, weight_decay=wd, nesterov=nesterov)
    for momentum, dampening, wd, nesterov in itertools.product(
        [0.0, 0.9], [0.0, 0.3], [0.0, 0.05], [False, True])
    if not (nesterov and (momentum == 0 or dampening != 0))
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_sgd_matches_formulas(kernels, options):
    params = make_params()
    optimizer = optim.SGD(params, lr=0.1, **options)
    check_against_reference(optimizer, params,
                            lambda p, grads: sgd_reference(p, grads, lr=0.1, **options))


ADAM_OPTIONS = [dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
                dict(lr=5e-2, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1)]


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=str)
@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
def test_adam_and_adamw_match_formulas(kernels, cls, options):
    params = make_params()
    optimizer = cls(params, **options)
    decoupled = cls is optim.AdamW
    check_against_reference(
        optimizer, params,
        lambda p, grads: adam_reference(p, grads, decoupled=decoupled, **options))


def test_defaults_as_pytorch():
    params = make_params()
    assert optim.SGD(params).defaults == dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                                              nesterov=False)
    assert optim.Adam(params).defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
                                               weight_decay=0)
    assert optim.AdamW(params).defaults["weight_decay"] == 1e-2


def test_float32_parameters_stay_float32(kernels):
    layer = nn.Linear(3, 2)
    for cls in (optim.SGD, optim.Adam):
        optimizer = cls(layer.parameters(), lr=0.1) if cls is optim.SGD else cls(layer.parameters())
        layer(dl.randn(4, 3)).sum().backward()
        optimizer.step()
        assert all(p.dtype == dl.float32 for p in layer.parameters())
        assert all(s["exp_avg"].dtype == dl.float32 for s in optimizer.state.values()
                   if "exp_avg" in s)


# ----------------------------------------------------------------------------- groups, skipping


def test_param_groups_and_their_options():
    first, second = make_params(), make_params(seed=1)
    optimizer = optim.SGD([{"params": first}, {"params": second, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in optimizer.param_groups)
    before = [p.numpy().copy() for p in first + second]
    set_grads(first, [np.ones(s) for s in SHAPES])
    set_grads(second, [np.ones(s) for s in SHAPES])
    optimizer.step()
    for p, b, lr in zip(first + second, before, [0.1, 0.1, 0.5, 0.5]):
        np.testing.assert_allclose(p.numpy(), b - lr)
    optimizer.add_param_group({"params": make_params(seed=2), "momentum": 0.0})
    assert optimizer.param_groups[2]["lr"] == 0.1 and optimizer.param_groups[2]["momentum"] == 0.0


def test_param_group_errors():
    params = make_params()
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="got a Tensor"):
        optim.SGD(params[0], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": params}, {"params": params[:1]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([params[0] * 2], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero "
                                         "dampening"):
        optim.SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="invalid beta parameter at index 1: 1.0"):
        optim.Adam(params, betas=(0.9, 1.0))


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                                  lambda p: optim.Adam(p), lambda p: optim.AdamW(p)])
def test_frozen_and_gradless_parameters_are_skipped(kernels, make):
    trained, frozen, unused = make_params(), make_params(seed=1), make_params(seed=2)
    for p in frozen:
        p.requires_grad_(False)
    optimizer = make(trained + frozen + unused)
    before = {id(p): p.numpy().copy() for p in frozen + unused}
    for step in range(2):
        set_grads(trained, gradients(step))
        set_grads(frozen, gradients(step))  # a gradient set by hand is ignored too
        optimizer.step()
    for p in frozen + unused:
        np.testing.assert_array_equal(p.numpy(), before[id(p)])
        assert p not in optimizer.state
    assert all(p in optimizer.state for p in trained)


def test_zero_grad():
    params = make_params()
    optimizer = optim.SGD(params, lr=0.1)
    set_grads(params, gradients(0))
    grad = params[0].grad
    optimizer.zero_grad(set_to_none=False)
    assert params[0].grad is grad and not grad.numpy().any()
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_closure_is_called_and_its_loss_returned():
    p = nn.Parameter(dl.tensor([3.0]))
    optimizer = optim.SGD([p], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with dl.no_grad():  # the closure still records its graph
        loss = optimizer.step(closure)
    assert loss.item() == 9.0 and p.item() == pytest.approx(1.5)


# ----------------------------------------------------------------------------- state_dict


@pytest.mark.parametrize("make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
                                  lambda p: optim.Adam(p, lr=0.05, weight_decay=0.01),
                                  lambda p: optim.AdamW(p, lr=0.05)])
def test_state_dict_round_trip_continues_identically(tmp_path, make):
    params = make_params()
    optimizer = make(params)
    for step in range(3):
        set_grads(params, gradients(step))
        optimizer.step()
    dl.save({"params": [p.detach() for p in params], "optimizer": optimizer.state_dict()},
            tmp_path / "checkpoint.mdl")
    checkpoint = dl.load(tmp_path / "checkpoint.mdl")
    resumed = [nn.Parameter(t) for t in checkpoint["params"]]
    resumed_optimizer = make(resumed)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    for step in range(3, 6):
        set_grads(params, gradients(step))
        set_grads(resumed, gradients(step))
        optimizer.step()
        resumed_optimizer.step()
    for p, q in zip(params, resumed):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_state_dict_layout_is_pytorchs():
    first, second = make_params(), make_params(seed=1)
    optimizer = optim.Adam([{"params": first}, {"params": second, "lr": 0.1}])
    set_grads(first, gradients(0))
    optimizer.step()
    state = optimizer.state_dict()
    assert list(state) == ["state", "param_groups"]
    assert list(state["state"]) == [0, 1]  # only parameters that have state
    assert list(state["state"][0]) == ["step", "exp_avg", "exp_avg_sq"]
    assert state["state"][0]["step"] == 1
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2, 3]]
    assert state["param_groups"][1] == dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8,
                                            weight_decay=0, params=[2, 3])


def test_load_state_dict_restores_options_and_checks_sizes():
    params = make_params()
    source = optim.SGD(params, lr=0.5, momentum=0.9)
    target = optim.SGD(make_params(), lr=0.1)
    target.load_state_dict(source.state_dict())
    assert target.param_groups[0]["lr"] == 0.5 and target.param_groups[0]["momentum"] == 0.9
    with pytest.raises(ValueError, match="1 parameter group"):
        optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1).load_state_dict(
            source.state_dict())
    with pytest.raises(ValueError, match=r"doesn't match the size.*group 0: 2 parameter"):
        optim.SGD(params[:1], lr=0.1).load_state_dict(source.state_dict())


# ----------------------------------------------------------------------------- schedulers


def lr_sequence(scheduler, optimizer, epochs):
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
        assert scheduler.get_last_lr() == [g["lr"] for g in optimizer.param_groups]
    return lrs


def test_step_lr():
    optimizer = optim.SGD(make_params(), lr=0.1)
    lrs = lr_sequence(StepLR(optimizer, step_size=3, gamma=0.5), optimizer, 10)
    np.testing.assert_allclose(lrs, [0.1 * 0.5 ** (t // 3) for t in range(11)], rtol=1e-15)


def test_cosine_annealing_lr():
    optimizer = optim.SGD(make_params(), lr=0.1)
    lrs = lr_sequence(CosineAnnealingLR(optimizer, T_max=8, eta_min=0.01), optimizer, 12)
    expected = [0.01 + 0.09 * (1 + math.cos(math.pi * t / 8)) / 2 for t in range(13)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-15)
    assert lrs[8] == pytest.approx(0.01)


def test_lambda_lr_per_group():
    optimizer = optim.SGD([{"params": make_params()}, {"params": make_params(1), "lr": 1.0}],
                          lr=0.1)
    scheduler = LambdaLR(optimizer, [lambda t: 0.9**t, lambda t: 1 / (t + 1)])
    for _ in range(4):
        optimizer.step()
        scheduler.step()
    assert scheduler.get_last_lr() == pytest.approx([0.1 * 0.9**4, 1 / 5])
    assert [g["initial_lr"] for g in optimizer.param_groups] == [0.1, 1.0]


def test_scheduler_state_dict_round_trip(tmp_path):
    def make():
        optimizer = optim.SGD(make_params(), lr=0.1)
        return optimizer, CosineAnnealingLR(optimizer, T_max=10)

    optimizer, scheduler = make()
    for _ in range(4):
        scheduler.step()
    dl.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
            tmp_path / "s.mdl")
    checkpoint = dl.load(tmp_path / "s.mdl")
    resumed_optimizer, resumed = make()
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    assert resumed.last_epoch == 4 and resumed.get_last_lr() == scheduler.get_last_lr()
    scheduler.step()
    resumed.step()
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    lambda_state = LambdaLR(optim.SGD(make_params(), lr=1.0), lambda t: 1.0).state_dict()
    assert "lr_lambdas" not in lambda_state and lambda_state["last_epoch"] == 0


# ----------------------------------------------------------------------------- clip_grad_norm_


def test_clip_grad_norm():
    params = make_params() + [nn.Parameter(dl.zeros(2))]  # the last has no gradient
    grads = gradients(0)
    set_grads(params[:2], grads)
    total = math.sqrt(sum((g**2).sum() for g in grads))
    norm = nn.utils.clip_grad_norm_(params, max_norm=0.5)
    assert isinstance(norm, dl.Tensor) and norm.item() == pytest.approx(total)
    scale = 0.5 / (total + 1e-6)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g * scale)
    clipped = math.sqrt(sum((p.grad.numpy() ** 2).sum() for p in params[:2]))
    assert clipped == pytest.approx(0.5, rel=1e-5)
    # below the limit: unchanged
    set_grads(params[:2], grads)
    nn.utils.clip_grad_norm_(params, max_norm=100.0)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.numpy(), g)
    # the infinity norm, and a single tensor
    norm = nn.utils.clip_grad_norm_(params[0], max_norm=1.0, norm_type=math.inf)
    assert norm.item() == pytest.approx(np.abs(grads[0]).max())


# ----------------------------------------------------------------------------- PyTorch parity


def test_parity_with_torch_optim():
    torch = pytest.importorskip("torch")
    pairs = [
        (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
        (lambda p: optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01),
         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01)),
        (lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
         lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1)),
        (lambda p: optim.AdamW(p, lr=0.01), lambda p: torch.optim.AdamW(p, lr=0.01)),
    ]
    for ours_make, theirs_make in pairs:
        ours = make_params()
        theirs = [torch.tensor(p.numpy().copy(), requires_grad=True) for p in ours]
        ours_opt, theirs_opt = ours_make(ours), theirs_make(theirs)
        ours_sched = CosineAnnealingLR(ours_opt, T_max=3)
        theirs_sched = torch.optim.lr_scheduler.CosineAnnealingLR(theirs_opt, T_max=3)
        for step in range(5):
            set_grads(ours, gradients(step))
            for p, g in zip(theirs, gradients(step)):
                p.grad = torch.tensor(g)
            ours_opt.step(), theirs_opt.step()
            ours_sched.step(), theirs_sched.step()
            for p, q in zip(ours, theirs):
                np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)
            assert ours_sched.get_last_lr() == pytest.approx(theirs_sched.get_last_lr(), abs=1e-15)
        theirs_state = theirs_opt.state_dict()
        assert {k: list(v) for k, v in ours_opt.state_dict()["state"].items()} == \
            {k: list(v) for k, v in theirs_state["state"].items()}


def test_step_lr_parity_with_torch():
    torch = pytest.importorskip("torch")
    ours_opt = optim.SGD(make_params(), lr=0.3)
    theirs_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    ours = StepLR(ours_opt, step_size=2, gamma=0.3)
    theirs = torch.optim.lr_scheduler.StepLR(theirs_opt, step_size=2, gamma=0.3)
    for _ in range(7):
        ours_opt.step(), theirs_opt.step()
        ours.step(), theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-14)


@pytest.mark.cuda
def test_optimizers_on_cuda_match_cpu():
    for make in (lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.Adam(p, lr=0.01)):
        cpu_params = make_params()
        cuda_params = [nn.Parameter(p.detach().to("cuda")) for p in cpu_params]
        cpu_opt, cuda_opt = make(cpu_params), make(cuda_params)
        for step in range(3):
            set_grads(cpu_params, gradients(step))
            for p, g in zip(cuda_params, gradients(step)):
                p.grad = dl.tensor(g, device="cuda")
            cpu_opt.step(), cuda_opt.step()
        for p, q in zip(cpu_params, cuda_params):
            np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-10)
