"""Where glassnet's train step spends its time (run in the glassnet loop worker, after the
timed rounds, so the Adam state is the late, possibly subnormal-laden one).

* ``phases``: forward, loss + backward, optimizer step — timed separately, per step.
* ``gemm``: the same matrix products the step performs (same shapes and memory layouts,
  taken from a real pass), timed alone: the floor that BLAS sets for forward + backward.
* ``elementwise_pass``: one streaming pass over the parameter vector (c = a + b), the unit
  to read the optimizer's cost in; ``optimizer_passes`` = Adam step ÷ that pass.
* ``subnormal``: the Adam step on the current state vs the same state with its subnormal
  entries set to zero: the price of subnormals in the update.
* ``cprofile``: the functions with the most own time over a few steps (cProfile adds a
  per-call cost, so small functions look a bit more expensive than they are).
"""

from __future__ import annotations

import cProfile
import pstats
import time
from typing import Any

import numpy as np

F32_TINY = float(np.finfo(np.float32).tiny)


def _median_time(fn: Any, repeat: int, inner: int = 1) -> float:
    """Median seconds of one call of ``fn`` over ``repeat`` timings of ``inner`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return float(np.median(times))


def _phases(tr: Any, steps: int) -> dict[str, float]:
    net, opt, loss, X, T = tr.net, tr.opt, tr.loss, tr.X, tr.T
    clock = time.perf_counter
    fwd, fb, upd = [], [], []
    for _ in range(steps):
        sl = tr.batches.next()
        t0 = clock()
        net.forward_pass(X[sl], train=True, validate=False, workspace=True)
        t1 = clock()
        net.compute_gradients(X[sl], T[sl], loss, validate=False, workspace=True)
        t2 = clock()
        opt.step(net.params, net.grads)
        t3 = clock()
        fwd.append(t1 - t0)
        fb.append(t2 - t1)
        upd.append(t3 - t2)
    f, full, u = (float(np.median(v)) for v in (fwd, fb, upd))
    return {
        "forward_s": f,
        "loss_backward_s": max(full - f, 0.0),
        "forward_backward_s": full,
        "optimizer_s": u,
        "step_s": full + u,
    }


def _gemms(tr: Any, repeat: int) -> dict[str, Any]:
    """Time every matrix product of one train step on its real operands."""
    net = tr.net
    sl = slice(0, tr.B)
    p = net.compute_gradients(tr.X[sl], tr.T[sl], tr.loss, validate=False)
    rows = []
    for i, (layer, rec) in enumerate(zip(net.layers, p.layers, strict=True)):
        W, a_prev, delta = layer.W, rec.a_prev, rec.delta
        ops = [
            (f"z{i + 1} = a{i} @ W{i + 1}.T", a_prev, W.T),
            (f"dW{i + 1} = δ{i + 1}.T @ a{i}", delta.T, a_prev),
        ]
        if i > 0:
            ops.append((f"da{i} = δ{i + 1} @ W{i + 1}", delta, W))
        for name, A, Bm in ops:
            out = np.empty((A.shape[0], Bm.shape[1]), dtype=A.dtype)
            t = _median_time(lambda A=A, Bm=Bm, out=out: np.matmul(A, Bm, out=out), repeat, 5)
            flops = 2.0 * A.shape[0] * A.shape[1] * Bm.shape[1]
            rows.append(
                {
                    "op": name,
                    "shape": f"({A.shape[0]}×{A.shape[1]}) @ ({Bm.shape[0]}×{Bm.shape[1]})",
                    "seconds": t,
                    "gflops": flops / t / 1e9,
                }
            )
    return {"ops": rows, "total_s": float(sum(r["seconds"] for r in rows))}


def _elementwise_pass(n: int, repeat: int) -> float:
    a = np.ones(n, np.float32)
    b = np.ones(n, np.float32)
    c = np.empty(n, np.float32)
    return _median_time(lambda: np.add(a, b, out=c), repeat, 5)


def _subnormal_cost(tr: Any, repeat: int) -> dict[str, Any]:
    opt = tr.opt
    saved = opt.state_dict()
    params = tr.net.params.copy()
    grads = tr.net.grads.copy()

    def timed(state: dict[str, Any]) -> float:
        times = []
        for _ in range(repeat):
            opt.load_state_dict(state)
            t0 = time.perf_counter()
            opt.step(params, grads)
            times.append(time.perf_counter() - t0)
        return float(np.median(times))

    def flush(a: np.ndarray | None) -> np.ndarray | None:
        if a is None:
            return None
        return np.where(np.abs(a) < F32_TINY, np.float32(0), a).astype(a.dtype)

    n_sub = {
        k: int(np.count_nonzero((np.abs(saved[k]) < F32_TINY) & (saved[k] != 0)))
        for k in ("m", "v")
        if saved.get(k) is not None
    }
    flushed = {k: (flush(v) if isinstance(v, np.ndarray) else v) for k, v in saved.items()}
    with_sub = timed(saved)
    without = timed(flushed)
    opt.load_state_dict(saved)
    return {
        "subnormal_entries": n_sub,
        "zero_grad_frac": float(np.mean(grads == 0)),
        "adam_step_s": with_sub,
        "adam_step_flushed_s": without,
        "slowdown": with_sub / without if without > 0 else float("nan"),
    }


def _cprofile(tr: Any, steps: int, top: int = 14) -> list[dict[str, Any]]:
    net, opt, loss, X, T = tr.net, tr.opt, tr.loss, tr.X, tr.T

    def loop() -> None:
        for _ in range(steps):
            sl = tr.batches.next()
            net.compute_gradients(X[sl], T[sl], loss, validate=False, workspace=True)
            opt.step(net.params, net.grads)

    prof = cProfile.Profile()
    prof.runcall(loop)
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())  # own time of every function
    rows = []
    for (path, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        short = path.split("glassnet/")[-1] if "glassnet/" in path else path.rsplit("/", 1)[-1]
        where = func if path == "~" else f"{short}:{line}({func})"
        rows.append(
            {
                "function": where,
                "calls_per_step": ncalls / steps,
                "own_us_per_step": tottime / steps * 1e6,
                "cum_us_per_step": cumtime / steps * 1e6,
                "own_frac": tottime / total if total else 0.0,
            }
        )
    rows.sort(key=lambda r: -r["own_us_per_step"])
    return rows[:top]


def profile_train_step(tr: Any, steps: int) -> dict[str, Any]:
    if tr.variant != "loop":
        raise ValueError("profile needs the glassnet loop contender")
    n = tr.net.params.size
    phases = _phases(tr, steps)
    gemm = _gemms(tr, repeat=max(5, steps // 10))
    elem = _elementwise_pass(n, repeat=max(5, steps // 10))
    sub = _subnormal_cost(tr, repeat=max(5, steps // 5))
    prof = _cprofile(tr, max(10, steps // 2))
    fb = phases["forward_backward_s"]
    return {
        "batch": tr.B,
        "n_params": int(n),
        "phases": phases,
        "gemm": gemm,
        "gemm_frac_of_forward_backward": gemm["total_s"] / fb if fb else float("nan"),
        "non_gemm_forward_backward_s": max(fb - gemm["total_s"], 0.0),
        "elementwise_pass_s": elem,
        "optimizer_passes": phases["optimizer_s"] / elem if elem else float("nan"),
        "subnormal": sub,
        "cprofile": prof,
    }
