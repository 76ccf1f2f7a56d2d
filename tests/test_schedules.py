"""glassnet.schedules against torch.optim.lr_scheduler and against their formulas.

torch's group lr after k calls of ``scheduler.step()`` is compared with ``schedule(k)``.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

from glassnet.errors import ConfigError
from glassnet.schedules import SCHEDULES, get_schedule

RTOL = 1e-12  # torch computes most schedules recursively, so a few ulps accumulate


def torch_lrs(make_scheduler, base_lr: float, n_steps: int) -> list[float]:
    """The lr torch's optimizer uses at steps k = 0 … n_steps − 1."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(n_steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # no gradient: a no-op that keeps torch's call-order check quiet
        sched.step()
    return lrs


TORCH_CASES = [
    (
        "step",
        {"lr": 0.1, "step_size": 3, "gamma": 0.5},
        lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
        20,
    ),
    (
        "step-default-gamma",
        {"lr": 2.0, "step_size": 1},
        lambda o: lr_scheduler.StepLR(o, step_size=1),
        6,
    ),
    (
        "multistep",
        {"lr": 0.1, "milestones": [2, 5, 9], "gamma": 0.3},
        lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.3),
        15,
    ),
    (
        "exponential",
        {"lr": 0.5, "gamma": 0.9},
        lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9),
        40,
    ),
    (
        "cosine",
        {"lr": 0.1, "T_max": 10, "eta_min": 0.01},
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
        11,
    ),
    (
        "cosine-to-zero",
        {"lr": 1.0, "T_max": 7},
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=7),
        8,
    ),
    (
        "warmup",
        {"lr": 0.1, "start_factor": 0.25, "total_iters": 4},
        lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=4),
        10,
    ),
    ("warmup-defaults", {"lr": 0.3}, lambda o: lr_scheduler.LinearLR(o), 9),
    (
        "warmup-decay",
        {"lr": 0.2, "start_factor": 1.0, "end_factor": 0.1, "total_iters": 6},
        lambda o: lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=6),
        10,
    ),
    (
        "one_cycle",
        {"max_lr": 1.0, "total_steps": 10},
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, cycle_momentum=False),
        10,
    ),
    (
        "one_cycle-linear",
        {
            "max_lr": 0.5,
            "total_steps": 100,
            "pct_start": 0.25,
            "anneal_strategy": "linear",
            "div_factor": 10.0,
            "final_div_factor": 100.0,
        },
        lambda o: lr_scheduler.OneCycleLR(
            o,
            max_lr=0.5,
            total_steps=100,
            pct_start=0.25,
            anneal_strategy="linear",
            div_factor=10.0,
            final_div_factor=100.0,
            cycle_momentum=False,
        ),
        100,
    ),
    (
        "one_cycle-three-phase",
        {"max_lr": 0.1, "total_steps": 57, "three_phase": True},
        lambda o: lr_scheduler.OneCycleLR(
            o, max_lr=0.1, total_steps=57, three_phase=True, cycle_momentum=False
        ),
        57,
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "make_scheduler", "n_steps"),
    [(c[0].split("-")[0], *c[1:]) for c in TORCH_CASES],
    ids=[c[0] for c in TORCH_CASES],
)
def test_matches_torch_lr_scheduler(name, kwargs, make_scheduler, n_steps):
    schedule = get_schedule(name, **kwargs)
    base_lr = kwargs.get("lr", 1.0)  # OneCycleLR overwrites the optimizer's lr itself
    expected = torch_lrs(make_scheduler, base_lr, n_steps)
    np.testing.assert_allclose([schedule(k) for k in range(n_steps)], expected, rtol=RTOL, atol=0)


def test_one_cycle_values_printed_in_the_reference():
    # landscape.md §2.7, T = 10: .04, .52, 1.0, .950, .812, .611, .389, .188, .0495, ≈0
    s = get_schedule("one_cycle", max_lr=1.0, total_steps=10)
    expected = [0.04, 0.52, 1.0, 0.950, 0.812, 0.611, 0.389, 0.188, 0.0495, 0.0]
    np.testing.assert_allclose([s(k) for k in range(10)], expected, rtol=0, atol=1e-3)


def test_cosine_holds_eta_min_after_t_max():
    # torch would climb back: η = η₀ at k = 2·T_max. We hold η_min.
    s = get_schedule("cosine", lr=1.0, T_max=4, eta_min=0.1)
    assert s(4) == pytest.approx(0.1, rel=1e-15)
    assert [s(k) for k in (5, 8, 100)] == [s(4)] * 3


@pytest.mark.parametrize(("power", "gamma"), [(1.0, 0.5), (0.5, 0.1), (2.0, 0.01)])
def test_inverse_time_formula(power, gamma):
    s = get_schedule("inverse_time", lr=0.2, gamma=gamma, power=power)
    for k in range(30):
        assert s(k) == pytest.approx(0.2 / (1 + gamma * k) ** power, rel=1e-15)
    assert get_schedule("inverse_time", lr=1.0, gamma=1.0)(3) == 0.25  # 1 / (1 + 3)


@pytest.mark.parametrize(
    ("warmup", "total", "start", "eta_min"),
    [(5, 20, 0.0, 0.0), (3, 10, 0.2, 0.01), (0, 8, 0.0, 0.05)],
)
def test_warmup_cosine_formula(warmup, total, start, eta_min):
    lr = 0.4
    s = get_schedule(
        "warmup_cosine",
        lr=lr,
        warmup_steps=warmup,
        total_steps=total,
        start_factor=start,
        eta_min=eta_min,
    )
    for k in range(total + 5):
        if k < warmup:
            expected = lr * (start + (1 - start) * k / warmup)
        elif k <= total:
            expected = (
                eta_min
                + (lr - eta_min) * (1 + math.cos(math.pi * (k - warmup) / (total - warmup))) / 2
            )
        else:
            expected = eta_min
        assert s(k) == pytest.approx(expected, rel=1e-14, abs=1e-17), k
    assert s(warmup) == pytest.approx(lr, rel=1e-15)  # the warm-up ends at η₀


def test_constant():
    s = get_schedule("constant", lr=0.3)
    assert [s(0), s(10), s(np.int64(10**6))] == [0.3, 0.3, 0.3]


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_config_round_trips_through_json(name):
    examples = {
        "constant": {"lr": 0.1},
        "step": {"lr": 0.1, "step_size": 2},
        "multistep": {"lr": 0.1, "milestones": (3, 6)},
        "exponential": {"lr": 0.1, "gamma": 0.9},
        "inverse_time": {"lr": 0.1, "gamma": 0.5},
        "cosine": {"lr": 0.1, "T_max": 10},
        "warmup": {"lr": 0.1},
        "warmup_cosine": {"lr": 0.1, "warmup_steps": 2, "total_steps": 9},
        "one_cycle": {"max_lr": 0.1, "total_steps": 20},
    }
    s = get_schedule(name, **examples[name])
    rebuilt = get_schedule(**json.loads(json.dumps(s.config())))
    assert rebuilt == s
    assert [rebuilt(k) for k in range(9)] == [s(k) for k in range(9)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.lr = 1.0
    assert get_schedule(s) is s


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("constant", {"lr": -1.0}, r"Constant: lr must be in \[0, inf\); got -1.0"),
        ("step", {"lr": 0.1, "step_size": 0}, "step_size"),
        ("step", {"lr": 0.1, "step_size": 2.5}, "step_size must be an integer"),
        ("step", {"lr": 0.1, "step_size": 2, "gamma": 0.0}, "gamma"),
        ("multistep", {"lr": 0.1, "milestones": [5, 3]}, "strictly increasing"),
        ("multistep", {"lr": 0.1, "milestones": [0, 3]}, r"milestones\[0\]"),
        ("multistep", {"lr": 0.1, "milestones": 5}, "list of steps"),
        ("exponential", {"lr": 0.1, "gamma": -0.5}, "gamma"),
        ("exponential", {"lr": 0.1}, "ExponentialDecay: option 'gamma' is required"),
        ("inverse_time", {"lr": 0.1, "gamma": 0.1, "power": -1}, "power"),
        ("cosine", {"lr": 0.1, "T_max": 0}, "T_max"),
        ("cosine", {"lr": 0.1, "T_max": 10, "eta_min": 0.2}, "eta_min must be ≤ lr"),
        ("cosine", {"lr": 0.1, "Tmax": 10}, "unknown option 'Tmax'.*Did you mean 'T_max'"),
        ("warmup", {"lr": 0.1, "start_factor": 0.0}, "start_factor"),
        ("warmup", {"lr": 0.1, "end_factor": 1.5}, "end_factor"),
        ("warmup", {"lr": 0.1, "total_iters": 0}, "total_iters"),
        ("warmup_cosine", {"lr": 0.1, "warmup_steps": 10, "total_steps": 10}, "total_steps"),
        ("warmup_cosine", {"lr": 0.1, "warmup_steps": -1, "total_steps": 10}, "warmup_steps"),
        ("one_cycle", {"max_lr": 0.0, "total_steps": 10}, "max_lr"),
        (
            "one_cycle",
            {"max_lr": 1.0, "total_steps": 10, "anneal_strategy": "cosine"},
            "anneal_strategy.*Did you mean 'cos'",
        ),
        ("one_cycle", {"max_lr": 1.0, "total_steps": 10, "pct_start": 1.5}, "pct_start"),
        ("one_cycle", {"max_lr": 1.0, "total_steps": 3}, "more than zero steps"),
        (
            "one_cycle",
            {"max_lr": 1.0, "total_steps": 10, "pct_start": 0.6, "three_phase": True},
            "more than zero steps",
        ),
        ("one_cycle", {"max_lr": 1.0, "total_steps": 10, "three_phase": "no"}, "three_phase"),
        ("one_cycle", {"max_lr": 1.0, "total_steps": 10, "div_factor": 0}, "div_factor"),
    ],
)
def test_bad_arguments_raise_config_error(name, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        get_schedule(name, **kwargs)


def test_unknown_name_suggests_a_close_match():
    with pytest.raises(ConfigError, match=r"unknown schedule 'cosin'.*Did you mean 'cosine'"):
        get_schedule("cosin", lr=0.1, T_max=3)


@pytest.mark.parametrize("step", [-1, 1.5, True, "3", None])
def test_step_must_be_a_non_negative_integer(step):
    with pytest.raises(ConfigError, match="step must be an integer ≥ 0"):
        get_schedule("exponential", lr=0.1, gamma=0.9)(step)


def test_one_cycle_refuses_steps_past_the_cycle():
    s = get_schedule("one_cycle", max_lr=1.0, total_steps=10)
    assert s(9) == pytest.approx(1.0 / 25 / 1e4, rel=1e-12)
    with pytest.raises(ConfigError, match="total_steps − 1 = 9; got 10"):
        s(10)
