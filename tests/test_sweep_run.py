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
#: lr 1e-5 cannot learn in 3 epochs, lr 0.1 can: 4 seeds of each, 8 trials. The grid
#: sampler gives trial k the k-th point of the grid shuffled with the sweep's seed; seed 30
#: puts the four lr 0.1 points first. Successive halving (reduction factor 2, rungs at
#: epochs 1 and 2) promotes a trial only if it ranks in the top half of those that reached
#: the rung (the best, when fewer than four did): a bad trial starts once at least three
#: good ones have reported epoch 1 (two workers), so it is pruned right there
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
seed: 30
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
    # the setup: the good points first, then every bad one pruned after its first epoch
    assert [t.params["lr"] for t in sorted(study.get_trials(), key=lambda t: t.number)] == [
        0.1] * 4 + [0.00001] * 4
    bad = [t for t in study.get_trials() if t.params["lr"] == 0.00001]
    assert all(t.state == TrialState.PRUNED and t.user_attrs["pruned_at"] == 1 for t in bad)
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


#: four grid points, trials long enough (40 epochs of batch 8) to be killed in the middle
KILL_SPEC = """\
config:
  dataset: circles
  hidden: [16, 16]
  activation: tanh
  epochs: 40
  batch_size: 8
  plots: false
space:
  lr: {choice: [0.01, 0.03]}
  seed: {choice: [0, 1]}
metric: val_loss
trials: 4
sampler: grid
pruner: none
"""


def start_until_mid_trial(tmp_path: Path):
    """Start ``glassnet sweep k.yaml --out K`` (its own process group), freeze it (SIGSTOP)
    as soon as a trial has finished its first epoch, and return the process, the study and
    that RUNNING trial. The caller signals the group and then sends SIGCONT (or SIGKILL).

    A trial of KILL_SPEC takes well under a second, so the first epoch is seen by a cheap
    file poll and the group is stopped at once; the study is read only while it is frozen
    (reading it while the sweep ran let the whole trial finish first, now and then)."""
    import signal
    import time

    import optuna
    from optuna.trial import TrialState

    (tmp_path / "k.yaml").write_text(KILL_SPEC, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "glassnet", "sweep", "k.yaml", "--out", "K",
                             "--quiet"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    trials_dir = tmp_path / "K" / "trials"
    deadline = time.monotonic() + 240  # only against a hang; no timing is asserted
    try:
        started = None
        while started is None:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the sweep never got into a trial"
            time.sleep(0.005)
            for csv in trials_dir.glob("trial-*/history.csv"):
                if len(csv.read_text(encoding="utf-8").splitlines()) >= 2:
                    os.killpg(proc.pid, signal.SIGSTOP)  # one epoch done, more to come
                    started = csv
                    break
        epochs_done = len(started.read_text(encoding="utf-8").splitlines()) - 1
        assert epochs_done < 40, f"the trial ran all its epochs ({epochs_done}) before SIGSTOP"
        study = optuna.load_study(study_name="k", storage=f"sqlite:///{tmp_path / 'K/study.db'}")
        number = int(started.parent.name.removeprefix("trial-"))
        trial = next(t for t in study.get_trials() if t.number == number)
        assert trial.state == TrialState.RUNNING
        return proc, study, trial
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def test_killed_grid_trial_is_failed_and_its_point_run_again(tmp_path):
    """SIGKILL in the middle of a trial, then --resume: the trial is FAILED, its grid
    point is queued again with the same parameters, every point finishes once."""
    import signal

    from optuna.trial import TrialState

    proc, study, killed = start_until_mid_trial(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert study._storage.get_trial(killed._trial_id).state == TrialState.RUNNING

    r = run_cli("sweep", "k.yaml", "--out", "K", "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"marked trial(s) {killed.number} of dead workers FAILED" in r.stderr
    trials = study.get_trials()
    states = {t.number: t.state for t in trials}
    assert states[killed.number] == TrialState.FAIL
    assert sorted(s.name for s in states.values()) == ["COMPLETE"] * 4 + ["FAIL"]
    retry = next(t for t in trials if t.user_attrs.get("retry_of") == killed.number)
    assert retry.state == TrialState.COMPLETE and retry.params == killed.params
    assert retry.system_attrs["grid_id"] == killed.system_attrs["grid_id"]
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert sorted((t.params["lr"], t.params["seed"]) for t in complete) == [
        (lr, s) for lr in (0.01, 0.03) for s in (0, 1)]  # every grid point, once
    # the retry is a full run of its own; the killed run directory keeps what it did
    assert len(history(tmp_path / "K" / retry.user_attrs["run_dir"])) == 40
    killed_dir = tmp_path / "K" / "trials" / f"trial-{killed.number:04d}"
    assert (killed_dir / "config.yaml").is_file()  # (its checkpoint may be mid-write)
    assert not (killed_dir / "model.glassnet").exists()


def test_requeue_keeps_the_point_and_drops_the_dead_workers_attributes():
    import optuna
    from optuna.distributions import FloatDistribution
    from optuna.trial import TrialState

    from glassnet.sweep.study import MAX_RETRIES, requeue

    study = optuna.create_study(storage=optuna.storages.InMemoryStorage())
    dead = optuna.create_trial(
        state=TrialState.FAIL, params={"lr": 0.01},
        distributions={"lr": FloatDistribution(1e-4, 1e-1, log=True)},
        system_attrs={"grid_id": 3, "search_space": {"lr": [0.01]}, "completed_rung_0": 0.5},
        user_attrs={"worker": {"host": "h", "pid": 1}, "run_dir": "trials/trial-0000"})
    study.add_trial(dead)
    number = requeue(study, study.trials[0])
    copy = study.trials[number]
    assert copy.state == TrialState.WAITING and copy.params == {"lr": 0.01}
    assert copy.user_attrs == {"retry_of": 0}
    assert {k: copy.system_attrs[k] for k in ("grid_id", "failed_trial", "retry_history")} == {
        "grid_id": 3, "failed_trial": 0, "retry_history": [0]}
    assert "completed_rung_0" not in copy.system_attrs  # the pruner's rungs start anew
    # a trial that kills its worker every time is queued MAX_RETRIES times, then stays FAILED
    for _ in range(MAX_RETRIES):
        last = study.trials[-1]
        study._storage.set_trial_state_values(last._trial_id, state=TrialState.RUNNING)
        study._storage.set_trial_state_values(last._trial_id, state=TrialState.FAIL)
        number = requeue(study, study.trials[-1])
    assert number is None
    assert len(study.trials) == 1 + MAX_RETRIES


def test_ctrl_c_fails_the_trial_and_queues_it_for_resume(tmp_path):
    import signal

    from optuna.trial import TrialState

    proc, study, stopped = start_until_mid_trial(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends
    os.killpg(proc.pid, signal.SIGCONT)  # delivered as the frozen sweep wakes up
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; continue with: glassnet sweep k.yaml --resume --out K" in err
    frozen = study._storage.get_trial(stopped._trial_id)
    assert frozen.state == TrialState.FAIL
    assert frozen.user_attrs["error"] == "interrupted (Ctrl-C)"
    # fit stopped after the batch: the checkpoint holds the epochs done and the unfinished one
    assert (tmp_path / "K" / frozen.user_attrs["run_dir"] / "checkpoint.glassnet").is_file()
    queued = study.get_trials(states=(TrialState.WAITING,))
    assert [(t.params, t.user_attrs["retry_of"]) for t in queued] == [
        (stopped.params, stopped.number)]

    r = run_cli("sweep", "k.yaml", "--out", "K", "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert sorted((t.params["lr"], t.params["seed"]) for t in complete) == [
        (lr, s) for lr in (0.01, 0.03) for s in (0, 1)]
    assert len(study.get_trials()) == 5


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
