"""Speed of ``glassnet playground`` while playing, against ``Network.fit`` (issue 10).

Case: 2-4-4-1 tanh (features x1, x2; sigmoid output, BCE) on the Playground spiral
(500 points, half for training), SGD lr 0.03, batch 10, frames on a 64×64 grid.

1. The real server (``glassnet playground --no-browser``, a subprocess; uvicorn on
   127.0.0.1, a free port) and a WebSocket client here (the ``websockets`` package):
   config, play for ``--seconds``, count the frames that reach the client and the steps
   between the first and the last of them.
2. Latency from an ``inspect`` message to its reply (while paused, and while playing).
3. ``Network.fit`` on the same network (float64, as the playground) and data, batch 10:
   updates per second of training alone.

Prints the figures; asserts nothing (timings depend on the machine and its load)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/playground_speed.py [--seconds 6] [--fps 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import websockets

from glassnet.layers import Dense
from glassnet.network import Network
from glassnet.playground.session import Session, feature_map

CONFIG = {
    "dataset": {"name": "spiral", "n": 500, "noise": 0.0, "train_ratio": 0.5, "seed": 0},
    "features": ["x1", "x2"],
    "hidden": [{"units": 4, "activation": "tanh"}, {"units": 4, "activation": "tanh"}],
    "optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": 10, "grid": 64, "seed": 0,
}


def serve() -> tuple[subprocess.Popen, int]:
    """``glassnet playground --no-browser`` in its own process (as a user runs it)."""
    proc = subprocess.Popen([sys.executable, "-m", "glassnet", "playground", "--no-browser"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        raise SystemExit(f"playground did not start: {line!r}")
    return proc, int(match.group(1))


async def until(ws, kind: str) -> dict:
    while True:
        msg = json.loads(await ws.recv())
        if msg["type"] == kind:
            return msg
        if msg["type"] == "error":
            raise RuntimeError(msg["message"])


async def playing(port: int, seconds: float, fps: int) -> dict:
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=2**24) as ws:
        await ws.send(json.dumps({"type": "config",
                                  "config": {**CONFIG, "frames_per_second": fps}}))
        await until(ws, "frame")
        lat_paused = []
        for i in range(10):
            t = time.perf_counter()
            await ws.send(json.dumps({"type": "inspect", "layer": 2, "unit": 1, "sample": i}))
            await until(ws, "inspect")
            lat_paused.append(time.perf_counter() - t)
        await ws.send(json.dumps({"type": "play"}))
        frames = []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            frame = await until(ws, "frame")
            frames.append((time.perf_counter(), frame["step"]))
        lat_playing = []
        for i in range(10):
            t = time.perf_counter()
            await ws.send(json.dumps({"type": "inspect", "layer": 2, "unit": 1, "sample": i}))
            await until(ws, "inspect")
            lat_playing.append(time.perf_counter() - t)
        await ws.send(json.dumps({"type": "pause"}))
        (t0, s0), (t1, s1) = frames[1], frames[-1]
        return {"frames_per_s": (len(frames) - 2) / (t1 - t0), "steps_per_s": (s1 - s0) / (t1 - t0),
                "inspect_ms_paused": 1000 * statistics.median(lat_paused),
                "inspect_ms_playing": 1000 * statistics.median(lat_playing),
                "steps": s1}


def fit_throughput(seconds: float) -> float:
    s = Session(CONFIG)
    X, y = feature_map(s.X_train, s.features), s.y_train
    layers = [Dense(2, 4, "tanh"), Dense(4, 4, "tanh"), Dense(4, 1, "sigmoid")]
    net = Network(layers, dtype="float64", seed=0)
    steps_per_epoch = -(-len(X) // 10)
    net.fit(X, y, loss="binary_cross_entropy", optimizer={"name": "sgd", "lr": 0.03},
            epochs=2, batch_size=10, verbose=0)  # warm-up
    epochs = 20
    while True:
        t = time.perf_counter()
        net.fit(X, y, epochs=epochs, verbose=0)
        elapsed = time.perf_counter() - t
        if elapsed > seconds / 2:
            return epochs * steps_per_epoch / elapsed
        epochs *= 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--fps", type=int, default=30, help="frames_per_second asked for")
    args = parser.parse_args()
    server, port = serve()
    try:
        live = asyncio.run(playing(port, args.seconds, args.fps))
    finally:
        server.terminate()
        server.wait(timeout=10)
    fit = fit_throughput(args.seconds)
    print(f"case: 2-4-4-1 tanh, spiral (250 train), SGD lr 0.03, batch 10, grid 64x64, "
          f"frames_per_second={args.fps}")
    print(f"playground, playing:  {live['steps_per_s']:9.0f} steps/s   "
          f"{live['frames_per_s']:5.1f} frames/s reaching the client")
    print(f"Network.fit:          {fit:9.0f} steps/s   (float64, verbose=0)")
    print(f"ratio fit / playing:  {fit / live['steps_per_s']:9.2f}x")
    print(f"inspect → reply:      {live['inspect_ms_paused']:6.1f} ms paused, "
          f"{live['inspect_ms_playing']:6.1f} ms playing (median of 10)")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
