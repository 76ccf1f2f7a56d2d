"""Distributed storage for real: Debian's PostgreSQL server, started here on a loopback port,
holds one study that two ``glassnet sweep`` processes share. One is killed (SIGKILL) in
the middle of a trial and started again with ``--resume``: every trial is recorded once,
none is lost, the killed one is FAILED, not left RUNNING, and its parameters are run
again in a queued copy.

The server comes from the ``postgresql`` Debian package (``tools/system-packages.sh``
installs it; ``make test`` runs that). PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` user (``runuser``) in a temporary directory it owns.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRIALS = 6
SPEC = f"""\
config:
  dataset: circles
  hidden: [16, 16]
  activation: tanh
  epochs: 30
  batch_size: 8
  plots: false
space:
  lr: {{log_uniform: [1.0e-3, 1.0e-1]}}
  optimizer: {{choice: [adam, rmsprop]}}
metric: val_loss
trials: {TRIALS}
sampler: random
pruner: none
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    assert found, ("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; "
                   "install Debian's postgresql package (bash tools/system-packages.sh)")
    return Path(found[-1]).parent


@pytest.fixture(scope="module")
def postgres():
    """A throw-away PostgreSQL server on 127.0.0.1; yields its URL, stops it at the end."""
    bindir = pg_bin()
    base = Path(tempfile.mkdtemp(prefix="glassnet-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses root: run it as the postgres user
        import pwd

        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "glassnet", "-E", "UTF8", "--no-sync"], check=True,
                   capture_output=True, timeout=120)
    for _attempt in range(5):  # a free port can be taken between the check and the start
        port = free_port()
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -F"
        started = subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-o",
                                  options, "-l", str(base / "server.log"), "-w", "-t", "60",
                                  "start"], capture_output=True, timeout=120)
        if started.returncode == 0:
            break
    else:
        log = (base / "server.log").read_text(errors="replace")
        pytest.fail(f"PostgreSQL did not start: {log[-2000:]}")
    try:
        yield f"postgresql://glassnet@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def sweep(*argv, cwd) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "glassnet", "sweep", *argv], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def freeze_mid_trial(study, proc: subprocess.Popen, out: Path):
    """Stop ``proc`` (SIGSTOP) as soon as a trial in its sweep directory ``out`` has finished
    an epoch, and return that trial, still RUNNING. The poll only reads files, so the
    process is frozen within milliseconds of the epoch; the study is read once it is."""
    from optuna.trial import TrialState

    deadline = time.monotonic() + 240  # only against a hang; no timing is asserted
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for history in (out / "trials").glob("trial-*/history.csv"):
            if len(history.read_text(encoding="utf-8").splitlines()) >= 2:
                os.kill(proc.pid, signal.SIGSTOP)
                number = int(history.parent.name.removeprefix("trial-"))
                trial = next(t for t in study.get_trials() if t.number == number)
                assert trial.state == TrialState.RUNNING, trial.state
                assert (trial.user_attrs.get("worker") or {}).get("pid") == proc.pid
                return trial
        time.sleep(0.005)
    pytest.fail("the first sweep process never got into a trial")


def test_two_processes_share_a_study_and_a_killed_trial_is_failed(postgres, tmp_path):
    import optuna
    from optuna.trial import TrialState

    from glassnet.sweep.study import open_storage

    storage = open_storage(postgres, heartbeat=False)  # the psycopg2 driver
    (tmp_path / "s.yaml").write_text(SPEC, encoding="utf-8")
    common = ["s.yaml", "--storage", postgres, "--study", "shared", "--quiet"]
    a = sweep(*common, "--out", "A", cwd=tmp_path)
    b = sweep(*common, "--out", "B", cwd=tmp_path)
    again = None
    try:
        # the study exists once a process has created it
        deadline = time.monotonic() + 120
        while True:
            try:
                study = optuna.load_study(study_name="shared", storage=storage)
                break
            except KeyError:
                assert time.monotonic() < deadline and a.poll() is None, a.communicate()
                time.sleep(0.1)
        killed = freeze_mid_trial(study, a, tmp_path / "A")
        os.kill(a.pid, signal.SIGKILL)
        a.wait(timeout=60)
        assert a.returncode == -signal.SIGKILL
        state = study._storage.get_trial(killed._trial_id).state
        assert state in (TrialState.RUNNING, TrialState.FAIL)  # left behind by the kill

        again = sweep(*common, "--out", "A", "--resume", cwd=tmp_path)
        _, err_again = again.communicate(timeout=300)
        assert again.returncode == 0, err_again
        _, err_b = b.communicate(timeout=300)
        assert b.returncode == 0, err_b
    finally:
        for p in (a, b, again):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()

    trials = study.get_trials()
    states = {t.number: t.state for t in trials}
    assert states[killed.number] == TrialState.FAIL, states
    assert [n for n, s in states.items() if s == TrialState.FAIL] == [killed.number]
    assert TrialState.RUNNING not in states.values()
    assert TrialState.WAITING not in states.values()
    # the killed trial's parameters, as the study holds them, were queued again and run to
    # the end (compared with the final record: the snapshot taken while the trial ran was
    # once seen without its parameters, in 1 of some 20 runs, cause not found)
    dead = next(t for t in trials if t.number == killed.number)
    assert set(dead.params) == {"lr", "optimizer"}, dead.params
    retry = next(t for t in trials if t.user_attrs.get("retry_of") == killed.number)
    assert retry.state == TrialState.COMPLETE and retry.params == dead.params
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == TRIALS  # the killed trial was run again, nothing more
    assert [t.number for t in trials] == list(range(len(trials)))  # recorded once each
    assert len(trials) == TRIALS + 1
    # every finished trial is one train run directory, on the machine that ran it
    runs = {int(p.name.split("-")[1]): p for d in ("A", "B")
            for p in (tmp_path / d / "trials").glob("trial-*") if (p / "model.glassnet").exists()}
    assert sorted(runs) == sorted(t.number for t in finished)
    for t in finished:
        history = json.loads((runs[t.number] / "history.json").read_text(encoding="utf-8"))
        assert history["epochs"][-1]["val_loss"] == t.value
    assert not (tmp_path / "A" / "trials" / f"trial-{killed.number:04d}" / "model.glassnet"
                ).exists()
    pids = {t.user_attrs["worker"]["pid"] for t in finished}
    assert b.pid in pids  # both machines' processes contributed
    assert len(pids) >= 2
    # the resumed process reads its study from A/study.json
    where = json.loads((tmp_path / "A" / "study.json").read_text(encoding="utf-8"))
    assert where == {"storage": postgres, "study": "shared"}
