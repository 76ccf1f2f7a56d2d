"""Exercise files → :class:`Exercise`: a float64 network, data, loss, masks and training.

Two forms (see docs/explain.md):

* the network form: ``network`` + ``data`` + ``loss`` (+ ``params``, ``train``);
* the optimizer-only form: ``params`` + ``train`` with ``gradients`` (one list per step,
  in ``params`` order), for exercises about update rules alone.

Every error raises :class:`~glassnet.errors.ExerciseError` naming the path inside the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet.activations import Activation
from glassnet.errors import ExerciseError, GlassnetError
from glassnet.explain import spec as chk
from glassnet.explain.network_spec import NetworkSpec, build_network, name_parameters, parse_network
from glassnet.losses import Loss, get_loss
from glassnet.network import Network
from glassnet.regularization import Regularization

TOP_KEYS = ("title", "description", "params", "network", "loss", "data", "train")
TRAIN_KEYS = ("optimizer", "schedule", "steps", "gradients")
REG_KEYS = ("l2", "l1", "convention", "include_bias", "divide_by_batch")


@dataclass
class Exercise:
    """A parsed exercise. ``network`` is None in the optimizer-only form.

    ``x`` is (samples, inputs); ``t`` is (samples, outputs), or (samples,) class indices for
    cross-entropy with index targets; ``masks`` has one entry per layer (None, or the fixed
    0/1 mask as written: one row for every sample or one row per sample).
    """

    origin: str
    spec: dict[str, Any]
    title: str | None
    description: str | None
    param_names: list[str]
    initial: np.ndarray
    given: list[str]
    positions: dict[str, list[str]] = field(default_factory=dict)
    net_spec: NetworkSpec | None = None
    network: Network | None = None
    theta_index: np.ndarray | None = None
    x: np.ndarray | None = None
    t: np.ndarray | None = None
    loss: Loss | None = None
    regularization: Regularization | None = None
    masks: list[np.ndarray | None] | None = None
    optimizer: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    steps: int = 0
    gradients: np.ndarray | None = None

    @property
    def kind(self) -> str:
        return "optimizer" if self.network is None else "network"

    @property
    def n_samples(self) -> int:
        return 0 if self.x is None else self.x.shape[0]

    @property
    def inputs(self) -> list[str]:
        return self.net_spec.inputs if self.net_spec else []

    @property
    def units(self) -> list[list[str]]:
        return [layer.units for layer in self.net_spec.layers] if self.net_spec else []

    def make_network(self, activations: Sequence[Activation] | None = None) -> Network:
        """A fresh float64 Network holding θ₀ (optionally with other activation objects)."""
        net = build_network(self.net_spec, "network", activations)
        net.params[...] = self.initial[self.theta_index]
        return net

    def make_optimizer(self) -> Any:
        from glassnet.optim import get_optimizer

        spec = dict(self.optimizer)
        return get_optimizer(spec.pop("name"), **spec)

    def make_schedule(self) -> Any:
        """The schedule object, or None (the optimizer's lr at every step)."""
        if self.schedule is None:
            return None
        from glassnet.schedules import get_schedule

        spec = dict(self.schedule)
        name = spec.pop("name")
        spec.setdefault("lr", self.make_optimizer().lr)
        try:
            return get_schedule(name, **spec)
        except GlassnetError as exc:
            chk.relay("train.schedule", exc)


def load_exercise(source: Any) -> Exercise:
    """Parse an exercise from a file path, YAML/JSON text, or a dict."""
    raw, origin = chk.read_source(source)
    return parse_exercise(raw, origin)


def parse_exercise(raw: Mapping[str, Any], origin: str = "<exercise dict>") -> Exercise:
    raw = dict(raw)
    try:
        return _parse(raw, origin)
    except ExerciseError as exc:
        if str(exc).startswith(origin):
            raise
        raise ExerciseError(f"{origin}: {exc}") from None


def _parse(raw: dict[str, Any], origin: str) -> Exercise:
    chk.check_keys("", raw, TOP_KEYS)
    title = _text("title", raw.get("title"))
    description = _text("description", raw.get("description"))
    params = _params(raw.get("params"))
    train = chk.mapping("train", raw["train"]) if raw.get("train") is not None else None
    if train is not None:
        chk.check_keys("train", train, TRAIN_KEYS)
    if train is not None and "gradients" in train:
        return _optimizer_only(raw, origin, title, description, params, train)
    if "network" not in raw:
        chk.fail(
            "exercise",
            "needs a network (with data and loss), or params with train.gradients "
            "(the optimizer-only form).",
        )
    for key in ("data", "loss"):
        if key not in raw:
            chk.fail("exercise", f"missing key {key!r} (the network form needs data and loss).")
    net_spec = parse_network("network", raw["network"], params)
    net = build_network(net_spec, "network")
    names, theta, theta_index, positions = name_parameters(net_spec, net, params)
    net.params[...] = theta[theta_index]
    loss, reg = _loss(raw["loss"], net_spec)
    x, t = _data(raw["data"], net, loss)
    masks = _masks(net_spec, net, x.shape[0])
    optimizer, schedule, steps = _train(train)
    ex = Exercise(
        origin,
        raw,
        title,
        description,
        names,
        theta,
        list(params),
        positions,
        net_spec,
        net,
        theta_index,
        x,
        t,
        loss,
        reg,
        masks,
        optimizer,
        schedule,
        steps,
    )
    ex.make_schedule()  # validates train.schedule
    return ex


def _text(path: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        chk.fail(path, f"expected text; got {chk.describe(value)}.")
    return value.strip()


def _params(value: Any) -> dict[str, float]:
    if value is None:
        return {}
    spec = chk.mapping("params", value)
    out = {}
    for name, v in spec.items():
        chk.as_name("params", name)
        out[name] = chk.as_number(f"params.{name}", v)
    return out


def _loss(value: Any, net_spec: NetworkSpec) -> tuple[Loss, Regularization | None]:
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


def _data(value: Any, net: Network, loss: Loss) -> tuple[np.ndarray, np.ndarray]:
    samples = [value] if isinstance(value, Mapping) else chk.as_list("data", value)
    if not samples:
        chk.fail("data", "expected at least one sample {x: ..., t: ...}.")
    xs, ts, kinds = [], [], set()
    for s, sample in enumerate(samples):
        path = "data" if isinstance(value, Mapping) else f"data[{s}]"
        sample = chk.mapping(path, sample)
        chk.check_keys(path, sample, ("x", "t"), required=("x", "t"))
        x = sample["x"] if isinstance(sample["x"], list) else [sample["x"]]
        if len(x) != net.n_inputs:
            chk.fail(f"{path}.x", f"expected {net.n_inputs} input values; got {chk.describe(x)}.")
        xs.append([chk.as_number(f"{path}.x[{k}]", v) for k, v in enumerate(x)])
        t = sample["t"]
        index = loss.name == "cross_entropy" and not isinstance(t, list)
        kinds.add(index)
        if index:
            if not (isinstance(t, int) and not isinstance(t, bool)):
                chk.fail(
                    f"{path}.t",
                    f"expected a class index 0..{net.n_outputs - 1} or a list of "
                    f"{net.n_outputs} probabilities; got {chk.describe(t)}.",
                )
            vals: Any = t
        else:
            t = t if isinstance(t, list) else [t]
            if len(t) != net.n_outputs:
                chk.fail(
                    f"{path}.t",
                    f"expected {net.n_outputs} target values (one per output "
                    f"unit); got {chk.describe(t)}.",
                )
            vals = [chk.as_number(f"{path}.t[{k}]", v) for k, v in enumerate(t)]
        try:
            loss.prepare_targets([vals], 1, net.n_outputs, np.dtype(np.float64))
        except GlassnetError as exc:
            chk.relay(f"{path}.t", exc)
        ts.append(vals)
    if len(kinds) > 1:
        chk.fail("data", "give every target as a class index, or every target as probabilities.")
    t_arr = np.array(ts, dtype=np.int64 if kinds == {True} else np.float64)
    return np.array(xs, dtype=np.float64), t_arr


def _masks(net_spec: NetworkSpec, net: Network, n: int) -> list[np.ndarray | None] | None:
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
                f"({n}); got {len(rows)} lists.",
            )
        try:
            checked = dense.dropout.check_mask(
                np.array(m, dtype=float) if isinstance(m, list) else m,
                (n, dense.n_out),
                "mask",
                np.float64,
            )
        except (GlassnetError, ValueError, TypeError) as exc:
            chk.fail(
                path,
                f"expected {dense.n_out} entries of 0 or 1 per sample "
                f"(one per unit of this layer); got {chk.describe(m)} ({exc}).",
            )
        masks.append(np.array(m, dtype=np.float64) if rows is None else checked)
    return masks if any(m is not None for m in masks) else None


def _train(train: dict | None) -> tuple[dict | None, dict | None, int]:
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
    steps = chk.as_int("train.steps", train.get("steps", 1), low=1)
    return optimizer, schedule, steps


def _optimizer_only(raw, origin, title, description, params, train) -> Exercise:
    for key in ("network", "data", "loss"):
        if key in raw:
            chk.fail(key, "the optimizer-only form (train.gradients) takes params and train only.")
    if not params:
        chk.fail("params", "the optimizer-only form needs named parameters, e.g. {w1: 0.5}.")
    names = list(params)
    rows = chk.as_list("train.gradients", train["gradients"])
    if not rows:
        chk.fail("train.gradients", "expected one list of gradients per step.")
    grads = []
    for s, row in enumerate(rows):
        path = f"train.gradients[{s}]"
        if isinstance(row, Mapping):
            chk.check_keys(path, row, names, required=names)
            row = [row[n] for n in names]
        if len(names) == 1 and not isinstance(row, list):
            row = [row]
        if not isinstance(row, list) or len(row) != len(names):
            chk.fail(
                path,
                f"expected {len(names)} gradient{'s' * (len(names) > 1)} (one per "
                f"parameter, in params order: {', '.join(names)}); got {chk.describe(row)}.",
            )
        grads.append([chk.as_number(f"{path}[{i}]", g) for i, g in enumerate(row)])
    optimizer, schedule, _ = _train({k: v for k, v in train.items() if k != "gradients"})
    steps = len(grads)
    if "steps" in train and chk.as_int("train.steps", train["steps"], low=1) != steps:
        chk.fail("train.steps", f"is {train['steps']} but train.gradients has {steps} steps.")
    theta = np.array([params[n] for n in names], dtype=np.float64)
    ex = Exercise(
        origin,
        raw,
        title,
        description,
        names,
        theta,
        names,
        optimizer=optimizer,
        schedule=schedule,
        steps=steps,
        gradients=np.array(grads, dtype=np.float64),
    )
    ex.make_schedule()  # validates train.schedule
    return ex
