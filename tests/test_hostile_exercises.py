"""Hostile exercise and answers files: each case of issue 9 ends, quickly and within a memory
bound, in a one-line error that names the key (and the limit) — or in a worked solution."""

from __future__ import annotations

import contextlib
import resource
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import one_line_error, run

from glassnet.explain import limits

BASE = """\
params: {w1: 0.5, w2: -0.3}
network:
  inputs: [x1, x2]
  layers:
    - units: [y]
      weights: [[w1, w2]]
      activation: sigmoid
loss: {name: binary_cross_entropy}
data: {x: [1.0, -2.0], t: 1}
train:
  optimizer: {name: sgd, lr: 0.1}
  steps: 2
"""


def net(inputs: int | str, units: int | str, layers: int = 1, samples: int = 1) -> str:
    n_in = inputs if isinstance(inputs, int) else 2
    x = ", ".join(["0.5"] * min(n_in, 5000))
    body = "".join(f"    - {{units: {units}, activation: tanh}}\n" for _ in range(layers))
    data = "".join(f"  - {{x: [{x}], t: [0.0]}}\n" for _ in range(samples))
    return (f"network:\n  inputs: {inputs}\n  layers:\n{body}    - {{units: 1}}\n"
            f"loss: {{name: squared_error}}\ndata:\n{data}")


class TimeLimitError(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail a case that runs longer than ``seconds`` instead of hanging the suite."""

    def alarm(signum, frame):
        raise TimeLimitError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def explain_error(capsys, tmp_path: Path, text: str, *words: str, check: str | None = None):
    path = tmp_path / "exercise.yaml"
    path.write_text(text, encoding="utf-8")
    argv = ["explain", str(path)]
    if check is not None:
        answers = tmp_path / "answers.yaml"
        answers.write_text(check, encoding="utf-8")
        argv += ["--check", str(answers)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with time_limit(10):
        code, _, err = run(capsys, *argv)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 300, f"peak memory grew by {grown_mib:.0f} MiB"
    assert code == 2, err
    return one_line_error(err, *words)


TRAIN_100 = "train: {optimizer: {name: sgd, lr: 0.1}, steps: 100}\n"
HOSTILE = {
    "steps 10^5": (BASE.replace("steps: 2", "steps: 100000"), ["train.steps", "10,000"]),
    "steps 10^9": (BASE.replace("steps: 2", "steps: 1000000000"), ["train.steps", "limit"]),
    "10,000 layers": (net(2, 2, layers=10_000), ["network.layers", "64"]),
    "10^6 units": (net(2, 1_000_000), ["network.layers[0].units", "4,096"]),
    "10^4 inputs": (net(10_000, 2), ["network.inputs", "4,096"]),
    "3e4 x 3e4": (net(2, 30_000, layers=2), ["units", "4,096"]),
    "10^9 units": (net(2, 10**9), ["units", "4,096"]),
    "params x units": (net(4_000, 4_000), ["network.layers[0].units", "100,000 parameters"]),
    "work": (net(200, 400).replace("data:", TRAIN_100 + "data:"),
             ["train.steps", "parameter updates"]),
    "10^5 samples": (net(1, 1, samples=100_000), ["characters", "limit of 1,048,576"]),
    "20,000 samples": (net(1, 1).split("data:")[0] + "data: ["
                       + ", ".join(["{x: [1], t: [0]}"] * 20_000) + "]\n",
                       ["data", "20,000 samples", "10,000 samples"]),
    # libyaml's parser stops at its own depth limit first; both are one line
    "deep YAML": ("title: " + "[" * 10_000 + "]" * 10_000 + "\n", ["nest"]),
    "deep flow": ("title: x\n" + "a:\n" * 1 + "  " + "{b: " * 500 + "1" + "}" * 500,
                  ["nested more than 32"]),
    "list key": ("? [1, 2]\n: 3\n" + BASE, ["line 1", "key must be a name or a number"]),
    "mapping key": ("{a: 1}: 3\n" + BASE, ["line 1", "key must be a name or a number"]),
    "huge seed": (BASE.replace("      activation: sigmoid", "      activation: sigmoid\n"
                               "      dropout: {rate: 0.5, seed: 1000000000000000000000000000000}"),
                  ["dropout.seed", "limit"]),
    "huge literal": (BASE.replace("w1: 0.5", "w1: " + "9" * 5000), ["not valid YAML"]),
    "huge param": (BASE.replace("w1: 0.5", "w1: " + "9" * 400), ["params.w1", "too large"]),
    "huge schedule": (BASE.replace("  steps: 2", "  schedule: {name: step, step_size: "
                                   + "9" * 400 + "}\n  steps: 2"), ["train.schedule"]),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_exercise_is_one_line(capsys, tmp_path, case):
    text, words = HOSTILE[case]
    explain_error(capsys, tmp_path, text, *words)


def test_a_huge_integer_in_an_answers_file_is_one_line(capsys, tmp_path):
    huge = "loss: " + "9" * 400 + "\n"
    explain_error(capsys, tmp_path, BASE, "loss", "finite number", check=huge)


def test_deep_answers_file_is_one_line(capsys, tmp_path):
    deep = "y: " + "[" * 5000 + "]" * 5000 + "\n"
    explain_error(capsys, tmp_path, BASE, "nest", check=deep)


def test_the_limits_allow_real_exercises(capsys, tmp_path):
    # a biggish but real exercise: 3 layers of 16 units, 64 samples, 20 steps
    text = net(8, 16, layers=3, samples=64).replace(
        "data:", "train: {optimizer: {name: adam, lr: 0.01}, steps: 20}\ndata:")
    path = tmp_path / "big.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "explain", str(path))
    assert code == 0, err
    assert "step 20" in out.lower()
    assert limits.MAX_LAYERS >= 64 and limits.MAX_STEPS >= 10_000


def test_a_deep_dict_passed_to_the_api_is_refused():
    import glassnet as gn

    deep: dict = {}
    inner = deep
    for _ in range(200):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(gn.GlassnetError, match="nested more than 32"):
        gn.explain({"title": "x", "description": deep})
