"""The configuration of a ``glassnet train`` run: defaults, YAML files, flags, validation.

One table of keys serves the YAML file (``--config run.yaml``), the command-line flags
(``--batch-size`` is the key ``batch_size``) and the ``config.yaml`` a run directory gets;
values are checked by the same converters whichever way they arrive. Later layers win:
defaults ← config file ← flags.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError

# The default run: an MLP on the bundled digits, 97-98 % test accuracy in about a second.
DEFAULTS: dict[str, Any] = {
    "dataset": "digits",          # a data set name (glassnet.datasets) or a .csv/.npz/.npy path
    "dataset_options": {},        # passed to load_dataset, e.g. {noise: 0.1} or {directory: ...}
    "target": None,               # CSV: name of the target column (load_csv's default 'label')
    "test_fraction": None,        # held-out test part for digits / playground / CSV sets
    "standardize": True,          # standardize inputs with the training part's mean and std
    "hidden": [256, 128],         # hidden layer sizes
    "activation": "relu",         # activation of the hidden layers
    "output_activation": None,    # default: softmax (classes), sigmoid (binary), identity
    "dropout": 0.2,               # dropout rate after each hidden layer
    "loss": None,                 # default: cross_entropy, binary_cross_entropy, squared_error
    "optimizer": "adam",
    "optimizer_options": {},      # e.g. {momentum: 0.9} for sgd, {betas: [0.9, 0.99]}
    "lr": 1e-3,
    "schedule": None,             # a glassnet.schedules name
    "schedule_options": {},
    "schedule_unit": "step",      # the schedule's argument: update count or epoch index
    "epochs": 40,                 # total epochs (with --resume: train up to this many)
    "batch_size": 32,
    "l2": 0.0,                    # L2 penalty λ (convention (λ/2)‖W‖²)
    "val_split": 0.1,             # stratified validation fraction of the training part
    "early_stopping": 0,          # patience in epochs on val_loss; 0 = off
    "seed": 0,                    # network initialisation, shuffling, dropout, data split
    "dtype": "float32",
    "plots": True,
    "verbose": 1,
}
#: keys that fix the architecture (cannot change when resuming)
ARCHITECTURE = ("hidden", "activation", "output_activation", "dropout", "dtype", "seed")


def _int(low: int) -> Callable[[str, Any], int]:
    def conv(key: str, v: Any) -> int:
        try:
            out = int(v) if not isinstance(v, bool) and float(v) == int(float(v)) else None
        except (TypeError, ValueError):
            out = None
        if out is None or out < low:
            raise ConfigError(f"config: {key} must be an integer ≥ {low}; got {v!r}.")
        return out
    return conv


def _float(low: float, high: float | None = None, open_high: bool = False
           ) -> Callable[[str, Any], float]:
    def conv(key: str, v: Any) -> float:
        try:
            out = float(v) if not isinstance(v, bool) else None
        except (TypeError, ValueError):
            out = None
        bad = out is None or out != out or out < low or (
            high is not None and (out > high or (open_high and out == high)))
        if bad:
            hi = "" if high is None else f" and {'<' if open_high else '≤'} {high:g}"
            raise ConfigError(f"config: {key} must be a number ≥ {low:g}{hi}; got {v!r}.")
        return out
    return conv


def _str(optional: bool) -> Callable[[str, Any], str | None]:
    def conv(key: str, v: Any) -> str | None:
        if v is None or (optional and str(v).lower() in ("", "none", "auto", "null")):
            if optional:
                return None
            raise ConfigError(f"config: {key} must be given.")
        if not isinstance(v, str | int | float | os.PathLike) or isinstance(v, bool):
            raise ConfigError(f"config: {key} must be a name; got {v!r}.")
        return str(v)
    return conv


def _bool(key: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    text = str(v).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"config: {key} must be true or false; got {v!r}.")


def parse_value(text: str) -> Any:
    """A flag value as YAML would read it: numbers, booleans, null; "a,b" → a list."""
    import yaml

    if "," in text:
        return [parse_value(part) for part in text.split(",") if part.strip()]
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_options(key: str, v: Any) -> dict[str, Any]:
    """A mapping, or a list of ``KEY=VALUE`` strings (repeated flags)."""
    if v is None:
        return {}
    if isinstance(v, Mapping):
        return {str(k).replace("-", "_"): val for k, val in v.items()}
    out = {}
    for item in [v] if isinstance(v, str) else v:
        name, eq, value = str(item).partition("=")
        if not eq or not name.strip():
            raise ConfigError(f"{key}: entries must look like KEY=VALUE; got {item!r}.")
        out[name.strip().replace("-", "_")] = parse_value(value.strip())
    return out


def _hidden(key: str, v: Any) -> list[int]:
    if v is None or (isinstance(v, str) and v.strip().lower() in ("", "none", "[]")):
        return []
    parts = v.split(",") if isinstance(v, str) else (v if isinstance(v, list | tuple) else [v])
    sizes = []
    for p in parts:
        try:
            n = int(str(p).strip())
        except ValueError:
            n = 0
        if n < 1:
            raise ConfigError(f"config: hidden must be layer sizes like 256,128; got {v!r}.")
        sizes.append(n)
    return sizes


def _choice(*options: str) -> Callable[[str, Any], str]:
    def conv(key: str, v: Any) -> str:
        if v not in options:
            raise ConfigError(f"config: {key} must be one of {', '.join(options)}; got {v!r}.")
        return v
    return conv


CONVERTERS: dict[str, Callable[[str, Any], Any]] = {
    "dataset": _str(False), "dataset_options": parse_options, "target": _str(True),
    "test_fraction": lambda k, v: None if v is None else _float(0.0, 1.0, True)(k, v),
    "standardize": _bool, "hidden": _hidden, "activation": _str(False),
    "output_activation": _str(True), "dropout": _float(0.0, 1.0, True), "loss": _str(True),
    "optimizer": _str(False), "optimizer_options": parse_options,
    "lr": _float(0.0), "schedule": _str(True), "schedule_options": parse_options,
    "schedule_unit": _choice("step", "epoch"), "epochs": _int(0), "batch_size": _int(1),
    "l2": _float(0.0), "val_split": _float(0.0, 1.0, True), "early_stopping": _int(0),
    "seed": _int(0), "dtype": _choice("float32", "float64"), "plots": _bool,
    "verbose": _int(0),
}


def check(values: Mapping[str, Any], where: str = "config", flags: bool = False
          ) -> dict[str, Any]:
    """Convert and validate ``values`` (any subset of the keys); unknown keys are errors.

    Messages start with ``where: key`` (or ``--flag-name`` for command-line flags)."""
    out = {}
    for raw_key, value in values.items():
        key = str(raw_key).replace("-", "_")
        if key not in CONVERTERS:
            close = difflib.get_close_matches(key, list(CONVERTERS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{where}: unknown key {raw_key!r}.{hint}")
        try:
            out[key] = CONVERTERS[key](key, value)
        except ConfigError as exc:
            label = f"--{key.replace('_', '-')}" if flags else f"{where}: {key}"
            raise ConfigError(str(exc).replace(f"config: {key}", label, 1)) from None
    return out


def read_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The keys of a YAML (or JSON) run configuration, validated."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the config file ({exc.strerror or exc}).") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{p}: invalid YAML{at}: {getattr(exc, 'problem', exc)}.") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{p}: a run configuration must be a mapping of keys to values.")
    data = {k: v for k, v in data.items() if k != "glassnet_version"}
    return check(data, str(p))


def resolve(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults overridden by each (already checked) layer in turn."""
    cfg = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}
    for layer in layers:
        for key, value in layer.items():
            if key.endswith("_options"):  # option mappings merge key by key
                cfg[key] = {**cfg.get(key, {}), **value}
            else:
                cfg[key] = value
    return check(cfg)


def write_file(cfg: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``config.yaml`` (a valid ``--config`` file reproducing the run)."""
    import yaml

    from glassnet import __version__

    data = {k: (str(v) if isinstance(v, os.PathLike) else v) for k, v in cfg.items()}
    text = (f"# glassnet {__version__} run configuration; rerun with: "
            f"glassnet train --config {Path(path).name}\n")
    text += yaml.safe_dump(data, sort_keys=False, default_flow_style=None)
    p = Path(path)
    p.write_text(text, encoding="utf-8")
    return p
