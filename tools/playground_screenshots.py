"""Regenerate the playground screenshots in docs/gallery/ and measure the page's speed.

    PYTHONPATH=. python tools/playground_screenshots.py            # screenshots
    PYTHONPATH=. python tools/playground_screenshots.py --measure  # + frames/s and latency

It starts ``glassnet playground --no-browser --port 0`` on 127.0.0.1, drives Debian's
headless Chromium with Playwright (no browser download) and writes
playground-spiral.png (spiral learning), playground-glassbox.png (the glass-box panel
open on a unit and a sample) and playground-stepper.png (step-by-step mode).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def config(hidden, features=("x1", "x2"), optimizer=None, fps=20, grid=64):
    return {
        "dataset": {"name": "spiral", "noise": 0.0, "train_ratio": 0.5, "seed": 0, "n": 400},
        "features": list(features),
        "hidden": [{"units": u, "activation": "tanh"} for u in hidden],
        "optimizer": optimizer or {"name": "adam", "lr": 0.03, "beta1": 0.9, "beta2": 0.999,
                                   "eps": 1e-8, "weight_decay": 0},
        "schedule": {"name": "constant"},
        "batch_size": 10, "l1": 0, "l2": 0, "dropout": [], "seed": 0, "grid": grid,
        "frames_per_second": fps,
    }


def start_server() -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, cwd=ROOT)
    for line in proc.stdout:
        match = re.search(r"http://127\.0\.0\.1:\d+/?", line)
        if match:
            return proc, match.group(0).rstrip("/") + "/"
    proc.kill()
    raise SystemExit("the playground printed no URL")


def open_page(browser, url, cfg):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url + "#" + urllib.parse.quote(json.dumps(cfg)))
    page.wait_for_function("window.pg && window.pg.state && window.pg.frame", timeout=60_000)
    return page


def train_until(page, loss: float, limit_s: float) -> None:
    page.click("#play")
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if page.evaluate("window.pg.frame.test_loss") < loss:
            break
        time.sleep(0.25)
    page.click("#play")
    time.sleep(0.5)


def click_sample(page, index: int) -> None:
    page.evaluate("""(i) => {
        const c = document.getElementById('boundary'), s = window.pg.state, f = window.pg.frame;
        const x = window.pgDecode(s.train.x), d = x.length / s.n_train;
        const r = c.getBoundingClientRect();
        const [x0, x1, y0, y1] = f.extent;
        window.__click = [r.left + (x[i * d] - x0) / (x1 - x0) * r.width,
                          r.top + (y1 - x[i * d + 1]) / (y1 - y0) * r.height];
    }""", index)
    px, py = page.evaluate("window.__click")
    page.mouse.click(px, py)


def shoot(page, name: str) -> None:
    page.evaluate("document.getElementById('toast')?.remove()")
    page.screenshot(path=GALLERY / name)


def screenshots(browser, url) -> None:
    GALLERY.mkdir(parents=True, exist_ok=True)
    page = open_page(browser, url, config([8, 8, 5], ("x1", "x2", "sin_x1", "sin_x2")))
    train_until(page, 0.08, 30)
    shoot(page, "playground-spiral.png")

    click_sample(page, 11)
    page.click(".node[data-layer='1'][data-unit='2']")
    page.wait_for_function("window.pg.lastInspect && window.pg.lastInspect.sample === 11")
    time.sleep(0.4)
    shoot(page, "playground-glassbox.png")
    page.close()

    page = open_page(browser, url, config([3, 2]))
    for _ in range(30):
        page.click("#step")
    click_sample(page, 4)
    page.click("#walk")
    page.wait_for_function("window.pg.lastWalk")
    for i in range(1, 4):
        page.click(".walk-next")
        page.wait_for_function(f"window.pg.lastWalk.index === {i}")
    time.sleep(0.4)
    shoot(page, "playground-stepper.png")
    page.close()


def measure(browser, url) -> None:
    """Frames/s reaching the page and click → panel latency, 2-4-4-1 tanh, spiral, batch 10."""
    for fps in (20, 60):
        page = open_page(browser, url, config([4, 4], fps=fps,
                                              optimizer={"name": "sgd", "lr": 0.03}))
        page.click("#play")
        time.sleep(1.0)  # warm-up
        n0, s0, t0 = page.evaluate("[window.pg.received.frame, window.pg.frame.step, "
                                   "performance.now()]")
        time.sleep(6.0)
        n1, s1, t1 = page.evaluate("[window.pg.received.frame, window.pg.frame.step, "
                                   "performance.now()]")
        seconds = (t1 - t0) / 1000
        print(f"frames_per_second={fps}: {(n1 - n0) / seconds:.1f} frames/s reach the page, "
              f"{(s1 - s0) / seconds:.0f} steps/s (server's step counter)")
        for playing in (True, False):
            if not playing:
                page.click("#play")
                time.sleep(0.5)
            page.evaluate("window.pg.latencies.length = 0")
            for i in range(10):
                page.click(f".node[data-layer='{1 + i % 2}'][data-unit='{i % 4}']")
                page.wait_for_function(f"window.pg.latencies.length === {i + 1}")
            lat = page.evaluate("window.pg.latencies")
            print(f"  click → panel ({'playing' if playing else 'paused'}): median "
                  f"{statistics.median(lat):.0f} ms, max {max(lat):.0f} ms over {len(lat)}")
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help="also measure frames/s, latency")
    parser.add_argument("--no-shots", action="store_true", help="skip the screenshots")
    args = parser.parse_args()
    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                        args=CHROMIUM_ARGS)
            if not args.no_shots:
                screenshots(browser, url)
            if args.measure:
                measure(browser, url)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
