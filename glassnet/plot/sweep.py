"""Pictures of a hyper-parameter sweep, from plain numbers (no Optuna here).

``sweep_curves``       the per-epoch validation metric of the best trials on one axes
``sweep_scatter``      the metric against each hyper-parameter, one panel per parameter
``sweep_importances``  Optuna's parameter importances as horizontal bars
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassnet.errors import DataError
from glassnet.plot import style


def sweep_curves(curves: Mapping[str, Sequence[float | None]], metric: str, path: Any = None,
                 *, title: str | None = None, dpi: float | None = None) -> style.PlotResult:
    """One line per trial (label → per-epoch values, None for a non-finite epoch);
    ``data["curves"]`` holds (epochs, values) as drawn."""
    if not curves:
        raise DataError("sweep curves: no trial has a recorded curve.")
    drawn: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with style.rc():
        fig = style.new_figure(figsize=(6.4, 4.4), layout="constrained")
        ax = fig.subplots()
        for i, (label, values) in enumerate(curves.items()):
            ys = np.array([np.nan if v is None else float(v) for v in values])
            ep = np.arange(1, ys.size + 1)
            ax.plot(ep, ys, color=style.color(i), ls=style.linestyle(i), marker=style.marker(i),
                    ms=4, lw=1.6, label=label)
            drawn[label] = (ep, ys)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="best")
        ax.set_title(title or f"{metric} of the best {len(curves)} trial(s)")
    return style.finish(fig, path, {"curves": drawn, "metric": metric}, "sweep curves", dpi)


def _axis_values(values: Sequence[Any], categorical: bool = False
                 ) -> tuple[np.ndarray, list[str] | None]:
    """Numbers as they are; anything else (names, layer lists) and ``categorical`` values
    (a choice of numbers) as evenly spaced categories, numbers in numeric order."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if numeric and not categorical:
        return np.asarray(values, dtype=float), None
    distinct = sorted(set(values), key=lambda v: (0, float(v), "") if numeric else (1, 0, str(v)))
    names = [f"{v:g}" if numeric else str(v) for v in distinct]
    return np.array([distinct.index(v) for v in values], dtype=float), names


def sweep_scatter(rows: Sequence[Mapping[str, Any]], params: Sequence[str], metric: str,
                  path: Any = None, *, log_params: Sequence[str] = (),
                  categorical: Sequence[str] = (), dpi: float | None = None
                  ) -> style.PlotResult:
    """``rows``: ``{"params": {name: value}, "value": float, "state": "COMPLETE"|"PRUNED"}``
    (a pruned trial's value is its last reported one). One panel per parameter, the metric
    on the y axis; complete trials filled, pruned ones hollow. ``log_params`` get a log x
    axis, ``categorical`` ones (choices) one evenly spaced position per value."""
    rows = [r for r in rows if r.get("value") is not None and np.isfinite(r["value"])]
    if not rows or not params:
        raise DataError("sweep scatter: no finished trial with a value to draw.")
    n = len(params)
    cols = min(n, 3)
    nrows = -(-n // cols)
    data: dict[str, Any] = {}
    with style.rc():
        fig = style.new_figure(figsize=(3.6 * cols + 0.4, 3.2 * nrows + 0.4),
                               layout="constrained")
        axes = fig.subplots(nrows, cols, squeeze=False).ravel()
        for ax, name in zip(axes, params, strict=False):
            have = [r for r in rows if name in r["params"]]
            xs, names = _axis_values([r["params"][name] for r in have], name in categorical)
            ys = np.array([float(r["value"]) for r in have])
            done = np.array([r["state"] == "COMPLETE" for r in have], dtype=bool)
            ax.scatter(xs[done], ys[done], color=style.color(0), s=28, label="complete")
            if not done.all():
                ax.scatter(xs[~done], ys[~done], facecolors="none", edgecolors=style.color(1),
                           s=28, label="pruned (last value reported)")
            if names is not None:
                ax.set_xticks(range(len(names)), names, rotation=20)
            elif name in log_params:
                ax.set_xscale("log")
            ax.set_xlabel(name)
            ax.set_ylabel(metric)
            data[name] = (xs, ys, done)
        for ax in axes[n:]:
            ax.set_visible(False)
        legend: dict[str, Any] = {}  # one legend for all panels, outside them
        for ax in axes[:n]:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                legend.setdefault(label, handle)
        fig.legend(list(legend.values()), list(legend), loc="outside lower center",
                   ncols=len(legend))
        fig.suptitle(f"{metric} against each hyper-parameter ({len(rows)} trials)")
    return style.finish(fig, path, {"panels": data, "metric": metric}, "sweep scatter", dpi)


def sweep_importances(importances: Mapping[str, float], path: Any = None, *,
                      title: str | None = None, dpi: float | None = None) -> style.PlotResult:
    """Horizontal bars, most important on top."""
    if not importances:
        raise DataError("sweep importances: no importances to draw.")
    items = sorted(importances.items(), key=lambda kv: kv[1])
    with style.rc():
        fig = style.new_figure(figsize=(6.0, 0.5 * len(items) + 1.4), layout="constrained")
        ax = fig.subplots()
        ax.barh([k for k, _ in items], [v for _, v in items], color=style.color(0))
        for y, (_, v) in enumerate(items):
            ax.text(v, y, f" {v:.2f}", va="center", fontsize=9)
        ax.set_xlabel("importance (fANOVA, Optuna; sums to 1)")
        ax.set_xlim(0, max(1.0, max(v for _, v in items) * 1.15))
        ax.set_title(title or "Hyper-parameter importances")
    return style.finish(fig, path, {"importances": dict(items)}, "sweep importances", dpi)
