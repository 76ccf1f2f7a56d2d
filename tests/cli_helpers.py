"""Shared helpers for the command-line tests: run `glassnet.cli.main` and read its output."""

from __future__ import annotations

from glassnet.cli import main

#: a tiny, fast `glassnet train` configuration
TINY = ["--hidden", "8", "--epochs", "2", "--no-plots", "--verbose", "0"]


def run(capsys, *argv):
    """(exit code, stdout, stderr) of ``glassnet ARGV``."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(err: str, *words: str) -> str:
    """Assert that stderr is one error line containing every word; return it."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "error:" in lines[0], err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def interrupt_after_first_epoch(monkeypatch) -> None:
    """Make the next `glassnet train` receive Ctrl-C (SIGINT) right after its first epoch.

    The run's CSVLogger writes the epoch first, then the signal arrives, as a user's would.
    """
    import signal

    from glassnet.train.callbacks import CSVLogger

    original = CSVLogger.on_epoch_end

    def on_epoch_end(self, run_, epoch, logs):
        original(self, run_, epoch, logs)
        if epoch == 1:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(CSVLogger, "on_epoch_end", on_epoch_end)


#: the `glassnet plot` subcommands
PICTURES = (
    "network",
    "curves",
    "trajectories",
    "gradient-flow",
    "boundary",
    "schedules",
    "dropout",
)
