"""Validation of every message the page sends (protocol v1, docs/playground.md).

Each ``check_*`` function takes the decoded JSON value and returns a clean copy with
defaults filled in, or raises :class:`MessageError` with one line naming the field::

    config.hidden[2].units: must be an integer in [1, 64]; got 100.
    config.optimizer: unknown key 'lrr'; expected one of ... Did you mean 'lr'?

Nothing here builds a network: it only checks shapes, types and ranges, so a malformed
message never reaches the engine (which validates again, with its own one-line errors).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from glassnet.errors import GlassnetError


class MessageError(GlassnetError):
    """A message from the page that cannot be used; the text names the field."""


#: server-wide limits, reported to the page in the "state" message
LIMITS: dict[str, int] = {
    "max_layers": 10,
    "max_units": 64,
    "min_grid": 16,
    "max_grid": 128,
    "min_samples": 20,
    "max_samples": 2000,
    "max_batch": 1000,
    "max_upload_bytes": 1_000_000,
    "max_upload_rows": 5000,
    "max_model_bytes": 5_000_000,
    "max_message_bytes": 8_000_000,
    "max_sessions": 8,
    "max_fps": 60,
}

DATASETS = ("circles", "xor", "gaussians", "spiral", "moons", "plane", "upload")
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin_x1", "sin_x2")
ACTIVATIONS = (
    "identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "zero",
)
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw")
SCHEDULES = (
    "constant", "step", "multistep", "exponential", "inverse_time", "cosine", "warmup",
    "warmup_cosine", "one_cycle",
)
SCALINGS = ("inverted", "standard")

DEFAULT_CONFIG: dict[str, Any] = {
    "dataset": {"name": "circles", "noise": 0.0, "train_ratio": 0.5, "seed": 0, "n": 500},
    "features": ["x1", "x2"],
    "hidden": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "tanh"}],
    "optimizer": {"name": "sgd", "lr": 0.03},
    "schedule": {"name": "constant"},
    "batch_size": 10,
    "l1": 0.0,
    "l2": 0.0,
    "dropout": [],
    "seed": 0,
    "grid": 64,
    "frames_per_second": 20,
}

# optimizer keys the page may send, per optimizer (all optional but lr)
_OPT_KEYS: dict[str, dict[str, dict[str, Any]]] = {
    "sgd": {"momentum": {"low": 0.0, "high": 1.0, "high_open": True}, "nesterov": {"bool": True},
            "weight_decay": {"low": 0.0, "high": 1.0}, "dampening": {"low": 0.0, "high": 1.0}},
    "momentum": {"momentum": {"low": 0.0, "high": 1.0, "high_open": True}},
    "rmsprop": {"alpha": {"low": 0.0, "high": 1.0, "high_open": True},
                "momentum": {"low": 0.0, "high": 1.0, "high_open": True},
                "eps": {"low": 0.0, "high": 1.0, "low_open": True},
                "weight_decay": {"low": 0.0, "high": 1.0}},
    "adam": {"beta1": {"low": 0.0, "high": 1.0, "high_open": True},
             "beta2": {"low": 0.0, "high": 1.0, "high_open": True},
             "eps": {"low": 0.0, "high": 1.0, "low_open": True},
             "weight_decay": {"low": 0.0, "high": 1.0}},
}
_OPT_KEYS["adamw"] = _OPT_KEYS["adam"]

# schedule options the page may send (the engine checks their ranges again)
_SCHEDULE_KEYS = {
    "constant": (),
    "step": ("step_size", "gamma"),
    "multistep": ("milestones", "gamma"),
    "exponential": ("gamma",),
    "inverse_time": ("decay_rate", "decay_steps"),
    "cosine": ("T_max", "eta_min"),
    "warmup": ("warmup_steps", "start_factor"),
    "warmup_cosine": ("warmup_steps", "total_steps", "eta_min", "start_factor"),
    "one_cycle": ("total_steps", "max_lr", "pct_start", "div_factor", "final_div_factor"),
}


# ---------------------------------------------------------------------- primitives
def _fail(where: str, message: str) -> MessageError:
    return MessageError(f"{where}: {message}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_keys(where: str, d: Any, allowed: Sequence[str], required: Sequence[str] = ()) -> dict:
    """``d`` must be an object whose keys are among ``allowed`` and include ``required``."""
    if not isinstance(d, Mapping):
        raise _fail(where, f"must be an object; got {type(d).__name__} {_show(d)}.")
    for key in d:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), list(allowed), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise _fail(
                where, f"unknown key {_show(key)}; expected one of {', '.join(allowed)}.{hint}"
            )
    for key in required:
        if key not in d:
            raise _fail(where, f"missing key {key!r}.")
    return dict(d)


def number(where: str, value: Any, low: float | None = None, high: float | None = None,
           *, low_open: bool = False, high_open: bool = False, integer: bool = False) -> Any:
    """A finite JSON number (not a bool) inside the interval; ints stay ints."""
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(where, f"must be {kind}; got {_show(value)}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(where, f"must be a finite number; got {value!r}.")
    if integer and not (isinstance(value, int) or float(value).is_integer()):
        raise _fail(where, f"must be an integer; got {_show(value)}.")
    if abs(value) > 1e15:
        raise _fail(where, f"is too large; got {_show(value)}.")
    bad = (low is not None and (value < low or (low_open and value == low))) or (
        high is not None and (value > high or (high_open and value == high)))
    if bad:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = f"{'(' if low_open or low is None else '['}{lo}, {hi}" \
                   f"{')' if high_open or high is None else ']'}"
        raise _fail(where, f"must be {kind} in {interval}; got {_show(value)}.")
    return int(value) if integer else float(value)


def choice(where: str, value: Any, options: Sequence[str]) -> str:
    if isinstance(value, str) and value in options:
        return value
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(value.lower(), list(options), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
    raise _fail(where, f"must be one of {', '.join(options)}; got {_show(value)}.{hint}")


def boolean(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"must be true or false; got {_show(value)}.")
    return value


def _index_or_null(where: str, value: Any) -> int | None:
    return None if value is None else number(where, value, 0, integer=True)


# ---------------------------------------------------------------------- config
def check_config(cfg: Any, where: str = "config") -> dict[str, Any]:
    """A complete, validated CONFIG: missing top-level keys take DEFAULT_CONFIG's values."""
    cfg = check_keys(where, cfg, list(DEFAULT_CONFIG))
    out: dict[str, Any] = {}
    for key, check in (("dataset", _dataset), ("features", _features), ("hidden", _hidden),
                       ("optimizer", _optimizer), ("schedule", _schedule)):
        out[key] = check(f"{where}.{key}", cfg.get(key, DEFAULT_CONFIG[key]))
    out["batch_size"] = number(f"{where}.batch_size", cfg.get("batch_size", 10), 1,
                               LIMITS["max_batch"], integer=True)
    out["l1"] = number(f"{where}.l1", cfg.get("l1", 0.0), 0.0, 10.0)
    out["l2"] = number(f"{where}.l2", cfg.get("l2", 0.0), 0.0, 10.0)
    out["dropout"] = _dropout(f"{where}.dropout", cfg.get("dropout", []), len(out["hidden"]))
    out["seed"] = number(f"{where}.seed", cfg.get("seed", 0), 0, 2**32 - 1, integer=True)
    out["grid"] = number(f"{where}.grid", cfg.get("grid", 64), LIMITS["min_grid"],
                         LIMITS["max_grid"], integer=True)
    out["frames_per_second"] = number(f"{where}.frames_per_second",
                                      cfg.get("frames_per_second", 20), 1, LIMITS["max_fps"])
    return out


def _dataset(where: str, d: Any) -> dict[str, Any]:
    d = check_keys(where, d, ["name", "noise", "train_ratio", "seed", "n"])
    base = DEFAULT_CONFIG["dataset"]
    return {
        "name": choice(f"{where}.name", d.get("name", base["name"]), DATASETS),
        "noise": number(f"{where}.noise", d.get("noise", base["noise"]), 0.0, 0.5),
        "train_ratio": number(f"{where}.train_ratio", d.get("train_ratio", base["train_ratio"]),
                              0.1, 0.9),
        "seed": number(f"{where}.seed", d.get("seed", base["seed"]), 0, 2**32 - 1, integer=True),
        "n": number(f"{where}.n", d.get("n", base["n"]), LIMITS["min_samples"],
                    LIMITS["max_samples"], integer=True),
    }


def _features(where: str, f: Any) -> list[str]:
    if not isinstance(f, list) or not f:
        raise _fail(where, f"must be a non-empty list of feature names; got {_show(f)}.")
    seen: list[str] = []
    for i, name in enumerate(f):
        name = choice(f"{where}[{i}]", name, FEATURES)
        if name in seen:
            raise _fail(f"{where}[{i}]", f"{name!r} is listed twice.")
        seen.append(name)
    return [name for name in FEATURES if name in seen]  # canonical order


def _hidden(where: str, h: Any) -> list[dict[str, Any]]:
    if not isinstance(h, list):
        raise _fail(where, f"must be a list of layers; got {_show(h)}.")
    if len(h) > LIMITS["max_layers"]:
        raise _fail(where, f"at most {LIMITS['max_layers']} hidden layers; got {len(h)}.")
    out = []
    for i, layer in enumerate(h):
        w = f"{where}[{i}]"
        layer = check_keys(w, layer, ["units", "activation"], ["units"])
        out.append({
            "units": number(f"{w}.units", layer["units"], 1, LIMITS["max_units"], integer=True),
            "activation": choice(f"{w}.activation", layer.get("activation", "tanh"), ACTIVATIONS),
        })
    return out


def _optimizer(where: str, o: Any) -> dict[str, Any]:
    if not isinstance(o, Mapping):
        raise _fail(where, f"must be an object; got {_show(o)}.")
    name = choice(f"{where}.name", o.get("name", "sgd"), OPTIMIZERS)
    spec = _OPT_KEYS.get(name, {})
    o = check_keys(where, o, ["name", "lr", *spec])
    out: dict[str, Any] = {"name": name,
                           "lr": number(f"{where}.lr", o.get("lr", 0.03), 0.0, 10.0, low_open=True)}
    for key, rule in spec.items():
        if key not in o:
            continue
        if rule.get("bool"):
            out[key] = boolean(f"{where}.{key}", o[key])
        else:
            out[key] = number(f"{where}.{key}", o[key], **rule)
    return out


def _schedule(where: str, s: Any) -> dict[str, Any]:
    if not isinstance(s, Mapping):
        raise _fail(where, f"must be an object; got {_show(s)}.")
    name = choice(f"{where}.name", s.get("name", "constant"), SCHEDULES)
    s = check_keys(where, s, ["name", *_SCHEDULE_KEYS[name]])
    out: dict[str, Any] = {"name": name}
    for key in _SCHEDULE_KEYS[name]:
        if key not in s:
            continue
        if key == "milestones":
            m = s[key]
            if not isinstance(m, list) or len(m) > 100:
                raise _fail(f"{where}.milestones", f"must be a list of integers; got {_show(m)}.")
            out[key] = [number(f"{where}.milestones[{i}]", v, 1, 1e9, integer=True)
                        for i, v in enumerate(m)]
        else:
            integer = key in ("step_size", "T_max", "warmup_steps", "total_steps", "decay_steps")
            out[key] = number(f"{where}.{key}", s[key], 0.0, 1e9, integer=integer)
    return out


def _dropout(where: str, d: Any, n_hidden: int) -> list[dict[str, Any]]:
    if not isinstance(d, list):
        raise _fail(where, f"must be a list (one entry per hidden layer); got {_show(d)}.")
    if d and len(d) != n_hidden:
        raise _fail(where, f"must have one entry per hidden layer ({n_hidden}) or none; "
                           f"got {len(d)}.")
    out = []
    for i, entry in enumerate(d):
        w = f"{where}[{i}]"
        entry = check_keys(w, entry, ["rate", "scaling"])
        out.append({"rate": number(f"{w}.rate", entry.get("rate", 0.0), 0.0, 0.9),
                    "scaling": choice(f"{w}.scaling", entry.get("scaling", "inverted"), SCALINGS)})
    return out


# ---------------------------------------------------------------------- messages
_MESSAGE_KEYS: dict[str, tuple[list[str], list[str]]] = {
    # type: (allowed keys, required keys)
    "config": (["type", "config"], ["config"]),
    "play": (["type"], []),
    "pause": (["type"], []),
    "step": (["type"], []),
    "reset": (["type"], []),
    "inspect": (["type", "layer", "unit", "sample", "weight"], ["layer", "unit"]),
    "walk": (["type", "sample", "index"], ["sample", "index"]),
    "export": (["type"], []),
    "export_model": (["type"], []),
    "upload": (["type", "name", "csv"], ["csv"]),
    "load_model": (["type", "data_base64"], ["data_base64"]),
}
MESSAGE_TYPES = tuple(_MESSAGE_KEYS)


def parse_message(text: Any) -> dict[str, Any]:
    """Decode and check one WebSocket text message; return the clean message dict.

    Index ranges that depend on the session (layer, unit, sample) are checked by the session.
    """
    if not isinstance(text, str):
        raise MessageError("message: expected a JSON text message.")
    if len(text) > LIMITS["max_message_bytes"]:
        raise MessageError(f"message: {len(text)} characters; the limit is "
                           f"{LIMITS['max_message_bytes']}.")
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except MessageError:
        raise
    except (ValueError, RecursionError) as exc:
        raise MessageError(f"message: not valid JSON ({str(exc).splitlines()[0]}).") from None
    return check_message(raw)


def _reject_constant(name: str) -> Any:
    raise MessageError(f"message: {name} is not allowed; numbers must be finite.")


def check_message(raw: Any) -> dict[str, Any]:
    """Check an already decoded message (see :func:`parse_message`)."""
    if not isinstance(raw, Mapping):
        raise MessageError(f"message: must be a JSON object; got {type(raw).__name__}.")
    if "type" not in raw:
        raise MessageError("message: missing key 'type'.")
    kind = choice("message.type", raw["type"], MESSAGE_TYPES)
    allowed, required = _MESSAGE_KEYS[kind]
    msg = check_keys(kind, raw, allowed, required)
    if kind == "config":
        return {"type": kind, "config": check_config(msg["config"])}
    if kind == "inspect":
        return {"type": kind,
                "layer": number("inspect.layer", msg["layer"], 1, integer=True),
                "unit": number("inspect.unit", msg["unit"], 0, integer=True),
                "sample": _index_or_null("inspect.sample", msg.get("sample")),
                "weight": _index_or_null("inspect.weight", msg.get("weight"))}
    if kind == "walk":
        return {"type": kind, "sample": number("walk.sample", msg["sample"], 0, integer=True),
                "index": number("walk.index", msg["index"], 0, integer=True)}
    if kind == "upload":
        name = msg.get("name", "upload.csv")
        if not isinstance(name, str) or len(name) > 200:
            raise MessageError(f"upload.name: must be a file name (text); got {_show(name)}.")
        csv = msg["csv"]
        if not isinstance(csv, str):
            raise MessageError(f"upload.csv: must be the file's text; got {_show(csv)}.")
        if len(csv.encode("utf-8", "replace")) > LIMITS["max_upload_bytes"]:
            raise MessageError(f"upload.csv: the file is larger than "
                               f"{LIMITS['max_upload_bytes']} bytes.")
        return {"type": kind, "name": name, "csv": csv}
    if kind == "load_model":
        data = msg["data_base64"]
        if not isinstance(data, str):
            raise MessageError(f"load_model.data_base64: must be base64 text; got {_show(data)}.")
        if len(data) > LIMITS["max_model_bytes"] * 4 // 3 + 4:
            raise MessageError(f"load_model.data_base64: the model is larger than "
                               f"{LIMITS['max_model_bytes']} bytes.")
        try:
            blob = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise MessageError("load_model.data_base64: not valid base64.") from None
        return {"type": kind, "data": blob}
    return {"type": kind}
