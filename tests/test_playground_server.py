"""The playground server through Starlette's TestClient: the page, and sessions on /ws."""

from __future__ import annotations

import base64
import json
import time
import warnings

import numpy as np
import pytest

with warnings.catch_warnings():  # starlette 1.x suggests httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from glassnet.playground.server import create_app

CONFIG = {"dataset": {"name": "xor", "n": 100}, "batch_size": 10, "grid": 16,
          "frames_per_second": 30}


def receive(ws, kind: str, limit: int = 10_000) -> dict:
    """The next message of ``kind`` (frames of a playing session may come first)."""
    for _ in range(limit):
        msg = json.loads(ws.receive_text())
        if msg["type"] == kind:
            return msg
    raise AssertionError(f"no {kind!r} message")


def configure(ws, config=CONFIG) -> tuple[dict, dict]:
    ws.send_text(json.dumps({"type": "config", "config": config}))
    return receive(ws, "state"), receive(ws, "frame")


@pytest.fixture
def client():
    with TestClient(create_app(max_sessions=3)) as c:
        yield c


def test_the_page_is_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_config_gives_state_then_a_frame_of_the_right_sizes(client):
    with client.websocket_connect("/ws") as ws:
        state, frame = configure(ws)
        assert state["layers"] == [2, 4, 2, 1] and state["task"] == "binary"
        G = frame["grid"]
        assert G == 16 and frame["step"] == 0
        assert np.frombuffer(base64.b64decode(frame["output"]), "<f4").shape == (G * G,)
        assert [len(u) for u in frame["units"]] == [4, 2]
        w = np.frombuffer(base64.b64decode(frame["weights"][1]), "<f4")
        assert w.shape == (4 * 2,)
        ws.send_text('{"type": "step"}')
        assert receive(ws, "frame")["step"] == 1
        ws.send_text(json.dumps({"type": "inspect", "layer": 1, "unit": 2, "sample": 5}))
        reply = receive(ws, "inspect")
        assert reply["values"]["delta"] is not None and "<pre>" in reply["html"]
        ws.send_text('{"type": "export"}')
        assert "network:" in receive(ws, "export")["exercise_yaml"]


def test_a_malformed_message_is_answered_and_another_session_keeps_training(client):
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        configure(a)
        configure(b)
        b.send_text('{"type": "play"}')
        first = receive(b, "frame")["step"]
        for bad in ('{"type": "config", "config": {"hidden": [{"units": 1e9}]}}',
                    "{not json", '{"type": "inspect", "layer": 9, "unit": 0}',
                    '{"type": "config", "config": {"l2": NaN}}', '{"type": "upload", "csv": "x"}'):
            a.send_text(bad)
            err = receive(a, "error")
            assert err["message"] and "\n" not in err["message"]
        a.send_bytes(b"\x00\x01")
        assert "binary" in receive(a, "error")["message"]
        later = receive(b, "frame")["step"]
        assert later > first  # b trained on while a was sent garbage
        a.send_text('{"type": "step"}')  # and a still works
        assert receive(a, "frame")["step"] == 1
        b.send_text('{"type": "pause"}')
        assert receive(b, "paused")["reason"] == "paused"


def test_the_error_reply_names_the_request(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_text('{"type": "walk", "sample": 0, "index": 10000}')
        err = receive(ws, "error")
        assert err["request"] == "walk" and "walk.index" in err["message"]


def test_closing_frees_the_session_and_the_limit_holds(client):
    def live() -> int:
        return client.get("/health").json()["sessions"]

    with client.websocket_connect("/ws") as ws:
        configure(ws)
        ws.send_text('{"type": "play"}')
        receive(ws, "frame")
        assert live() == 1
    for _ in range(500):  # the server finishes the closed session asynchronously
        if live() == 0:
            break
        time.sleep(0.01)
    assert live() == 0
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b, \
            client.websocket_connect("/ws") as c, client.websocket_connect("/ws") as d:
        assert "too many sessions" in receive(d, "error")["message"]
        for ws in (a, b, c):
            configure(ws)


def test_other_sites_cannot_open_a_session(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), \
            client.websocket_connect("/ws", headers={"origin": "http://evil.example"}) as ws:
        ws.receive_text()
