"""Exercise files → :class:`Exercise`: a float64 network, data, loss, masks and training.

Two forms (see docs/explain.md):

* the network form: ``network`` + ``data`` + ``loss`` (+ ``params``, ``train``);
* the optimizer-only form: ``params`` + ``train`` with ``gradients`` (one list per step,
  in ``params`` order), for exercises about update rules alone.

Every error raises :class:`~glassnet.errors.ExerciseError` naming the path inside the file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet.activations import Activation
from glassnet.errors import ExerciseError, GlassnetError
from glassnet.explain import limits
from glassnet.explain import spec as chk
from glassnet.explain.network_spec import NetworkSpec, build_network, name_parameters, parse_network
from glassnet.explain.sections import parse_data, parse_loss, parse_masks, parse_train
from glassnet.losses import Loss
from glassnet.network import Network
from glassnet.regularization import Regularization

TOP_KEYS = ("title", "description", "params", "network", "loss", "data", "train")
TRAIN_KEYS = ("optimizer", "schedule", "steps", "gradients")


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
        from glassnet.schedules import SCHEDULES, get_schedule

        spec = dict(self.schedule)
        name = spec.pop("name")
        cls = SCHEDULES.get(name)
        if cls is not None and "lr" in {f.name for f in dataclasses.fields(cls)}:
            spec.setdefault("lr", self.make_optimizer().lr)  # one_cycle has max_lr instead
        try:
            schedule = get_schedule(name, **spec)
            for k in range(self.steps):  # every step's rate exists (one_cycle: total_steps)
                schedule(k)
        except GlassnetError as exc:
            chk.relay("train.schedule", exc)
        except (TypeError, OverflowError, ValueError, ZeroDivisionError) as exc:
            chk.fail("train.schedule", f"invalid schedule options ({exc}).")
        return schedule


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
    loss, reg = parse_loss(raw["loss"], net_spec)
    x, t = parse_data(raw["data"], net, loss)
    masks = parse_masks(net_spec, net, x.shape[0])
    optimizer, schedule, steps = parse_train(train)
    limits.check_work("train.steps", net.params.size, steps)
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
    limits.check_count("train.gradients", len(rows), limits.MAX_STEPS, "steps")
    limits.check_work("train.gradients", len(names), len(rows))
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
                f"expected {chk.plural(len(names), 'gradient')} (one per "
                f"parameter, in params order: {', '.join(names)}); got {chk.describe(row)}.",
            )
        grads.append([chk.as_number(f"{path}[{i}]", g) for i, g in enumerate(row)])
    optimizer, schedule, _ = parse_train({k: v for k, v in train.items() if k != "gradients"})
    steps = len(grads)
    if "steps" in train and chk.as_int("train.steps", train["steps"], low=1) != steps:
        chk.fail(
            "train.steps",
            f"is {train['steps']} but train.gradients has {chk.plural(steps, 'step')}.",
        )
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
