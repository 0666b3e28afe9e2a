"""RMSprop, Adagrad and the schedulers against PyTorch: the same parameters and gradients give
the same updates, the same schedules give the same lr (and momentum) sequences, per parameter
group; state_dict/load_state_dict resume exactly. PyTorch parity tests skip without torch."""
import numpy as np
import pytest

import minidl as dl
import minidl.optim as optim
from minidl.optim import lr_scheduler


def starting_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2, 2))]


def gradients(step):
    rng = np.random.default_rng(100 + step)
    return [rng.standard_normal(a.shape) for a in starting_arrays()]


def two_groups(params, first, second):
    """Parameters 0 and 1 in a group with options ``first``, parameter 2 with ``second``."""
    return [dict(params=params[:2], **first), dict(params=params[2:], **second)]


OPTIMIZERS = {
    "rmsprop": ("RMSprop", dict(lr=0.01), {}, dict(lr=0.05, alpha=0.9)),
    "rmsprop_centered_momentum_decay": (
        "RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1),
        dict(alpha=0.95), dict(centered=False, momentum=0.0, eps=1e-3)),
    "adagrad": ("Adagrad", dict(lr=0.1), {}, dict(lr=0.3)),
    "adagrad_decay_accumulator": (
        "Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.2, initial_accumulator_value=0.5),
        {}, dict(lr_decay=0.0, eps=1e-3)),
    "adam_per_group": ("Adam", dict(lr=0.01), dict(betas=(0.8, 0.99)),
                       dict(lr=0.1, weight_decay=0.1, eps=1e-3)),
    "adamw_per_group": ("AdamW", dict(lr=0.01), dict(weight_decay=0.0), dict(betas=(0.5, 0.9))),
    "sgd_per_group": ("SGD", dict(lr=0.1, momentum=0.9), dict(nesterov=True),
                      dict(momentum=0.5, dampening=0.1, weight_decay=0.01)),
}


def run_minidl(name, options, first, second, steps, arrays=None):
    params = [dl.tensor(a, requires_grad=True) for a in (arrays or starting_arrays())]
    optimizer = getattr(optim, name)(two_groups(params, first, second), **options)
    history = []
    for step in range(steps):
        for p, g in zip(params, gradients(step)):
            p.grad = dl.tensor(g)
        optimizer.step()
        history.append([p.numpy().copy() for p in params])
    return history, optimizer, params


@pytest.mark.parametrize("case", list(OPTIMIZERS))
def test_updates_match_pytorch(case):
    torch = pytest.importorskip("torch")
    name, options, first, second = OPTIMIZERS[case]
    ours, _, _ = run_minidl(name, options, first, second, steps=6)
    params = [torch.tensor(a, requires_grad=True) for a in starting_arrays()]
    optimizer = getattr(torch.optim, name)(two_groups(params, first, second), **options)
    for step in range(6):
        for p, g in zip(params, gradients(step)):
            p.grad = torch.tensor(g)
        optimizer.step()
        for mine, theirs in zip(ours[step], params):
            np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"{case}, step {step}")


@pytest.mark.parametrize("case", ["rmsprop_centered_momentum_decay", "adagrad_decay_accumulator"])
def test_state_dict_resumes_exactly(case):
    name, options, first, second = OPTIMIZERS[case]
    straight, _, _ = run_minidl(name, options, first, second, steps=5)
    _, optimizer, params = run_minidl(name, options, first, second, steps=3)
    saved = optimizer.state_dict()
    arrays = [p.numpy().copy() for p in params]
    fresh = [dl.tensor(a, requires_grad=True) for a in arrays]
    resumed = getattr(optim, name)(two_groups(fresh, {}, {}), **options)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[1]["lr"] == optimizer.param_groups[1]["lr"]
    for step in (3, 4):
        for p, g in zip(fresh, gradients(step)):
            p.grad = dl.tensor(g)
        resumed.step()
    for mine, expected in zip(fresh, straight[-1]):
        np.testing.assert_array_equal(mine.numpy(), expected)


def test_float32_parameters_stay_float32():
    params = [dl.randn(3, requires_grad=True)]
    for optimizer in (optim.RMSprop(params, momentum=0.9, centered=True), optim.Adagrad(params)):
        params[0].grad = dl.ones(3)
        optimizer.step()
        assert params[0].dtype == dl.float32
        assert all(v.dtype == dl.float32 for v in optimizer.state[params[0]].values()
                   if hasattr(v, "dtype"))


def test_add_param_group_takes_the_defaults_it_leaves_out():
    a, b = dl.zeros(2, requires_grad=True), dl.zeros(2, requires_grad=True)
    optimizer = optim.RMSprop([a], lr=0.1, momentum=0.5)
    optimizer.add_param_group({"params": [b], "lr": 0.2})
    assert optimizer.param_groups[1]["lr"] == 0.2 and optimizer.param_groups[1]["momentum"] == 0.5


def test_unsupported_options_raise_not_implemented_naming_them():
    params = [dl.zeros(2, requires_grad=True)]
    for make, option in [(lambda: optim.Adam(params, amsgrad=True), "amsgrad"),
                         (lambda: optim.AdamW(params, maximize=True), "maximize"),
                         (lambda: optim.SGD(params, lr=0.1, fused=True), "fused"),
                         (lambda: optim.RMSprop(params, capturable=True), "capturable"),
                         (lambda: optim.Adagrad(params, differentiable=True), "differentiable")]:
        with pytest.raises(NotImplementedError, match=f"the {option}= option is not supported"):
            make()
    optim.AdamW(params, fused=False, foreach=True)  # nanoGPT passes fused=False on the CPU
    with pytest.raises(ValueError, match="RMSprop: invalid alpha value"):
        optim.RMSprop(params, alpha=-1)


# ---- schedulers --------------------------------------------------------------------------------

SCHEDULERS = {
    "lambda": ("SGD", lambda s, o: s.LambdaLR(o, [lambda t: 0.9**t, lambda t: 1 / (t + 1)])),
    "multistep": ("SGD", lambda s, o: s.MultiStepLR(o, milestones=[5, 2, 9], gamma=0.5)),
    "exponential": ("SGD", lambda s, o: s.ExponentialLR(o, gamma=0.8)),
    "linear": ("SGD", lambda s, o: s.LinearLR(o, start_factor=0.25, total_iters=4)),
    "linear_decay": ("SGD", lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                                    total_iters=7)),
    "onecycle_sgd": ("SGD", lambda s, o: s.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=12)),
    "onecycle_adam_linear_three_phase": (
        "Adam", lambda s, o: s.OneCycleLR(o, max_lr=0.3, epochs=3, steps_per_epoch=4,
                                          anneal_strategy="linear", three_phase=True,
                                          pct_start=0.25)),
    "sequential": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.1, total_iters=3), s.ExponentialLR(o, gamma=0.7),
            s.CosineAnnealingLR(o, T_max=4)], milestones=[3, 7])),
    "step": ("SGD", lambda s, o: s.StepLR(o, step_size=3, gamma=0.5)),
    "cosine": ("SGD", lambda s, o: s.CosineAnnealingLR(o, T_max=6, eta_min=0.001)),
    "constant": ("SGD", lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=3)),
    "polynomial": ("SGD", lambda s, o: s.PolynomialLR(o, total_iters=8, power=2.0)),
    "warm_restarts": ("SGD", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2,
                                                                         eta_min=0.001)),
    "warm_restarts_fixed": ("SGD", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3)),
    "multiplicative": ("SGD", lambda s, o: s.MultiplicativeLR(o, lambda t: 0.9 + 0.01 * t)),
    "sequential_warmup_restarts": ("SGD", lambda s, o: s.SequentialLR(
        o, [s.ConstantLR(o, factor=0.1, total_iters=2), s.PolynomialLR(o, total_iters=6)],
        milestones=[2])),
}


def schedule(framework, optimizer_name, make, steps=12):
    """lr (and momentum or beta1) of both groups after the constructor and each step."""
    params = [framework.zeros(2, requires_grad=True), framework.zeros(2, requires_grad=True)]
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.01}]
    if optimizer_name == "SGD":
        optimizer = framework.optim.SGD(groups, lr=0.1, momentum=0.9)
    else:
        optimizer = getattr(framework.optim, optimizer_name)(groups, lr=0.1)
    scheduler = make(framework.optim.lr_scheduler, optimizer)
    history = []
    for _ in range(steps):
        history.append([(g["lr"], g.get("momentum", g.get("betas", (None,))[0]))
                        for g in optimizer.param_groups] + [tuple(scheduler.get_last_lr())])
        optimizer.step()
        scheduler.step()
    return history, scheduler


@pytest.mark.parametrize("case", list(SCHEDULERS))
def test_schedules_match_pytorch(case):
    torch = pytest.importorskip("torch")
    optimizer_name, make = SCHEDULERS[case]
    ours, _ = schedule(dl, optimizer_name, make)
    theirs, _ = schedule(torch, optimizer_name, make)
    assert len(ours) == len(theirs)
    for step, (mine, expected) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(np.array(mine, dtype=float), np.array(expected, dtype=float),
                                   rtol=1e-12, atol=1e-15, err_msg=f"{case}, step {step}")


@pytest.mark.parametrize("case", ["multistep", "onecycle_sgd", "sequential", "linear"])
def test_scheduler_state_dict_resumes(case):
    optimizer_name, make = SCHEDULERS[case]
    straight, _ = schedule(dl, optimizer_name, make, steps=10)
    _, scheduler = schedule(dl, optimizer_name, make, steps=5)
    saved = scheduler.state_dict()
    params = [dl.zeros(2, requires_grad=True), dl.zeros(2, requires_grad=True)]
    optimizer = optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.01}], lr=0.1,
                          momentum=0.9)
    resumed = make(lr_scheduler, optimizer)
    resumed.load_state_dict(saved)
    for entry in straight[6:]:  # the saved run had taken 5 steps
        resumed.step()
        np.testing.assert_allclose(resumed.get_last_lr(), entry[-1], rtol=1e-12)


def plateau_run(framework, metrics, **options):
    params = [framework.zeros(2, requires_grad=True), framework.zeros(2, requires_grad=True)]
    optimizer = framework.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.01}],
                                    lr=0.1)
    scheduler = framework.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
    lrs = []
    for metric in metrics:
        scheduler.step(metric)
        lrs.append([g["lr"] for g in optimizer.param_groups])
    return lrs, scheduler


PLATEAU = {
    "min_rel": dict(patience=2),
    "max_abs_cooldown": dict(mode="max", threshold=0.05, threshold_mode="abs", patience=1,
                             cooldown=2, factor=0.5),
    "min_lr_per_group": dict(patience=0, factor=0.3, min_lr=[0.02, 0.0]),
}


@pytest.mark.parametrize("case", list(PLATEAU))
def test_reduce_lr_on_plateau_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.65, 0.8, 0.8]
    ours, _ = plateau_run(dl, metrics, **PLATEAU[case])
    theirs, _ = plateau_run(torch, metrics, **PLATEAU[case])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours[-1] != ours[0]  # the case does cut the lr


def test_reduce_lr_on_plateau_state_dict():
    metrics = [1.0, 1.0, 1.0, 1.0]
    _, scheduler = plateau_run(dl, metrics, patience=1)
    state = scheduler.state_dict()
    assert state["num_bad_epochs"] == scheduler.num_bad_epochs and "optimizer" not in state
    _, other = plateau_run(dl, [], patience=1)
    other.load_state_dict(state)
    assert other.best == 1.0 and other.last_epoch == 4


def test_scheduler_errors():
    params = [dl.zeros(1, requires_grad=True)]
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(optim.SGD(params, lr=0.1, momentum=0.9), max_lr=1.0)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.OneCycleLR(optim.Adagrad(params), max_lr=1.0, total_steps=3)
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(optim.SGD(params, lr=0.1), factor=2)
    sched = lr_scheduler.OneCycleLR(optim.SGD(params, lr=0.1, momentum=0.9), max_lr=1.0,
                                    total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="tried to step 3 times"):
        sched.step()


def test_adam_with_decoupled_weight_decay_is_adamw():
    adam, _, _ = run_minidl("Adam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True),
                            {}, {}, steps=3)
    adamw, _, _ = run_minidl("AdamW", dict(lr=0.1, weight_decay=0.1), {}, {}, steps=3)
    for a, b in zip(adam[-1], adamw[-1]):
        np.testing.assert_array_equal(a, b)
