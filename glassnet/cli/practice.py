"""``glassnet practice``: work a generated exercise step by step in the terminal."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    from glassnet.cli import one_line_errors

    parser = subparsers.add_parser(
        "practice",
        help="practise a randomized backpropagation exercise, one quantity at a time",
        description="Draw an exercise from a template and answer its quantities in order "
        "(ŷ, loss, δ's, gradients, updated parameters); type 'reveal' for the worked solution. "
        "TEMPLATE 'concepts' asks the concept questions instead (true/false, multiple choice, "
        "formulas), optionally of one --topic.",
        epilog="examples:\n  glassnet practice scalar-chain --seed 1\n"
        "  glassnet practice concepts --topic optimization\n  glassnet homework list",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(parser)
    parser.add_argument("template", nargs="?", default="scalar-chain", metavar="TEMPLATE")
    parser.add_argument("--seed", type=int, default=None, help="seed (default: random)")
    parser.add_argument("--answers", metavar="FILE", help="one answer per line (non-interactive)")
    parser.add_argument("--attempts", type=int, default=3, help="tries per quantity (default 3)")
    parser.add_argument("--topic", help="with 'concepts': only this topic's questions")
    parser.set_defaults(handler=run)


def _lines(path: str | None):
    if path is None:
        while True:
            try:
                yield input("> ")
            except EOFError:
                return
    from glassnet.errors import GlassnetError

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(1 << 20)
    except OSError as exc:
        raise GlassnetError(f"{path}: cannot read the answers file ({exc}).") from None
    yield from text.splitlines()


def _concept_session(args: argparse.Namespace, seed: int):
    import difflib

    from glassnet.errors import GlassnetError
    from glassnet.homework.concepts import load_bank
    from glassnet.homework.practice import ConceptPractice

    bank = list(load_bank().values())
    topics = sorted({c.topic for c in bank})
    if args.topic is not None:
        if args.topic not in topics:
            near = difflib.get_close_matches(args.topic, topics, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise GlassnetError(f"--topic: unknown topic {args.topic[:40]!r}; {hint}"
                                f"topics: {', '.join(topics)}.")
        bank = [c for c in bank if c.topic == args.topic]
    return ConceptPractice(bank, seed, min(args.attempts, 2))


def _drive(session, lines, prompt, hint_prefix: str) -> int:
    """Ask, read a line, answer, until the session is finished or the student types 'reveal'
    (or the answers run out); then print the score. ``session`` is a Practice or a
    ConceptPractice (the same interface)."""
    while not session.finished:
        print(prompt())
        line = next(lines, None)
        if line is None or line.strip().lower() == "reveal":
            print(session.reveal(), end="")
            break
        fb = session.answer(line)
        print(("✓ " if fb.correct else "✗ ") + fb.message)
        for h in fb.hints:
            print(f"  {hint_prefix}{h}")
    points, total = session.score
    print(f"Score: {points} of {total}.")
    sys.stdout.flush()
    return 0


def run_concepts(args: argparse.Namespace, seed: int) -> int:
    session = _concept_session(args, seed)
    print(f"Concept questions (seed {seed}): {len(session.concepts)} to answer; "
          "'reveal' shows the rest.")
    return _drive(session, _lines(args.answers), session.prompt, "")


def run(args: argparse.Namespace) -> int:
    import secrets

    from glassnet.homework import generate
    from glassnet.homework.practice import Practice

    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    if args.template == "concepts":
        return run_concepts(args, seed)
    if args.topic is not None:
        from glassnet.errors import GlassnetError

        raise GlassnetError("--topic goes with 'glassnet practice concepts'.")
    gen = generate(args.template, seed)
    session = Practice(gen, args.attempts)
    print(f"{gen.exercise['title']} (template {args.template}, seed {seed})")
    print(gen.exercise["description"])
    print("Answer each quantity (comma-separate vectors); 'reveal' shows the solution.")
    return _drive(session, _lines(args.answers), lambda: f"{session.current.label} = ?",
                  "Hint: ")
