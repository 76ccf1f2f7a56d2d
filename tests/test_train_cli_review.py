"""Regression tests for a new-user review of ``glassnet train / evaluate / predict``: a
CLI-trained model carries its preprocessing into Python, regression targets are
standardized, predict matches columns by name, run directories are never overwritten
silently, broken pipes are quiet, and the messages name what the user typed."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import TINY, interrupt_after_first_epoch, one_line_error, run

import glassnet as gn
import glassnet.datasets
import glassnet.train
from glassnet.cli import main

WINE = Path(__file__).resolve().parents[1] / "examples" / "data" / "wine.csv"


def write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def wine_without_cultivar(tmp_path: Path) -> Path:
    with open(WINE, newline="") as f:
        rows = list(csv.reader(f))
    j = rows[0].index("cultivar")
    return write_csv(
        tmp_path / "wnum.csv",
        rows[0][:j] + rows[0][j + 1 :],
        [r[:j] + r[j + 1 :] for r in rows[1:]],
    )


# ---------------------------------------------------------------- 1. stored standardization
def test_cli_model_in_python_applies_its_input_standardization(tmp_path, capsys):
    out = tmp_path / "r"
    code, text, err = run(
        capsys,
        "train",
        "--hidden",
        "64",
        "--epochs",
        "10",
        "--no-plots",
        "--verbose",
        "0",
        "--out",
        str(out),
    )
    assert code == 0, err
    line = next(x for x in text.splitlines() if x.startswith("test accuracy:"))
    cli_accuracy = float(line.split()[2].rstrip(","))
    ds = gn.datasets.load_digits()
    net = gn.load(out / "model.glassnet")
    result = net.evaluate(ds.X_test, ds.y_test)  # raw inputs, as loaded
    assert round(result["accuracy"], 4) == cli_accuracy
    assert result["accuracy"] > 0.9
    stats = net.training_state.info["standardize"]
    Xs = ((ds.X_test - stats["mean"]) / stats["std"]).astype(np.float32)
    np.testing.assert_allclose(gn.train.prepare_inputs(net, ds.X_test), Xs, rtol=1e-6, atol=1e-6)
    expected = net.forward(Xs)
    np.testing.assert_array_equal(net.predict(ds.X_test), expected.argmax(axis=1))
    np.testing.assert_allclose(net.predict_proba(ds.X_test), expected, rtol=1e-5, atol=1e-6)
    # the network diagram of a model file sees the standardized inputs too
    from glassnet.plot import plot_network

    drawn = plot_network(out / "model.glassnet", None, x=ds.X_test[:1])
    np.testing.assert_allclose(drawn.data["activations"][0], Xs[0], rtol=1e-5, atol=1e-6)


def test_fit_on_a_cli_model_takes_raw_data_like_predict(tmp_path, capsys):
    # a model from `glassnet train` applies its stored standardization in fit too, so
    # training on in Python with raw data continues the same model (not refitted statistics)
    out = tmp_path / "r"
    code, _, err = run(
        capsys,
        "train",
        "--hidden",
        "32",
        "--epochs",
        "8",
        "--no-plots",
        "--verbose",
        "0",
        "--out",
        str(out),
    )
    assert code == 0, err
    ds = gn.datasets.load_digits()
    net = gn.load(out / "model.glassnet")
    before = net.evaluate(ds.X_test, ds.y_test)["accuracy"]
    stats = {k: np.array(v) for k, v in net.training_state.info["standardize"].items()}
    net.fit(ds.X_train, ds.y_train, epochs=1, verbose=0)  # raw inputs
    after = net.evaluate(ds.X_test, ds.y_test)["accuracy"]
    assert after > before - 0.05 and after > 0.85  # raw 0..16 pixels unstandardized would not be
    for k, v in net.training_state.info["standardize"].items():
        np.testing.assert_array_equal(np.array(v), stats[k])  # the statistics were not refitted


def test_python_user_who_standardizes_by_hand_sees_no_change():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(80, 3))
    y = (X[:, 0] > 5.0).astype(np.int64)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    net = gn.Network(
        [gn.Dense(3, 4, activation="tanh"), gn.Dense(4, 2, activation="softmax")],
        dtype="float64",
        seed=0,
    )
    net.fit(Xs, y, epochs=2, verbose=0)
    np.testing.assert_array_equal(gn.train.prepare_inputs(net, Xs), Xs)
    np.testing.assert_array_equal(net.predict_proba(Xs), net.forward(Xs))
    assert net.evaluate(Xs, y)["accuracy"] == np.mean(net.forward(Xs).argmax(axis=1) == y)


# ---------------------------------------------------------------- 2. regression targets
def test_regression_targets_are_standardized_and_reported_in_original_units(tmp_path, capsys):
    data = wine_without_cultivar(tmp_path)
    out = tmp_path / "w"
    code, text, err = run(
        capsys,
        "train",
        "--dataset",
        str(data),
        "--target",
        "alcohol",
        "--no-plots",
        "--verbose",
        "0",
        "--out",
        str(out),
    )
    assert code == 0, err
    line = next(x for x in text.splitlines() if "R²" in x)
    assert "½·MSE" in line, line
    r2 = float(line.split("R²")[1].split()[0].rstrip(","))
    assert r2 > 0.1, line  # was -6.69 on raw targets (small data: 5 updates per epoch)
    net = gn.load(out / "model.glassnet")
    info = net.training_state.info
    assert set(info["standardize_targets"]) == {"mean", "std"}
    ds = gn.datasets.load_dataset(str(data), target="alcohol")
    pred = net.predict(ds.X_test)
    assert 11.0 < float(pred.mean()) < 15.0  # alcohol in % vol, not standardized units
    result = net.evaluate(ds.X_test, ds.y_test)
    assert round(float(gn.train.metrics.r2_score(ds.y_test, pred)), 4) == round(r2, 4)
    assert result["loss"] == pytest.approx(0.5 * float(np.mean((pred - ds.y_test) ** 2)), rel=1e-4)
    code, text, err = run(capsys, "evaluate", str(out / "model.glassnet"))
    assert code == 0, err
    assert "½·MSE" in text and f"r2 {r2:.4f}" in text
    # a linear model trained through the CLI gets what least squares gets (R² 0.498)
    code, text, err = run(
        capsys,
        "train",
        "--dataset",
        str(data),
        "--target",
        "alcohol",
        "--hidden",
        "none",
        "--epochs",
        "200",
        "--lr",
        "0.01",
        "--no-plots",
        "--verbose",
        "0",
        "--out",
        str(tmp_path / "linear"),
    )
    assert code == 0, err
    assert float(text.split("R²")[1].split()[0]) > 0.45, text


# ---------------------------------------------------------------- 3. predict columns
def test_predict_matches_columns_by_name_and_refuses_unknown_names(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    data = write_csv(tmp_path / "d.csv", ["x1", "x2", "label"], [[a, b, int(a > b)] for a, b in X])
    out = tmp_path / "r"
    assert run(capsys, "train", "--dataset", str(data), *TINY, "--out", str(out))[0] == 0
    model = str(out / "model.glassnet")
    same = write_csv(tmp_path / "same.csv", ["x1", "x2"], X[:9])
    swapped = write_csv(tmp_path / "swapped.csv", ["x2", "x1"], X[:9, ::-1])
    code, a, err = run(capsys, "predict", model, str(same), "--proba")
    assert code == 0, err
    code, b, err = run(capsys, "predict", model, str(swapped), "--proba")
    assert code == 0, err
    assert a == b
    typo = write_csv(tmp_path / "typo.csv", ["x2", "x_1"], X[:9, ::-1])
    code, text, err = run(capsys, "predict", model, str(typo))
    assert code == 2 and text == ""
    one_line_error(err, "'x1'", "'x_1'", "missing", "unknown")


# ---------------------------------------------------------------- 4. --epochs 0, bad --out
def test_epochs_zero_is_refused_with_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "train", *TINY, "--epochs", "0", "--out", str(tmp_path / "r"))
    assert code == 2
    one_line_error(err, "--epochs")
    assert not (tmp_path / "r").exists()


def test_out_that_is_a_file_or_unwritable_is_one_line(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    code, _, err = run(capsys, "train", *TINY, "--out", str(afile))
    assert code == 2
    one_line_error(err, "--out", str(afile))
    code, _, err = run(capsys, "train", *TINY, "--out", str(afile / "sub"))
    assert code == 2
    one_line_error(err, "--out")
    assert afile.read_text() == "keep me"


# ---------------------------------------------------------------- 5. existing run directories
def test_existing_run_directory_is_not_overwritten_without_force(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(capsys, "train", *TINY, "--out", str(out))[0] == 0
    before = (out / "model.glassnet").read_bytes()
    code, _, err = run(capsys, "train", *TINY, "--dataset", "xor", "--out", str(out))
    assert code == 2
    one_line_error(err, str(out), "--force")
    assert (out / "model.glassnet").read_bytes() == before
    code, _, err = run(capsys, "train", *TINY, "--dataset", "xor", "--out", str(out), "--force")
    assert code == 0, err
    assert gn.load(out / "model.glassnet").training_state.info["dataset"] == "xor"
    # resuming into the checkpoint's own directory is not an overwrite
    code, _, err = run(
        capsys,
        "train",
        "--resume",
        str(out / "checkpoint.glassnet"),
        "--epochs",
        "3",
        "--verbose",
        "0",
    )
    assert code == 0, err
    # an empty directory is fine
    (tmp_path / "empty").mkdir()
    assert run(capsys, "train", *TINY, "--out", str(tmp_path / "empty"))[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--loss", "binary_cross_entropy"],
        ["--output-activation", "sigmoid"],
        ["--dataset", "plane", "--loss", "cross_entropy"],
    ],
)
def test_a_failed_run_leaves_no_directory(tmp_path, capsys, argv):
    out = tmp_path / "bad"
    code, _, err = run(capsys, "train", *TINY, *argv, "--out", str(out))
    assert code == 2
    one_line_error(err)
    assert not out.exists()


# ---------------------------------------------------------------- 6. broken pipes
@pytest.mark.parametrize("command", [["evaluate"], ["evaluate", "--json"], ["predict"]])
def test_closed_stdout_is_quiet(tiny_model, tmp_path, command):
    argv = [command[0], str(tiny_model), *command[1:]]
    if command[0] == "predict":
        ds = gn.datasets.load_digits()
        np.save(tmp_path / "x.npy", ds.X_test)
        argv.append(str(tmp_path / "x.npy"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassnet", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # like `| head -0`: every write fails with EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait() == 0, err
    assert err == ""


@pytest.fixture
def tiny_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "run"
    assert main(["train", *TINY, "--out", str(out)]) == 0
    return out / "model.glassnet"


# ---------------------------------------------------------------- 7. confusion matrix
def test_confusion_matrix_columns_fit_the_class_names(tmp_path, capsys):
    out = tmp_path / "r"
    assert (
        run(
            capsys,
            "train",
            "--dataset",
            str(WINE),
            "--target",
            "cultivar",
            *TINY,
            "--out",
            str(out),
        )[0]
        == 0
    )
    code, text, err = run(capsys, "evaluate", str(out / "model.glassnet"))
    assert code == 0, err
    lines = text.splitlines()
    header = lines[lines.index("confusion matrix (rows: true class, columns: predicted)") + 1]
    assert header.split() == ["cultivar_1", "cultivar_2", "cultivar_3"]


def test_confusion_matrix_with_long_names_uses_indices_and_a_legend():
    from glassnet.train.apply import report

    names = [f"a rather long class name {i}" for i in range(10)]
    cm = np.eye(10, dtype=np.int64) * 7
    result = {
        "accuracy": 1.0,
        "macro_f1": 1.0,
        "precision": np.ones(10),
        "recall": np.ones(10),
        "f1": np.ones(10),
        "support": np.full(10, 7),
        "confusion_matrix": cm,
    }
    text = report(result, names)
    lines = text.splitlines()
    i = next(k for k, x in enumerate(lines) if x.startswith("confusion matrix"))
    assert lines[i + 1].split() == [str(k) for k in range(10)]
    assert all(len(x) <= 100 for x in lines[i:]), text
    assert "9 a rather long class name 9" in text  # rows say which index is which class


# ---------------------------------------------------------------- 8. messages
def test_resume_on_another_data_set_names_the_checkpoints_data(tmp_path, capsys):
    out = tmp_path / "c"
    assert run(capsys, "train", *TINY, "--dataset", "circles", "--out", str(out))[0] == 0
    code, _, err = run(
        capsys,
        "train",
        "--resume",
        str(out / "checkpoint.glassnet"),
        "--dataset",
        "digits",
        "--epochs",
        "4",
        "--verbose",
        "0",
    )
    assert code == 2
    line = one_line_error(err, "'circles'", "2 features", "64")
    assert "Standardizer" not in line


def test_missing_dataset_option_names_the_flag(tmp_path, capsys):
    code, _, err = run(capsys, "train", *TINY, "--dataset", "mnist", "--out", str(tmp_path / "m"))
    assert code == 2
    one_line_error(err, "--dataset-option directory=DIR")
    assert not (tmp_path / "m").exists()


def test_a_directory_of_idx_files_is_a_dataset(tmp_path, capsys):
    from glassnet.datasets.idx import write_idx

    rng = np.random.default_rng(0)
    idx = tmp_path / "tiny-idx"
    idx.mkdir()
    for part, n in (("train", 60), ("t10k", 20)):
        labels = rng.integers(0, 3, size=n).astype(np.uint8)
        images = (rng.integers(0, 60, size=(n, 4, 4)) + 60 * labels[:, None, None]).astype(np.uint8)
        write_idx(idx / f"{part}-images-idx3-ubyte.gz", images)
        write_idx(idx / f"{part}-labels-idx1-ubyte.gz", labels)
    out = tmp_path / "r"
    code, text, err = run(capsys, "train", "--dataset", str(idx), *TINY, "--out", str(out))
    assert code == 0, err
    assert "test accuracy" in text
    code, text, err = run(capsys, "evaluate", str(out / "model.glassnet"))
    assert code == 0, err
    assert "20 samples" in text


def test_predict_proba_on_a_regression_model_speaks_cli(tmp_path, capsys):
    out = tmp_path / "p"
    assert run(capsys, "train", *TINY, "--dataset", "plane", "--out", str(out))[0] == 0
    x = write_csv(tmp_path / "x.csv", ["x1", "x2"], [[0.1, 0.2]])
    code, _, err = run(capsys, "predict", str(out / "model.glassnet"), str(x), "--proba")
    assert code == 2
    line = one_line_error(err, "--proba", "classification")
    assert "predict()" not in line


def test_interrupt_message_says_interrupted_once(tmp_path, capsys, monkeypatch):
    interrupt_after_first_epoch(monkeypatch)
    code, _, err = run(capsys, "train", *TINY, "--epochs", "3", "--out", str(tmp_path / "r"))
    assert code == 130
    assert err.count("interrupted") == 1, err
    assert "--resume" in err


def test_verbose_0_prints_only_the_result(tmp_path, capsys):
    code, text, err = run(capsys, "train", *TINY, "--out", str(tmp_path / "r"))
    assert code == 0
    assert err == ""
    assert text.startswith("test accuracy:")


# ---------------------------------------------------------------- 9. defaults and --help
def test_playground_sets_default_to_no_dropout(tmp_path, capsys):
    import yaml

    for name, rate in (("spiral", 0.0), ("digits", 0.2)):
        out = tmp_path / name
        assert run(capsys, "train", *TINY, "--dataset", name, "--out", str(out))[0] == 0
        assert yaml.safe_load((out / "config.yaml").read_text())["dropout"] == rate
    out = tmp_path / "given"
    assert (
        run(capsys, "train", *TINY, "--dataset", "spiral", "--dropout", "0.1", "--out", str(out))[0]
        == 0
    )
    assert yaml.safe_load((out / "config.yaml").read_text())["dropout"] == 0.1


def test_train_help_states_dropout_default_and_run_time(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "~1 s" not in text and "a few seconds" in text
    assert "0 for the 2-D sets" in text
    assert "--force" in text


def test_a_dataset_name_wins_over_a_directory_of_the_same_name(tmp_path, capsys, monkeypatch):
    # `glassnet train --out spiral` then `glassnet evaluate spiral/model.glassnet
    # --dataset spiral` must load the Playground set, not look for IDX files in ./spiral
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--dataset", "xor", *TINY, "--out", "xor")
    assert code == 0, err
    code, out, err = run(capsys, "evaluate", "xor/model.glassnet", "--dataset", "xor")
    assert code == 0, err
    assert "accuracy" in out
