"""The ``glassnet`` command. Each subcommand lives in its own module with a
``register(subparsers)`` function; modules import only argparse at top level, so
``glassnet --help`` stays fast, and load the engine inside their handlers.

A :class:`~glassnet.errors.GlassnetError` (bad arguments, files or data) is printed as one
line on stderr with exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: subcommand modules, in the order ``--help`` lists them
SUBCOMMAND_MODULES = (
    "train", "evaluate", "predict", "explain", "plot", "practice", "homework", "playground", "sweep"
)


def one_line_errors(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make argument errors a single line on stderr (exit code 2), without the usage block."""

    def error(message: str) -> None:
        parser.exit(2, f"{parser.prog}: error: {message} (see --help)\n")

    parser.error = error  # type: ignore[method-assign]
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Multilayer neural networks with explicit backpropagation: train them, "
        "work through their arithmetic step by step, and draw them.",
        epilog="Run 'glassnet COMMAND --help' for a command's options and examples.",
    )
    one_line_errors(parser)
    from glassnet import __version__

    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(f"glassnet.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"glassnet.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from glassnet.errors import GlassnetError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except GlassnetError as exc:
        print(f"glassnet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"glassnet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
