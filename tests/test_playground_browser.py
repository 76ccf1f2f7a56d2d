"""End-to-end tests of ``glassnet playground`` in a real browser.

The real server runs as ``python -m glassnet playground --no-browser --port 0`` on
127.0.0.1; Debian's headless Chromium, driven by Playwright (which never downloads a
browser), loads the page. The page keeps a read-only record of what it sent and received
in ``window.pg``, which the tests read next to what the page shows.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WAIT = 60_000  # ms: an upper bound for the slow 2-core CI machine, not a speed assertion


@pytest.fixture(scope="module")
def server_url():
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, cwd=ROOT,
    )
    url = None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        match = re.search(r"http://127\.0\.0\.1:\d+/?", line)
        if match:
            url = match.group(0).rstrip("/") + "/"
            break
    if url is None:
        proc.kill()
        raise RuntimeError("the playground printed no URL:\n" + "".join(seen))
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    proc.stdout.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    yield ctx
    ctx.close()


def fragment(**config) -> str:
    return "#" + urllib.parse.quote(json.dumps(config))


XOR = {
    "dataset": {"name": "xor", "noise": 0.0, "train_ratio": 0.5, "seed": 1, "n": 200},
    "features": ["x1", "x2"],
    "hidden": [{"units": 4, "activation": "tanh"}, {"units": 3, "activation": "tanh"}],
    "optimizer": {"name": "adam", "lr": 0.03, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                  "weight_decay": 0},
    "schedule": {"name": "constant"},
    "batch_size": 10, "l1": 0, "l2": 0, "dropout": [], "seed": 0, "grid": 32,
    "frames_per_second": 20,
}


def open_page(context, url: str, config: dict | None = None) -> Page:
    page = context.new_page()
    page.goto(url + (fragment(**config) if config else ""))
    page.wait_for_function("window.pg && window.pg.state && window.pg.frame", timeout=WAIT)
    return page


def f32(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def shown_number(page: Page, selector: str) -> float:
    return float(page.locator(selector).inner_text().replace("−", "-"))


# ---- architecture ---------------------------------------------------------------------------

def test_page_loads_and_edits_the_architecture(context, server_url):
    page = open_page(context, server_url, XOR)
    assert page.locator(".node[data-layer='1']").count() == 4
    assert page.locator(".node[data-layer='2']").count() == 3
    expect(page.locator("#nlayers")).to_have_text("2 hidden layers")

    sent_before = page.evaluate("window.pg.sent.length")
    page.click("#add-layer")
    page.wait_for_function("window.pg.state.layers.length === 5", timeout=WAIT)
    assert page.evaluate("window.pg.sent.length") > sent_before
    assert [h["units"] for h in page.evaluate("window.pg.sent.at(-1).hidden")] == [4, 3, 3]
    expect(page.locator(".node[data-layer='3']")).to_have_count(3)
    expect(page.locator("#nlayers")).to_have_text("3 hidden layers")

    page.click("[data-test='add-unit-0']")
    page.wait_for_function("window.pg.state.layers[1] === 5", timeout=WAIT)
    assert page.evaluate("window.pg.sent.at(-1).hidden[0].units") == 5
    assert page.evaluate("window.pg.state.layers") == [2, 5, 3, 3, 1]
    expect(page.locator(".node[data-layer='1']")).to_have_count(5)
    # The new unit's heat map arrives in the next frame: one map per unit of each layer.
    page.wait_for_function("window.pg.frame.units[0].length === 5", timeout=WAIT)
    # The URL fragment now restores this architecture in a new tab.
    link = page.url
    assert "#" in link
    other = context.new_page()
    other.goto(link)
    other.wait_for_function("window.pg && window.pg.state", timeout=WAIT)
    assert other.evaluate("window.pg.state.layers") == [2, 5, 3, 3, 1]


# ---- training ---------------------------------------------------------------------------------

def test_training_xor_brings_the_test_loss_down(context, server_url):
    page = open_page(context, server_url, XOR)
    first = shown_number(page, "#test-loss")
    page.click("#play")
    page.wait_for_function(
        "Number(document.getElementById('test-loss').textContent) < 0.15", timeout=WAIT)
    paused = page.evaluate("window.pg.received.paused || 0")
    page.click("#play")  # pause; no frame follows the server's "paused" reply
    page.wait_for_function(f"(window.pg.received.paused || 0) > {paused}", timeout=WAIT)
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    final = shown_number(page, "#test-loss")
    assert final < 0.15 < first
    assert int(page.locator("#stepcount").inner_text()) > 0
    # the number shown is the server's
    assert abs(page.evaluate("window.pg.frame.test_loss") - final) < 1e-4


# ---- glass box --------------------------------------------------------------------------------

def click_sample(page: Page, index: int) -> None:
    """Click training point `index` on the boundary canvas (its pixel from the sent data)."""
    box = page.locator("#boundary").bounding_box()
    state = page.evaluate("window.pg.state")
    frame = page.evaluate("window.pg.frame")
    x = f32(state["train"]["x"]).reshape(state["n_train"], -1)[index]
    x0, x1, y0, y1 = frame["extent"]
    px = box["x"] + (x[0] - x0) / (x1 - x0) * box["width"]
    py = box["y"] + (y1 - x[1]) / (y1 - y0) * box["height"]
    page.mouse.click(float(px), float(py))


def resolve(value, params: dict):
    if isinstance(value, str):
        return float(params[value])
    if isinstance(value, list):
        return [resolve(v, params) for v in value]
    return float(value)


def torch_deltas(exercise: dict) -> list[torch.Tensor]:
    """δ = ∂C/∂z of every layer for the exercise's sample, by torch autograd (float64)."""
    params = exercise.get("params", {})
    sample = exercise["data"][0] if isinstance(exercise["data"], list) else exercise["data"]
    a = torch.tensor(resolve(sample["x"], params), dtype=torch.float64)
    t = torch.tensor(resolve(sample["t"] if isinstance(sample["t"], list) else [sample["t"]],
                             params), dtype=torch.float64)
    acts = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
            "identity": lambda z: z}
    zs = []
    for layer in exercise["network"]["layers"]:
        W = torch.tensor(resolve(layer["weights"], params), dtype=torch.float64,
                         requires_grad=True)
        bias = layer.get("bias", "zeros")
        b = torch.zeros(W.shape[0], dtype=torch.float64) if bias == "zeros" else torch.tensor(
            resolve(bias, params), dtype=torch.float64)
        z = W @ a + b
        z.retain_grad()
        zs.append(z)
        act = layer["activation"]
        a = acts[act if isinstance(act, str) else act["name"]](z)
    assert exercise["loss"]["name"] == "binary_cross_entropy"
    loss = -(t * torch.log(a) + (1 - t) * torch.log(1 - a)).sum()
    loss.backward()
    return [z.grad for z in zs]


def explained_deltas(path: Path) -> list[float]:
    """The results of the δ lines `glassnet explain` prints (the last number of each)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-m", "glassnet", "explain", str(path)], env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    # "1.234·10⁻⁵" → "1.234e-5"
    sup = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    out = re.sub(r"·10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "e" + m.group(1).translate(sup), out)
    results = []
    for line in out.replace("−", "-").splitlines():
        numbers = re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", line)
        if line.strip().startswith("δ") and "=" in line and numbers:
            results.append(float(numbers[-1]))
    return results


def test_glass_box_delta_equals_the_engine_and_the_exported_exercise(context, server_url,
                                                                      tmp_path):
    page = open_page(context, server_url, XOR)
    for _ in range(5):  # a few minibatches so the weights are not the initial ones
        steps = page.evaluate("window.pg.received.frame")
        page.click("#step")
        page.wait_for_function(f"window.pg.received.frame > {steps}", timeout=WAIT)
    sample = 7
    click_sample(page, sample)
    page.click(".node[data-layer='1'][data-unit='2']")
    page.wait_for_function(
        f"window.pg.lastInspect && window.pg.lastInspect.sample === {sample}"
        " && window.pg.lastInspect.layer === 1 && window.pg.lastInspect.unit === 2",
        timeout=WAIT)
    expect(page.locator("#glassbox")).to_have_class(re.compile("open"))
    shown_delta = shown_number(page, ".gb-key [data-key='delta']")
    assert page.locator(".gb-html").inner_text().strip() != ""

    with page.expect_download() as download:
        page.click("#export")
    path = tmp_path / "exercise.yaml"
    download.value.save_as(path)
    exercise = yaml.safe_load(path.read_text())

    # The exercise is the network the page received: its weights are the frame's.
    frame = page.evaluate("window.pg.frame")
    for layer, w in zip(exercise["network"]["layers"], frame["weights"], strict=True):
        W = np.array(resolve(layer["weights"], exercise.get("params", {})))
        np.testing.assert_allclose(W.ravel(), f32(w), rtol=1e-5, atol=1e-6)

    delta = float(torch_deltas(exercise)[0][2])
    assert delta != 0.0
    assert shown_delta == pytest.approx(delta, rel=1e-4, abs=1e-8)
    assert page.evaluate("window.pg.lastInspect.values.delta") == pytest.approx(delta, rel=1e-6,
                                                                                  abs=1e-12)
    # `glassnet explain` on the exported exercise prints the same δ (to its 4 digits).
    printed = explained_deltas(path)
    assert any(abs(v - delta) <= 6e-4 * abs(delta) for v in printed), (delta, printed)


# ---- bad messages ------------------------------------------------------------------------------

BAD = [
    "{not json",
    json.dumps({"type": "no-such-type"}),
    json.dumps({"type": "config", "config": {"hidden": "three"}}),
    json.dumps({"type": "inspect", "layer": 99, "unit": 0, "sample": None, "weight": None}),
    '{"type": "config", "config": {"batch_size": NaN}}',
    json.dumps({"type": "step", "surprise": 1}),
]


def test_malformed_messages_show_errors_and_other_sessions_keep_training(context, server_url):
    trainer = open_page(context, server_url, XOR)
    trainer.click("#play")
    trainer.wait_for_function("window.pg.frame.step > 0", timeout=WAIT)

    attacker = open_page(context, server_url, XOR)
    for i, text in enumerate(BAD):
        attacker.evaluate("(t) => window.pg.sendRaw(t)", text)
        attacker.wait_for_function(f"window.pg.errors.length >= {i + 1}", timeout=WAIT)
    expect(attacker.locator("#errorbar")).to_be_visible()
    assert attacker.locator("#errorbar .msg").inner_text().strip() != ""
    assert all(isinstance(e["message"], str) and "Traceback" not in e["message"]
               for e in attacker.evaluate("window.pg.errors"))

    # The other tab's training goes on, and the attacked session still answers.
    step = trainer.evaluate("window.pg.frame.step")
    trainer.wait_for_function(f"window.pg.frame.step > {step}", timeout=WAIT)
    frames = attacker.evaluate("window.pg.received.frame")
    attacker.click("#step")
    attacker.wait_for_function(f"window.pg.received.frame > {frames}", timeout=WAIT)
    trainer.click("#play")


# ---- who may connect ------------------------------------------------------------------------

class _OtherSite:
    """Another web site on this machine: a real HTTP server on 127.0.0.1 at a free port (a
    page the test fulfils itself, or one from a public address, is stopped by Chromium's
    local-network-access rules before the playground's server would see it)."""

    def __enter__(self) -> str:
        import http.server
        import threading

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"<!doctype html><title>elsewhere</title>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_page_from_another_site_cannot_open_the_socket(context, tmp_path):
    """A page of another origin opens ``ws://127.0.0.1:PORT/ws`` in the same browser: the
    server refuses the handshake with 403 (its log says why); the same script on the
    playground's own page opens it."""
    log = tmp_path / "server.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    with open(log, "w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--grid", "16"],
            stdout=subprocess.PIPE, stderr=err, env=env, text=True, cwd=ROOT)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/", proc.stdout.readline()).group(0)
        ws_url = json.dumps(url.replace("http://", "ws://") + "ws")
        opener = ("new Promise(done => { const ws = new WebSocket(" + ws_url + ");"
                  " ws.onopen = () => { done('open'); ws.close(); };"
                  " ws.onerror = () => done('error'); })")
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        with _OtherSite() as other:
            page.goto(other + "/")
            assert page.evaluate(opener) == "error"
        assert any("Unexpected response code: 403" in line for line in console), console
        page.goto(url)
        assert page.evaluate(opener) == "open"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()
    text = log.read_text(encoding="utf-8")
    assert f"refused a WebSocket: Origin {other!r}" in text, text
    assert text.count("refused a WebSocket") == 1, text  # the playground's own page was let in
