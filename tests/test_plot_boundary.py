"""Decision boundaries: the recorded frames are the network's predictions on the grid."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import glassnet as gn
from glassnet.errors import ConfigError, ShapeError
from glassnet.plot import (
    DecisionBoundaryRecorder,
    animate_decision_boundary,
    plot_decision_boundary,
    train_boundary_demo,
)
from glassnet.plot.decision_boundary import make_grid


@pytest.fixture(scope="module")
def demo():
    return train_boundary_demo("xor", hidden=(8,), epochs=6, n_samples=100, resolution=25)


def test_frames_are_predictions_before_and_after_every_epoch(demo):
    rec, net = demo["recorder"], demo["net"]
    assert rec.epochs == list(range(7))
    assert rec.frames[0].shape == (25, 25, 2)
    np.testing.assert_array_equal(rec.frames[-1].reshape(-1, 2), net.forward(rec.points))
    np.testing.assert_allclose(rec.frames[-1].sum(axis=2), 1.0)
    assert rec.logs[0] == {} and rec.logs[-1]["epoch"] == 6
    assert not np.array_equal(rec.frames[0], rec.frames[-1])


def test_still_from_a_recorder_and_from_a_network(tmp_path, demo):
    data, rec, net = demo["data"], demo["recorder"], demo["net"]
    r = plot_decision_boundary(
        rec,
        data.X_train / 6,
        data.y_train,
        tmp_path / "b.png",
        X_test=data.X_test / 6,
        y_test=data.y_test,
        frame=3,
        dpi=50,
    )
    assert r.data["epoch"] == 3
    np.testing.assert_array_equal(r.data["scores"], rec.frames[3])
    ax = r.figure.axes[0]
    assert "epoch 3" in ax.get_title() and ax.get_xlabel() == "x₁"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class 0 (train)", "class 1 (train)", "class 0 (test)", "class 1 (test)"]
    with Image.open(r.path) as im:
        assert im.format == "PNG" and im.size[0] > 250
    r2 = plot_decision_boundary(net, data.X_train / 6, data.y_train, None, resolution=30)
    _, _, pts = make_grid(data.X_train / 6, 30)
    np.testing.assert_array_equal(r2.data["scores"].reshape(-1, 2), net.forward(pts))


def test_gif_has_one_frame_per_epoch_shown(tmp_path, demo):
    data, rec = demo["data"], demo["recorder"]
    r = animate_decision_boundary(
        rec, data.X_train / 6, data.y_train, tmp_path / "b.gif", max_frames=4, dpi=30
    )
    np.testing.assert_array_equal(r.data["epochs"], [0, 2, 4, 6])
    with Image.open(r.path) as im:
        assert im.format == "GIF" and im.n_frames == 4


def test_sigmoid_output_regression_and_multiclass(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    one = gn.Network([gn.Dense(2, 4, "tanh"), gn.Dense(4, 1, "sigmoid")], seed=0)
    r = plot_decision_boundary(one, X, (X[:, 0] > 0).astype(int), None, resolution=10)
    p1 = one.forward(make_grid(X, 10)[2])[:, 0]
    np.testing.assert_allclose(r.data["scores"][:, :, 1].ravel(), p1)
    reg = gn.Network([gn.Dense(2, 1)], seed=0)
    r = plot_decision_boundary(reg, X, X[:, 0], tmp_path / "reg.png", resolution=10, dpi=30)
    assert r.data["task"] == "regression"
    three = gn.Network([gn.Dense(2, 3, "softmax")], seed=0)
    rec = DecisionBoundaryRecorder(X, resolution=12)
    rec.record(three, 0)
    r = plot_decision_boundary(rec, X, rng.integers(0, 3, 30), tmp_path / "k3.png", dpi=30)
    assert r.data["scores"].shape == (12, 12, 3)


def test_errors(tmp_path):
    with pytest.raises(ShapeError):
        DecisionBoundaryRecorder(np.zeros((5, 3)))
    rec = DecisionBoundaryRecorder(np.random.default_rng(0).normal(size=(5, 2)))
    with pytest.raises(ConfigError, match="no frame"):
        plot_decision_boundary(rec, np.zeros((5, 2)))
    with pytest.raises(ConfigError, match=r"\.gif"):
        animate_decision_boundary(rec, np.zeros((5, 2)), None, tmp_path / "x.png")


def test_regression_shows_the_true_losses_and_tells_train_from_test(tmp_path):
    rng = np.random.default_rng(1)
    X, Xt = rng.uniform(-1, 1, (40, 2)), rng.uniform(-1, 1, (20, 2))
    y, yt = X.sum(axis=1) * 0.6, Xt.sum(axis=1) * 0.6
    net = gn.Network([gn.Dense(2, 1)], dtype="float64", seed=0)
    rec = DecisionBoundaryRecorder(np.vstack([X, Xt]), resolution=12)
    logs = {"epoch": 20, "loss": 5.4824e-05, "mae": 0.0075577, "val_loss": 6.4893e-05}
    rec.record(net, 20, logs)
    r = plot_decision_boundary(rec, X, y, tmp_path / "plane.png", X_test=Xt, y_test=yt, dpi=30)
    ax = r.figure.axes[0]
    title = ax.get_title()
    assert "loss 5.48e-05" in title and "val loss 6.49e-05" in title and "MAE 0.00756" in title
    assert "0.000" not in title
    # one colour scale for the grid and the points
    fill, *points = ax.collections
    assert len(points) == 2 and all(p.get_clim() == fill.get_clim() for p in points)
    assert fill.get_clim()[1] >= max(np.abs(y).max(), np.abs(yt).max())
    # train and test look different in the legend
    handles = ax.get_legend().legend_handles
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    (a, b) = handles
    same_face = np.array_equal(a.get_facecolor(), b.get_facecolor())
    same_shape = np.array_equal(a.get_paths()[0].vertices, b.get_paths()[0].vertices)
    assert not (same_face and same_shape)


def test_metrics_in_titles_keep_three_significant_digits():
    from glassnet.plot.decision_boundary import _metrics_text

    text = _metrics_text({"loss": 0.00012345, "accuracy": 0.975, "val_loss": 1.5, "lr": 0.1})
    assert text == "\nloss 0.000123, acc 0.975, val loss 1.5"


def test_demo_refuses_sets_that_are_not_2d_playground_sets():
    with pytest.raises(ConfigError, match=r"2-D Playground set.*circles.*spiral"):
        train_boundary_demo("digits", epochs=1)


def test_every_nth_epoch_and_always_the_last():
    demo = train_boundary_demo("xor", hidden=(4,), epochs=5, n_samples=40, every=2, resolution=8)
    assert demo["recorder"].epochs == [0, 2, 4, 5]
