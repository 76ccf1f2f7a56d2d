"""Training curves and learning-rate plots draw exactly the history's numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

import glassnet as gn
from glassnet.errors import ConfigError, DataError
from glassnet.plot import confusion_matrix, learning_rate, training_curves
from glassnet.train.history import History


def _fit(optimizer, epochs=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = gn.Network([gn.Dense(2, 8, "tanh"), gn.Dense(8, 2, "softmax")], seed=seed)
    return net.fit(
        X,
        y,
        loss="cross_entropy",
        optimizer=optimizer,
        epochs=epochs,
        batch_size=16,
        validation_split=0.25,
        schedule={"name": "cosine", "T_max": 12},
        verbose=0,
    )


def _line(fig, gid):
    (line,) = [ln for ax in fig.axes for ln in ax.lines if ln.get_gid() == gid]
    return line


def test_curves_of_a_history_are_its_values(tmp_path):
    hist = _fit({"name": "adam", "lr": 0.01})
    r = training_curves(hist, tmp_path / "c.png", dpi=50)
    run = r.data["runs"][0]
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        epochs, values = run[key]
        np.testing.assert_array_equal(values, hist[key])
        np.testing.assert_array_equal(epochs, [1, 2, 3, 4])
        np.testing.assert_array_equal(_line(r.figure, f"0:{key}").get_ydata(), hist[key])
    assert [ax.get_xlabel() for ax in r.figure.axes] == ["epoch", "epoch"]
    assert all(ax.get_legend() is not None for ax in r.figure.axes)
    with Image.open(r.path) as im:
        assert im.format == "PNG" and im.size[0] > 400


def test_several_runs_from_directories_dicts_and_objects(tmp_path):
    h1, h2 = _fit({"name": "sgd", "lr": 0.1}), _fit({"name": "adam", "lr": 0.01}, epochs=3)
    run_dir = tmp_path / "sgd"
    run_dir.mkdir()
    h1.save_json(run_dir / "history.json")
    r = training_curves(
        [run_dir, h2.to_dict()], tmp_path / "two.svg", metrics=("loss",), labels=["SGD", "Adam"]
    )
    assert [run["label"] for run in r.data["runs"]] == ["SGD", "Adam"]
    np.testing.assert_allclose(r.data["runs"][0]["loss"][1], h1["loss"], rtol=1e-15)
    np.testing.assert_array_equal(r.data["runs"][1]["val_loss"][1], h2["val_loss"])
    assert r.data["metrics"] == ["loss"]
    legend = [t.get_text() for t in r.figure.legends[0].get_texts()]
    assert legend == ["SGD", "Adam", "train", "validation"]  # colour = run, style = split
    assert "validation" in r.path.read_text()
    # default label: the run directory's name
    r2 = training_curves(run_dir, None, metrics=("loss",))
    assert r2.data["runs"][0]["label"] == "sgd"


def test_learning_rate_is_the_per_step_record(tmp_path):
    hist = _fit({"name": "sgd", "lr": 0.1})
    r = learning_rate(hist, tmp_path / "lr.png", dpi=40)
    run = r.data["runs"][0]
    assert run["unit"] == "step"
    np.testing.assert_array_equal(run["lr"], hist.steps["lr"])
    assert len(run["lr"]) == 12  # 4 epochs × 3 batches of 16 from 45 samples
    sched = gn.schedules.get_schedule("cosine", lr=0.1, T_max=12)
    np.testing.assert_allclose(run["lr"], [sched(k) for k in range(12)], rtol=1e-12)
    ax = r.figure.axes[0]
    assert ax.get_xlabel() == "optimizer step (update)" and "η" in ax.get_ylabel()


def test_learning_rate_per_epoch_when_steps_are_missing():
    d = {"epochs": [{"epoch": 1, "loss": 1.0, "lr": 0.1}, {"epoch": 2, "loss": 0.5, "lr": 0.05}]}
    r = learning_rate(d)
    assert r.data["runs"][0]["unit"] == "epoch"
    np.testing.assert_array_equal(r.data["runs"][0]["lr"], [0.1, 0.05])


def test_curve_errors(tmp_path):
    with pytest.raises(DataError, match="no history file"):
        training_curves(tmp_path)
    with pytest.raises(DataError, match="no 'accuracy' in the histories; they record loss"):
        training_curves({"epochs": [{"epoch": 1, "loss": 1.0}]}, metrics=("accuracy",))
    with pytest.raises(DataError, match=r"none of the requested metrics.*record mae"):
        training_curves({"epochs": [{"epoch": 1, "mae": 1.0}]})
    with pytest.raises(ConfigError, match="labels"):
        training_curves({"epochs": [{"epoch": 1, "loss": 1.0}]}, labels=["a", "b"])
    bad = tmp_path / "history.json"
    bad.write_text(json.dumps({"nothing": 1}))
    with pytest.raises(DataError, match="epochs"):
        training_curves(bad)
    assert isinstance(History(), History)


def test_confusion_matrix_cells_are_the_counts(tmp_path):
    m = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    r = confusion_matrix(m, ["cat", "dog", "emu"], tmp_path / "cm.png")
    np.testing.assert_array_equal(r.data["counts"], m)
    ax = r.figure.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), m)
    cells = [t.get_text() for t in ax.texts]
    assert cells == [str(v) for v in m.ravel()]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert "accuracy 84.0%" in ax.get_title()
    n = confusion_matrix(m, None, None, normalize=True)
    np.testing.assert_allclose(n.data["values"].sum(axis=1), 1.0)
    with pytest.raises(gn.ShapeError):
        confusion_matrix(np.ones((2, 3)), None)


def test_a_requested_metric_the_histories_lack_is_an_error_naming_those_they_have():
    hist = {"epochs": [{"epoch": 1, "loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "lr": 0.1}]}
    with pytest.raises(DataError, match=r"no 'f1'.*accuracy, loss, lr") as exc:
        training_curves(hist, metrics=("loss", "f1"))
    assert len(str(exc.value).splitlines()) == 1
    # the default (loss, accuracy) draws those recorded: a regression run has no accuracy
    r = training_curves({"epochs": [{"epoch": 1, "loss": 1.0, "mae": 0.3}]})
    assert r.data["metrics"] == ["loss"]


def test_learning_rate_legend_only_for_several_runs():
    hist = _fit({"name": "sgd", "lr": 0.1}, epochs=1)
    assert learning_rate(hist).figure.axes[0].get_legend() is None
    assert learning_rate(hist, labels=["mine"]).figure.axes[0].get_legend() is None
    two = learning_rate([hist, hist], labels=["a", "b"])
    assert [t.get_text() for t in two.figure.axes[0].get_legend().get_texts()] == ["a", "b"]
