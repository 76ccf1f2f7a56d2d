"""Decision boundaries on 2-D data: a still picture and an animated GIF over epochs.

:class:`DecisionBoundaryRecorder` is a training callback: before training and after every
epoch it evaluates the network (evaluation mode, ``net.forward``) on a regular grid that
covers the data, and keeps the class probabilities. The pictures shade each grid point by
P(class 1) (two classes) or by the most probable class (more classes), draw the 0.5
contour, and mark the points with their class (colour and marker shape).

Probabilities: a softmax or sigmoid output layer's values are used as they are; an
identity output with several units is read as logits (softmax), with one unit as a
regression value (shaded with a diverging map, no boundary line).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.activations import softmax
from glassnet.errors import ConfigError, ShapeError
from glassnet.plot import style
from glassnet.train.callbacks import Callback

CLASS_COLORS = (
    style.OKABE_ITO["blue"],
    style.OKABE_ITO["orange"],
    style.OKABE_ITO["bluish_green"],
    style.OKABE_ITO["reddish_purple"],
    style.OKABE_ITO["vermillion"],
    style.OKABE_ITO["sky_blue"],
    style.OKABE_ITO["yellow"],
    style.OKABE_ITO["black"],
)
CLASS_MARKERS = ("o", "^", "s", "D", "v", "P", "X", "*")


def check_playground(where: str, dataset: Any) -> str:
    """``dataset`` if it names a 2-D Playground set; otherwise a one-line ConfigError that
    lists them (with a close match, e.g. 'circle' → 'circles')."""
    import difflib

    from glassnet.datasets import PLAYGROUND_NAMES

    if isinstance(dataset, str) and dataset in PLAYGROUND_NAMES:
        return dataset
    close = difflib.get_close_matches(str(dataset).lower(), PLAYGROUND_NAMES, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ConfigError(
        f"{where}: {dataset!r} is not a 2-D Playground set; use one of "
        f"{', '.join(sorted(PLAYGROUND_NAMES))}.{hint}"
    )


def make_grid(X: Any, resolution: int = 100, margin: float = 0.1) -> tuple[np.ndarray, ...]:
    """A (resolution × resolution) grid over the bounding box of X (N, 2), widened by
    ``margin`` of its size on each side: returns (xs, ys, points (R², 2))."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(f"decision boundary: inputs must have 2 features; got shape {X.shape}.")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) * margin + 1e-9
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def grid_scores(net: Any, points: np.ndarray) -> tuple[np.ndarray, str]:
    """Network outputs on ``points`` as (probabilities (P, K), "classification") or
    (values (P, 1), "regression")."""
    out = np.asarray(net.forward(points.astype(net.dtype)), dtype=np.float64)
    act = net.layers[-1].activation.name
    if act in ("softmax",):
        return out, "classification"
    if act == "sigmoid":
        if out.shape[1] == 1:
            return np.column_stack([1.0 - out[:, 0], out[:, 0]]), "classification"
        return out / out.sum(axis=1, keepdims=True), "classification"
    if out.shape[1] > 1:
        return softmax(out), "classification"
    return out, "regression"


class DecisionBoundaryRecorder(Callback):
    """Snapshot the network's predictions on a grid before training and after each epoch.

    Parameters
    ----------
    X : the inputs (N, 2) whose bounding box the grid covers (e.g. the training set).
    resolution : grid points per axis.
    every : record every ``every``-th epoch (the last epoch is always recorded).

    Attributes: ``xs``, ``ys`` (grid axes), ``points`` (R², 2), ``epochs`` (0 = before
    training), ``frames`` (list of (R, R, K) probabilities or (R, R, 1) values),
    ``logs`` (the epoch logs, {} for epoch 0), ``task``.
    """

    def __init__(self, X: Any, resolution: int = 80, margin: float = 0.1, every: int = 1):
        self.xs, self.ys, self.points = make_grid(X, resolution, margin)
        self.every = int(
            check_number("DecisionBoundaryRecorder", "every", every, low=1, integer=True)
        )
        self.epochs: list[int] = []
        self.frames: list[np.ndarray] = []
        self.logs: list[dict[str, Any]] = []
        self.task = "classification"

    def record(self, net: Any, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Evaluate ``net`` on the grid and keep the result as the frame of ``epoch``."""
        scores, self.task = grid_scores(net, self.points)
        r = (self.ys.size, self.xs.size, scores.shape[1])
        self.epochs.append(int(epoch))
        self.frames.append(scores.reshape(r))
        self.logs.append(dict(logs or {}))

    def on_train_begin(self, run: Any) -> None:
        if not self.epochs:
            self.record(run.net, run.epoch)

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        plan = getattr(run, "plan", None)
        last = plan.get("epochs") if isinstance(plan, dict) else None
        if epoch % self.every == 0 or epoch == last:
            self.record(run.net, epoch, logs)


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray | None]:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(f"decision boundary: inputs must have 2 features; got shape {X.shape}.")
    if y is None:
        return X, None
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:  # one-hot
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ShapeError(f"decision boundary: {X.shape[0]} inputs but {y.shape[0]} targets.")
    return X, y


def _class_cmap() -> Any:
    """Light class-0 blue → white (P = 0.5) → light class-1 orange."""
    from matplotlib.colors import LinearSegmentedColormap, to_rgb

    blue, orange = np.array(to_rgb(CLASS_COLORS[0])), np.array(to_rgb(CLASS_COLORS[1]))
    return LinearSegmentedColormap.from_list(
        "glassnet_classes", [0.6 * blue + 0.4, (1.0, 1.0, 1.0), 0.6 * orange + 0.4]
    )


def _value_limit(*arrays: Any) -> float:
    """Symmetric colour limit shared by the predicted values and the targets (regression)."""
    m = max((float(np.max(np.abs(a))) for a in arrays if a is not None and np.size(a)), default=0)
    return m or 1.0


def _draw_frame(
    ax: Any,
    xs: np.ndarray,
    ys: np.ndarray,
    frame: np.ndarray,
    task: str,
    vlim: float | None = None,
) -> dict:
    """Draw one grid of scores; returns the artists (to remove for the next frame).
    ``vlim``: the colour limit ±vlim of a regression (default: the frame's own)."""
    import matplotlib as mpl

    arts: dict[str, Any] = {}
    if task == "regression":
        v = frame[:, :, 0]
        m = vlim or _value_limit(v)
        arts["fill"] = ax.pcolormesh(
            xs, ys, v, cmap=style.DIVERGING, vmin=-m, vmax=m, shading="auto", alpha=0.8
        )
        return arts
    K = frame.shape[2]
    if K == 2:
        p1 = frame[:, :, 1]
        arts["fill"] = ax.contourf(
            xs, ys, p1, levels=np.linspace(0, 1, 11), cmap=_class_cmap(), vmin=0, vmax=1, alpha=0.85
        )
        if p1.min() < 0.5 < p1.max():
            arts["line"] = ax.contour(xs, ys, p1, levels=[0.5], colors="black", linewidths=1.6)
    else:
        cls = frame.argmax(axis=2)
        conf = frame.max(axis=2)
        rgb = np.array([mpl.colors.to_rgb(CLASS_COLORS[c % len(CLASS_COLORS)]) for c in range(K)])[
            cls
        ]
        alpha = 0.25 + 0.55 * (conf - 1.0 / K) / (1.0 - 1.0 / K)
        img = np.concatenate([rgb, alpha[:, :, None]], axis=2)
        arts["fill"] = ax.imshow(
            img,
            origin="lower",
            extent=(xs[0], xs[-1], ys[0], ys[-1]),
            aspect="auto",
            interpolation="nearest",
        )
    return arts


def _scatter(
    ax: Any,
    X: np.ndarray,
    y: np.ndarray | None,
    task: str,
    hollow: bool,
    label: str,
    vlim: float | None = None,
) -> None:
    """Training points (``hollow`` False) or test points (True). Classes: filled or hollow,
    class by colour and marker. Regression (a colour per target value, on the grid's colour
    scale ±``vlim``): training points are circles, test points diamonds with a thick edge."""
    if y is None:
        ax.scatter(X[:, 0], X[:, 1], s=14, c="black", label=label)
        return
    if task == "regression":
        m = vlim or _value_limit(y)
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=y,
            cmap=style.DIVERGING,
            vmin=-m,
            vmax=m,
            s=20 if hollow else 16,
            marker="D" if hollow else "o",
            edgecolors="black",
            linewidths=0.9 if hollow else 0.5,
            label=label,
            zorder=3,
        )
        return
    for c in np.unique(y):
        sel = y == c
        col = CLASS_COLORS[int(c) % len(CLASS_COLORS)]
        ax.scatter(
            X[sel, 0],
            X[sel, 1],
            s=18 if not hollow else 20,
            marker=CLASS_MARKERS[int(c) % len(CLASS_MARKERS)],
            facecolors="none" if hollow else col,
            edgecolors=col if hollow else "black",
            linewidths=0.9 if hollow else 0.5,
            label=f"class {c} ({label})",
            zorder=3,
        )


def _setup_axes(ax: Any, xs: np.ndarray, ys: np.ndarray, feature_names: Sequence[str]) -> None:
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_aspect("equal", adjustable="box")
    ax.grid(False)


def _colorbar(fig: Any, ax: Any, task: str, K: int, arts: dict[str, Any]) -> None:
    if task == "regression":
        style.colorbar(
            fig, arts["fill"], ax, "predicted value (points: target t)", fraction=0.046, pad=0.03
        )
    elif K == 2:
        import matplotlib as mpl

        sm = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(0, 1), cmap=_class_cmap())
        style.colorbar(fig, sm, ax, "P(class 1)  —  black line: 0.5", fraction=0.046, pad=0.03)


def plot_decision_boundary(
    source: Any,
    X: Any,
    y: Any = None,
    path: Any = None,
    *,
    X_test: Any = None,
    y_test: Any = None,
    frame: int = -1,
    resolution: int = 120,
    feature_names: Sequence[str] = ("x₁", "x₂"),
    title: str | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """Decision regions of a network (``source`` a Network) or of a recorder's frame
    (``source`` a DecisionBoundaryRecorder; ``frame`` indexes its frames, −1 = last), with
    the training points filled and the test points hollow.

    ``data``: ``xs``, ``ys`` (grid axes), ``scores`` ((R, R, K) probabilities or values),
    ``task``, ``epoch`` (None for a network), ``X``, ``y``.
    """
    X, y = _check_xy(X, y)
    if isinstance(source, DecisionBoundaryRecorder):
        if not source.frames:
            raise ConfigError("decision boundary: the recorder has no frame yet.")
        xs, ys, scores, task = source.xs, source.ys, source.frames[frame], source.task
        epoch = source.epochs[frame]
        logs = source.logs[frame]
    else:
        pts = np.vstack([X] + ([np.asarray(X_test, dtype=float)] if X_test is not None else []))
        xs, ys, points = make_grid(pts, resolution)
        sc, task = grid_scores(source, points)
        scores = sc.reshape(ys.size, xs.size, sc.shape[1])
        epoch, logs = None, {}
    Xt, yt = (None, None) if X_test is None else _check_xy(X_test, y_test)
    vlim = _value_limit(scores, y, yt) if task == "regression" else None
    with style.rc():
        fig = style.new_figure(figsize=(6.4, 5.4))
        ax = fig.add_subplot(1, 1, 1)
        arts = _draw_frame(ax, xs, ys, scores, task, vlim)
        _scatter(ax, X, y, task, False, "train", vlim)
        if Xt is not None:
            _scatter(ax, Xt, yt, task, True, "test", vlim)
        _setup_axes(ax, xs, ys, feature_names)
        _colorbar(fig, ax, task, scores.shape[2], arts)
        _legend(ax, task)
        head = "Decision regions" if task == "classification" else "Predicted value"
        if epoch is not None:
            head += f" after epoch {epoch}" if epoch else " before training"
        ax.set_title(title or head + _metrics_text(logs), fontsize=10.5)
    data = {"xs": xs, "ys": ys, "scores": scores, "task": task, "epoch": epoch, "X": X, "y": y}
    return style.finish(fig, path, data, "decision_boundary", dpi)


def _legend(ax: Any, task: str) -> None:
    leg = ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=8, frameon=False
    )
    if task == "regression":  # the shape tells train from test; a neutral face, not a value
        for handle in leg.legend_handles:
            handle.set_array(None)  # else the colour map overrides the face colour
            handle.set_facecolor("0.6")


def _metrics_text(logs: dict[str, Any]) -> str:
    """The epoch's metrics for a title: losses and MAE to 3 significant digits (5.48e-05, not
    0.000), accuracies as fractions to 3 decimals."""
    parts = []
    for key, name, fmt in (
        ("loss", "loss", ".3g"),
        ("accuracy", "acc", ".3f"),
        ("mae", "MAE", ".3g"),
        ("val_loss", "val loss", ".3g"),
        ("val_accuracy", "val acc", ".3f"),
        ("val_mae", "val MAE", ".3g"),
    ):
        if logs.get(key) is not None:
            parts.append(f"{name} {logs[key]:{fmt}}")
    return ("\n" + ", ".join(parts)) if parts else ""


def animate_decision_boundary(
    recorder: DecisionBoundaryRecorder,
    X: Any,
    y: Any = None,
    path: Any = "boundary.gif",
    *,
    fps: int = 4,
    max_frames: int | None = None,
    feature_names: Sequence[str] = ("x₁", "x₂"),
    dpi: float = 80,
) -> style.PlotResult:
    """The recorder's frames as an animated GIF (PillowWriter), one frame per recorded
    epoch (``max_frames`` evenly spaced frames at most, first and last included).

    ``data``: ``epochs`` (the epoch of each frame written), ``xs``, ``ys``, ``frames``.
    """
    from matplotlib.animation import PillowWriter

    out = style.check_output(path, "decision boundary animation", style.ANIMATION_FORMATS)
    if not recorder.frames:
        raise ConfigError("decision boundary animation: the recorder has no frame yet.")
    X, y = _check_xy(X, y)
    idx = np.arange(len(recorder.frames))
    if max_frames is not None and idx.size > max_frames:
        idx = np.unique(np.linspace(0, idx.size - 1, max(2, int(max_frames))).round().astype(int))
    task = recorder.task
    vlim = _value_limit(y, *(recorder.frames[k] for k in idx)) if task == "regression" else None
    with style.rc():
        fig = style.new_figure(figsize=(6.0, 5.6))
        ax = fig.add_subplot(1, 1, 1)
        first = recorder.frames[idx[0]]
        arts = _draw_frame(ax, recorder.xs, recorder.ys, first, task, vlim)
        _scatter(ax, X, y, task, False, "train", vlim)
        _setup_axes(ax, recorder.xs, recorder.ys, feature_names)
        _colorbar(fig, ax, task, first.shape[2], arts)
        _legend(ax, task)
        heading = ax.set_title("", fontsize=10.5)
        writer = PillowWriter(fps=fps)
        with writer.saving(fig, str(out), dpi):
            for k in idx:
                for a in arts.values():
                    a.remove()
                arts = _draw_frame(ax, recorder.xs, recorder.ys, recorder.frames[k], task, vlim)
                e = recorder.epochs[k]
                heading.set_text(
                    ("before training" if e == 0 else f"epoch {e}")
                    + _metrics_text(recorder.logs[k])
                )
                writer.grab_frame()
    data = {
        "epochs": np.array([recorder.epochs[k] for k in idx]),
        "xs": recorder.xs,
        "ys": recorder.ys,
        "frames": [recorder.frames[k] for k in idx],
    }
    return style.PlotResult(out, fig, data, "decision_boundary_animation")


def train_boundary_demo(
    dataset: str = "spiral",
    *,
    hidden: Sequence[int] = (32, 32),
    activation: str = "relu",
    epochs: int = 200,
    optimizer: str = "adam",
    lr: float = 0.01,
    batch_size: int = 32,
    n_samples: int = 400,
    noise: float = 0.0,
    every: int = 1,
    resolution: int = 80,
    seed: int = 0,
) -> dict[str, Any]:
    """Train a small network on a Playground set while recording its decision regions.

    Returns ``{"net", "data" (the Dataset), "recorder", "history"}``; the inputs are
    divided by 6 (the Playground's square [-6, 6]² becomes [-1, 1]²) before training, and
    the recorder's grid is in those units (``data`` keeps the original coordinates).
    """
    from glassnet.datasets import load_dataset
    from glassnet.train.tasks import default_loss, mlp

    check_playground("decision boundary", dataset)
    data = load_dataset(dataset, n_samples=n_samples, noise=noise, seed=seed)
    X = data.X_train / 6.0
    net = mlp(
        2, hidden, data.n_outputs, data.task, activation=activation, dtype="float64", seed=seed
    )
    loss = default_loss(net)
    rec = DecisionBoundaryRecorder(
        np.vstack([X, data.X_test / 6.0]), resolution=resolution, every=every
    )
    hist = net.fit(
        X,
        data.y_train,
        loss=loss,
        optimizer={"name": optimizer, "lr": lr},
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[rec],
        verbose=0,
        validation_data=(data.X_test / 6.0, data.y_test),
    )
    return {"net": net, "data": data, "recorder": rec, "history": hist}
