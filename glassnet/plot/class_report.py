"""A class's homework results: the score distribution and the classic mistakes matched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassnet.errors import ShapeError
from glassnet.plot import style


def class_report(
    scores: Sequence[float],
    total: float,
    mistakes: Mapping[str, int],
    path: Any = None,
    *,
    title: str | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """Two panels: a histogram of the students' scores (of ``total``) and a bar per classic
    mistake (``"q1: forgot ½"`` → how many students it explains).

    ``data`` holds ``scores``, the histogram's ``counts`` and ``edges``, and the ``mistakes``
    drawn, most frequent first.
    """
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or not np.all(np.isfinite(s)) or total <= 0:
        raise ShapeError("class report: scores must be a list of finite numbers, total > 0.")
    bins = int(min(10, max(1, np.ceil(total))))
    counts, edges = np.histogram(s, bins=bins, range=(0, total))
    ranked = sorted(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    with style.rc():
        fig = style.new_figure(figsize=(12.5, 4.6), layout="constrained")
        ax, bx = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=style.color(0),
               edgecolor="white")
        if s.size:
            ax.axvline(float(np.median(s)), color=style.color(1), linestyle="--",
                       label=f"median {np.median(s):.3g}")
            ax.legend(loc="upper left")
        ax.set_xlim(0, total)
        ax.set_xlabel(f"score (of {total:g})")
        ax.set_ylabel("students")
        ax.set_title(f"Scores of {s.size} students")
        ax.yaxis.get_major_locator().set_params(integer=True)
        if ranked:
            names = [k for k, _ in ranked][::-1]
            values = [v for _, v in ranked][::-1]
            bx.barh(range(len(names)), values, color=style.color(2))
            bx.set_yticks(range(len(names)), names)
            bx.xaxis.get_major_locator().set_params(integer=True)
            bx.set_xlabel("students whose wrong answers it explains")
        else:
            bx.text(0.5, 0.5, "no classic mistake matched", ha="center", va="center",
                    transform=bx.transAxes)
            bx.set_xticks([])
            bx.set_yticks([])
        bx.set_title("Classic mistakes the wrong answers match")
        if title:
            fig.suptitle(title)
    data = {"scores": s, "counts": counts, "edges": edges, "mistakes": dict(ranked)}
    return style.finish(fig, path, data, "class report", dpi)
