"""The sweep's progress bar: trials done (of ``trials``), running, pruned, failed, best.

On a terminal a tqdm bar redrawn in place; otherwise one line each time the counts change.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO


def describe(c: dict[str, Any], metric: str) -> str:
    """``running 2, pruned 3, failed 0, best val_loss 0.1234`` from :func:`worker.counts`."""
    best = "–" if c["best"] is None else f"{c['best']:.4g}"
    queued = f"queued {c['waiting']}, " if c.get("waiting") else ""  # dead workers' trials
    return (f"running {c['running']}, {queued}pruned {c['pruned']}, failed {c['failed']}, "
            f"best {metric} {best}")


class SweepProgress:
    """Call :meth:`update` with a study; :meth:`close` at the end."""

    def __init__(self, total: int, metric: str, stream: TextIO | None = None,
                 enabled: bool = True) -> None:
        self.total, self.metric = total, metric
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._last: str | None = None
        self._bar: Any = None
        if enabled and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc="sweep", unit="trial", file=self.stream,
                             dynamic_ncols=True)

    def update(self, study: Any) -> None:
        """Redraw from the study's trials."""
        from glassnet.sweep.worker import counts

        if not self.enabled:
            return
        c = counts(study)
        done = c["complete"] + c["pruned"]
        text = describe(c, self.metric)
        if self._bar is not None:
            self._bar.n = min(done, max(self.total, done))
            self._bar.total = max(self.total, done)
            self._bar.set_postfix_str(text, refresh=True)
            return
        line = f"sweep: {done}/{self.total} done, {text}"
        if line != self._last:
            print(line, file=self.stream, flush=True)
            self._last = line

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
