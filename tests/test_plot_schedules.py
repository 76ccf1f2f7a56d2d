"""The schedules picture evaluates every schedule of glassnet.schedules."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from glassnet.errors import ConfigError
from glassnet.plot import plot_schedules
from glassnet.schedules import SCHEDULES, get_schedule


def test_every_schedule_is_drawn_with_its_own_values(tmp_path):
    r = plot_schedules(tmp_path / "s.png", lr=0.05, steps=40, dpi=40)
    assert set(r.data["lr"]) == set(SCHEDULES)
    np.testing.assert_array_equal(r.data["steps"], np.arange(40))
    for name, values in r.data["lr"].items():
        sched = get_schedule(**r.data["configs"][name])
        np.testing.assert_array_equal(values, [sched(k) for k in range(40)])
        (line,) = [ln for ax in r.figure.axes for ln in ax.lines if ln.get_gid() == name]
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert r.data["lr"]["constant"].tolist() == [0.05] * 40
    assert r.data["lr"]["cosine"][0] == 0.05 and r.data["lr"]["one_cycle"].max() == 0.05
    with Image.open(r.path) as im:
        assert im.format == "PNG"


def test_settings_and_selection():
    r = plot_schedules(None, names=["step"], settings={"step": {"gamma": 0.3}}, steps=8, log=True)
    assert list(r.data["lr"]) == ["step"]
    np.testing.assert_allclose(r.data["lr"]["step"], 0.1 * 0.3 ** (np.arange(8) // 2))
    with pytest.raises(ConfigError, match="cosin"):
        plot_schedules(None, names=["cosin"])
    with pytest.raises(ConfigError):
        plot_schedules(None, settings={"step": {"nope": 1}})
