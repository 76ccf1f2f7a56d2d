"""``glassnet explain``: a worked solution of an exercise file, or grading of answers."""

from __future__ import annotations

import argparse

EPILOG = """\
examples:
  glassnet explain examples/exercises/scalar_chain.yaml
  glassnet explain examples/exercises/adam_steps.yaml --format markdown > adam.md
  glassnet explain examples/exercises/minibatch.yaml --format latex --precision 6
  glassnet explain examples/exercises/two_two_one.yaml --format json
  glassnet explain examples/exercises/scalar_chain.yaml --check answers.yaml

An answers file maps quantities to numbers, counting layers and steps from 1:
  loss: 0.288
  gradients.w1: 2.081
  steps[1].params.w1: -0.198
  forward[2].a: 0.24
  output: {value: 0.24, tol: 0.01}
A number is correct when it is the right value rounded to the decimals written and within
1 % of it, or within 0.1 % of it whatever the decimals (an explicit tol/rtol replaces this);
a parameter after a step must also be closer to its new value than to its old one.

exit codes: 0 success (all answers correct with --check), 1 some answer incorrect,
2 the exercise or answers file cannot be used (the message names the place in the file).
The exercise and JSON formats are documented in docs/explain.md.
"""


MAX_PRECISION = 15  # float64 carries 15 significant digits meaningfully (numbers.MAX_DIGITS)


def _precision(text: str) -> int:
    expected = f"expected an integer 1..{MAX_PRECISION}"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{expected}; got {text!r}") from None
    if not 1 <= value <= MAX_PRECISION:
        why = " (float64 carries 15 meaningful digits; --format json has every number in full)"
        raise argparse.ArgumentTypeError(f"{expected}{why if value > 0 else ''}; got {value}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    from glassnet.cli import one_line_errors

    parser = subparsers.add_parser(
        "explain",
        help="worked solution of a backpropagation exercise (forward, loss, δ, gradients, steps)",
        description="Work an exercise file (YAML or JSON) through the glassnet engine and print "
        "the solution step by step: conventions, forward pass, loss, backward pass with δ per "
        "layer, each gradient by parameter name, and every optimizer step with its state.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(parser)
    parser.add_argument("file", metavar="FILE", help="exercise file (.yaml, .yml or .json)")
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "latex", "json"),
        default="text",
        help="text (Unicode, default), markdown ($...$ math), latex (a fragment needing "
        "amsmath) or json (every number at full precision)",
    )
    parser.add_argument(
        "--precision",
        type=_precision,
        default=4,
        metavar="N",
        help="significant digits in text/markdown/latex, 1..15 (at least N decimals; "
        "default 4); at most 15 because float64 carries no more meaningful digits — "
        "--format json has every number in full",
    )
    parser.add_argument(
        "--check",
        metavar="ANSWERS",
        help="grade the answers in this YAML file instead of printing the solution",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from glassnet.explain import explain

    solution = explain(args.file)
    if args.check:
        from pathlib import Path

        from glassnet.explain.grade import grade

        # a Path: --check always names a file (never YAML text)
        report = grade(solution, Path(args.check), precision=args.precision)
        print(report.text, end="")
        return 0 if report.passed else 1
    print(solution.render(args.format, args.precision), end="")
    return 0
