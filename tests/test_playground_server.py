"""The playground's WebSocket server through Starlette's TestClient (no real socket)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from starlette.testclient import TestClient

from glassnet.playground.server import create_app

#: the server answers to loopback names only: sockets go to an absolute URL (TestClient's
#: default host, "testserver", would be refused)
LOCAL = "http://127.0.0.1:8765"
WS = "ws://127.0.0.1:8765/ws"

CONFIG = {"dataset": {"name": "xor", "n": 100, "seed": 1}, "grid": 16,
          "hidden": [{"units": 3, "activation": "tanh"}], "frames_per_second": 60}


def receive(ws, kind):
    """The next message of type ``kind`` (frames sent meanwhile are skipped)."""
    for _ in range(10_000):
        msg = json.loads(ws.receive_text())
        if msg["type"] == kind:
            return msg
        if msg["type"] == "error" and kind != "error":
            raise AssertionError(msg["message"])
    raise AssertionError(f"no {kind!r} message")


def floats(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        yield c


def test_page_is_served(client):
    r = client.get("/")
    assert r.status_code == 200 and "playground" in r.text


def test_config_gives_state_then_frame(client):
    with client.websocket_connect(WS) as ws:
        ws.send_text(json.dumps({"type": "config", "config": CONFIG}))
        state = receive(ws, "state")
        assert state["layers"] == [2, 3, 1] and state["task"] == "binary"
        assert state["n_train"] == 50 and floats(state["train"]["x"]).size == 100
        frame = receive(ws, "frame")
        assert frame["grid"] == 16 and frame["step"] == 0
        assert floats(frame["output"]).size == 256
        assert [len(u) for u in frame["units"]] == [3]
        assert floats(frame["weights"][0]).size == 6 and floats(frame["weights"][1]).size == 3
        ws.send_text(json.dumps({"type": "step"}))
        assert receive(ws, "frame")["step"] == 1


def test_play_trains_and_pause_stops(client):
    with client.websocket_connect(WS) as ws:
        ws.send_text(json.dumps({"type": "config", "config": CONFIG}))
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "play"}))
        first = receive(ws, "frame")
        second = receive(ws, "frame")
        assert second["step"] > first["step"] >= 1
        ws.send_text(json.dumps({"type": "pause"}))
        paused = receive(ws, "paused")
        ws.send_text(json.dumps({"type": "step"}))  # one more step after the pause
        frame = receive(ws, "frame")
        if frame["step"] == paused["step"]:  # a frame encoded just before the pause
            frame = receive(ws, "frame")
        assert frame["step"] == paused["step"] + 1


def test_malformed_message_answers_error_and_other_session_trains(client):
    with client.websocket_connect(WS) as a, client.websocket_connect(WS) as b:
        a.send_text(json.dumps({"type": "config", "config": CONFIG}))
        receive(a, "frame")
        a.send_text(json.dumps({"type": "play"}))
        receive(a, "frame")
        for bad in ("{not json", '{"type": "stepp"}', '{"type": "config", "config": {"grid": NaN}}',
                    json.dumps({"type": "inspect", "layer": 9, "unit": 0})):
            b.send_text(bad)
            err = receive(b, "error")
            assert err["message"] and "\n" not in err["message"]
        b.send_bytes(b"\x00")
        assert "binary" in receive(b, "error")["message"]
        step = receive(a, "frame")["step"]
        assert receive(a, "frame")["step"] > step  # a kept training


def test_closing_frees_the_session():
    app = create_app()
    with TestClient(app) as c:
        with c.websocket_connect(WS) as ws:
            ws.send_text(json.dumps({"type": "play"}))
            receive(ws, "frame")
            assert len(app.state.sessions) == 1
        with c.websocket_connect(WS) as ws:  # the next connection finds the old one gone
            ws.send_text(json.dumps({"type": "step"}))
            receive(ws, "frame")
            assert len(app.state.sessions) == 1


def test_session_limit_refuses_with_a_message():
    with TestClient(create_app(max_sessions=1)) as c, c.websocket_connect(WS) as first:
        first.send_text(json.dumps({"type": "step"}))
        receive(first, "frame")
        with c.websocket_connect(WS) as second:
            msg = json.loads(second.receive_text())
            assert msg["type"] == "error" and "limit" in msg["message"]


def test_inspect_export_and_model_roundtrip(client):
    with client.websocket_connect(WS) as ws:
        ws.send_text(json.dumps({"type": "config", "config": CONFIG}))
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "inspect", "layer": 1, "unit": 2, "sample": 4}))
        panel = receive(ws, "inspect")
        assert panel["sample"] == 4 and "δ" in panel["html"] and len(panel["values"]["dC_dw"]) == 2
        ws.send_text(json.dumps({"type": "export"}))
        assert "network:" in receive(ws, "export")["exercise_yaml"]
        ws.send_text(json.dumps({"type": "export_model"}))
        model = receive(ws, "export_model")
        ws.send_text(json.dumps({"type": "load_model", "data_base64": model["data_base64"]}))
        assert receive(ws, "state")["layers"] == [2, 3, 1]
        ws.send_text(json.dumps({"type": "walk", "sample": 0, "index": 0}))
        walk = receive(ws, "walk")
        assert walk["count"] == 8 and walk["phase"] == "forward"


def test_command_serves_on_a_free_loopback_port():
    """`glassnet playground --no-browser` prints its URL and serves the page there."""
    import os
    import re
    import subprocess
    import sys
    import urllib.request

    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen([sys.executable, "-m", "glassnet", "playground", "--no-browser",
                             "--grid", "32"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url, timeout=30) as r:
            assert r.status == 200 and b"playground" in r.read()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "warning" not in err


def test_loopback_detection_for_the_warning():
    from glassnet.cli.playground import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_bad_grid_option_is_one_line_error(capsys):
    from glassnet.cli import main

    assert main(["playground", "--no-browser", "--grid", "8"]) == 2
    err = capsys.readouterr().err
    assert "--grid: must be an integer in [16, 128]" in err and err.count("\n") == 1


# ------------------------------------------------------------------ who may connect
def test_same_origin_and_script_clients_are_let_in(client):
    for headers in ({"origin": LOCAL}, {}):  # the page itself; a script sends no Origin
        with client.websocket_connect(WS, headers=headers) as ws:
            ws.send_text(json.dumps({"type": "step"}))
            assert receive(ws, "frame")["step"] == 1


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:9999",
                                    "https://127.0.0.1:8765", "null", "http://[bad"])
def test_a_page_from_another_origin_is_refused(client, origin, caplog):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as refused, \
            client.websocket_connect(WS, headers={"origin": origin}):
        pass
    assert refused.value.code == 1008
    assert "refused a WebSocket: Origin" in caplog.text


def test_dns_rebinding_host_is_refused_unless_hosts_are_open():
    from starlette.websockets import WebSocketDisconnect

    rebound = "http://evil.example:8765"  # evil.example resolved to 127.0.0.1: same-origin
    url = "ws://evil.example:8765/ws"
    with TestClient(create_app()) as c, pytest.raises(WebSocketDisconnect), \
            c.websocket_connect(url, headers={"origin": rebound}):
        pass
    # a server on another address (--host 0.0.0.0) takes any name, Origin still checked
    with TestClient(create_app(allowed_hosts=None)) as c:
        with c.websocket_connect(url, headers={"origin": rebound}) as ws:
            ws.send_text(json.dumps({"type": "step"}))
            assert receive(ws, "frame")["step"] == 1
        with pytest.raises(WebSocketDisconnect), \
                c.websocket_connect(url, headers={"origin": "http://other.example"}):
            pass


@pytest.mark.parametrize("host", ["evil.example@127.0.0.1:8765", "127.0.0.1:8765/x",
                                  "127.0.0.1:8765?q", "127.0.0.1:8765#f", "127.0.0.1\\:8765",
                                  "", "[::1"])
def test_a_host_header_that_is_not_a_plain_name_is_refused(host):
    """Only ``name[:port]`` counts: userinfo or a path in Host is never what a browser sends,
    and ``urlsplit`` would otherwise read ``x@127.0.0.1`` as the loopback host."""
    from glassnet.playground.server import LOOPBACK_HOSTS, refusal

    assert "is not one of this server's names" in refusal({"host": host},
                                                           frozenset(LOOPBACK_HOSTS))


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765",
                                  "LOCALHOST", "127.0.0.1"])
def test_loopback_host_headers_are_accepted(host):
    from glassnet.playground.server import LOOPBACK_HOSTS, refusal

    assert refusal({"host": host}, frozenset(LOOPBACK_HOSTS)) is None


def test_real_server_answers_a_cross_site_handshake_with_403():
    """The running command (uvicorn): a cross-site upgrade gets HTTP 403, a same-origin one
    101 Switching Protocols."""
    import os
    import re
    import socket
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen([sys.executable, "-m", "glassnet", "playground", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def handshake(port, origin):
        request = (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n")
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(request.encode())
            return s.recv(200).decode(errors="replace").split("\r\n")[0]

    try:
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline()).group(1))
        assert " 403 " in handshake(port, "http://evil.example")
        assert " 101 " in handshake(port, f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "refused a WebSocket: Origin 'http://evil.example'" in err
