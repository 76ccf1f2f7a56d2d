"""Validation of every message the page sends: one function, :func:`parse_message`.

A message is a JSON object with a ``"type"`` key. Each check names the field by its path
inside the message (``config.hidden[2].units``) and raises :class:`MessageError`, a
:class:`~glassnet.errors.GlassnetError`, with a one-line message::

    config.hidden[2].units: must be an integer in 1..64; got 100.
    config.optimzer: unknown key; expected one of batch_size, dataset, ... Did you mean 'optimizer'?

Unknown keys and names get a ``difflib`` close-match hint; numbers must be finite (JSON
from Python accepts ``NaN``/``Infinity``: they are refused here), booleans are not numbers,
and every size is bounded by :data:`LIMITS` before anything is allocated. The result is a
plain dict with defaults filled in (see :data:`DEFAULT_CONFIG`); nothing here imports the
engine beyond the tables of names.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from glassnet.errors import GlassnetError


class MessageError(GlassnetError):
    """A message from the page that cannot be used; the text names the field.

    ``request`` is the message's type once it is known (None before)."""

    request: str | None = None


#: sizes the server refuses beyond (also sent to the page in the "state" message)
LIMITS: dict[str, int] = {
    "max_layers": 10,  # hidden layers
    "max_units": 64,  # per hidden layer
    "min_grid": 16,
    "max_grid": 128,
    "min_samples": 20,
    "max_samples": 2000,
    "max_batch_size": 1000,
    "max_fps": 60,
    "max_message_chars": 6_000_000,  # a .glassnet upload in base64 fits
    "max_upload_bytes": 1_000_000,  # CSV text
    "max_upload_rows": 2000,
    "max_model_bytes": 4_000_000,
    "max_sessions": 8,
    "max_seed": 2**32 - 1,
}

DATASETS = ("circles", "xor", "gaussians", "spiral", "moons", "plane", "upload")
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin_x1", "sin_x2")
OPTIMIZER_NAMES = ("sgd", "momentum", "rmsprop", "adam", "adamw")
OPTIMIZER_KEYS = (
    "name", "lr", "momentum", "nesterov", "beta1", "beta2", "eps", "weight_decay", "alpha",
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

#: allowed keys per message type (besides "type")
MESSAGE_KEYS: dict[str, tuple[str, ...]] = {
    "config": ("config",),
    "play": (),
    "pause": (),
    "step": (),
    "reset": (),
    "inspect": ("layer", "unit", "sample", "weight"),
    "walk": ("sample", "index"),
    "export": (),
    "export_model": (),
    "upload": ("name", "csv"),
    "load_model": ("data_base64",),
}
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "config": ("config",),
    "inspect": ("layer", "unit"),
    "walk": ("sample", "index"),
    "upload": ("csv",),
    "load_model": ("data_base64",),
}


# ------------------------------------------------------------------ primitives
def fail(path: str, message: str) -> None:
    """Raise MessageError for ``path``; messages are flattened to a single line."""
    text = f"{path}: {message}" if path else message
    raise MessageError(" ".join(text.split()))


def describe(value: Any) -> str:
    """A short repr of a value for an error message."""
    text = json.dumps(value) if isinstance(value, (str, bool, type(None))) else repr(value)
    if isinstance(value, (dict, list)):
        text = f"a {'mapping' if isinstance(value, dict) else 'list'} ({len(value)} entries)"
    return text if len(text) <= 60 else text[:57] + "..."


def hint(word: Any, options: Sequence[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_keys(path: str, obj: Mapping[str, Any], allowed: Sequence[str],
               required: Sequence[str] = ()) -> None:
    for key in obj:
        if key not in allowed:
            where = f"{path}.{key}" if path else str(key)
            expected = ", ".join(allowed) if allowed else "no other keys"
            fail(where, f"unknown key; expected {expected}.{hint(key, allowed)}")
    for key in required:
        if key not in obj:
            fail(path or "message", f"missing key {key!r}.")


def mapping(path: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        fail(path, f"must be an object; got {describe(value)}.")
    return value


def number(path: str, value: Any, low: float | None = None, high: float | None = None,
           low_open: bool = False) -> float:
    """A finite JSON number (not a bool) in [low, high] (or (low, high] with ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(path, f"must be a number; got {describe(value)}.")
    if not math.isfinite(value):
        fail(path, f"must be a finite number; got {describe(value)}.")
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    if below or (high is not None and value > high):
        lo = "" if low is None else f"{'>' if low_open else '≥'} {low:g}"
        hi = "" if high is None else f"≤ {high:g}"
        fail(path, f"must be {' and '.join(x for x in (lo, hi) if x)}; got {value:g}.")
    return value


def integer(path: str, value: Any, low: int, high: int) -> int:
    """A JSON integer (floats with an integral value are accepted) in low..high."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(path, f"must be an integer in {low}..{high}; got {describe(value)}.")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        fail(path, f"must be an integer in {low}..{high}; got {describe(value)}.")
    if not low <= value <= high:
        fail(path, f"must be an integer in {low}..{high}; got {describe(value)}.")
    return int(value)


def boolean(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        fail(path, f"must be true or false; got {describe(value)}.")
    return value


def choice(path: str, value: Any, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in options:
        fail(path, f"unknown name {describe(value)}; expected one of {', '.join(options)}."
             f"{hint(value, options)}")
    return value


def text(path: str, value: Any, max_chars: int) -> str:
    if not isinstance(value, str):
        fail(path, f"must be text; got {describe(value)}.")
    if len(value) > max_chars:
        fail(path, f"is {len(value):,} characters; the limit is {max_chars:,}.")
    return value


# ------------------------------------------------------------------ the config
def _dataset(value: Any) -> dict[str, Any]:
    spec = mapping("config.dataset", value)
    check_keys("config.dataset", spec, ("name", "noise", "train_ratio", "seed", "n"))
    out = dict(DEFAULT_CONFIG["dataset"])
    if "name" in spec:
        out["name"] = choice("config.dataset.name", spec["name"], DATASETS)
    if "noise" in spec:
        out["noise"] = number("config.dataset.noise", spec["noise"], 0.0, 0.5)
    if "train_ratio" in spec:
        out["train_ratio"] = number("config.dataset.train_ratio", spec["train_ratio"], 0.1, 0.9)
    if "seed" in spec:
        out["seed"] = integer("config.dataset.seed", spec["seed"], 0, LIMITS["max_seed"])
    if "n" in spec:
        out["n"] = integer("config.dataset.n", spec["n"], LIMITS["min_samples"],
                           LIMITS["max_samples"])
    return out


def _features(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        fail("config.features", f"must be a non-empty list of feature names "
             f"({', '.join(FEATURES)}); got {describe(value)}.")
    seen: list[str] = []
    for i, name in enumerate(value):
        name = choice(f"config.features[{i}]", name, FEATURES)
        if name in seen:
            fail(f"config.features[{i}]", f"{name!r} is listed twice.")
        seen.append(name)
    return [f for f in FEATURES if f in seen]  # canonical order: the input units' order


def _hidden(value: Any) -> list[dict[str, Any]]:
    from glassnet.activations import ACTIVATIONS

    if not isinstance(value, list):
        fail("config.hidden", f"must be a list of layers; got {describe(value)}.")
    if len(value) > LIMITS["max_layers"]:
        fail("config.hidden", f"has {len(value)} layers; the limit is {LIMITS['max_layers']}.")
    out = []
    for i, layer in enumerate(value):
        path = f"config.hidden[{i}]"
        spec = mapping(path, layer)
        check_keys(path, spec, ("units", "activation"), required=("units",))
        units = integer(f"{path}.units", spec["units"], 1, LIMITS["max_units"])
        act = choice(f"{path}.activation", spec.get("activation", "tanh"), ACTIVATIONS)
        out.append({"units": units, "activation": act})
    return out


def _optimizer(value: Any) -> dict[str, Any]:
    spec = mapping("config.optimizer", value)
    check_keys("config.optimizer", spec, OPTIMIZER_KEYS)
    out: dict[str, Any] = {
        "name": choice("config.optimizer.name", spec.get("name", "sgd"), OPTIMIZER_NAMES),
        "lr": 0.03,
    }
    p = "config.optimizer."
    if "lr" in spec:
        out["lr"] = number(p + "lr", spec["lr"], 0.0, 10.0, low_open=True)
    if "momentum" in spec:
        out["momentum"] = number(p + "momentum", spec["momentum"], 0.0, 0.999)
    if "nesterov" in spec:
        out["nesterov"] = boolean(p + "nesterov", spec["nesterov"])
    for key in ("beta1", "beta2", "alpha"):
        if key in spec:
            out[key] = number(p + key, spec[key], 0.0, 0.9999999)
    if "eps" in spec:
        out["eps"] = number(p + "eps", spec["eps"], 0.0, 1.0)
    if "weight_decay" in spec:
        out["weight_decay"] = number(p + "weight_decay", spec["weight_decay"], 0.0, 1.0)
    if out["name"] == "sgd" and out.get("nesterov") and not out.get("momentum"):
        fail(p + "nesterov", "needs momentum > 0 (Nesterov is a form of momentum).")
    return out


def _schedule(value: Any) -> dict[str, Any]:
    from glassnet.schedules import SCHEDULES

    spec = mapping("config.schedule", value)
    name = choice("config.schedule.name", spec.get("name", "constant"), tuple(SCHEDULES))
    out: dict[str, Any] = {"name": name}
    for key, v in spec.items():
        if key == "name":
            continue
        if not isinstance(key, str) or not key.isidentifier():
            fail(f"config.schedule.{key}", "unknown key.")
        path = f"config.schedule.{key}"
        if isinstance(v, list):
            if len(v) > 100:
                fail(path, f"has {len(v)} entries; the limit is 100.")
            out[key] = [number(f"{path}[{i}]", x, -1e9, 1e9) for i, x in enumerate(v)]
        elif isinstance(v, (bool, str)):
            out[key] = v if isinstance(v, bool) else text(path, v, 40)
        else:
            out[key] = number(path, v, -1e9, 1e9)
            if out[key].is_integer() and isinstance(v, int):
                out[key] = int(v)
    return out


def _dropout(value: Any, n_hidden: int) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        fail("config.dropout", f"must be a list (one entry per hidden layer, or empty); "
             f"got {describe(value)}.")
    if value and len(value) != n_hidden:
        fail("config.dropout", f"has {len(value)} entries but there are {n_hidden} hidden "
             "layers; give one per hidden layer or none.")
    out = []
    for i, entry in enumerate(value):
        path = f"config.dropout[{i}]"
        spec = mapping(path, entry)
        check_keys(path, spec, ("rate", "scaling"))
        rate = number(f"{path}.rate", spec.get("rate", 0.0), 0.0, 0.9)
        scaling = choice(f"{path}.scaling", spec.get("scaling", "inverted"), SCALINGS)
        out.append({"rate": rate, "scaling": scaling})
    return out


def parse_config(value: Any) -> dict[str, Any]:
    """A complete, checked CONFIG; missing keys take :data:`DEFAULT_CONFIG`'s values."""
    spec = mapping("config", value)
    check_keys("config", spec, tuple(DEFAULT_CONFIG))
    out: dict[str, Any] = json.loads(json.dumps(DEFAULT_CONFIG))  # a deep copy
    if "dataset" in spec:
        out["dataset"] = _dataset(spec["dataset"])
    if "features" in spec:
        out["features"] = _features(spec["features"])
    if "hidden" in spec:
        out["hidden"] = _hidden(spec["hidden"])
    if "optimizer" in spec:
        out["optimizer"] = _optimizer(spec["optimizer"])
    if "schedule" in spec:
        out["schedule"] = _schedule(spec["schedule"])
    if "batch_size" in spec:
        out["batch_size"] = integer("config.batch_size", spec["batch_size"], 1,
                                    LIMITS["max_batch_size"])
    for key in ("l1", "l2"):
        if key in spec:
            out[key] = number(f"config.{key}", spec[key], 0.0, 10.0)
    out["dropout"] = _dropout(spec.get("dropout", []), len(out["hidden"]))
    if "seed" in spec:
        out["seed"] = integer("config.seed", spec["seed"], 0, LIMITS["max_seed"])
    if "grid" in spec:
        out["grid"] = integer("config.grid", spec["grid"], LIMITS["min_grid"], LIMITS["max_grid"])
    if "frames_per_second" in spec:
        out["frames_per_second"] = integer("config.frames_per_second", spec["frames_per_second"],
                                           1, LIMITS["max_fps"])
    return out


# ------------------------------------------------------------------ messages
def _optional_index(path: str, value: Any, high: int) -> int | None:
    return None if value is None else integer(path, value, 0, high)


def parse_message(raw: Any) -> dict[str, Any]:
    """Check one message (JSON text or an already decoded object); return it normalised.

    Indices are checked for type and sign here; whether they exist in the current network or
    data set is checked by the session, which knows the sizes.
    """
    if isinstance(raw, (str, bytes)):
        if len(raw) > LIMITS["max_message_chars"]:
            fail("message", f"is {len(raw):,} characters; the limit is "
                 f"{LIMITS['max_message_chars']:,}.")
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            fail("message", f"is not valid JSON ({first}).")
    msg = mapping("message", raw)
    if "type" not in msg:
        fail("message", "missing key 'type'.")
    kind = choice("type", msg["type"], tuple(MESSAGE_KEYS))
    try:
        return _parse_body(kind, {k: v for k, v in msg.items() if k != "type"})
    except MessageError as exc:
        exc.request = kind  # the error reply names the request type
        raise


def _parse_body(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    check_keys(kind, body, MESSAGE_KEYS[kind], REQUIRED_KEYS.get(kind, ()))
    out: dict[str, Any] = {"type": kind}
    big = 10**9
    if kind == "config":
        out["config"] = parse_config(body["config"])
    elif kind == "inspect":
        out["layer"] = integer("inspect.layer", body["layer"], 1, LIMITS["max_layers"] + 1)
        out["unit"] = integer("inspect.unit", body["unit"], 0, big)
        out["sample"] = _optional_index("inspect.sample", body.get("sample"), big)
        out["weight"] = _optional_index("inspect.weight", body.get("weight"), big)
    elif kind == "walk":
        out["sample"] = integer("walk.sample", body["sample"], 0, big)
        out["index"] = integer("walk.index", body["index"], 0, big)
    elif kind == "upload":
        out["name"] = text("upload.name", body.get("name", "upload.csv"), 200)
        out["csv"] = text("upload.csv", body["csv"], LIMITS["max_upload_bytes"])
    elif kind == "load_model":
        out["data_base64"] = text("load_model.data_base64", body["data_base64"],
                                  LIMITS["max_message_chars"])
    return out
