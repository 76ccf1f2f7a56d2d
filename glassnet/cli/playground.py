"""``glassnet playground``: a local web page to build a network, watch it learn and open any
unit's worked backpropagation (needs the ``playground`` extra: Starlette, uvicorn)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import Any

EPILOG = """\
examples:
  glassnet playground                      # 127.0.0.1, a free port, opens the browser
  glassnet playground --port 8000 --no-browser
  glassnet playground --host 0.0.0.0       # a classroom: reachable from other machines

The page and its scripts are served by this process (nothing is loaded from the internet).
Every number on the page comes from the glassnet engine running here. Stop with Ctrl-C.
"""


def register(subparsers: Any) -> None:
    """Add the ``playground`` subcommand."""
    from glassnet.cli import one_line_errors

    p = subparsers.add_parser(
        "playground", help="a web page to build, train and explain networks",
        description="Serve the glassnet playground and open it in the browser.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--grid", type=int, default=64, help="picture grid size G (16..128)")
    p.set_defaults(handler=_handler)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _handler(args: argparse.Namespace) -> int:
    import socket
    import threading
    import webbrowser

    from glassnet.errors import ConfigError
    from glassnet.playground.messages import LIMITS, number

    try:
        import uvicorn

        from glassnet.playground.server import LOOPBACK_HOSTS, create_app
    except ModuleNotFoundError as exc:
        raise ConfigError(f"playground: {exc.name} is not installed; install the extra: "
                          "pip install 'glassnet[playground]'.") from None
    grid = number("--grid", args.grid, LIMITS["min_grid"], LIMITS["max_grid"], integer=True)
    port = number("--port", args.port, 0, 65535, integer=True)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"playground: cannot listen on {args.host}:{port} ({exc.strerror}).")\
            from None
    sock.listen(64)
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    url = f"http://{shown}:{port}/"
    if not is_loopback(args.host):
        print(f"glassnet playground: warning: listening on {args.host}, reachable from other "
              "machines; anyone who can reach it can use this server.", file=sys.stderr)
    print(f"glassnet playground: serving {url}  (Ctrl-C stops)", flush=True)
    if not args.no_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    # a loopback server answers only to loopback names (DNS rebinding); any other address
    # takes whatever name its users reach it by (the Origin check still applies)
    hosts = (*LOOPBACK_HOSTS, args.host) if is_loopback(args.host) else None
    config = uvicorn.Config(create_app(grid=grid, allowed_hosts=hosts), log_level="warning",
                            ws_max_size=LIMITS["max_message_bytes"] + 1024)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
