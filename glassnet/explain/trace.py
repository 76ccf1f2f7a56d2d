"""Run an exercise through the engine and keep every number: the solution's JSON data.

Nothing here computes a z, a, δ, gradient or update: the network's ``compute_gradients``
(with ``fused=False``, so δ^L comes from the general rule), the activations' ``derivative``,
the optimizer's ``step``/``describe`` and the schedule do. This module copies their results
into plain lists (``(samples, units)`` arrays) and gathers the entries of the flat parameter
buffer into named parameters (a tied name sums the gradients of its positions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.activations import Activation, sigmoid, softmax
from glassnet.explain.exercise import Exercise
from glassnet.losses import get_loss
from glassnet.network import Network, Pass

Array = np.ndarray

WEIGHT_CONVENTION = (
    "W[j][k] (textbook w^l_jk) connects unit k of layer l-1 to unit j of layer l; "
    "z = a_prev W^T + b, arrays are (samples, units)"
)
NAMING = (
    "parameters keep the names given in the file; unnamed ones are W{l}[{j},{k}] and b{l}[{j}] "
    "(1-based); a name used at several positions is one tied parameter whose gradient is the "
    "sum over its positions"
)


ORDER = (
    "title",
    "description",
    "conventions",
    "network",
    "positions",
    "data",
    "params",
    "forward",
    "output",
    "probabilities",
    "per_sample_loss",
    "scale",
    "data_loss",
    "penalty",
    "loss",
    "clamped",
    "backward",
    "gradients",
    "per_sample_gradients",
    "steps",
    "final",
)


def _f(x: Any) -> Any:
    """NumPy → JSON-able floats (full float64 precision)."""
    return np.asarray(x, dtype=np.float64).tolist()


def gather(flat: Array, theta_index: Array, n: int) -> Array:
    """Named-parameter vector from a flat per-entry array; tied entries are summed."""
    out = np.zeros(n, dtype=np.float64)
    np.add.at(out, theta_index, flat)
    return out


def conventions(ex: Exercise) -> dict[str, Any]:
    conv: dict[str, Any] = {"naming": NAMING}
    if ex.network is not None:
        conv["weights"] = WEIGHT_CONVENTION
        conv["loss"] = ex.loss.config()
        conv["regularization"] = None if ex.regularization is None else ex.regularization.config()
        conv["dropout"] = [
            {
                "layer": l,
                "rate": d.dropout.rate,
                "keep_prob": d.dropout.keep_prob,
                "scaling": d.dropout.scaling,
            }
            for l, d in enumerate(ex.network.layers, start=1)
            if d.dropout is not None
        ]
        conv["output_rule"] = "general"
    conv["optimizer"] = None if ex.optimizer is None else ex.make_optimizer().config()
    sched = ex.make_schedule() if ex.optimizer is not None else None
    conv["schedule"] = None if sched is None else sched.config()
    return conv


def _network_info(ex: Exercise) -> dict[str, Any]:
    layers = []
    for l, (spec, dense) in enumerate(zip(ex.net_spec.layers, ex.network.layers, strict=True), 1):
        slot_w = f"W{l}"
        names = _names_of(ex, slot_w)
        layers.append(
            {
                "layer": l,
                "units": spec.units,
                "activation": dense.activation.config(),
                "weights": names,
                "bias": _names_of(ex, f"b{l}") if dense.has_bias else None,
                "dropout": None
                if dense.dropout is None
                else {
                    "rate": dense.dropout.rate,
                    "keep_prob": dense.dropout.keep_prob,
                    "scaling": dense.dropout.scaling,
                },
            }
        )
    return {"inputs": ex.inputs, "layers": layers}


def _names_of(ex: Exercise, slot_name: str) -> list:
    slot = ex.network.slot(slot_name)
    names = [ex.param_names[i] for i in ex.theta_index[slot.start : slot.stop]]
    return np.array(names, dtype=object).reshape(slot.shape).tolist()


def _draw_masks(ex: Exercise, net: Network, rngs: list) -> list | None:
    """This step's masks: the file's fixed masks, or fresh draws for seeded layers."""
    if all(d.dropout is None for d in net.layers):
        return None
    masks: list = []
    for l, dense in enumerate(net.layers):
        fixed = None if ex.masks is None else ex.masks[l]
        if fixed is not None or rngs[l] is None:
            masks.append(fixed)
        else:
            masks.append(dense.dropout.draw_mask((ex.n_samples, dense.n_out), rngs[l], np.float64))
    return masks


def _record(ex: Exercise, net: Network, p: Pass) -> dict[str, Any]:
    """forward / loss / backward / gradients of one pass (before any step)."""
    forward, backward = [], []
    for l, (dense, rec) in enumerate(zip(net.layers, p.layers, strict=True), start=1):
        entry: dict[str, Any] = {"layer": l, "z": _f(rec.z), "a": _f(rec.a)}
        if rec.mask is not None:
            entry["mask"] = _f(rec.mask)
            entry["a_dropped"] = _f(rec.out)
        forward.append(entry)
        back: dict[str, Any] = {"layer": l}
        if dense.dropout is not None:
            back["grad_out"] = _f(rec.grad_out)
        back["grad_a"] = _f(rec.grad_a)
        if dense.activation.elementwise:
            back["fprime"] = _f(dense.activation.derivative(rec.z, rec.a))
        back["delta"] = _f(rec.delta)
        back["grad_W"] = _f(rec.grad_W)
        back["grad_b"] = None if rec.grad_b is None else _f(rec.grad_b)
        backward.append(back)
    out: dict[str, Any] = {"forward": forward, "output": _f(p.output)}
    if getattr(ex.loss, "from_logits", False):
        probs = softmax(p.output) if ex.loss.name == "cross_entropy" else sigmoid(p.output)
        out["probabilities"] = _f(probs)
    out.update(
        {
            "per_sample_loss": _f(p.per_sample_loss),
            "scale": float(p.scale),
            "data_loss": float(p.data_loss),
            "penalty": float(p.penalty),
            "loss": float(p.loss),
            "clamped": int(p.clamped),
            "backward": backward[::-1],
        }
    )
    return out


def _per_sample_gradients(
    ex: Exercise, theta: Array, masks: list | None, activations: Sequence[Activation] | None
) -> list[dict[str, float]]:
    """∂C_s/∂θ for each sample s alone: the engine on one sample with reduction 'sum'."""
    net = ex.make_network(activations)
    net.params[...] = theta[ex.theta_index]
    loss = get_loss({**ex.loss.config(), "reduction": "sum"})
    t = ex.t
    out = []
    for s in range(ex.n_samples):
        ms = (
            None
            if masks is None
            else [
                None if m is None else np.broadcast_to(m, (ex.n_samples, m.shape[-1]))[s : s + 1]
                for m in masks
            ]
        )
        net.compute_gradients(
            ex.x[s : s + 1], t[s : s + 1], loss, train=True, masks=ms, fused=False
        )
        g = gather(net.grads, ex.theta_index, len(theta))
        out.append(dict(zip(ex.param_names, g.tolist(), strict=True)))
    return out


def run(
    ex: Exercise,
    *,
    activations: Sequence[Activation] | None = None,
    negate_updates: bool = False,
) -> dict[str, Any]:
    """The solution data (the documented JSON shape) of an exercise.

    ``activations`` replaces the layers' activation objects and ``negate_updates`` feeds −g to
    the optimizer: both only simulate classic mistakes for grading hints.
    """
    data: dict[str, Any] = {
        "title": ex.title,
        "description": ex.description,
        "conventions": conventions(ex),
        "network": None,
        "positions": ex.positions,
        "data": None,
        "params": dict(zip(ex.param_names, ex.initial.tolist(), strict=True)),
        "forward": [],
        "output": None,
        "loss": None,
        "backward": [],
        "gradients": {},
        "steps": [],
    }
    theta = ex.initial.copy()
    opt = ex.make_optimizer() if ex.optimizer is not None else None
    sched = ex.make_schedule() if opt is not None else None
    net = rngs = None
    if ex.network is not None:
        data["network"] = _network_info(ex)
        data["data"] = {"x": _f(ex.x), "t": ex.t.tolist()}
        net = ex.make_network(activations)
        rngs = [
            None
            if s.mask is not None or s.mask_seed is None
            else np.random.default_rng(s.mask_seed)
            for s in ex.net_spec.layers
        ]
    for k in range(1, max(ex.steps, 1) + 1):
        found: dict[str, Any] = {"loss": None, "output": None}
        if net is not None:
            masks = _draw_masks(ex, net, rngs)
            p = _engine_pass(ex, net, masks)
            g = gather(net.grads, ex.theta_index, len(theta))
            if k == 1:
                data.update(_record(ex, net, p))
                data["gradients"] = dict(zip(ex.param_names, g.tolist(), strict=True))
                if ex.n_samples > 1:
                    data["per_sample_gradients"] = _per_sample_gradients(
                        ex, theta, [rec.mask for rec in p.layers], activations
                    )
            found = {"loss": float(p.loss), "output": _f(p.output)}
            if masks is not None and any(s.mask_seed is not None for s in ex.net_spec.layers):
                found["masks"] = {
                    str(rec.layer): _f(rec.mask) for rec in p.layers if rec.mask is not None
                }
        else:
            g = ex.gradients[k - 1].copy()
        if opt is None:
            break
        lr = float(sched(k - 1)) if sched is not None else opt.lr
        used = -g if negate_updates else g.copy()
        opt.step(theta, used, lr=lr)
        if net is not None:
            net.params[...] = theta[ex.theta_index]
        state = opt.describe()
        step: dict[str, Any] = {
            "step": k,
            "lr": lr,
            "loss": found["loss"],
            "output": found["output"],
            "gradients": dict(zip(ex.param_names, g.tolist(), strict=True)),
        }
        if opt.clip_norm is not None or opt.clip_value is not None:
            step["clipped_gradients"] = dict(zip(ex.param_names, used.tolist(), strict=True))
        step["state"] = (
            {
                n: {key: float(v[i]) for key, v in state.items()}
                for i, n in enumerate(ex.param_names)
            }
            if state
            else {}
        )
        step["params"] = dict(zip(ex.param_names, theta.tolist(), strict=True))
        if "masks" in found:
            step["masks"] = found["masks"]
        data["steps"].append(step)
    if net is not None and data["steps"]:  # the loss at the parameters after the last step
        p = _engine_pass(ex, net, _draw_masks(ex, net, rngs))
        data["final"] = {"output": _f(p.output), "loss": float(p.loss)}
        if masks is not None and any(s.mask_seed is not None for s in ex.net_spec.layers):
            data["final"]["masks"] = {
                str(rec.layer): _f(rec.mask) for rec in p.layers if rec.mask is not None
            }
    return {k: data[k] for k in ORDER if k in data}


def _engine_pass(ex: Any, net: Any, masks: Any) -> Any:
    """Forward, loss and backward through the engine, δ^L by the general rule (named in the
    solution), with the exercise's masks in training mode."""
    return net.compute_gradients(
        ex.x,
        ex.t,
        ex.loss,
        regularization=ex.regularization,
        train=True,
        masks=masks,
        fused=False,
    )
