"""Hand-worked examples: fixed weights, every number derived by hand in the comments.

Conventions (docs/architecture.md): samples are rows, W is (n_out, n_in) with W[j, k] the
weight from unit k below to unit j, z = a_prev Wᵀ + b. Records are per sample before the
reduction's scale; all examples here use one sample and ``mean`` (scale = 1) unless said.

Tolerances: where the hand arithmetic is exact in decimals (dropout, zero outputs) the
comparison is rtol 1e-12 (only binary rounding of the decimals remains) or exact equality;
where it needs e^x (sigmoid), the hand values carry 11–12 significant digits and the
comparison is rtol 1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn

EXACT = {"rtol": 1e-12, "atol": 1e-15}
HAND = {"rtol": 1e-9, "atol": 1e-12}


# =============================================================================================
# 1. A 2-2-1 sigmoid network with ½ squared error, one backward pass and one SGD step.
#
# The numbers are those of the widely used "step-by-step backpropagation" example
# (inputs 0.05, 0.10; weights 0.15 … 0.45; biases 0.35, 0.60), reduced to its first output
# unit (target 0.01). Every value below is worked by hand.
#
#   x = (0.05, 0.10),  t = 0.01
#   W1 = [[0.15, 0.20],     b1 = (0.35, 0.35)
#         [0.25, 0.30]]
#   W2 = [[0.40, 0.45]],    b2 = (0.60,)
#
# Forward, layer 1:
#   z1_1 = 0.15·0.05 + 0.20·0.10 + 0.35 = 0.0075 + 0.02 + 0.35 = 0.3775
#   z1_2 = 0.25·0.05 + 0.30·0.10 + 0.35 = 0.0125 + 0.03 + 0.35 = 0.3925
#   σ(z) = e^z / (1 + e^z), with e^x = Σ x^k/k!:
#   e^0.3775: 1 + 0.3775 + 0.071253125 + 0.0089660182 + 0.0008461680 + 0.0000638857
#             + 0.0000040195 + 0.0000002168 + 0.0000000102 + 0.0000000004 = 1.4586334438
#   a1_1 = 1 − 1/2.4586334438 = 1 − 0.4067300079 = 0.5932699921
#          (check: 2.4586334438 · 0.40673 = 0.9999999806; the rest 1.94e-8/2.4586 = 7.89e-9)
#   e^0.3925: 1 + 0.3925 + 0.077028125 + 0.0100778464 + 0.0009888887 + 0.0000776278
#             + 0.0000050781 + 0.0000002847 + 0.0000000140 + 0.0000000006 = 1.4806778653
#   a1_2 = 1 − 1/2.4806778653 = 1 − 0.4031156218 = 0.5968843782
#          (check: 2.4806778653 · 0.403116 = 1.0000009383, so 1/x = 0.403116 − 3.7825e-7)
# Forward, layer 2:
#   z2 = 0.40 · 0.5932699921 + 0.45 · 0.5968843782 + 0.60
#      = 0.2373079968 + 0.2685979702 + 0.60 = 1.1059059671
#   e^{−1.1059059671} = e^{−1} · e^{−0.1059059671}
#      e^{−0.1059059671} = 1 − 0.1059059671 + 0.0056080369 − 0.0001979749 + 0.0000052417
#                          − 0.0000001110 + 0.0000000020 = 0.8995092276
#      0.3678794412 · 0.8995092276 = 0.3310914971 − 0.0001805451 = 0.3309109520
#   y = a2 = 1 / 1.3309109520 = 0.7513650696
#          (check: 1.3309109520 · 0.751365 = 0.9999999074; 9.26e-8/1.3309 = 6.96e-8)
# Loss (½ squared error, one sample):
#   C = ½ (0.7513650696 − 0.01)² = ½ · 0.7413650696² = ½ · 0.5496221663 = 0.2748110832
#       (0.7413650696² = 0.5476 + 2·0.74·0.0013650696 + 0.0013650696² = 0.5496221663)
# Backward, output layer (general rule; sigmoid + squared error has no shortcut):
#   ∂C/∂y  = 2·½·(y − t) = 0.7413650696
#   σ'(z2) = y(1 − y) = 0.7513650696 · 0.2486349304
#          = 0.75 · 0.2486349304 + 0.0013650696 · 0.2486349304 = 0.1864761978 + 0.0003394040
#          = 0.1868156018
#   δ2 = 0.7413650696 · 0.1868156018 = 0.1307709213 + 0.0077276404 = 0.1384985616
#   ∂C/∂W2 = δ2 · a1 = (0.1384985616 · 0.5932699921, 0.1384985616 · 0.5968843782)
#          = (0.0692492808 + 0.0124648705 + 0.0004528892,
#             0.0692492808 + 0.0124648705 + 0.0009534765) = (0.0821670406, 0.0826676279)
#     (0.1384985616 · 0.0068843783 = 0.0008309914 + 0.0001224851 = 0.0009534765)
#   ∂C/∂b2 = δ2 = 0.1384985616
# Backward, hidden layer:
#   ∂C/∂a1 = δ2 · W2 = (0.1384985616 · 0.40, 0.1384985616 · 0.45) = (0.0553994247, 0.0623243527)
#   σ'(z1_1) = 0.5932699921 · 0.4067300079 = 0.2373079968 + 0.0039927117 = 0.2413007086
#   σ'(z1_2) = 0.5968843782 · 0.4031156218 = 0.2387537513 + 0.0018596659 = 0.2406134172
#   δ1_1 = 0.0553994247 · 0.2413007086 = 0.0120650354 + 0.0013028850 = 0.0133679204
#   δ1_2 = 0.0623243527 · 0.2406134172 = 0.0144368050 + 0.0005592705 = 0.0149960755
#   ∂C/∂W1 = δ1 xᵀ = [[0.0133679204 · 0.05, 0.0133679204 · 0.10],
#                     [0.0149960755 · 0.05, 0.0149960755 · 0.10]]
#          = [[0.000668396021, 0.001336792042], [0.000749803775, 0.001499607549]]
#   ∂C/∂b1 = δ1 = (0.0133679204, 0.0149960755)
# One SGD step θ ← θ − η g with η = 0.5:
#   W2: 0.40 − 0.5 · 0.0821670406 = 0.3589164797;  0.45 − 0.5 · 0.0826676279 = 0.4086661861
#   b2: 0.60 − 0.5 · 0.1384985616 = 0.5307507192
#   W1: 0.15 − 0.000334198011 = 0.149665801989;   0.20 − 0.000668396021 = 0.199331603979
#       0.25 − 0.000374901888 = 0.249625098112;   0.30 − 0.000749803775 = 0.299250196225
#   b1: 0.35 − 0.0066839602 = 0.3433160398;      0.35 − 0.0074980377 = 0.3425019623
# (The full-precision hand values used below carry two more digits than these lines.)


def textbook_net() -> gn.Network:
    return gn.Network(
        [
            gn.Dense(2, 2, "sigmoid", weights=[[0.15, 0.20], [0.25, 0.30]], bias=[0.35, 0.35]),
            gn.Dense(2, 1, "sigmoid", weights=[[0.40, 0.45]], bias=[0.60]),
        ],
        dtype="float64",
    )


X_TB = np.array([[0.05, 0.10]])
T_TB = np.array([[0.01]])
HALF_SE = gn.SquaredError(factor=0.5)


def test_textbook_2_2_1_forward():
    p = textbook_net().compute_gradients(X_TB, T_TB, HALF_SE)
    l1, l2 = p.layers
    np.testing.assert_allclose(l1.z, [[0.3775, 0.3925]], **EXACT)
    np.testing.assert_allclose(l1.a, [[0.593269992108, 0.59688437825]], **HAND)
    np.testing.assert_allclose(l2.z, [[1.1059059670557]], **HAND)
    np.testing.assert_allclose(p.output, [[0.75136506955]], **HAND)
    np.testing.assert_allclose(p.per_sample_loss, [0.274811083157], **HAND)
    assert p.loss == pytest.approx(0.274811083157, rel=1e-9)
    assert p.scale == 1.0


def test_textbook_2_2_1_backward():
    net = textbook_net()
    p = net.compute_gradients(X_TB, T_TB, HALF_SE)
    l1, l2 = p.layers
    assert p.output_rule == "general"
    np.testing.assert_allclose(l2.grad_out, [[0.74136506955]], **HAND)
    np.testing.assert_allclose(l2.delta, [[0.1384985616415]], **HAND)
    np.testing.assert_allclose(l2.grad_W, [[0.082167040553, 0.0826676278535]], **HAND)
    np.testing.assert_allclose(l2.grad_b, [0.1384985616415], **HAND)
    np.testing.assert_allclose(l2.grad_a_prev, [[0.0553994246568, 0.0623243527389]], **HAND)
    np.testing.assert_allclose(l1.grad_a, [[0.0553994246568, 0.0623243527389]], **HAND)
    np.testing.assert_allclose(l1.delta, [[0.013367920420, 0.0149960754938]], **HAND)
    np.testing.assert_allclose(
        l1.grad_W,
        [[0.000668396021, 0.001336792042], [0.000749803775, 0.001499607549]],
        **HAND,
    )
    np.testing.assert_allclose(l1.grad_b, [0.013367920420, 0.0149960754938], **HAND)
    # the records are views of / consistent with the flat gradient buffer
    np.testing.assert_array_equal(net.grad_view("W2"), l2.grad_W)
    np.testing.assert_array_equal(net.layers[0].grad_b, l1.grad_b)


def test_textbook_2_2_1_one_sgd_step():
    net = textbook_net()
    p = net.compute_gradients(X_TB, T_TB, HALF_SE)
    net.params -= 0.5 * net.grads  # θ ← θ − η g, η = 0.5
    after = net.get_params()
    np.testing.assert_allclose(after["W2"], [[0.358916479724, 0.408666186073]], **HAND)
    np.testing.assert_allclose(after["b2"], [0.530750719179], **HAND)
    np.testing.assert_allclose(
        after["W1"],
        [[0.149665801989, 0.199331603979], [0.249625098112, 0.299250196225]],
        **HAND,
    )
    np.testing.assert_allclose(after["b1"], [0.343316039790, 0.342501962253], **HAND)
    # the layers' W and b are views: they moved with net.params
    np.testing.assert_array_equal(net.layers[1].W, after["W2"])
    # a small step against the gradient lowers the loss
    assert net.compute_gradients(X_TB, T_TB, HALF_SE).loss < p.loss


# =============================================================================================
# 2. Outputs that are exactly zero.
#
# (a) Dead ReLU units. x = (1, 2);  W1 = [[1, −1], [−2, 0.5]], b1 = (0.5, 0.5)
#     z1 = (1·1 − 1·2 + 0.5, −2·1 + 0.5·2 + 0.5) = (−0.5, −0.5)  →  a1 = relu(z1) = (0, 0)
#     W2 = [[3, −4]], b2 = (0,), identity:  y = 3·0 − 4·0 + 0 = 0 exactly.
#     ½ squared error with t = 1:  C = ½ (0 − 1)² = 0.5
#     δ2 = y − t = −1;  ∂C/∂W2 = δ2 · a1 = (0, 0);  ∂C/∂b2 = −1
#     ∂C/∂a1 = δ2 · W2 = (−3, 4);  δ1 = (−3, 4) ⊙ relu'(z1) = (−3, 4) ⊙ (0, 0) = (0, 0)
#     ∂C/∂W1 = 0, ∂C/∂b1 = 0: only the output bias learns; the hidden units stay dead.


def test_dead_relu_units_give_exactly_zero_output_and_gradients():
    net = gn.Network(
        [
            gn.Dense(2, 2, "relu", weights=[[1, -1], [-2, 0.5]], bias=[0.5, 0.5]),
            gn.Dense(2, 1, "identity", weights=[[3, -4]], bias=[0.0]),
        ],
        dtype="float64",
    )
    p = net.compute_gradients([[1.0, 2.0]], [[1.0]], HALF_SE)
    l1, l2 = p.layers
    np.testing.assert_array_equal(l1.z, [[-0.5, -0.5]])
    np.testing.assert_array_equal(l1.a, [[0.0, 0.0]])
    assert p.output[0, 0] == 0.0
    assert p.loss == 0.5
    np.testing.assert_array_equal(l2.delta, [[-1.0]])
    np.testing.assert_array_equal(l2.grad_W, [[0.0, 0.0]])
    np.testing.assert_array_equal(l2.grad_b, [-1.0])
    np.testing.assert_array_equal(l2.grad_a_prev, [[-3.0, 4.0]])
    np.testing.assert_array_equal(l1.delta, [[0.0, 0.0]])
    np.testing.assert_array_equal(net.grads, [0, 0, 0, 0, 0, 0, 0, 0, -1.0])
    # one SGD step (η = 0.1) moves only b2: 0 − 0.1·(−1) = 0.1
    before = net.params.copy()
    net.params -= 0.1 * net.grads
    changed = np.flatnonzero(net.params != before)
    assert [net.layout[-1].start] == changed.tolist()
    assert net.layers[1].b[0] == pytest.approx(0.1, rel=1e-15)


# (b) Weights that cancel. x = (0.5, 0.5);  W1 = [[1, 1], [−1, −1]], b1 = (0, 0), tanh
#     z1 = (1, −1);  a1 = (tanh 1, −tanh 1);  tanh 1 = (e² − 1)/(e² + 1)
#        = 6.38905609893065 / 8.38905609893065 = 0.7615941559557649
#     W2 = [[1, 1]], b2 = (0,), identity:  y = tanh 1 − tanh 1 = 0 exactly (tanh is odd).
#     ½ squared error with t = 0.5:  C = ½ · 0.25 = 0.125;  δ2 = 0 − 0.5 = −0.5
#     ∂C/∂W2 = −0.5 · (0.7615941559557649, −0.7615941559557649)
#            = (−0.38079707797788245, 0.38079707797788245);   ∂C/∂b2 = −0.5
#     ∂C/∂a1 = −0.5 · (1, 1) = (−0.5, −0.5)
#     tanh'(z) = 1 − tanh² z:  0.7615941559557649² = 0.5776 + 2·0.76·0.0015941559557649
#              + 0.0015941559557649² = 0.5776 + 0.0024231170527626 + 0.0000025413332 = 0.5800256584
#     1 − 0.5800256583859738 = 0.4199743416140262 (the same for z = −1)
#     δ1 = −0.5 · 0.4199743416140262 · (1, 1) = (−0.2099871708070131, −0.2099871708070131)
#     ∂C/∂W1 = δ1 xᵀ: every entry −0.2099871708070131 · 0.5 = −0.10499358540350655
#     The output is zero, yet every parameter gets a gradient: zero output ≠ zero gradient.


def test_cancelling_weights_give_exactly_zero_output_but_nonzero_gradients():
    net = gn.Network(
        [
            gn.Dense(2, 2, "tanh", weights=[[1, 1], [-1, -1]], bias=[0.0, 0.0]),
            gn.Dense(2, 1, "identity", weights=[[1, 1]], bias=[0.0]),
        ],
        dtype="float64",
    )
    p = net.compute_gradients([[0.5, 0.5]], [[0.5]], HALF_SE)
    l1, l2 = p.layers
    assert p.output[0, 0] == 0.0
    assert p.loss == 0.125
    tanh1 = 0.7615941559557649
    np.testing.assert_allclose(l1.a, [[tanh1, -tanh1]], **EXACT)
    np.testing.assert_allclose(l2.grad_W, [[-0.38079707797788245, 0.38079707797788245]], **EXACT)
    np.testing.assert_array_equal(l2.grad_b, [-0.5])
    np.testing.assert_allclose(l1.delta, [[-0.2099871708070131] * 2], **EXACT)
    np.testing.assert_allclose(l1.grad_W, np.full((2, 2), -0.10499358540350655), **EXACT)
    np.testing.assert_allclose(l1.grad_b, [-0.2099871708070131] * 2, **EXACT)


# =============================================================================================
# 3. The constant-zero activation: only the output bias gets a gradient.
#
#   hidden "zero": a1 = 0 whatever z1;  output identity;  (y − t)² (factor 1), mean over 2 samples
#   W1 = [[0.3, −0.2], [0.7, 0.1]], b1 = (0.1, −0.1);  W2 = [[0.5, −0.6]], b2 = (0.25,)
#   sample 1: x = (1, −2):  z1 = (0.3 + 0.4 + 0.1, 0.7 − 0.2 − 0.1) = (0.8, 0.4);  a1 = (0, 0)
#   sample 2: x = (0, 1):   z1 = (−0.2 + 0.1, 0.1 − 0.1) = (−0.1, 0.0);            a1 = (0, 0)
#   y = 0.5·0 − 0.6·0 + 0.25 = 0.25 for both samples
#   t = (1.25, 0.75):  C_1 = (0.25 − 1.25)² = 1,  C_2 = (0.25 − 0.75)² = 0.25,
#   C = (1 + 0.25)/2 = 0.625
#   per sample ∂C_s/∂y = 2(y − t) = (−2, −1) = δ2 (identity)
#   ∂C/∂W2 = ½ Σ_s δ2_s a1_s = 0;  ∂C/∂b2 = ½ (−2 − 1) = −1.5
#   ∂C_s/∂a1 = δ2_s W2 = (−1, 1.2) and (−0.5, 0.6);  δ1 = ∂C_s/∂a1 ⊙ 0 = 0  →  ∂C/∂W1 = ∂C/∂b1 = 0


def test_zero_activation_only_the_output_bias_learns():
    net = gn.Network(
        [
            gn.Dense(2, 2, "zero", weights=[[0.3, -0.2], [0.7, 0.1]], bias=[0.1, -0.1]),
            gn.Dense(2, 1, "identity", weights=[[0.5, -0.6]], bias=[0.25]),
        ],
        dtype="float64",
    )
    x = [[1.0, -2.0], [0.0, 1.0]]
    p = net.compute_gradients(x, [1.25, 0.75], gn.SquaredError(factor=1.0))
    l1, l2 = p.layers
    np.testing.assert_allclose(l1.z, [[0.8, 0.4], [-0.1, 0.0]], **EXACT)
    np.testing.assert_array_equal(l1.a, np.zeros((2, 2)))
    np.testing.assert_array_equal(p.output, [[0.25], [0.25]])
    np.testing.assert_array_equal(p.per_sample_loss, [1.0, 0.25])
    assert p.loss == 0.625
    assert p.scale == 0.5
    np.testing.assert_array_equal(l2.delta, [[-2.0], [-1.0]])
    np.testing.assert_allclose(l2.grad_a_prev, [[-1.0, 1.2], [-0.5, 0.6]], **EXACT)
    np.testing.assert_array_equal(l1.delta, np.zeros((2, 2)))
    expected = np.zeros(net.params.size)
    expected[net.slot("b2").start] = -1.5
    np.testing.assert_array_equal(net.grads, expected)


# =============================================================================================
# 4. Dropout with a fixed mask, both scalings, training and evaluation.
#
#   layer 1: relu, W1 = [[1, 0], [0, 1], [1, 1]], b1 = (0, 0, 0.5), dropout rate 0.2 → p = 0.8
#   layer 2: identity, W2 = [[0.5, −1, 0.25]], b2 = (0.1,);  ½ squared error, t = 1, one sample
#   x = (2, 1):  z1 = (2, 1, 2 + 1 + 0.5) = (2, 1, 3.5);  a1 = relu(z1) = (2, 1, 3.5)
#   mask m = (1, 0, 1): unit 2 is dropped.
#
# inverted, training: out1 = a1 ⊙ m / p = (2·1.25, 0, 3.5·1.25) = (2.5, 0, 4.375)
#   y = 0.5·2.5 − 1·0 + 0.25·4.375 + 0.1 = 1.25 + 1.09375 + 0.1 = 2.44375
#   C = ½ · 1.44375² = ½ · 2.0844140625 = 1.04220703125
#       (1.44375² = 1.44² + 2·1.44·0.00375 + 0.00375² = 2.0736 + 0.0108 + 0.0000140625)
#   δ2 = y − t = 1.44375;  ∂C/∂W2 = δ2 · out1 = (3.609375, 0, 6.31640625);  ∂C/∂b2 = 1.44375
#   ∂C/∂out1 = δ2 · W2 = (0.721875, −1.44375, 0.3609375)
#   ∂C/∂a1 = ∂C/∂out1 ⊙ m / p = (0.90234375, 0, 0.451171875) = δ1 (all z1 > 0)
#   ∂C/∂W1 = δ1 xᵀ = [[1.8046875, 0.90234375], [0, 0], [0.90234375, 0.451171875]]
# standard, training: out1 = a1 ⊙ m = (2, 0, 3.5)
#   y = 1 + 0.875 + 0.1 = 1.975;  δ2 = 0.975;  ∂C/∂W2 = (1.95, 0, 3.4125);  C = ½·0.950625
#   ∂C/∂out1 = 0.975 · (0.5, −1, 0.25) = (0.4875, −0.975, 0.24375)
#   δ1 = ∂C/∂out1 ⊙ m = (0.4875, 0, 0.24375);  ∂C/∂W1 = [[0.975, 0.4875], [0, 0], [0.4875, 0.24375]]
# inverted, evaluation: out1 = a1 = (2, 1, 3.5);  y = 1 − 1 + 0.875 + 0.1 = 0.975;  δ2 = −0.025
#   ∂C/∂W2 = −0.025 · (2, 1, 3.5) = (−0.05, −0.025, −0.0875)
#   δ1 = ∂C/∂out1 = −0.025 · (0.5, −1, 0.25) = (−0.0125, 0.025, −0.00625)  (no mask, factor 1)
#   ∂C/∂W1 = δ1 xᵀ = [[−0.025, −0.0125], [0.05, 0.025], [−0.0125, −0.00625]]
# standard, evaluation: out1 = p · a1 = (1.6, 0.8, 2.8);  y = 0.8 − 0.8 + 0.7 + 0.1 = 0.8
#   δ2 = 0.8 − 1 = −0.2;  ∂C/∂W2 = −0.2 · (1.6, 0.8, 2.8) = (−0.32, −0.16, −0.56)
#   ∂C/∂out1 = −0.2 · (0.5, −1, 0.25) = (−0.1, 0.2, −0.05)
#   δ1 = p · ∂C/∂out1 = (−0.08, 0.16, −0.04)  (no mask in evaluation; the factor p)
#   ∂C/∂W1 = δ1 xᵀ = [[−0.16, −0.08], [0.32, 0.16], [−0.08, −0.04]]

DROPOUT_CASES = {
    # (scaling, train): (out1, y, grad_W2, delta1, grad_W1)
    ("inverted", True): (
        [2.5, 0.0, 4.375],
        2.44375,
        [3.609375, 0.0, 6.31640625],
        [0.90234375, 0.0, 0.451171875],
        [[1.8046875, 0.90234375], [0.0, 0.0], [0.90234375, 0.451171875]],
    ),
    ("standard", True): (
        [2.0, 0.0, 3.5],
        1.975,
        [1.95, 0.0, 3.4125],
        [0.4875, 0.0, 0.24375],
        [[0.975, 0.4875], [0.0, 0.0], [0.4875, 0.24375]],
    ),
    ("inverted", False): (
        [2.0, 1.0, 3.5],
        0.975,
        [-0.05, -0.025, -0.0875],
        [-0.0125, 0.025, -0.00625],
        [[-0.025, -0.0125], [0.05, 0.025], [-0.0125, -0.00625]],
    ),
    ("standard", False): (
        [1.6, 0.8, 2.8],
        0.8,
        [-0.32, -0.16, -0.56],
        [-0.08, 0.16, -0.04],
        [[-0.16, -0.08], [0.32, 0.16], [-0.08, -0.04]],
    ),
}


@pytest.mark.parametrize(("scaling", "train"), list(DROPOUT_CASES), ids=str)
def test_dropout_fixed_mask_by_hand(scaling, train):
    net = gn.Network(
        [
            gn.Dense(
                2,
                3,
                "relu",
                weights=[[1, 0], [0, 1], [1, 1]],
                bias=[0, 0, 0.5],
                dropout={"rate": 0.2, "scaling": scaling},
            ),
            gn.Dense(3, 1, "identity", weights=[[0.5, -1, 0.25]], bias=[0.1]),
        ],
        dtype="float64",
    )
    out1, y, grad_W2, delta1, grad_W1 = DROPOUT_CASES[(scaling, train)]
    mask = [1.0, 0.0, 1.0]
    p = net.compute_gradients([[2.0, 1.0]], [[1.0]], HALF_SE, train=train, masks=[mask, None])
    l1, l2 = p.layers
    np.testing.assert_array_equal(l1.a, [[2.0, 1.0, 3.5]])
    if train:
        np.testing.assert_array_equal(l1.mask, [mask])
    else:
        assert l1.mask is None  # evaluation ignores masks
    np.testing.assert_allclose(l1.out, [out1], **EXACT)
    np.testing.assert_allclose(p.output, [[y]], **EXACT)
    assert p.loss == pytest.approx(0.5 * (y - 1.0) ** 2, rel=1e-12)
    np.testing.assert_allclose(l2.grad_W, [grad_W2], **EXACT)
    np.testing.assert_allclose(l2.grad_b, [y - 1.0], **EXACT)
    np.testing.assert_allclose(l1.delta, [delta1], **EXACT)
    np.testing.assert_allclose(l1.grad_W, grad_W1, **EXACT)
    np.testing.assert_allclose(l1.grad_b, delta1, **EXACT)


def test_dropout_factors_by_hand():
    inv, std = gn.Dropout(0.2, "inverted"), gn.Dropout(0.2, "standard")
    assert inv.keep_prob == pytest.approx(0.8, rel=1e-15)
    assert inv.train_factor() == pytest.approx(1.25, rel=1e-15)  # 1/p = 1/0.8
    assert inv.eval_factor() == 1.0
    assert std.train_factor() == 1.0
    assert std.eval_factor() == pytest.approx(0.8, rel=1e-15)


# =============================================================================================
# 5. Softmax + cross-entropy on equal logits (every number exact): 4 classes, target class 2.
#
#   zero weights and biases → z = (0, 0, 0, 0) → p = e⁰/(4e⁰) = (¼, ¼, ¼, ¼)
#   plain:     C = −log ¼ = log 4 = 1.3862943611198906;  δ = p − t = (¼, ¼, −¾, ¼)
#   smoothing ε = 0.2: q = 0.8·t + 0.2/4 = (0.05, 0.05, 0.85, 0.05)
#              C = −Σ q log ¼ = log 4 · Σ q = log 4;      δ = p − q = (0.2, 0.2, −0.6, 0.2)
#   weights w = (1, 2, 3, 4), no smoothing: C_s = −w_2 log p_2 = 3 log 4; mean divides by
#              Σ_s w_{t_s} = 3 → C = log 4;  δ_s = p·Σ_k w_k q_k − w ⊙ q = ¼·3 − (0, 0, 3, 0)
#              = (0.75, 0.75, −2.25, 0.75), scale = ⅓, so ∂C/∂z = (0.25, 0.25, −0.75, 0.25)
#   x = (1, −1): ∂C/∂b = scale·δ and ∂C/∂W = scale·δ xᵀ, i.e. column 2 of ∂C/∂W is −column 1.


@pytest.mark.parametrize(
    ("options", "delta", "scale"),
    [
        ({}, [0.25, 0.25, -0.75, 0.25], 1.0),
        ({"label_smoothing": 0.2}, [0.2, 0.2, -0.6, 0.2], 1.0),
        ({"class_weights": [1, 2, 3, 4]}, [0.75, 0.75, -2.25, 0.75], 1 / 3),
    ],
    ids=["plain", "smoothing", "weights"],
)
@pytest.mark.parametrize("from_logits", [False, True], ids=["softmax", "logits"])
def test_softmax_cross_entropy_on_equal_logits(options, delta, scale, from_logits):
    out_act = "identity" if from_logits else "softmax"
    net = gn.Network(
        [gn.Dense(2, 4, out_act, weights=np.zeros((4, 2)), bias=np.zeros(4))], dtype="float64"
    )
    loss = gn.CrossEntropy(from_logits=from_logits, **options)
    for fused in (True, False):
        p = net.compute_gradients([[1.0, -1.0]], [2], loss, fused=fused)
        if not from_logits:
            np.testing.assert_array_equal(p.output, [[0.25] * 4])
        assert p.loss == pytest.approx(math.log(4), rel=1e-15)
        assert p.scale == pytest.approx(scale, rel=1e-15)
        np.testing.assert_allclose(p.layers[0].delta, [delta], **EXACT)
        g = scale * np.array(delta)
        np.testing.assert_allclose(net.layers[0].grad_b, g, **EXACT)
        np.testing.assert_allclose(net.layers[0].grad_W, np.stack([g, -g], axis=1), **EXACT)
