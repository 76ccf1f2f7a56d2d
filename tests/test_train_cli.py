"""``glassnet train / evaluate / predict`` through ``main(argv)``: exit codes, one-line
errors, run directories, config files, resume, CSV errors, Fashion-MNIST loading."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from cli_helpers import TINY, interrupt_after_first_epoch, one_line_error, run

import glassnet as gn
from glassnet.cli import main
from glassnet.datasets import load_dataset


@pytest.fixture
def tiny_run(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, _ = run(capsys, "train", *TINY, "--out", str(out))
    assert code == 0
    return out


def test_default_command_trains_digits_to_97_percent(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "train", "--verbose", "0")
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("test accuracy:"))
    assert float(line.split()[2]) >= 0.97
    (run_dir,) = (tmp_path / "runs").iterdir()
    for name in (
        "config.yaml",
        "model.glassnet",
        "checkpoint.glassnet",
        "history.json",
        "history.csv",
        "plots/training_curves.png",
        "plots/learning_rate.png",
        "plots/confusion_matrix.png",
    ):
        assert (run_dir / name).stat().st_size > 0, name
    hist = json.loads((run_dir / "history.json").read_text())
    assert len(hist["epochs"]) == 40 and hist["meta"]["test"]["accuracy"] >= 0.97


def test_run_directory_contents(tiny_run):
    assert sorted(p.name for p in tiny_run.iterdir()) == [
        "checkpoint.glassnet",
        "config.yaml",
        "history.csv",
        "history.json",
        "model.glassnet",
    ]
    net = gn.load(tiny_run / "model.glassnet")
    info = net.training_state.info
    assert info["dataset"] == "digits" and info["class_names"][:2] == ["0", "1"]
    assert set(info["standardize"]) == {"mean", "std"}
    assert len((tiny_run / "history.csv").read_text().splitlines()) == 3


def test_config_file_and_flags_override_it(tmp_path, capsys):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(
        "hidden: [6]\nepochs: 5\noptimizer: sgd\noptimizer_options: {momentum: 0.9}\n"
        "lr: 0.05\nplots: false\nverbose: 0\n"
    )
    out = tmp_path / "r"
    code, _, err = run(capsys, "train", "--config", str(cfg), "--epochs", "1", "--out", str(out))
    assert code == 0, err
    saved = (out / "config.yaml").read_text()
    assert "epochs: 1" in saved and "hidden: [6]" in saved and "momentum: 0.9" in saved
    run_state = gn.load(out / "model.glassnet").training_state
    assert run_state.optimizer.config()["momentum"] == 0.9 and run_state.epoch == 1
    # the written config.yaml reproduces the run
    code, _, err = run(
        capsys, "train", "--config", str(out / "config.yaml"), "--out", str(tmp_path / "again")
    )
    assert code == 0, err
    np.testing.assert_array_equal(
        gn.load(tmp_path / "again" / "model.glassnet").params,
        gn.load(out / "model.glassnet").params,
    )


def test_resume_through_the_cli_is_bit_identical(tmp_path, capsys):
    full, part = tmp_path / "full", tmp_path / "part"
    assert run(capsys, "train", *TINY, "--epochs", "3", "--out", str(full))[0] == 0
    assert run(capsys, "train", *TINY, "--epochs", "1", "--out", str(part))[0] == 0
    code, _, err = run(
        capsys,
        "train",
        "--resume",
        str(part / "checkpoint.glassnet"),
        "--epochs",
        "3",
        "--verbose",
        "0",
    )
    assert code == 0, err
    a, b = gn.load(full / "model.glassnet"), gn.load(part / "model.glassnet")
    np.testing.assert_array_equal(a.params, b.params)
    assert len(json.loads((part / "history.json").read_text())["epochs"]) == 3
    code, _, err = run(
        capsys, "train", "--resume", str(part / "checkpoint.glassnet"), "--hidden", "9"
    )
    assert code == 2
    one_line_error(err, "cannot change hidden")


def test_ctrl_c_saves_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    interrupt_after_first_epoch(monkeypatch)
    out = tmp_path / "r"
    code, _, err = run(capsys, "train", *TINY, "--epochs", "3", "--out", str(out))
    assert code == 130
    assert "interrupted" in err and f"--resume {out / 'checkpoint.glassnet'}" in err
    assert gn.load(out / "checkpoint.glassnet").training_state.epoch == 1


def test_divergence_exits_1_with_one_clear_line(tmp_path, capsys):
    code, _, err = run(
        capsys,
        "train",
        "--dataset",
        "plane",
        "--optimizer",
        "sgd",
        "--lr",
        "1e4",
        "--hidden",
        "4",
        "--dropout",
        "0",
        "--epochs",
        "3",
        "--no-plots",
        "--verbose",
        "0",
        "--out",
        str(tmp_path / "d"),
    )
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("glassnet train: error: training diverged at epoch 1, batch ")
    assert "learning rate" in last and "restored" in last
    assert not (tmp_path / "d" / "model.glassnet").exists()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["train", "--epochs", "abc"], ["--epochs", "integer"]),
        (["train", "--hidden", "64,x"], ["--hidden"]),
        (["train", "--dropout", "1.5"], ["--dropout"]),
        (["train", "--dataset", "digts"], ["digits"]),
        (["train", "--optimizer", "adamm"], ["adam"]),
        (["train", "--optimizer", "adam", "--momentum", "0.9"], ["momentum"]),
        (["train", "--schedule", "cosin"], ["cosine"]),
        (["train", "--config", "missing.yaml"], ["missing.yaml"]),
        (["train", "--resume", "missing.glassnet"], ["no such model file"]),
        (["train", "--dataset", "missing.csv"], ["missing.csv"]),
        (["evaluate", "missing.glassnet"], ["no such model file"]),
        (["evaluate"], ["MODEL"]),
        (["predict", "missing.glassnet", "x.csv"], ["no such model file"]),
    ],
)
def test_bad_arguments_and_files_exit_2_with_one_line(tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    one_line_error(err, *words)


def test_bad_config_files(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: 3\nbatch_sise: 4\n")
    code, _, err = run(capsys, "train", "--config", str(bad))
    assert code == 2
    one_line_error(err, "batch_sise", "batch_size")
    bad.write_text("epochs: [3\n")
    code, _, err = run(capsys, "train", "--config", str(bad))
    assert code == 2
    one_line_error(err, "invalid YAML")


def test_csv_errors_through_the_cli(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,b,label\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n")
    code, _, err = run(capsys, "train", "--dataset", str(data), *TINY)
    assert code == 2
    one_line_error(err, "row 3", "'b'", "oops")
    data.write_text("a,b,kind\n1,2,x\n3,4,y\n")
    code, _, err = run(capsys, "train", "--dataset", str(data), *TINY)
    assert code == 2
    one_line_error(err, "no target column 'label'")


def test_csv_training_with_string_labels_then_predict(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    path = tmp_path / "d.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x1", "x2", "kind"])
        w.writerows([[a, b, "cat" if a > 0 else "dog"] for a, b in X])
    out = tmp_path / "r"
    code, _, err = run(
        capsys, "train", "--dataset", str(path), "--target", "kind", "--out", str(out), *TINY
    )
    assert code == 0, err
    code, text, err = run(capsys, "predict", str(out / "model.glassnet"), str(path), "--proba")
    assert code == 0, err
    rows = list(csv.reader(text.splitlines()))
    assert rows[0][0] == "prediction" and len(rows) == 61 and len(rows[0]) == 3
    assert {r[0] for r in rows[1:]} <= {"cat", "dog"}


def test_evaluate_prints_a_report_and_json(tiny_run, capsys):
    code, out, err = run(capsys, "evaluate", str(tiny_run / "model.glassnet"))
    assert code == 0, err
    assert "digits (test, 359 samples)" in out and "confusion matrix" in out
    code, out, _ = run(
        capsys, "evaluate", str(tiny_run / "model.glassnet"), "--json", "--split", "all"
    )
    result = json.loads(out)
    assert result["n_samples"] == 1797 and len(result["confusion_matrix"]) == 10


def test_predict_csv_npy_out_and_input_errors(tiny_run, tmp_path, capsys):
    from glassnet.datasets import load_digits

    ds = load_digits()
    model = str(tiny_run / "model.glassnet")
    npy = tmp_path / "x.npy"
    np.save(npy, ds.X_test[:7])
    target = tmp_path / "pred.csv"
    code, _, err = run(capsys, "predict", model, str(npy), "--out", str(target))
    assert code == 0 and "wrote 7 predictions" in err
    assert target.read_text().splitlines()[0] == "prediction"
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = run(capsys, "predict", model, str(bad))
    assert code == 2
    one_line_error(err, "64 inputs")
    header = ",".join(ds.feature_names)
    bad.write_text(header + "\n" + ",".join(["1"] * 63 + ["x"]) + "\n")
    code, _, err = run(capsys, "predict", model, str(bad))
    assert code == 2
    one_line_error(err, "row 2", "pixel_7_7")


def test_help_shows_examples(capsys):
    for command in ("train", "evaluate", "predict"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        assert "examples:" in capsys.readouterr().out


def test_fashion_mnist_loads_through_load_dataset(tmp_path, monkeypatch):
    # Debian's layout written here (the one real-data test is in test_datasets_idx.py)
    from glassnet.datasets import idx as idx_module
    from glassnet.datasets import write_idx

    rng = np.random.default_rng(0)
    for part, n in (("train", 20), ("t10k", 10)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        write_idx(tmp_path / f"{part}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{part}-labels-idx1-ubyte.gz", np.arange(n, dtype=np.uint8) % 10)
    monkeypatch.setattr(idx_module, "FASHION_MNIST_DIR", tmp_path)
    ds = load_dataset("fashion-mnist")
    assert ds.X_train.shape == (20, 784) and ds.X_test.shape == (10, 784)
    assert ds.X_train.dtype == np.float32 and 0.0 <= ds.X_train.min() <= ds.X_train.max() <= 1.0
    assert ds.n_classes == 10 and np.bincount(ds.y_test).tolist() == [1] * 10
    assert ds.class_names[0] == "T-shirt/top"


def test_resume_with_a_schedule_continues_it_bit_identically(tmp_path, capsys, monkeypatch):
    # a schedule given again would start over at the resumed step (fit's rule for a new
    # schedule); --resume keeps the saved one unless --schedule... is given
    flags = [*TINY, "--epochs", "3", "--schedule", "cosine"]
    full, part = tmp_path / "full", tmp_path / "part"
    assert run(capsys, "train", *flags, "--out", str(full))[0] == 0
    interrupt_after_first_epoch(monkeypatch)
    assert run(capsys, "train", *flags, "--out", str(part))[0] == 130
    monkeypatch.undo()
    code, _, err = run(
        capsys, "train", "--resume", str(part / "checkpoint.glassnet"), "--verbose", "0"
    )
    assert code == 0, err
    a, b = gn.load(full / "model.glassnet"), gn.load(part / "model.glassnet")
    assert a.training_state.history.steps["lr"] == b.training_state.history.steps["lr"]
    np.testing.assert_array_equal(a.params, b.params)
    # training on past the schedule's end needs a new one; refused before any file changes
    before = (part / "config.yaml").read_text()
    code, _, err = run(
        capsys,
        "train",
        "--resume",
        str(part / "checkpoint.glassnet"),
        "--epochs",
        "5",
        "--verbose",
        "0",
    )
    assert code == 2
    one_line_error(err, "ends at epoch 3", "--schedule")
    assert (part / "config.yaml").read_text() == before
    code, _, err = run(
        capsys,
        "train",
        "--resume",
        str(part / "checkpoint.glassnet"),
        "--epochs",
        "5",
        "--schedule",
        "cosine",
        "--verbose",
        "0",
    )
    assert code == 0, err
    assert gn.load(part / "model.glassnet").training_state.schedule_start == a.training_state.step
