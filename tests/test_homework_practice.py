"""Practice sessions: right, wrong and retried answers score as planted; the CLI runs
non-interactively from an answers file."""

from __future__ import annotations

import subprocess
import sys

from glassnet.homework import generate
from glassnet.homework.practice import Practice


def _right(gen, path):
    v = gen.answers()[path]
    return ", ".join(f"{x:.10g}" for x in (v if isinstance(v, list) else [v]))


def test_all_right_scores_full():
    gen = generate("scalar-chain", 1)
    s = Practice(gen)
    while not s.finished:
        assert s.answer(_right(gen, s.current.path)).correct
    assert s.score == (len(gen.questions), len(gen.questions))


def test_retry_then_right_and_out_of_attempts():
    gen = generate("two-two-one", 2)
    s = Practice(gen, attempts=2)
    first = s.current.path
    fb = s.answer("123.456")
    assert not fb.correct and fb.attempts_left == 1 and s.current.path == first
    assert s.answer(_right(gen, first)).correct  # second try still earns the point
    fb = s.answer("9.99")
    fb = s.answer("9.98")
    assert not fb.correct and fb.moved_on and "right value" in fb.message
    assert s.score == (1, len(gen.questions)) and s.index == 2


def test_not_a_number_does_not_use_an_attempt():
    s = Practice(generate("bce", 3), attempts=1)
    fb = s.answer("sigma(0.3)")
    assert not fb.correct and not fb.moved_on and s.index == 0


def test_planted_mistake_gets_hint():
    gen = generate("scalar-chain", 4)
    wrong = -gen.answers()["gradients.w1"]
    s = Practice(gen)
    for q in gen.questions[:4]:
        s.answer(_right(gen, q.path))
    fb = s.answer(f"{wrong:.10g}")
    assert s.current.path == "gradients.w1" and not fb.correct
    assert any("sign" in h for h in fb.hints)


def test_reveal_scores_zero_for_the_rest():
    gen = generate("adam-steps", 5)
    s = Practice(gen)
    s.answer(_right(gen, s.current.path))
    text = s.reveal()
    assert "Adam" in text and s.finished and s.score == (1, len(gen.questions))


def test_cli_non_interactive(tmp_path):
    gen = generate("softmax-ce", 7)
    lines = [_right(gen, q.path) for q in gen.questions]
    lines[1] = "0"  # one wrong try, then right
    lines.insert(2, _right(gen, gen.questions[1].path))
    f = tmp_path / "answers.txt"
    f.write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        [sys.executable, "-m", "glassnet", "practice", "softmax-ce", "--seed", "7",
         "--answers", str(f)], capture_output=True, text=True, check=True,
    ).stdout
    n = len(gen.questions)
    assert f"Score: {n} of {n}." in out and "✗" in out


def test_cli_unknown_template_one_line():
    r = subprocess.run([sys.executable, "-m", "glassnet", "practice", "bcee"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "did you mean 'bce'" in r.stderr
