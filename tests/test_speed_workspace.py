"""``compute_gradients(workspace=True)``: reused buffers, the same numbers as a fresh pass.

Every record and gradient of a workspace pass must equal, bit for bit, those of a fresh
(allocating) pass on the same network and batch; both must match the torch autograd twin;
and reusing the buffers across calls, batch sizes and modes must not leak one call's values
into another's.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch_twin

import glassnet as gn

FIELDS = ("a_prev", "z", "a", "out", "grad_out", "grad_a", "delta", "grad_a_prev", "mask")


def make_net(hidden: str, output: str, dropout: float | None, dtype: str, seed: int = 3):
    layers = [
        gn.Dense(5, 8, hidden),
        gn.Dense(8, 6, hidden, dropout=dropout),
        gn.Dense(6, 3, output),
    ]
    return gn.Network(layers, dtype=dtype, seed=seed)


CONFIGS = [
    ("relu", "softmax", None, "cross_entropy"),
    ("relu", "softmax", 0.3, "cross_entropy"),
    ("tanh", "softmax", None, "cross_entropy"),
    ("relu", "identity", None, "squared_error"),
    ("relu", "sigmoid", None, "binary_cross_entropy"),
    ("leaky_relu", "softmax", None, {"name": "cross_entropy", "reduction": "sum"}),
]


def batch(rng, n, loss_name, dtype):
    x = rng.normal(size=(n, 5)).astype(dtype)
    if loss_name == "squared_error":
        t = rng.normal(size=(n, 3)).astype(dtype)
    elif loss_name == "binary_cross_entropy":
        t = (rng.random((n, 3)) < 0.5).astype(dtype)
    else:
        t = np.eye(3, dtype=dtype)[rng.integers(0, 3, n)]
    return x, t


def snapshot(p, net):
    recs = [{f: None if getattr(r, f) is None else getattr(r, f).copy() for f in FIELDS}
            for r in p.layers]  # fmt: skip
    return recs, net.grads.copy(), p.per_sample_loss.copy(), p.data_loss


@pytest.mark.parametrize(("hidden", "output", "dropout", "loss"), CONFIGS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_workspace_pass_equals_fresh_pass_bit_for_bit(hidden, output, dropout, loss, dtype):
    name = loss if isinstance(loss, str) else loss["name"]
    lossf = gn.get_loss(loss)
    rng = np.random.default_rng(1)
    fresh, reused = (
        make_net(hidden, output, dropout, dtype),
        make_net(hidden, output, dropout, dtype),
    )
    # several calls with two batch sizes, so the workspace is reused and switched
    for n in (7, 7, 4, 7, 4):
        x, t = batch(rng, n, name, dtype)
        seed = int(rng.integers(1 << 30))
        kw = {"train": True, "validate": False, "input_grad": True}
        pf = fresh.compute_gradients(x, t, lossf, rng=np.random.default_rng(seed), **kw)
        want = snapshot(pf, fresh)
        pw = reused.compute_gradients(
            x, t, lossf, rng=np.random.default_rng(seed), workspace=True, **kw
        )
        got = snapshot(pw, reused)
        for l, (w, g) in enumerate(zip(want[0], got[0], strict=True), start=1):
            for f in FIELDS:
                if w[f] is None:
                    assert g[f] is None, (l, f)
                else:
                    np.testing.assert_array_equal(g[f], w[f], err_msg=f"layer {l} {f}")
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(got[2], want[2])
        assert got[3] == want[3]


@pytest.mark.parametrize(("hidden", "output", "dropout", "loss"), CONFIGS)
def test_workspace_pass_matches_torch_autograd(hidden, output, dropout, loss):
    name = loss if isinstance(loss, str) else loss["name"]
    lossf = gn.get_loss(loss)
    rng = np.random.default_rng(2)
    net = make_net(hidden, output, dropout, "float64")
    for n in (6, 3, 6):  # the buffers of the first call are reused by the third
        x, t = batch(rng, n, name, "float64")
        p = net.compute_gradients(x, t, lossf, train=True, validate=False, workspace=True)
        masks = [r.mask for r in p.layers]
        twin = torch_twin.run(net, x, t, lossf, train=True, masks=masks)
        assert p.data_loss == pytest.approx(float(twin.data_loss.detach()), rel=1e-12, abs=1e-12)
        for l, layer in enumerate(net.layers, start=1):
            np.testing.assert_allclose(
                layer.grad_W, twin.params[f"W{l}"].grad.numpy(), rtol=1e-10, atol=1e-12
            )
            np.testing.assert_allclose(
                layer.grad_b, twin.params[f"b{l}"].grad.numpy(), rtol=1e-10, atol=1e-12
            )
            rec = p.layers[l - 1]
            np.testing.assert_allclose(
                rec.delta * p.scale, twin.z[l - 1].grad.numpy(), rtol=1e-10, atol=1e-12
            )


def test_workspace_records_are_reused_and_fresh_ones_are_not():
    net = make_net("relu", "softmax", None, "float32")
    rng = np.random.default_rng(4)
    x1, t1 = batch(rng, 5, "cross_entropy", "float32")
    x2, t2 = batch(rng, 5, "cross_entropy", "float32")
    loss = gn.get_loss("cross_entropy")
    p1 = net.compute_gradients(x1, t1, loss, validate=False, workspace=True)
    z1 = p1.layers[0].z.copy()
    p2 = net.compute_gradients(x2, t2, loss, validate=False, workspace=True)
    assert p1.layers[0].z is p2.layers[0].z  # one buffer: p1 now shows the second batch
    assert not np.array_equal(p2.layers[0].z, z1)
    f1 = net.compute_gradients(x1, t1, loss, validate=False)
    f2 = net.compute_gradients(x2, t2, loss, validate=False)
    assert f1.layers[0].z is not f2.layers[0].z
    np.testing.assert_array_equal(f1.layers[0].z, z1)


def test_evaluation_mode_workspace_is_separate_from_training():
    net = make_net("relu", "softmax", 0.5, "float64")
    rng = np.random.default_rng(6)
    x, t = batch(rng, 4, "cross_entropy", "float64")
    loss = gn.get_loss("cross_entropy")
    pt = net.compute_gradients(x, t, loss, train=True, validate=False, workspace=True)
    pe = net.compute_gradients(x, t, loss, train=False, validate=False, workspace=True)
    assert pt.layers[0].z is not pe.layers[0].z
    ref = net.forward_pass(x, train=False)
    np.testing.assert_array_equal(pe.output, ref.output)
