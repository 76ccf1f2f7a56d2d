"""The playground's web server: the static page, and one WebSocket per browser session.

* ``GET /`` serves ``static/index.html``; ``/static/...`` the page's assets (no CDN).
* ``/ws`` is one session: its own :class:`~glassnet.playground.session.Session`, a message
  loop, and a background task that trains while playing and sends at most
  ``frames_per_second`` frames. Engine work runs in a worker thread under the session's lock,
  so the event loop keeps serving the other sessions, and a ``pause`` takes effect at the end
  of the current frame's training slice (≤ 1/frames_per_second seconds).
* Every message goes through :func:`~glassnet.playground.messages.parse_message`; a bad one
  is answered ``{"type": "error", "message", "request"}`` and the session goes on. An
  unexpected exception is logged on the server and answered the same way: it never ends
  another session, nor this one.
* Closing the socket cancels the training task and drops the session.

The training loop of a playing session, per frame of period P = 1/frames_per_second::

    train minibatches for P − (time the last frame took to draw and send)
    draw the frame (one forward pass over the grid) and send it
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from glassnet.errors import GlassnetError
from glassnet.playground.messages import LIMITS, parse_message

STATIC_DIR = Path(__file__).with_name("static")
log = logging.getLogger("glassnet.playground")


class Registry:
    """The live sessions of one app, bounded by ``max_sessions``."""

    def __init__(self, max_sessions: int) -> None:
        self.max_sessions = max_sessions
        self.live: set[Connection] = set()


class Connection:
    """One WebSocket = one session: the message loop and the training task."""

    def __init__(self, ws: WebSocket, registry: Registry, grid: int) -> None:
        self.ws = ws
        self.registry = registry
        self.grid = grid
        self.session: Any = None
        self.lock = asyncio.Lock()  # the session's state: one engine call at a time
        self.send_lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.frame_cost = 0.0  # seconds the last frame took to draw and send

    async def send(self, message: dict[str, Any]) -> None:
        text = json.dumps(message, allow_nan=False)
        async with self.send_lock:
            await self.ws.send_text(text)

    async def error(self, message: str, request: str | None) -> None:
        await self.send({"type": "error", "message": message, "request": request})

    # ---------------------------------------------------------------- lifecycle
    async def run(self) -> None:
        await self.ws.accept()
        if len(self.registry.live) >= self.registry.max_sessions:
            await self.error(f"too many sessions: the server allows "
                             f"{self.registry.max_sessions} at once; close another tab.", None)
            await self.ws.close(code=1013)
            return
        self.registry.live.add(self)
        trainer = asyncio.create_task(self.train_loop())
        try:
            from glassnet.playground.messages import DEFAULT_CONFIG
            from glassnet.playground.session import Session

            self.session = await asyncio.to_thread(Session, {**DEFAULT_CONFIG,
                                                             "grid": self.grid})
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text")
                if raw is None:
                    await self.error("message: expected JSON text, got a binary frame.", None)
                    continue
                await self.handle(raw)
        except WebSocketDisconnect:
            pass
        finally:
            trainer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await trainer
            self.registry.live.discard(self)
            self.session = None  # frees the network, data and caches

    async def handle(self, raw: str) -> None:
        request = None
        try:
            msg = parse_message(raw)
            request = msg["type"]
            await self.dispatch(msg)
        except GlassnetError as exc:
            await self.error(str(exc), getattr(exc, "request", None) or request)
        except (WebSocketDisconnect, RuntimeError) as exc:
            if isinstance(exc, RuntimeError) and "websocket" not in str(exc).lower():
                log.exception("playground: unexpected error handling %s", request)
                await self.error(f"internal error while handling {request!r} "
                                 f"({type(exc).__name__}); the session goes on.", request)
                return
            raise WebSocketDisconnect() from None
        except Exception as exc:  # a bug: logged, answered, and this session goes on
            log.exception("playground: unexpected error handling %s", request)
            await self.error(f"internal error while handling {request!r} "
                             f"({type(exc).__name__}); the session goes on.", request)

    async def call(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` in a worker thread, holding the session's lock."""
        async with self.lock:
            return await asyncio.to_thread(fn, *args)

    # ---------------------------------------------------------------- messages
    async def dispatch(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        s = self.session
        if kind == "config":
            await self.call(s.apply_config, msg["config"])
            await self.send_state_and_frame()
        elif kind == "reset":
            await self.call(s.reset)
            await self.send_state_and_frame()
        elif kind == "play":
            s.playing = True
            self.wake.set()
        elif kind == "pause":
            async with self.lock:  # waits for the current training slice (≤ one frame)
                s.playing = False
            await self.send({"type": "paused", "reason": "paused"})
            await self.send(await self.call(s.frame))
        elif kind == "step":
            frame, reason = await self.call(self._step_and_frame)
            await self.send(frame)
            if reason:
                await self.send({"type": "paused", "reason": reason})
        elif kind == "inspect":
            await self.send(await self.call(s.inspect, msg["layer"], msg["unit"],
                                            msg["sample"], msg["weight"]))
        elif kind == "walk":
            await self.send(await self.call(s.walk, msg["sample"], msg["index"]))
        elif kind == "export":
            await self.send(await self.call(s.export))
        elif kind == "export_model":
            await self.send(await self.call(s.export_model))
        elif kind == "upload":
            await self.call(s.upload, msg["name"], msg["csv"])
            await self.send_state_and_frame()
        elif kind == "load_model":
            await self.call(s.load_model, msg["data_base64"])
            await self.send_state_and_frame()

    def _step_and_frame(self) -> tuple[dict[str, Any], str | None]:
        reason = self.session.step()
        return self.session.frame(), reason

    async def send_state_and_frame(self) -> None:
        state, frame = await self.call(lambda: (self.session.state(), self.session.frame()))
        await self.send(state)
        await self.send(frame)

    # ---------------------------------------------------------------- training
    def _slice(self, seconds: float) -> tuple[dict[str, Any], str | None]:
        s = self.session
        reason = s.train_for(seconds)
        return s.frame(), reason

    async def train_loop(self) -> None:
        """While playing: train for the rest of each frame period, then send a frame."""
        while True:
            await self.wake.wait()
            s = self.session
            if s is None or not s.playing:
                self.wake.clear()
                continue
            period = 1.0 / s.config["frames_per_second"]
            started = time.perf_counter()
            budget = max(period - self.frame_cost, 0.2 * period)
            async with self.lock:
                if not s.playing:  # paused while waiting for the lock
                    continue
                frame, reason = await asyncio.to_thread(self._slice, budget)
            drawn = time.perf_counter()
            await self.send(frame)
            if reason:
                await self.send({"type": "paused", "reason": reason})
            self.frame_cost = 0.5 * self.frame_cost + 0.5 * (time.perf_counter() - drawn)
            spare = period - (time.perf_counter() - started)
            await asyncio.sleep(max(spare, 0.0))  # at most frames_per_second frames


def _same_origin(ws: WebSocket) -> bool:
    """Refuse pages from other sites (a browser sends Origin; scripts and tests may not)."""
    origin = ws.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == ws.headers.get("host", "")


def create_app(grid: int = 64, max_sessions: int = LIMITS["max_sessions"],
               static_dir: Path | str | None = None) -> Starlette:
    """The Starlette application (serve it with uvicorn, or test it with TestClient)."""
    static = Path(static_dir) if static_dir is not None else STATIC_DIR
    registry = Registry(max_sessions)

    async def index(request: Request) -> Response:
        page = static / "index.html"
        if not page.is_file():
            return Response("glassnet playground: static/index.html is missing.", 500)
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    async def health(request: Request) -> Response:
        return JSONResponse({"sessions": len(registry.live), "max_sessions": max_sessions})

    async def websocket(ws: WebSocket) -> None:
        if not _same_origin(ws):
            await ws.close(code=1008)
            return
        await Connection(ws, registry, grid).run()

    app = Starlette(routes=[
        Route("/", index),
        Route("/health", health),
        WebSocketRoute("/ws", websocket),
        Mount("/static", StaticFiles(directory=static, check_dir=False), name="static"),
    ])
    app.state.registry = registry
    return app


def serve(host: str = "127.0.0.1", port: int = 0, grid: int = 64, on_ready: Any = None) -> None:
    """Run the app with uvicorn until interrupted; ``on_ready(url)`` once it listens."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise GlassnetError(f"playground: cannot listen on {host}:{port} ({exc.strerror}).") \
            from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(create_app(grid=grid), log_level="warning",
                            ws_max_size=LIMITS["max_message_chars"] + 1024)
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready(f"http://{shown}:{bound}/")
    server.run(sockets=[sock])
