"""Metrics on hand-worked examples (the counts are written out in the comments)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.train import metrics as mt
from glassnet.train.history import History

TRUE = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 0])
PRED = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2, 0])


def test_accuracy_and_confusion_matrix():
    # correct: samples 0, 2, 3, 5, 6, 8, 9 → 7 of 10
    assert mt.accuracy(TRUE, PRED) == 0.7
    cm = mt.confusion_matrix(TRUE, PRED)
    np.testing.assert_array_equal(cm, [[2, 1, 0],   # class 0: 2 right, 1 taken for 1
                                       [0, 2, 1],   # class 1: 2 right, 1 taken for 2
                                       [1, 0, 3]])  # class 2: 3 right, 1 taken for 0
    assert mt.confusion_matrix(TRUE, PRED, n_classes=4).shape == (4, 4)
    with pytest.raises(gn.ShapeError):
        mt.confusion_matrix(TRUE, PRED[:5])


def test_precision_recall_f1_per_class():
    r = mt.precision_recall_f1(TRUE, PRED)
    # precision = TP / predicted: class 0: 2/3, class 1: 2/3, class 2: 3/4
    np.testing.assert_allclose(r["precision"], [2 / 3, 2 / 3, 3 / 4])
    # recall = TP / support: 2/3, 2/3, 3/4
    np.testing.assert_allclose(r["recall"], [2 / 3, 2 / 3, 3 / 4])
    np.testing.assert_allclose(r["f1"], [2 / 3, 2 / 3, 3 / 4])
    np.testing.assert_array_equal(r["support"], [3, 3, 4])
    assert r["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 3 / 4) / 3)
    # a class never predicted: precision 0/0 → 0, F1 → 0
    r = mt.precision_recall_f1([0, 1, 1], [0, 0, 0], n_classes=2)
    np.testing.assert_allclose(r["precision"], [1 / 3, 0.0])
    np.testing.assert_allclose(r["f1"], [0.5, 0.0])


def test_top_k_accuracy():
    scores = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3], [0.2, 0.5, 0.3]])
    y = np.array([1, 2, 0, 0])
    assert mt.top_k_accuracy(y, scores, k=1) == 0.25  # only sample 1
    assert mt.top_k_accuracy(y, scores, k=2) == 0.75  # samples 0, 1, 2
    assert mt.top_k_accuracy(y, scores, k=5) == 1.0


def test_regression_metrics():
    t = np.array([[1.0], [2.0], [3.0], [4.0]])
    p = np.array([[1.5], [2.0], [2.0], [4.0]])
    assert mt.mean_squared_error(t, p) == pytest.approx((0.25 + 0 + 1 + 0) / 4)
    assert mt.mean_absolute_error(t, p) == pytest.approx((0.5 + 0 + 1 + 0) / 4)
    # SS_res = 1.25, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
    assert mt.r2_score(t, p) == pytest.approx(1 - 1.25 / 5)
    assert mt.r2_score([2.0, 2.0], [2.0, 2.0]) == 1.0  # constant target, exact
    assert mt.r2_score([2.0, 2.0], [1.0, 2.0]) == 0.0


def test_metric_names_are_checked_for_the_task():
    assert mt.check_metrics(["accuracy", "top3_accuracy"], "classification") == (
        "accuracy", "top3_accuracy")
    with pytest.raises(gn.ConfigError, match="regression"):
        mt.check_metrics(["accuracy"], "regression")
    with pytest.raises(gn.ConfigError, match="Did you mean 'accuracy'"):
        mt.check_metrics(["accuracyy"], "classification")


def test_history_access_and_files(tmp_path):
    h = History([{"epoch": 1, "loss": 0.5, "lr": 0.1, "val_loss": 0.6},
                 {"epoch": 2, "loss": 0.25, "lr": 0.1, "val_loss": 0.4}],
                {"lr": [0.1, 0.1], "loss": [0.6, 0.4]}, {"stop_reason": "completed"})
    assert h["val_loss"] == [0.6, 0.4] and h.keys() == ["epoch", "loss", "val_loss", "lr"]
    assert h.best("val_loss")["epoch"] == 2 and h.last["epoch"] == 2
    with pytest.raises(KeyError, match="accuracy"):
        h["accuracy"]
    h.save_json(tmp_path / "h.json")
    assert History.load_json(tmp_path / "h.json").to_dict() == h.to_dict()
    h.save_csv(tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text().splitlines() == [
        "epoch,loss,val_loss,lr", "1,0.5,0.6,0.1", "2,0.25,0.4,0.1"]
