"""``glassnet evaluate``: loss, accuracy, per-class scores and confusion matrix of a model."""

from __future__ import annotations

import argparse
from typing import Any

EPILOG = """\
examples:
  glassnet evaluate runs/20250101-120000/model.glassnet            # on its own test set
  glassnet evaluate model.glassnet --dataset fashion-mnist --split all
  glassnet evaluate model.glassnet --dataset examples/data/wine.csv --option target=cultivar
  glassnet evaluate model.glassnet --json > scores.json

The model's standardization is applied to the inputs. Exit codes: 0 done, 2 bad arguments
or files.
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
    p.set_defaults(handler=_handler)


def _handler(args: argparse.Namespace) -> int:
    from glassnet.train.apply import evaluate_model
    from glassnet.train.config import parse_options

    options = parse_options("--option", args.option)
    return evaluate_model(args.model, args.dataset, options, args.split, args.json)
