"""fit's fast paths change no number: sliced batches without shuffling, the epoch's deferred
accuracy count, the workspace — checked against the bare engine loop and the general path."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.optim import Adam
from glassnet.train.callbacks.base import Callback


def make_net(seed: int = 0) -> gn.Network:
    return gn.Network(
        [gn.Dense(4, 16, "relu"), gn.Dense(16, 8, "relu", dropout=0.25), gn.Dense(8, 3, "softmax")],
        dtype="float32",
        seed=seed,
    )


def data(n: int = 53):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5)
    return X, y


class Batches(Callback):
    """A batch callback: forces fit's general (per-batch metrics) path."""

    def __init__(self) -> None:
        self.seen = 0

    def on_batch_end(self, run, batch, logs) -> None:
        self.seen += 1


def test_fit_without_shuffle_equals_the_bare_engine_loop():
    X, y = data()
    a, b = make_net(), make_net()
    a.fit(X, y, loss="cross_entropy", optimizer=Adam(lr=0.01), epochs=3, batch_size=8,
          shuffle=False, verbose=0)  # fmt: skip
    loss = gn.get_loss("cross_entropy")
    T = loss.prepare_targets(y, len(y), 3, np.float32)
    opt = Adam(lr=0.01)
    for _ in range(3):
        for s in range(0, len(X), 8):
            b.compute_gradients(X[s : s + 8], T[s : s + 8], loss, train=True, validate=False)
            opt.step(b.params, b.grads, lr=0.01)
    np.testing.assert_array_equal(a.params, b.params)


@pytest.mark.parametrize("shuffle", [True, False])
def test_deferred_accuracy_equals_the_per_batch_sums(shuffle):
    X, y = data()
    fast, general = make_net(), make_net()
    h_fast = fast.fit(X, y, loss="cross_entropy", optimizer=Adam(lr=0.01), epochs=4,
                      batch_size=8, shuffle=shuffle, verbose=0)  # fmt: skip
    cb = Batches()
    h_gen = general.fit(X, y, loss="cross_entropy", optimizer=Adam(lr=0.01), epochs=4,
                        batch_size=8, shuffle=shuffle, verbose=0, callbacks=[cb])  # fmt: skip
    assert cb.seen == 4 * 7
    np.testing.assert_array_equal(fast.params, general.params)
    for e_fast, e_gen in zip(h_fast.epochs, h_gen.epochs, strict=True):
        assert e_fast["accuracy"] == e_gen["accuracy"]
        assert e_fast["loss"] == e_gen["loss"]


@pytest.mark.parametrize("shuffle", [True, False])
def test_deferred_accuracy_is_the_share_of_correct_predictions(shuffle):
    # lr = 0 and no dropout: the parameters never move, so the epoch's running accuracy is
    # the accuracy of the fixed network on the training set, computed here independently
    X, y = data()
    net = gn.Network([gn.Dense(4, 16, "relu"), gn.Dense(16, 3, "softmax")], dtype="float32")
    hist = net.fit(X, y, loss="cross_entropy", optimizer=Adam(lr=0.0), epochs=2,
                   batch_size=8, shuffle=shuffle, verbose=0)  # fmt: skip
    z = np.maximum(X @ net.layers[0].W.T + net.layers[0].b, 0) @ net.layers[1].W.T
    expected = np.mean(np.argmax(z + net.layers[1].b, axis=1) == y)
    for epoch in hist.epochs:
        assert epoch["accuracy"] == pytest.approx(expected, abs=1e-12)
