"""The sweep file: a ``glassnet train`` configuration, a search space and how to search it.

::

    config:                       # a glassnet train configuration (or the path of one)
      dataset: circles
      hidden: [8]
      epochs: 6
    space:                        # config keys → distributions
      lr: {log_uniform: [1.0e-4, 1.0e-1]}
      optimizer: {choice: [sgd, momentum, rmsprop, adam]}
      hidden: {choice: ["8", "16,8"]}
      dropout: {uniform: [0, 0.5]}
      batch_size: {int: [16, 64]}
      optimizer_options.momentum: {uniform: [0.5, 0.99]}   # one option of a *_options key
    metric: val_loss              # val_loss, val_accuracy, val_mae, loss, accuracy, mae
    direction: auto               # minimize / maximize; auto: maximize accuracies
    trials: 20                    # finished trials (complete or pruned) the study wants
    sampler: tpe                  # grid, random, tpe; or {name: tpe, n_startup_trials: 5}
    pruner: median                # none, median, successive_halving; or {name: ..., ...}
    seed: 0                       # the sampler's seed (each worker adds its index)

Distributions: ``uniform: [low, high]``, ``log_uniform: [low, high]`` (low > 0),
``int: [low, high]`` (both included), ``log_int: [low, high]`` and ``choice: [a, b, ...]``
(numbers, strings, booleans; a list such as ``[64, 32]`` is written ``"64,32"``).
Parsing checks names and ranges only; whether every value suits ``glassnet train`` is
checked by :func:`glassnet.sweep.trial.check_space` before any trial starts.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError

DISTRIBUTIONS = ("uniform", "log_uniform", "int", "log_int", "choice")
SAMPLERS = ("grid", "random", "tpe")
PRUNERS = ("none", "median", "successive_halving")
METRICS = ("val_loss", "val_accuracy", "val_mae", "loss", "accuracy", "mae")
KEYS = ("config", "space", "metric", "direction", "trials", "sampler", "pruner", "seed")

Choice = str | int | float | bool | None


def _hint(name: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" Did you mean {close[0]!r}?" if close else f" Expected one of {', '.join(options)}."


@dataclass(frozen=True)
class Param:
    """One searched key: ``name`` is a config key or ``<key>_options.<option>``."""

    name: str
    kind: str  # one of DISTRIBUTIONS
    low: float = 0.0
    high: float = 0.0
    choices: tuple[Choice, ...] = ()

    def values_to_check(self) -> list[Any]:
        """The values whose validity stands for the whole range: every choice, or both ends."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind in ("int", "log_int"):
            return [int(self.low), int(self.high)]
        return [self.low, self.high]

    def grid(self, where: str) -> list[Choice]:
        """The values a grid search tries: the choices, or every integer of an int range."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind in ("int", "log_int") and self.high - self.low <= 1000:
            return list(range(int(self.low), int(self.high) + 1))
        raise ConfigError(f"{where}: space: {self.name}: the grid sampler needs 'choice' or a "
                          f"short 'int' range; got {self.kind}. Use sampler random or tpe.")


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep file."""

    config: dict[str, Any]  # the base glassnet train keys (checked by glassnet.train.config)
    params: tuple[Param, ...]
    metric: str = "val_loss"
    direction: str = "minimize"
    trials: int = 10
    sampler: str = "tpe"
    sampler_options: dict[str, Any] = field(default_factory=dict)
    pruner: str = "median"
    pruner_options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    source: str = "sweep"  # where it came from, for messages

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping that :func:`parse` reads back to an equal spec."""
        space: dict[str, Any] = {}
        for p in self.params:
            space[p.name] = ({"choice": list(p.choices)} if p.kind == "choice" else
                             {p.kind: [p.low, p.high]})
        return {"config": dict(self.config), "space": space, "metric": self.metric,
                "direction": self.direction, "trials": self.trials,
                "sampler": {"name": self.sampler, **self.sampler_options},
                "pruner": {"name": self.pruner, **self.pruner_options}, "seed": self.seed}


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where} must be a number; got {value!r}.")
    try:
        out = float(value)
    except ValueError:
        raise ConfigError(f"{where} must be a number; got {value!r}.") from None
    if not math.isfinite(out):
        raise ConfigError(f"{where} must be a finite number; got {value!r}.")
    return out


def parse_param(name: str, spec: Any, where: str = "sweep") -> Param:
    """One entry of ``space``: ``{distribution: arguments}``."""
    here = f"{where}: space: {name}"
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ConfigError(f"{here}: must be one distribution such as {{uniform: [0, 0.5]}} or "
                          f"{{choice: [a, b]}}; got {spec!r}.")
    (kind, args), = spec.items()
    kind = str(kind)
    if kind not in DISTRIBUTIONS:
        raise ConfigError(f"{here}: unknown distribution {kind!r}.{_hint(kind, DISTRIBUTIONS)}")
    if not isinstance(args, list | tuple):
        raise ConfigError(f"{here}: {kind} takes a list; got {args!r}.")
    if kind == "choice":
        if not args:
            raise ConfigError(f"{here}: choice needs at least one value; got an empty list.")
        choices = []
        for value in args:
            if isinstance(value, list | tuple):  # a list value (hidden sizes): "64,32"
                value = ",".join(str(v) for v in value)
            if not isinstance(value, str | int | float | bool) and value is not None:
                raise ConfigError(f"{here}: choice values must be numbers, strings or "
                                  f"booleans; got {value!r}.")
            choices.append(value)
        if len(set(map(repr, choices))) != len(choices):
            raise ConfigError(f"{here}: choice lists a value twice: {list(args)!r}.")
        return Param(name, kind, choices=tuple(choices))
    if len(args) != 2:
        raise ConfigError(f"{here}: {kind} takes [low, high]; got {list(args)!r}.")
    low = _number(f"{here}: {kind} low", args[0])
    high = _number(f"{here}: {kind} high", args[1])
    if kind in ("int", "log_int") and (low != int(low) or high != int(high)):
        raise ConfigError(f"{here}: {kind} bounds must be integers; got {list(args)!r}.")
    if low > high:
        raise ConfigError(f"{here}: {kind} range is inverted: low {args[0]!r} > high "
                          f"{args[1]!r}.")
    if low == high and kind in ("uniform", "log_uniform"):
        raise ConfigError(f"{here}: {kind} range is empty: low = high = {args[0]!r}; use "
                          f"choice: [{args[0]!r}] or leave the key in config.")
    if kind.startswith("log") and low <= 0:
        raise ConfigError(f"{here}: {kind} needs low > 0; got {args[0]!r}.")
    return Param(name, kind, low, high)


def _check_key(name: str, where: str) -> None:
    from glassnet.train.config import CONVERTERS

    key, dot, option = str(name).partition(".")
    if key not in CONVERTERS:
        raise ConfigError(f"{where}: space: unknown key {name!r}.{_hint(key, list(CONVERTERS))}")
    if dot and (not key.endswith("_options") or not option):
        raise ConfigError(f"{where}: space: {name!r}: only the *_options keys take an option "
                          "name after a dot, e.g. optimizer_options.momentum.")
    if not dot and key.endswith("_options"):
        raise ConfigError(f"{where}: space: {name!r}: search one option at a time, e.g. "
                          f"{key}.momentum.")


def _named(where: str, key: str, value: Any, names: Sequence[str]
           ) -> tuple[str, dict[str, Any]]:
    """``name`` or ``{name: ..., **options}``."""
    if isinstance(value, Mapping):
        options = {str(k): v for k, v in value.items()}
        name = options.pop("name", None)
    else:
        name, options = value, {}
    name = str(name).lower()
    if name not in names:
        raise ConfigError(f"{where}: {key}: unknown {key} {name!r}.{_hint(name, names)}")
    return name, options


def _base_config(value: Any, where: str, folder: Path) -> dict[str, Any]:
    from glassnet.train import config as run_config

    if value is None:
        return {}
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        return run_config.read_file(path if path.is_absolute() else folder / path)
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: config must be a mapping of glassnet train keys or the "
                          f"path of a config file; got {value!r}.")
    data = {k: v for k, v in value.items() if k != "glassnet_version"}
    return run_config.check(data, f"{where}: config")


def parse(data: Any, where: str = "sweep", folder: str | os.PathLike[str] = ".") -> SweepSpec:
    """A :class:`SweepSpec` from the mapping of a sweep file (``folder``: where a ``config``
    path is relative to)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: a sweep file must be a mapping with config and space.")
    for key in data:
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}.{_hint(str(key), KEYS)}")
    config = _base_config(data.get("config"), where, Path(folder))
    space = data.get("space")
    if not isinstance(space, Mapping) or not space:
        raise ConfigError(f"{where}: space must map config keys to distributions, e.g. "
                          "lr: {log_uniform: [1.0e-4, 1.0e-1]}; got "
                          f"{space!r}.")
    params = []
    for name, spec in space.items():
        _check_key(str(name), where)
        params.append(parse_param(str(name), spec, where))
    metric = str(data.get("metric", "val_loss"))
    if metric not in METRICS:
        raise ConfigError(f"{where}: metric: unknown metric {metric!r}.{_hint(metric, METRICS)}")
    direction = str(data.get("direction", "auto")).lower()
    if direction == "auto":
        direction = "maximize" if metric.endswith("accuracy") else "minimize"
    if direction not in ("minimize", "maximize"):
        raise ConfigError(f"{where}: direction must be minimize, maximize or auto; "
                          f"got {data['direction']!r}.")
    trials = data.get("trials", 10)
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ConfigError(f"{where}: trials must be an integer ≥ 1; got {trials!r}.")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{where}: seed must be an integer ≥ 0; got {seed!r}.")
    sampler, sampler_options = _named(where, "sampler", data.get("sampler", "tpe"), SAMPLERS)
    pruner, pruner_options = _named(where, "pruner", data.get("pruner", "median"), PRUNERS)
    spec = SweepSpec(config, tuple(params), metric, direction, trials, sampler,
                     sampler_options, pruner, pruner_options, seed, where)
    if sampler == "grid":
        for p in spec.params:
            p.grid(where)
    return spec


def read_file(path: str | os.PathLike[str]) -> SweepSpec:
    """Parse a sweep YAML file."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the sweep file ({exc.strerror or exc}).") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{p}: invalid YAML{at}: {getattr(exc, 'problem', exc)}.") from None
    return parse(data, str(p), p.parent)
