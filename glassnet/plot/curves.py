"""Training curves: loss and metrics per epoch (train solid, validation dashed) and the
learning rate per optimizer step, for one run or several runs overlaid.

A *history* is any of: a ``glassnet.train.History``, a dict of its JSON shape
``{"epochs": [{"epoch": 1, "loss": …, "val_loss": …}, …], "steps": {"lr": […]}, "meta": …}``,
the path of a run directory (its ``history.json``) or of a ``history.json`` file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import ConfigError, DataError
from glassnet.plot import style

METRIC_NAMES = {
    "loss": "loss",
    "accuracy": "accuracy (fraction correct)",
    "mse": "mean squared error",
    "mae": "mean absolute error",
    "lr": "learning rate η",
}


def load_history(source: Any) -> dict[str, Any]:
    """Normalise a history (object, dict, run directory or JSON file) to its dict shape.

    Adds ``"label"``: the run directory's name for a path, else the meta's ``label`` /
    ``name`` if any, else None.
    """
    label = None
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if p.is_dir():
            label = p.name
            p = p / "history.json"
        else:
            label = p.parent.name if p.name == "history.json" else p.stem
        if not p.is_file():
            raise DataError(f"training curves: no history file at {str(p)!r}.")
        try:
            d = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            raise DataError(f"training curves: cannot read {str(p)!r}: {exc}.") from None
    elif hasattr(source, "to_dict"):
        d = source.to_dict()
    elif isinstance(source, Mapping):
        d = dict(source)
    else:
        raise ConfigError(
            "training curves: a history must be a History, a dict with 'epochs', or a run "
            f"directory / history.json path; got {type(source).__name__}."
        )
    if not isinstance(d.get("epochs"), list):
        raise DataError("training curves: the history has no 'epochs' list.")
    meta = d.get("meta") or {}
    if label is None and isinstance(meta, Mapping):
        label = meta.get("label") or meta.get("name")
    return {"epochs": d["epochs"], "steps": d.get("steps") or {}, "meta": meta, "label": label}


def _as_list(histories: Any) -> list[Any]:
    if isinstance(histories, (str, os.PathLike, Mapping)) or hasattr(histories, "to_dict"):
        return [histories]
    if isinstance(histories, Sequence):
        return list(histories)
    return [histories]


def _series(h: dict[str, Any], key: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) of ``key`` over the epochs where it was measured."""
    xs, ys = [], []
    for i, row in enumerate(h["epochs"], start=1):
        v = row.get(key)
        if v is None:
            continue
        xs.append(row.get("epoch", i))
        ys.append(float(v))
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def recorded_metrics(history: dict[str, Any]) -> set[str]:
    """Names of the per-epoch values of a (normalised) history, ``val_`` prefix removed."""
    names = set()
    for row in history["epochs"]:
        if isinstance(row, Mapping):
            names.update(k.removeprefix("val_") for k in row if k != "epoch")
    return names


def training_curves(
    histories: Any,
    path: Any = None,
    metrics: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    *,
    title: str | None = None,
    log_loss: bool | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """One panel per metric; train solid, validation (``val_<metric>``) dashed, one colour
    (and marker) per run. ``metrics`` default: loss and accuracy, those the histories record;
    a metric named explicitly that no history records is a DataError naming those they do.

    ``data["runs"]`` is a list of ``{"label", <key>: (epochs, values), …}`` for each key
    drawn (``"loss"``, ``"val_loss"``, …), the values being the history's own numbers.
    ``log_loss`` puts the loss on a log axis (default: when it spans over two decades).
    """
    runs = [load_history(h) for h in _as_list(histories)]
    if not runs:
        raise ConfigError("training curves: no history given.")
    if labels is not None:
        if len(labels) != len(runs):
            raise ConfigError(
                f"training curves: got {len(labels)} labels for {len(runs)} histories."
            )
        names = [str(s) for s in labels]
    else:
        names = [r["label"] or f"run {i}" for i, r in enumerate(runs, start=1)]
        if len(set(names)) < len(names):  # e.g. two directories both named "run"
            names = [f"{n} ({i})" for i, n in enumerate(names, start=1)]
    have = set().union(*(recorded_metrics(r) for r in runs))
    if metrics is None:
        metrics = [m for m in ("loss", "accuracy") if m in have]
    else:
        metrics = [str(m) for m in metrics]
        missing = [m for m in metrics if m not in have]
        if missing:
            raise DataError(
                f"training curves: no {', '.join(repr(m) for m in missing)} in the histories; "
                f"they record {', '.join(sorted(have)) or 'nothing'}."
            )
    if not metrics:
        raise DataError(
            "training curves: none of the requested metrics is in the histories; they record "
            f"{', '.join(sorted(have)) or 'nothing'}."
        )

    data_runs: list[dict[str, Any]] = []
    with style.rc():
        fig = style.new_figure(figsize=(5.2 * len(metrics) + 0.6, 4.3), layout="constrained")
        axes = fig.subplots(1, len(metrics), squeeze=False)[0]
        for ax, m in zip(axes, metrics, strict=True):
            spans = []
            for i, (r, name) in enumerate(zip(runs, names, strict=True)):
                for key, ls, suffix in ((m, "-", "train"), ("val_" + m, "--", "validation")):
                    ep, ys = _series(r, key)
                    if not ep.size:
                        continue
                    spans.append(ys[np.isfinite(ys) & (ys > 0)])
                    ax.plot(
                        ep,
                        ys,
                        ls=ls,
                        color=style.color(i),
                        marker=style.marker(i),
                        markersize=3.5 if ep.size <= 40 else 0,
                        markevery=max(1, ep.size // 15),
                        lw=1.6,
                        label=f"{name} — {suffix}" if len(runs) > 1 else suffix,
                        gid=f"{i}:{key}",
                    )
            ax.set_xlabel("epoch")
            ax.set_ylabel(METRIC_NAMES.get(m, m))
            ax.set_title(m.replace("_", " "))
            vals = np.concatenate(spans) if spans else np.array([])
            use_log = (
                log_loss
                if log_loss is not None
                else (m == "loss" and vals.size > 0 and vals.max() / max(vals.min(), 1e-300) > 100)
            )
            if m == "loss" and use_log:
                ax.set_yscale("log")
            if len(runs) == 1:
                ax.legend(loc="best")
            ax.xaxis.get_major_locator().set_params(integer=True)
        for r, name in zip(runs, names, strict=True):
            entry: dict[str, Any] = {"label": name}
            for m in metrics:
                for key in (m, "val_" + m):
                    ep, ys = _series(r, key)
                    if ep.size:
                        entry[key] = (ep, ys)
            data_runs.append(entry)
        if len(runs) > 1:  # one legend: colour and marker = run, line style = train / validation
            from matplotlib.lines import Line2D

            handles = [
                Line2D([], [], color=style.color(i), marker=style.marker(i), lw=1.6, label=name)
                for i, name in enumerate(names)
            ]
            handles += [
                Line2D([], [], color="0.3", lw=1.6, ls="-", label="train"),
                Line2D([], [], color="0.3", lw=1.6, ls="--", label="validation"),
            ]
            fig.legend(
                handles=handles,
                loc="outside lower center",
                ncol=min(len(handles), 6),
                frameon=False,
            )
        fig.suptitle(
            title
            or ("Training curves" if len(runs) == 1 else f"Training curves of {len(runs)} runs")
        )
    return style.finish(fig, path, {"runs": data_runs, "metrics": list(metrics)}, "curves", dpi)


def learning_rate(
    history: Any,
    path: Any = None,
    labels: Sequence[str] | None = None,
    *,
    title: str | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """η per optimizer step (``history.steps["lr"]``); per epoch when steps were not kept.

    Accepts one history or a list (overlaid). ``data["runs"]`` holds ``{"label", "x",
    "lr", "unit"}`` with ``unit`` "step" or "epoch".
    """
    runs = [load_history(h) for h in _as_list(history)]
    names = (
        list(labels)
        if labels is not None
        else [r["label"] or f"run {i}" for i, r in enumerate(runs, start=1)]
    )
    data_runs = []
    with style.rc():
        fig = style.new_figure(figsize=(6.4, 3.8))
        ax = fig.add_subplot(1, 1, 1)
        units = set()
        for i, (r, name) in enumerate(zip(runs, names, strict=True)):
            lr = r["steps"].get("lr") if isinstance(r["steps"], Mapping) else None
            if lr:
                ys = np.asarray(lr, dtype=float)
                xs = np.arange(ys.size, dtype=float)
                unit = "step"
            else:
                xs, ys = _series(r, "lr")
                unit = "epoch"
            if not ys.size:
                raise DataError(f"learning rate: the history of {name!r} records no 'lr'.")
            units.add(unit)
            ax.plot(
                xs,
                ys,
                color=style.color(i),
                ls=style.linestyle(i),
                lw=1.8,
                label=name,
                drawstyle="steps-post" if unit == "epoch" else "default",
            )
            data_runs.append({"label": name, "x": xs, "lr": ys, "unit": unit})
        ax.set_xlabel(
            "optimizer step (update)"
            if units == {"step"}
            else "epoch"
            if units == {"epoch"}
            else "step or epoch"
        )
        ax.set_ylabel("learning rate η")
        ax.set_ylim(bottom=0)
        ax.set_title(title or "Learning rate during training")
        if len(runs) > 1:  # one run: nothing to tell apart
            ax.legend(loc="best")
    return style.finish(fig, path, {"runs": data_runs}, "learning_rate", dpi)
