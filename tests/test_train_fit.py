"""fit: the loop's semantics against a hand-written loop over the engine, data handling,
history contents, options by name, prediction and evaluation."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.optim import SGD, Adam
from glassnet.train import EarlyStopping, History, LambdaCallback, fit


def toy(rng: np.random.Generator, n: int = 60, d: int = 4, k: int = 3):
    X = rng.normal(size=(n, d))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    return X, np.minimum(y, k - 1)


def mlp(d: int = 4, k: int = 3, seed: int = 0, dropout: float | None = None, dtype="float64"):
    return gn.Network([gn.Dense(d, 8, activation="relu", dropout=dropout),
                       gn.Dense(8, k, activation="softmax")], dtype=dtype, seed=seed)


def test_fit_equals_a_hand_written_loop_with_partial_last_batch(rng):
    # 10 samples, batch 4 → batches of 4, 4, 2 per epoch; no shuffling, plain SGD
    X, y = toy(rng, n=10)
    a = mlp()
    b = mlp()
    hist = a.fit(X, y, optimizer=SGD(lr=0.1), epochs=2, batch_size=4, shuffle=False, verbose=0)
    loss = gn.get_loss("cross_entropy")
    T = np.eye(3)[y]
    opt = SGD(lr=0.1)
    epoch_losses = []
    for _ in range(2):
        total = 0.0
        for start in (0, 4, 8):
            xb, tb = X[start:start + 4], T[start:start + 4]
            p = b.compute_gradients(xb, tb, loss, train=True)
            opt.step(b.params, b.grads)
            total += p.loss * len(xb)
        epoch_losses.append(total / 10)  # weighted by batch sizes
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_allclose(hist["loss"], epoch_losses, rtol=1e-12)
    assert len(hist.steps["lr"]) == 6 and hist.steps["lr"] == [0.1] * 6


def test_shuffling_uses_the_network_generator_and_is_reproducible(rng):
    X, y = toy(rng)
    runs = [mlp(seed=3, dropout=0.2) for _ in range(3)]
    for net in runs[:2]:
        net.fit(X, y, epochs=3, batch_size=8, verbose=0)
    np.testing.assert_array_equal(runs[0].params, runs[1].params)
    other = mlp(seed=4, dropout=0.2)
    other.fit(X, y, epochs=3, batch_size=8, verbose=0)
    assert not np.array_equal(runs[0].params, other.params)


def test_batches_index_the_shuffled_order_without_copying_the_data(rng):
    X, y = toy(rng, n=20)
    seen = []
    net = mlp()
    net.fit(X, y, epochs=1, batch_size=6, verbose=0, callbacks=[LambdaCallback(
        on_batch_end=lambda run, batch, logs: seen.append(
            (logs["batch_size"], run.epoch_state.perm.copy())))])
    assert [s for s, _ in seen] == [6, 6, 6, 2]
    perm = seen[0][1]
    assert sorted(perm) == list(range(20)) and not np.array_equal(perm, np.arange(20))


def test_history_has_per_epoch_and_per_step_records(rng):
    X, y = toy(rng)
    hist = mlp().fit(X, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                     schedule=lambda step: 0.01 / (1 + step))
    assert isinstance(hist, History) and len(hist) == 3
    keys = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "time_s",
            "samples_per_s"]
    assert hist.keys() == keys
    assert hist["epoch"] == [1, 2, 3]
    n_steps = 3 * int(np.ceil(45 / 16))
    assert len(hist.steps["lr"]) == len(hist.steps["loss"]) == n_steps
    assert hist.steps["lr"] == [0.01 / (1 + k) for k in range(n_steps)]
    assert hist["lr"][-1] == hist.steps["lr"][-1]
    assert all(v > 0 for v in hist["samples_per_s"])
    assert History.from_dict(hist.to_dict()).epochs == hist.epochs


def test_validation_is_evaluation_mode_and_equals_evaluate(rng):
    X, y = toy(rng)
    Xv, yv = toy(rng, n=30)
    net = mlp(dropout=0.5)
    hist = net.fit(X, y, epochs=2, validation_data=(Xv, yv), verbose=0)
    res = net.evaluate(Xv, yv)
    assert hist["val_loss"][-1] == pytest.approx(res["loss"], rel=1e-12)
    assert hist["val_accuracy"][-1] == res["accuracy"]


def test_validation_split_is_shuffled_stratified_and_stable(rng):
    from glassnet.train.data import prepare_data
    from glassnet.train.run import make_run

    # classes sorted: "the last 20 %" would be one class only
    X = rng.normal(size=(100, 4))
    y = np.repeat([0, 1, 2, 3], 25)
    splits = []
    for _ in range(2):
        net = mlp(k=4, seed=5)
        train, val = prepare_data(net, make_run(net), X, y, None, 0.2)
        splits.append((train, val))
        assert val.n == 20 and train.n == 80
        np.testing.assert_array_equal(np.bincount(val.labels), [5, 5, 5, 5])
    np.testing.assert_array_equal(splits[0][1].X, splits[1][1].X)  # same seed, same split
    last = np.asarray(X[80:], dtype=np.float64)
    assert not np.array_equal(np.sort(splits[0][1].X, axis=0), np.sort(last, axis=0))


def test_inputs_and_targets_are_checked_once_per_fit(rng, monkeypatch):
    from glassnet.losses import CrossEntropy

    calls = []
    original = CrossEntropy.prepare_targets

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CrossEntropy, "prepare_targets", counting)
    X, y = toy(rng)
    mlp().fit(X, y, epochs=4, batch_size=8, validation_split=0.2, verbose=0)
    assert len(calls) == 1  # targets prepared once, then sliced per batch


def test_optimizer_and_loss_by_name_and_options(rng):
    X, y = toy(rng)
    net = mlp()
    net.fit(X, y, loss="ce", optimizer="sgd", lr=0.05, epochs=1, verbose=0)
    run = net.training_state
    assert isinstance(run.optimizer, SGD) and run.optimizer.lr == 0.05
    assert run.loss.name == "cross_entropy"
    net.fit(X, y, optimizer={"name": "adam", "lr": 3e-3, "betas": (0.8, 0.9)}, epochs=1,
            verbose=0)
    assert isinstance(net.training_state.optimizer, Adam)
    assert net.training_state.optimizer.config()["betas"] == [0.8, 0.9]
    with pytest.raises(gn.ConfigError, match="Did you mean 'adam'"):
        net.fit(X, y, optimizer="adma", epochs=1, verbose=0)


def test_a_second_fit_continues_the_optimizer_and_the_counters(rng):
    X, y = toy(rng)
    net = mlp()
    opt = Adam(lr=1e-2)
    net.fit(X, y, optimizer=opt, epochs=2, batch_size=20, verbose=0)
    hist = net.fit(X, y, epochs=1, verbose=0)
    assert net.training_state.optimizer is opt and opt.state.t == 9
    assert hist["epoch"] == [1, 2, 3] and net.training_state.step == 9


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.ones((5, 3)), np.zeros(5, int), gn.ShapeError, "3 columns but 4"),
        (np.full((5, 4), np.nan), np.zeros(5, int), gn.DataError, "non-finite"),
        (np.ones((5, 4)), np.full(5, 7), gn.DataError, "class label 7"),
        (np.ones((5, 4)), np.zeros(4, int), gn.ShapeError, "4 class labels for 5"),
    ],
)
def test_bad_data_is_refused_once_up_front(X, y, error, match):
    with pytest.raises(error, match=match):
        mlp().fit(X, y, epochs=1, verbose=0)


def test_bad_options(rng):
    X, y = toy(rng)
    with pytest.raises(gn.ConfigError, match="not both"):
        mlp().fit(X, y, validation_data=(X, y), validation_split=0.2, verbose=0)
    with pytest.raises(gn.ConfigError, match="batch_size"):
        mlp().fit(X, y, batch_size=0, verbose=0)
    with pytest.raises(gn.ConfigError, match="metric"):
        mlp().fit(X, y, metrics=["acurracy"], verbose=0)
    with pytest.raises(gn.ConfigError, match="Callback"):
        mlp().fit(X, y, callbacks=[print], verbose=0)


def test_regression_task_metrics_and_predict(rng):
    X = rng.uniform(-1, 1, size=(80, 2))
    t = X @ np.array([[1.0], [-2.0]]) + 0.5
    net = gn.Network([gn.Dense(2, 8, activation="tanh"), gn.Dense(8, 1)], dtype="float64",
                     seed=0)
    hist = net.fit(X, t, epochs=60, lr=0.02, batch_size=16, metrics=["mae", "r2", "mse"],
                   validation_split=0.25, verbose=0)
    assert net.training_state.task == "regression"
    assert {"mae", "mse", "val_r2"} <= set(hist.keys()) and "r2" not in hist
    assert hist["val_r2"][-1] > 0.9
    assert net.predict(X).shape == (80, 1)
    with pytest.raises(gn.ConfigError, match="regression"):
        net.predict_proba(X)


def test_binary_task_with_bce_logits(rng):
    X = rng.normal(size=(64, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)
    net = gn.Network([gn.Dense(2, 4, activation="tanh"), gn.Dense(4, 1)], dtype="float64",
                     seed=0)
    net.fit(X, y, loss={"name": "bce", "from_logits": True}, lr=0.05, epochs=30, verbose=0)
    assert net.training_state.task == "binary"
    pred = net.predict(X)
    assert pred.shape == (64,) and set(np.unique(pred)) <= {0, 1}
    p = net.predict_proba(X)
    assert p.shape == (64, 1) and np.all((p > 0) & (p < 1))
    np.testing.assert_array_equal(pred, (p[:, 0] >= 0.5).astype(int))
    assert net.evaluate(X, y)["accuracy"] > 0.9


def test_predict_proba_and_evaluate_detailed(rng):
    X, y = toy(rng)
    net = mlp()
    net.fit(X, y, epochs=5, lr=0.01, verbose=0)
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(net.predict(X), proba.argmax(axis=1))
    res = net.evaluate(X, y, detailed=True, metrics=["accuracy", "top2_accuracy"])
    assert res["confusion_matrix"].sum() == 60 and res["confusion_matrix"].shape == (3, 3)
    assert res["top2_accuracy"] >= res["accuracy"]
    assert res["n_samples"] == 60 and len(res["f1"]) == 3


def test_untrained_network_predicts_with_the_natural_loss(rng):
    net = mlp(dtype="float32")
    X = rng.normal(size=(5000, 4))  # more than one evaluation batch
    assert net.predict(X).shape == (5000,)
    assert net.evaluate(X, np.zeros(5000, int))["n_samples"] == 5000


def test_float32_network_trains_and_history_is_plain_floats(rng):
    X, y = toy(rng)
    hist = fit(mlp(dtype="float32"), X, y, epochs=2, verbose=0)
    assert all(type(v) is float for v in hist["loss"])
    assert all(type(v) is float for v in hist.steps["loss"])


def test_the_per_call_plan_is_run_plan_not_a_second_params(rng):
    # review item 10: TrainingRun.params (per-call counts) clashed with net.params
    X, y = toy(rng, n=20)
    net = mlp()
    net.fit(X, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0)
    run = net.training_state
    assert run.plan == {"epochs": 2, "n_batches": 2, "n_train": 15, "n_val": 5,
                        "batch_size": 8, "updates": 4}
    assert not hasattr(run, "params")  # net.params are the parameters; nothing else is


def test_a_fit_that_fails_its_checks_leaves_the_previous_run_untouched(rng):
    # review item 1: make_run mutated the previous run before the data was checked
    X, y = toy(rng)
    net = mlp()
    net.fit(X, y, optimizer="adam", lr=0.01, epochs=2, batch_size=16, verbose=0,
            schedule_unit="step", regularization=0.01, metrics=["accuracy"])
    run = net.training_state
    before = {k: getattr(run, k) for k in ("loss", "optimizer", "task", "metrics",
                                           "regularization", "schedule_unit", "batch_size",
                                           "info", "epoch", "step", "history")}
    state = run.optimizer.state_dict()
    failing = [
        (gn.ShapeError, dict(X=X[:, :3], optimizer="sgd", batch_size=7)),
        (gn.ShapeError, dict(X=X[:, :3], lr=0.5, schedule_unit="epoch", regularization=None)),
        (gn.ShapeError, dict(X=X[:, :3], loss="mse", metrics=["mae"], info={"a": 1})),
        (gn.ConfigError, dict(validation_data=(X, y), validation_split=0.2, batch_size=3)),
        (gn.ConfigError, dict(lr=0.5, callbacks=[EarlyStopping()])),  # no val data
    ]
    for error, options in failing:
        options = {"X": X, "y": y, "epochs": 1, "verbose": 0, **options}
        with pytest.raises(error):
            net.fit(options.pop("X"), options.pop("y"), **options)
        assert net.training_state is run
        for key, value in before.items():
            assert getattr(run, key) is value or getattr(run, key) == value, key
        assert run.optimizer.lr == 0.01 and isinstance(run.optimizer, Adam)
        for key, value in state.items():
            np.testing.assert_array_equal(run.optimizer.state_dict()[key], value)
    # and the next good call continues the previous run
    net.fit(X, y, epochs=1, verbose=0)
    assert net.training_state.step == 3 * 4 and net.training_state.optimizer.state.t == 12


@pytest.mark.parametrize("loss", [
    {"name": "cross_entropy"},
    {"name": "cross_entropy", "reduction": "sum"},
    {"name": "cross_entropy", "class_weights": [1.0, 5.0, 20.0]},
    {"name": "cross_entropy", "class_weights": [1.0, 5.0, 20.0], "reduction": "sum"},
    {"name": "squared_error", "reduction": "sum"},
])
def test_training_loss_and_val_loss_are_on_the_same_scale(rng, loss):
    # review item 6: with reduction="sum" the epoch loss was Σ_b (Σ_{s∈b} C_s)·n_b / N, and
    # with class weights a mean of batch means; lr = 0 and the training set as validation
    # set must give loss == val_loss (penalty included)
    X, y = toy(rng, n=50)
    y = np.eye(3)[y]  # one-hot: every loss takes it
    net = mlp()
    seen = []
    hist = net.fit(X, y, loss=loss, optimizer=SGD(lr=0.0), epochs=2, batch_size=8,
                   validation_data=(X, y), regularization={"l2": 0.01}, verbose=0,
                   callbacks=[LambdaCallback(on_batch_end=lambda run, b, logs: seen.append(
                       run.epoch_state.loss_value(run.loss.reduction)))])
    np.testing.assert_allclose(hist["loss"], hist["val_loss"], rtol=1e-12)
    assert seen[6] == hist["loss"][0]  # the running value after the epoch's last batch


def test_validation_split_is_the_same_on_every_call_without_a_seed(rng, tmp_path,
                                                                   monkeypatch):
    # review item 7: with seed=None each call drew a new split from net.rng
    import glassnet.datasets.preprocessing as pre

    held = []
    original = pre.stratified_split

    def spy(*args, **kwargs):
        keep, hold = original(*args, **kwargs)
        held.append(np.sort(hold))
        return keep, hold

    monkeypatch.setattr(pre, "stratified_split", spy)
    X, y = toy(rng)
    net = mlp(seed=None)
    net.fit(X, y, epochs=1, validation_split=0.25, verbose=0)
    state = net.rng.bit_generator.state
    net.fit(X, y, epochs=1, validation_split=0.25, verbose=0, shuffle=False)
    assert net.rng.bit_generator.state == state  # the split does not draw from net.rng
    net.save(tmp_path / "m.glassnet")
    gn.load(tmp_path / "m.glassnet").fit(X, y, epochs=1, validation_split=0.25, verbose=0)
    assert len(held) == 3
    for h in held[1:]:
        np.testing.assert_array_equal(h, held[0])
    other = mlp(seed=None)
    other.fit(X, y, epochs=1, validation_split=0.25, verbose=0)
    assert not np.array_equal(held[-1], held[0])  # another network, another split
