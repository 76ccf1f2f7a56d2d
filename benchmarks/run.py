"""glassnet against PyTorch, JAX and scikit-learn on CPU MLPs (issue 5), in one run.

    python benchmarks/run.py                  # full run (~10 min), writes results/latest.*
    python benchmarks/run.py --quick          # smoke run (~1-2 min), writes results/quick.*
    python benchmarks/run.py --cases 1 --rounds 7 --skip sklearn

Every contender trains in its own worker process (worker.py; contenders.py has one trainer
per framework) with the same data, initial weights, architecture, Adam(lr=1e-3), batch
size, float32 and thread count. The contenders of a case are interleaved: each round runs
every contender for the same number of steps (or epochs), in a rotating order, after the
machine has gone quiet; a segment during which other processes used the CPU is re-run.
See README.md for what each case measures and how to read the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from contenders import REQUIRES, n_weights

RESULTS = harness.HERE / "results"
README = harness.HERE / "README.md"
README_BEGIN, README_END = "<!-- results:begin -->", "<!-- results:end -->"

CONTENDERS: dict[str, dict[str, str]] = {
    "glassnet": {
        "framework": "glassnet",
        "variant": "loop",
        "label": "glassnet (compute_gradients + Adam.step)",
    },
    "glassnet-fit": {"framework": "glassnet", "variant": "fit", "label": "glassnet Network.fit"},
    "torch": {"framework": "torch", "variant": "default", "label": "PyTorch eager, Adam"},
    "torch-fused": {
        "framework": "torch",
        "variant": "fused",
        "label": "PyTorch eager, Adam(fused=True)",
    },
    "torch-ftz": {
        "framework": "torch",
        "variant": "ftz",
        "label": "PyTorch eager, Adam, flush denormals",
    },
    "jax": {"framework": "jax", "variant": "jit", "label": "JAX, jit(train step) + optax.adam"},
    "sklearn": {
        "framework": "sklearn",
        "variant": "adam",
        "label": "scikit-learn MLPClassifier(adam)",
    },
}
STEP_CONTENDERS = list(CONTENDERS)
FIT_CONTENDERS = [c for c in CONTENDERS if c != "glassnet"]

CASE1_ARCH = [784, 512, 512, 10]


def case_configs(quick: bool) -> list[dict[str, Any]]:
    """Per case: the network, data and the amount of work per warm-up and per round."""
    q = quick
    return [
        {
            "case_id": "1-b128",
            "case": "1",
            "data": "teacher",
            "arch": CASE1_ARCH,
            "batch": 128,
            "dropout": 0.0,
            "unit": "step",
            "warmup": 5 if q else 30,
            "units": 25 if q else 234,
            "train_n": 60000,
            "reference": "glassnet",
            "contenders": STEP_CONTENDERS,
            "title": "Case 1 · 784-512-512-10 ReLU · 60k teacher samples · batch 128",
        },
        {
            "case_id": "1-b512",
            "case": "1",
            "data": "teacher",
            "arch": CASE1_ARCH,
            "batch": 512,
            "dropout": 0.0,
            "unit": "step",
            "warmup": 5 if q else 20,
            "units": 10 if q else 234,
            "train_n": 60000,
            "reference": "glassnet",
            "contenders": STEP_CONTENDERS,
            "title": "Case 1 · 784-512-512-10 ReLU · 60k teacher samples · batch 512",
        },
        {
            "case_id": "2",
            "case": "2",
            "data": "digits",
            "arch": [64, 32, 10],
            "batch": 32,
            "dropout": 0.0,
            "unit": "step",
            # whole epochs (44 batches of 32), so each round of the fit contender is one
            # fit call, as a user trains — not 61 one-epoch calls around a split epoch
            "warmup": 44 if q else 44 * 7,
            "units": 44 * 5 if q else 44 * 60,
            "train_n": None,
            "reference": "glassnet",
            "contenders": STEP_CONTENDERS,
            "title": "Case 2 · 64-32-10 ReLU · digits · batch 32",
        },
        {
            "case_id": "4",
            "case": "4",
            "data": "spiral",
            "arch": [2, 64, 16, 2],
            "batch": 10,
            "dropout": 0.0,
            "unit": "step",
            "warmup": 25 if q else 250,
            "units": 25 * 10 if q else 25 * 100,
            "train_n": None,
            "reference": "glassnet",
            "contenders": STEP_CONTENDERS,
            "title": "Case 4 · 2-64-16-2 ReLU · Playground spiral (250 training points) · batch 10",
        },
        {
            "case_id": "3",
            "case": "3",
            "data": "fashion-mnist",
            "arch": [784, 256, 128, 10],
            "batch": 128,
            "dropout": 0.2,
            "unit": "epoch",
            "warmup": 1,
            "units": 1,
            "train_n": 3000 if q else None,
            "reference": "glassnet-fit",
            "contenders": FIT_CONTENDERS,
            "title": "Case 3 · 784-256-128-10 ReLU, dropout 0.2 · Fashion-MNIST · batch 128 · "
            "fit with validation every epoch",
        },
    ]


# ----------------------------------------------------------------------------- data
def initial_weights(arch: list[int], seed: int) -> dict[str, np.ndarray]:
    """Shared by every contender: He-uniform for ReLU layers, Glorot-uniform for the output
    layer, zero biases; W is (n_out, n_in) as in glassnet and torch."""
    rng = np.random.default_rng(seed)
    out = {}
    for l, (n_in, n_out) in enumerate(itertools.pairwise(arch), start=1):
        last = l == len(arch) - 1
        lim = np.sqrt(6.0 / (n_in + n_out)) if last else np.sqrt(6.0 / n_in)
        out[f"W{l}"] = rng.uniform(-lim, lim, (n_out, n_in)).astype(np.float32)
        out[f"b{l}"] = np.zeros(n_out, np.float32)
    return out


def teacher_data(n_train: int, n_test: int, seed: int = 1234) -> dict[str, np.ndarray]:
    """MNIST-shaped random inputs (784 pixels in [0, 1), ~19% non-zero like MNIST) with labels
    from a fixed random teacher network 784-64-10 (ReLU), so they are learnable."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    X = np.empty((n, 784), np.float32)
    for s in range(0, n, 10000):
        chunk = rng.random((min(10000, n - s), 784), dtype=np.float32)
        chunk *= rng.random(chunk.shape, dtype=np.float32) < 0.19
        X[s : s + len(chunk)] = chunk
    W1 = (rng.standard_normal((784, 64)) / np.sqrt(784 * 0.19 / 3)).astype(np.float32)
    W2 = (rng.standard_normal((64, 10)) / 8).astype(np.float32)
    h = np.maximum((X - X[:n_train].mean(axis=0)) @ W1, 0)
    y = ((h - h[:n_train].mean(axis=0)) @ W2).argmax(axis=1).astype(np.int64)
    return {
        "X_train": X[:n_train],
        "y_train": y[:n_train],
        "X_test": X[n_train:],
        "y_test": y[n_train:],
    }


def load_named(name: str) -> dict[str, np.ndarray]:
    from glassnet.datasets import load_dataset

    ds = load_dataset(name)
    X_train, X_test = ds.X_train, ds.X_test
    if name == "digits":  # pixel values 0..16 -> [0, 1]
        X_train, X_test = X_train / 16.0, X_test / 16.0
        order = np.random.default_rng(0).permutation(len(X_train))  # shuffled once
        X_train, y_train = X_train[order], ds.y_train[order]
    else:
        y_train = ds.y_train
    return {
        "X_train": np.ascontiguousarray(X_train, dtype=np.float32),
        "y_train": np.asarray(y_train, dtype=np.int64),
        "X_test": np.ascontiguousarray(X_test, dtype=np.float32),
        "y_test": np.asarray(ds.y_test, dtype=np.int64),
    }


def prepare_data(cfg: dict[str, Any], root: Path, cache: dict[str, Any]) -> Path:
    """Write the case's arrays and initial weights as .npy/.npz for the workers."""
    key = f"{cfg['data']}-{'-'.join(map(str, cfg['arch']))}"
    if key in cache:
        return cache[key]
    data = teacher_data(60000, 10000) if cfg["data"] == "teacher" else load_named(cfg["data"])
    d = root / key
    d.mkdir(parents=True)
    for k, v in data.items():
        np.save(d / f"{k}.npy", v)
    np.savez(d / "init.npz", **initial_weights(cfg["arch"], seed=7))
    cache[key] = d
    cache[key + ":n"] = {k: int(v.shape[0]) for k, v in data.items()}
    cache[key + ":mib"] = sum(v.nbytes for v in data.values()) / 2**20
    return d


# ----------------------------------------------------------------------------- one case
def run_case(
    cfg: dict[str, Any],
    names: list[str],
    args: argparse.Namespace,
    root: Path,
    cache: dict[str, Any],
    log_dir: Path,
) -> dict[str, Any]:
    data_dir = prepare_data(cfg, root, cache)
    key = data_dir.name
    n_train = cache[key + ":n"]["X_train"]
    train_n = min(cfg["train_n"] or n_train, n_train)
    env = harness.thread_env(args.threads)
    result: dict[str, Any] = {
        **{
            k: cfg[k]
            for k in (
                "case_id",
                "case",
                "title",
                "arch",
                "batch",
                "dropout",
                "unit",
                "warmup",
                "units",
                "reference",
            )
        },
        "train_n": train_n,
        "test_n": cache[key + ":n"]["X_test"],
        "data_mib": round(cache[key + ":mib"], 1),
        "contenders": {},
    }
    print(f"\n== {cfg['title']}", flush=True)
    t_case = time.perf_counter()
    workers: dict[str, harness.Worker] = {}
    try:
        for name in names:
            c = CONTENDERS[name]
            spec = {
                **cfg,
                **c,
                "train_n": train_n,
                "lr": 1e-3,
                "threads": args.threads,
                "shuffle": cfg["unit"] == "epoch",
                "validation": cfg["unit"] == "epoch",
            }
            spec.pop("contenders")
            harness.wait_quiet(args.quiet_threshold, args.max_wait)
            w = harness.Worker(name, spec, str(data_dir), env, log_dir)
            t0 = time.perf_counter()
            warm = w.request({"cmd": "run", "units": cfg["warmup"]})
            warm["total_s"] = time.perf_counter() - t0
            workers[name] = w
            result["contenders"][name] = {
                "label": c["label"],
                "framework": c["framework"],
                "info": w.setup["info"],
                "setup_s": w.setup["setup_s"],
                "warmup": warm,
                "rounds": [],
            }
            print(
                f"  {name:<13} ready: setup {w.setup['setup_s']:.1f} s, warm-up "
                f"{cfg['warmup']} {cfg['unit']}(s) {warm['wall_s']:.2f} s",
                flush=True,
            )
        order = list(workers)
        for r in range(args.rounds):
            k = r % len(order)
            line = []
            for name in order[k:] + order[:k]:
                seg = None
                for attempt in range(args.max_retries + 1):
                    quiet = harness.wait_quiet(args.quiet_threshold, args.max_wait)
                    seg = workers[name].request({"cmd": "run", "units": cfg["units"]})
                    # other processes' CPU time during the segment, with 2 clock ticks of slack
                    # for the tick resolution of short segments
                    limit = max(args.foreign_limit * seg["wall_s"] * seg["hz"], 2)
                    seg.update(
                        round=r + 1,
                        attempt=attempt,
                        waited_s=quiet["waited_s"],
                        contaminated=seg["foreign_ticks"] > limit,
                    )
                    if not seg["contaminated"]:
                        break
                seg["rate"] = seg["samples"] / seg["wall_s"]
                result["contenders"][name]["rounds"].append(seg)
                flag = "*" if seg["contaminated"] else ""
                line.append(f"{name} {harness.fmt_rate(seg['rate'])}{flag}")
            print(f"  round {r + 1}/{args.rounds}: " + "  ".join(line), flush=True)
        for name, w in workers.items():
            fin = w.request({"cmd": "finish"})
            fin.pop("ok", None)
            result["contenders"][name]["finish"] = fin
        ref = "glassnet" if "glassnet" in workers else None
        if ref and cfg["case"] in ("1", "2", "4") and args.profile_steps > 0:
            harness.wait_quiet(args.quiet_threshold, args.max_wait)
            print("  profiling glassnet's train step ...", flush=True)
            steps = args.profile_steps if cfg["case"] == "1" else args.profile_steps * 20
            for attempt in range(args.max_retries + 1):
                harness.wait_quiet(args.quiet_threshold, args.max_wait)
                prof = workers[ref].request({"cmd": "profile", "steps": steps})
                limit = max(args.foreign_limit * prof["wall_s"] * prof["hz"], 2)
                if prof["foreign_ticks"] <= limit:
                    break
                print(f"  (profile disturbed by other processes, again: {attempt + 1})")
            result["profile"] = {
                **prof["profile"],
                "attempt": attempt,
                "foreign_cores": prof["foreign_cores"],
                "disturbed": prof["foreign_ticks"] > limit,
            }
    finally:
        for w in workers.values():
            w.close()
    result["elapsed_s"] = time.perf_counter() - t_case
    result["waited_s"] = sum(
        s["waited_s"] for c in result["contenders"].values() for s in c["rounds"]
    )
    summarize_case(result)
    print(
        f"  ({result['elapsed_s']:.0f} s, of which {result['waited_s']:.0f} s waiting for an "
        "idle machine)",
        flush=True,
    )
    return result


def summarize_case(res: dict[str, Any]) -> None:
    ref = res["reference"]
    ref_rounds = res["contenders"].get(ref, {}).get("rounds", [])
    for name, c in res["contenders"].items():
        rounds = c["rounds"]
        if not rounds:
            continue
        # rounds disturbed by other processes (still, after the re-runs) are left out when
        # at least half of the rounds are clean; otherwise all count and the row says so
        clean = [s for s in rounds if not s["contaminated"]]
        used = clean if 2 * len(clean) >= len(rounds) else rounds
        rates = [s["rate"] for s in used]
        st: dict[str, Any] = {
            "median": statistics.median(rates),
            "min": min(rates),
            "max": max(rates),
            "first": rates[0],
            "last": rates[-1],
            "drift": rates[-1] / rates[0],
            "rounds_used": len(used),
            "own_cores": statistics.median(s["own_cores"] for s in used),
            "sys_frac": statistics.median(s.get("sys_frac", 0.0) for s in used),
            "faults_per_unit": statistics.median(
                s.get("minor_faults", 0) / res["units"] for s in used
            ),
            "max_foreign_cores": max(s["foreign_cores"] for s in rounds),
            "contaminated_rounds": len(rounds) - len(clean),
            "noisy_rounds_included": len(used) - len([s for s in used if not s["contaminated"]]),
            "retries": sum(s["attempt"] for s in rounds),
        }
        if len(rates) >= 4:
            q = statistics.quantiles(rates, n=4)
            st["iqr"] = [q[0], q[2]]
        if ref_rounds and name != ref:
            pairs = [(a, b) for a, b in zip(ref_rounds, rounds, strict=False)]
            good = [(a, b) for a, b in pairs if not (a["contaminated"] or b["contaminated"])]
            ratios = [
                a["rate"] / b["rate"] for a, b in (good if 2 * len(good) >= len(pairs) else pairs)
            ]
            st["ratio"] = statistics.median(ratios)
            st["ratio_min"], st["ratio_max"] = min(ratios), max(ratios)
        if res["case"] == "1":
            st["mfu_flops"] = 6 * n_weights(res["arch"]) * st["median"]
        phases = [s["phases"] for s in c["rounds"] if s.get("phases")]
        if phases:
            steps = res["units"]
            st["phases_ms_per_step"] = [{k: v / steps * 1e3 for k, v in p.items()} for p in phases]
        c["stats"] = st


# ----------------------------------------------------------------------------- report
def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    cases = {c["case_id"]: c for c in results["cases"]}
    out = []

    def ratio(case_id: str, name: str) -> float | None:
        c = cases.get(case_id, {}).get("contenders", {}).get(name)
        return c["stats"].get("ratio") if c and "stats" in c else None

    def add(what: str, value: float | None, goal: float, unit: str = "×") -> None:
        if value is None:
            return
        out.append(
            {"target": what, "measured": value, "goal": goal, "unit": unit, "met": value >= goal}
        )

    def pair(case_id: str, a: str, b: str) -> float | None:
        """Median over rounds of a's samples/s ÷ b's (the rounds both ran clean, if half)."""
        c = cases.get(case_id, {}).get("contenders", {})
        ra, rb = c.get(a, {}).get("rounds"), c.get(b, {}).get("rounds")
        if not ra or not rb:
            return None
        pairs = list(zip(ra, rb, strict=False))
        good = [(x, y) for x, y in pairs if not (x["contaminated"] or y["contaminated"])]
        return statistics.median(
            x["rate"] / y["rate"] for x, y in (good if 2 * len(good) >= len(pairs) else pairs)
        )

    # issue 12: the step loop and fit against JAX-jit and PyTorch with fused Adam
    for cid in ("1-b128", "1-b512", "2", "4", "3"):
        loops = ("glassnet-fit",) if cid == "3" else ("glassnet", "glassnet-fit")
        for mine in loops:
            what = "fit" if mine == "glassnet-fit" else "step loop"
            add(f"case {cid}: glassnet {what} ÷ JAX-jit ≥ 1", pair(cid, mine, "jax"), 1.0)
        add(
            f"case {cid}: glassnet {'fit' if cid == '3' else 'step loop'} ÷ PyTorch fused Adam ≥ 1",
            pair(cid, loops[0], "torch-fused"),
            1.0,
        )
        if cid != "3":
            add(
                f"case {cid}: fit ÷ bare step loop ≥ 0.95",
                pair(cid, "glassnet-fit", "glassnet"),
                0.95,
            )
    for cid, c in cases.items():
        ref = c["contenders"].get(c["reference"], {}).get("finish")
        tor = c["contenders"].get("torch", {}).get("finish")
        if ref and tor:
            add(
                f"case {cid}: peak RSS PyTorch ÷ glassnet ≥ 2 (≤ 0.5× PyTorch's)",
                tor["peak_rss_mib"] / ref["peak_rss_mib"],
                2.0,
            )
    cold = {c["command"]: c["median_s"] for c in results.get("cold_start", [])}
    gi, ti = cold.get('python -c "import glassnet"'), cold.get('python -c "import torch"')
    if gi and ti:
        add("import torch ÷ import glassnet ≥ 5 (wall time of fresh processes)", ti / gi, 5.0)
    b512 = cases.get("1-b512", {}).get("contenders", {}).get("glassnet")
    if b512 and results.get("gemm_gflops"):
        add(
            "case 1-b512: glassnet model FLOP utilisation ≥ 75% of the GEMM peak",
            100 * b512["stats"]["mfu_flops"] / (results["gemm_gflops"] * 1e9),
            75.0,
            "%",
        )
    adam = (cases.get("1-b128", {}).get("profile") or {}).get("phases", {}).get("optimizer_s")
    if adam:  # lower is better: stated as 0.3 ms ÷ measured ≥ 1
        add(
            f"Adam step for 670k parameters ≤ 0.3 ms (measured {adam * 1e3:.3f} ms)",
            3e-4 / adam,
            1.0,
        )
    return out


def ratio_cell(name: str, ref: str, st: dict[str, Any]) -> str:
    if name == ref:
        return "ref"
    if "ratio" not in st:
        return "—"
    return f"{harness.fmt_ratio(st['ratio'])} ({st['ratio_min']:.2f}–{st['ratio_max']:.2f})"


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    L: list[str] = []
    quick = " (QUICK smoke run)" if results["quick"] else ""
    L.append(f"# glassnet benchmark — {results['date']}{quick}")
    L.append("")
    caches = ", ".join(f"{k} {v}" for k, v in m["caches"].items())
    L.append(
        f"**Machine:** {m['cpu']}, {m['cores']} cores ({m['schedulable_cpus']} schedulable), "
        f"{m['memory_gib']} GiB; {caches}; {m['os']}; Python {m['python']}.  "
    )
    vers = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    L.append(
        f"**Versions:** glassnet {m['git'].get('commit', '?')}"
        f"{' (+ uncommitted glassnet changes)' if m['git'].get('glassnet_dirty') else ''}, "
        f"{vers}.  "
    )
    L.append(f"**BLAS:** {results.get('blas_summary', '?')}.  ")
    env = m["env"]
    L.append(
        "**Environment:** "
        + ", ".join(f"`{k}`={'`' + env[k] + '`' if env[k] else 'unset'}" for k in env)
        + ".  "
    )
    s = results["settings"]
    L.append(
        f"**Method:** {s['threads']} threads for every library; {s['rounds']} interleaved "
        f"rounds (rotating order), each contender in its own process, every round after the "
        f"machine was idle; segments during which other processes used more than "
        f"{s['foreign_limit']} core were re-run (up to {s['max_retries']}×). Samples/s is "
        f"the median over rounds, spread is min–max; ratio = glassnet ÷ contender, the "
        f"median of per-round ratios (> 1: glassnet faster). Rounds still disturbed after the "
        f"re-runs are left out (the spread column says how many rounds count)."
    )
    L.append("")
    L.append("## Throughput, memory, accuracy")
    L.append("")
    header = [
        "case",
        "contender",
        "samples/s",
        "min–max",
        "glassnet ÷",
        "last ÷ first round",
        "cores used (kernel share)",
        "peak RSS MiB",
        "test acc",
    ]
    rows = []
    for c in results["cases"]:
        for name, cc in c["contenders"].items():
            st, fin = cc.get("stats"), cc.get("finish", {})
            if not st:
                continue
            flag = ""
            if st["noisy_rounds_included"]:
                flag = f" ({st['noisy_rounds_included']} noisy rounds included)"
            elif st["contaminated_rounds"]:
                flag = f" ({st['rounds_used']} of {len(cc['rounds'])} rounds)"
            note = ""
            if cc["info"].get("fit_standin"):
                note = " †"
            if c["dropout"] and cc["framework"] == "sklearn":
                note += " ‡"
            rows.append(
                [
                    c["case_id"],
                    f"{name}{note}",
                    harness.fmt_rate(st["median"]),
                    f"{harness.fmt_rate(st['min'])}–{harness.fmt_rate(st['max'])}{flag}",
                    ratio_cell(name, c["reference"], st),
                    f"{st['drift']:.2f}",
                    f"{st['own_cores']:.2f} ({100 * st['sys_frac']:.0f}%)",
                    f"{fin.get('peak_rss_mib', float('nan')):.0f}",
                    f"{100 * fin.get('test_accuracy', float('nan')):.1f}%",
                ]
            )
    L.append(harness.md_table(header, rows, "llrrrrrrr"))
    L.append("")
    L.append(
        "Contenders: "
        + "; ".join(f"**{k}** = {v['label']}" for k, v in CONTENDERS.items())
        + ". In case 3 the reference is `glassnet-fit`; in cases 1–2 the `glassnet-fit` row's "
        "ratio shows the cost of `fit` over the bare step loop."
    )
    if any(
        cc["info"].get("fit_standin") for c in results["cases"] for cc in c["contenders"].values()
    ):
        L.append("† glassnet.train was not available: `fit` is the benchmark's STAND-IN loop.")
    if any(c["dropout"] for c in results["cases"]):
        L.append("‡ scikit-learn has no dropout: it trains case 3's network without it.")
    L.append("")
    for c in results["cases"]:
        L.append(
            f"- **{c['case_id']}**: {c['title']}; {c['units']} {c['unit']}(s) per round after "
            f"{c['warmup']} warm-up {c['unit']}(s); {c['train_n']} training samples; data "
            f"{c['data_mib']} MiB in every process."
        )
    L.append("")
    t = results.get("targets", [])
    if t:
        L.append("## Targets of issue 12")
        L.append("")
        L.append(
            harness.md_table(
                ["target", "measured", "status"],
                [
                    [
                        x["target"],
                        f"{x['measured']:.2f}{x['unit']}",
                        "met" if x["met"] else "**not met**",
                    ]
                    for x in t
                ],
                "lrl",
            )
        )
        L.append("")
    gg = results.get("gemm_gflops")
    mfu_rows = []
    for c in results["cases"]:
        if c["case"] != "1" or not gg:
            continue
        for name, cc in c["contenders"].items():
            if "stats" in cc:
                mfu_rows.append(
                    [
                        c["case_id"],
                        name,
                        f"{cc['stats']['mfu_flops'] / 1e9:.1f}",
                        f"{100 * cc['stats']['mfu_flops'] / (gg * 1e9):.0f}%",
                    ]
                )
    if mfu_rows:
        L.append("## Model FLOP utilisation (case 1)")
        L.append("")
        L.append(
            f"6 × {n_weights(CASE1_ARCH):,} weights × samples/s ÷ {gg:.1f} GFLOP/s (median "
            f"float32 `np.matmul` of 2048×2048, {results['settings']['threads']} threads)."
        )
        L.append("")
        L.append(harness.md_table(["case", "contender", "model GFLOP/s", "MFU"], mfu_rows, "llrr"))
        L.append("")
    pf_rows = []
    for c in results["cases"]:
        if c["unit"] != "step":
            continue
        for name, cc in c["contenders"].items():
            st = cc.get("stats")
            if st:
                pf_rows.append(
                    [
                        c["case_id"],
                        name,
                        f"{st['faults_per_unit']:,.0f}",
                        f"{100 * st['sys_frac']:.0f}%",
                    ]
                )
    if pf_rows:
        L.append("## Page faults and kernel time (cases 1–2)")
        L.append("")
        L.append(
            "Minor page faults per train step and the share of the contender's CPU time spent in "
            "the kernel, medians over rounds. Thousands of faults per step mean the step's "
            "temporaries are freshly mapped (and zeroed) memory every time: glibc returns large "
            "freed blocks to the system and the next step faults them in again."
        )
        L.append("")
        L.append(
            harness.md_table(["case", "contender", "faults/step", "kernel share"], pf_rows, "llrr")
        )
        L.append("")
    profs = [(c["case_id"], c["profile"]) for c in results["cases"] if c.get("profile")]
    if profs:
        L.append("## Where glassnet's train step spends its time")
        L.append("")
        L.append(
            "Median per step, measured after the timed rounds (late Adam state). GEMM = the "
            "step's matrix products alone on the same operands; one pass = `c = a + b` over "
            "the flat parameter vector."
        )
        L.append("")
        rows = []
        for cid, p in profs:
            ph = p["phases"]
            sub = p["subnormal"]
            rows.append(
                [
                    cid,
                    f"{ph['step_s'] * 1e3:.3f}",
                    f"{ph['forward_s'] * 1e3:.3f}",
                    f"{ph['loss_backward_s'] * 1e3:.3f}",
                    f"{ph['optimizer_s'] * 1e3:.3f}",
                    f"{100 * ph['optimizer_s'] / ph['step_s']:.0f}%",
                    f"{p['gemm']['total_s'] * 1e3:.3f}",
                    f"{100 * p['gemm_frac_of_forward_backward']:.0f}%",
                    f"{p['optimizer_passes']:.1f}",
                    f"{sub['adam_step_s'] * 1e3:.3f} / {sub['adam_step_flushed_s'] * 1e3:.3f}",
                ]
            )
        L.append(
            harness.md_table(
                [
                    "case",
                    "step ms",
                    "forward",
                    "loss+backward",
                    "Adam",
                    "Adam share",
                    "GEMM alone",
                    "GEMM ÷ fwd+bwd",
                    "Adam in passes",
                    "Adam with / without subnormals ms",
                ],
                rows,
                "lrrrrrrrrr",
            )
        )
        L.append("")
        for cid, p in profs:
            L.append(f"<details><summary>cProfile, case {cid} (own time per step)</summary>")
            L.append("")
            L.append(
                harness.md_table(
                    ["function", "calls/step", "own µs/step", "cumulative µs/step", "own share"],
                    [
                        [
                            f"`{r['function']}`",
                            f"{r['calls_per_step']:.1f}",
                            f"{r['own_us_per_step']:.1f}",
                            f"{r['cum_us_per_step']:.1f}",
                            f"{100 * r['own_frac']:.0f}%",
                        ]
                        for r in p["cprofile"]
                    ],
                    "lrrrr",
                )
            )
            L.append("")
            L.append(
                harness.md_table(
                    ["matrix product", "shape", "µs", "GFLOP/s"],
                    [
                        [r["op"], r["shape"], f"{r['seconds'] * 1e6:.0f}", f"{r['gflops']:.1f}"]
                        for r in p["gemm"]["ops"]
                    ],
                    "llrr",
                )
            )
            L.append("")
            L.append("</details>")
            L.append("")
    sub_rows = []
    for c in results["cases"]:
        if c["case"] != "1":
            continue
        for name, cc in c["contenders"].items():
            fin = cc.get("finish", {})
            ad = fin.get("adam")
            st = cc.get("stats")
            if not ad or not st:
                continue
            ph = st.get("phases_ms_per_step")
            phs = (
                (
                    f"{ph[0]['forward_backward']:.2f}+{ph[0]['optimizer']:.2f} → "
                    f"{ph[-1]['forward_backward']:.2f}+{ph[-1]['optimizer']:.2f}"
                )
                if ph
                else ""
            )
            total_steps = c["warmup"] + sum(1 for _ in cc["rounds"]) * c["units"]
            sub_rows.append(
                [
                    c["case_id"],
                    name,
                    str(total_steps),
                    f"{100 * ad['m']['subnormal_frac']:.3f}%",
                    f"{100 * ad['v']['subnormal_frac']:.3f}%",
                    f"{st['first']:,.0f} → {st['last']:,.0f}",
                    phs,
                ]
            )
    if sub_rows:
        L.append("## Subnormals (case 1)")
        L.append("")
        L.append(
            "Share of subnormal float32 entries in Adam's m and v after the run, and the "
            "first and last round's samples/s (glassnet: fwd+bwd ms + Adam ms per step, "
            "first → last round). Subnormals cost most where a unit stopped firing: its "
            "gradient is exactly 0 and m decays by β₁ each step into the subnormal range."
        )
        L.append("")
        L.append(
            harness.md_table(
                [
                    "case",
                    "contender",
                    "steps",
                    "m subnormal",
                    "v subnormal",
                    "samples/s first → last",
                    "glassnet ms/step first → last",
                ],
                sub_rows,
                "llrrrrr",
            )
        )
        ftz = []
        for c in results["cases"]:
            cs = c["contenders"]
            if (
                c["case"] == "1"
                and "stats" in cs.get("torch", {})
                and "stats" in cs.get("torch-ftz", {})
            ):
                r = cs["torch-ftz"]["stats"]["median"] / cs["torch"]["stats"]["median"]
                ftz.append(f"{c['case_id']} {r:.2f}×")
        if ftz:
            L.append("")
            L.append(
                "PyTorch with flushed denormals ÷ without (samples/s): " + ", ".join(ftz) + "."
            )
        L.append("")
    cold = results.get("cold_start")
    if cold:
        L.append("## Cold start")
        L.append("")
        base = {c["command"]: c["median_s"] for c in cold}.get('python -c "import torch"')
        L.append(
            harness.md_table(
                ["command", "median s", "min–max s", "import torch ÷ this"],
                [
                    [
                        f"`{c['command']}`",
                        f"{c['median_s']:.3f}",
                        f"{c['min_s']:.3f}–{c['max_s']:.3f}",
                        f"{base / c['median_s']:.1f}×" if base else "—",
                    ]
                    for c in cold
                ],
                "lrrr",
            )
        )
        L.append("")
        L.append(
            f"Fresh processes, interleaved, {len(cold[0]['runs'])} runs each after one "
            "untimed run (files in the page cache)."
        )
        L.append("")
    gem = results.get("gemm")
    if gem:
        L.append("## float32 GEMM")
        L.append("")
        rows = []
        for g in gem:
            if "error" in g:
                rows.append([g["label"], "error", "", "", ""])
                continue
            step = g.get("step_gemm_s", {})
            rows.append(
                [
                    g["label"],
                    g["blas"],
                    f"{g['median_gflops']:.1f}",
                    f"{g['best_gflops']:.1f}",
                    ", ".join(f"{k}: {v * 1e3:.2f} ms" for k, v in step.items()),
                ]
            )
        L.append(
            harness.md_table(
                ["variant", "BLAS", "2048² GFLOP/s (median)", "best", "case-1 step's 8 products"],
                rows,
                "llrrl",
            )
        )
        L.append("")
    return "\n".join(L) + "\n"


def update_readme(md: str) -> None:
    if not README.exists():
        return
    text = README.read_text()
    if README_BEGIN not in text or README_END not in text:
        return
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    body = md.replace("# glassnet benchmark — ", "### Latest results — ", 1)
    body = body.replace("\n## ", "\n#### ")
    harness.write_atomic(README, f"{head}{README_BEGIN}\n{body}{README_END}{tail}")


# ----------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Train the same MLPs with glassnet, PyTorch, JAX and scikit-learn, "
        "interleaved, and report samples/s, ratios, peak RSS and cold start."
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="few steps and a small case 3, for a smoke run (writes results/quick.*)",
    )
    p.add_argument("--cases", default="1,2,3,4", help="comma-separated cases (default 1,2,3,4)")
    p.add_argument(
        "--rounds", type=int, default=None, help="interleaved rounds (default 5; quick 2)"
    )
    p.add_argument(
        "--skip",
        default="",
        help="contenders or frameworks to leave out, e.g. jax,sklearn or torch-ftz",
    )
    p.add_argument("--threads", type=int, default=2, help="threads for every library (default 2)")
    p.add_argument("--cold-runs", type=int, default=None, help="fresh processes per command (7)")
    p.add_argument("--no-cold", action="store_true", help="skip the cold-start measurement")
    p.add_argument("--no-gemm", action="store_true", help="skip the GEMM measurement")
    p.add_argument(
        "--profile-steps",
        type=int,
        default=None,
        help="steps of glassnet's step profile in case 1 (default 60, quick 10; 0: off)",
    )
    p.add_argument(
        "--out", default=None, help="output stem (default results/latest or results/quick)"
    )
    p.add_argument(
        "--quiet-threshold",
        type=float,
        default=0.15,
        help="busy cores below which the machine counts as idle before a segment",
    )
    p.add_argument(
        "--foreign-limit",
        type=float,
        default=0.03,
        help="re-run a segment when other processes used more than this many cores "
        "(on average over the segment; default 0.03)",
    )
    p.add_argument(
        "--max-retries",
        type=int,
        default=None,
        help="re-runs of a noisy segment (default 4; quick 1)",
    )
    p.add_argument(
        "--max-wait",
        type=float,
        default=None,
        help="longest wait for an idle machine before a segment (s; default 120, quick 5)",
    )
    args = p.parse_args(argv)
    if args.max_retries is None:
        args.max_retries = 1 if args.quick else 4
    if args.max_wait is None:
        args.max_wait = 5.0 if args.quick else 120.0
    args.rounds = args.rounds or (2 if args.quick else 5)
    args.cold_runs = args.cold_runs or (3 if args.quick else 7)
    if args.profile_steps is None:
        args.profile_steps = 10 if args.quick else 60
    return args


def available(names: list[str], skip: set[str]) -> tuple[list[str], dict[str, str]]:
    keep, skipped = [], {}
    for n in names:
        fw = CONTENDERS[n]["framework"]
        if n in skip or fw in skip:
            skipped[n] = "skipped with --skip"
        elif importlib.util.find_spec(REQUIRES[fw]) is None:
            hint = "pip install jax jaxlib optax" if fw == "jax" else "pip install -e '.[bench]'"
            skipped[n] = f"{REQUIRES[fw]} is not installed ({hint})"
        else:
            keep.append(n)
    return keep, skipped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = {c.strip() for c in args.cases.split(",") if c.strip()}
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - set(CONTENDERS) - {c["framework"] for c in CONTENDERS.values()}
    if unknown:
        print(f"run.py: unknown --skip entries {sorted(unknown)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": harness.machine_info(args.threads),
        "settings": {
            k: getattr(args, k)
            for k in (
                "rounds",
                "threads",
                "foreign_limit",
                "max_retries",
                "quiet_threshold",
                "max_wait",
                "cold_runs",
                "profile_steps",
            )
        },
        "contenders": CONTENDERS,
        "cases": [],
        "skipped": {},
    }
    print(
        f"glassnet benchmark on {results['machine']['cpu']} "
        f"({results['machine']['cores']} cores), {args.threads} threads, {args.rounds} rounds"
        f"{', QUICK' if args.quick else ''}"
    )
    env_set = {k: v for k, v in results["machine"]["env"].items() if v}
    print(
        "environment: "
        + (
            ", ".join(f"{k}={v}" for k, v in env_set.items())
            or "no BLAS/thread variables set (OPENBLAS_CORETYPE unset)"
        )
    )
    if not args.no_gemm:
        print("measuring float32 GEMM rates ...", flush=True)
        harness.wait_quiet(args.quiet_threshold, args.max_wait)
        variants = [("NumPy (default)", "numpy", {})]
        if not args.quick:
            variants += [
                ("NumPy, OPENBLAS_CORETYPE=Haswell", "numpy", {"OPENBLAS_CORETYPE": "Haswell"}),
                ("NumPy, OPENBLAS_CORETYPE=Zen", "numpy", {"OPENBLAS_CORETYPE": "Zen"}),
            ]
        if importlib.util.find_spec("torch") and "torch" not in skip:
            variants.append(("PyTorch matmul", "torch", {}))
        shapes = harness.case1_gemm_shapes(CASE1_ARCH, [128, 512])
        results["gemm"] = harness.gemm_rates(
            args.threads,
            2048,
            5 if args.quick else 15,
            shapes,
            variants,
            rounds=1 if args.quick else 3,
            before=lambda: harness.wait_quiet(args.quiet_threshold, args.max_wait),
            foreign_limit=args.foreign_limit,
            retries=args.max_retries,
        )
        ok = [g for g in results["gemm"] if "error" not in g]
        if ok:
            results["gemm_gflops"] = ok[0]["median_gflops"]
            results["blas_summary"] = ok[0]["blas"]
        for g in results["gemm"]:
            print(
                f"  {g['label']:<34} "
                + (
                    f"{g['median_gflops']:.1f} GFLOP/s ({g['blas']})"
                    if "error" not in g
                    else f"error: {g['error']}"
                )
            )
    with tempfile.TemporaryDirectory(prefix="glassnet-bench-") as tmp:
        root = Path(tmp)
        log_dir = root / "logs"
        log_dir.mkdir()
        cache: dict[str, Any] = {}
        for cfg in case_configs(args.quick):
            if cfg["case"] not in wanted:
                continue
            names, skipped = available(cfg["contenders"], skip)
            for n, why in skipped.items():
                if n not in results["skipped"]:
                    print(f"skipping {n}: {why}")
                results["skipped"][n] = why
            if cfg["reference"] not in names:
                print(
                    f"skipping case {cfg['case_id']}: its reference {cfg['reference']} is skipped"
                )
                continue
            try:
                res = run_case(cfg, names, args, root, cache, log_dir)
            except harness.WorkerError as exc:
                print(f"case {cfg['case_id']} failed: {exc}", file=sys.stderr)
                results["cases"].append({"case_id": cfg["case_id"], "error": str(exc)})
                continue
            except Exception as exc:  # a data set that is not installed, etc.
                print(
                    f"case {cfg['case_id']} skipped: {type(exc).__name__}: {exc}", file=sys.stderr
                )
                results["skipped"][f"case {cfg['case_id']}"] = f"{type(exc).__name__}: {exc}"
                continue
            results["cases"].append(res)
    ok_cases = [c for c in results["cases"] if "error" not in c]
    failed = [c for c in results["cases"] if "error" in c]
    results["cases"] = ok_cases
    results["failed_cases"] = failed
    if not args.no_cold:
        print("\nmeasuring cold start ...", flush=True)
        harness.wait_quiet(args.quiet_threshold, args.max_wait)
        results["cold_start"] = harness.cold_start(args.cold_runs, harness.thread_env(args.threads))
    results["targets"] = targets(results)
    results["elapsed_s"] = time.perf_counter() - started
    md = render(results)
    stem = Path(args.out) if args.out else RESULTS / ("quick" if args.quick else "latest")
    harness.write_atomic(stem.with_suffix(".md"), md)
    harness.write_atomic(
        stem.with_suffix(".json"), json.dumps(results, indent=1, default=str) + "\n"
    )
    if not args.quick and not args.out:
        update_readme(md)
    print()
    print(md)
    print(
        f"wrote {stem.with_suffix('.md')} and {stem.with_suffix('.json')} "
        f"in {results['elapsed_s'] / 60:.1f} min"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
