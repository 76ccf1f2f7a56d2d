"""Gradient flow: the recorder measures the engine's gradients and activations."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import glassnet as gn
from glassnet.errors import ConfigError
from glassnet.plot import GradientFlowRecorder, gradient_flow_experiment, plot_gradient_flow
from glassnet.plot.gradient_flow import saturation_share


def test_record_measures_grad_norms_saturation_and_derivatives():
    rng = np.random.default_rng(0)
    net = gn.Network(
        [gn.Dense(3, 5, "sigmoid"), gn.Dense(5, 4, "relu"), gn.Dense(4, 2, "softmax")],
        dtype="float64",
        seed=0,
    )
    x, t = rng.normal(size=(7, 3)) * 4, rng.integers(0, 2, 7)
    rec = GradientFlowRecorder()
    p = net.compute_gradients(x, t, "cross_entropy")
    rec.record(net, p)
    rec.end_epoch()
    assert rec.epochs == [1] and rec.activations == ["sigmoid", "relu", "softmax"]
    assert rec.kinds == ["saturated", "dead", None]
    want = [np.linalg.norm(net.grad_view(f"W{l}")) for l in (1, 2, 3)]
    np.testing.assert_allclose(rec.grad_norm[0], want, rtol=1e-15)
    a1, z2 = p.layers[0].a, p.layers[1].z
    assert rec.saturation[0, 0] == np.mean(np.abs(a1 - 0.5) > 0.49)
    assert rec.saturation[0, 1] == np.mean(np.all(z2 <= 0, axis=0))
    assert np.isnan(rec.saturation[0, 2])
    np.testing.assert_allclose(rec.mean_derivative[0, 0], np.mean(a1 * (1 - a1)))
    assert np.isnan(rec.mean_derivative[0, 2])


def test_thresholds():
    a = np.array([[0.005, 0.5, 0.995, 0.991]])
    assert saturation_share("sigmoid", a, a) == 0.75
    a = np.array([[-0.99, 0.0, 0.97, 0.981]])
    assert saturation_share("tanh", a, a) == 0.5
    z = np.array([[-1.0, 2.0, 0.0], [-3.0, -1.0, 0.0]])
    assert saturation_share("relu", z, np.maximum(z, 0)) == pytest.approx(2 / 3)
    assert np.isnan(saturation_share("identity", z, z))


def test_during_fit_epoch_means_of_the_batches(tmp_path):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 2, 40)
    net = gn.Network([gn.Dense(2, 6, "tanh"), gn.Dense(6, 2, "softmax")], seed=2)
    rec = GradientFlowRecorder(label="tiny")
    net.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer={"name": "sgd", "lr": 0.1},
        epochs=3,
        batch_size=10,
        callbacks=[rec],
        verbose=0,
    )
    assert rec.epochs == [1, 2, 3] and rec.step_grad_norm.shape == (12, 2)
    np.testing.assert_allclose(rec.grad_norm, rec.step_grad_norm.reshape(3, 4, 2).mean(axis=1))
    r = plot_gradient_flow(rec, tmp_path / "gf.png", dpi=40)
    np.testing.assert_array_equal(r.data["runs"]["tiny"]["grad_norm"], rec.grad_norm)
    (line,) = [ln for ax in r.figure.axes for ln in ax.lines if ln.get_gid() == "tiny:1"]
    np.testing.assert_array_equal(line.get_ydata(), rec.grad_norm[:, 1])
    with Image.open(r.path) as im:
        assert im.format == "PNG" and im.size[0] > 300


def test_deep_sigmoid_gradients_vanish_towards_the_input_relu_ones_do_not(tmp_path):
    runs = gradient_flow_experiment(depth=6, epochs=2, n_samples=120)
    sig, relu = runs["sigmoid × 6 hidden"], runs["relu × 6 hidden"]
    g = sig.grad_norm[0]
    assert np.all(np.diff(g[:-1]) > 0)  # grows from layer 1 to the last hidden layer
    assert g[0] < g[-2] / 1000  # σ' ≤ 0.25 per layer: 5 layers shrink it ~ 4⁵ times or more
    h = relu.grad_norm[0]
    assert h[0] > h[-2] / 10
    r = plot_gradient_flow(runs, tmp_path / "both.svg")
    assert set(r.data["runs"]) == set(runs) and r.path.stat().st_size > 20_000


def test_errors():
    with pytest.raises(ConfigError, match="no epoch"):
        plot_gradient_flow(GradientFlowRecorder())
    with pytest.raises(ConfigError):
        plot_gradient_flow(42)


def test_experiment_needs_a_2d_playground_set():
    with pytest.raises(ConfigError, match=r"'digits' is not a 2-D Playground set.*circles"):
        gradient_flow_experiment(dataset="digits", epochs=1)
    with pytest.raises(ConfigError, match="Did you mean 'circles'"):
        gradient_flow_experiment(dataset="circle", epochs=1)
