"""SIGKILL at random moments: the checkpoint on disk always loads, and ``--resume`` finishes
with the same final weights as a run that was never interrupted (atomic saves, bit-identical
resume)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn

FLAGS = ["--hidden", "32", "--epochs", "60", "--batch-size", "16", "--seed", "3", "--no-plots",
         "--verbose", "0"]


def train(*argv: str) -> subprocess.Popen:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "glassnet", "train", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> np.ndarray:
    out = tmp_path_factory.mktemp("full") / "run"
    proc = train(*FLAGS, "--out", str(out))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return gn.load(out / "model.glassnet").params


@pytest.mark.parametrize("trial", range(3))
def test_sigkill_then_resume_gives_the_same_weights(tmp_path, uninterrupted, trial):
    chance = random.Random(trial)
    out = tmp_path / "run"
    checkpoint = out / "checkpoint.glassnet"
    proc = train(*FLAGS, "--out", str(out))
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(chance.uniform(0.0, 0.4))  # somewhere inside a later epoch or a save
    finished_first = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert not finished_first, "the run ended before the kill; give it more epochs"
    saved = gn.load(checkpoint)  # whatever moment the kill hit, the file is whole
    assert 1 <= saved.training_state.epoch < 60
    resumed = train("--resume", str(checkpoint), "--epochs", "60", "--no-plots", "--verbose",
                    "0")
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err.decode()
    final = gn.load(out / "model.glassnet")
    assert final.training_state is None or final.training_state.epoch == 60
    np.testing.assert_array_equal(final.params, uninterrupted)
    assert not [p for p in Path(out).iterdir() if p.name.startswith(".") and "tmp" in p.name]


def test_a_save_removes_the_temporary_files_of_killed_writers_only(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f".m.glassnet.{dead.pid}.abc123.tmp"
    live = tmp_path / f".m.glassnet.{os.getppid()}.def456.tmp"  # a running process
    other = tmp_path / f".other.glassnet.{dead.pid}.x.tmp"  # another file's
    for path in (orphan, live, other):
        path.write_bytes(b"partial")
    gn.Network([gn.Dense(2, 1)], seed=0).save(tmp_path / "m.glassnet")
    assert not orphan.exists() and live.exists() and other.exists()
    assert gn.load(tmp_path / "m.glassnet").params.size == 3
