"""``glassnet predict``: predictions of a saved model for the rows of a CSV or .npy file."""

from __future__ import annotations

import argparse
from typing import Any

EPILOG = """\
examples:
  glassnet predict runs/20250101-120000/model.glassnet new_samples.csv
  glassnet predict model.glassnet samples.csv --proba --out predictions.csv
  glassnet predict model.glassnet X.npy

A CSV file needs a header row naming the model's features (any order; extra columns such
as the target are ignored); a header that lacks some of them is refused, naming the missing
and unknown columns. Only a model that knows no feature names takes the columns in order.
The model's standardization is applied; regression outputs are in the targets' units.
Output: CSV with a 'prediction' column (class names for classifiers; output_0, ... for
regression) and, with --proba (classification models only), one probability column per
class. Exit codes: 0 done (also when the output pipe closes early), 2 bad arguments or files.
"""


def register(subparsers: Any) -> None:
    """Add the ``predict`` subcommand."""
    from glassnet.cli import one_line_errors
    from glassnet.cli.evaluate import quiet_broken_pipe

    p = subparsers.add_parser(
        "predict", help="predict with a saved model",
        description="Predict the class (or values) of every row of INPUT with a model file.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(p)
    p.add_argument("model", metavar="MODEL", help="a .glassnet model file")
    p.add_argument("input", metavar="INPUT", help="a .csv (with header) or .npy file of inputs")
    p.add_argument("--out", metavar="FILE", help="write the CSV here instead of stdout")
    p.add_argument("--proba", action="store_true", help="add class probability columns")
    p.set_defaults(handler=quiet_broken_pipe(_handler))


def _handler(args: argparse.Namespace) -> int:
    from glassnet.train.apply import predict_model

    return predict_model(args.model, args.input, args.out, args.proba)
