"""What a training run measured: one dict per epoch, one value per optimizer update.

``History.epochs`` is a list of per-epoch dicts (keys present when measured)::

    {"epoch": 1, "loss": …, "accuracy": …, "val_loss": …, "val_accuracy": …,
     "lr": …, "time_s": …, "samples_per_s": …}

``loss`` is on the scale of the loss's reduction (mean: over the epoch's training samples;
sum: their sum) plus the penalty; ``val_loss`` the same over the validation set.
``History.steps`` holds per-update lists ``{"lr": [...], "loss": [...]}``: the learning
rate each update actually used and the loss of its batch. ``hist["loss"]`` is the list
over epochs (Keras style). Files: ``save_json`` writes
``{"epochs": [...], "steps": {...}, "meta": {...}}``; ``save_csv`` one row per epoch.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from glassnet.errors import DataError
from glassnet.train.persistence import pid_alive

#: column order of the CSV file (other keys follow in order of first appearance)
_FIRST = ("epoch", "loss")
_LAST = ("lr", "time_s", "samples_per_s")


class History:
    """Per-epoch logs, per-step learning rates and losses, and facts about the run."""

    def __init__(
        self,
        epochs: list[dict[str, Any]] | None = None,
        steps: Mapping[str, list[float]] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.epochs: list[dict[str, Any]] = list(epochs or [])
        self.steps: dict[str, list[float]] = {"lr": [], "loss": []}
        for key, values in (steps or {}).items():
            self.steps[key] = [float(v) for v in values]
        self.meta: dict[str, Any] = dict(meta or {})

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self.epochs)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.epochs)

    def __getitem__(self, key: str) -> list[Any]:
        """``hist["val_loss"]``: the values of one key over the epochs that measured it."""
        if key not in self.keys():
            raise KeyError(f"History has no {key!r}; it has {', '.join(self.keys()) or 'nothing'}.")
        return [e[key] for e in self.epochs if key in e]

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def keys(self) -> list[str]:
        """Every per-epoch key, in CSV column order."""
        seen: dict[str, None] = {}
        for e in self.epochs:
            seen.update(dict.fromkeys(e))
        middle = [k for k in seen if k not in _FIRST and k not in _LAST]
        return [k for k in _FIRST if k in seen] + middle + [k for k in _LAST if k in seen]

    @property
    def last(self) -> dict[str, Any]:
        """The most recent epoch's dict (empty before the first epoch)."""
        return self.epochs[-1] if self.epochs else {}

    def best(self, key: str, mode: str = "min") -> dict[str, Any]:
        """The epoch dict with the smallest (``mode="min"``) or largest value of ``key``."""
        rows = [e for e in self.epochs if key in e and math.isfinite(e[key])]
        if not rows:
            raise KeyError(f"History: no finite values of {key!r}.")
        pick = min if mode == "min" else max
        return pick(rows, key=lambda e: e[key])

    def append(self, logs: Mapping[str, Any]) -> None:
        """Add one epoch's logs."""
        self.epochs.append(dict(logs))

    def record_step(self, lr: float, loss: float) -> None:
        """Add one optimizer update's learning rate and batch loss."""
        self.steps["lr"].append(lr)
        self.steps["loss"].append(loss)

    def copy(self) -> History:
        return History([dict(e) for e in self.epochs], self.steps, self.meta)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last.items()
                         if isinstance(v, float) and k not in _LAST)
        steps = len(self.steps["lr"])
        n = len(self)
        counts = f"{n} epoch{'s' * (n != 1)}, {steps} step{'s' * (steps != 1)}"
        return f"History({counts}{'; ' if last else ''}{last})"

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        """``{"epochs": [...], "steps": {"lr": [...], "loss": [...]}, "meta": {...}}`` (copies)."""
        return {
            "epochs": [dict(e) for e in self.epochs],
            "steps": {k: list(v) for k, v in self.steps.items()},
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> History:
        """Rebuild a History from :meth:`to_dict` output (or a loaded ``history.json``)."""
        if not isinstance(d, Mapping) or not isinstance(d.get("epochs", []), list):
            raise DataError("History.from_dict: expected {'epochs': [...], 'steps': {...}}.")
        epochs = d.get("epochs", [])
        if not all(isinstance(e, Mapping) for e in epochs):
            raise DataError("History.from_dict: every entry of 'epochs' must be a dict.")
        steps = d.get("steps") or {}
        if not isinstance(steps, Mapping) or not all(isinstance(v, list) for v in steps.values()):
            raise DataError("History.from_dict: 'steps' must map names to lists.")
        return cls([dict(e) for e in epochs], steps, d.get("meta") or {})

    def save_json(self, path: str | os.PathLike[str]) -> Path:
        """Write the JSON file (atomically) and return its path."""
        text = json.dumps(self.to_dict(), indent=1)
        return _write_text(Path(path), text)

    @classmethod
    def load_json(cls, path: str | os.PathLike[str]) -> History:
        """Read a file written by :meth:`save_json`."""
        try:
            d = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: cannot read a history JSON file ({exc}).") from None
        return cls.from_dict(d)

    def to_csv(self) -> str:
        """The per-epoch table as CSV text (header + one row per epoch)."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.keys(), lineterminator="\n")
        writer.writeheader()
        for e in self.epochs:
            writer.writerow({k: _fmt(v) for k, v in e.items()})
        return buf.getvalue()

    def save_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the per-epoch table as CSV (atomically) and return its path."""
        return _write_text(Path(path), self.to_csv())


def _fmt(value: Any) -> Any:
    return repr(value) if isinstance(value, float) else value


def _write_text(path: Path, text: str) -> Path:
    """Write ``text`` to a temporary file next to ``path`` and rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for orphan in path.parent.glob(f".{path.name}.tmp*"):  # left by a writer killed mid-write
        pid = orphan.name.rsplit(".tmp", 1)[1]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                orphan.unlink()
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path

