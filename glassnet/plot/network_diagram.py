"""Diagram of a network: neurons, weights, activations and (after a backward pass) gradients.

Small networks (every layer at most ``max_units`` units, 12 by default) are drawn unit by
unit: neurons are circles coloured by their activation value for one input sample (the
input layer by x), edges are coloured by the sign and sized by the magnitude of their
weight, and optional labels give each weight and each ∂C/∂w. Larger networks are drawn as
one block per layer with its shapes; with an input, a strip beside each block shows that
layer's activations.

Every value comes from the engine: activations from ``net.forward_pass`` /
``net.compute_gradients`` (the same records worked solutions print), weights from the
layers' views into ``net.params``, gradients from ``net.grads``.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import ConfigError
from glassnet.network import Network
from glassnet.plot import style

EXERCISE_SUFFIXES = (".yaml", ".yml", ".json")


def load_source(source: Any) -> dict[str, Any]:
    """Resolve what to draw: a Network, an Exercise, or a path to an exercise or model file.

    Returns ``{"network", "x", "t", "masks", "loss", "regularization", "name"}`` (missing
    entries are None).
    """
    info: dict[str, Any] = dict.fromkeys(("x", "t", "masks", "loss", "regularization"))
    info["name"] = None
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if not p.exists():
            raise ConfigError(f"network diagram: no such file {str(p)!r}.")
        info["name"] = p.name
        if p.suffix.lower() in EXERCISE_SUFFIXES:
            from glassnet.explain import load_exercise

            source = load_exercise(p)
        else:
            import glassnet

            info["network"] = glassnet.load(p)
            return info
    if isinstance(source, Network):
        info["network"] = source
        return info
    net = getattr(source, "network", None)
    if net is None and hasattr(source, "param_names"):
        raise ConfigError(
            "network diagram: this exercise has no network (the optimizer-only form); "
            "nothing to draw."
        )
    if not isinstance(net, Network):
        raise ConfigError(
            "network diagram: expected a Network, an Exercise, or the path of an exercise "
            f"(.yaml/.json) or model file; got {type(source).__name__}."
        )
    info["network"] = net
    for key in ("x", "t", "masks", "loss", "regularization"):
        info[key] = getattr(source, key, None)
    info["name"] = getattr(source, "title", None) or info["name"] or getattr(source, "name", None)
    return info


def _fmt(v: float) -> str:
    """Three significant digits (0.000718, -1.04, 2.5e+03)."""
    return "0" if v == 0 else f"{v:.3g}"


def plot_network(
    source: Any,
    path: Any = None,
    *,
    x: Any = None,
    sample: int = 0,
    targets: Any = None,
    loss: Any = None,
    regularization: Any = None,
    masks: Any = None,
    train: bool | None = None,
    weights: bool | None = None,
    gradients: bool | None = None,
    max_units: int = 12,
    title: str | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """Draw a network; write it to ``path`` (PNG or SVG) unless ``path`` is None.

    Parameters
    ----------
    source : a :class:`~glassnet.Network`, an Exercise (``glassnet.explain.load_exercise``)
        or the path of an exercise file (.yaml/.yml/.json) or of a model file
        (``Network.save``). An exercise supplies x, targets, loss, regularization and masks.
    x : inputs (samples, n_in); neurons are coloured by the activations of row ``sample``.
    sample : that row as a Python index (0 = the first row); the title counts samples from 1
        ("sample 2 of 3" for ``sample=1``), as ``glassnet explain`` and ``--sample`` do.
    targets, loss, regularization, masks : with ``x``, a backward pass
        (``net.compute_gradients``) fills ``net.grads``; the gradient labels are ∂C/∂w of
        the reduced loss over all rows of ``x``.
    train : forward in training mode (dropout applied). Default: True when ``masks`` is given.
    weights : label each edge with its weight (default: when no layer has more than 6 units).
    gradients : label each edge with ∂C/∂w under its weight (default: when a backward pass
        ran and weights are labelled).
    max_units : layers with more units switch the picture to layer blocks.

    Returns a :class:`~glassnet.plot.style.PlotResult` whose ``data`` holds ``mode``
    ("units" or "blocks"), ``weights`` / ``biases`` (copies by name), ``activations`` (list:
    x row, then each layer's a for that row, or None), ``dropped`` (per layer, indices of
    units whose mask is 0, or None), ``gradients`` (copies by name or None) and, in unit
    mode, ``edge_values``: the weights in the order of the edges drawn (layer by layer,
    ``W[j, k]`` row-major), identical to the colour values of the edge collection.
    """
    info = load_source(source)
    net: Network = info["network"]
    x = info["x"] if x is None else x
    targets = info["t"] if targets is None else targets
    loss = info["loss"] if loss is None else loss
    regularization = info["regularization"] if regularization is None else regularization
    masks = info["masks"] if masks is None else masks
    if train is None:
        train = masks is not None

    activations = None
    dropped: list[Any] | None = None
    grads = None
    if x is not None:
        x = np.asarray(x, dtype=net.dtype)
        if x.ndim == 1:
            x = x[None, :]
        if getattr(net, "training_state", None) is not None:
            # a trained model (e.g. a model file) takes raw inputs and applies the
            # standardization stored with it; the input layer shows what layer 1 receives
            from glassnet.train import prepare_inputs

            x = prepare_inputs(net, x, where="network diagram")
        n = x.shape[0]
        if not (0 <= sample < n):
            raise ConfigError(
                f"network diagram: sample must be in [0, {n - 1}] for {n} input rows; got {sample}."
            )
        if targets is not None and loss is not None:
            p = net.compute_gradients(
                x, targets, loss, regularization=regularization, train=train, masks=masks
            )
            grads = {name: net.grad_view(name).copy() for name in net.param_names}
        else:
            p = net.forward_pass(x, train=train, masks=masks)
        activations = [np.array(x[sample], dtype=np.float64)]
        dropped = [None]
        for rec in p.layers:
            activations.append(np.array(rec.a[sample], dtype=np.float64))
            dropped.append(None if rec.mask is None else np.flatnonzero(rec.mask[sample] == 0))
    if gradients and grads is None:
        raise ConfigError(
            "network diagram: gradient labels need a backward pass: give x, targets and loss "
            "(an exercise file has them)."
        )
    sizes = [net.n_inputs] + [layer.n_out for layer in net.layers]
    shown = (
        None
        if x is None
        else ("one input sample" if len(x) == 1 else f"sample {sample + 1} of {len(x)}")
    )
    data: dict[str, Any] = {
        "weights": {f"W{l}": np.array(layer.W) for l, layer in enumerate(net.layers, 1)},
        "biases": {
            f"b{l}": np.array(layer.b)
            for l, layer in enumerate(net.layers, 1)
            if layer.b is not None
        },
        "activations": activations,
        "dropped": dropped,
        "gradients": grads,
        "sizes": sizes,
    }
    with style.rc():
        if max(sizes) > max_units:
            data["mode"] = "blocks"
            fig = _draw_blocks(net, sizes, activations, title, info["name"], shown)
        else:
            data["mode"] = "units"
            edges = max(a * b for a, b in itertools.pairwise(sizes))
            if weights is None:  # readable up to 16 edges between two layers (9 with ∂C/∂w)
                weights = edges <= 16
            if gradients is None:
                gradients = grads is not None and bool(weights) and edges <= 9
            fig, edge_values = _draw_units(
                net,
                sizes,
                activations,
                dropped,
                grads,
                weights,
                gradients,
                title,
                info["name"],
                shown,
            )
            data["edge_values"] = edge_values
            data["weight_labels"] = bool(weights)
            data["gradient_labels"] = bool(gradients)
    return style.finish(fig, path, data, "network", dpi)


def _layer_title(net: Network, l: int) -> str:
    if l == 0:
        return "input"
    layer = net.layers[l - 1]
    kind = "output" if l == len(net.layers) else "hidden"
    text = f"layer {l} ({kind})\n{layer.activation}"
    if layer.dropout is not None:
        text += f", dropout {layer.dropout.rate:g}"
    return text


def _draw_units(
    net: Network,
    sizes: list[int],
    activations: list[Any] | None,
    dropped: list[Any] | None,
    grads: dict[str, Any] | None,
    show_weights: bool,
    show_grads: bool,
    title: str | None,
    name: str | None,
    shown: str | None,
) -> tuple[Any, np.ndarray]:
    import matplotlib as mpl
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, Patch

    L = len(net.layers)
    dx, dy, r = 3.6 if show_weights else 2.4, 1.25, 0.32
    tall = max(sizes)
    centres = []
    for l, n in enumerate(sizes):
        ys = (np.arange(n)[::-1] - (n - 1) / 2) * dy
        centres.append(np.column_stack([np.full(n, l * dx), ys]))

    width = max(5.5, 1.9 * (L + 1) * dx / 2.4 + 2.4)
    height = max(3.6, 0.62 * tall * dy + 2.2)
    fig = style.new_figure(figsize=(width, height + 0.6))
    gs = fig.add_gridspec(2, 2, height_ratios=[24, 1], hspace=0.08, wspace=0.25)
    ax = fig.add_subplot(gs[0, :])
    ax.set_aspect("equal")
    ax.axis("off")

    # edges: one LineCollection, values = weights in layer order, W[j, k] row-major
    segs, values = [], []
    for l, layer in enumerate(net.layers, start=1):
        W = np.asarray(layer.W, dtype=np.float64)
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                a, b = centres[l - 1][k], centres[l][j]
                u = (b - a) / np.hypot(*(b - a))
                segs.append([a + r * u, b - r * u])
                values.append(W[j, k])
    values_arr = np.array(values, dtype=np.float64)
    wmax = float(np.max(np.abs(values_arr))) if values_arr.size else 1.0
    wmax = wmax or 1.0
    wnorm = mpl.colors.Normalize(-wmax, wmax)
    lc = LineCollection(
        segs,
        cmap=style.weight_cmap(),
        norm=wnorm,
        linewidths=0.6 + 3.4 * np.abs(values_arr) / wmax,
        zorder=1,
        gid="edges",
    )
    lc.set_array(values_arr)
    ax.add_collection(lc)

    # labels on the edges (weight, and ∂C/∂w below it), placed greedily along each edge
    if show_weights:
        _label_edges(ax, net, centres, grads if show_grads else None, dx, dy, r)

    # neurons
    flat_vals = None
    if activations is not None:
        flat_vals = np.concatenate(activations)
        lo, hi = float(flat_vals.min()), float(flat_vals.max())
        if lo == hi:
            lo, hi = lo - 1.0, hi + 1.0
        anorm = mpl.colors.Normalize(lo, hi)
    circles = [Circle(tuple(c), r) for cs in centres for c in cs]
    pc = PatchCollection(circles, zorder=2, edgecolor="black", linewidth=1.0, gid="neurons")
    if flat_vals is not None:
        pc.set_cmap(style.SEQUENTIAL)
        pc.set_norm(anorm)
        pc.set_array(flat_vals)
    else:
        pc.set_facecolor("white")
    ax.add_collection(pc)
    cmap = mpl.colormaps[style.SEQUENTIAL]
    any_dropped = False
    for l, cs in enumerate(centres):
        for i, (cx, cy) in enumerate(cs):
            if activations is not None:
                v = activations[l][i]
                tc = style.text_color_for(cmap(anorm(v)))
                text = _fmt(v)
                size = 7.5 if len(text) <= 5 else 6.5
                ax.text(cx, cy, text, ha="center", va="center", fontsize=size, color=tc, zorder=4)
            else:
                name_ = f"x{i + 1}" if l == 0 else f"{i + 1}"
                ax.text(cx, cy, name_, ha="center", va="center", fontsize=8, zorder=4)
            if l > 0 and net.layers[l - 1].b is not None:
                b = float(net.layers[l - 1].b[i])
                blabel = f"b {_fmt(b)}"
                if show_grads and grads is not None:
                    blabel += f"  ∂ {_fmt(float(grads[f'b{l}'][i]))}"
                ax.text(
                    cx,
                    cy - r - 0.06,
                    blabel,
                    ha="center",
                    va="top",
                    fontsize=6.5,
                    color="#333333",
                    zorder=4,
                )
            if dropped is not None and dropped[l] is not None and i in set(dropped[l]):
                any_dropped = True
                ax.add_patch(
                    Circle(
                        (cx, cy),
                        r * 1.18,
                        fill=False,
                        ec=style.OKABE_ITO["vermillion"],
                        lw=1.6,
                        ls="--",
                        zorder=5,
                    )
                )
                ax.plot(
                    cx + r * 0.95,
                    cy + r * 0.95,
                    "X",
                    color=style.OKABE_ITO["vermillion"],
                    mec="white",
                    ms=9,
                    zorder=6,
                )
    top = max(c[:, 1].max() for c in centres)
    bottom = min(c[:, 1].min() for c in centres)
    for l in range(len(sizes)):
        ax.text(
            l * dx, top + r + 0.35, _layer_title(net, l), ha="center", va="bottom", fontsize=8.5
        )
    ax.set_xlim(-dx * 0.45, L * dx + dx * 0.45)
    ax.set_ylim(bottom - r - 1.1, top + r + 1.25)

    handles = [
        Line2D([], [], color=style.weight_cmap()(0.9), lw=2.5, label="weight > 0"),
        Line2D([], [], color=style.weight_cmap()(0.1), lw=2.5, label="weight < 0"),
    ]
    if show_weights:
        handles.append(
            Patch(
                fc="white",
                ec="none",
                label="edge label: w" + (", below it ∂C/∂w" if show_grads else ""),
            )
        )
    if any_dropped:
        handles.append(
            Line2D(
                [],
                [],
                color=style.OKABE_ITO["vermillion"],
                ls="--",
                marker="X",
                mec="white",
                ms=9,
                label="dropped by the mask (m = 0)",
            )
        )
    ax.legend(
        handles=handles,
        loc="lower center",
        ncol=len(handles),
        frameon=False,
        fontsize=8,
        borderaxespad=0.0,
    )
    cb = fig.colorbar(lc, cax=fig.add_subplot(gs[1, 0]), orientation="horizontal")
    cb.set_label("weight w (blue < 0 < red); line width ∝ |w|")
    if flat_vals is not None:
        cb2 = fig.colorbar(pc, cax=fig.add_subplot(gs[1, 1]), orientation="horizontal")
        cb2.set_label("activation a (input layer: x)")
    dims = " → ".join(str(s) for s in sizes)
    default = f"Network {dims}" + (f" — {name}" if name else "")
    if activations is not None:
        default += f"\nneurons: activations for {shown}"
    ax.set_title(title or default, fontsize=11)
    return fig, values_arr


def _label_edges(
    ax: Any,
    net: Network,
    centres: list[np.ndarray],
    grads: dict[str, Any] | None,
    dx: float,
    dy: float,
    r: float,
) -> None:
    """Put a label on every edge where it collides least with labels already placed."""
    ts = np.linspace(0.16, 0.84, 18)
    lw, lh = 0.3 * dx, (0.55 if grads is not None else 0.32) * dy  # label box (data units)
    neurons = np.concatenate(centres)
    bias_labels = np.concatenate(centres[1:]) - [0.0, r + 0.2]
    for l, layer in enumerate(net.layers, start=1):
        W = np.asarray(layer.W, dtype=np.float64)
        G = None if grads is None else grads[f"W{l}"]
        placed: list[np.ndarray] = []
        order = sorted(np.ndindex(*W.shape), key=lambda jk: -abs(W[jk]))
        for j, k in order:
            a, b = centres[l - 1][k], centres[l][j]
            pts = a + ts[:, None] * (b - a)
            score = np.full(len(ts), 10.0)
            if placed:
                P = np.array(placed)
                d = np.hypot(
                    (pts[:, None, 0] - P[None, :, 0]) / lw, (pts[:, None, 1] - P[None, :, 1]) / lh
                )
                score = np.minimum(score, d.min(axis=1))
            dn = np.hypot(
                pts[:, None, 0] - neurons[None, :, 0], pts[:, None, 1] - neurons[None, :, 1]
            ).min(axis=1)
            score = np.minimum(score, (dn - r) / (0.5 * lw))
            db = np.hypot(
                (pts[:, None, 0] - bias_labels[None, :, 0]) / lw,
                (pts[:, None, 1] - bias_labels[None, :, 1]) / (0.5 * lh),
            ).min(axis=1)
            score = np.minimum(score, db)
            score -= 0.05 * np.abs(ts - 0.5)  # prefer the middle when free
            px, py = pts[int(np.argmax(score))]
            placed.append(np.array([px, py]))
            ang = np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0]))
            label = _fmt(W[j, k])
            if G is not None:
                label += f"\n∂ {_fmt(float(G[j, k]))}"
            ax.text(
                px,
                py,
                label,
                fontsize=7,
                ha="center",
                va="center",
                rotation=ang,
                rotation_mode="anchor",
                zorder=3,
                linespacing=1.0,
                gid=f"w{l}_{j}_{k}",
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
            )


def _draw_blocks(
    net: Network,
    sizes: list[int],
    activations: list[Any] | None,
    title: str | None,
    name: str | None,
    shown: str | None,
) -> Any:
    import matplotlib as mpl
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    L = len(net.layers)
    fig = style.new_figure(figsize=(max(6.0, 2.3 * (L + 1) + 1.0), 4.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.axis("off")
    w, gap = 1.6, 0.7
    hmax = 3.0
    logs = np.log10(np.array(sizes, dtype=float) + 1)
    heights = 0.9 + (hmax - 0.9) * logs / logs.max()
    if activations is not None:
        allv = np.concatenate(activations)
        lo, hi = float(allv.min()), float(allv.max())
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        anorm = mpl.colors.Normalize(lo, hi)
    im = None
    for l, (n, h) in enumerate(zip(sizes, heights, strict=True)):
        x0 = l * (w + gap + (0.3 if activations is not None else 0))
        box = FancyBboxPatch(
            (x0, -h / 2),
            w,
            h,
            boxstyle="round,pad=0.04",
            fc=style.OKABE_ITO["sky_blue"] if l else "#dddddd",
            ec="black",
            alpha=0.9,
            gid=f"block{l}",
        )
        ax.add_patch(box)
        if l == 0:
            text = f"input\n{n} units"
        else:
            layer = net.layers[l - 1]
            text = f"layer {l}\n{layer.n_in} → {layer.n_out}\n{layer.activation}\n"
            text += f"W {layer.n_out}×{layer.n_in}"
            text += f"\nb {layer.n_out}" if layer.b is not None else "\nno bias"
            if layer.dropout is not None:
                text += f"\ndropout {layer.dropout.rate:g}"
            text += f"\n{layer.n_params:,} params"
        ax.text(x0 + w / 2, 0, text, ha="center", va="center", fontsize=8)
        if activations is not None:
            im = ax.imshow(
                activations[l][:, None],
                cmap=style.SEQUENTIAL,
                norm=anorm,
                extent=(x0 + w + 0.08, x0 + w + 0.3, -h / 2, h / 2),
                aspect="auto",
                interpolation="nearest",
                zorder=3,
            )
        if l < L:
            nx = (l + 1) * (w + gap + (0.3 if activations is not None else 0))
            start = x0 + w + (0.34 if activations is not None else 0.04)
            ax.add_patch(
                FancyArrowPatch(
                    (start, 0), (nx - 0.04, 0), arrowstyle="-|>", mutation_scale=12, color="black"
                )
            )
    right = L * (w + gap + (0.3 if activations is not None else 0)) + w + 0.4
    ax.set_xlim(-0.2, right)
    ax.set_ylim(-hmax / 2 - 0.3, hmax / 2 + 0.3)
    if im is not None:
        cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01)
        cb.set_label("activation a (input: x), strip beside each block")
    dims = " → ".join(str(s) for s in sizes)
    ax.set_title(
        title
        or f"Network {dims}"
        + (f" — {name}" if name else "")
        + f"\n{net.params.size:,} parameters ({net.dtype.name})"
        + (f"; activations of {shown}" if shown and shown.startswith("sample") else ""),
        fontsize=11,
    )
    return fig
