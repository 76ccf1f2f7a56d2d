"""``glassnet sweep report DIR``: the ranked trials table and the report pictures.

Everything comes from the study's storage (the URL in ``DIR/study.json``): trial states,
values, parameters and the per-epoch curves each trial stored, so a report also covers the
trials other machines ran into the same PostgreSQL study.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError
from glassnet.sweep.space import SweepSpec, parse

STUDY_FILE, SPEC_FILE = "study.json", "sweep.yaml"


def write_sweep_files(sweep_dir: Path, spec: SweepSpec, storage: str, study: str) -> None:
    """``sweep.yaml`` (the parsed spec) and ``study.json`` (where the study lives)."""
    import yaml

    sweep_dir.mkdir(parents=True, exist_ok=True)
    (sweep_dir / SPEC_FILE).write_text(
        "# glassnet sweep: the parsed sweep file of this directory\n"
        + yaml.safe_dump(spec.to_dict(), sort_keys=False), encoding="utf-8")
    (sweep_dir / STUDY_FILE).write_text(json.dumps({"storage": storage, "study": study},
                                                   indent=2) + "\n", encoding="utf-8")


def read_sweep_files(sweep_dir: str | os.PathLike[str]) -> tuple[SweepSpec, str, str]:
    """The spec, storage URL and study name of a sweep directory."""
    import yaml

    d = Path(sweep_dir)
    try:
        where = json.loads((d / STUDY_FILE).read_text(encoding="utf-8"))
        data = yaml.safe_load((d / SPEC_FILE).read_text(encoding="utf-8"))
        storage, study = str(where["storage"]), str(where["study"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(f"{d}: not a sweep directory (no readable {STUDY_FILE} and "
                          f"{SPEC_FILE}; glassnet sweep writes them).") from None
    return parse(data, str(d / SPEC_FILE), d), storage, study


def trial_rows(study: Any) -> list[dict[str, Any]]:
    """One row per trial, ranked: complete trials best first, then pruned (by their last
    reported value), then failed and running ones."""
    from optuna.trial import TrialState

    sign = 1.0 if study.direction.name == "MINIMIZE" else -1.0
    rank = {TrialState.COMPLETE: 0, TrialState.PRUNED: 1}
    rows = []
    for t in study.get_trials(deepcopy=False):
        value = t.value
        if value is None and t.intermediate_values:
            value = t.intermediate_values[max(t.intermediate_values)]
        duration = (t.datetime_complete - t.datetime_start).total_seconds() if (
            t.datetime_complete and t.datetime_start) else None
        rows.append({"number": t.number, "state": t.state.name, "value": value,
                     "diverged": bool(t.user_attrs.get("diverged")),
                     "params": dict(t.params), "epochs": t.user_attrs.get("epochs"),
                     "curve": t.user_attrs.get("curve") or [],
                     "run_dir": t.user_attrs.get("run_dir"), "seconds": duration})

    def key(r: dict[str, Any]) -> tuple[int, float, int]:
        state = getattr(TrialState, r["state"])
        v = r["value"]
        ok = v is not None and math.isfinite(v)
        return (rank.get(state, 2), sign * v if ok else math.inf, r["number"])

    return sorted(rows, key=key)


def _cell(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _params_label(params: dict[str, Any]) -> str:
    """``"rmsprop, lr 0.03"``: chosen names bare, numbers with their key (3 digits)."""
    parts = []
    for name, v in params.items():
        if isinstance(v, str):
            parts.append(v if name in ("optimizer", "activation", "schedule") else
                         f"{name} {v}")
        else:
            parts.append(f"{name} {v:.3g}" if isinstance(v, float) else f"{name} {v}")
    return ", ".join(parts)


def table(rows: list[dict[str, Any]], spec: SweepSpec) -> str:
    """The ranked trials as aligned text."""
    names = [p.name for p in spec.params]
    head = ["rank", "trial", "state", spec.metric, "epochs", "seconds", *names]
    body = []
    for i, r in enumerate(rows, start=1):
        seconds = None if r["seconds"] is None else round(r["seconds"], 2)
        state = "diverged" if r.get("diverged") else r["state"].lower()
        body.append([str(i), str(r["number"]), state, _cell(r["value"]),
                     _cell(r["epochs"]), _cell(seconds), *(_cell(r["params"].get(n))
                                                           for n in names)])
    widths = [max(len(h), *(len(b[k]) for b in body)) if body else len(h)
              for k, h in enumerate(head)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in [head, *body]]
    return "\n".join(lines)


def importances(study: Any) -> dict[str, float] | None:
    """Optuna's fANOVA importances over the complete trials; None where Optuna gives none
    (fewer than two complete trials, or no parameter that varied)."""
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < 2:
        return None
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)  # the same every time
    try:
        result = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (RuntimeError, ValueError):
        return None
    return {k: float(v) for k, v in result.items()} or None


def pictures(study: Any, spec: SweepSpec, out_dir: Path, top: int = 5) -> list[Path]:
    """Write ``curves.png``, ``params.png`` and (if Optuna gives them) ``importances.png``
    into ``out_dir``; returns the paths written."""
    from glassnet.plot.sweep import sweep_curves, sweep_importances, sweep_scatter

    rows = trial_rows(study)
    written = []
    best = [r for r in rows if r["state"] == "COMPLETE" and r["curve"]][:top]
    if best:
        curves = {f"trial {r['number']}: {_params_label(r['params'])} → {_cell(r['value'])}":
                  r["curve"] for r in best}
        written.append(sweep_curves(curves, spec.metric, out_dir / "curves.png",
                                    title=f"{spec.metric}: the best {len(best)} trials").path)
    finished = [r for r in rows if r["state"] in ("COMPLETE", "PRUNED")
                and r["value"] is not None]
    if finished:
        logs = [p.name for p in spec.params if p.kind.startswith("log")]
        choices = [p.name for p in spec.params if p.kind == "choice"]
        written.append(sweep_scatter(finished, [p.name for p in spec.params], spec.metric,
                                     out_dir / "params.png", log_params=logs,
                                     categorical=choices).path)
    imp = importances(study)
    if imp:
        n = sum(r["state"] == "COMPLETE" for r in rows)
        written.append(sweep_importances(
            imp, out_dir / "importances.png",
            title=f"Importance for {spec.metric} ({n} complete trials)").path)
    return written


def report(sweep_dir: str | os.PathLike[str], top: int = 5) -> tuple[str, list[Path]]:
    """The ranked table of a sweep directory and the pictures written to ``DIR/report``."""
    from glassnet.sweep.study import open_storage, open_study

    spec, storage, name = read_sweep_files(sweep_dir)
    study = open_study(spec, open_storage(storage, heartbeat=False), name, create=False)
    rows = trial_rows(study)
    if not rows:
        raise ConfigError(f"{sweep_dir}: the study {name!r} has no trials yet.")
    paths = pictures(study, spec, Path(sweep_dir) / "report", top)
    return table(rows, spec), paths
