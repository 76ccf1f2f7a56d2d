"""Running a sweep's trials: each one a ``glassnet train`` run directory under
``<sweep dir>/trials/trial-NNNN``; ``--jobs N`` worker processes share the study.

A trial reports its per-epoch validation metric to Optuna from a fit callback
(:class:`PruningCallback`); when the pruner says so the run stops after that epoch, keeps
its run directory (config, checkpoint, model, history) and the trial is PRUNED. Each
worker asks the study for trials until it holds ``trials`` finished ones (complete or
pruned; running ones count, failed ones do not); a trial whose worker died is FAILED and
queued again with the same parameters (:func:`glassnet.sweep.study.requeue`), and a queued
trial is always taken before the counts are looked at; counting
and creating a trial happen under a lock (:class:`~glassnet.sweep.study.CreationLock`), so
workers never start more than ``trials`` between them.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError, GlassnetError
from glassnet.sweep.space import SweepSpec
from glassnet.train.callbacks.base import Callback, measured_names, require_monitor

#: a worker gives up after this many trials in a row that failed
MAX_FAILURES_IN_A_ROW = 3
#: how often a worker with nothing to run looks again at the other workers' trials
POLL_SECONDS = 0.5


def trial_dir(sweep_dir: str | os.PathLike[str], number: int) -> Path:
    """The run directory of trial ``number``."""
    return Path(sweep_dir) / "trials" / f"trial-{number:04d}"


def log_file(sweep_dir: str | os.PathLike[str], number: int) -> Path:
    """What trial ``number``'s ``glassnet train`` printed (its test result, errors)."""
    return Path(sweep_dir) / "logs" / f"trial-{number:04d}.log"


class PruningCallback(Callback):
    """Reports ``metric`` after every epoch to an Optuna trial; stops the run when it is
    to be pruned. ``values`` keeps the reported curve."""

    order = 50  # after the loggers (0) wrote the epoch, before the checkpoint (100)

    def __init__(self, trial: Any, metric: str) -> None:
        self.trial = trial
        self.metric = metric
        self.values: list[float] = []
        self.pruned_at: int | None = None

    def on_train_begin(self, run: Any) -> None:
        if self.metric not in measured_names(run):
            raise ConfigError(f"sweep: metric {self.metric!r} is not measured by this run; "
                              f"it measures {', '.join(measured_names(run))}.")

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        value = require_monitor("sweep", self.metric, logs)
        self.values.append(value)
        if not math.isfinite(value):
            return
        self.trial.report(value, epoch)
        if self.trial.should_prune():
            self.pruned_at = epoch
            run.stop_training = True
            run.stop_reason = f"pruned by the sweep after epoch {epoch}"


def _trial_value(spec: SweepSpec, values: list[float], early_stopping: bool) -> float:
    """The last epoch's metric, or with early stopping the best epoch's (whose weights the
    run's model keeps)."""
    if not values:
        return float("nan")
    if not early_stopping:
        return values[-1]
    return (min if spec.direction == "minimize" else max)(values)


def make_objective(spec: SweepSpec, sweep_dir: Path, worker: dict[str, Any],
                   lock: Any = None) -> Callable[[Any], float]:
    """The Optuna objective: run one trial as ``glassnet train`` and return its metric
    (a run that diverged returns the worst value, ±inf, and keeps the reason in its
    ``diverged`` attribute).
    ``lock`` (a held :class:`~glassnet.sweep.study.CreationLock`) is released first: the
    trial exists now, other workers may count it."""

    def objective(trial: Any) -> float:
        import optuna

        if lock is not None:
            lock.release()

        from glassnet.sweep.trial import suggest_all, trial_config
        from glassnet.train.runs import train_run

        trial.set_user_attr("worker", worker)
        cfg = trial_config(spec, suggest_all(trial, spec))
        out = trial_dir(sweep_dir, trial.number)
        trial.set_user_attr("run_dir", str(out.relative_to(sweep_dir)))
        cb = PruningCallback(trial, spec.metric)
        log = log_file(sweep_dir, trial.number)
        log.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(log, "w", encoding="utf-8") as fh, contextlib.redirect_stdout(fh), \
                    contextlib.redirect_stderr(fh):
                code = train_run(None, cfg, out=out, callbacks=[cb])
        except GlassnetError as exc:
            trial.set_user_attr("error", str(exc))
            print(f"glassnet sweep: trial {trial.number} failed: {exc}", file=sys.stderr)
            raise
        trial.set_user_attr("curve", [v if math.isfinite(v) else None for v in cb.values])
        trial.set_user_attr("epochs", len(cb.values))
        if code == 130:  # Ctrl-C: this trial is FAILED, a copy waits for --resume
            from glassnet.sweep.study import requeue

            trial.set_user_attr("error", "interrupted (Ctrl-C)")
            requeue(trial.study, trial.study._storage.get_trial(trial._trial_id))
            raise KeyboardInterrupt
        if code == 1:  # diverged (non-finite loss): a result, the worst value there is
            last = log.read_text(encoding="utf-8").strip().splitlines()[-1:] or ["diverged"]
            trial.set_user_attr("diverged", last[0])
            return math.inf if spec.direction == "minimize" else -math.inf
        if code != 0:
            raise ConfigError(f"trial {trial.number}: glassnet train exited with {code}; see "
                              f"{log}")
        if cb.pruned_at is not None:
            trial.set_user_attr("pruned_at", cb.pruned_at)
            raise optuna.TrialPruned(f"pruned after epoch {cb.pruned_at}")
        return _trial_value(spec, cb.values, bool(cfg.get("early_stopping")))

    return objective


def counts(study: Any) -> dict[str, Any]:
    """Trials by state and the best value so far."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    n = {s: sum(t.state == s for t in trials) for s in TrialState}
    done = [t.value for t in trials if t.state == TrialState.COMPLETE and t.value is not None]
    pick = min if study.direction.name == "MINIMIZE" else max
    return {"complete": n[TrialState.COMPLETE], "pruned": n[TrialState.PRUNED],
            "failed": n[TrialState.FAIL], "running": n[TrialState.RUNNING],
            "waiting": n[TrialState.WAITING], "best": pick(done) if done else None}


def _grid_done(study: Any) -> bool:
    is_exhausted = getattr(study.sampler, "is_exhausted", None)
    return bool(is_exhausted is not None and is_exhausted(study))


def wanted_trials(spec: SweepSpec) -> int:
    """How many finished trials the study wants: ``trials``, and for the grid sampler no
    more than the grid has points (a further trial would repeat a point)."""
    if spec.sampler != "grid":
        return spec.trials
    size = 1
    for p in spec.params:
        size *= len(p.grid(spec.source))
    return min(spec.trials, size)


def _next_step(study: Any, wanted: int) -> str:
    """``"run"`` a trial (a queued one first), ``"wait"`` for others' running trials (one
    may die and be queued again) or ``"stop"``: the study is done."""
    c = counts(study)
    if c["waiting"]:
        return "run"
    finished = c["complete"] + c["pruned"]
    if finished >= wanted or _grid_done(study):
        return "stop"
    return "wait" if finished + c["running"] >= wanted else "run"


def run_worker(spec: SweepSpec, sweep_dir: str | os.PathLike[str], storage_url: str,
               study_name: str, index: int = 0,
               on_trial_end: Callable[[Any], None] | None = None) -> int:
    """Run trials until the study holds :func:`wanted_trials` finished ones, waiting at the
    end for other workers' running trials (a trial whose worker dies meanwhile is queued
    again and run here); returns the number this worker ran. ``index`` offsets the
    sampler's seed."""
    import optuna

    from glassnet.sweep.study import (
        CreationLock,
        fail_dead_trials,
        open_storage,
        open_study,
        worker_id,
    )

    sweep = Path(sweep_dir).absolute()
    storage = open_storage(storage_url)
    study = open_study(spec, storage, study_name, worker=index)
    lock = CreationLock(storage, study_name)
    objective = make_objective(spec, sweep, worker_id(), lock)
    wanted = wanted_trials(spec)
    ran = failures = 0
    states: list[Any] = []  # of this worker's trials, from optimize's callback

    def record(_study: Any, frozen: Any) -> None:
        states.append(frozen.state)

    while True:
        lock.acquire()
        try:
            # dead workers' trials: this host's at once (pid gone), others' by heartbeat
            fail_dead_trials(study)
            optuna.storages.fail_stale_trials(study)
            step = _next_step(study, wanted)
            if step == "stop":
                return ran
            if step == "run":
                states.clear()
                study.optimize(objective, n_trials=1, catch=(GlassnetError,), callbacks=[record])
        finally:
            lock.release()
        if step == "wait":
            time.sleep(POLL_SECONDS)
            continue
        ran += 1
        if on_trial_end is not None:
            on_trial_end(study)
        failed = bool(states) and states[-1].name == "FAIL"
        failures = failures + 1 if failed else 0
        if failures >= MAX_FAILURES_IN_A_ROW:
            last = study.get_trials(deepcopy=False)[-1]
            raise ConfigError(f"sweep: {failures} trials in a row failed (the last: "
                              f"{last.user_attrs.get('error', 'see its log in logs/')}); stopping.")


def _child(spec_data: dict[str, Any], source: str, sweep_dir: str, storage_url: str,
           study_name: str, index: int) -> None:
    """Entry point of a ``--jobs`` worker process."""
    from glassnet.sweep.space import parse

    try:
        spec = parse(spec_data, source)
        run_worker(spec, sweep_dir, storage_url, study_name, index)
    except GlassnetError as exc:
        print(f"glassnet sweep: worker {index}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


def run_workers(spec: SweepSpec, sweep_dir: str | os.PathLike[str], storage_url: str,
                study_name: str, jobs: int, on_poll: Callable[[Any], None] | None = None
                ) -> list[int]:
    """Start ``jobs`` worker processes and wait for them; every second ``on_poll(study)``
    (the progress bar). Dead workers' RUNNING trials are marked FAILED and queued again
    (the surviving workers run them). Returns the exit codes."""
    import multiprocessing

    from glassnet.sweep.study import CreationLock, fail_dead_trials, open_storage, open_study

    ctx = multiprocessing.get_context("spawn")
    storage = open_storage(storage_url, heartbeat=False)
    study = open_study(spec, storage, study_name)
    lock = CreationLock(storage, study_name)
    procs = [ctx.Process(target=_child, args=(spec.to_dict(), spec.source, str(sweep_dir),
                                              storage_url, study_name, k), daemon=False)
             for k in range(jobs)]
    for p in procs:
        p.start()
    try:
        while any(p.is_alive() for p in procs):
            for p in procs:
                p.join(timeout=1.0 / len(procs))
            fail_dead_trials(study, lock)
            if on_poll is not None:
                on_poll(study)
    except KeyboardInterrupt:
        for p in procs:  # they received the Ctrl-C too: let them save and stop
            p.join(timeout=30)
        raise
    fail_dead_trials(study, lock)  # queued again for a --resume if no worker is left
    return [int(p.exitcode or 0) for p in procs]
