"""The curve η_k of every learning-rate schedule of :mod:`glassnet.schedules`.

Each panel evaluates ``get_schedule(name, **settings)(k)`` for k = 0 … steps − 1: the
values drawn are the schedule's own. Default settings derive from one base learning rate
``lr`` and the horizon ``steps`` (T)::

    constant        lr
    step            step_size = T/4, gamma = 0.5
    multistep       milestones = [T/2, 3T/4], gamma = 0.1
    exponential     gamma = 0.01^(1/T)           (η_T = lr/100)
    inverse_time    gamma = 10/T                 (η_T = lr/11)
    cosine          T_max = T
    warmup          total_iters = T/10, start_factor = 0.1
    warmup_cosine   warmup_steps = T/10, total_steps = T
    one_cycle       max_lr = lr, total_steps = T
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.errors import ConfigError
from glassnet.plot import style


def default_settings(lr: float, steps: int) -> dict[str, dict[str, Any]]:
    """Arguments of every schedule for a base rate ``lr`` and horizon ``steps``."""
    T = steps
    return {
        "constant": {"lr": lr},
        "step": {"lr": lr, "step_size": max(1, T // 4), "gamma": 0.5},
        "multistep": {
            "lr": lr,
            "milestones": sorted({max(1, T // 2), max(2, 3 * T // 4)}),
            "gamma": 0.1,
        },
        "exponential": {"lr": lr, "gamma": 0.01 ** (1.0 / T)},
        "inverse_time": {"lr": lr, "gamma": 10.0 / T},
        "cosine": {"lr": lr, "T_max": T},
        "warmup": {"lr": lr, "total_iters": max(1, T // 10), "start_factor": 0.1},
        "warmup_cosine": {"lr": lr, "warmup_steps": max(1, T // 10), "total_steps": T},
        "one_cycle": {"max_lr": lr, "total_steps": T},
    }


def _short(cfg: Mapping[str, Any]) -> str:
    parts = []
    for k, v in cfg.items():
        if k in ("name",):
            continue
        if isinstance(v, float):
            v = f"{v:.4g}"
        elif isinstance(v, (list, tuple)):
            v = "[" + ",".join(str(x) for x in v) + "]"
        parts.append(f"{k}={v}")
    text, lines = "", []
    for p in parts:  # wrap at ~40 characters
        if len(text) + len(p) > 40 and text:
            lines.append(text.rstrip(", "))
            text = ""
        text += p + ", "
    lines.append(text.rstrip(", "))
    return "\n".join(lines)


def plot_schedules(
    path: Any = None,
    *,
    lr: float = 0.1,
    steps: int = 100,
    names: Sequence[str] | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    log: bool = False,
    title: str | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """One small panel per schedule (all nine by default).

    ``settings`` overrides or extends the defaults per schedule, e.g.
    ``{"step": {"gamma": 0.3}, "one_cycle": {"pct_start": 0.5}}``. ``log`` uses a log
    η axis. ``data``: ``steps`` (k), ``lr`` ({name: η_k}), ``configs`` ({name: config}).
    """
    from glassnet.schedules import SCHEDULES, get_schedule

    lr = check_number("plot schedules", "lr", lr, low=0.0, low_open=True)
    steps = int(check_number("plot schedules", "steps", steps, low=2, integer=True))
    base = default_settings(lr, steps)
    names = list(SCHEDULES) if names is None else list(names)
    for n in list(names) + list(settings or {}):
        if n not in SCHEDULES:
            get_schedule(n)  # raises ConfigError with a suggestion
    if not names:
        raise ConfigError("plot schedules: no schedule to draw.")
    ks = np.arange(steps)
    values, configs = {}, {}
    for n in names:
        kw = {**base.get(n, {}), **dict((settings or {}).get(n, {}))}
        sched = get_schedule(n, **kw)
        values[n] = np.array([sched(int(k)) for k in ks])
        configs[n] = sched.config()
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    with style.rc():
        fig = style.new_figure(figsize=(4.0 * cols, 2.9 * rows + 0.5))
        axes = fig.subplots(rows, cols, squeeze=False, sharex=True)
        top = max(float(v.max()) for v in values.values())
        for i, n in enumerate(names):
            ax = axes.flat[i]
            ax.plot(ks, values[n], color=style.color(0), lw=1.8, gid=n, drawstyle="steps-post")
            ax.set_title(f"{n}\n{_short(configs[n])}", fontsize=8.5)
            if log:
                ax.set_yscale("log")
            else:
                ax.set_ylim(0, top * 1.08)
            if i % cols == 0:
                ax.set_ylabel("learning rate η")
            if i // cols == rows - 1 or i + cols >= len(names):
                ax.set_xlabel("step k (update or epoch)")
                ax.xaxis.set_tick_params(labelbottom=True)
        for j in range(len(names), rows * cols):
            axes.flat[j].set_visible(False)
        fig.suptitle(
            title or f"Learning-rate schedules (base η = {lr:g}, {steps} steps)", fontsize=12
        )
        fig.tight_layout()
    return style.finish(
        fig, path, {"steps": ks, "lr": values, "configs": configs}, "schedules", dpi
    )
