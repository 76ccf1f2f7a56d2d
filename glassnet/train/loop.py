"""``fit``: minibatch training as a readable sequence of phases.

    validate X, y once → per epoch: shuffle → batches: forward + backward (the engine's
    compute_gradients) → update (the optimizer, in place on net.params) → callbacks →
    evaluate (once, in evaluation mode) → callbacks → stop?

Safety (after scikit-learn): indices are shuffled, not data; epoch losses add up the
per-sample losses (the loss's own reduction over the whole epoch, not a mean of batch
means); a non-finite loss stops training before the update that would spread it, rewinds
the run to its best state of the call (parameters, optimizer state, counters, history,
generator) and explains itself; Ctrl-C stops at the end of the current batch and keeps
what was learned.
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from glassnet._validate import check_number
from glassnet.errors import ConfigError, TrainingError
from glassnet.train import tasks
from glassnet.train.callbacks import CallbackList, ProgressBar, TerminateOnNaN
from glassnet.train.callbacks.base import Callback
from glassnet.train.data import Arrays, prepare_data
from glassnet.train.history import History
from glassnet.train.inference import EVAL_BATCH, scores
from glassnet.train.metrics import ADDITIVE, batch_sum
from glassnet.train.run import _KEEP, EpochState, TrainingRun, make_run
from glassnet.train.snapshot import Snapshot

Array = np.ndarray


class _DivergedError(Exception):
    def __init__(self, batch: int, value: float) -> None:
        self.batch, self.value = batch, value


def fit(net: Any, X: Any, y: Any, *, loss: Any = None, optimizer: Any = None,
        lr: float | None = None, epochs: int = 10, batch_size: int | None = None,
        validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
        callbacks: Sequence[Callback] | None = None, verbose: int = 1, schedule: Any = _KEEP,
        schedule_unit: str | None = None, regularization: Any = _KEEP, metrics: Any = None,
        shuffle: bool = True, task: str | None = None, info: dict[str, Any] | None = None,
        eval_batch_size: int = EVAL_BATCH) -> History:
    """Train ``net`` on inputs ``X`` (N, n_in) and targets ``y``; returns its History.

    Parameters
    ----------
    loss : name, ``{"name": ..., **options}`` or Loss. Default: the network's previous loss,
        else the natural one for its output layer (softmax → cross_entropy, ...).
    optimizer : name (``"adam"``), ``{"name": "sgd", "momentum": 0.9}`` or an Optimizer.
        Default: the optimizer of the network's previous run **with its state** (so a loaded
        model continues exactly), else Adam(lr=1e-3). ``lr`` sets its learning rate.
    epochs : epochs to train in this call; epoch numbers continue across calls. An epoch
        left unfinished by Ctrl-C is finished first and counts as one.
    batch_size : samples per update (default: previous run's, else 32); the last batch of
        an epoch holds the remainder.
    validation_data : (X_val, y_val), evaluated once per epoch in evaluation mode.
    validation_split : fraction of (X, y) held out for validation instead — shuffled and
        stratified by class (not "the last x%"), drawn from a generator seeded by the
        network's seed (``seed=None``: a seed drawn once and kept with the run and its model
        file), so the same split on every call; ``net.rng`` is not used.
    callbacks : Callback objects (see :mod:`glassnet.train.callbacks`).
    verbose : 0 silent, 1 progress bar on a terminal (one line per epoch otherwise), 2 lines.
    schedule, schedule_unit : a callable ``index -> lr``, a schedule name or dict, applied
        per update (``"step"``) or per epoch (``"epoch"``). A schedule given here starts
        with this call (index 0 = its first update or epoch) and a name's length
        (``T_max``, ``total_steps``) defaults to this call's updates (or epochs).
        Default: keep the previous one, which carries on where it was; if it has a length
        and this call would run past its end, ConfigError (pass a new schedule). A callable
        schedule is not stored in model files: a loaded network trained with one needs
        ``schedule=...`` (ConfigError otherwise).
    regularization : Regularization, mapping or a number (L2 λ). Default: keep the previous.
    metrics : metric names (default ``("accuracy",)`` for classification, ``("mae",)`` for
        regression). Training values are running means over the epoch's batches (training
        mode, as Keras); ``val_*`` values are exact. The epoch's ``loss`` is on the scale of
        the loss's reduction: with ``mean``, Σ_s C_s over the epoch's samples ÷ N (÷ Σ_s w_s
        for class-weighted cross-entropy), with ``sum``, Σ_s C_s over the N training
        samples; plus the penalty averaged over the batches (by samples). ``val_loss`` is
        the same reduction over the validation set plus the penalty at the epoch's end —
        so with ``sum`` the two scale with their set sizes.
    shuffle : shuffle the sample order every epoch with ``net.rng``.
    task : "classification", "binary", "multilabel" or "regression" (default: from the loss).
    info : facts about the data kept with the model (class names, standardization, ...).

    Returns the network's History (``net.training_state.history``), whose per-epoch dicts
    hold loss, metrics, val_*, lr, time_s and samples_per_s, and whose ``steps`` hold the lr
    and loss of every update. Raises :class:`~glassnet.errors.TrainingError` if the loss
    becomes NaN or infinite (after rewinding the run to its best state of this call:
    parameters, optimizer state, counters, history, generator), unless a
    :class:`~glassnet.train.callbacks.TerminateOnNaN` callback asks to stop quietly.
    Any other error (in a callback, say) ends the run like a stop — ``run.stop_reason`` is
    ``"error: <type>: <message>"``, ``on_train_end`` runs (checkpoints keep the completed
    epochs and the unfinished one) — and is then raised. A second Ctrl-C aborts at once
    without calling the callbacks.
    """
    epochs = int(check_number("fit", "epochs", epochs, low=0, integer=True))
    eval_batch_size = int(check_number("fit", "eval_batch_size", eval_batch_size, low=1,
                                       integer=True))
    run = make_run(net, loss=loss, optimizer=optimizer, lr=lr, batch_size=batch_size,
                   schedule_unit=schedule_unit, regularization=regularization, metrics=metrics,
                   task=task, info=info)
    train, val = prepare_data(net, run, X, y, validation_data, validation_split)
    cbs = CallbackList(_with_progress(callbacks or [], verbose))
    n_batches = -(-train.n // run.batch_size)
    ep = run.epoch_state
    first = (-(-(train.n - ep.position) // run.batch_size)  # an unfinished epoch's rest
             if ep is not None and ep.perm.shape[0] == train.n else n_batches)
    run.plan = {"epochs": run.epoch + epochs, "n_batches": n_batches, "n_train": train.n,
                "n_val": 0 if val is None else val.n, "batch_size": run.batch_size,
                "updates": first + (epochs - 1) * n_batches if epochs else 0}
    if schedule is not _KEEP:
        run.start_schedule(schedule)
    kept = run.schedule if schedule is _KEEP else None
    lost = bool(run.unsaved_schedule) and schedule is _KEEP
    best = _Best(run)
    message = ""
    with _sigint_stops(run), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        cbs.train_begin(run)  # callbacks check their options here (and may set a schedule)
        if kept is not None and run.schedule is kept:
            _check_kept_schedule(run, getattr(net, "training_state", None))
        if lost:  # unless a callback (LearningRateScheduler) set a new schedule
            run.check_schedule_known()
        net.training_state = run  # only now: a call that fails its checks changes nothing
        try:
            try:
                done = 0
                while done < epochs and not run.stop_training:
                    if _train_epoch(run, train, cbs, shuffle):
                        logs = _end_epoch(run, val, eval_batch_size)
                        cbs.epoch_end(run, run.epoch, logs)
                        best.update(run, logs)  # after the callbacks updated their state
                        done += 1
            except _DivergedError as d:
                message = _diverged(run, train, best, d)
        except Exception as exc:
            # any other error (a callback, the data, the engine): end the run as usual —
            # callbacks checkpoint what was done — and let the error through
            line = str(exc).splitlines()[0] if str(exc) else ""
            run.stop_training = True
            run.stop_reason = f"error: {type(exc).__name__}{': ' if line else ''}{line}"
            _end_after_error(run, cbs, exc)
            raise
        except BaseException:
            # a second Ctrl-C aborts at once, possibly inside an update: no callbacks run
            # (a checkpoint could hold half an update), the run records what happened
            run.stop_reason = run.stop_reason or "aborted"
            _finish(run)
            run.last_pass = None
            raise
        _finish(run)
        cbs.train_end(run)
    run.last_pass = None
    if message and not any(isinstance(cb, TerminateOnNaN) for cb in cbs):
        err = TrainingError(message)
        err.history = run.history  # type: ignore[attr-defined]
        raise err
    if verbose > 0 and run.stop_reason != "completed":
        print(f"glassnet: {message or _stop_message(run)}", file=sys.stderr, flush=True)
    return run.history


# ---------------------------------------------------------------------- phases
def _train_epoch(run: TrainingRun, data: Arrays, cbs: CallbackList, shuffle: bool) -> bool:
    """Run the batches of one epoch (or of the unfinished one); True when it is complete."""
    net, loss, reg, opt = run.net, run.loss, run.regularization, run.optimizer
    ep = run.epoch_state
    n = data.n
    if ep is None or ep.perm.shape[0] != n:
        # shuffle: a new order of the sample indices, drawn from the network's generator
        perm = net.rng.permutation(n) if shuffle else np.arange(n)
        ep = run.epoch_state = EpochState(perm, metric_sums=dict.fromkeys(
            (m for m in run.metrics if m in ADDITIVE), 0.0))
        ordered = not shuffle
    else:  # an unfinished epoch (resumed from a model file, say): is its order 0..n−1?
        ordered = bool(np.array_equal(ep.perm, np.arange(n)))
    # without shuffling the order is 0..n−1: batches are then slices (views), not gathers
    ordered = ordered and n > 0
    cbs.epoch_begin(run, run.epoch + 1)
    X, T, labels, bs = data.X, data.T, data.labels, run.batch_size
    lr_epoch = run.current_lr() if run.schedule_unit == "epoch" else None
    # Accuracy alone (the default metric), no batch callbacks: the batches' predicted classes
    # go into one array and are counted against the labels when the loop ends (the same
    # integer sum as batch by batch, in one comparison instead of a few calls per batch)
    sums, wants_batches = ep.metric_sums, cbs.wants_batches
    deferred = (not wants_batches and labels is not None and run.task == "classification"
                and list(sums) == ["accuracy"])
    predicted = np.empty(n, np.int64) if deferred else None
    record_step, params, grads = run.history.record_step, net.params, net.grads
    compute, update, isfinite, perm = net.compute_gradients, opt.step, math.isfinite, ep.perm
    # η is the same for every update of the epoch unless a schedule or a batch callback
    # (an lr finder, say) can change it between updates
    lr_fixed = lr_epoch if lr_epoch is not None else (
        run.current_lr() if run.schedule is None and not wants_batches else None)
    # the epoch's progress lives in locals during the loop and is written back to ``ep`` in
    # ``flush`` (before batch callbacks, and at the end however the loop ends)
    first = position = ep.position
    batch, loss_sum, loss_norm, penalty_sum = ep.batch, 0.0, 0.0, 0.0
    p = lr = None

    def flush() -> None:
        nonlocal loss_sum, loss_norm, penalty_sum
        ep.position, ep.batch = position, batch
        ep.loss_sum += loss_sum
        ep.loss_norm += loss_norm
        ep.penalty_sum += penalty_sum
        loss_sum = loss_norm = penalty_sum = 0.0
        if p is not None:
            run.last_pass, run.lr = p, lr

    t0 = time.perf_counter()
    try:
        while position < n:
            # batches: index with this epoch's order, never copy the data set
            start = position
            stop = start + bs if start + bs < n else n
            idx = slice(start, stop) if ordered else perm[start:stop]
            tb = T[idx]
            # forward + backward: fills net.grads with ∂C/∂θ of this batch (in the network's
            # workspace: the Pass is valid until the next batch)
            p = compute(X[idx], tb, loss, reg, train=True, validate=False, workspace=True)
            data_loss, penalty, scale = p.data_loss, p.penalty, p.scale
            batch_loss = data_loss + penalty
            if not isfinite(batch_loss):
                raise _DivergedError(batch + 1, batch_loss)
            # update: clipping (if configured) and the optimizer's step, in place
            lr = lr_fixed if lr_fixed is not None else run.current_lr()
            update(params, grads, lr=lr)
            run.step += 1
            batch += 1
            position = stop
            size = stop - start
            # the epoch loss: Σ_s C_s and the reduction's denominator, penalty by samples
            loss_sum += data_loss / scale
            loss_norm += 1.0 / scale
            penalty_sum += penalty * size
            if deferred:
                p.output.argmax(axis=1, out=predicted[start:stop])
            elif sums:
                pred = tasks.output_labels(run.task, loss, p.output)
                lb = None if labels is None else labels[idx]
                for m in sums:
                    sums[m] += batch_sum(m, p.output, tb, pred, lb)
            record_step(lr, batch_loss)
            # callbacks (only those that want batches) see the epoch as it is now
            if wants_batches:
                flush()
                cbs.batch_end(run, batch, {"loss": batch_loss, "lr": lr, "batch_size": size})
            if run.stop_training:  # Ctrl-C or a callback: stop after this batch
                break
    finally:
        flush()
        if deferred and position > first:
            done = slice(first, position)
            truth = labels[done] if ordered else labels[perm[done]]
            sums["accuracy"] += float(np.count_nonzero(predicted[done] == truth))
    ep.train_time += time.perf_counter() - t0
    return ep.position >= n


def _end_epoch(run: TrainingRun, val: Arrays | None, eval_batch_size: int) -> dict[str, Any]:
    """Close the epoch: its mean loss and metrics, then evaluate the validation data once."""
    ep, n = run.epoch_state, run.plan["n_train"]
    t0 = time.perf_counter()
    run.epoch += 1
    run.epoch_state = None
    logs: dict[str, Any] = {"epoch": run.epoch, "loss": ep.loss_value(run.loss.reduction)}
    logs.update((m, s / n) for m, s in ep.metric_sums.items())
    if val is not None:
        # evaluate: evaluation mode (no dropout), batched, all metrics exact
        res, _ = scores(run.net, run.loss, run.regularization, run.task, run.metrics,
                        val.X, val.T, val.labels, eval_batch_size, penalty_n=run.batch_size)
        logs.update((f"val_{k}", v) for k, v in res.items())
    logs["lr"] = run.lr
    logs["time_s"] = ep.train_time + (time.perf_counter() - t0)
    logs["samples_per_s"] = n / ep.train_time if ep.train_time > 0 else float("nan")
    run.history.append(logs)
    return logs


class _Best:
    """The best state of the run in this call (by val_loss, else loss), for divergence: a
    :class:`~glassnet.train.snapshot.Snapshot` of the whole run, first of where it starts."""

    def __init__(self, run: TrainingRun) -> None:
        self.snapshot, self.epoch, self.value = Snapshot.of_run(run), run.epoch, math.inf

    def update(self, run: TrainingRun, logs: dict[str, Any]) -> None:
        value = logs.get("val_loss", logs["loss"])
        if math.isfinite(value) and value <= self.value:
            self.snapshot = Snapshot.of_run(run)
            self.epoch, self.value = logs["epoch"], value


def _diverged(run: TrainingRun, data: Arrays, best: _Best, d: _DivergedError) -> str:
    """Stop, rewind the run to its best state of this call and explain."""
    epoch, nb = run.epoch + 1, run.plan["n_batches"]
    lr = run.current_lr()  # the rate that diverged, before the rewind
    snap = best.snapshot
    start = snap.run["epoch_state"] if snap.run else None
    gone = snap.restore_run(run)
    run.stop_training = True
    run.stop_reason = f"diverged at epoch {epoch}, batch {d.batch}"
    run.history.meta["diverged"] = {
        "epoch": epoch, "batch": d.batch, "rewound_to_epoch": run.epoch,
        "discarded_epochs": gone["epochs"], "discarded_steps": gone["steps"]}
    biggest = float(np.max(np.abs(data.X))) if data.n else 0.0
    if start is not None:
        kept = (f"the parameters at the start of this call (epoch {run.epoch + 1}, batch "
                f"{start.batch}) were restored")
    elif best.epoch:
        kept = f"the parameters after epoch {best.epoch} were restored"
    else:
        kept = "the initial parameters were restored"
    what = "the optimizer state, " if gone["optimizer_state"] else ""
    return (
        f"training diverged at epoch {epoch}, batch {d.batch}/{nb}: the loss is {d.value}. "
        f"Likely causes: a learning rate too high (lr = {lr:.3g}; try 10x "
        f"smaller) or inputs that are not standardized (largest |x| = {biggest:.3g}); "
        f"{kept}, with {what}the step counter (now {run.step}), the history "
        f"({gone['epochs']} epoch(s) and {gone['steps']} update(s) discarded), the callbacks' "
        f"state and the random generator: a retry continues from there."
    )


def _finish(run: TrainingRun) -> None:
    if run.interrupted and not run.stop_reason:
        where = (f"epoch {run.epoch + 1}, batch {run.epoch_state.batch}"
                 if run.epoch_state is not None else f"the end of epoch {run.epoch}")
        run.stop_reason = f"interrupted (Ctrl-C) at {where}"
    run.stop_reason = run.stop_reason or "completed"
    run.history.meta.update(stop_reason=run.stop_reason, epochs=run.epoch, steps=run.step)


def _end_after_error(run: TrainingRun, cbs: CallbackList, exc: Exception) -> None:
    """``_finish`` and ``on_train_end`` after an error; an error of a callback here is
    attached to the first one as a note instead of replacing it."""
    _finish(run)
    try:
        cbs.train_end(run)
    except Exception as second:  # reported with the original error
        exc.add_note(f"glassnet: on_train_end failed too: {type(second).__name__}: {second}")
    finally:
        run.last_pass = None


def _stop_message(run: TrainingRun) -> str:
    text = f"training stopped: {run.stop_reason}"
    meta = run.history.meta
    if "restored_epoch" in meta and meta.get("restored"):
        what = ("weights and optimizer state" if "optimizer state" in str(meta["restored"])
                else "weights")
        text += f"; restored the {what} of epoch {meta['restored_epoch']}"
    if run.interrupted:
        text += "; the parameters learned so far are kept"
    return text + "."


# ---------------------------------------------------------------------- setup helpers
def _check_kept_schedule(run: TrainingRun, prev: TrainingRun | None) -> None:
    """A schedule kept from the previous run must keep its units and cover this call."""
    if prev is not None and prev.schedule_unit != run.schedule_unit:
        raise ConfigError(f"fit: schedule_unit={run.schedule_unit!r} would evaluate the kept "
                          f"schedule (made for {prev.schedule_unit!r}) in other units; pass "
                          "a schedule=... with it.")
    run.check_schedule_length()


def _with_progress(callbacks: Sequence[Callback], verbose: int) -> list[Callback]:
    items = list(callbacks)
    if verbose > 0 and not any(isinstance(cb, ProgressBar) for cb in items):
        items.append(ProgressBar(verbose=verbose))
    return items


@contextlib.contextmanager
def _sigint_stops(run: TrainingRun) -> Iterator[None]:
    """While training, the first Ctrl-C stops after the current batch; a second aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: Any) -> None:
        if run.interrupted:
            raise KeyboardInterrupt
        run.interrupted = run.stop_training = True
        print("\nglassnet: Ctrl-C — stopping after this batch (press Ctrl-C again to abort).",
              file=sys.stderr, flush=True)

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
