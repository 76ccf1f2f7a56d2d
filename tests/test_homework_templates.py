"""Every template, many seeds: the answer key agrees with a torch float64 oracle (autograd for
the forward/backward pass, torch.optim for the steps), the numbers are nice, and the same seed
gives the same exercise."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from glassnet.errors import ConfigError
from glassnet.homework import TEMPLATES, generate
from glassnet.homework.checks import problems

torch.set_num_threads(1)
SEEDS = range(12)
ACT = {
    "relu": torch.relu, "sigmoid": torch.sigmoid, "identity": lambda z: z,
    "softmax": lambda z: torch.softmax(z, dim=1), "zero": lambda z: 0 * z,
}


def _forward(ex, p):
    """(samples, units) activations through the exercise's layers, with torch ops."""
    data = ex["data"] if isinstance(ex["data"], list) else [ex["data"]]
    x = torch.tensor([s["x"] for s in data], dtype=torch.float64)
    out, zs = x, []
    for layer in ex["network"]["layers"]:
        W = torch.stack([torch.stack([p[n] for n in row]) for row in layer["weights"]])
        z = out @ W.T
        if "bias" in layer:
            z = z + torch.stack([p[n] for n in layer["bias"]])
        zs.append(z)
        out = ACT[layer["activation"]](z)
        if "dropout" in layer:
            drop = layer["dropout"]
            scale = 1 / (1 - drop["rate"]) if drop["scaling"] == "inverted" else 1.0
            out = out * torch.tensor(drop["mask"], dtype=torch.float64) * scale
    return out, [s["t"] for s in data]


def _loss(ex, p):
    y, ts = _forward(ex, p)
    loss = ex["loss"]
    if loss["name"] == "squared_error":
        t = torch.tensor(ts, dtype=torch.float64).reshape(y.shape)
        value = (loss["factor"] * (y - t) ** 2).sum(dim=1).mean()
        reg = loss.get("regularization")
        if reg:
            value = value + reg["l2"] / 2 * sum(
                p[n] ** 2 for layer in ex["network"]["layers"] for row in layer["weights"]
                for n in row
            )
        return value, y
    if loss["name"] == "binary_cross_entropy":
        t = torch.tensor(ts, dtype=torch.float64).reshape(y.shape)
        return F.binary_cross_entropy(y, t), y
    return F.nll_loss(torch.log(y), torch.tensor(ts)), y


def _optimizer(ex, params):
    opt = ex["train"]["optimizer"]
    if opt["name"] == "sgd":
        return torch.optim.SGD(params, lr=opt["lr"], momentum=opt.get("momentum", 0.0))
    if opt["name"] == "rmsprop":
        return torch.optim.RMSprop(params, lr=opt["lr"], alpha=opt["alpha"], eps=opt["eps"])
    return torch.optim.Adam(params, lr=opt["lr"], betas=tuple(opt["betas"]), eps=opt["eps"])


def _textbook_adam(ex):
    """θ ← θ − η·m/√(v + ε), no bias correction (written out: torch has no such form)."""
    opt = ex["train"]["optimizer"]
    (b1, b2), eps, lr = opt["betas"], opt["eps"], opt["lr"]
    theta = dict(ex["params"])
    m = dict.fromkeys(theta, 0.0)
    v = dict.fromkeys(theta, 0.0)
    out = {}
    for k, g in enumerate(ex["train"]["gradients"], 1):
        for n in theta:
            m[n] = b1 * m[n] + (1 - b1) * g[n]
            v[n] = b2 * v[n] + (1 - b2) * g[n] ** 2
            theta[n] = theta[n] - lr * m[n] / np.sqrt(v[n] + eps)
            out[f"steps[{k}].state.{n}.m"], out[f"steps[{k}].state.{n}.v"] = m[n], v[n]
            out[f"steps[{k}].params.{n}"] = theta[n]
    return out


def oracle(ex):
    """Every value the oracle can name, by the paths the questions use."""
    if ex["train"]["optimizer"].get("bias_correction") is False:
        return _textbook_adam(ex)
    p = {n: torch.tensor(float(v), dtype=torch.float64, requires_grad=True)
         for n, v in ex["params"].items()}
    out = {}
    opt = _optimizer(ex, list(p.values()))
    sched = None
    if ex["train"].get("schedule"):
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, ex["train"]["schedule"]["gamma"])
    given = ex["train"].get("gradients")
    steps = len(given) if given else ex["train"].get("steps", 1)
    for k in range(1, steps + 1):
        opt.zero_grad()
        if given:
            for n, t in p.items():
                t.grad = torch.tensor(given[k - 1][n], dtype=torch.float64)
        else:
            loss, y = _loss(ex, p)
            loss.backward()
            if k == 1:
                out["loss"], out["output"] = loss.item(), y.detach().numpy().ravel()
            for n, t in p.items():
                out[f"gradients.{n}" if k == 1 else "_"] = t.grad.item()
                out[f"steps[{k}].gradients.{n}"] = t.grad.item()
        out[f"steps[{k}].lr"] = opt.param_groups[0]["lr"]
        opt.step()
        if sched:
            sched.step()
        for n, t in p.items():
            out[f"steps[{k}].params.{n}"] = t.item()
            state = opt.state[t]
            for mine, theirs in (("m", "exp_avg"), ("v", "exp_avg_sq"), ("v", "square_avg")):
                if theirs in state:
                    out[f"steps[{k}].state.{n}.{mine}"] = state[theirs].item()
    return out


@pytest.mark.parametrize("name", [n for n in TEMPLATES if n != "output-zero"])
def test_answers_match_torch(name):
    checked = 0
    for seed in SEEDS:
        gen = generate(name, seed)
        key, ref = gen.answers(), oracle(gen.exercise)
        for path, value in key.items():
            if path in ref:
                np.testing.assert_allclose(value, ref[path], rtol=1e-10, atol=1e-12,
                                           err_msg=f"{name} seed {seed} {path}")
                checked += 1
    assert checked >= len(SEEDS) * 3


def test_output_zero_is_zero_at_the_answer():
    for seed in SEEDS:
        gen = generate("output-zero", seed)
        key = gen.answers()
        assert abs(key["output"]) < 1e-12 and key["forward[1].a"] > 0
        ex = gen.exercise["params"]  # finite differences: ŷ changes sign around x*
        x = key["data.x"]
        y = lambda s, ex=ex: ex["v"] * max(ex["w"] * s + ex["c"], 0) + ex["b"]  # noqa: E731
        assert y(x - 1e-6) * y(x + 1e-6) < 0


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_nice_and_deterministic(name):
    for seed in SEEDS:
        gen = generate(name, seed)
        assert problems(gen, TEMPLATES[name].intends) == []
        assert generate(name, seed).exercise == gen.exercise
    assert any(generate(name, s).exercise != gen.exercise for s in SEEDS)


def test_no_saturated_sigmoid_and_live_relu():
    gen = generate("scalar-chain", 5)
    d = gen.solution.to_dict()
    assert d["forward"][0]["z"][0][0] > 0 and abs(d["forward"][1]["z"][0][0]) <= 4


def test_unknown_template_suggests():
    with pytest.raises(ConfigError, match="did you mean 'scalar-chain'"):
        generate("scalar-chian")


@pytest.mark.parametrize(
    "ranges, match",
    [({"lr": [1, 0]}, r"ranges\.lr: impossible range"),
     ({"lrr": [0.1, 0.2]}, r"ranges\.lrr: unknown knob; did you mean 'lr'"),
     ({"lr": "big"}, r"ranges\.lr: expected \[lo, hi\]"),
     ({"lr": [0.01, 0.04]}, r"ranges\.lr: the range .* holds no nonzero multiple"),
     ({"w_out": [50, 60]}, "found no nice exercise")],
)
def test_bad_ranges(ranges, match):
    with pytest.raises(ConfigError, match=match):
        generate("scalar-chain", 0, ranges)
