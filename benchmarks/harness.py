"""Benchmark plumbing: worker processes, quiet-machine guard, machine facts, cold start,
GEMM rate, and the Markdown rendering of the results. No framework is imported here.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HZ = os.sysconf("SC_CLK_TCK")

#: environment variables that change BLAS / thread behaviour, reported with every run
REPORTED_ENV = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OMP_WAIT_POLICY",
    "XLA_FLAGS",
    "JAX_PLATFORMS",
)


def thread_env(threads: int) -> dict[str, str]:
    """The environment of every subprocess: the same thread count for every library."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env["JAX_PLATFORMS"] = "cpu"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONUNBUFFERED"] = "1"
    return env


# ----------------------------------------------------------------------------- machine load
def busy_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    total = sum(fields[:8])
    return total - fields[3] - fields[4], total


def busy_cores(window: float = 0.25) -> float:
    """Average number of busy cores over ``window`` seconds (everything on the machine)."""
    b0, _ = busy_ticks()
    w0 = time.perf_counter()
    time.sleep(window)
    b1, _ = busy_ticks()
    return (b1 - b0) / HZ / (time.perf_counter() - w0)


def wait_quiet(threshold: float, max_wait: float, window: float = 0.25) -> dict[str, Any]:
    """Wait until the machine is idle (nothing of ours runs now): two consecutive windows
    below ``threshold`` busy cores, or ``max_wait`` seconds. Also lets the idle workers'
    BLAS / OpenMP threads stop spinning before the next segment starts."""
    t0 = time.perf_counter()
    quiet_in_row, last = 0, 0.0
    while True:
        last = busy_cores(window)
        quiet_in_row = quiet_in_row + 1 if last < threshold else 0
        waited = time.perf_counter() - t0
        if quiet_in_row >= 2 or waited >= max_wait:
            return {"waited_s": waited, "quiet": quiet_in_row >= 2, "busy_cores": last}


# ----------------------------------------------------------------------------- workers
class WorkerError(RuntimeError):
    pass


class Worker:
    """One contender for one case in its own process; JSON lines over pipes."""

    def __init__(
        self,
        name: str,
        spec: dict[str, Any],
        data_dir: str,
        env: dict[str, str],
        log_dir: Path,
        timeout: float = 3600.0,
    ) -> None:
        self.name, self.timeout = name, timeout
        self.log_path = log_dir / f"{spec['case_id']}-{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            cwd=str(HERE),
        )
        self._buf = b""
        self.setup = self.request({"cmd": "setup", "spec": spec, "data_dir": data_dir})

    def _readline(self) -> bytes:
        deadline = time.monotonic() + self.timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerError(f"{self.name}: no answer within {self.timeout:.0f} s")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise WorkerError(f"{self.name}: worker exited\n{self.log_tail()}")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line

    def request(self, msg: dict[str, Any]) -> dict[str, Any]:
        try:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise WorkerError(f"{self.name}: worker is gone\n{self.log_tail()}") from None
        out = json.loads(self._readline())
        if not out.get("ok"):
            raise WorkerError(f"{self.name}: {out.get('error')}\n{self.log_tail()}")
        return out

    def log_tail(self, n: int = 25) -> str:
        self.log.flush()
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    " + s for s in lines[-n:])

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.request({"cmd": "exit"})
                self.proc.wait(timeout=30)
            except (WorkerError, subprocess.TimeoutExpired, OSError, ValueError):
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# ----------------------------------------------------------------------------- machine
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cache_sizes() -> dict[str, str]:
    out = {}
    try:
        res = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10)
        for line in res.stdout.splitlines():
            key, _, val = line.partition(":")
            if key.strip() in ("L1d cache", "L2 cache", "L3 cache", "Hypervisor vendor"):
                out[key.strip()] = val.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return out


def mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        res = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=20)
        return res.stdout.strip()

    try:
        return {
            "commit": git("rev-parse", "--short", "HEAD"),
            "glassnet_dirty": bool(git("status", "--porcelain", "--", "glassnet")),
        }
    except (OSError, subprocess.SubprocessError):
        return {}


def machine_info(threads: int) -> dict[str, Any]:
    cpus = len(os.sched_getaffinity(0))
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "schedulable_cpus": cpus,
        "caches": cache_sizes(),
        "memory_gib": round(mem_total_gib(), 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            d: version(d)
            for d in ("numpy", "torch", "jax", "jaxlib", "optax", "scikit-learn", "threadpoolctl")
        },
        "threads": threads,
        "env": {k: os.environ.get(k) for k in REPORTED_ENV},
        "git": git_state(),
    }


# ----------------------------------------------------------------------------- cold start
def cold_start(repeats: int, env: dict[str, str]) -> list[dict[str, Any]]:
    """Wall time of fresh processes, interleaved; median over ``repeats``."""
    py = sys.executable
    script = Path(py).parent / "glassnet"
    glassnet_help = [str(script), "--help"] if script.exists() else [py, "-m", "glassnet", "--help"]
    commands = [
        ("python -c pass", [py, "-c", "pass"], None),
        ("glassnet --help", glassnet_help, "glassnet"),
        ('python -c "import glassnet"', [py, "-c", "import glassnet"], "glassnet"),
        ('python -c "import numpy"', [py, "-c", "import numpy"], "numpy"),
        ('python -c "import torch"', [py, "-c", "import torch"], "torch"),
        ('python -c "import jax"', [py, "-c", "import jax"], "jax"),
        (
            'python -c "import sklearn.neural_network"',
            [py, "-c", "import sklearn.neural_network"],
            "scikit-learn",
        ),
    ]
    commands = [c for c in commands if c[2] is None or version(c[2]) is not None]
    times: dict[str, list[float]] = {c[0]: [] for c in commands}
    for c in commands:  # one untimed run each: the files are in the page cache afterwards
        subprocess.run(
            c[1], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
    for _ in range(repeats):
        for name, argv, _dist in commands:
            t0 = time.perf_counter()
            res = subprocess.run(
                argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
            )
            dt = time.perf_counter() - t0
            if res.returncode != 0:
                raise WorkerError(f"{name} failed: {res.stderr.decode(errors='replace')[-500:]}")
            times[name].append(dt)
    return [
        {
            "command": name,
            "median_s": statistics.median(ts),
            "min_s": min(ts),
            "max_s": max(ts),
            "runs": ts,
        }
        for name, ts in times.items()
    ]


# ----------------------------------------------------------------------------- GEMM
_GEMM_CODE = r"""
import json, sys, time
import numpy as np
threads, n, reps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
lib, shapes = sys.argv[4], json.loads(sys.argv[5])
if lib == "torch":
    import torch
    torch.set_num_threads(threads)
    mk = lambda *s: torch.rand(*s, dtype=torch.float32)
    mm = lambda a, b, out: torch.matmul(a, b, out=out)
    arch = "MKL (torch)"
else:
    from threadpoolctl import threadpool_limits, threadpool_info
    threadpool_limits(threads)
    rng = np.random.default_rng(0)
    mk = lambda *s: rng.random(s, dtype=np.float32)
    mm = lambda a, b, out: np.matmul(a, b, out=out)
    arch = ", ".join(f"{p['internal_api']} {p.get('version')} {p.get('architecture')}"
                     for p in threadpool_info() if p["user_api"] == "blas")
def rate(m, k, n_, reps):
    a, b, out = mk(m, k), mk(k, n_), mk(m, n_)
    for _ in range(3):
        mm(a, b, out)
    ts = []
    inner = max(1, int(2e8 // (2 * m * k * n_)))
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            mm(a, b, out)
        ts.append((time.perf_counter() - t0) / inner)
    ts.sort()
    flops = 2.0 * m * k * n_
    return flops / ts[len(ts) // 2] / 1e9, flops / ts[0] / 1e9, ts[len(ts) // 2]
med, best, _ = rate(n, n, n, reps)
step = {}
for label, ops in shapes.items():
    step[label] = sum(rate(m, k, n_, max(5, reps))[2] for m, k, n_ in ops)
print(json.dumps({"median_gflops": med, "best_gflops": best, "blas": arch, "step_gemm_s": step}))
"""


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def case1_gemm_shapes(arch: list[int], batches: list[int]) -> dict[str, list[list[int]]]:
    """The matrix products of one train step of ``arch`` (m, k, n) for each batch size."""
    out = {}
    for B in batches:
        ops = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(arch)):
            ops.append([B, n_in, n_out])  # z = a @ W.T
            ops.append([n_out, B, n_in])  # dW = δ.T @ a
            if i > 0:
                ops.append([B, n_out, n_in])  # da = δ @ W
        out[f"batch {B}"] = ops
    return out


def gemm_rates(
    threads: int,
    n: int,
    reps: int,
    shapes: dict[str, Any],
    variants: list[tuple[str, str, dict[str, str]]],
    rounds: int = 3,
    before: Any = None,
    foreign_limit: float = 0.03,
    retries: int = 2,
) -> list[dict[str, Any]]:
    """float32 GEMM GFLOP/s of an n×n product and the time of each set of ``shapes``: a fresh
    process per variant and round, the variants interleaved over ``rounds``; medians over
    rounds. ``before()`` is called before every process (the quiet-machine wait)."""
    runs: dict[str, list[dict[str, Any]]] = {v[0]: [] for v in variants}
    errors: dict[str, Any] = {}
    for _ in range(rounds):
        for label, lib, extra_env in variants:
            if label in errors:
                continue
            env = thread_env(threads)
            env.update(extra_env)
            argv = [sys.executable, "-c", _GEMM_CODE, str(threads), str(n), str(reps), lib]
            for _attempt in range(retries + 1):
                if before is not None:
                    before()
                b0, c0, w0 = busy_ticks()[0], _children_cpu(), time.perf_counter()
                res = subprocess.run(
                    [*argv, json.dumps(shapes)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                wall = time.perf_counter() - w0
                foreign = (busy_ticks()[0] - b0) / HZ - (_children_cpu() - c0)
                if foreign <= max(foreign_limit * wall, 2 / HZ):
                    break
            if res.returncode != 0:
                errors[label] = res.stderr.strip().splitlines()[-1:]
                continue
            runs[label].append(json.loads(res.stdout))
    out = []
    for label, _lib, extra_env in variants:
        rs = runs[label]
        if not rs:
            out.append({"label": label, "error": errors.get(label)})
            continue
        out.append(
            {
                "label": label,
                "env": extra_env,
                "blas": rs[0]["blas"],
                "median_gflops": statistics.median(r["median_gflops"] for r in rs),
                "best_gflops": max(r["best_gflops"] for r in rs),
                "step_gemm_s": {
                    k: statistics.median(r["step_gemm_s"][k] for r in rs)
                    for k in rs[0]["step_gemm_s"]
                },
                "rounds": rs,
            }
        )
    return out


# ----------------------------------------------------------------------------- formatting
def fmt_rate(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    if x >= 100_000:
        return f"{x / 1000:,.0f}k"
    if x >= 10_000:
        return f"{x / 1000:.1f}k"
    return f"{x:,.0f}"


def fmt_ratio(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    return f"{x:.2f}×"


def md_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" * len(header)
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def which(cmd: str) -> str | None:
    return shutil.which(cmd)
