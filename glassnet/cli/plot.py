"""``glassnet plot``: draw networks, training curves, optimizer paths, gradient flow,
decision boundaries, learning-rate schedules and dropout.

Every subcommand writes one file (``--out``; PNG or SVG by the extension, GIF for
``--gif``) and prints its path. The engine and matplotlib load inside the handlers.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any

_FMT = argparse.RawDescriptionHelpFormatter

#: a word that starts like a negative number: "-1.5,0.05", "-.5", "-1e-3"
_NEGATIVE_VALUE = re.compile(r"-\.?\d")


def attach_negative_values(words: Sequence[str], options: set[str]) -> list[str]:
    """Rewrite ``OPTION VALUE`` as ``OPTION=VALUE`` when VALUE starts like a negative number.

    argparse reads every word that starts with "-" as an option unless it is a plain negative
    number ("-1", "-0.5"), so ``--start -1.5,0.05`` or ``--lr -1e-3`` stop with "expected one
    argument". No option of ``glassnet plot`` starts with "-" and a digit, so such a word right
    after an option that takes a value (``options``) is that value. Words after "--" are left
    alone.
    """
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            out.extend(words[i:])
            break
        if word in options and i + 1 < len(words) and _NEGATIVE_VALUE.match(words[i + 1]):
            out.append(f"{word}={words[i + 1]}")
            i += 2
            continue
        out.append(word)
        i += 1
    return out


class PlotParser(argparse.ArgumentParser):
    """The parser of each ``glassnet plot`` picture: its options accept values that start with
    a minus sign (``--start -1.5,0.05``, ``--input -0.5,1``), see :func:`attach_negative_values`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.valued_options: set[str] = set()  # before super(): it adds --help
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.option_strings and action.nargs is None:  # takes exactly one value
            self.valued_options.update(action.option_strings)
        return action

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        words = sys.argv[1:] if args is None else list(args)
        return super().parse_known_args(
            attach_negative_values(words, self.valued_options), namespace
        )


def _wrap(text: str) -> str:
    import textwrap

    return textwrap.fill(text, width=78)


PLOT_EPILOG = """\
pictures:
  network         a network from an exercise or model file: activations, weights, gradients
  curves          loss / metrics per epoch and the learning rate of one or more runs
  trajectories    SGD, Momentum, RMSprop and Adam on a 2-D test function (PNG or GIF)
  gradient-flow   per-layer gradient norms: deep sigmoid against ReLU
  boundary        decision regions of a network trained on a 2-D data set (PNG or GIF)
  schedules       the curve of every learning-rate schedule
  dropout         one input's activations with dropped units, inverted vs standard

examples:
  glassnet plot network examples/exercises/two_two_one.yaml --out net.png
  glassnet plot curves runs/adam runs/sgd --out compare.svg
  glassnet plot trajectories --function saddle --start -1.5,0.05
  glassnet plot trajectories --function rosenbrock --gif --out rosenbrock.gif
  glassnet plot boundary --dataset spiral --gif

Run directories (runs/adam, ...) are those 'glassnet train --out DIR' writes. Lists of
numbers may start with a minus sign: --start -1.5,0.05, --input -0.5,1.2.
"""


def _out_arg(p: argparse.ArgumentParser, default: str, gif: bool = False) -> None:
    kinds = "PNG or SVG by the extension" + ("; GIF with --gif" if gif else "")
    p.add_argument(
        "--out",
        "-o",
        metavar="PATH",
        default=None,
        help=f"file to write ({kinds}; default {default})",
    )
    p.add_argument("--dpi", type=float, default=None, help="resolution of PNG/GIF output")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plot",
        help="draw networks, curves, optimizer paths, gradient flow, boundaries, ...",
        description=_wrap("Draw a picture and write it to a file (matplotlib, headless)."),
        epilog=PLOT_EPILOG,
        formatter_class=_FMT,
    )
    sub = parser.add_subparsers(dest="picture", metavar="PICTURE", parser_class=PlotParser)
    parser.set_defaults(handler=_no_picture, _parser=parser)

    p = sub.add_parser(
        "network",
        help="diagram of a network from an exercise or model file",
        description=_wrap(
            "Neurons coloured by their activation for one input sample (--sample K, "
            "counting from 1), edges coloured (blue < 0 < red) and sized by their weight. From "
            "an exercise file the inputs, targets and loss give a backward pass: edges are also "
            "labelled with ∂C/∂w. Layers with more than --max-units units are drawn as blocks."
        ),
        epilog="examples:\n"
        "  glassnet plot network examples/exercises/two_two_one.yaml     # network.png\n"
        "  glassnet plot network examples/exercises/minibatch.yaml --sample 2 --out net.svg\n"
        "  glassnet plot network examples/exercises/minibatch.yaml --no-gradients --no-weights\n"
        "  glassnet plot network runs/spiral/model.glassnet --input -0.5,1.2\n\n"
        "--sample 2 is the exercise's second sample (counting from 1, as explain does); the\n"
        'title names it ("sample 2 of 3"). A model file comes from \'glassnet train --out\n'
        "DIR' (DIR/model.glassnet); --input gives it one input vector.",
        formatter_class=_FMT,
    )
    p.add_argument(
        "source",
        metavar="EXERCISE.yaml|MODEL.glassnet",
        help="exercise file (.yaml/.yml/.json) or model file",
    )
    p.add_argument(
        "--sample",
        type=int,
        default=1,
        metavar="K",
        help="which of the exercise's samples colours the neurons; counts from 1, as explain "
        "and the diagram's title do (default 1)",
    )
    p.add_argument(
        "--input",
        metavar="X1,X2,...",
        default=None,
        help="one input vector (comma-separated) instead of the exercise's inputs",
    )
    p.add_argument(
        "--weights",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="label edges with their weights (default: for small networks)",
    )
    p.add_argument(
        "--gradients",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="label edges with ∂C/∂w (default: exercise files, small networks)",
    )
    p.add_argument(
        "--max-units",
        type=int,
        default=12,
        help="draw layer blocks when a layer has more units (default 12)",
    )
    _out_arg(p, "network.png")
    p.set_defaults(handler=_network)

    p = sub.add_parser(
        "curves",
        help="training curves of one or more runs",
        description=_wrap(
            "Loss and metrics per epoch (train solid, validation dashed) of each run "
            "directory (its history.json) or history.json file, runs overlaid; with --lr, the "
            "learning rate per optimizer step instead."
        ),
        epilog="examples:\n"
        "  glassnet plot curves runs/digits                     # curves.png\n"
        "  glassnet plot curves runs/sgd runs/adam --labels SGD,Adam --out compare.png\n"
        "  glassnet plot curves runs/digits --metrics loss --out loss.svg\n"
        "  glassnet plot curves runs/digits --lr --out lr.png\n\n"
        "A run directory is what 'glassnet train --out DIR' writes (DIR/history.json).",
        formatter_class=_FMT,
    )
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run directories or history.json")
    p.add_argument(
        "--metrics",
        default=None,
        help="comma-separated metrics, one panel each (default: loss and accuracy, those the "
        "runs record)",
    )
    p.add_argument("--labels", default=None, help="comma-separated labels, one per run")
    p.add_argument("--lr", action="store_true", help="plot the learning rate per step")
    _out_arg(p, "curves.png")
    p.set_defaults(handler=_curves)

    p = sub.add_parser(
        "trajectories",
        help="optimizer paths on a 2-D test function",
        description=_wrap(
            "Paths of SGD, Momentum, RMSprop and Adam (glassnet's optimizers, "
            "driven by opt.step(θ, ∇f(θ))) from the same start on a contour plot, with f(θₜ) "
            "per step; --gif animates the paths."
        ),
        epilog="functions: quadratic (condition number 50), rosenbrock, saddle, beale\n\n"
        "examples:\n"
        "  glassnet plot trajectories                           # quadratic, trajectories.png\n"
        "  glassnet plot trajectories --function rosenbrock --out rosenbrock.svg\n"
        "  glassnet plot trajectories --function beale --gif --out beale.gif\n"
        "  glassnet plot trajectories --function saddle --steps 60 --start -1.5,0.05",
        formatter_class=_FMT,
    )
    p.add_argument(
        "--function",
        default="quadratic",
        help="quadratic, rosenbrock, saddle or beale (default quadratic)",
    )
    p.add_argument("--steps", type=int, default=None, help="optimizer steps (default per function)")
    p.add_argument("--start", metavar="X,Y", default=None, help="starting point θ₀")
    p.add_argument("--gif", action="store_true", help="write an animated GIF")
    p.add_argument("--frames", type=int, default=60, help="GIF frames (default 60)")
    _out_arg(p, "trajectories.png", gif=True)
    p.set_defaults(handler=_trajectories)

    p = sub.add_parser(
        "gradient-flow",
        help="per-layer gradient norms: deep sigmoid vs ReLU",
        description=_wrap(
            "Trains one deep network per activation on a 2-D data set with the same "
            "seed and optimizer, recording after every batch ‖∂C/∂Wˡ‖ per layer and the share of "
            "saturated sigmoid (|a − 0.5| > 0.49) / tanh (|a| > 0.98) units or dead ReLUs "
            "(z ≤ 0 for the whole batch); plots the per-epoch means."
        ),
        epilog="examples:\n"
        "  glassnet plot gradient-flow                          # gradient-flow.png\n"
        "  glassnet plot gradient-flow --activations sigmoid,tanh,relu --depth 10\n"
        "  glassnet plot gradient-flow --epochs 30 --out flow.svg",
        formatter_class=_FMT,
    )
    p.add_argument(
        "--activations",
        default="sigmoid,relu",
        help="comma-separated hidden activations (default sigmoid,relu)",
    )
    p.add_argument("--depth", type=int, default=8, help="hidden layers (default 8)")
    p.add_argument("--width", type=int, default=16, help="units per hidden layer (default 16)")
    p.add_argument(
        "--dataset",
        default="circles",
        help="2-D Playground set: circles, xor, gaussians, spiral, moons or plane "
        "(default circles)",
    )
    p.add_argument("--epochs", type=int, default=15, help="epochs (default 15)")
    p.add_argument("--optimizer", default="sgd", help="optimizer name (default sgd)")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    p.add_argument("--seed", type=int, default=0)
    _out_arg(p, "gradient-flow.png")
    p.set_defaults(handler=_gradient_flow)

    p = sub.add_parser(
        "boundary",
        help="decision regions on a 2-D data set, still or GIF over epochs",
        description=_wrap(
            "Trains a small network on a Playground data set (inputs divided by 6) "
            "and draws P(class 1) on a grid with the 0.5 boundary and the points (train filled, "
            "test hollow); --gif animates the regions over the epochs."
        ),
        epilog="data sets: circles, xor, gaussians, spiral, moons, plane (regression)\n\n"
        "examples:\n"
        "  glassnet plot boundary --dataset spiral              # boundary.png\n"
        "  glassnet plot boundary --dataset spiral --gif --out spiral.gif\n"
        "  glassnet plot boundary --dataset xor --hidden 8 --activation tanh --epochs 100\n"
        "  glassnet plot boundary --dataset circles --noise 0.2 --out circles.svg\n"
        "  glassnet plot boundary --dataset plane --hidden 8 --epochs 50 --out plane.png",
        formatter_class=_FMT,
    )
    p.add_argument("--dataset", default="spiral", help="Playground data set (default spiral)")
    p.add_argument("--hidden", default="32,32", help="hidden layer sizes (default 32,32)")
    p.add_argument("--activation", default="relu", help="hidden activation (default relu)")
    p.add_argument("--epochs", type=int, default=200, help="epochs (default 200)")
    p.add_argument("--optimizer", default="adam", help="optimizer name (default adam)")
    p.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    p.add_argument("--noise", type=float, default=0.0, help="data noise 0..0.5 (default 0)")
    p.add_argument("--samples", type=int, default=400, help="number of points (default 400)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gif", action="store_true", help="write an animated GIF over the epochs")
    p.add_argument("--frames", type=int, default=40, help="GIF frames at most (default 40)")
    _out_arg(p, "boundary.png", gif=True)
    p.set_defaults(handler=_boundary)

    p = sub.add_parser(
        "schedules",
        help="the curve of every learning-rate schedule",
        description=_wrap(
            "η_k for k = 0 … steps−1 of every schedule in glassnet.schedules, with "
            "settings derived from --lr and --steps (see glassnet.plot.schedules); --set "
            "overrides one argument of one schedule."
        ),
        epilog="examples:\n"
        "  glassnet plot schedules                              # schedules.png\n"
        "  glassnet plot schedules --lr 0.01 --steps 1000 --log\n"
        "  glassnet plot schedules --only cosine,one_cycle --set one_cycle.pct_start=0.5",
        formatter_class=_FMT,
    )
    p.add_argument("--lr", type=float, default=0.1, help="base learning rate (default 0.1)")
    p.add_argument("--steps", type=int, default=100, help="horizon T (default 100)")
    p.add_argument("--only", default=None, help="comma-separated schedule names")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME.ARG=VALUE",
        help="override a schedule argument (repeatable)",
    )
    p.add_argument("--log", action="store_true", help="logarithmic η axis")
    _out_arg(p, "schedules.png")
    p.set_defaults(handler=_schedules)

    p = sub.add_parser(
        "dropout",
        help="one input's activations with dropped units, inverted vs standard",
        description=_wrap(
            "Bars of a hidden layer's activations a for one input and of what the "
            "next layer receives in training and evaluation, for inverted (÷p in training) and "
            "standard (×p in evaluation) scaling, with the same mask; dropped units are marked."
        ),
        epilog="examples:\n"
        "  glassnet plot dropout                                # dropout.png\n"
        "  glassnet plot dropout --rate 0.3 --units 20 --seed 4 --out dropout.svg\n"
        "  glassnet plot dropout --mask 1,0,1,1,0,1 --activations 0.2,0.9,0.4,0.7,0.1,0.5\n"
        "  glassnet plot dropout --activations -0.6,0.9,-0.2,0.7 --mask 1,0,1,0   # tanh units",
        formatter_class=_FMT,
    )
    p.add_argument("--rate", type=float, default=0.5, help="dropout rate (default 0.5)")
    p.add_argument("--units", type=int, default=12, help="units of the demo layer (default 12)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--activations",
        default=None,
        metavar="A1,A2,...",
        help="activations to use instead of the demo layer's",
    )
    p.add_argument("--mask", default=None, metavar="M1,M2,...", help="0/1 mask per unit")
    _out_arg(p, "dropout.png")
    p.set_defaults(handler=_dropout)

    from glassnet.cli import one_line_errors

    one_line_errors(parser)
    for picture_parser in sub.choices.values():
        one_line_errors(picture_parser)


# ---------------------------------------------------------------------------- helpers
def _no_picture(args: argparse.Namespace) -> int:
    args._parser.print_help()
    return 0


def _floats(text: str | None, what: str) -> list[float] | None:
    from glassnet.errors import ConfigError

    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ConfigError(f"{what} must be comma-separated numbers; got {text!r}.") from None


def _names(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _done(result: Any) -> int:
    print(result.path)
    return 0


def _out(args: argparse.Namespace, default: str) -> str:
    if args.out is not None:
        return args.out
    if getattr(args, "gif", False):
        return default.rsplit(".", 1)[0] + ".gif"
    return default


# ---------------------------------------------------------------------------- handlers
def _network(args: argparse.Namespace) -> int:
    from glassnet.plot import plot_network
    from glassnet.plot.network_diagram import load_source

    x = _floats(args.input, "--input")
    source = args.source if x is None else load_source(args.source)["network"]
    return _done(
        plot_network(
            source,
            _out(args, "network.png"),
            x=None if x is None else [x],
            sample=0 if x is not None else _sample_row(args),
            weights=args.weights,
            gradients=args.gradients if x is None else False,
            max_units=args.max_units,
            dpi=args.dpi,
        )
    )


def _sample_row(args: argparse.Namespace) -> int:
    """The 0-based row of ``--sample K`` (K counts from 1), checked against the exercise."""
    import numpy as np

    from glassnet.errors import ConfigError
    from glassnet.plot.network_diagram import EXERCISE_SUFFIXES, load_source

    n = None
    if args.source.lower().endswith(EXERCISE_SUFFIXES):
        rows = load_source(args.source)["x"]
        if rows is not None:
            rows = np.asarray(rows)
            n = 1 if rows.ndim == 1 else rows.shape[0]
    if args.sample < 1 or (n is not None and args.sample > n):
        have = f"1..{n} (the exercise has {n} samples)" if n else "1 or more"
        raise ConfigError(f"--sample counts from 1: use {have}; got {args.sample}.")
    return args.sample - 1


def _curves(args: argparse.Namespace) -> int:
    from glassnet.errors import ConfigError
    from glassnet.plot import learning_rate, training_curves

    labels = _names(args.labels) if args.labels else None
    if labels is not None and len(labels) != len(args.runs):
        raise ConfigError(f"--labels: got {len(labels)} labels for {len(args.runs)} runs.")
    if args.lr:
        return _done(
            learning_rate(args.runs, _out(args, "learning-rate.png"), labels, dpi=args.dpi)
        )
    return _done(
        training_curves(
            args.runs,
            _out(args, "curves.png"),
            None if args.metrics is None else _names(args.metrics),
            labels,
            dpi=args.dpi,
        )
    )


def _trajectories(args: argparse.Namespace) -> int:
    from glassnet.errors import ConfigError
    from glassnet.plot import animate_trajectories, plot_trajectories

    start = _floats(args.start, "--start")
    if start is not None and len(start) != 2:
        raise ConfigError(f"--start must be two numbers X,Y; got {args.start!r}.")
    out = _out(args, "trajectories.png")
    if args.gif:
        return _done(
            animate_trajectories(
                args.function,
                out,
                start=start,
                steps=args.steps,
                frames=args.frames,
                dpi=args.dpi or 80,
            )
        )
    return _done(plot_trajectories(args.function, out, start=start, steps=args.steps, dpi=args.dpi))


def _gradient_flow(args: argparse.Namespace) -> int:
    from glassnet.plot import gradient_flow_experiment, plot_gradient_flow

    runs = gradient_flow_experiment(
        _names(args.activations),
        depth=args.depth,
        width=args.width,
        dataset=args.dataset,
        epochs=args.epochs,
        optimizer=args.optimizer,
        lr=args.lr,
        seed=args.seed,
    )
    return _done(plot_gradient_flow(runs, _out(args, "gradient-flow.png"), dpi=args.dpi))


def _boundary(args: argparse.Namespace) -> int:
    from glassnet.errors import ConfigError
    from glassnet.plot import (
        animate_decision_boundary,
        plot_decision_boundary,
        train_boundary_demo,
    )

    try:
        hidden = [int(v) for v in _names(args.hidden)]
    except ValueError:
        raise ConfigError(
            f"--hidden must be comma-separated integers; got {args.hidden!r}."
        ) from None
    demo = train_boundary_demo(
        args.dataset,
        hidden=hidden,
        activation=args.activation,
        epochs=args.epochs,
        optimizer=args.optimizer,
        lr=args.lr,
        noise=args.noise,
        n_samples=args.samples,
        seed=args.seed,
    )
    data, rec = demo["data"], demo["recorder"]
    names = ("x₁ / 6", "x₂ / 6")
    out = _out(args, "boundary.png")
    if args.gif:
        return _done(
            animate_decision_boundary(
                rec,
                data.X_train / 6.0,
                data.y_train,
                out,
                max_frames=args.frames,
                feature_names=names,
                dpi=args.dpi or 80,
            )
        )
    return _done(
        plot_decision_boundary(
            rec,
            data.X_train / 6.0,
            data.y_train,
            out,
            X_test=data.X_test / 6.0,
            y_test=data.y_test,
            feature_names=names,
            dpi=args.dpi,
        )
    )


def _schedules(args: argparse.Namespace) -> int:
    import yaml

    from glassnet.errors import ConfigError
    from glassnet.plot import plot_schedules

    settings: dict[str, dict[str, Any]] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        name, dot, arg = key.partition(".")
        if not sep or not dot or not name or not arg:
            raise ConfigError(f"--set must look like NAME.ARG=VALUE; got {item!r}.")
        settings.setdefault(name.strip(), {})[arg.strip()] = yaml.safe_load(value)
    names = _names(args.only) if args.only else None
    return _done(
        plot_schedules(
            _out(args, "schedules.png"),
            lr=args.lr,
            steps=args.steps,
            names=names,
            settings=settings,
            log=args.log,
            dpi=args.dpi,
        )
    )


def _dropout(args: argparse.Namespace) -> int:
    from glassnet.plot import plot_dropout

    return _done(
        plot_dropout(
            _out(args, "dropout.png"),
            activations=_floats(args.activations, "--activations"),
            rate=args.rate,
            mask=_floats(args.mask, "--mask"),
            units=args.units,
            seed=args.seed,
            dpi=args.dpi,
        )
    )
