"""``glassnet evaluate``: loss, accuracy, per-class scores and confusion matrix of a model."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

EPILOG = """\
examples:
  glassnet evaluate runs/20250101-120000/model.glassnet            # on its own test set
  glassnet evaluate model.glassnet --dataset fashion-mnist --split all
  glassnet evaluate model.glassnet --dataset examples/data/wine.csv --option target=cultivar
  glassnet evaluate model.glassnet --json > scores.json

The model's standardization is applied to the inputs; regression scores are in the
targets' original units (the loss is printed with its convention, e.g. ½·MSE).
Exit codes: 0 done (also when the output pipe closes early, as with | head), 2 bad
arguments or files.
"""


def register(subparsers: Any) -> None:
    """Add the ``evaluate`` subcommand."""
    from glassnet.cli import one_line_errors

    p = subparsers.add_parser(
        "evaluate", help="score a saved model on a data set",
        description="Evaluate a model file: loss, accuracy, per-class precision/recall/F1 and "
        "the confusion matrix (classification) or MSE/MAE/R² (regression).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(p)
    p.add_argument("model", metavar="MODEL", help="a .glassnet model file")
    p.add_argument("--dataset", metavar="NAME|FILE",
                   help="data set (default: the one the model was trained on)")
    p.add_argument("--option", metavar="KEY=VALUE", action="append", default=[],
                   help="data set loader option, e.g. target=label (repeatable)")
    p.add_argument("--split", choices=("test", "train", "all"), default="test",
                   help="which part of the data set (default test)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(handler=quiet_broken_pipe(_handler))


def _handler(args: argparse.Namespace) -> int:
    from glassnet.train.apply import evaluate_model
    from glassnet.train.config import parse_options

    options = parse_options("--option", args.option)
    return evaluate_model(args.model, args.dataset, options, args.split, args.json)


def quiet_broken_pipe(handler: Callable[[argparse.Namespace], int]
                      ) -> Callable[[argparse.Namespace], int]:
    """Wrap a subcommand handler: when the reader of stdout goes away (``| head``), stop
    quietly with exit code 0 instead of a BrokenPipeError traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            code = handler(args)
            sys.stdout.flush()
            return code
        except BrokenPipeError:
            # the interpreter flushes stdout again at exit: point it at /dev/null
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            return 0

    return run
