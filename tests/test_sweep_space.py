"""The sweep file parser, the trial → `glassnet train` config translation, the check of a
search space against train's own rules, samplers/pruners and the storage errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from glassnet.errors import ConfigError
from glassnet.sweep import space, trial

ROOT = Path(__file__).resolve().parents[1]
BASE = {"dataset": "circles", "hidden": [4], "epochs": 2, "plots": False}


def spec_of(**over):
    data = {"config": dict(BASE), "space": {"lr": {"log_uniform": [1e-4, 1e-1]}}, **over}
    return space.parse(data, "s.yaml")


def error(data, *words):
    with pytest.raises(ConfigError) as info:
        trial.check_space(space.parse(data, "s.yaml"))
    text = str(info.value)
    assert "\n" not in text
    for w in words:
        assert w in text, text
    return text


# ---------------------------------------------------------------------- parser
def test_parse_full_spec_and_round_trip():
    s = space.parse({
        "config": dict(BASE),
        "space": {"lr": {"log_uniform": [1e-4, 0.1]}, "optimizer": {"choice": ["sgd", "adam"]},
                  "hidden": {"choice": ["8", [16, 8]]}, "dropout": {"uniform": [0, 0.5]},
                  "batch_size": {"int": [16, 64]}, "optimizer_options.momentum": {
                      "uniform": [0.5, 0.99]}},
        "metric": "val_accuracy", "trials": 7, "sampler": {"name": "random"},
        "pruner": {"name": "successive_halving", "reduction_factor": 3}, "seed": 4}, "s.yaml")
    kinds = {p.name: p.kind for p in s.params}
    assert kinds == {"lr": "log_uniform", "optimizer": "choice", "hidden": "choice",
                     "dropout": "uniform", "batch_size": "int",
                     "optimizer_options.momentum": "uniform"}
    assert s.direction == "maximize"  # auto for an accuracy
    assert dict((p.name, p.choices) for p in s.params)["hidden"] == ("8", "16,8")
    assert (s.trials, s.sampler, s.pruner, s.seed) == (7, "random", "successive_halving", 4)
    assert s.pruner_options == {"reduction_factor": 3}
    again = space.parse(s.to_dict(), "s.yaml")
    assert again == s


def test_defaults():
    s = spec_of()
    assert (s.metric, s.direction, s.sampler, s.pruner, s.trials) == (
        "val_loss", "minimize", "tpe", "median", 10)


@pytest.mark.parametrize("data, words", [
    ({"spaec": {}}, ["unknown key 'spaec'", "Did you mean 'space'?"]),
    ({"space": {"lrr": {"uniform": [0, 1]}}}, ["unknown key 'lrr'", "Did you mean 'lr'?"]),
    ({"space": {"lr": {"log_unifrom": [1e-3, 1]}}},
     ["unknown distribution 'log_unifrom'", "Did you mean 'log_uniform'?"]),
    ({"space": {"dropout": {"uniform": [0.5, 0.1]}}}, ["space: dropout", "inverted"]),
    ({"space": {"dropout": {"uniform": [0.2, 0.2]}}}, ["space: dropout", "empty"]),
    ({"space": {"lr": {"log_uniform": [0, 0.1]}}}, ["log_uniform needs low > 0"]),
    ({"space": {"batch_size": {"int": [8.5, 32]}}}, ["int bounds must be integers"]),
    ({"space": {"optimizer": {"choice": []}}}, ["choice needs at least one value"]),
    ({"space": {"optimizer": {"choice": ["sgd", "sgd"]}}}, ["twice"]),
    ({"space": {"lr": {"uniform": "0.1"}}}, ["uniform takes a list"]),
    ({"space": {"lr": {"uniform": [0.1, "x"]}}}, ["uniform high must be a number"]),
    ({"space": {"lr": 0.1}}, ["must be one distribution"]),
    ({"space": {}}, ["space must map config keys"]),
    ({"space": {"optimizer_options": {"uniform": [0, 1]}}}, ["one option at a time"]),
    ({"space": {"lr.x": {"uniform": [0, 1]}}}, ["only the *_options keys"]),
    ({"metric": "val_acuracy"}, ["unknown metric", "Did you mean 'val_accuracy'?"]),
    ({"sampler": "tpee"}, ["unknown sampler 'tpee'", "Did you mean 'tpe'?"]),
    ({"pruner": {"name": "medain"}}, ["unknown pruner 'medain'", "Did you mean 'median'?"]),
    ({"trials": 0}, ["trials must be an integer ≥ 1"]),
    ({"direction": "up"}, ["direction must be"]),
    ({"sampler": "grid"}, ["grid sampler needs 'choice'"]),
    ({"config": {"hiden": [4]}}, ["unknown key 'hiden'", "Did you mean 'hidden'?"]),
    ({"config": {"epochs": -1}}, ["epochs must be an integer ≥ 0"]),
])
def test_bad_sweep_files(data, words):
    full = {"config": dict(BASE), "space": {"lr": {"log_uniform": [1e-4, 1e-1]}}}
    full.update(data)
    with pytest.raises(ConfigError) as info:
        space.parse(full, "s.yaml")
    text = str(info.value)
    assert text.startswith("s.yaml") and "\n" not in text
    for w in words:
        assert w in text, text


def test_read_file_config_path_and_yaml_errors(tmp_path):
    (tmp_path / "run.yaml").write_text("dataset: circles\nhidden: [3]\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text("config: run.yaml\nspace:\n  lr: {uniform: [0.01, 0.1]}\n",
                                     encoding="utf-8")
    s = space.read_file(tmp_path / "s.yaml")
    assert s.config["hidden"] == [3]
    (tmp_path / "bad.yaml").write_text("space: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML"):
        space.read_file(tmp_path / "bad.yaml")
    with pytest.raises(ConfigError, match="cannot read the sweep file"):
        space.read_file(tmp_path / "missing.yaml")


# ---------------------------------------------------------------------- trial → config
def test_trial_config_translation():
    s = spec_of(space={"lr": {"uniform": [0.01, 0.1]}, "hidden": {"choice": ["8", "16,8"]},
                       "optimizer_options.momentum": {"uniform": [0.5, 0.9]},
                       "optimizer": {"choice": ["sgd"]}})
    cfg = trial.trial_config(s, {"lr": 0.05, "hidden": "16,8", "optimizer": "sgd",
                                 "optimizer_options.momentum": 0.7})
    assert cfg["hidden"] == [16, 8] and cfg["lr"] == 0.05 and cfg["optimizer"] == "sgd"
    assert cfg["optimizer_options"] == {"momentum": 0.7}
    assert cfg["verbose"] == 0 and cfg["dataset"] == "circles" and cfg["epochs"] == 2
    betas = trial.trial_config(s, {"optimizer_options.betas": "0.9,0.99"})
    assert betas["optimizer_options"] == {"betas": [0.9, 0.99]}
    assert "seed" not in cfg  # the train default (0): the same for every trial
    assert s.config == BASE  # the spec is not modified
    with pytest.raises(ConfigError, match="hidden must be layer sizes"):
        trial.trial_config(s, {"hidden": "x"})


class FakeTrial:
    """Records the suggest_* calls the way an Optuna trial receives them."""

    def __init__(self):
        self.calls = []

    def suggest_float(self, name, low, high, log=False):
        self.calls.append(("float", name, low, high, log))
        return low

    def suggest_int(self, name, low, high, log=False):
        self.calls.append(("int", name, low, high, log))
        return high

    def suggest_categorical(self, name, choices):
        self.calls.append(("categorical", name, choices))
        return choices[-1]


def test_suggest_uses_the_distribution():
    s = spec_of(space={"lr": {"log_uniform": [1e-4, 1e-1]}, "dropout": {"uniform": [0, 0.5]},
                       "batch_size": {"log_int": [8, 64]}, "epochs": {"int": [1, 3]},
                       "activation": {"choice": ["relu", "tanh"]}})
    t = FakeTrial()
    values = trial.suggest_all(t, s)
    assert t.calls == [("float", "lr", 1e-4, 1e-1, True), ("float", "dropout", 0.0, 0.5, False),
                       ("int", "batch_size", 8, 64, True), ("int", "epochs", 1, 3, False),
                       ("categorical", "activation", ["relu", "tanh"])]
    assert values == {"lr": 1e-4, "dropout": 0.0, "batch_size": 64, "epochs": 3,
                      "activation": "tanh"}


# ---------------------------------------------------------------------- train's checks
def test_check_space_counts_corner_configs():
    s = spec_of(space={"lr": {"uniform": [0.01, 0.1]}, "optimizer": {"choice": ["sgd", "adam"]},
                       "hidden": {"choice": ["4", "4,4", "8"]}})
    assert trial.check_space(s) == 2 * 2 * 3


def test_check_space_one_key_at_a_time_when_many():
    choices = [str(n) for n in range(1, 21)]
    s = spec_of(space={"hidden": {"choice": choices}, "batch_size": {"choice": choices}})
    assert trial.check_space(s) == 1 + 19 + 19  # 400 > MAX_COMBINATIONS


def test_check_space_refuses_what_train_refuses():
    error({"config": dict(BASE), "space": {"optimizer": {"choice": ["adam", "adma"]}}},
          "optimizer='adma'", "unknown optimizer 'adma'", "Did you mean 'adam'?")
    error({"config": dict(BASE), "space": {"optimizer": {"choice": ["adam", "momentum"]},
                                           "optimizer_options.betas": {"choice": ["0.9,0.99"]}}},
          "optimizer='momentum'", "unknown option 'betas'")
    error({"config": dict(BASE), "space": {"activation": {"choice": ["relu", "rleu"]}}},
          "activation='rleu'", "Did you mean 'relu'?")
    error({"config": dict(BASE), "space": {"schedule": {"choice": ["cosine", "cosin"]}}},
          "schedule='cosin'")
    error({"config": dict(BASE), "space": {"dropout": {"uniform": [0.5, 1.5]}}},
          "dropout=1.5", "dropout must be a number")
    error({"config": {**BASE, "dataset": "plane"}, "space": {"lr": {"uniform": [0.01, 0.1]}},
           "metric": "val_accuracy"}, "regression set", "val_mae")
    error({"config": {**BASE, "val_split": 0}, "space": {"lr": {"uniform": [0.01, 0.1]}}},
          "needs validation data")
    error({"config": {**BASE, "dataset": "no-such-set"}, "space": {"lr": {
        "uniform": [0.01, 0.1]}}}, "no-such-set")


# ---------------------------------------------------------------------- optuna parts
def test_samplers_and_pruners():
    import optuna

    from glassnet.sweep.study import make_pruner, make_sampler

    s = spec_of(space={"lr": {"choice": [0.1, 0.01]}, "batch_size": {"int": [8, 10]}},
                sampler="grid", pruner="none")
    grid = make_sampler(s)
    assert isinstance(grid, optuna.samplers.GridSampler)
    assert isinstance(make_pruner(s), optuna.pruners.NopPruner)
    assert isinstance(make_sampler(spec_of(sampler="random")), optuna.samplers.RandomSampler)
    tpe = make_sampler(spec_of(sampler={"name": "tpe", "n_startup_trials": 3}))
    assert isinstance(tpe, optuna.samplers.TPESampler)
    median = make_pruner(spec_of(pruner={"name": "median", "n_warmup_steps": 2}))
    assert isinstance(median, optuna.pruners.MedianPruner)
    sha = make_pruner(spec_of(pruner={"name": "successive_halving", "min_resource": 1}))
    assert isinstance(sha, optuna.pruners.SuccessiveHalvingPruner)
    with pytest.raises(ConfigError, match=r"unknown option 'n_warmup' of MedianPruner\. Did you "
                       r"mean 'n_warmup_steps'"):
        make_pruner(spec_of(pruner={"name": "median", "n_warmup": 2}))
    with pytest.raises(ConfigError, match="unknown option 'sed' of RandomSampler"):
        make_sampler(spec_of(sampler={"name": "random", "sed": 2}))


def test_study_refuses_another_spec(tmp_path):
    from glassnet.sweep.study import StorageError, default_storage, open_storage, open_study

    storage = open_storage(default_storage(tmp_path), heartbeat=False)
    open_study(spec_of(), storage, "s")
    open_study(spec_of(), storage, "s")  # the same spec joins
    open_study(spec_of(trials=30), storage, "s")  # more trials: the same search, extended
    with pytest.raises(StorageError, match="created from a different sweep spec"):
        open_study(spec_of(metric="val_accuracy"), storage, "s")
    with pytest.raises(StorageError, match="no such study"):
        open_study(spec_of(), storage, "other", create=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*argv, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "glassnet", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def write_spec(path: Path, trials: int = 2) -> Path:
    path.write_text("config: {dataset: circles, hidden: [4], epochs: 1, plots: false}\n"
                    f"space:\n  lr: {{log_uniform: [1.0e-3, 1.0e-1]}}\ntrials: {trials}\n",
                    encoding="utf-8")
    return path


def test_cli_unreachable_storage_is_one_line(tmp_path):
    spec = write_spec(tmp_path / "s.yaml")
    url = f"postgresql://nobody:secret@127.0.0.1:{free_port()}/nothing"
    r = run_cli("sweep", str(spec), "--storage", url, "--out", "sw", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "cannot open the study storage" in lines[0]
    assert f"127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}" in lines[0]
    assert "secret" not in lines[0]  # the password is not printed
    assert not (tmp_path / "sw").exists()  # refused before anything was written
    r = run_cli("sweep", str(spec), "--storage", "nonsense", "--out", "sw", cwd=tmp_path)
    assert r.returncode == 2 and "not a database URL" in r.stderr


def test_cli_bad_space_refused_before_any_trial(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("config: {dataset: circles, hidden: [4], epochs: 1}\n"
                    "space:\n  optimizer: {choice: [adam, rmsprob]}\n", encoding="utf-8")
    r = run_cli("sweep", str(spec), "--out", "sw", cwd=tmp_path)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "optimizer='rmsprob'" in r.stderr and "Did you mean 'rmsprop'?" in r.stderr
    assert not (tmp_path / "sw").exists()


def test_cli_resume_and_out_checks(tmp_path):
    spec = write_spec(tmp_path / "s.yaml")
    r = run_cli("sweep", str(spec), "--out", "sw", "--resume", cwd=tmp_path)
    assert r.returncode == 2 and "holds no sweep" in r.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("", encoding="utf-8")
    r = run_cli("sweep", str(spec), "--out", "full", cwd=tmp_path)
    assert r.returncode == 2 and "not empty" in r.stderr and "--resume" in r.stderr
    r = run_cli("sweep", "report", "full", cwd=tmp_path)
    assert r.returncode == 2 and "not a sweep directory" in r.stderr


def test_import_glassnet_does_not_import_optuna():
    code = ("import sys, glassnet, glassnet.train, glassnet.sweep.space, glassnet.sweep.trial, "
            "glassnet.cli; glassnet.cli.build_parser(); print('optuna' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "False", r.stderr


def test_progress_line_names_done_running_queued_pruned_best():
    import io

    from glassnet.sweep.progress import SweepProgress, describe

    c = {"complete": 3, "pruned": 2, "failed": 1, "running": 2, "waiting": 0, "best": 0.0123}
    assert describe(c, "val_loss") == "running 2, pruned 2, failed 1, best val_loss 0.0123"
    c.update(waiting=1, best=None)
    assert describe(c, "val_accuracy") == ("running 2, queued 1, pruned 2, failed 1, "
                                           "best val_accuracy –")

    class Study:  # what SweepProgress reads: trials and the direction
        def __init__(self, trials):
            self.trials = trials

        def get_trials(self, deepcopy=False):
            return self.trials

        class direction:  # noqa: N801
            name = "MINIMIZE"

    import optuna
    from optuna.trial import TrialState

    def trial(state, value=None):
        return optuna.create_trial(state=state, value=value)

    out = io.StringIO()
    bar = SweepProgress(4, "val_loss", stream=out)
    bar.update(Study([trial(TrialState.COMPLETE, 0.5), trial(TrialState.RUNNING)]))
    bar.update(Study([trial(TrialState.COMPLETE, 0.5), trial(TrialState.RUNNING)]))  # same
    bar.update(Study([trial(TrialState.COMPLETE, 0.5), trial(TrialState.COMPLETE, 0.25),
                      trial(TrialState.PRUNED)]))
    assert out.getvalue().splitlines() == [
        "sweep: 1/4 done, running 1, pruned 0, failed 0, best val_loss 0.5",
        "sweep: 3/4 done, running 0, pruned 1, failed 0, best val_loss 0.25"]


def test_fail_dead_trials_marks_only_dead_processes_of_this_host(tmp_path):
    import optuna
    from optuna.trial import TrialState

    from glassnet.sweep.study import default_storage, fail_dead_trials, open_storage, worker_id

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # reaped: its pid is free
    storage = open_storage(default_storage(tmp_path), heartbeat=False)
    study = optuna.create_study(storage=storage, study_name="s")
    me = worker_id()
    owners = {"dead here": {**me, "pid": gone.pid, "start": ""},
              "alive here": me,  # this test process
              "elsewhere": {**me, "host": me["host"] + "-other", "pid": gone.pid},
              "reused pid": {**me, "start": "1"}}  # our pid, but another process's start
    trials = {}
    for name, info in owners.items():
        t = study.ask()
        t.set_user_attr("worker", info)
        trials[name] = t
    marked = fail_dead_trials(study)
    assert sorted(marked) == sorted([trials["dead here"].number, trials["reused pid"].number])
    state = {n: study._storage.get_trial(t._trial_id).state for n, t in trials.items()}
    assert state == {"dead here": TrialState.FAIL, "alive here": TrialState.RUNNING,
                     "elsewhere": TrialState.RUNNING, "reused pid": TrialState.FAIL}
    reason = study._storage.get_trial(trials["dead here"]._trial_id).system_attrs["fail_reason"]
    assert reason == f"worker process {gone.pid} died"
    assert fail_dead_trials(study) == []  # nothing left to mark
