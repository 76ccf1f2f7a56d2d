"""A worker process: hosts one contender for one benchmark case, driven by run.py.

Started as ``python benchmarks/worker.py`` with the thread environment already set by the
parent. It reads one JSON command per line on stdin and answers one JSON line on its
original stdout; anything a library prints goes to stderr (fd 1 is redirected to fd 2).

Commands: ``setup`` (spec, data_dir), ``run`` (units) — timed here, with the CPU time of
this process and of everything else on the machine during the segment — ``finish``
(accuracy, Adam subnormals, peak RSS, BLAS pools), ``profile`` (steps), ``exit``.
Each worker is a fresh process, so its ``ru_maxrss`` is the peak RSS of one contender
training one case (imports, data and all).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HZ = os.sysconf("SC_CLK_TCK")


def cpu_ticks() -> tuple[int, int]:
    """(busy ticks of the whole machine, ticks of this process incl. all its threads)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # minus idle and iowait
    with open("/proc/self/stat") as f:
        stat = f.read().rsplit(")", 1)[1].split()
    own = int(stat[11]) + int(stat[12])  # utime + stime (fields 14, 15)
    return busy, own


def measured(fn: Any, *args: Any) -> tuple[Any, dict[str, Any]]:
    """Run ``fn(*args)`` and measure it: wall time, this process's CPU time (user and kernel),
    minor page faults, and the CPU time other processes used meanwhile (in clock ticks)."""
    busy0, own0 = cpu_ticks()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    out = fn(*args)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    busy1, own1 = cpu_ticks()
    foreign = max((busy1 - busy0) - (own1 - own0), 0)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return out, {
        "wall_s": wall,
        "own_cores": cpu / wall if wall > 0 else 0.0,
        "sys_frac": (r1.ru_stime - r0.ru_stime) / cpu if cpu > 0 else 0.0,
        "minor_faults": r1.ru_minflt - r0.ru_minflt,
        "foreign_cores": foreign / HZ / wall if wall > 0 else 0.0,
        "foreign_ticks": foreign,
        "hz": HZ,
    }


def peak_rss_mib() -> float:
    """Peak RSS of this process (VmHWM). Not ``ru_maxrss``: after fork + exec Linux carries
    the parent's high-water mark into it, so every worker would report the parent's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_data(data_dir: str) -> dict[str, Any]:
    import numpy as np

    d = Path(data_dir)
    data: dict[str, Any] = {}
    for name in ("X_train", "y_train", "X_test", "y_test"):
        data[name] = np.load(d / f"{name}.npy")
    with np.load(d / "init.npz") as z:
        data["init"] = {k: z[k] for k in z.files}
    return data


def blas_pools() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads", "prefix")
    return [{k: p.get(k) for k in keys} for p in threadpool_info()]


def main() -> int:
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    trainer: Any = None
    limiter: Any = None

    def reply(obj: dict[str, Any]) -> None:
        proto.write(json.dumps(obj) + "\n")
        proto.flush()

    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        try:
            if cmd == "setup":
                spec = msg["spec"]
                threads = int(spec["threads"])
                cpus = sorted(os.sched_getaffinity(0))
                if len(cpus) > threads:  # the same cores for every contender
                    os.sched_setaffinity(0, cpus[:threads])
                t0 = time.perf_counter()
                if spec["framework"] in ("glassnet", "sklearn"):
                    from threadpoolctl import threadpool_limits

                    limiter = threadpool_limits(threads)
                from contenders import SETUP

                data = load_data(msg["data_dir"])
                trainer = SETUP[spec["framework"]](spec, data)
                del data
                reply(
                    {
                        "ok": True,
                        "setup_s": time.perf_counter() - t0,
                        "info": trainer.info,
                        "rss_after_setup_mib": peak_rss_mib(),
                    }
                )
            elif cmd == "run":
                out, meter = measured(trainer.run, int(msg["units"]))
                reply(
                    {
                        "ok": True,
                        "samples": out["samples"],
                        "phases": out.get("phases", {}),
                        **meter,
                    }
                )
            elif cmd == "finish":
                # the peak of training (incl. case 3's per-epoch validation), before the final
                # test-set evaluation below, which is the benchmark's sanity check, not training
                peak = peak_rss_mib()
                res = trainer.finish()
                reply(
                    {
                        "ok": True,
                        **res,
                        "peak_rss_mib": peak,
                        "peak_rss_with_test_eval_mib": peak_rss_mib(),
                        "blas": blas_pools(),
                    }
                )
            elif cmd == "profile":
                out, meter = measured(trainer.profile, int(msg["steps"]))
                reply({"ok": True, "profile": out, **meter})
            elif cmd == "exit":
                reply({"ok": True})
                break
            else:
                reply({"ok": False, "error": f"unknown command {cmd!r}"})
        except Exception:
            reply({"ok": False, "error": traceback.format_exc()})
    del limiter
    return 0


if __name__ == "__main__":
    sys.exit(main())
