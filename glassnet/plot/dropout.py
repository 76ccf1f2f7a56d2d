"""One input's activations under dropout, in both scalings, with the dropped units marked.

With keep probability p = 1 − rate and a 0/1 mask m (the same mask for both scalings)::

    inverted (default):  training  ã = a ⊙ m / p     evaluation  ã = a
    standard:            training  ã = a ⊙ m         evaluation  ã = p · a

Both keep the expected training output equal to the evaluation output (E[m] = p). The
values drawn come from the engine: a one-layer identity network with the layer's
``Dropout`` runs ``forward_pass`` with the given mask (training) and ``forward`` (evaluation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.dropout import Dropout
from glassnet.errors import ConfigError, ShapeError
from glassnet.layers import Dense
from glassnet.network import Network
from glassnet.plot import style


def _apply(a: np.ndarray, mask: np.ndarray, rate: float, scaling: str) -> tuple[Any, Any]:
    """(training output, evaluation output) of the engine's dropout on activations ``a``."""
    n = a.size
    net = Network(
        [Dense(n, n, "identity", bias=False, weights=np.eye(n), dropout=Dropout(rate, scaling))],
        dtype="float64",
        seed=0,
    )
    train = net.forward_pass(a[None, :], train=True, masks=[mask]).layers[0].out[0]
    evaluation = net.forward(a[None, :], train=False)[0]
    return train, evaluation


def demo_activations(units: int = 12, seed: int = 0) -> np.ndarray:
    """Activations of a hidden ReLU layer (4 → units, seeded weights) for one random input."""
    rng = np.random.default_rng(seed)
    net = Network([Dense(4, units, "relu", bias_init=0.5)], dtype="float64", seed=seed)
    x = rng.normal(size=(1, 4))
    return net.forward_pass(x).layers[0].a[0].copy()


def plot_dropout(
    path: Any = None,
    *,
    activations: Any = None,
    rate: float = 0.5,
    mask: Any = None,
    units: int = 12,
    seed: int = 0,
    title: str | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """Bars of one input's activations a (outlined) and what the next layer receives ã
    (filled), in training and evaluation, for inverted and standard scaling.

    ``activations``: the layer's a for one input (default: a seeded 4 → ``units`` ReLU
    layer). ``mask``: 0/1 per unit (default: drawn with ``seed``, at least one unit
    dropped and one kept). ``data``: ``a``, ``mask``, ``dropped`` (indices where the mask is
    0), ``keep_prob`` and ``outputs[scaling][phase]`` with scaling "inverted"/"standard" and
    phase "train"/"eval".
    """
    rate = check_number(
        "plot dropout", "rate", rate, low=0.0, high=1.0, low_open=True, high_open=True
    )
    a = (
        demo_activations(units, seed)
        if activations is None
        else np.asarray(activations, dtype=np.float64)
    )
    if a.ndim != 1 or a.size == 0:
        raise ShapeError(
            f"plot dropout: activations must be one row of units; got shape {a.shape}."
        )
    n = a.size
    if mask is None:
        rng = np.random.default_rng(seed + 1)
        drop = Dropout(rate)
        m = drop.draw_mask((n,), rng, np.float64)
        while n > 1 and (m.all() or not m.any()):  # show both a dropped and a kept unit
            m = drop.draw_mask((n,), rng, np.float64)
    else:
        m = np.asarray(mask, dtype=np.float64)
        if m.shape != (n,):
            raise ShapeError(f"plot dropout: mask must have {n} entries; got shape {m.shape}.")
        if not np.all((m == 0) | (m == 1)):
            raise ConfigError("plot dropout: mask entries must be 0 or 1.")
    p = 1.0 - rate
    outputs = {}
    for scaling in ("inverted", "standard"):
        tr, ev = _apply(a, m, rate, scaling)
        outputs[scaling] = {"train": tr, "eval": ev}
    dropped = np.flatnonzero(m == 0)

    formulas = {
        ("inverted", "train"): f"training: ã = a ⊙ m / p  (÷{p:g})",
        ("inverted", "eval"): "evaluation: ã = a",
        ("standard", "train"): "training: ã = a ⊙ m",
        ("standard", "eval"): f"evaluation: ã = p · a  (×{p:g})",
    }
    units_x = np.arange(1, n + 1)
    with style.rc():
        fig = style.new_figure(figsize=(max(8.0, 0.5 * n + 4.0), 6.6))
        axes = fig.subplots(2, 2, sharex=True, sharey=True)
        ymax = max(float(np.max(np.abs(v))) for d in outputs.values() for v in d.values())
        ymax = max(ymax, float(np.max(np.abs(a))), 1e-12)
        for r, scaling in enumerate(("inverted", "standard")):
            for c, phase in enumerate(("train", "eval")):
                ax = axes[r, c]
                out = outputs[scaling][phase]
                ax.bar(
                    units_x,
                    a,
                    width=0.8,
                    fill=False,
                    edgecolor="0.35",
                    lw=1.0,
                    ls="--",
                    label="a (before dropout)",
                    zorder=2,
                )
                ax.bar(
                    units_x,
                    out,
                    width=0.55,
                    color=style.color(0 if phase == "train" else 2),
                    label=f"ã passed on in {'training' if phase == 'train' else 'evaluation'}",
                    zorder=3,
                    gid=f"{scaling}:{phase}",
                )
                if phase == "train":
                    for j in dropped:
                        ax.axvspan(
                            j + 0.5,
                            j + 1.5,
                            color=style.OKABE_ITO["vermillion"],
                            alpha=0.12,
                            lw=0,
                            zorder=1,
                        )
                    ax.plot(
                        dropped + 1,
                        np.zeros(dropped.size),
                        "X",
                        color=style.OKABE_ITO["vermillion"],
                        ms=9,
                        mec="white",
                        zorder=4,
                        label="dropped (m = 0)",
                        gid=f"dropped:{scaling}",
                    )
                ax.set_title(f"{scaling} — {formulas[scaling, phase]}", fontsize=9.5)
                ax.text(
                    0.99,
                    0.97,
                    f"Σã = {out.sum():.3g}   (Σa = {a.sum():.3g})",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=8,
                    bbox={"fc": "white", "ec": "0.8", "pad": 2},
                )
                ax.set_ylim(min(0.0, -0.08 * ymax, float(a.min()) * 1.1), ymax * 1.25)
                if c == 0:
                    ax.set_ylabel("value of the unit")
                if r == 1:
                    ax.set_xlabel("unit j of the layer")
                ax.set_xticks(units_x)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        h2, l2 = axes[0, 1].get_legend_handles_labels()
        handles, labels = handles + h2[1:], labels + l2[1:]
        fig.legend(
            handles, labels, loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, -0.01)
        )
        fig.suptitle(
            title
            or f"Dropout on one input: rate {rate:g}, keep probability "
            f"p = {p:g}; {dropped.size} of {n} units dropped (same mask m in both "
            "scalings)",
            fontsize=11,
        )
        fig.tight_layout(rect=(0, 0.05, 1, 1))
    data = {"a": a, "mask": m, "dropped": dropped, "keep_prob": p, "rate": rate, "outputs": outputs}
    return style.finish(fig, path, data, "dropout", dpi)
