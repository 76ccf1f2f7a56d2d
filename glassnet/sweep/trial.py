"""A trial's parameters → the ``glassnet train`` configuration it runs, and the check of a
whole search space against ``glassnet train``'s own rules before any trial starts."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from glassnet.errors import GlassnetError
from glassnet.sweep.space import Param, SweepSpec

#: above this many combinations of the searched values, each key is checked on its own
MAX_COMBINATIONS = 256


def trial_config(spec: SweepSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """The run configuration of one trial: the sweep's ``config`` with the trial's values
    (``key_options.name`` sets one option; a string value is read like a command-line
    flag's, so ``"0.9,0.99"`` is a list), checked by :mod:`glassnet.train.config`.

    The seed is the sweep config's own, so a trial's ``config.yaml`` reruns it exactly.
    Progress output is off (``verbose: 0``): the sweep draws its own bar."""
    from glassnet.train import config as run_config

    cfg: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v)
                           for k, v in spec.config.items()}
    for name, value in params.items():
        key, dot, option = name.partition(".")
        if dot:  # an option's "0.9,0.99" is read as a --betas flag would be: a list
            value = run_config.parse_value(value) if isinstance(value, str) else value
            cfg[key] = {**cfg.get(key, {}), option: value}
        else:
            cfg[key] = value
    cfg["verbose"] = 0
    return run_config.check(cfg, f"{spec.source}: trial")


def suggest(trial: Any, param: Param) -> Any:
    """Ask an Optuna trial (``suggest_*`` API) for one parameter's value."""
    if param.kind == "choice":
        return trial.suggest_categorical(param.name, list(param.choices))
    if param.kind in ("int", "log_int"):
        return trial.suggest_int(param.name, int(param.low), int(param.high),
                                 log=param.kind == "log_int")
    return trial.suggest_float(param.name, param.low, param.high,
                               log=param.kind == "log_uniform")


def suggest_all(trial: Any, spec: SweepSpec) -> dict[str, Any]:
    """Every searched key's value for this trial."""
    return {p.name: suggest(trial, p) for p in spec.params}


def _corners(spec: SweepSpec) -> list[dict[str, Any]]:
    """Parameter sets that stand for the space: every combination of the choices and range
    ends when there are few, else each key's values with the others at their first."""
    values = [p.values_to_check() for p in spec.params]
    total = 1
    for v in values:
        total *= len(v)
    names = [p.name for p in spec.params]
    if total <= MAX_COMBINATIONS:
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    first = {n: v[0] for n, v in zip(names, values, strict=True)}
    return [first] + [{**first, n: x} for n, v in zip(names, values, strict=True) for x in v[1:]]


def _check_metric(spec: SweepSpec, cfg: Mapping[str, Any], ds: Any) -> None:
    from glassnet.errors import ConfigError

    where = f"{spec.source}: metric {spec.metric}"
    if spec.metric.startswith("val_") and not cfg["val_split"]:
        raise ConfigError(f"{where} needs validation data; set config: val_split > 0.")
    name = spec.metric.removeprefix("val_")
    if name == "accuracy" and ds.task == "regression":
        raise ConfigError(f"{where}: {ds.name} is a regression set; use val_loss or val_mae.")
    if name == "mae" and ds.task != "regression":
        raise ConfigError(f"{where}: {ds.name} is a classification set; use val_loss or "
                          "val_accuracy.")


def check_space(spec: SweepSpec) -> int:
    """Refuse a space with a value ``glassnet train`` would refuse, before any trial runs:
    every combination of choices and range ends (or each key's, when there are more than
    :data:`MAX_COMBINATIONS`) goes through :func:`glassnet.train.runs.check_config`. The
    error names the trial values. Returns the number of configurations checked."""
    from glassnet.train.runs import check_config, load_data

    data: dict[str, Any] = {}  # data sets by (dataset, options), loaded once each
    corners = _corners(spec)
    for params in corners:
        try:
            cfg = trial_config(spec, params)
            from glassnet.train import config as run_config

            resolved = run_config.resolve(cfg)
            key = repr((resolved["dataset"], resolved["dataset_options"],
                        resolved.get("target"), resolved.get("test_fraction")))
            if key not in data:
                data[key] = load_data(resolved)
            resolved = check_config(cfg, data[key])
            _check_metric(spec, resolved, data[key])
        except GlassnetError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
            raise type(exc)(f"{spec.source}: the search space includes a configuration "
                            f"glassnet train refuses ({shown}): {exc}") from None
    return len(corners)
