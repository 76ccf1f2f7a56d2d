"""Every number of ``glassnet explain``'s JSON agrees with PyTorch (autograd and torch.optim).

Random exercise files (random shapes, activations, losses, named and tied parameters,
regularization, dropout masks given or seeded, optimizers with their options, clipping,
schedules) are solved by glassnet; a torch twin built from the exercise *file* (not from
glassnet objects) recomputes each quantity in float64: the forward records, the loss, δ per
sample, ∂C/∂W per layer, the gradients by name (tied names summed by autograd), per-sample
gradients, and every optimizer step with its state. Tolerance: 1e-10 (relative and absolute).

The textbook variants torch does not have (Adam without bias correction or with ε inside
the root, RMSprop with ε inside the root) are written again here with torch tensors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from glassnet.explain import explain

torch.set_num_threads(1)
DT = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-10}

HIDDEN = [
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    {"name": "leaky_relu", "slope": 0.1},
    {"name": "elu", "alpha": 0.7},
    "softplus",
    "gelu",
    {"name": "gelu", "approximate": "tanh"},
    "zero",
]


# ---------------------------------------------------------------------------- random files
def _name(r: np.random.Generator, used: list[str]) -> str:
    if used and r.random() < 0.25:  # a tied parameter
        return str(r.choice(used))
    name = f"p{len(used) + 1}"
    used.append(name)
    return name


def _entry(r, params, used) -> float | str:
    value = round(float(r.normal(0, 0.8)), 3)
    if r.random() < 0.35:
        name = _name(r, used)
        params.setdefault(name, value)
        return name
    return value


def _optimizer(r) -> dict:
    kind = r.choice(["sgd", "momentum", "rmsprop", "adam", "adamw"])
    lr = float(r.choice([0.05, 0.1, 0.3]))
    if kind == "sgd":
        mu = float(r.choice([0.0, 0.9]))
        opt = {"name": "sgd", "lr": lr, "momentum": mu, "weight_decay": float(r.choice([0, 0.01]))}
        if mu and r.random() < 0.4:
            opt["nesterov"] = True
        elif mu and r.random() < 0.4:
            opt["dampening"] = 0.3
    elif kind == "momentum":
        opt = {"name": "momentum", "lr": lr, "beta": float(r.choice([0.5, 0.9]))}
    elif kind == "rmsprop":
        opt = {
            "name": "rmsprop",
            "lr": lr,
            "alpha": float(r.choice([0.9, 0.99])),
            "centered": bool(r.random() < 0.4),
            "momentum": float(r.choice([0.0, 0.5])),
            "weight_decay": float(r.choice([0, 0.01])),
            "eps_inside_sqrt": bool(r.random() < 0.3),
        }
    else:
        opt = {
            "name": kind,
            "lr": lr,
            "betas": [0.9, float(r.choice([0.99, 0.999]))],
            "weight_decay": float(r.choice([0, 0.01, 0.1])),
            "amsgrad": bool(r.random() < 0.3),
        }
        if r.random() < 0.3:
            opt["bias_correction"] = False
        if r.random() < 0.3:
            opt["eps_inside_sqrt"] = True
    if r.random() < 0.2:
        opt["clip_norm"] = 0.5
    elif r.random() < 0.1:
        opt["clip_value"] = 0.2
    return opt


def random_exercise(seed: int) -> dict:
    r = np.random.default_rng(seed)
    kind = str(r.choice(["se", "bce", "bce_logits", "ce", "ce_logits"]))
    n_in, n_layers, n = int(r.integers(1, 4)), int(r.integers(1, 4)), int(r.integers(1, 5))
    n_out = int(r.integers(2, 4)) if kind.startswith("ce") else int(r.integers(1, 3))
    out_act = {
        "se": HIDDEN[int(r.integers(0, 9))],
        "bce": "sigmoid",
        "bce_logits": "identity",
        "ce": "softmax",
        "ce_logits": "identity",
    }[kind]
    params: dict[str, float] = {}
    used: list[str] = []
    layers, prev = [], n_in
    for i in range(n_layers):
        last = i == n_layers - 1
        units = n_out if last else int(r.integers(1, 4))
        act = out_act if last else HIDDEN[int(r.integers(0, 10 if r.random() < 0.2 else 9))]
        layer: dict = {
            "units": units,
            "activation": act,
            "weights": [[_entry(r, params, used) for _ in range(prev)] for _ in range(units)],
        }
        b = r.random()
        if b < 0.3:
            layer["bias"] = "zeros"
        elif b < 0.8:
            layer["bias"] = [_entry(r, params, used) for _ in range(units)]
        on_probabilities = kind in ("bce", "ce")
        if r.random() < (0.15 if last else 0.35) and not (last and on_probabilities):
            drop = {
                "rate": float(r.choice([0.25, 0.5])),
                "scaling": str(r.choice(["inverted", "standard"])),
            }
            how = r.random()
            if how < 0.35:
                drop["mask"] = r.integers(0, 2, units).tolist()
            elif how < 0.7:
                drop["mask"] = r.integers(0, 2, (n, units)).tolist()
            else:
                drop["seed"] = int(r.integers(0, 1000))
            layer["dropout"] = drop
        layers.append(layer)
        prev = units
    data = []
    index_targets = r.random() < 0.6
    for _ in range(n):
        x = [round(float(v), 3) for v in r.normal(0, 1, n_in)]
        if kind == "se":
            t = [round(float(v), 3) for v in r.normal(0, 1, n_out)]
        elif kind.startswith("bce"):
            t = [float(v) for v in r.choice([0.0, 1.0, 0.3], n_out)]
        elif index_targets:
            t = int(r.integers(0, n_out))
        else:
            p = r.dirichlet(np.ones(n_out))
            t = (p / p.sum()).tolist()
        data.append({"x": x, "t": t})
    loss: dict = {
        "name": {
            "se": "squared_error",
            "bce": "binary_cross_entropy",
            "bce_logits": "binary_cross_entropy",
            "ce": "cross_entropy",
            "ce_logits": "cross_entropy",
        }[kind],
        "reduction": str(r.choice(["mean", "sum"])),
    }
    if kind == "se":
        loss["factor"] = float(r.choice([0.5, 1.0, 0.25]))
    if kind.endswith("logits"):
        loss["from_logits"] = True
    if kind.startswith("ce") and r.random() < 0.3:
        loss["label_smoothing"] = 0.1
    if kind.startswith("ce") and r.random() < 0.3:
        loss["class_weights"] = [round(float(w), 2) for w in r.uniform(0.5, 2.0, n_out)]
    if r.random() < 0.4:
        loss["regularization"] = {
            "l2": float(r.choice([0.0, 0.05])),
            "l1": float(r.choice([0.0, 0.02])),
            "convention": str(r.choice(["half", "full"])),
            "include_bias": bool(r.random() < 0.5),
            "divide_by_batch": bool(r.random() < 0.5),
        }
    train: dict = {"optimizer": _optimizer(r), "steps": int(r.integers(1, 4))}
    if r.random() < 0.3:
        train["schedule"] = (
            {"name": "exponential", "gamma": 0.7}
            if r.random() < 0.5
            else {"name": "step", "step_size": 1, "gamma": 0.5}
        )
    return {
        "params": params,
        "network": {"inputs": n_in, "layers": layers},
        "loss": loss,
        "data": data,
        "train": train,
    }


# ---------------------------------------------------------------------------- torch twin
def t(x) -> torch.Tensor:
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=DT)


def act(spec, z: torch.Tensor) -> torch.Tensor:
    name = spec if isinstance(spec, str) else spec["name"]
    fns = {
        "identity": lambda: z,
        "zero": lambda: z * 0.0,
        "sigmoid": lambda: torch.sigmoid(z),
        "tanh": lambda: torch.tanh(z),
        "relu": lambda: F.relu(z),
        "leaky_relu": lambda: F.leaky_relu(z, spec["slope"]),
        "elu": lambda: F.elu(z, spec["alpha"]),
        "softplus": lambda: F.softplus(z, threshold=1e9),
        "gelu": lambda: F.gelu(
            z, approximate=spec.get("approximate", "none") if isinstance(spec, dict) else "none"
        ),
        "softmax": lambda: torch.softmax(z, dim=1),
    }
    return fns[name]()


def per_sample(loss: dict, y: torch.Tensor, targets: list) -> torch.Tensor:
    name = loss["name"]
    if name == "squared_error":
        return loss["factor"] * (
            (y - t([tt if isinstance(tt, list) else [tt] for tt in targets])) ** 2
        ).sum(1)
    if name == "binary_cross_entropy":
        tt = t(targets)
        if loss.get("from_logits"):
            return F.binary_cross_entropy_with_logits(y, tt, reduction="none").sum(1)
        return F.binary_cross_entropy(y, tt, reduction="none").sum(1)
    k = y.shape[1]
    onehot = t([tt if isinstance(tt, list) else np.eye(k)[tt] for tt in targets])
    eps = loss.get("label_smoothing", 0.0)
    q = (1 - eps) * onehot + eps / k
    w = t(loss["class_weights"]) if loss.get("class_weights") else torch.ones(k, dtype=DT)
    logp = torch.log_softmax(y, 1) if loss.get("from_logits") else torch.log(y).clamp(min=-100)
    return -(w * q * logp).sum(1)


def reduction_scale(loss: dict, targets: list) -> float:
    """1/N for mean (1/Σ_s w_{t_s} for weighted class-index targets, as PyTorch); 1 for sum."""
    if loss["reduction"] == "sum":
        return 1.0
    if loss.get("class_weights") and not isinstance(targets[0], list):
        return 1.0 / sum(loss["class_weights"][tt] for tt in targets)
    return 1.0 / len(targets)


def forward(ex: dict, data: dict, theta: torch.Tensor, masks: dict[int, list]) -> dict:
    """The twin's forward pass and losses; keeps z, a, out, W, b of each layer."""
    idx = {n: i for i, n in enumerate(data["params"])}
    a = t([s["x"] for s in ex["data"]])
    rec = {"z": [], "a": [], "out": [], "W": [], "b": []}
    for l, layer in enumerate(data["network"]["layers"], start=1):
        W = theta[torch.tensor([[idx[n] for n in row] for row in layer["weights"]])]
        z = a @ W.T
        b = None
        if layer["bias"] is not None:
            b = theta[torch.tensor([idx[n] for n in layer["bias"]])]
            z = z + b
        spec = ex["network"]["layers"][l - 1]["activation"]
        f = act(spec, z)
        out = f
        if layer["dropout"] is not None:
            out = f * t(masks[l])
            if layer["dropout"]["scaling"] == "inverted":
                out = out / layer["dropout"]["keep_prob"]
        for key, val in zip(("z", "a", "out", "W", "b"), (z, f, out, W, b), strict=True):
            rec[key].append(val)
        a = out
    loss = data["conventions"]["loss"]
    cs = per_sample(loss, a, [s["t"] for s in ex["data"]])
    n = cs.shape[0]
    data_loss = cs.sum() * reduction_scale(loss, [s["t"] for s in ex["data"]])
    pen = torch.zeros((), dtype=DT)
    reg = data["conventions"]["regularization"]
    if reg:
        c = 1.0 / n if reg["divide_by_batch"] else 1.0
        k = 0.5 if reg["convention"] == "half" else 1.0
        arrays = rec["W"] + ([b for b in rec["b"] if b is not None] if reg["include_bias"] else [])
        for w in arrays:
            pen = pen + c * (k * reg["l2"] * (w**2).sum() + reg["l1"] * w.abs().sum())
    rec.update(per_sample=cs, data_loss=data_loss, penalty=pen, loss=data_loss + pen, output=a)
    return rec


def close(actual, expected, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float),
        np.asarray(
            expected.detach().numpy() if torch.is_tensor(expected) else expected, dtype=float
        ),
        err_msg=what,
        **TOL,
    )


def masks_for(data: dict, where: dict | None) -> dict[int, list]:
    fixed = {f["layer"]: f["mask"] for f in data["forward"] if "mask" in f}
    if where and "masks" in where:
        fixed.update({int(k): v for k, v in where["masks"].items()})
    return fixed


def check_first_pass(ex: dict, data: dict) -> None:
    theta = t(list(data["params"].values())).requires_grad_(True)
    rec = forward(ex, data, theta, masks_for(data, None))
    for l, fw in enumerate(data["forward"], start=1):
        close(fw["z"], rec["z"][l - 1], f"forward[{l}].z")
        close(fw["a"], rec["a"][l - 1], f"forward[{l}].a")
        if "a_dropped" in fw:
            close(fw["a_dropped"], rec["out"][l - 1], f"forward[{l}].a_dropped")
    close(data["output"], rec["output"], "output")
    close(data["per_sample_loss"], rec["per_sample"], "per_sample_loss")
    for key in ("data_loss", "penalty", "loss"):
        close(data[key], rec[key], key)
    if "probabilities" in data:
        y = rec["output"]
        p = (
            torch.softmax(y, 1)
            if data["conventions"]["loss"]["name"] == "cross_entropy"
            else torch.sigmoid(y)
        )
        close(data["probabilities"], p, "probabilities")
    total_samples = rec["per_sample"].sum()
    deltas = torch.autograd.grad(total_samples, rec["z"], retain_graph=True)
    grad_a = torch.autograd.grad(total_samples, rec["a"], retain_graph=True, allow_unused=True)
    grad_out = torch.autograd.grad(total_samples, rec["out"], retain_graph=True, allow_unused=True)
    wrt = rec["W"] + [b for b in rec["b"] if b is not None]
    grads = torch.autograd.grad(rec["loss"], [theta, *wrt], retain_graph=True)
    g_theta, g_w = grads[0], dict(zip(map(id, wrt), grads[1:], strict=True))
    for back in data["backward"]:
        l = back["layer"]
        close(back["delta"], deltas[l - 1], f"backward[{l}].delta")
        close(back["grad_a"], grad_a[l - 1], f"backward[{l}].grad_a")
        if "grad_out" in back:
            close(back["grad_out"], grad_out[l - 1], f"backward[{l}].grad_out")
        if "fprime" in back:
            z = rec["z"][l - 1].detach().clone().requires_grad_(True)
            fp = torch.autograd.grad(act(ex["network"]["layers"][l - 1]["activation"], z).sum(), z)
            close(back["fprime"], fp[0], f"backward[{l}].fprime")
        close(back["grad_W"], g_w[id(rec["W"][l - 1])], f"backward[{l}].grad_W")
        if back["grad_b"] is not None:
            close(back["grad_b"], g_w[id(rec["b"][l - 1])], f"backward[{l}].grad_b")
    close(list(data["gradients"].values()), g_theta, "gradients")
    for s, per in enumerate(data.get("per_sample_gradients", [])):
        g = torch.autograd.grad(rec["per_sample"][s], theta, retain_graph=True)[0]
        close(list(per.values()), g, f"per_sample_gradients[{s + 1}]")


# ---------------------------------------------------------------------------- optimizers
def torch_optimizer(cfg: dict, theta: torch.Tensor):
    name = cfg["name"]
    if name == "sgd":
        return torch.optim.SGD(
            [theta],
            lr=cfg["lr"],
            momentum=cfg["momentum"],
            dampening=cfg["dampening"],
            nesterov=cfg["nesterov"],
            weight_decay=cfg["weight_decay"],
        )
    if name == "momentum":  # m_t = b_t (1 − β) with torch's buffer b, lr scaled by (1 − β)
        return torch.optim.SGD([theta], lr=cfg["lr"] * (1 - cfg["beta"]), momentum=cfg["beta"])
    if name == "rmsprop" and not cfg["eps_inside_sqrt"]:
        return torch.optim.RMSprop(
            [theta],
            lr=cfg["lr"],
            alpha=cfg["alpha"],
            eps=cfg["eps"],
            weight_decay=cfg["weight_decay"],
            momentum=cfg["momentum"],
            centered=cfg["centered"],
        )
    if name in ("adam", "adamw") and cfg["bias_correction"] and not cfg["eps_inside_sqrt"]:
        cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        return cls(
            [theta],
            lr=cfg["lr"],
            betas=tuple(cfg["betas"]),
            eps=cfg["eps"],
            weight_decay=cfg["weight_decay"],
            amsgrad=cfg["amsgrad"],
        )
    return None  # a textbook variant: manual_step


def manual_step(
    cfg: dict, theta: torch.Tensor, g: torch.Tensor, lr: float, k: int, st: dict
) -> None:
    """RMSprop / Adam variants torch lacks, written again from their formulas."""
    with torch.no_grad():
        if cfg["name"] == "rmsprop":
            a = cfg["alpha"]
            if cfg["weight_decay"]:
                g = g + cfg["weight_decay"] * theta
            st["v"] = a * st.get("v", 0 * g) + (1 - a) * g * g
            var = st["v"]
            if cfg["centered"]:
                st["g_avg"] = a * st.get("g_avg", 0 * g) + (1 - a) * g
                var = var - st["g_avg"] ** 2
            step = g / torch.sqrt(var + cfg["eps"])
            if cfg["momentum"]:
                st["buffer"] = cfg["momentum"] * st.get("buffer", 0 * g) + step
                step = st["buffer"]
            theta -= lr * step
            return
        b1, b2 = cfg["betas"]
        wd = cfg["weight_decay"]
        if wd and cfg["name"] == "adamw":
            theta *= 1 - lr * wd
        elif wd:
            g = g + wd * theta
        st["m"] = b1 * st.get("m", 0 * g) + (1 - b1) * g
        st["v"] = b2 * st.get("v", 0 * g) + (1 - b2) * g * g
        v = st["v"]
        if cfg["amsgrad"]:
            st["v_max"] = torch.maximum(st.get("v_max", 0 * g), v)
            v = st["v_max"]
        c1, c2 = (1 - b1**k, 1 - b2**k) if cfg["bias_correction"] else (1.0, 1.0)
        st["m_hat"], st["v_hat"] = st["m"] / c1, v / c2
        d = (
            torch.sqrt(st["v_hat"] + cfg["eps"])
            if cfg["eps_inside_sqrt"]
            else torch.sqrt(st["v_hat"]) + cfg["eps"]
        )
        theta -= lr * st["m_hat"] / d


def torch_state(cfg: dict, opt, theta: torch.Tensor, k: int, manual: dict) -> dict:
    if opt is None:
        return {key: val for key, val in manual.items()}
    s = opt.state[theta]
    name = cfg["name"]
    if name == "sgd":
        return {"buffer": s["momentum_buffer"]} if cfg["momentum"] else {}
    if name == "momentum":
        return {"m": s["momentum_buffer"] * (1 - cfg["beta"])}
    if name == "rmsprop":
        out = {"v": s["square_avg"]}
        if cfg["centered"]:
            out["g_avg"] = s["grad_avg"]
        if cfg["momentum"]:
            out["buffer"] = s["momentum_buffer"]
        return out
    b1, b2 = cfg["betas"]
    out = {"m": s["exp_avg"], "v": s["exp_avg_sq"]}
    v = out["v"]
    if cfg["amsgrad"]:
        out["v_max"] = v = s["max_exp_avg_sq"]
    out["m_hat"], out["v_hat"] = out["m"] / (1 - b1**k), v / (1 - b2**k)
    return out


def schedule_lr(train: dict, cfg: dict, k: int) -> float:
    """η for step k (k = 1, 2, …), the schedule's formula written again."""
    sched = train.get("schedule")
    if sched is None:
        return cfg["lr"]
    if sched["name"] == "exponential":
        return cfg["lr"] * sched["gamma"] ** (k - 1)
    return cfg["lr"] * sched["gamma"] ** math.floor((k - 1) / sched["step_size"])


def check_steps(ex: dict, data: dict) -> None:
    cfg = data["conventions"]["optimizer"]
    theta = t(list(data["params"].values())).requires_grad_(True)
    opt = torch_optimizer(cfg, theta)
    manual: dict = {}
    for step in data["steps"]:
        k = step["step"]
        rec = forward(ex, data, theta, masks_for(data, step))
        close(step["loss"], rec["loss"], f"steps[{k}].loss")
        (g,) = torch.autograd.grad(rec["loss"], theta)
        close(list(step["gradients"].values()), g, f"steps[{k}].gradients")
        if cfg["clip_norm"] is not None:
            theta.grad = g.clone()
            torch.nn.utils.clip_grad_norm_([theta], cfg["clip_norm"])
            g = theta.grad
        elif cfg["clip_value"] is not None:
            theta.grad = g.clone()
            torch.nn.utils.clip_grad_value_([theta], cfg["clip_value"])
            g = theta.grad
        if "clipped_gradients" in step:
            close(list(step["clipped_gradients"].values()), g, f"steps[{k}].clipped_gradients")
        lr = schedule_lr(ex["train"], cfg, k)
        close(step["lr"], lr, f"steps[{k}].lr")
        if opt is None:
            manual_step(cfg, theta, g.detach(), lr, k, manual)
        else:
            theta.grad = g.detach().clone()
            for group in opt.param_groups:
                group["lr"] = lr * (1 - cfg["beta"]) if cfg["name"] == "momentum" else lr
            opt.step()
        close(list(step["params"].values()), theta, f"steps[{k}].params")
        expected = torch_state(cfg, opt, theta, k, manual)
        for i, name in enumerate(data["params"]):
            for field, value in expected.items():
                close(step["state"][name][field], value[i], f"steps[{k}].state.{name}.{field}")
    if "final" in data:
        rec = forward(ex, data, theta, masks_for(data, data["final"]))
        close(data["final"]["loss"], rec["loss"], "final.loss")


@pytest.mark.parametrize("seed", range(60))
def test_random_exercise_matches_torch(seed: int) -> None:
    ex = random_exercise(seed)
    data = explain(ex).to_dict()
    check_first_pass(ex, data)
    check_steps(ex, data)


def test_random_exercises_cover_the_options() -> None:
    """The 60 files above exercise every loss, optimizer, mask form and tying."""
    seen: set[str] = set()
    for seed in range(60):
        ex = random_exercise(seed)
        seen.add(ex["loss"]["name"] + ("_logits" if ex["loss"].get("from_logits") else ""))
        seen.add(ex["train"]["optimizer"]["name"])
        seen |= {"schedule"} if "schedule" in ex["train"] else set()
        seen |= {"regularization"} if "regularization" in ex["loss"] else set()
        seen |= {"class_weights"} if "class_weights" in ex["loss"] else set()
        for layer in ex["network"]["layers"]:
            drop = layer.get("dropout")
            if drop:
                seen.add(
                    "seed"
                    if "seed" in drop
                    else "mask_rows"
                    if isinstance(drop["mask"][0], list)
                    else "mask"
                )
                seen.add(drop["scaling"])
        names = [
            w
            for layer in ex["network"]["layers"]
            for row in layer["weights"]
            for w in row
            if isinstance(w, str)
        ]
        seen |= {"tied"} if len(names) != len(set(names)) else set()
        seen |= (
            {"textbook_adam"} if ex["train"]["optimizer"].get("bias_correction") is False else set()
        )
    expected = {
        "squared_error",
        "binary_cross_entropy",
        "binary_cross_entropy_logits",
        "cross_entropy",
        "cross_entropy_logits",
        "sgd",
        "momentum",
        "rmsprop",
        "adam",
        "adamw",
        "schedule",
        "regularization",
        "seed",
        "mask",
        "mask_rows",
        "inverted",
        "standard",
        "tied",
        "textbook_adam",
    }
    assert expected <= seen, expected - seen
