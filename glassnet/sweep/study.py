"""The Optuna study of a sweep: its storage, sampler and pruner.

The study lives in a storage URL: by default ``sqlite:///<sweep dir>/study.db``; for many
machines a PostgreSQL URL (``postgresql://user@host:port/db``) that every machine's
``glassnet sweep`` joins. Storage is opened with Optuna's heartbeat, so a trial whose
worker died (killed, machine lost) is marked FAILED by the next worker that starts a trial
once its heartbeat is older than the grace period; workers on the same host mark the
trials of dead processes at once (:func:`fail_dead_trials`). Either way the failed trial is
queued again with the same parameters (:func:`requeue`, at most :data:`MAX_RETRIES` times),
so a killed trial's point of the search space — a grid point too — is not lost.
"""

from __future__ import annotations

import inspect
import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glassnet.errors import ConfigError
from glassnet.sweep.space import SweepSpec

#: seconds between a running trial's heartbeats, and after which a silent one is stale
HEARTBEAT_INTERVAL = 2
GRACE_PERIOD = 10
#: how often a trial whose worker died is queued again (a trial that kills its worker every
#: time, say by running out of memory, then stays FAILED)
MAX_RETRIES = 2
#: system attributes a queued copy keeps: the grid sampler's point (pruner rungs start anew)
_KEPT_SYSTEM_ATTRS = ("grid_id", "search_space", "fixed_params")
#: the study's user attribute holding the sweep spec it was created from
SPEC_ATTR = "glassnet_sweep"


class StorageError(ConfigError):
    """A study storage that cannot be opened or a study that does not match the sweep."""


def default_storage(sweep_dir: str | os.PathLike[str]) -> str:
    """The embedded SQLite storage of a sweep directory."""
    return f"sqlite:///{Path(sweep_dir).absolute() / 'study.db'}"


def shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def engine_url(url: str) -> str:
    """The SQLAlchemy URL for a storage URL: ``postgresql://`` (and ``postgres://``) use the
    psycopg2 driver of the ``sweep`` extra (SQLAlchemy 2.1 would pick psycopg 3)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url.removeprefix(prefix)
    return url


def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # glassnet prints its own lines
    import warnings

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def open_storage(url: str, heartbeat: bool = True) -> Any:
    """An Optuna RDBStorage at ``url``, tables created if needed; StorageError in one line
    naming the URL if it cannot be reached."""
    import optuna

    _quiet_optuna()
    if not re.match(r"^[a-z][a-z0-9+]*://", url):
        raise StorageError(f"--storage {url!r}: not a database URL (sqlite:///FILE or "
                           "postgresql://USER@HOST:PORT/DB).")
    options: dict[str, Any] = {}
    if heartbeat:
        # optuna < 4.9 calls the callback argument failed_trial_callback
        params = inspect.signature(optuna.storages.RDBStorage).parameters
        callback = ("heartbeat_stale_trial_callback" if "heartbeat_stale_trial_callback"
                    in params else "failed_trial_callback")
        options = {"heartbeat_interval": HEARTBEAT_INTERVAL, "grace_period": GRACE_PERIOD,
                   callback: requeue}
    engine: dict[str, Any] = {}
    if url.startswith("postgresql"):
        engine = {"connect_args": {"connect_timeout": 5}}
    elif url.startswith("sqlite"):
        engine = {"connect_args": {"timeout": 60}}
    try:
        storage = optuna.storages.RDBStorage(engine_url(url), engine_kwargs=engine, **options)
        if url.startswith("sqlite"):
            _fast_sqlite(storage)
        return storage
    except Exception as exc:  # sqlalchemy's errors: driver missing, refused, bad database
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        first = re.sub(r"^\([\w.]+\)\s*", "", first)
        raise StorageError(f"--storage {shown_url(url)}: cannot open the study storage "
                           f"({first.rstrip('.')}).") from None


def _fast_sqlite(storage: Any) -> None:
    """WAL journal and ``synchronous=NORMAL``: a commit costs no fsync, which made Optuna's
    per-epoch reports take longer than the short trials themselves (still safe against a
    killed process; SQLite's WAL needs a local disk, which a one-machine sweep has)."""
    import sqlalchemy

    def on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    storage.engine.dispose()  # connections opened while creating the tables
    sqlalchemy.event.listen(storage.engine, "connect", on_connect)


def _options(where: str, cls: Any, options: Mapping[str, Any], fixed: tuple[str, ...] = ()
             ) -> dict[str, Any]:
    import difflib

    allowed = [n for n in inspect.signature(cls).parameters if n not in fixed]
    for key in options:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else f" It takes {', '.join(allowed)}."
            raise ConfigError(f"{where}: unknown option {key!r} of {cls.__name__}.{hint}")
    return dict(options)


def make_sampler(spec: SweepSpec, worker: int = 0) -> Any:
    """The spec's sampler; random and TPE seeded with ``spec.seed + worker`` so workers draw
    differently, grid with ``spec.seed`` (every worker must shuffle the grid alike)."""
    import optuna

    seed = spec.seed + worker
    where = f"{spec.source}: sampler"
    if spec.sampler == "grid":  # one seed for all: the grid's order must be the same
        grid = {p.name: p.grid(spec.source) for p in spec.params}
        cls = optuna.samplers.GridSampler
        return cls(grid, seed=spec.seed, **_options(where, cls, spec.sampler_options,
                                                ("search_space", "seed")))
    cls = (optuna.samplers.RandomSampler if spec.sampler == "random"
           else optuna.samplers.TPESampler)
    return cls(seed=seed, **_options(where, cls, spec.sampler_options, ("seed",)))


def make_pruner(spec: SweepSpec) -> Any:
    """The spec's pruner (median, successive halving) or Optuna's NopPruner."""
    import optuna

    where = f"{spec.source}: pruner"
    if spec.pruner == "none":
        return optuna.pruners.NopPruner()
    cls = (optuna.pruners.MedianPruner if spec.pruner == "median"
           else optuna.pruners.SuccessiveHalvingPruner)
    try:
        return cls(**_options(where, cls, spec.pruner_options))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def open_study(spec: SweepSpec, storage: Any, name: str, worker: int = 0,
               create: bool = True) -> Any:
    """Create the study ``name`` or join it; a study created from another sweep spec (other
    than its number of trials, which may change), or a missing one when ``create`` is
    False, is a StorageError."""
    import optuna

    url = shown_url(str(storage.url)) if hasattr(storage, "url") else "the storage"
    sampler, pruner = make_sampler(spec, worker), make_pruner(spec)
    names = [s.study_name for s in optuna.study.get_all_study_summaries(storage)]
    if name not in names and not create:
        raise StorageError(f"--study {name}: no such study in {url} (it holds "
                           f"{', '.join(names) or 'none'}).")
    try:
        study = optuna.create_study(storage=storage, study_name=name, sampler=sampler,
                                    pruner=pruner, direction=spec.direction,
                                    load_if_exists=True)
    except ValueError as exc:  # direction differs from the stored study's
        raise StorageError(f"--study {name} in {url}: {exc}") from None
    stored = study.user_attrs.get(SPEC_ATTR)
    wanted = spec.to_dict()

    def searched(d: dict[str, Any]) -> dict[str, Any]:  # `trials` may grow on --resume
        return {k: v for k, v in d.items() if k != "trials"}

    if stored is None:
        study.set_user_attr(SPEC_ATTR, wanted)
    elif searched(stored) != searched(_plain(wanted)):
        raise StorageError(f"--study {name} in {url} was created from a different sweep "
                           "spec; give another --study name, or the same sweep file.")
    return study


def _plain(value: Any) -> Any:
    """``value`` as the storage returns it (JSON: tuples become lists)."""
    import json

    return json.loads(json.dumps(value))


# ---------------------------------------------------------------------- dead workers
def worker_id() -> dict[str, Any]:
    """This process's identity, stored on every trial it runs: host, pid, start time."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _start_time(os.getpid())}


def _start_time(pid: int) -> str:
    """The process's start time from /proc (Linux), '' where unknown: tells a reused pid."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _zombie(pid: int) -> bool:
    """A process that has exited but was not yet reaped by its parent (Linux)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


def _alive(info: Mapping[str, Any]) -> bool:
    pid = int(info.get("pid", 0))
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    start = _start_time(pid)
    return not (_zombie(pid) or (start and info.get("start") and start != info["start"]))


def requeue(study: Any, trial: Any) -> int | None:
    """Queue a WAITING copy of ``trial`` (a FrozenTrial whose worker died) with its
    parameters and grid point, the next trial a worker of the study takes; returns the
    number of the copy, or None after :data:`MAX_RETRIES` copies of the same trial.

    Optuna's ``RetryHeartbeatStaleTrialCallback``, except that the copy keeps neither the
    dead worker's user attributes (its pid would get the copy marked FAILED again) nor the
    pruner's rung attributes (the copy starts from epoch 1)."""
    import optuna

    history = [*trial.system_attrs.get("retry_history", []), trial.number]
    if len(history) > MAX_RETRIES:
        return None
    system = {k: v for k, v in trial.system_attrs.items() if k in _KEPT_SYSTEM_ATTRS}
    system.update(failed_trial=history[0], retry_history=history)
    copy = optuna.create_trial(
        state=optuna.trial.TrialState.WAITING, params=trial.params,
        distributions=trial.distributions, system_attrs=system,
        user_attrs={"retry_of": trial.number})
    trial_id = study._storage.create_new_trial(study._study_id, template_trial=copy)
    return study._storage.get_trial_number_from_id(trial_id)


def _dead_trials(study: Any) -> list[Any]:
    from optuna.trial import TrialState

    host = socket.gethostname()
    dead = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        info = t.user_attrs.get("worker")
        if isinstance(info, Mapping) and info.get("host") == host and not _alive(info):
            dead.append(t)
    return dead


def fail_dead_trials(study: Any, lock: CreationLock | None = None) -> list[int]:
    """Mark FAILED the RUNNING trials of this host whose worker process is gone (killed),
    and queue each again (:func:`requeue`); other hosts' are left to the heartbeat (which
    requeues them too). Returns the trial numbers marked.

    Marking and queueing must not interleave with a worker's "count, then create": call it
    holding the study's :class:`CreationLock`, or give ``lock`` (taken only if there is a
    dead trial)."""
    if not _dead_trials(study):
        return []
    if lock is not None:
        lock.acquire()
        try:
            return fail_dead_trials(study)
        finally:
            lock.release()
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState
    from sqlalchemy.exc import OperationalError

    marked = []
    for t in _dead_trials(study):
        info = t.user_attrs["worker"]

        try:
            study._storage.set_trial_system_attr(t._trial_id, "fail_reason",
                                                 f"worker process {info.get('pid')} died")
            if not study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL):
                continue
        except (UpdateFinishedTrialError, OperationalError):
            continue  # another process marked it meanwhile (SQLite: is marking it now)
        marked.append(t.number)
        requeue(study, study._storage.get_trial(t._trial_id))
    return marked


# ---------------------------------------------------------------------- trial creation
class CreationLock:
    """Makes "count the trials, then create one" atomic across workers, so the study gets
    exactly ``trials`` trials and a grid point is never taken twice: a PostgreSQL advisory
    lock (released by the server if the worker dies), or for SQLite an ``flock`` on a file
    next to the database. Other storages: no lock (concurrent workers may overshoot)."""

    def __init__(self, storage: Any, study_name: str) -> None:
        self.storage, self.name = storage, study_name
        self.url = str(getattr(getattr(storage, "engine", None), "url", ""))
        self._conn: Any = None
        self._file: Any = None
        self.held = False

    def _key(self) -> int:
        import zlib

        return zlib.crc32(f"glassnet sweep {self.name}".encode()) - 2**31

    def acquire(self) -> None:
        if self.url.startswith("postgresql"):
            from sqlalchemy import text

            self._conn = self.storage.engine.connect()
            self._conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": self._key()})
        elif self.url.startswith("sqlite:///"):
            try:
                import fcntl
            except ImportError:  # not on POSIX: no lock
                self.held = True
                return
            path = self.url.removeprefix("sqlite:///") + ".lock"
            self._file = open(path, "a+b")  # noqa: SIM115 (held across calls)
            fcntl.flock(self._file, fcntl.LOCK_EX)
        self.held = True

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if self._conn is not None:
            from sqlalchemy import text

            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key()})
            self._conn.close()
            self._conn = None
        if self._file is not None:
            import fcntl

            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
