"""The ``network`` section of an exercise: layers, unit names, and parameter names.

Every entry of every W and b is a parameter with a name: the name written in the file
(``weights: [[w1, w2]]`` with ``params: {w1: 0.5, w2: -1}``) or, for entries written as
numbers or drawn by the initializer, the textbook name ``W{l}[{j},{k}]`` / ``b{l}[{j}]``
(1-based: layer l, unit j of layer l, unit k of layer l−1). A name used at several positions
is one (tied) parameter: its gradient is the sum of the gradients at its positions, and an
optimizer step updates it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.activations import Activation, get_activation
from glassnet.dropout import Dropout
from glassnet.errors import GlassnetError
from glassnet.explain import limits
from glassnet.explain import spec as chk
from glassnet.layers import Dense
from glassnet.network import Network

LAYER_KEYS = ("units", "weights", "bias", "activation", "dropout")
DROPOUT_KEYS = ("rate", "scaling", "mask", "seed")


@dataclass
class LayerSpec:
    """One dense layer as the file describes it."""

    units: list[str]
    activation: Activation
    weights: list[list[Any]] | None  # entries: float or parameter name; None = initializer
    bias: list[Any] | None  # entries: float or name; None = no bias
    dropout: Dropout | None
    mask: Any = None  # as written (validated once the number of samples is known)
    mask_seed: int | None = None
    path: str = ""


@dataclass
class NetworkSpec:
    inputs: list[str]
    layers: list[LayerSpec]
    init: dict[str, Any]
    seed: int


def _unit_names(path: str, value: Any, default: list[str] | None) -> list[str] | int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            chk.fail(path, f"expected a positive number of units or a list of names; got "
                           f"{chk.describe(value)}.")
        limits.check_count(path, value, limits.MAX_UNITS, "units")
        return value
    names = chk.as_list(path, value)
    if not names:
        chk.fail(path, "expected at least one unit.")
    limits.check_count(path, len(names), limits.MAX_UNITS, "units")
    return [chk.as_name(f"{path}[{i}]", n) for i, n in enumerate(names)]


def _default_names(prefix: str, n: int) -> list[str]:
    return [prefix] if n == 1 else [f"{prefix}{j}" for j in range(1, n + 1)]


def _entry(path: str, value: Any, params: Mapping[str, float]) -> float | str:
    if chk.is_number(value):
        return chk.as_number(path, value)
    if isinstance(value, str):
        if value not in params:
            defined = ", ".join(params) if params else "none"
            chk.fail(path, f"{value!r} is not defined in params (defined: {defined}).")
        return value
    chk.fail(path, f"expected a number or a parameter name; got {chk.describe(value)}.")


def _matrix(path: str, value: Any, n_out: int, n_in: int, params: Mapping[str, float]) -> list:
    rows = value if isinstance(value, list) else None
    ok = rows is not None and len(rows) == n_out
    ok = ok and all(isinstance(r, list) and len(r) == n_in for r in rows)
    if not ok:
        if rows is None:
            got = f"got {chk.describe(value)}"
        elif len(rows) != n_out:
            got = f"got {chk.plural(len(rows), 'row')}"
        else:
            i = next(i for i, r in enumerate(rows) if not (isinstance(r, list) and len(r) == n_in))
            row = rows[i]
            got = (
                f"row {i} has {chk.plural(len(row), 'entry')}"
                if isinstance(row, list)
                else f"row {i} is {chk.describe(row)}"
            )
        chk.fail(
            path,
            f"expected {chk.plural(n_out, 'row')} (one per unit of this layer) of "
            f"{chk.plural(n_in, 'entry')} (one per unit of the previous layer); {got}.",
        )
    return [
        [_entry(f"{path}[{j}][{k}]", e, params) for k, e in enumerate(r)]
        for j, r in enumerate(rows)
    ]


def _bias(path: str, value: Any, n_out: int, params: Mapping[str, float]) -> list | None:
    if value is None or value is False:
        return None
    if value == "zeros" or value is True:
        return [0.0] * n_out
    if n_out == 1 and not isinstance(value, list):
        value = [value]
    entries = value if isinstance(value, list) else None
    if entries is None or len(entries) != n_out:
        got = chk.describe(value)
        chk.fail(
            path,
            f"expected 'zeros' or a list of {chk.plural(n_out, 'entry')} (one per unit); "
            f"got {got}.",
        )
    return [_entry(f"{path}[{j}]", e, params) for j, e in enumerate(entries)]


def _dropout(path: str, value: Any) -> tuple[Dropout | None, Any, int | None]:
    if value is None:
        return None, None, None
    spec = chk.mapping(path, value)
    chk.check_keys(path, spec, DROPOUT_KEYS, required=("rate",))
    rate = chk.as_number(f"{path}.rate", spec["rate"])
    try:
        drop = Dropout(rate=rate, scaling=spec.get("scaling", "inverted"))
    except GlassnetError as exc:
        chk.relay(path, exc)
    seed = spec.get("seed")
    if seed is not None:
        seed = chk.as_int(f"{path}.seed", seed)
    if "mask" not in spec and seed is None:
        chk.fail(path, "give a mask (a list of 0/1 per unit, or one list per sample) or a seed.")
    return drop, spec.get("mask"), seed


def _new_unit_name(where: str, name: str, seen: dict[str, str], params: Mapping) -> None:
    """Record an input or unit name; names are unique and differ from parameter names."""
    if name in seen:
        chk.fail(
            where,
            f"the name {name!r} is already used at {seen[name]}; input and unit names must differ.",
        )
    if name in params:
        chk.fail(where, f"the name {name!r} is also a parameter in params; use another name.")
    seen[name] = where


def parse_network(path: str, value: Any, params: Mapping[str, float]) -> NetworkSpec:
    """Parse and check ``network``; input and unit names are unique and distinct from
    parameter names."""
    net = chk.mapping(path, value)
    chk.check_keys(path, net, ("inputs", "layers", "init"), required=("inputs", "layers"))
    raw_inputs = _unit_names(f"{path}.inputs", net["inputs"], None)
    inputs = _default_names("x", raw_inputs) if isinstance(raw_inputs, int) else raw_inputs
    raw_layers = chk.as_list(f"{path}.layers", net["layers"])
    if not raw_layers:
        chk.fail(f"{path}.layers", "expected at least one layer.")
    limits.check_count(f"{path}.layers", len(raw_layers), limits.MAX_LAYERS, "layers")
    n_parameters = 0
    n_hidden = len(raw_layers) - 1
    layers: list[LayerSpec] = []
    seen: dict[str, str] = {}
    for k, name in enumerate(inputs):
        _new_unit_name(f"{path}.inputs[{k}]", name, seen, params)
    n_prev = len(inputs)
    for i, raw in enumerate(raw_layers):
        lp = f"{path}.layers[{i}]"
        spec = chk.mapping(lp, raw)
        chk.check_keys(lp, spec, LAYER_KEYS, required=("units",))
        units = _unit_names(f"{lp}.units", spec["units"], None)
        if isinstance(units, int):
            prefix = "y" if i == n_hidden else ("h" if n_hidden == 1 else f"h{i + 1}_")
            units = _default_names(prefix, units)
            if prefix.endswith("_") and len(units) == 1:
                units = [prefix[:-1]]
        n_parameters += (n_prev + 1) * len(units)
        limits.check_count(f"{lp}.units", n_parameters, limits.MAX_PARAMETERS,
                           "parameters (this layer and those before it)")
        for j, u in enumerate(units):
            _new_unit_name(f"{lp}.units[{j}]", u, seen, params)
        act_name, act_opts = chk.spec_with_name(
            f"{lp}.activation", spec.get("activation", "identity")
        )
        try:
            act = get_activation(act_name, **act_opts)
        except GlassnetError as exc:
            chk.relay(f"{lp}.activation", exc)
        weights = None
        if spec.get("weights") is not None:
            weights = _matrix(f"{lp}.weights", spec["weights"], len(units), n_prev, params)
        bias = _bias(f"{lp}.bias", spec.get("bias"), len(units), params)
        drop, mask, seed = _dropout(f"{lp}.dropout", spec.get("dropout"))
        layers.append(LayerSpec(units, act, weights, bias, drop, mask, seed, lp))
        n_prev = len(units)
    init = chk.mapping(f"{path}.init", net.get("init", {}))
    seed = chk.as_int(f"{path}.init.seed", init.pop("seed", 0))
    scheme = init.pop("scheme", init.pop("name", "auto"))
    return NetworkSpec(inputs, layers, {"name": scheme, **init}, seed)


def build_network(
    spec: NetworkSpec, path: str, activations: Sequence[Activation] | None = None
) -> Network:
    """A float64 Network with the file's weights (initializer draws for the others)."""
    dense = []
    n_prev = len(spec.inputs)
    for i, layer in enumerate(spec.layers):
        n_out = len(layer.units)
        w = None
        if layer.weights is not None:
            w = np.zeros((n_out, n_prev))
        bias: Any = False if layer.bias is None else np.zeros(n_out)
        act = layer.activation if activations is None else activations[i]
        dense.append(
            Dense(n_prev, n_out, act, bias=bias, init=spec.init, weights=w, dropout=layer.dropout)
        )
        n_prev = n_out
    try:
        return Network(dense, dtype="float64", seed=spec.seed)
    except GlassnetError as exc:
        chk.relay(f"{path}.init", exc)


def name_parameters(
    spec: NetworkSpec, net: Network, params: Mapping[str, float]
) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, list[str]]]:
    """``(names, θ₀, theta_index, positions)`` for the network's parameters.

    ``names`` lists distinct parameters (those of ``params`` in file order, then textbook
    names in layout order); ``theta_index[i]`` is the index in θ of ``net.params[i]``;
    ``positions[name]`` lists the textbook positions a name occupies.
    """
    entry_names: list[str] = []
    values: dict[str, float] = dict(params)
    positions: dict[str, list[str]] = {}
    for slot in net.layout:
        layer = spec.layers[slot.layer - 1]
        drawn = net.param_view(slot.name)
        given = layer.weights if slot.kind == "W" else layer.bias
        for idx in np.ndindex(*slot.shape):
            textbook = f"{slot.kind}{slot.layer}[{','.join(str(i + 1) for i in idx)}]"
            entry = (
                given[idx[0]][idx[1]]
                if slot.kind == "W" and given
                else (given[idx[0]] if given else None)
            )
            name = entry if isinstance(entry, str) else textbook
            if not isinstance(entry, str):
                values[name] = float(entry) if entry is not None else float(drawn[idx])
            entry_names.append(name)
            positions.setdefault(name, []).append(textbook)
    for name in params:
        if name not in positions:
            chk.fail(f"params.{name}", "not used by any weight or bias of the network.")
    names = list(params) + [n for n in positions if n not in params]
    order = {n: i for i, n in enumerate(names)}
    theta = np.array([values[n] for n in names], dtype=np.float64)
    theta_index = np.array([order[n] for n in entry_names], dtype=np.intp)
    return names, theta, theta_index, positions
