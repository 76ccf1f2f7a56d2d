"""Each callback: early stopping, plateau rule (torch oracle), schedules, checkpoints,
loggers, TerminateOnNaN, progress output and hook order."""

from __future__ import annotations

import io
import json
import os
import signal
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet.optim import SGD
from glassnet.train import (
    CSVLogger,
    EarlyStopping,
    History,
    JSONLogger,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from glassnet.train.callbacks import Callback


def toy(rng, n=48):
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)


def mlp(seed=0):
    return gn.Network([gn.Dense(3, 6, activation="tanh"), gn.Dense(6, 2, activation="softmax")],
                      dtype="float64", seed=seed)


def driven(values, key="val_loss"):
    """A callback that overwrites the monitored value with a scripted sequence."""
    it = iter(values)

    class Script(Callback):
        order = -100  # before the callbacks that read the value

        def on_epoch_end(self, run, epoch, logs):
            logs[key] = next(it)

    return Script()


# ---------------------------------------------------------------------- EarlyStopping
def test_early_stopping_stops_after_patience_and_restores_the_best_weights(rng):
    X, y = toy(rng)
    snapshots = {}
    keep = LambdaCallback(on_epoch_end=lambda run, e, logs: snapshots.__setitem__(
        e, run.net.params.copy()))
    net = mlp()
    es = EarlyStopping(patience=2)
    hist = net.fit(X, y, epochs=20, validation_split=0.25, verbose=0,
                   callbacks=[driven([1.0, 0.5, 0.7, 0.6, 0.4]), es, keep])
    assert len(hist) == 4 and es.stopped_epoch == 4 and es.best_epoch == 2
    assert "early stopping" in hist.meta["stop_reason"]
    np.testing.assert_array_equal(net.params, snapshots[2])
    assert hist.meta["restored_epoch"] == 2


def test_early_stopping_restores_even_when_the_epochs_run_out(rng):
    # the Keras 2 trap: restore_best_weights did nothing unless patience ran out
    X, y = toy(rng)
    snapshots = {}
    net = mlp()
    net.fit(X, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[
        driven([0.9, 0.3, 0.8]), EarlyStopping(patience=10),
        LambdaCallback(on_epoch_end=lambda run, e, logs: snapshots.__setitem__(
            e, run.net.params.copy()))])
    np.testing.assert_array_equal(net.params, snapshots[2])


def test_early_stopping_min_delta_mode_and_missing_validation(rng):
    X, y = toy(rng)
    es = EarlyStopping("val_accuracy", patience=1, min_delta=0.05)
    assert es.mode == "max"
    hist = mlp().fit(X, y, epochs=10, validation_split=0.25, verbose=0,
                     callbacks=[driven([0.5, 0.53, 0.6], "val_accuracy"), es])
    assert len(hist) == 2  # 0.53 is not 0.05 better than 0.5
    with pytest.raises(gn.ConfigError, match="needs validation data"):
        mlp().fit(X, y, epochs=1, verbose=0, callbacks=[EarlyStopping()])
    with pytest.raises(gn.ConfigError, match="not measured"):
        mlp().fit(X, y, epochs=1, verbose=0, callbacks=[EarlyStopping("f1_score")])


# ---------------------------------------------------------------------- ReduceLROnPlateau
@pytest.mark.parametrize("options", [
    {"factor": 0.5, "patience": 2},
    {"factor": 0.1, "patience": 1, "threshold": 0.1, "threshold_mode": "abs", "cooldown": 2},
    {"factor": 0.5, "patience": 0, "min_lr": 0.02, "mode": "max"},
    {"factor": 0.3, "patience": 1, "threshold": 0.05, "mode": "max", "threshold_mode": "rel"},
])
def test_reduce_lr_on_plateau_matches_torch(options):
    metrics = [1.0, 0.9, 0.95, 0.91, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.5, 0.51, 0.52,
               0.53, 0.49, 0.495, 0.6, 0.7, 0.8, 0.9]
    param = torch.nn.Parameter(torch.zeros(1))
    torch_opt = torch.optim.SGD([param], lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **options)
    expected = []
    for m in metrics:
        torch_opt.step()
        sched.step(m)
        expected.append(torch_opt.param_groups[0]["lr"])
    cb = ReduceLROnPlateau("val_loss", **options)
    run = SimpleNamespace(optimizer=SGD(lr=0.1), schedule=None, plan={"n_val": 5},
                          metrics=(), callback_state={}, history=History())
    cb.on_train_begin(run)
    got = []
    for e, m in enumerate(metrics, start=1):
        cb.on_epoch_end(run, e, {"val_loss": m})
        got.append(run.optimizer.lr)
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_reduce_lr_on_plateau_in_fit_and_schedule_conflict(rng):
    X, y = toy(rng)
    hist = mlp().fit(X, y, optimizer="sgd", lr=0.1, epochs=5, validation_split=0.25,
                     verbose=0, callbacks=[driven([1, 1, 1, 1, 1]),
                                           ReduceLROnPlateau(patience=1, factor=0.5)])
    # bad epochs 1..: counter 1 at epoch 2, 2 > patience at epoch 3 → lr halves from epoch 4
    assert hist["lr"] == [0.1, 0.1, 0.1, 0.05, 0.05]
    assert hist.meta["lr_reductions"] == [[3, 0.05], [5, 0.025]]
    with pytest.raises(gn.ConfigError, match="schedule"):
        mlp().fit(X, y, schedule=lambda k: 0.1, validation_split=0.25, verbose=0,
                  callbacks=[ReduceLROnPlateau()])


# ---------------------------------------------------------------------- schedules
def test_learning_rate_scheduler_per_epoch_and_per_step(rng):
    X, y = toy(rng, n=40)  # batch 16 → 3 updates per epoch
    hist = mlp().fit(X, y, epochs=3, batch_size=16, verbose=0,
                     callbacks=[LearningRateScheduler(lambda e: 0.1 * 0.5 ** e, unit="epoch")])
    assert hist.steps["lr"] == [0.1] * 3 + [0.05] * 3 + [0.025] * 3
    assert hist["lr"] == [0.1, 0.05, 0.025]
    hist = mlp().fit(X, y, epochs=2, batch_size=16, verbose=0,
                     callbacks=[LearningRateScheduler("cosine", unit="step")])
    expected = [0.001 * (1 + np.cos(np.pi * k / 6)) / 2 for k in range(6)]
    np.testing.assert_allclose(hist.steps["lr"], expected, rtol=1e-12)


def test_schedule_names_get_their_length_and_lr_from_the_run(rng):
    X, y = toy(rng, n=40)
    net = mlp()
    net.fit(X, y, optimizer="sgd", lr=0.2, epochs=4, batch_size=20, verbose=0,
            schedule="one_cycle")
    sched = net.training_state.schedule
    assert sched.config()["max_lr"] == 0.2 and sched.config()["total_steps"] == 8


@pytest.mark.parametrize("name", ["cosine", "one_cycle"])
def test_a_kept_schedule_does_not_run_past_its_end(rng, name):
    # review item 4a: cosine went on at lr 0, one_cycle raised at the first step past its end
    X, y = toy(rng, n=40)  # batch 20: 2 updates per epoch
    net = mlp()
    net.fit(X, y, optimizer="sgd", lr=0.1, epochs=2, batch_size=20, verbose=0, schedule=name)
    with pytest.raises(gn.ConfigError, match=r"kept.*schedule=") as err:
        net.fit(X, y, epochs=1, verbose=0)
    assert "0 steps left" in str(err.value)
    assert net.training_state.step == 4
    hist = net.fit(X, y, epochs=2, verbose=0, schedule=name)  # a new one, over this call
    assert hist.steps["lr"][4:] == hist.steps["lr"][:4]


def test_a_kept_schedule_continues_within_its_length(rng):
    X, y = toy(rng, n=40)
    net = mlp()
    net.fit(X, y, optimizer="sgd", lr=0.1, epochs=1, batch_size=20, verbose=0,
            schedule={"name": "cosine", "T_max": 6})
    hist = net.fit(X, y, epochs=2, verbose=0)
    expected = [0.1 * (1 + np.cos(np.pi * k / 6)) / 2 for k in range(6)]
    np.testing.assert_allclose(hist.steps["lr"], expected, rtol=1e-12)
    with pytest.raises(gn.ConfigError, match="schedule_unit"):
        net.fit(X, y, epochs=1, verbose=0, schedule_unit="epoch")


def test_a_new_schedule_starts_with_the_call_that_gives_it(rng):
    # review item 4b: a schedule given to a run that already trained started partway through
    X, y = toy(rng, n=40)
    net = mlp()
    net.fit(X, y, optimizer="sgd", lr=0.1, epochs=2, batch_size=20, verbose=0)
    hist = net.fit(X, y, epochs=3, verbose=0, schedule=lambda e: 0.1 * 0.5 ** e,
                   schedule_unit="epoch")
    assert hist["lr"] == [0.1, 0.1, 0.1, 0.05, 0.025]
    assert net.training_state.schedule_start == 2
    hist = net.fit(X, y, epochs=2, verbose=0, schedule="cosine", schedule_unit="step")
    assert net.training_state.schedule.config()["T_max"] == 4  # this call's updates
    expected = [0.1 * (1 + np.cos(np.pi * k / 4)) / 2 for k in range(4)]
    np.testing.assert_allclose(hist.steps["lr"][-4:], expected, rtol=1e-12)
    net.fit(X, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler("cosine", unit="step")])
    assert net.training_state.schedule.config()["T_max"] == 2
    assert net.training_state.history.steps["lr"][-2:] == [0.1, 0.05]


# ---------------------------------------------------------------------- checkpoints
def test_model_checkpoint_last_and_best(rng, tmp_path):
    X, y = toy(rng)
    best_params = {}
    cb = ModelCheckpoint(tmp_path / "last.glassnet", best_path=tmp_path / "best.glassnet")
    net = mlp()
    net.fit(X, y, epochs=4, validation_split=0.25, verbose=0, callbacks=[
        driven([0.8, 0.2, 0.5, 0.6]), cb,
        LambdaCallback(on_epoch_end=lambda run, e, logs: best_params.__setitem__(
            e, run.net.params.copy()))])
    best = gn.load(tmp_path / "best.glassnet")
    last = gn.load(tmp_path / "last.glassnet")
    np.testing.assert_array_equal(best.params, best_params[2])
    np.testing.assert_array_equal(last.params, net.params)
    assert best.training_state.epoch == 2 and last.training_state.epoch == 4
    with pytest.raises(gn.ConfigError, match="path"):
        ModelCheckpoint()


# ---------------------------------------------------------------------- loggers
def test_csv_and_json_loggers_rewrite_the_whole_history(rng, tmp_path):
    X, y = toy(rng)
    net = mlp()
    net.fit(X, y, epochs=2, validation_split=0.25, verbose=0,
            callbacks=[CSVLogger(tmp_path / "h.csv"), JSONLogger(tmp_path / "h.json")])
    net.fit(X, y, epochs=1, validation_split=0.25, verbose=0,
            callbacks=[CSVLogger(tmp_path / "h.csv"), JSONLogger(tmp_path / "h.json")])
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0].split(",")[:2] == ["epoch", "loss"] and len(lines) == 4
    data = json.loads((tmp_path / "h.json").read_text())
    assert [e["epoch"] for e in data["epochs"]] == [1, 2, 3]
    assert set(data) == {"epochs", "steps", "meta"}
    assert len(data["steps"]["lr"]) == 6  # 36 training samples, batch 32: 2 updates per epoch
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temp files left


# ---------------------------------------------------------------------- TerminateOnNaN
def test_terminate_on_nan_stops_quietly_at_a_non_finite_validation_loss(rng):
    X, y = toy(rng)
    hist = mlp().fit(X, y, epochs=5, validation_split=0.25, verbose=0,
                     callbacks=[driven([0.5, float("nan"), 0.4]), TerminateOnNaN()])
    assert len(hist) == 2 and "val_loss is nan" in hist.meta["stop_reason"]


# ---------------------------------------------------------------------- progress
class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_one_line_per_epoch_when_not_a_terminal(rng):
    X, y = toy(rng)
    out = io.StringIO()
    mlp().fit(X, y, epochs=3, validation_split=0.25, verbose=1, callbacks=[ProgressBar(1, out)])
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3  loss ")
    assert all(w in lines[-1] for w in ("val_loss", "val_accuracy", "lr", "samples/s"))


def test_progress_bar_on_a_terminal_and_silence_at_verbose_0(rng, capsys):
    X, y = toy(rng)
    out = _Tty()
    mlp().fit(X, y, epochs=2, batch_size=8, verbose=1, callbacks=[ProgressBar(1, out)])
    text = out.getvalue()
    assert "epoch 1/2" in text and "epoch 2/2" in text and "batch" in text
    mlp().fit(X, y, epochs=2, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# ---------------------------------------------------------------------- hooks
def test_hook_order_and_train_end_in_reverse(rng):
    X, y = toy(rng, n=20)
    calls = []

    def rec(name, order):
        cb = LambdaCallback(on_train_begin=lambda run: calls.append(("begin", name)),
                            on_train_end=lambda run: calls.append(("end", name)))
        cb.order = order
        return cb

    mlp().fit(X, y, epochs=1, verbose=0, callbacks=[rec("b", 5), rec("a", -5)])
    assert calls == [("begin", "a"), ("begin", "b"), ("end", "b"), ("end", "a")]
    with pytest.raises(gn.ConfigError, match="unknown hook"):
        LambdaCallback(on_epoch_ended=print)


def test_a_callback_can_stop_training_after_the_current_batch(rng):
    X, y = toy(rng, n=40)

    def stop(run, batch, logs):
        if batch == 2:
            run.stop_training = True

    net = mlp()
    hist = net.fit(X, y, epochs=3, batch_size=8, verbose=0,
                   callbacks=[LambdaCallback(on_batch_end=stop)])
    assert len(hist) == 0 and net.training_state.step == 2
    assert net.training_state.epoch_state.batch == 2
    net.fit(X, y, epochs=2, verbose=0)  # the rest of the epoch (3 updates), then 5
    assert net.training_state.plan["updates"] == 8 and net.training_state.step == 10


def test_ctrl_c_stops_after_the_batch_and_restores_the_signal_handler(rng, capsys):
    X, y = toy(rng, n=40)
    before = signal.getsignal(signal.SIGINT)

    def interrupt(run, batch, logs):
        if run.epoch == 1 and batch == 2:
            signal.raise_signal(signal.SIGINT)

    net = mlp()
    hist = net.fit(X, y, epochs=5, batch_size=8, verbose=1,
                   callbacks=[LambdaCallback(on_batch_end=interrupt), ProgressBar(0)])
    run = net.training_state
    assert run.interrupted and run.stop_reason == "interrupted (Ctrl-C) at epoch 2, batch 2"
    assert len(hist) == 1 and run.step == 5 + 2
    assert signal.getsignal(signal.SIGINT) is before
    assert "stopping after this batch" in capsys.readouterr().err


# ---------------------------------------------------------------------- errors (review item 8)
def test_an_error_in_an_epoch_still_ends_training_and_checkpoints_what_was_done(rng, tmp_path):
    X, y = toy(rng)
    ended = []

    def boom(run, epoch, logs):
        if epoch == 2:
            raise RuntimeError("disk full")

    ck = tmp_path / "last.glassnet"
    net = mlp()
    with pytest.raises(RuntimeError, match="disk full"):
        net.fit(X, y, epochs=5, batch_size=16, verbose=0, callbacks=[
            LambdaCallback(on_epoch_end=boom), ModelCheckpoint(ck, every=10),
            LambdaCallback(on_train_end=lambda run: ended.append(run.stop_reason))])
    run = net.training_state
    assert ended == ["error: RuntimeError: disk full"]
    assert run.history.meta["stop_reason"] == ended[0] and run.last_pass is None
    assert run.epoch == 2 and run.step == 6
    saved = gn.load(ck)  # every=10 never wrote it during training: the end did
    assert saved.training_state.epoch == 2
    np.testing.assert_array_equal(saved.params, net.params)


def test_an_error_in_a_batch_hook_leaves_a_resumable_mid_epoch_state(rng, tmp_path):
    X, y = toy(rng, n=40)

    def boom(run, batch, logs):
        if run.epoch == 1 and batch == 2:
            raise ValueError("bad hook")

    ck = tmp_path / "last.glassnet"
    net = mlp()
    with pytest.raises(ValueError, match="bad hook"):
        net.fit(X, y, epochs=3, batch_size=8, verbose=0,
                callbacks=[LambdaCallback(on_batch_end=boom), ModelCheckpoint(ck)])
    saved = gn.load(ck).training_state
    assert (saved.epoch, saved.step, saved.epoch_state.batch) == (1, 7, 2)
    assert net.training_state.last_pass is None


@pytest.mark.parametrize(("callback", "suggestion"), [
    (lambda: EarlyStopping("val_acuracy"), "val_accuracy"),
    (lambda: ReduceLROnPlateau("val_los"), "val_loss"),
    (lambda: ModelCheckpoint(best_path="b.glassnet", monitor="los"), "loss"),
])
def test_callback_monitors_are_checked_before_training_with_a_suggestion(rng, callback,
                                                                         suggestion):
    X, y = toy(rng)
    net = mlp()
    with pytest.raises(gn.ConfigError, match=f"not measured.*Did you mean '{suggestion}'"):
        net.fit(X, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[callback()])
    assert getattr(net, "training_state", None) is None  # nothing trained, nothing installed


# ---------------------------------------------------------------------- review item 3
def test_early_stopping_restores_the_optimizer_state_with_the_parameters(rng, tmp_path):
    X, y = toy(rng)
    seen = {}
    keep = LambdaCallback(on_epoch_end=lambda run, e, logs: seen.__setitem__(
        e, (run.net.params.copy(), run.optimizer.state_dict())))
    net = mlp()
    ck = tmp_path / "last.glassnet"
    net.fit(X, y, epochs=4, optimizer="adam", validation_split=0.25, verbose=0,
            callbacks=[driven([1.0, 0.5, 0.7, 0.6]), EarlyStopping(patience=10), keep,
                       ModelCheckpoint(ck)])

    def assert_epoch_2(net):
        params, state = seen[2]
        np.testing.assert_array_equal(net.params, params)
        got = net.training_state.optimizer.state_dict()
        assert got["t"] == state["t"] == 2 * 2  # 36 training samples, batch 32
        for key in ("m", "v"):
            np.testing.assert_array_equal(got[key], state[key])

    assert_epoch_2(net)
    assert net.training_state.history.meta["restored_epoch"] == 2
    # the checkpoint holds the state before the restore; resuming it, EarlyStopping still
    # knows the best epoch's parameters *and* optimizer state
    resumed = gn.load(ck)
    assert resumed.training_state.optimizer.state_dict()["t"] == 8
    resumed.fit(X, y, epochs=1, validation_split=0.25, verbose=0,
                callbacks=[driven([0.9]), EarlyStopping(patience=10)])
    assert_epoch_2(resumed)


# ---------------------------------------------------------------------- review item 9
def test_callbacks_of_one_class_with_different_monitors_keep_separate_states(rng, tmp_path):
    X, y = toy(rng)
    net = mlp()
    net.fit(X, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[
        driven([0.5, 0.4, 0.6]), driven([0.9, 0.7, 0.8], "val_accuracy"),
        EarlyStopping("val_loss", patience=10), EarlyStopping("val_accuracy", patience=10),
        ModelCheckpoint(best_path=tmp_path / "a.glassnet", monitor="val_loss"),
        ModelCheckpoint(best_path=tmp_path / "b.glassnet", monitor="val_accuracy"),
        ReduceLROnPlateau("val_loss", patience=5), ReduceLROnPlateau("val_accuracy", patience=5),
    ])
    assert len(net.training_state.callback_state) == 6
    assert gn.load(tmp_path / "a.glassnet").training_state.epoch == 2
    assert gn.load(tmp_path / "b.glassnet").training_state.epoch == 1
    net.save(tmp_path / "m.glassnet")
    run = gn.load(tmp_path / "m.glassnet").training_state
    run.plan = {"n_val": 12}  # as fit sets it
    for monitor, best, epoch in (("val_loss", 0.4, 2), ("val_accuracy", 0.9, 1)):
        es = EarlyStopping(monitor, patience=10)
        es.on_train_begin(run)
        assert (es.best, es.best_epoch, es.wait) == (best, epoch, 3 - epoch)
        ck = ModelCheckpoint(best_path=tmp_path / f"{'ab'[epoch % 2]}.glassnet", monitor=monitor)
        ck.on_train_begin(run)
        assert ck.best == best
        rl = ReduceLROnPlateau(monitor, patience=5)
        rl.on_train_begin(run)
        assert rl.best == best
    # the same key twice would overwrite one state with the other: refused
    with pytest.raises(gn.ConfigError, match="same key"):
        net.fit(X, y, epochs=1, validation_split=0.25, verbose=0,
                callbacks=[EarlyStopping(patience=2), EarlyStopping(patience=5)])


def test_states_saved_under_the_old_class_wide_keys_are_still_read():
    run = SimpleNamespace(callback_state={"early_stopping": {"best": 0.3, "best_epoch": 4,
                                                             "wait": 1}},
                          plan={"n_val": 3}, metrics=(), net=None)
    es = EarlyStopping(patience=5, restore_best_weights=False)
    es.on_train_begin(run)
    assert (es.best, es.best_epoch, es.wait) == (0.3, 4, 1)
    es.on_epoch_end(run, 5, {"val_loss": 0.5})
    assert set(run.callback_state) == {"early_stopping:val_loss"}
    assert run.callback_state["early_stopping:val_loss"]["wait"] == 2


def test_early_stopping_does_not_restore_an_epoch_a_divergence_discarded(rng):
    X, y = toy(rng)
    seen = {}

    def record_then_explode(run, epoch, logs):
        seen[epoch] = run.net.params.copy()
        if epoch == 3:
            run.net.params[0] = np.nan  # the next batch's loss is NaN

    net = mlp()
    with pytest.raises(gn.TrainingError, match="after epoch 1 were restored"):
        net.fit(X, y, epochs=6, optimizer="sgd", lr=0.01, validation_split=0.25, verbose=0,
                callbacks=[driven([0.1, 0.5, 0.6]), driven([0.1, 0.2, 0.9], "val_accuracy"),
                           EarlyStopping("val_accuracy", patience=10),
                           LambdaCallback(on_epoch_end=record_then_explode)])
    assert net.training_state.epoch == 1
    np.testing.assert_array_equal(net.params, seen[1])  # not epoch 3's, which was discarded
