"""glassnet.plot basics: lazy imports, the PlotResult, output formats, the palette."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glassnet.errors import ConfigError
from glassnet.plot import PlotResult, plot_dropout, style


def test_import_glassnet_does_not_import_matplotlib():
    code = (
        "import sys, glassnet, glassnet.plot, glassnet.cli.plot\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
        "from glassnet.plot import plot_network\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported by the diagram module'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plot_result_is_the_path_written(tmp_path):
    r = plot_dropout(tmp_path / "d.png", dpi=40)
    assert isinstance(r, PlotResult) and isinstance(r, os.PathLike)
    assert os.fspath(r) == str(tmp_path / "d.png") == str(r)
    assert r == tmp_path / "d.png" and r == str(tmp_path / "d.png")
    assert r.exists() and r.suffix == ".png" and Path(r).stat().st_size > 10_000
    again = r.savefig(tmp_path / "again.svg")
    assert again.read_text().lstrip().startswith("<?xml")


def test_no_path_keeps_figure_and_data_only():
    r = plot_dropout(None)
    assert r.path is None and r.figure is not None and "mask" in r.data
    with pytest.raises(TypeError):
        os.fspath(r)


@pytest.mark.parametrize("name", ["picture.jpg", "picture", "picture.gif"])
def test_still_pictures_accept_png_and_svg_only(tmp_path, name):
    with pytest.raises(ConfigError, match=r"\.png or \.svg"):
        plot_dropout(tmp_path / name)


def test_svg_output(tmp_path):
    r = plot_dropout(tmp_path / "sub" / "d.svg")
    text = Path(r).read_text()
    assert "<svg" in text and "Dropout on one input" in text  # text stays text (svg.fonttype)


def test_palette_is_okabe_ito_and_maps_are_colour_blind_safe():
    assert style.PALETTE[:3] == ("#0072B2", "#D55E00", "#009E73")
    assert set(style.PALETTE) == set(style.OKABE_ITO.values())
    assert style.DIVERGING == "RdBu_r" and style.SEQUENTIAL == "cividis"
    assert style.text_color_for((1.0, 1.0, 1.0)) == "black"
    assert style.text_color_for(np.array([0.0, 0.0, 0.2])) == "white"


def test_weight_colours_keep_the_sign_and_show_zero_on_white():
    cmap = style.weight_cmap()
    blue, middle, red = cmap(0.0), cmap(0.5), cmap(1.0)
    assert blue[2] > blue[0] and red[0] > red[2]  # blue < 0 < red
    assert max(middle[:3]) < 0.9  # not white: an edge of weight 0 is still drawn
