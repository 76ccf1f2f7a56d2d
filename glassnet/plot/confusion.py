"""Confusion matrix: rows are the true classes, columns the predicted classes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.errors import ShapeError
from glassnet.plot import style


def confusion_matrix(
    matrix: Any,
    class_names: Sequence[str] | None = None,
    path: Any = None,
    *,
    normalize: bool = False,
    title: str | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """Draw a (K, K) confusion matrix, ``matrix[i, j]`` = samples of class i predicted as j.

    Each cell shows its count (and, with ``normalize=True``, colours show the share of
    the true class's samples, the row). ``data`` holds ``counts`` and the ``values``
    coloured.
    """
    counts = np.asarray(matrix, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ShapeError(f"confusion matrix: must be square (K, K); got shape {counts.shape}.")
    k = counts.shape[0]
    names = [str(c) for c in class_names] if class_names is not None else [str(i) for i in range(k)]
    if len(names) != k:
        raise ShapeError(f"confusion matrix: {k} classes but {len(names)} class names.")
    rows = counts.sum(axis=1, keepdims=True)
    values = (
        np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0) if normalize else counts
    )
    with style.rc():
        size = min(11.0, 2.6 + 0.55 * k)
        fig = style.new_figure(figsize=(size + 1.0, size))
        ax = fig.add_subplot(1, 1, 1)
        ax.grid(False)
        im = ax.imshow(
            values,
            cmap=style.SEQUENTIAL,
            interpolation="nearest",
            vmin=0,
            vmax=1 if normalize else max(values.max(), 1),
        )
        cmap = im.get_cmap()
        if k <= 30:
            for i in range(k):
                for j in range(k):
                    c = counts[i, j]
                    text = f"{c:.0f}" if float(c).is_integer() else f"{c:.3g}"
                    if normalize:
                        text += f"\n{values[i, j]:.0%}"
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=8 if k <= 12 else 6,
                        color=style.text_color_for(cmap(im.norm(values[i, j]))),
                    )
        ax.set_xticks(
            range(k),
            names,
            rotation=45 if max(map(len, names)) > 3 else 0,
            ha="right" if max(map(len, names)) > 3 else "center",
        )
        ax.set_yticks(range(k), names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        total = counts.sum()
        acc = np.trace(counts) / total if total else float("nan")
        ax.set_title(title or f"Confusion matrix ({total:.0f} samples, accuracy {acc:.1%})")
        style.colorbar(
            fig,
            im,
            ax,
            "share of the true class" if normalize else "number of samples",
            fraction=0.046,
            pad=0.04,
        )
    return style.finish(
        fig, path, {"counts": counts, "values": values, "class_names": names}, "confusion", dpi
    )
