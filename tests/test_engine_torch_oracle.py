"""Oracle tests: glassnet's explicit backpropagation against torch.autograd (float64).

For a network, inputs, targets, loss, penalty and dropout masks, glassnet's pass and the
torch twin (tests/torch_twin.py, the same network from torch primitives) must agree on the
output, every per-sample and reduced loss, every layer's z, a, out, and every gradient:
``grad_W``/``grad_b`` and the per-layer records. glassnet's records are per sample, before
the reduction's scale, so ``rec.delta * p.scale`` is compared with torch's ∂C/∂z (and
likewise ``grad_a``, ``grad_out``, ``grad_a_prev``).

Tolerance: rtol 1e-10, atol 1e-12 everywhere (both sides are float64; the differences seen
are a few ulps). Inputs are kept moderate (|z| ≲ 10) so no loss clamp triggers; each test
asserts ``p.clamped == 0`` so a clamp cannot silently make the two sides differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest
import torch
import torch_twin

import glassnet as gn

RTOL, ATOL = 1e-10, 1e-12

#: every activation of glassnet.ACTIVATIONS, with each hyperparameter variant
ACTIVATION_SPECS: list[Any] = [
    "identity",
    "zero",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    {"name": "leaky_relu", "slope": 0.2},
    "elu",
    {"name": "elu", "alpha": 0.7},
    "softplus",
    "gelu",
    {"name": "gelu", "approximate": "tanh"},
    "softmax",
]


def _spec_id(spec: Any) -> str:
    return spec if isinstance(spec, str) else "-".join(f"{v}" for v in spec.values())


def test_activation_table_covers_every_activation():
    names = {spec if isinstance(spec, str) else spec["name"] for spec in ACTIVATION_SPECS}
    assert names == set(gn.ACTIVATIONS)


#: (loss options, output activation forced by the loss or None = free, target kind)
LOSS_SPECS: list[tuple[dict[str, Any], str | None, str]] = [
    ({"name": "squared_error", "factor": 1.0}, None, "real"),
    ({"name": "squared_error", "factor": 0.5}, None, "real"),
    ({"name": "binary_cross_entropy"}, "sigmoid", "binary"),
    ({"name": "binary_cross_entropy"}, "sigmoid", "soft_binary"),
    ({"name": "binary_cross_entropy", "from_logits": True}, "identity", "binary"),
    ({"name": "binary_cross_entropy", "from_logits": True}, "identity", "soft_binary"),
    ({"name": "cross_entropy"}, "softmax", "index"),
    ({"name": "cross_entropy"}, "softmax", "prob"),
    ({"name": "cross_entropy", "label_smoothing": 0.1}, "softmax", "index"),
    ({"name": "cross_entropy", "label_smoothing": 0.2}, "softmax", "prob"),
    ({"name": "cross_entropy", "class_weights": "random"}, "softmax", "index"),
    ({"name": "cross_entropy", "class_weights": "random"}, "softmax", "prob"),
    (
        {"name": "cross_entropy", "class_weights": "random", "label_smoothing": 0.15},
        "softmax",
        "index",
    ),
    ({"name": "cross_entropy", "from_logits": True}, "identity", "index"),
    ({"name": "cross_entropy", "from_logits": True}, "identity", "prob"),
    ({"name": "cross_entropy", "from_logits": True, "label_smoothing": 0.1}, "identity", "index"),
    ({"name": "cross_entropy", "from_logits": True, "label_smoothing": 0.3}, "identity", "prob"),
    (
        {"name": "cross_entropy", "from_logits": True, "class_weights": "random"},
        "identity",
        "index",
    ),
    ({"name": "cross_entropy", "from_logits": True, "class_weights": "random"}, "identity", "prob"),
    (
        {
            "name": "cross_entropy",
            "from_logits": True,
            "class_weights": "random",
            "label_smoothing": 0.25,
        },
        "identity",
        "index",
    ),
]


def _loss_id(entry: tuple[dict[str, Any], str | None, str]) -> str:
    opts, _, kind = entry
    rest = ",".join(f"{k}={v}" for k, v in opts.items() if k != "name")
    return f"{opts['name']}[{rest}]-{kind}"


# ---------------------------------------------------------------------------------------------
# configuration of one comparison


@dataclass
class Case:
    """One network + data + loss + penalty + dropout configuration."""

    sizes: list[int]
    activations: list[Any]
    loss: dict[str, Any]
    target_kind: str
    bias: list[bool] = field(default_factory=list)
    dropout: list[Any] = field(default_factory=list)  # None or {"rate":..., "scaling":...}
    reg: gn.Regularization | None = None
    train: bool = True
    shared_masks: bool = False
    fused: bool = True
    n_samples: int = 5
    seed: int = 0


def _targets(kind: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(n, k)).astype(np.float64)
    if kind == "soft_binary":
        return rng.uniform(0.0, 1.0, size=(n, k))
    if kind == "index":
        return rng.integers(0, k, size=n)
    if kind == "prob":
        t = rng.uniform(0.05, 1.0, size=(n, k))
        return t / t.sum(axis=1, keepdims=True)
    raise AssertionError(kind)


def build(case: Case) -> tuple[gn.Network, gn.Loss, np.ndarray, Any, list[Any] | None]:
    """The glassnet network, loss object, inputs, raw targets and fixed masks of a case."""
    rng = np.random.default_rng(case.seed)
    depth = len(case.sizes) - 1
    bias = case.bias or [True] * depth
    dropout = case.dropout or [None] * depth
    layers = [
        gn.Dense(
            case.sizes[i],
            case.sizes[i + 1],
            case.activations[i],
            bias=bias[i],
            dropout=dropout[i],
            init="glorot_uniform",
        )
        for i in range(depth)
    ]
    net = gn.Network(layers, dtype="float64", seed=case.seed)
    # random (not zero) biases, so that the bias paths carry real numbers
    net.set_params(
        {s.name: rng.uniform(-0.5, 0.5, size=s.shape) for s in net.layout if s.kind == "b"}
    )
    opts = dict(case.loss)
    if opts.get("class_weights") == "random":
        opts["class_weights"] = rng.uniform(0.2, 2.0, size=case.sizes[-1]).tolist()
    loss = gn.get_loss(opts)
    x = rng.normal(size=(case.n_samples, case.sizes[0]))
    t = _targets(case.target_kind, case.n_samples, case.sizes[-1], rng)
    masks = None
    if case.train and any(d is not None for d in dropout):
        masks = []
        for i, d in enumerate(dropout):
            if d is None:
                masks.append(None)
                continue
            keep = 1.0 - (d["rate"] if isinstance(d, dict) else d)
            width = case.sizes[i + 1]
            shape = (width,) if case.shared_masks else (case.n_samples, width)
            masks.append((rng.random(shape) < keep).astype(np.float64))
    return net, loss, x, t, masks


def check_against_torch(case: Case, input_grad: bool = True) -> gn.Pass:
    """Run glassnet and the torch twin on ``case`` and compare everything."""
    net, loss, x, t, masks = build(case)
    p = net.compute_gradients(
        x,
        t,
        loss,
        regularization=case.reg,
        train=case.train,
        masks=masks,
        fused=case.fused,
        input_grad=input_grad,
    )
    assert p.clamped == 0, "a clamp triggered: the oracle comparison would not be exact"
    used_masks = [rec.mask for rec in p.layers]
    twin = torch_twin.run(net, x, t, loss, case.reg, train=case.train, masks=used_masks)

    def close(actual, expected, what):
        if isinstance(expected, torch.Tensor):
            expected = expected.detach().numpy()
        np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)

    close(p.output, twin.output, "output")
    close(p.per_sample_loss, twin.per_sample, "per-sample loss C_s")
    close(p.data_loss, twin.data_loss, "reduced data loss")
    close(p.penalty, twin.penalty, "penalty")
    close(p.loss, twin.loss, "loss")
    # ∂C/∂y from the loss object itself (also on the fused path, where no record holds it)
    close(loss.grad(p.output, p.targets) * p.scale, twin.output.grad, "loss.grad · scale")
    s = p.scale
    for l, rec in enumerate(p.layers, start=1):
        close(rec.a_prev, twin.x if l == 1 else twin.out[l - 2], f"a_prev of layer {l}")
        close(rec.z, twin.z[l - 1], f"z of layer {l}")
        close(rec.a, twin.a[l - 1], f"a of layer {l}")
        close(rec.out, twin.out[l - 1], f"out of layer {l}")
        close(rec.delta * s, twin.z[l - 1].grad, f"delta·scale of layer {l}")
        if rec.grad_a is not None:
            close(rec.grad_a * s, twin.a[l - 1].grad, f"grad_a·scale of layer {l}")
        if rec.grad_out is not None:
            close(rec.grad_out * s, twin.out[l - 1].grad, f"grad_out·scale of layer {l}")
        if l < len(p.layers) or p.output_rule == "general":
            assert rec.grad_a is not None and rec.grad_out is not None, f"layer {l} records"
        prev = twin.x if l == 1 else twin.out[l - 2]
        if rec.grad_a_prev is not None:
            close(rec.grad_a_prev * s, prev.grad, f"grad_a_prev·scale of layer {l}")
        close(rec.grad_W, twin.params[f"W{l}"].grad, f"grad_W{l}")
        if net.layers[l - 1].has_bias:
            close(rec.grad_b, twin.params[f"b{l}"].grad, f"grad_b{l}")
        else:
            assert rec.grad_b is None
    if input_grad:
        assert p.layers[0].grad_a_prev is not None
    close(net.grads, twin.flat_grads(net), "net.grads (flat)")
    return p


# ---------------------------------------------------------------------------------------------
# tables


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("spec", ACTIVATION_SPECS, ids=_spec_id)
def test_every_activation_as_hidden_layer(spec, bias):
    case = Case(
        sizes=[3, 4, 5, 2],
        activations=[spec, spec, "identity"],
        loss={"name": "squared_error", "factor": 0.5},
        target_kind="real",
        bias=[bias, bias, True],
        seed=11,
    )
    check_against_torch(case)


@pytest.mark.parametrize("factor", [1.0, 0.5])
@pytest.mark.parametrize("spec", ACTIVATION_SPECS, ids=_spec_id)
def test_every_activation_as_output_layer_with_squared_error(spec, factor):
    case = Case(
        sizes=[2, 3, 3],
        activations=["tanh", spec],
        loss={"name": "squared_error", "factor": factor},
        target_kind="real",
        seed=12,
    )
    p = check_against_torch(case)
    assert p.output_rule == ("fused" if _spec_id(spec) == "identity" else "general")


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("entry", LOSS_SPECS, ids=_loss_id)
def test_every_loss(entry, reduction):
    opts, out_act, kind = entry
    case = Case(
        sizes=[3, 5, 4],
        activations=["tanh", out_act or "sigmoid"],
        loss={**opts, "reduction": reduction},
        target_kind=kind,
        n_samples=7,
        seed=13,
    )
    check_against_torch(case)


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "general"])
@pytest.mark.parametrize("entry", LOSS_SPECS, ids=_loss_id)
def test_every_loss_both_output_rules(entry, fused):
    opts, out_act, kind = entry
    case = Case(
        sizes=[4, 3, 3],
        activations=["sigmoid", out_act or "sigmoid"],
        loss=opts,
        target_kind=kind,
        fused=fused,
        seed=14,
    )
    p = check_against_torch(case)
    if not fused:
        assert p.output_rule == "general"


REGULARIZATIONS = [
    gn.Regularization(l2=0.3),
    gn.Regularization(l2=0.3, convention="full"),
    gn.Regularization(l1=0.2),
    gn.Regularization(l1=0.2, l2=0.1, include_bias=True),
    gn.Regularization(l2=0.4, convention="full", include_bias=True, divide_by_batch=True),
    gn.Regularization(l1=0.25, divide_by_batch=True),
    gn.Regularization(l1=0.05, l2=0.5, convention="half", include_bias=True, divide_by_batch=True),
]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("reg", REGULARIZATIONS, ids=lambda r: str(sorted(r.config().items())))
def test_regularization_conventions(reg, reduction):
    case = Case(
        sizes=[3, 4, 2],
        activations=["relu", "softmax"],
        loss={"name": "cross_entropy", "reduction": reduction},
        target_kind="index",
        bias=[True, False],
        reg=reg,
        n_samples=6,
        seed=15,
    )
    p = check_against_torch(case)
    assert p.penalty > 0


@pytest.mark.parametrize("shared", [False, True], ids=["per_sample_mask", "shared_mask"])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("scaling", ["inverted", "standard"])
@pytest.mark.parametrize("where", ["hidden", "output", "both"])
def test_dropout_with_fixed_masks(scaling, train, shared, where):
    drop = {"rate": 0.4, "scaling": scaling}
    dropout = {
        "hidden": [drop, None],
        "output": [None, drop],
        "both": [drop, {"rate": 0.25, "scaling": scaling}],
    }[where]
    # squared error: dropout on a sigmoid output can give y = 0 or y > 1 (inverted scaling),
    # which a probability loss cannot take
    case = Case(
        sizes=[3, 6, 2],
        activations=["elu", "sigmoid"],
        loss={"name": "squared_error", "factor": 1.0},
        target_kind="real",
        dropout=dropout,
        train=train,
        shared_masks=shared,
        n_samples=8,
        seed=16,
    )
    p = check_against_torch(case)
    for rec, d in zip(p.layers, dropout, strict=True):
        assert (rec.mask is not None) == (train and d is not None)
    if dropout[-1] is not None:  # no shortcut through a dropout layer
        assert p.output_rule == "general"


def test_single_sample_and_single_units():
    case = Case(
        sizes=[1, 1, 1, 1],
        activations=["softplus", "gelu", "identity"],
        loss={"name": "squared_error", "factor": 1.0, "reduction": "sum"},
        target_kind="real",
        n_samples=1,
        seed=17,
    )
    check_against_torch(case)


# ---------------------------------------------------------------------------------------------
# random configurations


def random_case(seed: int) -> Case:
    rng = np.random.default_rng(1000 + seed)
    depth = int(rng.integers(1, 5))
    opts, out_act, kind = LOSS_SPECS[int(rng.integers(len(LOSS_SPECS)))]
    opts = {**opts, "reduction": str(rng.choice(["mean", "sum"]))}
    k_min = 2 if opts["name"] == "cross_entropy" else 1
    sizes = [int(rng.integers(1, 9)) for _ in range(depth)] + [int(rng.integers(k_min, 9))]
    activations: list[Any] = [
        ACTIVATION_SPECS[int(rng.integers(len(ACTIVATION_SPECS)))] for _ in range(depth - 1)
    ]
    activations.append(
        out_act if out_act else ACTIVATION_SPECS[int(rng.integers(len(ACTIVATION_SPECS)))]
    )
    dropout = [
        {"rate": float(rng.uniform(0.1, 0.6)), "scaling": str(rng.choice(["inverted", "standard"]))}
        if rng.random() < 0.35
        else None
        for _ in range(depth)
    ]
    if opts["name"] != "squared_error":  # a probability loss cannot take y = 0 or y > 1
        dropout[-1] = None
    reg = None
    if rng.random() < 0.6:
        reg = gn.Regularization(
            l2=float(rng.choice([0.0, rng.uniform(0.01, 0.5)])),
            l1=float(rng.choice([0.0, rng.uniform(0.01, 0.5)])),
            convention=str(rng.choice(["half", "full"])),
            include_bias=bool(rng.random() < 0.5),
            divide_by_batch=bool(rng.random() < 0.5),
        )
    return Case(
        sizes=sizes,
        activations=activations,
        loss=opts,
        target_kind=kind,
        bias=[bool(rng.random() < 0.75) for _ in range(depth)],
        dropout=dropout,
        reg=reg,
        train=bool(rng.random() < 0.7),
        shared_masks=bool(rng.random() < 0.3),
        fused=bool(rng.random() < 0.5),
        n_samples=int(rng.integers(1, 9)),
        seed=seed,
    )


@pytest.mark.parametrize("seed", range(100))
def test_random_configurations(seed):
    check_against_torch(random_case(seed), input_grad=bool(seed % 2))


# ---------------------------------------------------------------------------------------------
# fused δ^L shortcut == general rule

FUSED_PAIRS = [
    ("softmax", {"name": "cross_entropy"}, "index"),
    ("softmax", {"name": "cross_entropy"}, "prob"),
    ("softmax", {"name": "cross_entropy", "label_smoothing": 0.2}, "index"),
    ("softmax", {"name": "cross_entropy", "class_weights": [0.5, 2.0, 1.0, 0.25]}, "index"),
    ("softmax", {"name": "cross_entropy", "class_weights": [0.5, 2.0, 1.0, 0.25]}, "prob"),
    (
        "softmax",
        {"name": "cross_entropy", "class_weights": [1.5, 0.3, 1.0, 2.0], "label_smoothing": 0.1},
        "index",
    ),
    ("sigmoid", {"name": "binary_cross_entropy"}, "binary"),
    ("sigmoid", {"name": "binary_cross_entropy"}, "soft_binary"),
    ("identity", {"name": "binary_cross_entropy", "from_logits": True}, "soft_binary"),
    ("identity", {"name": "cross_entropy", "from_logits": True}, "index"),
    (
        "identity",
        {
            "name": "cross_entropy",
            "from_logits": True,
            "label_smoothing": 0.1,
            "class_weights": [1.0, 2.0, 3.0, 0.5],
        },
        "prob",
    ),
    ("identity", {"name": "squared_error", "factor": 1.0}, "real"),
    ("identity", {"name": "squared_error", "factor": 0.5, "reduction": "sum"}, "real"),
]


@pytest.mark.parametrize(
    ("out_act", "opts", "kind"), FUSED_PAIRS, ids=lambda v: v if isinstance(v, str) else None
)
def test_fused_shortcut_equals_general_rule(out_act, opts, kind):
    case = Case(
        sizes=[3, 5, 4],
        activations=["tanh", out_act],
        loss=opts,
        target_kind=kind,
        reg=gn.Regularization(l2=0.1),
        n_samples=6,
        seed=18,
    )
    results = {}
    for fused in (True, False):
        net, loss, x, t, _ = build(replace(case, fused=fused))
        p = net.compute_gradients(x, t, loss, case.reg, fused=fused)
        results[fused] = (p, net.grads.copy())
    (pf, gf), (pg, gg) = results[True], results[False]
    assert pf.output_rule == "fused"
    assert pg.output_rule == "general"
    np.testing.assert_allclose(pf.layers[-1].delta, pg.layers[-1].delta, rtol=RTOL, atol=ATOL)
    for rf, rg in zip(pf.layers, pg.layers, strict=True):
        np.testing.assert_allclose(rf.delta, rg.delta, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(gf, gg, rtol=RTOL, atol=ATOL)
    # and both agree with torch
    check_against_torch(replace(case, fused=True))
    check_against_torch(replace(case, fused=False))


def test_twin_cross_entropy_formula_matches_torch_on_logits(rng):
    """Self-check of the twin: its explicit CE formula (used on probabilities) equals
    F.cross_entropy on logits, for weighted, smoothed, class-index targets, mean reduction."""
    logits = torch_twin.tensor(rng.normal(size=(6, 4)))
    labels = rng.integers(0, 4, size=6)
    w = rng.uniform(0.2, 2.0, size=4)
    loss_p = gn.CrossEntropy(label_smoothing=0.1, class_weights=w)
    loss_l = gn.CrossEntropy(from_logits=True, label_smoothing=0.1, class_weights=w)
    via_probs = torch_twin.reduced_loss(loss_p, torch.softmax(logits, dim=1), labels)
    via_logits = torch_twin.reduced_loss(loss_l, logits, labels)
    np.testing.assert_allclose(via_probs.item(), via_logits.item(), rtol=1e-12)
