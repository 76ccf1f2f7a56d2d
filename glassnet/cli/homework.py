"""``glassnet homework``: the exercise templates (``list``). Making and grading class sheets
(``make``, ``grade``) are not built yet."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from glassnet.cli import one_line_errors

    parser = subparsers.add_parser(
        "homework", help="randomized exercise templates for homework",
        description="List the exercise templates that 'glassnet practice' draws from.",
    )
    one_line_errors(parser)
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    listing = sub.add_parser("list", help="the templates, their conventions and knobs")
    listing.set_defaults(handler=run_list)
    parser.set_defaults(handler=lambda args: parser.print_help() or 0)


def run_list(args: argparse.Namespace) -> int:
    from glassnet.homework import TEMPLATES

    for t in TEMPLATES.values():
        knobs = ", ".join(f"{k} [{lo:g}, {hi:g}] step {s:g}" for k, (lo, hi, s) in t.ranges.items())
        pad = " " * 18
        print(f"{t.name:17} {t.title}\n{pad}conventions: {t.conventions}\n{pad}knobs: {knobs}")
    return 0
