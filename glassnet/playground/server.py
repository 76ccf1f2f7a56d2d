"""The playground's web server: Starlette routes, one WebSocket per browser session.

``GET /`` serves ``static/index.html``, ``/static/...`` the page's assets, ``/ws`` the
session. Each WebSocket owns one :class:`~glassnet.playground.session.Session` and one
background task that, while playing, trains between frames::

    loop:  train steps until t_next (= last frame + 1/frames_per_second),
           send a frame, yield to the event loop (messages such as pause are handled here)

so pause acts within one frame. Every message is validated (messages.py); a bad one is
answered with ``{"type": "error", ...}`` and the session goes on. Closing the socket cancels
the task and drops the session.

Browsers let any web page open a WebSocket to any address, 127.0.0.1 included, so ``/ws``
refuses (HTTP 403, before the handshake) a socket whose ``Origin`` is not the page's own
(cross-site WebSocket hijacking), and on a loopback server one whose ``Host`` is not a
loopback name (DNS rebinding: evil.example resolved to 127.0.0.1 is "same-origin" with
itself). Clients that send no ``Origin`` (scripts, not browsers) are let in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from glassnet.errors import GlassnetError
from glassnet.playground.frames import GridCache, encode_frame
from glassnet.playground.messages import DEFAULT_CONFIG, LIMITS, MessageError, parse_message
from glassnet.playground.session import Session

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("glassnet.playground")

PLACEHOLDER = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>glassnet playground</title></head><body><h1>glassnet playground</h1>
<p>The page's files (static/index.html) are not installed; the WebSocket is at /ws
(docs/playground.md).</p></body></html>"""

#: longest stretch of training between two looks at the socket while playing (seconds)
SLICE = 0.004

#: the names a browser may use for a server that listens on a loopback address
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _host_name(netloc: str) -> str:
    """``host`` of ``host[:port]`` / ``[v6]:port``, lower case ("" when malformed).

    Userinfo, a path, a query or a fragment (``x@127.0.0.1``, ``127.0.0.1/x``) make it
    malformed: a browser never sends them, and ``urlsplit`` would read past them."""
    if any(c in netloc for c in "@/?#\\"):
        return ""
    try:
        return (urlsplit(f"//{netloc}").hostname or "").lower()
    except ValueError:
        return ""


def refusal(headers: Any, allowed_hosts: frozenset[str] | None,
            secure: bool = False) -> str | None:
    """Why a WebSocket handshake with these headers is refused, or None to accept it.

    Refused: an ``Origin`` that is not this server's scheme (http, or https when ``secure``)
    and the ``Host`` the browser asked for (a page from another site), and, when
    ``allowed_hosts`` is given, a ``Host`` outside it."""
    host = headers.get("host") or ""
    if allowed_hosts is not None and _host_name(host) not in allowed_hosts:
        return f"Host {host[:100]!r} is not one of this server's names"
    origin = headers.get("origin")
    if origin is None:
        return None
    try:
        parts = urlsplit(origin)
        same = (bool(host) and parts.scheme == ("https" if secure else "http")
                and parts.netloc.lower() == host.lower())
    except ValueError:
        same = False
    return None if same else f"Origin {origin[:100]!r} is not this page's ({host[:100]!r})"


class Runner:
    """One WebSocket's session, its training task and its outgoing messages."""

    def __init__(self, ws: WebSocket, grid: int) -> None:
        self.ws = ws
        self.session = Session({**DEFAULT_CONFIG, "grid": grid})
        self.cache = GridCache()
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()
        self.frames_sent = 0

    def connected(self) -> bool:
        ok = WebSocketState.CONNECTED
        return self.ws.client_state == ok and self.ws.application_state == ok

    async def send(self, msg: dict[str, Any]) -> None:
        async with self.lock:
            await self.ws.send_text(json.dumps(msg, allow_nan=False))

    async def frame(self) -> None:
        await self.send(encode_frame(self.session, self.cache))
        self.frames_sent += 1

    async def train_loop(self) -> None:
        """While playing: train until the next frame is due, send it, yield.

        Frames are due every 1/frames_per_second (the frame's own cost included); training
        yields to the event loop every SLICE seconds, so a message (pause, inspect) waits at
        most that long before it is read.
        """
        due = time.perf_counter()
        while True:
            if not self.session.playing:
                self.wake.clear()
                await self.wake.wait()
                due = time.perf_counter()
                continue
            s = self.session
            period = 1.0 / s.cfg["frames_per_second"]
            now = time.perf_counter()
            due += period
            if due <= now:  # behind (a slow frame or message): train half a period at least
                due = now + period / 2
            reason = None
            while s.playing and not reason:
                now = time.perf_counter()
                if now >= due:
                    break
                stop = min(due, now + SLICE)
                while s.playing and time.perf_counter() < stop:
                    reason = s.step()
                    if reason:
                        break
                await asyncio.sleep(0)  # let the socket's messages in between slices
            if s.playing or reason:  # a "pause" message has sent the last frame itself
                await self.frame()
            if reason:
                await self.send({"type": "paused", "reason": reason})
            await asyncio.sleep(0)

    async def handle(self, text: Any) -> None:
        """Answer one message; any error becomes an "error" reply."""
        kind = None
        try:
            msg = parse_message(text)
            kind = msg["type"]
            await self.dispatch(msg)
        except GlassnetError as exc:
            await self.send({"type": "error", "message": str(exc).splitlines()[0],
                             "request": kind})
        except Exception as exc:
            if not self.connected():  # the page went away mid-reply
                raise WebSocketDisconnect() from exc
            # a bug: keep the session alive, log the traceback
            log.exception("playground: %s failed", kind)
            first = str(exc).splitlines()[0] if str(exc) else ""
            await self.send({"type": "error", "request": kind,
                             "message": f"internal error in {kind}: {type(exc).__name__}: "
                                        f"{first}"})

    async def dispatch(self, msg: dict[str, Any]) -> None:
        s, kind = self.session, msg["type"]
        if kind == "config":
            s.configure(msg["config"])
            await self.send(s.state_message())
            await self.frame()
        elif kind == "play":
            s.playing = True
            self.wake.set()
        elif kind == "pause":
            # the frame of the state training stopped at, then "paused": nothing follows
            s.playing = False
            await self.frame()
            await self.send({"type": "paused", "reason": "paused", "step": s.step_count})
        elif kind == "step":
            reason = s.step()
            await self.frame()
            if reason:
                await self.send({"type": "paused", "reason": reason})
        elif kind == "reset":
            s.reset()
            await self.send(s.state_message())
            await self.frame()
        elif kind == "inspect":
            await self.send(s.inspect(msg["layer"], msg["unit"], msg["sample"], msg["weight"]))
        elif kind == "walk":
            await self.send(s.walk(msg["sample"], msg["index"]))
        elif kind == "export":
            await self.send(s.export())
        elif kind == "export_model":
            await self.send(s.export_model())
        elif kind in ("upload", "load_model"):
            if kind == "upload":
                s.upload(msg["name"], msg["csv"])
            else:
                s.load_model(msg["data"])
            await self.send(s.state_message())
            await self.frame()
        else:  # pragma: no cover - parse_message knows every type
            raise MessageError(f"message.type: {kind!r} is not handled.")


def create_app(static_dir: Path | str = STATIC, grid: int = 64,
               max_sessions: int = LIMITS["max_sessions"],
               allowed_hosts: Iterable[str] | None = LOOPBACK_HOSTS) -> Starlette:
    """The Starlette app; ``app.state.sessions`` holds the live Runners.

    ``allowed_hosts``: the ``Host`` names a WebSocket may ask for (default: the loopback
    names; None: any, for a server on another address, which still checks ``Origin``)."""
    static_dir = Path(static_dir)
    hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)

    async def index(request: Any) -> Any:
        page = static_dir / "index.html"
        if page.is_file():
            return FileResponse(page)
        return HTMLResponse(PLACEHOLDER)

    async def ws_endpoint(ws: WebSocket) -> None:
        why = refusal(ws.headers, hosts, secure=ws.url.scheme == "wss")
        if why is not None:
            log.warning("playground: refused a WebSocket: %s.", why)
            await ws.close(code=1008)  # before accept: the handshake gets HTTP 403
            return
        await ws.accept()
        sessions: set[Runner] = app.state.sessions
        if len(sessions) >= max_sessions:
            await ws.send_text(json.dumps({
                "type": "error", "request": None,
                "message": f"server: {max_sessions} sessions are open, the limit; close a tab "
                           "and reload."}))
            await ws.close(code=1013)
            return
        runner = Runner(ws, grid)
        sessions.add(runner)
        trainer = asyncio.create_task(runner.train_loop())
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("text") is None:
                    await runner.send({"type": "error", "request": None,
                                       "message": "message: binary frames are not accepted; "
                                                  "send JSON text."})
                    continue
                await runner.handle(message["text"])
        except WebSocketDisconnect:
            pass
        except Exception:  # a send on a socket that closed meanwhile
            if runner.connected():
                raise
        finally:
            runner.session.playing = False
            trainer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # socket is gone
                await trainer
            sessions.discard(runner)

    routes = [
        Route("/", index),
        WebSocketRoute("/ws", ws_endpoint),
        Mount("/static", StaticFiles(directory=static_dir, check_dir=False), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.sessions = set()
    return app
