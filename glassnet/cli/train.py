"""``glassnet train``: train an MLP on a data set and write a run directory."""

from __future__ import annotations

import argparse
from typing import Any

EPILOG = """\
examples:
  glassnet train                                  # MLP on the bundled digits (~97.8 %)
  glassnet train --dataset fashion-mnist --hidden 256,128 --dropout 0.2 --epochs 20
  glassnet train --dataset spiral --dataset-option noise=0.1 --hidden 16,16 --activation tanh
  glassnet train --dataset plane --hidden 8 --epochs 100        # 2-D regression
  glassnet train --dataset examples/data/wine.csv --target cultivar --hidden 16 --lr 0.01
  glassnet train --optimizer sgd --lr 0.05 --momentum 0.9 --schedule cosine --epochs 30
  glassnet train --config run.yaml --epochs 10    # flags override the file
  glassnet train --resume runs/20250101-120000/checkpoint.glassnet --epochs 60

The default run takes a few seconds (1-4 s measured, plots included; on a busy multi-core
machine OPENBLAS_NUM_THREADS=1 keeps it there).

The run directory (--out, default runs/<timestamp>) receives config.yaml (rerun it with
--config), checkpoint.glassnet (last state, every epoch and on Ctrl-C), model.glassnet
(final model; the best epoch's weights with --early-stopping), history.json, history.csv
and plots/*.png. A non-empty --out is refused unless it is the directory of the --resume
checkpoint or --force is given. Ctrl-C stops after the current batch and saves; --resume
continues bit-identically.

Inputs are standardized with the training part's mean and std, and so are regression
targets (identity output); the model file keeps both, so glassnet.load(...).predict /
evaluate take raw data and report original units (the per-epoch history of a regression
is on the standardized targets). The regression loss is the squared error ½(y − t)²,
printed as ½·MSE.

Exit codes: 0 done, 1 training diverged, 2 bad arguments or files, 130 interrupted.
"""

#: flags that map one-to-one on run-configuration keys (values checked by glassnet.train.config)
_CONFIG_FLAGS = (
    ("--dataset", "NAME|FILE", "data set name (digits, fashion-mnist, mnist, circles, xor, "
     "gaussians, spiral, moons, plane), a .csv/.npz/.npy file or a directory of MNIST-style "
     "IDX files (default digits)"),
    ("--target", "COLUMN", "CSV target column (default 'label')"),
    ("--test-fraction", "F", "test fraction for digits, playground and CSV sets"),
    ("--hidden", "SIZES", "hidden layer sizes, e.g. 256,128 (default 256,128; 'none' for none)"),
    ("--activation", "NAME", "hidden-layer activation (default relu)"),
    ("--output-activation", "NAME", "output activation (default softmax / identity)"),
    ("--dropout", "RATE", "dropout rate after each hidden layer (default 0.2; 0 for the 2-D "
     "sets circles, xor, gaussians, spiral, moons, plane)"),
    ("--loss", "NAME", "loss (default cross_entropy / squared_error)"),
    ("--optimizer", "NAME", "sgd, momentum, rmsprop, adam, adamw (default adam)"),
    ("--lr", "LR", "learning rate (default 0.001)"),
    ("--schedule", "NAME", "learning-rate schedule (glassnet.schedules; default none)"),
    ("--schedule-unit", "UNIT", "step (per update, default) or epoch"),
    ("--epochs", "N", "total epochs (default 40); with --resume: train up to N"),
    ("--batch-size", "N", "minibatch size (default 32)"),
    ("--l2", "LAMBDA", "L2 penalty (λ/2)·‖W‖² on the weights (default 0)"),
    ("--val-split", "F", "stratified validation fraction (default 0.1)"),
    ("--early-stopping", "PATIENCE", "stop when val_loss has not improved for PATIENCE "
     "epochs and keep the best weights (default 0: off)"),
    ("--seed", "N", "seed of initialisation, shuffling and dropout (default 0)"),
    ("--dtype", "DTYPE", "float32 (default) or float64"),
    ("--verbose", "N", "0 quiet (only the test result and errors), 1 progress bar "
     "(default), 2 one line per epoch"),
)
_OPTIMIZER_FLAGS = (
    ("--momentum", "MU", "momentum (sgd)"),
    ("--nesterov", "BOOL", "Nesterov momentum (sgd)"),
    ("--betas", "B1,B2", "Adam/AdamW betas, e.g. 0.9,0.999"),
    ("--eps", "EPS", "ε of Adam / RMSprop"),
    ("--weight-decay", "WD", "weight decay (coupled for adam/sgd, decoupled for adamw)"),
    ("--clip-norm", "MAX", "clip the global gradient norm before each update"),
)


def register(subparsers: Any) -> None:
    """Add the ``train`` subcommand."""
    from glassnet.cli import one_line_errors
    from glassnet.cli.evaluate import quiet_broken_pipe

    p = subparsers.add_parser(
        "train", help="train an MLP and write a run directory",
        description="Train a multilayer perceptron with minibatch backpropagation. With no "
        "arguments: a 64-256-128-10 ReLU MLP with dropout on the bundled digits.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(p)
    s = argparse.SUPPRESS
    p.add_argument("--config", metavar="FILE", help="YAML run configuration (flags override it)")
    p.add_argument("--out", metavar="DIR", help="run directory (default runs/<timestamp>; "
                   "with --resume: the checkpoint's directory)")
    p.add_argument("--resume", metavar="FILE", help="continue training from a checkpoint")
    p.add_argument("--force", action="store_true",
                   help="replace the run in a non-empty --out directory")
    data = p.add_argument_group("data and network")
    for flag, metavar, text in _CONFIG_FLAGS:
        data.add_argument(flag, metavar=metavar, default=s, help=text)
    data.add_argument("--dataset-option", metavar="KEY=VALUE", action="append", default=s,
                      dest="dataset_options", help="loader option, e.g. noise=0.1 or "
                      "directory=DIR for mnist (repeatable)")
    data.add_argument("--no-standardize", dest="standardize", action="store_const", const=False,
                      default=s, help="do not standardize the inputs and regression targets")
    data.add_argument("--no-plots", dest="plots", action="store_const", const=False, default=s,
                      help="do not draw plots")
    opt = p.add_argument_group("optimizer and schedule options")
    for flag, metavar, text in _OPTIMIZER_FLAGS:
        opt.add_argument(flag, metavar=metavar, default=s, help=text)
    opt.add_argument("--optimizer-option", metavar="KEY=VALUE", action="append", default=s,
                     dest="optimizer_option", help="any other optimizer argument (repeatable)")
    opt.add_argument("--schedule-option", metavar="KEY=VALUE", action="append", default=s,
                     dest="schedule_options", help="schedule argument, e.g. T_max=1000")
    p.set_defaults(handler=quiet_broken_pipe(_handler))


def _handler(args: argparse.Namespace) -> int:
    from glassnet.train.config import parse_value
    from glassnet.train.runs import train_run

    given = vars(args)
    keys = [flag[2:].replace("-", "_") for flag, _, _ in _CONFIG_FLAGS]
    flags = {k: given[k] for k in (*keys, "dataset_options", "schedule_options", "standardize",
                                   "plots") if k in given}
    options = {}
    for flag, _, _ in _OPTIMIZER_FLAGS:
        key = flag[2:].replace("-", "_")
        if key in given:
            options[key] = parse_value(given[key])
    for item in given.get("optimizer_option", []):
        name, eq, value = item.partition("=")
        if not eq:
            from glassnet.errors import ConfigError

            raise ConfigError(f"--optimizer-option must look like KEY=VALUE; got {item!r}.")
        options[name.strip().replace("-", "_")] = parse_value(value.strip())
    if options:
        flags["optimizer_options"] = options
    return train_run(args.config, flags, out=args.out, resume=args.resume, force=args.force)
