"""A real sweep: short trials on the Playground circles, SQLite, ``--jobs 2``.

The best trial's config.yaml reruns with ``glassnet train --config`` to the same metric;
successive halving prunes trials early (their histories are shorter); the report prints
the ranked table and writes the pictures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EPOCHS = 3
#: lr 1e-5 cannot learn in 3 epochs, lr 0.1 can: 4 seeds of each, 8 trials; successive
#: halving (reduction factor 2, a rung every epoch) promotes a trial only if it ranks in the
#: top half of those that reached the rung, so a bad trial after a good one is pruned
SPEC = f"""\
config:
  dataset: circles
  hidden: [4]
  activation: tanh
  epochs: {EPOCHS}
  batch_size: 32
  plots: false
space:
  lr: {{choice: [0.1, 0.00001]}}
  seed: {{choice: [0, 1, 2, 3]}}
metric: val_loss
trials: 8
sampler: grid
pruner: {{name: successive_halving, min_resource: 1, reduction_factor: 2}}
seed: 3
"""


def run_cli(*argv, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "glassnet", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    (tmp / "circles.yaml").write_text(SPEC, encoding="utf-8")
    r = run_cli("sweep", "circles.yaml", "--jobs", "2", "--out", "sw", cwd=tmp)
    assert r.returncode == 0, r.stderr
    return tmp, tmp / "sw", r


def load_study(sweep_dir: Path):
    import optuna

    where = json.loads((sweep_dir / "study.json").read_text(encoding="utf-8"))
    assert where["storage"] == f"sqlite:///{sweep_dir.resolve() / 'study.db'}"
    return optuna.load_study(study_name=where["study"], storage=where["storage"])


def history(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "history.json").read_text(encoding="utf-8"))["epochs"]


def test_every_trial_is_a_train_run_directory(sweep):
    from optuna.trial import TrialState

    _, out, _ = sweep
    study = load_study(out)
    trials = study.get_trials()
    states = [t.state for t in trials]
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == 8 == len(trials), states  # the grid has 8 points, each run once
    assert {(t.params["lr"], t.params["seed"]) for t in trials} == {
        (lr, s) for lr in (0.1, 0.00001) for s in range(4)}
    dirs = sorted(p.name for p in (out / "trials").iterdir())
    assert dirs == [f"trial-{t.number:04d}" for t in sorted(trials, key=lambda t: t.number)]
    for t in trials:
        run = out / t.user_attrs["run_dir"]
        for name in ("config.yaml", "checkpoint.glassnet", "model.glassnet", "history.json"):
            assert (run / name).is_file(), (run, name)
        curve = [e["val_loss"] for e in history(run)]
        assert curve == t.user_attrs["curve"]  # what the trial reported is the run's history
        assert t.intermediate_values == dict(enumerate(curve, start=1))
    workers = {t.user_attrs["worker"]["pid"] for t in trials}
    assert len(workers) == 2  # --jobs 2: two processes ran trials


def test_pruning_stops_bad_trials_early(sweep):
    from optuna.trial import TrialState

    _, out, r = sweep
    study = load_study(out)
    pruned = [t for t in study.get_trials() if t.state == TrialState.PRUNED]
    complete = [t for t in study.get_trials() if t.state == TrialState.COMPLETE]
    assert len(pruned) > 0 and len(complete) > 0
    for t in pruned:
        epochs = len(history(out / t.user_attrs["run_dir"]))
        assert epochs < EPOCHS and epochs == t.user_attrs["pruned_at"]
    for t in complete:
        assert len(history(out / t.user_attrs["run_dir"])) == EPOCHS
    # the best complete trial learned (lr 0.1), pruned trials are not better than it
    best = study.best_trial
    assert best.params["lr"] == 0.1
    assert all(min(t.intermediate_values.values()) >= best.value for t in pruned)
    assert f"pruned {len(pruned)}" in r.stderr  # the progress line counts them
    print(f"pruned {len(pruned)} of {len(study.get_trials())} trials")


def test_best_trial_reproduces_with_glassnet_train(sweep):
    tmp, out, _ = sweep
    best = load_study(out).best_trial
    config = out / best.user_attrs["run_dir"] / "config.yaml"
    r = run_cli("train", "--config", str(config), "--out", "again", cwd=tmp)
    assert r.returncode == 0, r.stderr
    again = history(tmp / "again")
    assert len(again) == EPOCHS
    assert again[-1]["val_loss"] == best.value  # seeds: bit-identical rerun


def test_report_table_and_pictures(sweep):
    from optuna.trial import TrialState

    tmp, out, _ = sweep
    r = run_cli("sweep", "report", "sw", "--top", "3", cwd=tmp)
    assert r.returncode == 0, r.stderr
    study = load_study(out)
    lines = r.stdout.strip().splitlines()
    assert lines[0].split()[:4] == ["rank", "trial", "state", "val_loss"]
    rows = [line.split() for line in lines[1:]]
    assert len(rows) == len(study.get_trials())
    assert int(rows[0][1]) == study.best_trial.number and rows[0][2] == "complete"
    complete = sorted((t for t in study.get_trials() if t.state == TrialState.COMPLETE),
                      key=lambda t: t.value)
    assert [int(row[1]) for row in rows[:len(complete)]] == [t.number for t in complete]
    for name in ("curves.png", "params.png", "importances.png"):
        png = out / "report" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"wrote sw/report/{name}" in r.stderr


def test_resume_of_a_finished_sweep_runs_nothing(sweep):
    tmp, out, _ = sweep
    before = len(load_study(out).get_trials())
    r = run_cli("sweep", "circles.yaml", "--out", "sw", "--resume", cwd=tmp)
    assert r.returncode == 0, r.stderr
    assert len(load_study(out).get_trials()) == before
    r = run_cli("sweep", "circles.yaml", "--out", "sw", cwd=tmp)
    assert r.returncode == 2 and "--resume" in r.stderr


def test_plot_functions_draw_the_numbers_given(tmp_path):
    import numpy as np

    from glassnet.errors import DataError
    from glassnet.plot.sweep import sweep_curves, sweep_importances, sweep_scatter

    rows = [{"params": {"lr": 0.1, "opt": "adam"}, "value": 0.3, "state": "COMPLETE"},
            {"params": {"lr": 1e-5, "opt": "sgd"}, "value": 0.9, "state": "PRUNED"},
            {"params": {"lr": 0.01, "opt": "adam"}, "value": float("nan"), "state": "PRUNED"}]
    res = sweep_scatter(rows, ["lr", "opt"], "val_loss", tmp_path / "p.png", categorical=["lr"])
    xs, ys, done = res.data["panels"]["lr"]
    assert xs.tolist() == [1.0, 0.0] and ys.tolist() == [0.3, 0.9]  # NaN row left out
    assert done.tolist() == [True, False]
    assert res.data["panels"]["opt"][0].tolist() == [0.0, 1.0]  # adam, sgd
    curves = sweep_curves({"trial 1": [0.5, None, 0.2]}, "val_loss", tmp_path / "c.png")
    ep, vals = curves.data["curves"]["trial 1"]
    assert ep.tolist() == [1, 2, 3] and np.isnan(vals[1]) and vals[2] == 0.2
    imp = sweep_importances({"lr": 0.75, "opt": 0.25}, tmp_path / "i.png")
    assert list(imp.data["importances"]) == ["opt", "lr"]  # drawn bottom-up: largest on top
    for p in ("p.png", "c.png", "i.png"):
        assert (tmp_path / p).read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(DataError):
        sweep_importances({})
    with pytest.raises(DataError):
        sweep_scatter(rows[2:], ["lr"], "val_loss")


def test_a_diverged_trial_is_a_result_not_a_crash(tmp_path):
    import math

    (tmp_path / "d.yaml").write_text(
        "config: {dataset: plane, hidden: [8], epochs: 2, plots: false, optimizer: sgd}\n"
        "space:\n  lr: {choice: [1000.0, 0.1]}\ntrials: 2\nsampler: grid\npruner: none\n",
        encoding="utf-8")
    r = run_cli("sweep", "d.yaml", "--out", "sw", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    study = load_study(tmp_path / "sw")
    by_lr = {t.params["lr"]: t for t in study.get_trials()}
    assert math.isinf(by_lr[1000.0].value) and "diverged" in by_lr[1000.0].user_attrs["diverged"]
    assert math.isfinite(by_lr[0.1].value) and study.best_trial.params["lr"] == 0.1
    assert any(line.split()[2] == "diverged" for line in r.stderr.splitlines()
               if line[:1].isdigit())
