"""Playground speed: steps/s while playing (frames drawn on a 64×64 grid) vs ``Network.fit``.

Network 2-4-4-1 tanh (sigmoid output, binary cross-entropy) on spiral (500 points, half for
training), SGD lr 0.03, batch 10 — the issue's reference set-up. Three measurements:

1. ``Network.fit`` throughput (updates/s) of the same network, data and batch size;
2. the real server (``glassnet playground`` in a subprocess, uvicorn) playing, measured by a
   WebSocket client: frames/s received and updates/s (from the frames' step counter), at
   ``--fps`` frames per second requested (default 30, so that ≥ 20 arrive);
3. the latency from an ``inspect`` message to its reply, while playing and while paused.

Prints the figures; no assertions (speed lives in benchmarks, not in tests)::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/playground_speed.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HIDDEN = [{"units": 4, "activation": "tanh"}, {"units": 4, "activation": "tanh"}]
CONFIG = {
    "dataset": {"name": "spiral", "n": 500, "noise": 0.0, "train_ratio": 0.5, "seed": 0},
    "features": ["x1", "x2"],
    "hidden": HIDDEN,
    "optimizer": {"name": "sgd", "lr": 0.03},
    "batch_size": 10,
    "grid": 64,
}


def fit_throughput(seconds: float) -> float:
    """Updates per second of Network.fit on the same network (float64, as the playground)."""
    import glassnet as gn
    from glassnet.datasets import spiral

    ds = spiral(n_samples=500, noise=0.0, seed=0, test_fraction=0.5)
    net = gn.Network([gn.Dense(2, 4, "tanh"), gn.Dense(4, 4, "tanh"), gn.Dense(4, 1, "sigmoid")],
                     dtype="float64", seed=0)
    y = ds.y_train.astype(np.float64).reshape(-1, 1)
    per_epoch = -(-len(ds.X_train) // 10)
    net.fit(ds.X_train, y, loss="binary_cross_entropy", optimizer={"name": "sgd", "lr": 0.03},
            epochs=2, batch_size=10, verbose=0)  # warm-up
    epochs = 20
    while True:
        start = time.perf_counter()
        net.fit(ds.X_train, y, epochs=epochs, batch_size=10, verbose=0)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 2 or epochs > 100_000:
            return epochs * per_epoch / elapsed
        epochs *= 4


def start_server(grid: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "glassnet", "playground", "--no-browser", "--grid", str(grid)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise SystemExit(f"the server did not start: {line}{proc.stdout.read()}")
    url = line.split("serving on ")[1].split()[0]
    return proc, url.replace("http://", "ws://") + "ws"


async def measure(url: str, seconds: float, fps: int) -> dict[str, float]:
    import websockets

    async with websockets.connect(url, max_size=2**26) as ws:

        async def until(kind: str) -> dict:
            while True:
                msg = json.loads(await ws.recv())
                if msg["type"] == kind:
                    return msg

        await ws.send(json.dumps({"type": "config",
                                  "config": {**CONFIG, "frames_per_second": fps}}))
        await until("state")
        await until("frame")
        await ws.send(json.dumps({"type": "play"}))
        first = await until("frame")
        t0, frames = time.perf_counter(), 0
        last = first
        while time.perf_counter() - t0 < seconds:
            last = await until("frame")
            frames += 1
        elapsed = time.perf_counter() - t0
        playing_latency = []
        for sample in range(10):
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "inspect", "layer": 2, "unit": 1,
                                      "sample": sample}))
            await until("inspect")
            playing_latency.append(time.perf_counter() - start)
        await ws.send(json.dumps({"type": "pause"}))
        await until("paused")
        paused_latency = []
        for sample in range(10, 30):
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "inspect", "layer": 1, "unit": 0,
                                      "sample": sample}))
            await until("inspect")
            paused_latency.append(time.perf_counter() - start)
        return {
            "frames_per_s": frames / elapsed,
            "steps_per_s": (last["step"] - first["step"]) / elapsed,
            "inspect_playing_ms": 1000 * statistics.median(playing_latency),
            "inspect_paused_ms": 1000 * statistics.median(paused_latency),
            "inspect_paused_max_ms": 1000 * max(paused_latency),
            "final_train_loss": last["train_loss"],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--grid", type=int, default=64)
    args = parser.parse_args()
    fit = fit_throughput(args.seconds)
    proc, url = start_server(args.grid)
    try:
        got = asyncio.run(measure(url, args.seconds, args.fps))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print("set-up: 2-4-4-1 tanh → sigmoid, BCE, spiral (250 train points), SGD lr 0.03, "
          f"batch 10, grid {args.grid}×{args.grid}, float64, {args.seconds:g} s")
    print(f"Network.fit throughput          {fit:10.0f} updates/s")
    print(f"playground while playing        {got['steps_per_s']:10.0f} updates/s "
          f"({got['steps_per_s'] / fit:.2f} × fit)")
    print(f"frames received                 {got['frames_per_s']:10.1f} frames/s "
          f"(requested {args.fps})")
    print(f"inspect → reply, while playing  {got['inspect_playing_ms']:10.1f} ms (median of 10)")
    print(f"inspect → reply, paused         {got['inspect_paused_ms']:10.1f} ms (median of 20, "
          f"max {got['inspect_paused_max_ms']:.1f} ms)")
    print(f"train loss at the end           {got['final_train_loss']:10.4f}")


if __name__ == "__main__":
    main()
