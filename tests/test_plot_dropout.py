"""The dropout picture: marked units are the mask's zeros, bars are the engine's outputs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from glassnet.errors import ConfigError, ShapeError
from glassnet.plot import plot_dropout


def _bars(ax, gid):
    (container,) = [c for c in ax.containers if c.patches[0].get_gid() == gid]
    return np.array([patch.get_height() for patch in container])


def test_dropped_units_are_the_mask_zeros_and_values_follow_both_scalings(tmp_path):
    a = np.array([0.2, 0.9, 0.4, 0.7, 0.1, 0.5])
    m = np.array([1, 0, 1, 1, 0, 1])
    r = plot_dropout(tmp_path / "d.png", activations=a, mask=m, rate=0.25, dpi=50)
    p = 0.75
    np.testing.assert_array_equal(r.data["dropped"], [1, 4])
    out = r.data["outputs"]
    np.testing.assert_allclose(out["inverted"]["train"], a * m / p, rtol=1e-15)
    np.testing.assert_allclose(out["inverted"]["eval"], a, rtol=1e-15)
    np.testing.assert_allclose(out["standard"]["train"], a * m, rtol=1e-15)
    np.testing.assert_allclose(out["standard"]["eval"], p * a, rtol=1e-15)
    axes = r.figure.axes
    for ax, (scaling, phase) in zip(
        axes[:4],
        [("inverted", "train"), ("inverted", "eval"), ("standard", "train"), ("standard", "eval")],
        strict=True,
    ):
        np.testing.assert_array_equal(_bars(ax, f"{scaling}:{phase}"), out[scaling][phase])
        if phase == "train":  # the X markers sit on units 2 and 5 (1-based)
            (marks,) = [ln for ln in ax.lines if ln.get_gid() == f"dropped:{scaling}"]
            np.testing.assert_array_equal(marks.get_xdata(), [2, 5])
    with Image.open(r.path) as im:
        assert im.format == "PNG" and im.size[0] > 300 and im.size[1] > 200


def test_default_mask_drops_and_keeps_some_units():
    r = plot_dropout(None, units=10, rate=0.5, seed=3)
    m = r.data["mask"]
    assert 0 < m.sum() < 10
    np.testing.assert_array_equal(r.data["dropped"], np.flatnonzero(m == 0))


def test_bad_inputs():
    with pytest.raises(ShapeError):
        plot_dropout(None, activations=[0.1, 0.2], mask=[1, 0, 1])
    with pytest.raises(ConfigError):
        plot_dropout(None, activations=[0.1, 0.2], mask=[1, 0.5])
    with pytest.raises(ConfigError):
        plot_dropout(None, rate=1.0)
