"""``glassnet playground``: a local web page to build a network, watch it learn, and click
any unit for its worked backpropagation. Needs the extra ``pip install 'glassnet[playground]'``.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

EPILOG = """\
examples:
  glassnet playground                    # 127.0.0.1, a free port, opens the browser
  glassnet playground --port 8765 --no-browser
  glassnet playground --host 0.0.0.0    # a classroom: every machine on the network can connect

Each browser tab is its own session (its own network); closing the tab frees it.
The page and the WebSocket protocol are documented in docs/playground.md.
"""


def _grid(text: str) -> int:
    from glassnet.playground.messages import LIMITS

    low, high = LIMITS["min_grid"], LIMITS["max_grid"]
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer {low}..{high}; got {text!r}") \
            from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected an integer {low}..{high}; got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port 0..65535; got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port 0..65535; got {value}")
    return value


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(subparsers: argparse._SubParsersAction) -> None:
    from glassnet.cli import one_line_errors

    parser = subparsers.add_parser(
        "playground",
        help="a web page to build a 2-D network, watch it learn and inspect any unit",
        description="Start a local web server with the glassnet playground and open it in "
        "the browser. Every number on the page comes from the glassnet engine.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(parser)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=_port, default=0,
                        help="port to listen on (default 0: a free port)")
    parser.add_argument("--no-browser", action="store_true",
                        help="print the URL but do not open a browser")
    parser.add_argument("--grid", type=_grid, default=64,
                        help="initial size G of the G×G picture grid (16..128, default 64)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from glassnet.errors import GlassnetError

    try:
        from glassnet.playground.server import serve
    except ModuleNotFoundError as exc:
        raise GlassnetError(f"the playground needs the extra 'playground' ({exc.name} is not "
                            "installed): pip install 'glassnet[playground]'.") from None
    if not is_loopback(args.host):
        print(f"glassnet playground: warning: listening on {args.host}, not on loopback: "
              "anyone who can reach this machine can use the playground.", file=sys.stderr)

    def ready(url: str) -> None:
        print(f"glassnet playground: serving on {url} (Ctrl-C to stop)", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(url)

    serve(host=args.host, port=args.port, grid=args.grid, on_ready=ready)
    return 0
