"""Parsers of an exercise's ``loss``, ``data``, dropout masks and ``train`` sections."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from glassnet.errors import ExerciseError, GlassnetError
from glassnet.explain import limits
from glassnet.explain import spec as chk
from glassnet.explain.network_spec import NetworkSpec
from glassnet.losses import Loss, get_loss
from glassnet.network import Network
from glassnet.regularization import Regularization

REG_KEYS = ("l2", "l1", "convention", "include_bias", "divide_by_batch")


def parse_loss(value: Any, net_spec: NetworkSpec) -> tuple[Loss, Regularization | None]:
    name, opts = chk.spec_with_name("loss", value)
    reg = None
    if "regularization" in opts:
        r = chk.mapping("loss.regularization", opts.pop("regularization"))
        chk.check_keys("loss.regularization", r, REG_KEYS)
        try:
            reg = Regularization(**r)
        except (GlassnetError, TypeError) as exc:
            raise ExerciseError(f"loss.regularization: {exc}") from None
    try:
        loss = get_loss(name, **opts)
    except GlassnetError as exc:
        chk.relay("loss", exc)
    out = net_spec.layers[-1].activation.name
    need = None
    if loss.name == "cross_entropy":
        need = "identity" if loss.from_logits else "softmax"
    elif loss.name == "binary_cross_entropy":
        need = "identity" if loss.from_logits else "sigmoid"
    last = net_spec.layers[-1]
    if need is not None and need != "identity" and last.dropout is not None:
        chk.fail(
            f"{last.path}.dropout",
            f"{loss.name} works on probabilities, and dropout on the output layer would scale "
            "or zero them; put dropout on a hidden layer (or use from_logits: true with an "
            "identity output layer).",
        )
    if need is not None and out != need:
        form = "logits (from_logits: true)" if need == "identity" else "probabilities"
        chk.fail(
            "loss",
            f"{loss.name} on {form} needs a {need} output layer; the output layer of this "
            f"network is {out}.",
        )
    return loss, reg if reg is not None and reg.active else None


def parse_data(value: Any, net: Network, loss: Loss) -> tuple[np.ndarray, np.ndarray]:
    samples = [value] if isinstance(value, Mapping) else chk.as_list("data", value)
    if not samples:
        chk.fail("data", "expected at least one sample {x: ..., t: ...}.")
    limits.check_count("data", len(samples), limits.MAX_SAMPLES, "samples")
    xs, ts, kinds = [], [], set()
    for s, sample in enumerate(samples):
        path = "data" if isinstance(value, Mapping) else f"data[{s}]"
        sample = chk.mapping(path, sample)
        chk.check_keys(path, sample, ("x", "t"), required=("x", "t"))
        x = sample["x"] if isinstance(sample["x"], list) else [sample["x"]]
        if len(x) != net.n_inputs:
            chk.fail(
                f"{path}.x",
                f"expected {chk.plural(net.n_inputs, 'input value')}; got {chk.describe(x)}.",
            )
        xs.append([chk.as_number(f"{path}.x[{k}]", v) for k, v in enumerate(x)])
        t = sample["t"]
        index = loss.name == "cross_entropy" and not isinstance(t, list)
        kinds.add(index)
        if index:
            if not (isinstance(t, int) and not isinstance(t, bool)) or not 0 <= t < net.n_outputs:
                chk.fail(
                    f"{path}.t",
                    f"expected a class index 0..{net.n_outputs - 1} or a list of "
                    f"{chk.plural(net.n_outputs, 'probability')}; got {chk.describe(t)}.",
                )
            vals: Any = t
        else:
            t = t if isinstance(t, list) else [t]
            if len(t) != net.n_outputs:
                chk.fail(
                    f"{path}.t",
                    f"expected {chk.plural(net.n_outputs, 'target value')} (one per output "
                    f"unit); got {chk.describe(t)}.",
                )
            vals = [chk.as_number(f"{path}.t[{k}]", v) for k, v in enumerate(t)]
        try:
            loss.prepare_targets([vals], 1, net.n_outputs, np.dtype(np.float64))
        except GlassnetError as exc:
            chk.relay(f"{path}.t", exc)
        except (OverflowError, TypeError) as exc:
            chk.fail(f"{path}.t", f"invalid target ({exc}).")
        ts.append(vals)
    if len(kinds) > 1:
        chk.fail("data", "give every target as a class index, or every target as probabilities.")
    t_arr = np.array(ts, dtype=np.int64 if kinds == {True} else np.float64)
    return np.array(xs, dtype=np.float64), t_arr


def parse_masks(net_spec: NetworkSpec, net: Network, n: int) -> list[np.ndarray | None] | None:
    masks: list[np.ndarray | None] = []
    for layer, dense in zip(net_spec.layers, net.layers, strict=True):
        if layer.mask is None:
            masks.append(None)
            continue
        path = f"{layer.path}.dropout.mask"
        m = layer.mask
        rows = m if isinstance(m, list) and m and all(isinstance(r, list) for r in m) else None
        if isinstance(m, list) and rows is not None and len(rows) != n:
            chk.fail(
                path,
                f"expected one list of 0/1 per unit, or one such list per sample "
                f"({n}); got {chk.plural(len(rows), 'list')}.",
            )
        try:
            checked = dense.dropout.check_mask(
                np.array(m, dtype=float) if isinstance(m, list) else m,
                (n, dense.n_out),
                "mask",
                np.float64,
            )
        except (GlassnetError, ValueError, TypeError, OverflowError):
            got = repr(m) if len(repr(m)) <= 60 else chk.describe(m)
            chk.fail(
                path,
                f"expected {chk.plural(dense.n_out, 'entry')} of 0 or 1 per sample (one per "
                f"unit of this layer); got {got}.",
            )
        masks.append(np.array(m, dtype=np.float64) if rows is None else checked)
    return masks if any(m is not None for m in masks) else None


def parse_train(train: dict | None) -> tuple[dict | None, dict | None, int]:
    if train is None:
        return None, None, 0
    if "optimizer" not in train:
        chk.fail("train", "missing key 'optimizer'.")
    name, opts = chk.spec_with_name("train.optimizer", train["optimizer"])
    optimizer = {"name": name, **opts}
    from glassnet.optim import get_optimizer

    try:
        get_optimizer(name, **opts)
    except GlassnetError as exc:
        chk.relay("train.optimizer", exc)
    schedule = None
    if train.get("schedule") is not None:
        sname, sopts = chk.spec_with_name("train.schedule", train["schedule"])
        schedule = {"name": sname, **sopts}
    steps = chk.as_int("train.steps", train.get("steps", 1), low=1, high=limits.MAX_STEPS)
    return optimizer, schedule, steps
