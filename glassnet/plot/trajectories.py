"""Optimizer trajectories on 2-D test functions, driven by glassnet's own optimizers.

Each optimizer starts from the same point θ₀ and repeats ``g = ∇f(θ); opt.step(θ, g)``
on a float64 array θ of two entries, exactly as training calls it on a network's flat
parameter buffer; the drawn path is the list of iterates θ₀, θ₁, … (copies taken after
each step). The classic lesson shows on the ill-conditioned bowl: plain gradient descent
zig-zags across the steep direction and crawls along the flat one, momentum averages the
zig-zag away, RMSprop divides each coordinate by its own gradient scale, and Adam does
both.

Test functions (``TEST_FUNCTIONS``)::

    quadratic   f = 0.02 x² + y²   (Hessian diag(0.04, 2): condition number 50), minimum (0, 0)
    rosenbrock  f = (1 − x)² + 100 (y − x²)²                        minimum (1, 1)
    saddle      f = x² − y²          saddle point (0, 0), unbounded below along y
    beale       f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²   minimum (3, 0.5)

A path stops early when θ leaves a box 50 times the plotted range or stops being finite
(the legend then says "diverged").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet._validate import check_choice, check_number
from glassnet.errors import ConfigError
from glassnet.plot import style

Array = np.ndarray


def _quadratic(p: Array) -> float:
    x, y = p
    return 0.02 * x * x + y * y


def _quadratic_grad(p: Array) -> Array:
    x, y = p
    return np.array([0.04 * x, 2.0 * y])


def _rosenbrock(p: Array) -> float:
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _rosenbrock_grad(p: Array) -> Array:
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def _saddle(p: Array) -> float:
    x, y = p
    return x * x - y * y


def _saddle_grad(p: Array) -> Array:
    x, y = p
    return np.array([2 * x, -2 * y])


def _beale(p: Array) -> float:
    x, y = p
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(p: Array) -> Array:
    x, y = p
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return np.array(
        [
            2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
            2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y**2,
        ]
    )


@dataclass(frozen=True)
class TestFunction:
    """A 2-D function with its gradient, a start, a view and optimizer settings that
    show the lesson (each optimizer given by ``get_optimizer`` name and arguments)."""

    name: str
    formula: str
    f: Callable[[Array], float]
    grad: Callable[[Array], Array]
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minimum: tuple[float, float] | None
    steps: int
    optimizers: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    log_levels: bool = False

    __test__ = False  # not a pytest class

    def value(self, X: Array, Y: Array) -> Array:
        return self.f(np.stack([X, Y]))


TEST_FUNCTIONS: dict[str, TestFunction] = {
    "quadratic": TestFunction(
        "quadratic",
        "f = 0.02x² + y²  (condition number 50)",
        _quadratic,
        _quadratic_grad,
        (-9.0, 2.0),
        (-10.0, 10.0),
        (-3.5, 3.5),
        (0.0, 0.0),
        60,
        {
            "SGD": ("sgd", {"lr": 0.95}),
            "Momentum": ("momentum", {"lr": 2.0, "beta": 0.8}),
            "RMSprop": ("rmsprop", {"lr": 0.2, "alpha": 0.9}),
            "Adam": ("adam", {"lr": 0.3, "betas": (0.9, 0.99)}),
        },
    ),
    "rosenbrock": TestFunction(
        "rosenbrock",
        "f = (1 − x)² + 100(y − x²)²",
        _rosenbrock,
        _rosenbrock_grad,
        (-1.2, 1.0),
        (-2.0, 2.0),
        (-1.0, 3.0),
        (1.0, 1.0),
        1000,
        {
            "SGD": ("sgd", {"lr": 0.001}),
            "Momentum": ("momentum", {"lr": 0.002, "beta": 0.9}),
            "RMSprop": ("rmsprop", {"lr": 0.01, "alpha": 0.9}),
            "Adam": ("adam", {"lr": 0.1, "betas": (0.9, 0.999)}),
        },
        log_levels=True,
    ),
    "saddle": TestFunction(
        "saddle",
        "f = x² − y²  (saddle point at the origin)",
        _saddle,
        _saddle_grad,
        (-1.8, 0.02),
        (-2.0, 2.0),
        (-2.0, 2.0),
        None,
        40,
        {
            "SGD": ("sgd", {"lr": 0.08}),
            "Momentum": ("momentum", {"lr": 0.08, "beta": 0.9}),
            "RMSprop": ("rmsprop", {"lr": 0.05, "alpha": 0.9}),
            "Adam": ("adam", {"lr": 0.1, "betas": (0.9, 0.999)}),
        },
    ),
    "beale": TestFunction(
        "beale",
        "f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        _beale,
        _beale_grad,
        (1.0, 1.4),
        (-1.0, 4.5),
        (-1.5, 2.0),
        (3.0, 0.5),
        400,
        {
            "SGD": ("sgd", {"lr": 0.005}),
            "Momentum": ("momentum", {"lr": 0.01, "beta": 0.9}),
            "RMSprop": ("rmsprop", {"lr": 0.01, "alpha": 0.9}),
            "Adam": ("adam", {"lr": 0.05, "betas": (0.9, 0.999)}),
        },
        log_levels=True,
    ),
}

_SYMBOLS = {"lr": "η", "beta": "β", "alpha": "α", "betas": "β", "momentum": "μ"}


def _describe(opt: Any) -> str:
    cfg = opt.config()
    parts = []
    for k, v in cfg.items():
        if k in ("name", "clip_norm", "clip_value") or k not in _SYMBOLS:
            continue
        if isinstance(v, (list, tuple)):
            v = "(" + ", ".join(f"{x:g}" for x in v) + ")"
        elif isinstance(v, float):
            if k == "momentum" and v == 0:
                continue
            v = f"{v:g}"
        parts.append(f"{_SYMBOLS[k]}={v}")
    return ", ".join(parts)


def _function(function: str | TestFunction) -> TestFunction:
    if isinstance(function, TestFunction):
        return function
    return TEST_FUNCTIONS[check_choice("trajectories", "function", function, TEST_FUNCTIONS)]


def _build_optimizers(fn: TestFunction, optimizers: Any) -> dict[str, Any]:
    from glassnet.optim import Optimizer, get_optimizer

    spec = fn.optimizers if optimizers is None else optimizers
    if not isinstance(spec, Mapping) or not spec:
        raise ConfigError(
            "trajectories: optimizers must be a non-empty dict label -> optimizer, "
            "(name, kwargs) or {'name': ..., ...}."
        )
    out = {}
    for label, s in spec.items():
        if isinstance(s, Optimizer):
            out[str(label)] = s
        elif isinstance(s, tuple) and len(s) == 2:
            out[str(label)] = get_optimizer(s[0], **dict(s[1]))
        elif isinstance(s, Mapping):
            kw = dict(s)
            out[str(label)] = get_optimizer(kw.pop("name"), **kw)
        elif isinstance(s, str):
            out[str(label)] = get_optimizer(s, **fn.optimizers.get(label, (s, {}))[1])
        else:
            raise ConfigError(f"trajectories: cannot build an optimizer from {s!r}.")
    return out


def optimizer_paths(
    function: str | TestFunction = "quadratic",
    optimizers: Any = None,
    start: tuple[float, float] | None = None,
    steps: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Run every optimizer from the same start; ``{label: {"path": (n+1, 2) iterates,
    "values": f along the path, "optimizer": the optimizer object, "diverged": bool}}``.

    ``optimizers``: ``{label: Optimizer | (name, kwargs) | {"name": …, …}}``; default:
    the function's SGD / Momentum / RMSprop / Adam settings. Optimizer objects are reset
    first, so a path always starts from a fresh state.
    """
    fn = _function(function)
    steps = (
        fn.steps
        if steps is None
        else int(check_number("trajectories", "steps", steps, low=1, integer=True))
    )
    theta0 = np.array(fn.start if start is None else start, dtype=np.float64)
    if theta0.shape != (2,) or not np.all(np.isfinite(theta0)):
        raise ConfigError(f"trajectories: start must be two finite numbers; got {start!r}.")
    span = max(fn.xlim[1] - fn.xlim[0], fn.ylim[1] - fn.ylim[0])
    centre = np.array([np.mean(fn.xlim), np.mean(fn.ylim)])
    out = {}
    for label, opt in _build_optimizers(fn, optimizers).items():
        opt.reset()
        theta = theta0.copy()
        path = [theta.copy()]
        diverged = False
        for _ in range(steps):
            g = fn.grad(theta)
            opt.step(theta, g)
            if not np.all(np.isfinite(theta)) or np.max(np.abs(theta - centre)) > 50 * span:
                diverged = True
                break
            path.append(theta.copy())
        P = np.array(path)
        out[label] = {
            "path": P,
            "values": np.array([fn.f(p) for p in P]),
            "optimizer": opt,
            "diverged": diverged,
        }
    return out


def _contours(ax: Any, fn: TestFunction) -> None:
    import matplotlib as mpl

    xs = np.linspace(*fn.xlim, 300)
    ys = np.linspace(*fn.ylim, 300)
    X, Y = np.meshgrid(xs, ys)
    Z = fn.value(X, Y)
    if fn.log_levels:
        lo = max(Z.min(), 1e-3)
        levels = np.logspace(np.log10(lo), np.log10(Z.max()), 22)
        norm = mpl.colors.LogNorm(levels[0], levels[-1])
        ax.contourf(X, Y, np.maximum(Z, lo), levels=levels, norm=norm, cmap="Greys", alpha=0.35)
        ax.contour(X, Y, np.maximum(Z, lo), levels=levels, colors="0.45", linewidths=0.4)
    else:
        levels = np.linspace(Z.min(), Z.max(), 22)
        ax.contourf(X, Y, Z, levels=levels, cmap="Greys", alpha=0.35)
        ax.contour(X, Y, Z, levels=levels, colors="0.45", linewidths=0.4)
    ax.set_xlim(*fn.xlim)
    ax.set_ylim(*fn.ylim)
    ax.grid(False)


def _setup(
    fn: TestFunction,
    runs: dict[str, dict[str, Any]],
    with_values: bool,
    figsize: tuple[float, float] | None,
) -> tuple[Any, Any, Any, dict[str, Any]]:
    fig = style.new_figure(figsize=figsize or ((11.5, 4.8) if with_values else (7.0, 5.4)))
    if with_values:
        gs = fig.add_gridspec(1, 2, width_ratios=[1.35, 1], wspace=0.22)
        ax, axv = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    else:
        ax, axv = fig.add_subplot(1, 1, 1), None
    _contours(ax, fn)
    ax.set_xlabel("θ₁ = x")
    ax.set_ylabel("θ₂ = y")
    theta0 = next(iter(runs.values()))["path"][0]  # every path starts there
    ax.plot(*theta0, "o", color="black", ms=7, zorder=5, label="start θ₀")
    if fn.minimum is not None:
        ax.plot(
            *fn.minimum,
            "*",
            color=style.OKABE_ITO["yellow"],
            mec="black",
            ms=15,
            zorder=5,
            label="minimum",
        )
    else:
        ax.plot(
            0,
            0,
            "X",
            color=style.OKABE_ITO["yellow"],
            mec="black",
            ms=11,
            zorder=5,
            label="saddle point",
        )
    lines: dict[str, Any] = {}
    for i, (label, run) in enumerate(runs.items()):
        opt = run["optimizer"]
        text = f"{label} ({_describe(opt)})" + (" — diverged" if run["diverged"] else "")
        (line,) = ax.plot(
            [],
            [],
            color=style.color(i),
            ls="-",
            lw=1.7,
            marker=style.marker(i),
            ms=3,
            markevery=max(1, len(run["path"]) // 40),
            label=text,
            zorder=4,
            gid=label,
        )
        (head,) = ax.plot(
            [],
            [],
            marker=style.marker(i),
            color=style.color(i),
            mec="black",
            ms=8,
            ls="none",
            zorder=6,
        )
        lines[label] = (line, head)
        if axv is not None:
            vals = run["values"]
            axv.plot(
                np.arange(len(vals)),
                vals,
                color=style.color(i),
                ls=style.linestyle(i),
                lw=1.7,
                label=label,
            )
    if axv is not None:
        finite = np.concatenate([r["values"] for r in runs.values()])
        if fn.minimum is not None and np.all(finite > 0):
            axv.set_yscale("log")
        axv.set_xlabel("step t (optimizer updates)")
        axv.set_ylabel("f(θₜ)")
        axv.set_title("objective along each path")
        axv.legend(loc="best")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, frameon=False)
    return fig, ax, axv, lines


def plot_trajectories(
    function: str | TestFunction = "quadratic",
    path: Any = None,
    *,
    optimizers: Any = None,
    start: tuple[float, float] | None = None,
    steps: int | None = None,
    values: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """Contour plot of ``function`` with every optimizer's path (and, with ``values``,
    f(θₜ) per step beside it).

    ``data``: ``function`` (name), ``start``, ``paths`` ({label: (n+1, 2) iterates}),
    ``values`` ({label: f along the path}), ``optimizers`` ({label: config dict}),
    ``diverged`` ({label: bool}).
    """
    fn = _function(function)
    runs = optimizer_paths(fn, optimizers, start, steps)
    with style.rc():
        fig, ax, _, lines = _setup(fn, runs, values, figsize)
        for label, (line, head) in lines.items():
            P = runs[label]["path"]
            line.set_data(P[:, 0], P[:, 1])
            head.set_data([P[-1, 0]], [P[-1, 1]])
        n = max(len(r["path"]) - 1 for r in runs.values())
        ax.set_title(
            title
            or f"{fn.name}: {fn.formula}\n{n} steps from θ₀ = "
            f"({fn.start[0] if start is None else start[0]:g}, "
            f"{fn.start[1] if start is None else start[1]:g})",
            fontsize=10,
        )
    return style.finish(fig, path, _data(fn, runs, start), "trajectories", dpi)


def _data(fn: TestFunction, runs: dict[str, dict[str, Any]], start: Any) -> dict[str, Any]:
    return {
        "function": fn.name,
        "start": np.array(fn.start if start is None else start, dtype=float),
        "paths": {k: r["path"] for k, r in runs.items()},
        "values": {k: r["values"] for k, r in runs.items()},
        "optimizers": {k: r["optimizer"].config() for k, r in runs.items()},
        "diverged": {k: r["diverged"] for k, r in runs.items()},
    }


def animate_trajectories(
    function: str | TestFunction = "quadratic",
    path: Any = "trajectories.gif",
    *,
    optimizers: Any = None,
    start: tuple[float, float] | None = None,
    steps: int | None = None,
    frames: int = 60,
    fps: int = 12,
    dpi: float = 80,
    title: str | None = None,
) -> style.PlotResult:
    """The paths growing step by step, as an animated GIF (matplotlib's PillowWriter).

    ``data`` is that of :func:`plot_trajectories` plus ``frame_steps``: the step shown in
    each frame (frame k draws iterates 0..frame_steps[k] of every path).
    """
    from matplotlib.animation import PillowWriter

    fn = _function(function)
    out = style.check_output(path, "trajectories animation", style.ANIMATION_FORMATS)
    frames = int(check_number("trajectories animation", "frames", frames, low=2, integer=True))
    runs = optimizer_paths(fn, optimizers, start, steps)
    n = max(len(r["path"]) - 1 for r in runs.values())
    frame_steps = np.unique(np.linspace(0, n, frames).round().astype(int))
    with style.rc():
        fig, ax, _, lines = _setup(fn, runs, False, (7.0, 5.6))
        fig.subplots_adjust(bottom=0.25, top=0.88)
        heading = ax.set_title("", fontsize=10)
        writer = PillowWriter(fps=fps)
        with writer.saving(fig, str(out), dpi):
            for s in frame_steps:
                for label, (line, head) in lines.items():
                    P = runs[label]["path"][: s + 1]
                    line.set_data(P[:, 0], P[:, 1])
                    head.set_data([P[-1, 0]], [P[-1, 1]])
                heading.set_text(title or f"{fn.name}: {fn.formula}\nstep {s} of {n}")
                writer.grab_frame()
    data = _data(fn, runs, start)
    data["frame_steps"] = frame_steps
    return style.PlotResult(out, fig, data, "trajectories_animation")
