"""Optimizer trajectories: the drawn points are the glassnet optimizers' own iterates."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from glassnet.errors import ConfigError
from glassnet.optim import Adam, get_optimizer
from glassnet.plot import TEST_FUNCTIONS, animate_trajectories, optimizer_paths, plot_trajectories


@pytest.mark.parametrize("name", sorted(TEST_FUNCTIONS))
def test_paths_are_the_optimizer_iterates(tmp_path, name):
    fn = TEST_FUNCTIONS[name]
    r = plot_trajectories(name, tmp_path / f"{name}.png", steps=30, dpi=40)
    assert set(r.data["paths"]) == {"SGD", "Momentum", "RMSprop", "Adam"}
    for label, (opt_name, kwargs) in fn.optimizers.items():
        opt = get_optimizer(opt_name, **kwargs)
        theta = np.array(fn.start, dtype=np.float64)
        expected = [theta.copy()]
        for _ in range(30):
            opt.step(theta, fn.grad(theta))
            expected.append(theta.copy())
        path = r.data["paths"][label]
        np.testing.assert_array_equal(path, np.array(expected))  # bit for bit
        (line,) = [ln for ln in r.figure.axes[0].lines if ln.get_gid() == label]
        np.testing.assert_array_equal(line.get_xydata(), path)
        np.testing.assert_array_equal(r.data["values"][label], [fn.f(p) for p in path])
    with Image.open(r.path) as im:
        assert im.format == "PNG" and im.size[0] > 300


def test_gradients_are_right():
    for fn in TEST_FUNCTIONS.values():
        p = np.array([0.7, -0.4])
        h = 1e-6
        num = [(fn.f(p + h * e) - fn.f(p - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(fn.grad(p), num, rtol=1e-6, atol=1e-8)


def test_the_lesson_on_the_ill_conditioned_bowl():
    runs = optimizer_paths("quadratic")
    sgd_y = runs["SGD"]["path"][:, 1]
    # SGD zig-zags across the steep direction: y changes sign at every step
    assert np.all(np.sign(sgd_y[1:11]) != np.sign(sgd_y[:10]))
    # and crawls along the flat one, where the other three get much closer to the minimum
    final = {k: np.linalg.norm(r["path"][-1]) for k, r in runs.items()}
    assert final["Momentum"] < final["SGD"] / 5 and final["RMSprop"] < final["SGD"] / 5


def test_custom_optimizers_and_divergence():
    opt = Adam(lr=0.5)
    opt.step(np.zeros(2), np.ones(2))  # stale state is reset before the path starts
    runs = optimizer_paths(
        "rosenbrock", {"mine": opt, "too fast": ("sgd", {"lr": 0.05})}, start=(-1.0, 2.0), steps=50
    )
    assert runs["mine"]["path"].shape == (51, 2) and not runs["mine"]["diverged"]
    assert runs["too fast"]["diverged"] and len(runs["too fast"]["path"]) < 51
    assert np.all(np.isfinite(runs["too fast"]["path"]))
    with pytest.raises(ConfigError, match="unknown function"):
        optimizer_paths("himmelblau")
    with pytest.raises(ConfigError, match="start"):
        optimizer_paths("quadratic", start=(1.0,))


def test_gif_frames_show_the_paths_growing(tmp_path):
    r = animate_trajectories("saddle", tmp_path / "s.gif", steps=12, frames=5, dpi=30)
    np.testing.assert_array_equal(r.data["frame_steps"], [0, 3, 6, 9, 12])
    with Image.open(r.path) as im:
        assert im.format == "GIF" and im.n_frames == 5
    with pytest.raises(ConfigError, match=r"\.gif"):
        animate_trajectories("saddle", tmp_path / "s.png", steps=3, frames=2)


@pytest.mark.parametrize("start", [None, (-1.5, 0.05)])
def test_start_marker_is_the_first_point_of_every_path(tmp_path, start):
    r = plot_trajectories("saddle", None, start=start, steps=4)
    (marker,) = [ln for ln in r.figure.axes[0].lines if ln.get_label() == "start θ₀"]
    for path in r.data["paths"].values():
        np.testing.assert_array_equal(marker.get_xydata(), path[:1])
    np.testing.assert_array_equal(marker.get_xydata()[0], r.data["start"])
    a = animate_trajectories("saddle", tmp_path / "s.gif", start=start, steps=4, frames=2, dpi=20)
    (marker,) = [ln for ln in a.figure.axes[0].lines if ln.get_label() == "start θ₀"]
    np.testing.assert_array_equal(marker.get_xydata(), a.data["paths"]["SGD"][:1])
