"""Model files: round trip, bit-identical resume, atomic writes under simulated crashes, and
refusal of truncated, corrupted, foreign and pickle-bearing files."""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import zipfile

import numpy as np
import pytest

import glassnet as gn
from glassnet.train import (
    EarlyStopping,
    LambdaCallback,
    ModelCheckpoint,
    ReduceLROnPlateau,
    persistence,
)


def data(rng, n=90):
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 0)
    return X, y


def make(seed=7, dtype="float32"):
    return gn.Network([gn.Dense(5, 12, activation="relu", dropout=0.3),
                       gn.Dense(12, 3, activation="softmax")], dtype=dtype, seed=seed)


OPTIONS = {"batch_size": 16, "validation_split": 0.2, "verbose": 0}


@pytest.fixture
def trained(rng, tmp_path):
    X, y = data(rng)
    net = make()
    net.fit(X, y, epochs=2, optimizer="adam", **OPTIONS)
    path = net.save(tmp_path / "m.glassnet") or tmp_path / "m.glassnet"
    return net, path


def test_round_trip_keeps_everything(trained):
    net, path = trained
    back = gn.load(path)
    np.testing.assert_array_equal(back.params, net.params)
    assert back.params.dtype == np.float32 and back.config() == net.config()
    assert back.rng.bit_generator.state == net.rng.bit_generator.state
    a, b = net.training_state, back.training_state
    assert (b.epoch, b.step, b.batch_size, b.task, b.metrics) == (
        a.epoch, a.step, a.batch_size, a.task, a.metrics)
    for k, v in a.optimizer.state_dict().items():
        np.testing.assert_array_equal(b.optimizer.state_dict()[k], v)
    assert b.history.epochs == a.history.epochs and b.history.steps == a.history.steps
    meta, _ = persistence.read_model_file(path)
    assert meta["format_version"] == 1 and "W[j, k]" in meta["conventions"]["weights"]


def test_untrained_network_round_trip(tmp_path):
    net = make(dtype="float64")
    net.save(tmp_path / "u.glassnet")
    back = gn.load(tmp_path / "u.glassnet")
    np.testing.assert_array_equal(back.params, net.params)
    assert getattr(back, "training_state", None) is None


@pytest.mark.parametrize("split", [1, 3])
def test_resume_is_bit_identical_to_an_uninterrupted_run(rng, tmp_path, split):
    X, y = data(rng)
    schedule = {"name": "cosine", "T_max": 25}
    full = make()
    full.fit(X, y, epochs=5, optimizer="adam", schedule=schedule, **OPTIONS)
    part = make()
    part.fit(X, y, epochs=split, optimizer="adam", schedule=schedule, **OPTIONS)
    part.save(tmp_path / "ck.glassnet")
    resumed = gn.load(tmp_path / "ck.glassnet")
    resumed.fit(X, y, epochs=5 - split, **OPTIONS)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert resumed.training_state.history["val_loss"] == full.training_state.history["val_loss"]
    assert resumed.training_state.history.steps["lr"] == full.training_state.history.steps["lr"]


def test_where_a_schedule_started_is_kept_in_the_model_file(rng, tmp_path):
    # review item 4: a schedule given to a trained run starts at that call's first update
    X, y = data(rng)
    schedule = {"name": "cosine", "T_max": 15}  # 72 training samples, batch 16: 5 per epoch
    full = make()
    full.fit(X, y, epochs=1, **OPTIONS)
    full.fit(X, y, epochs=3, schedule=schedule, **OPTIONS)
    lrs = full.training_state.history.steps["lr"][5:]
    np.testing.assert_allclose(lrs, [1e-3 * (1 + np.cos(np.pi * k / 15)) / 2 for k in range(15)],
                               rtol=1e-6)
    part = make()
    part.fit(X, y, epochs=1, **OPTIONS)
    part.fit(X, y, epochs=1, schedule=schedule, **OPTIONS)
    part.save(tmp_path / "ck.glassnet")
    resumed = gn.load(tmp_path / "ck.glassnet")
    assert resumed.training_state.schedule_start == 5
    resumed.fit(X, y, epochs=2, **OPTIONS)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert resumed.training_state.history.steps["lr"] == full.training_state.history.steps["lr"]


def test_resume_after_ctrl_c_mid_epoch_is_bit_identical(rng, tmp_path):
    X, y = data(rng)
    callbacks = lambda: [EarlyStopping(patience=50), ReduceLROnPlateau(patience=0)]  # noqa: E731
    full = make()
    full.fit(X, y, epochs=4, callbacks=callbacks(), **OPTIONS)

    def ctrl_c(run, batch, logs):
        if run.epoch == 2 and batch == 3:
            signal.raise_signal(signal.SIGINT)

    part = make()
    ck = tmp_path / "ck.glassnet"
    part.fit(X, y, epochs=4, callbacks=[*callbacks(), ModelCheckpoint(ck),
                                        LambdaCallback(on_batch_end=ctrl_c)], **OPTIONS)
    assert part.training_state.interrupted
    resumed = gn.load(ck)
    assert resumed.training_state.epoch_state.batch == 3
    resumed.fit(X, y, epochs=2, callbacks=callbacks(), **OPTIONS)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert resumed.training_state.history["lr"] == full.training_state.history["lr"]
    assert resumed.training_state.history["loss"] == full.training_state.history["loss"]


def test_divergence_restores_the_best_parameters_and_spares_the_checkpoint(rng, tmp_path):
    X, y = data(rng)
    net = make(dtype="float64")
    ck = tmp_path / "ck.glassnet"
    net.fit(X, y, epochs=2, optimizer="sgd", lr=0.01, callbacks=[ModelCheckpoint(ck)], **OPTIONS)
    good, saved = net.params.copy(), ck.read_bytes()
    with pytest.raises(gn.TrainingError) as err:
        # inputs of 1e300: the first update sends the weights to inf, the next loss is NaN
        net.fit(X * 1e300, y, epochs=3, lr=1.0, callbacks=[ModelCheckpoint(ck)], **OPTIONS)
    message = str(err.value)
    for part in ("diverged at epoch 3, batch ", "loss is nan", "learning rate",
                 "standardized", "after epoch 2 were restored"):
        assert part in message
    np.testing.assert_array_equal(net.params, good)
    assert ck.read_bytes() == saved


# ---------------------------------------------------------------------- atomic writes
@pytest.mark.parametrize("target", ["replace", "fsync", "savez"])
def test_a_crash_while_saving_leaves_the_old_file_intact(trained, monkeypatch, target):
    net, path = trained
    before, old = path.read_bytes(), net.params.copy()
    net.params[:] += 1  # something different to save

    def boom(*args, **kwargs):
        if target == "savez":  # die half-way through writing the archive
            args[0].write(b"PK\x03\x04 half an archive")
        raise OSError("simulated crash")

    where = {"replace": (os, "replace"), "fsync": (os, "fsync"), "savez": (np, "savez")}
    monkeypatch.setattr(*where[target], boom)
    with pytest.raises(gn.CheckpointError, match="previous file, if any, is unchanged"):
        net.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == ["m.glassnet"]  # no temporary file left behind
    np.testing.assert_array_equal(gn.load(path).params, old)


# ---------------------------------------------------------------------- bad files
def test_truncated_file(trained):
    _, path = trained
    blob = path.read_bytes()
    for cut in (len(blob) // 2, len(blob) - 30, 10):
        path.write_bytes(blob[:cut])
        with pytest.raises(gn.CheckpointError, match=r"truncated or corrupted|not a glassnet"):
            gn.load(path)


def test_corrupted_bytes_anywhere(trained):
    _, path = trained
    blob = bytearray(path.read_bytes())
    for pos in (200, len(blob) // 3, len(blob) // 2, len(blob) - 200):
        bad = bytearray(blob)
        bad[pos] ^= 0x5A
        path.write_bytes(bytes(bad))
        with pytest.raises(gn.CheckpointError):
            gn.load(path)


def test_foreign_files(tmp_path):
    foreign = tmp_path / "other.npz"
    np.savez(foreign, weights=np.ones(3))
    with pytest.raises(gn.CheckpointError, match="without glassnet metadata"):
        gn.load(foreign)
    text = tmp_path / "notes.glassnet"
    text.write_text("hello")
    with pytest.raises(gn.CheckpointError, match=r"not an \.npz archive"):
        gn.load(text)
    with pytest.raises(gn.CheckpointError, match="no such model file"):
        gn.load(tmp_path / "missing.glassnet")


def test_pickles_are_refused(trained, tmp_path):
    _, path = trained
    raw = tmp_path / "raw.glassnet"
    raw.write_bytes(pickle.dumps({"params": [1, 2, 3]}))
    with pytest.raises(gn.CheckpointError, match="pickle"):
        gn.load(raw)
    # a glassnet archive with an extra entry holding a pickled object array
    with zipfile.ZipFile(path, "a") as z:
        buf = io.BytesIO()
        np.save(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
        z.writestr("extra.npy", buf.getvalue())
    with pytest.raises(gn.CheckpointError, match="pickled Python objects"):
        gn.load(path)


def _rewrite(path, change):
    meta, arrays = persistence.read_model_file(path)
    change(meta, arrays)
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(path, "wb") as f:  # a path would get ".npz" appended
        np.savez(f, **{persistence.META: blob, **arrays})


def test_validation_of_metadata_before_anything_is_built(trained):
    _, path = trained
    _rewrite(path, lambda m, a: m.update(format_version=99))
    with pytest.raises(gn.CheckpointError, match="version 99"):
        gn.load(path)


def test_swapped_arrays_fail_their_checksum(trained):
    _, path = trained
    _rewrite(path, lambda m, a: a.update(params=a["params"][::-1].copy()))
    with pytest.raises(gn.CheckpointError, match="'params' is corrupted"):
        gn.load(path)


def test_inconsistent_training_record(trained):
    _, path = trained
    _rewrite(path, lambda m, a: m["training"].update(epoch=-1))
    with pytest.raises(gn.CheckpointError, match="negative training counters"):
        gn.load(path)


def test_save_refuses_unstorable_info(rng, tmp_path):
    X, y = data(rng)
    net = make()
    net.fit(X, y, epochs=1, info={"callback": print}, **OPTIONS)
    with pytest.raises(gn.CheckpointError, match="cannot store"):
        net.save(tmp_path / "x.glassnet")
    assert not list(tmp_path.iterdir())


def test_divergence_rewinds_the_whole_run_so_a_retry_continues_cleanly(rng):
    # review item 2: only the parameters were restored; the momentum buffer (6e32), the step
    # counter and the per-step history kept the discarded updates
    X, y = data(rng)
    opts = {"batch_size": 16, "verbose": 0}
    a, b = make(dtype="float64"), make(dtype="float64")
    for net in (a, b):
        net.fit(X, y, epochs=2, optimizer={"name": "sgd", "momentum": 0.9}, lr=0.01, **opts)
    before = a.training_state.optimizer.state_dict()
    with pytest.raises(gn.TrainingError) as err:
        a.fit(X * 1e300, y, epochs=3, lr=1.0, **opts)
    message = str(err.value)
    for part in ("after epoch 2 were restored", "optimizer state", "step counter",
                 "update(s) discarded", "random generator"):
        assert part in message, message
    run, ref = a.training_state, b.training_state
    assert (run.epoch, run.step, run.epoch_state) == (ref.epoch, ref.step, None)
    assert run.history.steps == ref.history.steps and len(run.history) == 2
    state = run.optimizer.state_dict()
    assert state["t"] == before["t"]
    np.testing.assert_array_equal(state["buffer"], before["buffer"])
    assert run.history.meta["diverged"]["discarded_steps"] >= 1
    # a retry is the run that never took the detour, bit for bit
    a.fit(X, y, epochs=2, lr=0.01, **opts)
    b.fit(X, y, epochs=2, lr=0.01, **opts)
    np.testing.assert_array_equal(a.params, b.params)
    assert a.training_state.history.steps == b.training_state.history.steps
    assert a.training_state.history["loss"] == b.training_state.history["loss"]


def test_divergence_inside_a_call_rewinds_to_its_best_epoch_consistently(rng):
    X, y = data(rng)
    seen = {}

    def record_then_explode(run, epoch, logs):
        seen[epoch] = (run.net.params.copy(), run.optimizer.state_dict(), run.step)
        if epoch == 3:
            run.optimizer.lr = 1e200  # the next epoch diverges

    net = make(dtype="float64")
    with pytest.raises(gn.TrainingError):
        net.fit(X, y, epochs=6, optimizer={"name": "sgd", "momentum": 0.9}, lr=0.01,
                callbacks=[LambdaCallback(on_epoch_end=record_then_explode)], **OPTIONS)
    run = net.training_state
    k = run.epoch
    assert 1 <= k <= 3 and len(run.history) == k and run.history.last["epoch"] == k
    params, state, step = seen[k]
    np.testing.assert_array_equal(net.params, params)
    assert run.step == step == len(run.history.steps["lr"]) == run.optimizer.state_dict()["t"]
    np.testing.assert_array_equal(run.optimizer.state_dict()["buffer"],
                                  state["buffer"])


def test_a_custom_schedule_is_not_silently_lost_by_save_and_load(rng, tmp_path):
    # review item 5: a loaded run trained on at optimizer.lr as if it had no schedule
    X, y = data(rng)

    def schedule(k):
        return 0.01 / (1 + k)

    net = make()
    net.fit(X, y, epochs=1, lr=0.01, schedule=schedule, **OPTIONS)
    net.save(tmp_path / "m.glassnet")
    back = gn.load(tmp_path / "m.glassnet")
    with pytest.raises(gn.ConfigError, match=r"custom schedule.*could not store.*schedule=.*"
                                             r"used 5 steps"):
        back.fit(X, y, epochs=1, **OPTIONS)
    assert back.training_state.step == 5
    back.save(tmp_path / "again.glassnet")  # saving again keeps the fact
    again = gn.load(tmp_path / "again.glassnet")
    with pytest.raises(gn.ConfigError, match="custom schedule"):
        again.fit(X, y, epochs=1, **OPTIONS)
    # the same function, shifted, continues it exactly
    again.fit(X, y, epochs=1, schedule=lambda k: schedule(k + 5), **OPTIONS)
    net.fit(X, y, epochs=1, **OPTIONS)
    np.testing.assert_array_equal(again.params, net.params)
    back.fit(X, y, epochs=1, schedule=None, **OPTIONS)
    assert back.training_state.history.steps["lr"][5:] == [0.01] * 5
