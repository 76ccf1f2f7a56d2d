"""Shared look of every glassnet picture, and the result object every plot function returns.

Colours
-------
* Lines and classes use the **Okabe–Ito** palette (Okabe & Ito 2008), designed to stay
  distinguishable with every common colour-vision deficiency; lines also differ by
  line style and marker, so a picture still reads in grey scale.
* Signed values (weights, gradients) use the diverging ColorBrewer map ``RdBu_r``
  (colour-blind safe): **blue < 0 < red**, symmetric limits; the colourbar says so. Network
  edges use :func:`weight_cmap`, the same map with a light grey instead of white at 0, so
  that tiny weights remain visible.
* Unsigned magnitudes (activations, counts, probabilities of one class) use ``cividis``,
  optimised for colour-vision deficiencies and monotone in lightness.

Drawing never touches pyplot's global state: figures are ``matplotlib.figure.Figure``
objects with an Agg canvas, so plotting works headless and does not change the backend
of an interactive session. matplotlib is imported inside the functions, never at
``import glassnet``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError

#: Okabe–Ito colours in the order lines use them (yellow last: weak on white)
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "reddish_purple": "#CC79A7",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
PALETTE: tuple[str, ...] = tuple(OKABE_ITO.values())
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)))
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
#: diverging map for signed values: blue < 0 < red
DIVERGING = "RdBu_r"
#: sequential map for magnitudes
SEQUENTIAL = "cividis"
#: sequential map for an ordered family of lines (layers 1..L)
ORDERED = "viridis"

RC: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.framealpha": 0.9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "image.cmap": SEQUENTIAL,
    "svg.fonttype": "none",
}

STILL_FORMATS = (".png", ".svg")
ANIMATION_FORMATS = (".gif",)


def color(i: int) -> str:
    """The i-th colour of the palette (cycles)."""
    return PALETTE[i % len(PALETTE)]


def linestyle(i: int) -> Any:
    return LINESTYLES[i % len(LINESTYLES)]


def marker(i: int) -> str:
    return MARKERS[i % len(MARKERS)]


@contextmanager
def rc() -> Iterator[None]:
    """Apply glassnet's readable defaults while building a figure."""
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def new_figure(figsize: tuple[float, float] = (6.4, 4.8), **kwargs: Any) -> Any:
    """A headless Figure with an Agg canvas (no pyplot, no global backend switch)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def weight_cmap() -> Any:
    """``RdBu_r`` with its white centre tinted grey, so that edges of weight ≈ 0 stay
    visible on a white background (blue < 0 < red is unchanged)."""
    import matplotlib as mpl
    import numpy as np

    t = np.linspace(0.0, 1.0, 256)
    rgba = mpl.colormaps[DIVERGING](t)
    near = (1.0 - np.abs(2.0 * t - 1.0)) ** 3 * 0.35  # weight of the grey, 0.35 at w = 0
    rgba[:, :3] = rgba[:, :3] * (1.0 - near[:, None]) + 0.55 * near[:, None]
    return mpl.colors.ListedColormap(rgba, name="glassnet_weights")


def text_color_for(rgba: Any) -> str:
    """Black or white, whichever reads better on the colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def check_output(path: Any, where: str, formats: tuple[str, ...] = STILL_FORMATS) -> Path:
    """Check the extension of an output path and create its folder."""
    try:
        p = Path(os.fspath(path))
    except TypeError:
        raise ConfigError(f"{where}: path must be a file path; got {path!r}.") from None
    if p.suffix.lower() not in formats:
        raise ConfigError(
            f"{where}: cannot tell the format of {str(p)!r}; the file name must end in "
            f"{' or '.join(formats)}."
        )
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def save_figure(fig: Any, path: Any, where: str, dpi: float | None = None) -> Path:
    """Write ``fig`` as PNG or SVG (by the extension); the bounding box includes legends."""
    p = check_output(path, where)
    fig.savefig(p, dpi=dpi or RC["savefig.dpi"], bbox_inches="tight", pad_inches=0.08)
    return p


class PlotResult:
    """What a plot function returns: the file written, the figure, and the data it drew.

    ``data`` holds the arrays exactly as drawn (for example the iterates of a trajectory,
    the per-epoch values of a curve, the weights of a diagram's edges). A PlotResult is
    also the path written: it is ``os.PathLike``, ``str(result)`` is the path, it compares
    equal to that path, and Path attributes (``result.exists()``, ``result.suffix``) are
    forwarded to ``result.path``.
    """

    def __init__(self, path: Path | None, figure: Any, data: Mapping[str, Any], kind: str) -> None:
        self.path = None if path is None else Path(path)
        self.figure = figure
        self.data = dict(data)
        self.kind = kind

    def __fspath__(self) -> str:
        if self.path is None:
            raise TypeError(f"this {self.kind} picture was not written to a file (path=None)")
        return os.fspath(self.path)

    def __str__(self) -> str:
        return "" if self.path is None else str(self.path)

    def __repr__(self) -> str:
        return f"PlotResult(kind={self.kind!r}, path={self.__str__()!r}, data={sorted(self.data)})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PlotResult):
            return self is other
        if isinstance(other, (str, os.PathLike)) and self.path is not None:
            return self.path == Path(os.fspath(other))
        return NotImplemented

    def __hash__(self) -> int:
        return id(self) if self.path is None else hash(self.path)

    def __getattr__(self, name: str) -> Any:
        # only called for attributes a PlotResult lacks: behave as the path written
        if name.startswith("_") or self.__dict__.get("path") is None:
            raise AttributeError(name)
        return getattr(self.__dict__["path"], name)

    def savefig(self, path: Any, dpi: float | None = None) -> Path:
        """Write the figure again, to another PNG or SVG file."""
        return save_figure(self.figure, path, f"{self.kind}.savefig", dpi)


def finish(
    fig: Any, path: Any, data: Mapping[str, Any], kind: str, dpi: float | None = None
) -> PlotResult:
    """Save ``fig`` to ``path`` (if not None) and wrap it in a PlotResult."""
    written = None if path is None else save_figure(fig, path, kind, dpi)
    return PlotResult(written, fig, data, kind)


def colorbar(fig: Any, mappable: Any, ax: Any, label: str, **kwargs: Any) -> Any:
    cb = fig.colorbar(mappable, ax=ax, **kwargs)
    cb.set_label(label)
    return cb
