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


# ------------------------------------------------------------------ concept questions
def _concepts(topic):
    from glassnet.homework.concepts import load_bank

    return [c for c in load_bank().values() if c.topic == topic]


def _right_concept(session):
    from glassnet.homework.concept_answers import LETTERS

    c = session.current
    if c.kind == "tf":
        return "yes" if c.answer else "no"
    if c.kind == "mc":
        return f"({LETTERS[session.orders[session.index].index(c.answer)]})"
    return c.answer


def test_concept_practice_right_wrong_and_not_an_answer():
    from glassnet.homework.practice import ConceptPractice

    bank = _concepts("activations") + _concepts("gradient")
    s = ConceptPractice(bank, seed=4, attempts=2)
    kinds = set()
    while not s.finished:
        c = s.current
        kinds.add(c.kind)
        fb = s.answer("42 bananas" if c.kind != "formula" else "sigma(")
        assert not fb.correct and not fb.moved_on and s.current is c  # no attempt used
        if c.kind == "tf":  # one try only: the other answer would be a sure hit
            fb = s.answer("no" if c.answer else "yes")
            assert fb.moved_on and not fb.correct and c.explanation in fb.hints
        else:
            assert s.answer(_right_concept(s)).correct
    right = sum(c.kind != "tf" for c in bank)
    assert s.score == (right, len(bank)) and {"tf", "mc", "formula"} <= kinds


def test_concept_practice_shuffles_options_and_names_the_differing_term():
    from glassnet.homework.practice import ConceptPractice

    bank = [c for c in _concepts("backward pass") if c.kind == "formula"]
    s = ConceptPractice(bank, seed=0)
    fb = s.answer("a_k^(l-1) * delta_k^l")
    assert not fb.correct and any("delta_k^l in place of delta_j^l" in h for h in fb.hints)
    mc = [c for c in _concepts("activations") if c.kind == "mc"]
    orders = {tuple(ConceptPractice(mc, seed=k).orders[0]) for k in range(8)}
    assert len(orders) > 1


def test_practice_through_a_pseudo_terminal():
    """A person at a terminal: a wrong try with its hint, a retry, 'reveal' at the end."""
    import os

    import pexpect

    gen = generate("scalar-chain", 4)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "120"}
    child = pexpect.spawn(sys.executable, ["-m", "glassnet", "practice", "scalar-chain",
                                           "--seed", "4", "--attempts", "2"],
                          env=env, encoding="utf-8", timeout=60)
    try:
        child.expect("ŷ = \\?")
        child.expect("> ")
        child.sendline("banana")
        child.expect("not a number")
        child.sendline(_right(gen, "output"))
        child.expect("✓ correct")
        child.expect("L = \\?")
        child.sendline("1000")
        child.expect("incorrect; try again")
        child.sendline(_right(gen, "loss"))
        child.expect("✓ correct")
        child.sendline("reveal")
        child.expect("Backward pass")
        child.expect(f"Score: 2 of {len(gen.questions)}\\.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def test_cli_concepts_non_interactive_and_bad_topic(tmp_path):
    f = tmp_path / "answers.txt"
    f.write_text("reveal\n")
    out = subprocess.run(
        [sys.executable, "-m", "glassnet", "practice", "concepts", "--topic", "dropout",
         "--seed", "1", "--answers", str(f)], capture_output=True, text=True, check=True,
    ).stdout
    n = len(_concepts("dropout"))
    assert f"Score: 0 of {n}." in out and "Answer:" in out
    r = subprocess.run([sys.executable, "-m", "glassnet", "practice", "concepts", "--topic",
                        "dropuot"], capture_output=True, text=True)
    assert r.returncode == 2 and "did you mean 'dropout'" in r.stderr
