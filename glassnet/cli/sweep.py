"""``glassnet sweep``: search hyper-parameters with Optuna; ``glassnet sweep report DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EPILOG = """\
examples:
  glassnet sweep examples/sweep/circles.yaml                  # SQLite in sweeps/circles
  glassnet sweep examples/sweep/optimizers.yaml --jobs 2 --out sweeps/opt
  glassnet sweep examples/sweep/circles.yaml --resume         # continue an interrupted sweep
  glassnet sweep report sweeps/circles                        # ranked table + pictures
  # many machines, one PostgreSQL study (run on each machine):
  glassnet sweep SWEEP.yaml --storage postgresql://user:pw@db:5432/sweeps --study lr-search

The sweep directory (--out, default sweeps/<sweep file name>) holds sweep.yaml (the parsed
sweep file), study.json (storage URL and study name), study.db (the default SQLite
storage) and trials/trial-NNNN/, each a glassnet train run directory (config.yaml reruns
it with glassnet train --config). A non-empty sweep directory is refused unless --resume.

Exit codes: 0 done, 2 bad arguments, files or storage, 130 interrupted (--resume goes on).
"""


def register(subparsers: Any) -> None:
    """Add the ``sweep`` subcommand."""
    from glassnet.cli import one_line_errors

    p = subparsers.add_parser(
        "sweep", help="search hyper-parameters (Optuna), every trial a train run",
        usage="glassnet sweep SWEEP.yaml [--storage URL] [--study NAME] [--jobs N] [--resume] "
        "[--out DIR] [--quiet]\n       glassnet sweep report DIR [--top K]",
        description="Search hyper-parameters of a glassnet train configuration with Optuna "
        "(grid, random or TPE sampling; median or successive-halving pruning on the "
        "per-epoch validation metric). 'glassnet sweep report DIR' ranks the trials and "
        "draws the report pictures.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    one_line_errors(p)
    p.add_argument("target", nargs="+", metavar="SWEEP.yaml",
                   help="the sweep file, or 'report' and a sweep directory")
    p.add_argument("--storage", metavar="URL", help="Optuna storage URL (default "
                   "sqlite:///<sweep dir>/study.db), e.g. postgresql://user@host:5432/db")
    p.add_argument("--study", metavar="NAME", help="study name (default: the sweep file's "
                   "name); processes giving the same storage and name share the study")
    p.add_argument("--jobs", metavar="N", type=int, default=1,
                   help="worker processes on this machine (default 1)")
    p.add_argument("--resume", action="store_true",
                   help="continue the sweep in --out (its storage and study)")
    p.add_argument("--out", metavar="DIR", help="sweep directory (default sweeps/<name>)")
    p.add_argument("--top", metavar="K", type=int, default=5,
                   help="report: curves of the best K trials (default 5)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_handler)


def _handler(args: argparse.Namespace) -> int:
    from glassnet.errors import ConfigError

    if args.target[0] == "report":
        if len(args.target) != 2:
            raise ConfigError("usage: glassnet sweep report DIR (one sweep directory).")
        return _report(Path(args.target[1]), args.top)
    if len(args.target) != 1:
        raise ConfigError(f"give one sweep file; got {' '.join(args.target)}.")
    if args.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1; got {args.jobs}.")
    return _sweep(args)


def _report(sweep_dir: Path, top: int) -> int:
    from glassnet.errors import ConfigError
    from glassnet.sweep.report import report

    if top < 1:
        raise ConfigError(f"--top must be at least 1; got {top}.")
    text, paths = report(sweep_dir, top)
    print(text)
    for path in paths:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _where(args: argparse.Namespace, spec_file: Path) -> tuple[Path, str, str]:
    """The sweep directory, storage URL and study name; refuses a directory that holds a
    sweep unless --resume (and one without a sweep with --resume)."""
    from glassnet.errors import ConfigError
    from glassnet.sweep.report import STUDY_FILE, read_sweep_files
    from glassnet.sweep.study import default_storage

    out = Path(args.out) if args.out else Path("sweeps") / spec_file.stem
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: a file of that name exists; give a directory.")
    if args.resume:
        if not (out / STUDY_FILE).exists():
            raise ConfigError(f"--resume: {out} holds no sweep ({STUDY_FILE} missing); give "
                              "its --out, or start without --resume.")
        _, storage, study = read_sweep_files(out)
        for flag, given, saved in (("--storage", args.storage, storage),
                                   ("--study", args.study, study)):
            if given is not None and given != saved:
                raise ConfigError(f"--resume: {flag} {given} differs from the sweep's "
                                  f"({saved}, in {out / STUDY_FILE}).")
        return out, storage, study
    if out.is_dir() and any(out.iterdir()):
        raise ConfigError(f"--out {out}: the directory is not empty; continue its sweep with "
                          "--resume, or give a new directory.")
    return out, args.storage or default_storage(out), args.study or spec_file.stem


def _sweep(args: argparse.Namespace) -> int:
    from glassnet.sweep.progress import SweepProgress
    from glassnet.sweep.report import table, trial_rows, write_sweep_files
    from glassnet.sweep.space import read_file
    from glassnet.sweep.study import (
        CreationLock,
        fail_dead_trials,
        open_storage,
        open_study,
        shown_url,
    )
    from glassnet.sweep.trial import check_space
    from glassnet.sweep.worker import run_worker, run_workers

    spec_file = Path(args.target[0])
    spec = read_file(spec_file)
    out, storage, name = _where(args, spec_file)
    check_space(spec)  # before any file is written or trial started
    if storage.startswith("sqlite") and not args.resume:
        out.mkdir(parents=True, exist_ok=True)
    rdb = open_storage(storage, heartbeat=False)
    study = open_study(spec, rdb, name)
    write_sweep_files(out, spec, storage, name)
    marked = fail_dead_trials(study, CreationLock(rdb, name))
    quiet = args.quiet
    if not quiet:
        print(f"glassnet sweep: study {name!r} in {shown_url(storage)}, {spec.trials} trials, "
              f"{spec.sampler} sampler, {spec.pruner} pruner, {args.jobs} worker(s); sweep "
              f"directory {out}", file=sys.stderr)
        if marked:
            print(f"glassnet sweep: marked trial(s) {', '.join(map(str, marked))} of dead "
                  "workers FAILED and queued them again (same parameters)", file=sys.stderr)
    bar = SweepProgress(spec.trials, spec.metric, enabled=not quiet)
    resume = f"continue with: glassnet sweep {spec_file} --resume --out {out}"
    try:
        if args.jobs == 1:
            run_worker(spec, out, storage, name, on_trial_end=bar.update)
            codes = [0]
        else:
            codes = run_workers(spec, out, storage, name, args.jobs, on_poll=bar.update)
        bar.update(study)
    except KeyboardInterrupt:
        bar.close()
        print(f"glassnet sweep: interrupted; {resume}", file=sys.stderr)
        return 130
    bar.close()
    if 130 in codes:  # the workers saw the Ctrl-C first
        print(f"glassnet sweep: interrupted; {resume}", file=sys.stderr)
        return 130
    rows = trial_rows(study)
    if not quiet:
        print(table(rows[:10], spec), file=sys.stderr)
        print(f"glassnet sweep: wrote {out}; full report: glassnet sweep report {out}",
              file=sys.stderr)
    bad = [c for c in codes if c != 0]
    for k, code in enumerate(codes):
        if code < 0:
            print(f"glassnet sweep: worker {k} was killed (signal {-code}); its running trial "
                  "is marked FAILED and queued again", file=sys.stderr)
    return 130 if 130 in bad else (2 if bad else 0)
