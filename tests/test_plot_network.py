"""Network diagrams: edge colours are the weights, neuron colours the activations, labels
the gradients of the engine's backward pass; big networks become layer blocks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import glassnet as gn
from glassnet.errors import ConfigError
from glassnet.plot import plot_network

EXERCISE = """\
title: A 2-2-1 network
params: {w11: 0.15, w12: 0.2, w21: 0.25, w22: 0.3, b1: 0.35, v1: 0.4, v2: 0.45, b2: 0.6}
network:
  inputs: [x1, x2]
  layers:
    - {units: [h1, h2], weights: [[w11, w12], [w21, w22]], bias: [b1, b1], activation: sigmoid}
    - {units: [y], weights: [[v1, v2]], bias: [b2], activation: sigmoid}
loss: {name: squared_error, factor: 0.5}
data: {x: [0.05, 0.1], t: [0.01]}
"""


def _collection(fig, gid):
    (c,) = [c for ax in fig.axes for c in ax.collections if c.get_gid() == gid]
    return c


def _small_net():
    return gn.Network(
        [gn.Dense(2, 3, "sigmoid", dropout=0.3), gn.Dense(3, 2, "softmax")],
        dtype="float64",
        seed=1,
    )


def test_edges_are_the_weights_and_neurons_the_activations(tmp_path):
    net = _small_net()
    x = np.array([[0.5, -1.0], [1.0, 2.0]])
    r = plot_network(net, tmp_path / "net.png", x=x, sample=1, dpi=50)
    assert r.data["mode"] == "units"
    expected = np.concatenate([net.layers[0].W.ravel(), net.layers[1].W.ravel()])
    np.testing.assert_array_equal(r.data["edge_values"], expected)
    np.testing.assert_array_equal(_collection(r.figure, "edges").get_array(), expected)
    # widths grow with |w|
    widths = _collection(r.figure, "edges").get_linewidths()
    order = np.argsort(np.abs(expected))
    assert np.all(np.diff(np.asarray(widths)[order]) >= -1e-12)
    p = net.forward_pass(x)
    acts = [x[1], p.layers[0].a[1], p.layers[1].a[1]]
    for got, want in zip(r.data["activations"], acts, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(
        _collection(r.figure, "neurons").get_array(), np.concatenate(acts)
    )
    assert r.data["weights"]["W2"].shape == (2, 3) and r.data["gradients"] is None
    assert "activations for sample 2 of 2" in r.figure.axes[0].get_title()  # counts from 1
    with Image.open(r.path) as im:
        assert im.format == "PNG" and im.size[0] > 250 and im.size[1] > 150


def test_gradient_labels_are_the_backward_pass_and_masks_mark_dropped_units(tmp_path):
    net = _small_net()
    x = np.array([[0.5, -1.0], [1.0, 2.0]])
    t = np.array([0, 1])
    r = plot_network(
        net, tmp_path / "g.svg", x=x, targets=t, loss="cross_entropy", masks=[[1, 0, 1], None]
    )
    ref = _small_net()
    ref.compute_gradients(x, t, "cross_entropy", train=True, masks=[[1, 0, 1], None])
    for name in ref.param_names:
        np.testing.assert_array_equal(r.data["gradients"][name], ref.grad_view(name))
    assert r.data["gradient_labels"] and r.data["weight_labels"]
    assert r.data["dropped"][1].tolist() == [1] and r.data["dropped"][2] is None
    assert r.data["dropped"][0] is None  # the input layer has no mask
    svg = r.path.read_text()
    g = ref.grad_view("W1")[0, 0]
    assert f"∂ {g:.3g}" in svg  # the label text is the gradient


def test_large_networks_are_drawn_as_blocks(tmp_path):
    net = gn.Network([gn.Dense(64, 32, "relu"), gn.Dense(32, 10, "softmax")], seed=0)
    x = np.random.default_rng(0).random((3, 64))
    r = plot_network(net, tmp_path / "big.png", x=x, dpi=50)
    assert r.data["mode"] == "blocks" and r.data["sizes"] == [64, 32, 10]
    np.testing.assert_array_equal(r.data["activations"][1], net.forward_pass(x).layers[0].a[0])
    texts = " ".join(t.get_text() for t in r.figure.axes[0].texts)
    assert "W 32×64" in texts and "2,080 params" in texts
    assert "activations of sample 1 of 3" in r.figure.axes[0].get_title()


def test_without_input_neurons_are_named(tmp_path):
    net = gn.Network([gn.Dense(3, 4, "tanh"), gn.Dense(4, 1)], seed=0)
    r = plot_network(net, tmp_path / "plain.png", dpi=40)
    assert r.data["activations"] is None
    texts = [t.get_text() for t in r.figure.axes[0].texts]
    assert "x1" in texts and "x3" in texts


def test_from_an_exercise_file(tmp_path):
    path = tmp_path / "ex.yaml"
    path.write_text(EXERCISE)
    r = plot_network(path, tmp_path / "ex.png", dpi=50)
    from glassnet.explain import load_exercise

    ex = load_exercise(path)
    p = ex.network.compute_gradients(ex.x, ex.t, ex.loss)
    np.testing.assert_array_equal(r.data["edge_values"], [0.15, 0.2, 0.25, 0.3, 0.4, 0.45])
    np.testing.assert_array_equal(r.data["activations"][1], p.layers[0].a[0])
    np.testing.assert_array_equal(r.data["gradients"]["W2"], ex.network.grad_view("W2"))
    # the textbook example (Mazur): ∂E/∂v1 = 0.082167
    assert r.data["gradients"]["W2"][0, 0] == pytest.approx(0.0821670, abs=1e-6)
    assert "A 2-2-1 network" in r.figure.axes[0].get_title()


def test_from_a_model_file(tmp_path):
    net = gn.Network([gn.Dense(2, 3, "relu"), gn.Dense(3, 2, "softmax")], seed=3)
    net.save(tmp_path / "m.glassnet")
    r = plot_network(tmp_path / "m.glassnet", tmp_path / "m.png", x=[[0.3, -0.2]], dpi=40)
    np.testing.assert_allclose(
        r.data["edge_values"], np.concatenate([L.W.ravel() for L in net.layers])
    )


def test_errors(tmp_path):
    net = _small_net()
    with pytest.raises(ConfigError, match="sample"):
        plot_network(net, x=[[0.0, 1.0]], sample=3)
    with pytest.raises(ConfigError, match="backward pass"):
        plot_network(net, x=[[0.0, 1.0]], gradients=True)
    with pytest.raises(ConfigError, match="no such file"):
        plot_network(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="Network"):
        plot_network(42)
