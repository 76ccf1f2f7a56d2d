"""``glassnet predict``: predictions of a saved model for the rows of a CSV or .npy file."""

from __future__ import annotations

import argparse
from typing import Any

EPILOG = """\
examples:
  glassnet predict runs/20250101-120000/model.glassnet new_samples.csv
  glassnet predict model.glassnet samples.csv --proba --out predictions.csv
  glassnet predict model.glassnet X.npy

A CSV file needs a header row; its columns are matched to the model's feature names (extra
columns such as the target are ignored), or else it must have exactly as many columns as
the model has inputs. The model's standardization is applied. Output: CSV with a
'prediction' column (class names for classifiers; output_0, ... for regression) and, with
--proba, one probability column per class. Exit codes: 0 done, 2 bad arguments or files.
"""


def register(subparsers: Any) -> None:
    """Add the ``predict`` subcommand."""
    from glassnet.cli import one_line_errors

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
    p.set_defaults(handler=_handler)


def _handler(args: argparse.Namespace) -> int:
    from glassnet.train.apply import predict_model

    return predict_model(args.model, args.input, args.out, args.proba)
