"""Using a saved model on data: ``glassnet evaluate`` and ``glassnet predict``.

Both rely on the model's own preprocessing (``predict`` / ``evaluate`` apply the
standardization stored in the model file and report regression outputs in the targets'
units) and print class names rather than indices when the model knows them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from glassnet.errors import ConfigError, DataError


def _info(net: Any) -> dict[str, Any]:
    run = getattr(net, "training_state", None)
    return dict(run.info) if run is not None else {}


def _class_names(net: Any, info: Mapping[str, Any]) -> list[str]:
    names = info.get("class_names") or []
    k = net.n_outputs if net.n_outputs > 1 else 2
    return [str(c) for c in names] if len(names) == k else [str(i) for i in range(k)]


# ---------------------------------------------------------------------- evaluate
def evaluate_model(model: str, dataset: str | None = None, options: Mapping[str, Any] | None = None,
                   split: str = "test", as_json: bool = False, out: TextIO | None = None) -> int:
    """Evaluate a model file on a data set (default: the one it was trained on)."""
    from glassnet.train.inference import evaluate
    from glassnet.train.persistence import load
    from glassnet.train.runs import load_data, loss_convention

    out = out or sys.stdout
    net = load(model)
    info = _info(net)
    cfg = dict(info.get("config") or {})
    if dataset is not None and dataset != cfg.get("dataset"):
        cfg = {"dataset": dataset}
    if not cfg.get("dataset"):
        raise ConfigError(f"{model}: the model does not say which data set it was trained on; "
                          "pass --dataset NAME|FILE.")
    cfg["dataset_options"] = {**(cfg.get("dataset_options") or {}), **(options or {})}
    ds = load_data(cfg, option_flag="--option")
    parts = {"test": [(ds.X_test, ds.y_test)], "train": [(ds.X_train, ds.y_train)],
             "all": [(ds.X_train, ds.y_train), (ds.X_test, ds.y_test)]}[split]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    if X.shape[0] == 0:
        raise DataError(f"{ds.name}: the {split} part is empty; use --split train or all.")
    if X.shape[1] != net.n_inputs:
        raise DataError(f"{ds.name} has {X.shape[1]} features but the model takes {net.n_inputs}.")
    result = evaluate(net, X, y, detailed=True)  # raw X: the model applies its standardization
    names = _class_names(net, info)
    if as_json:
        clean = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in result.items()}
        clean.update(dataset=ds.name, split=split, class_names=names)
        print(json.dumps(clean, indent=1), file=out)
        return 0
    run = getattr(net, "training_state", None)
    convention = loss_convention(run.loss, net.n_outputs, run.regularization) if run else None
    print(f"{ds.name} ({split}, {result['n_samples']} samples): loss {result['loss']:.4f}"
          + (f" ({convention})" if convention else ""), file=out)
    if "confusion_matrix" in result:
        print(report(result, names), file=out)
    else:
        print("  ".join(f"{k} {result[k]:.4f}" for k in ("mse", "mae", "r2")), file=out)
    return 0


def report(result: Mapping[str, Any], names: Sequence[str]) -> str:
    """Accuracy, per-class precision/recall/F1 and the confusion matrix as text."""
    width = max(8, *(len(n) for n in names))
    lines = [f"accuracy {result['accuracy']:.4f}   macro F1 {result['macro_f1']:.4f}", "",
             f"{'class':<{width}}  precision  recall     f1  support"]
    for i, name in enumerate(names):
        lines.append(f"{name:<{width}}  {result['precision'][i]:9.4f}  {result['recall'][i]:6.4f}"
                     f"  {result['f1'][i]:5.4f}  {int(result['support'][i]):7d}")
    cm = result["confusion_matrix"]
    digits = len(str(int(cm.max()))) + 1
    cell = max(5, digits, *(len(n) + 2 for n in names))
    heads, rows = list(names), list(names)
    numbered = width + cell * len(names) > 100
    if numbered:  # names too long for columns: number the classes
        cell = max(4, digits, len(str(len(names) - 1)) + 2)
        heads = [str(i) for i in range(len(names))]
        rows = [f"{i:>{len(heads[-1])}} {n}" for i, n in enumerate(names)]
    label = max(len(r) for r in rows)
    lines += ["", "confusion matrix (rows: true class, columns: predicted)"
              + (" — columns numbered as the rows" if numbered else ""),
              " " * label + "".join(f"{h:>{cell}}" for h in heads)]
    for i, row in enumerate(rows):
        lines.append(f"{row:<{label}}" + "".join(f"{int(v):>{cell}}" for v in cm[i]))
    return "\n".join(lines)


# ---------------------------------------------------------------------- predict
def _cell_error(path: Path, rows: list[list[str]], lines: list[int], cols: list[int],
                header: list[str]) -> DataError:
    for line, row in zip(lines, rows, strict=True):
        if len(row) != len(header):
            return DataError(f"{path}, row {line}: {len(row)} cell(s) but the header has "
                             f"{len(header)} columns.")
        for j in cols:
            try:
                value = float(row[j])
            except ValueError:
                value = None
            if value is None or not np.isfinite(value):
                return DataError(f"{path}, row {line}, column {header[j]!r}: {row[j]!r} is not "
                                 "a finite number.")
    return DataError(f"{path}: cannot read the numbers.")


def _names(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(n) for n in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def read_inputs(path: str | os.PathLike[str], feature_names: Sequence[str], n_inputs: int,
                ignore: Sequence[str] = ()) -> np.ndarray:
    """Inputs (N, n_inputs) from a ``.npy`` file or a CSV file with a header row.

    CSV columns are picked by the model's feature names, in any order (other columns, such
    as the target, are ignored); a header without all of them is refused, naming the
    missing and the unknown columns (``ignore``: names not to call unknown, the target).
    Only when the model knows no feature names must the file have exactly ``n_inputs``
    columns, used in order.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such input file.")
    if p.suffix.lower() == ".npy":
        try:
            X = np.load(p, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise DataError(f"{p}: cannot read the .npy file ({exc}).") from None
        if X.ndim != 2 or X.shape[1] != n_inputs or X.dtype.kind not in "fiub":
            raise DataError(f"{p}: expected a numeric (N, {n_inputs}) array; got {X.dtype} "
                            f"{X.shape}.")
        return X.astype(np.float64)
    try:
        with open(p, newline="", encoding="utf-8") as f:
            numbered = [(i, row) for i, row in enumerate(csv.reader(f), start=1)
                        if any(c.strip() for c in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{p}: cannot read the CSV file ({exc}).") from None
    if len(numbered) < 2:
        raise DataError(f"{p}: expected a header row and at least one data row.")
    header = [c.strip() for c in numbered[0][1]]
    lines = [i for i, _ in numbered[1:]]
    rows = [[c.strip() for c in row] for _, row in numbered[1:]]
    features = list(feature_names) if len(feature_names) == n_inputs else []
    if features and all(n in header for n in features):
        cols = [header.index(n) for n in features]
    elif not features and len(header) == n_inputs:
        cols = list(range(n_inputs))
    elif not features:
        raise DataError(f"{p}: the model takes {n_inputs} inputs (in order, it knows no "
                        f"feature names); the header has {len(header)} columns.")
    else:
        missing = [n for n in features if n not in header]
        unknown = [h for h in header if h not in features and h not in ignore]
        extra = f"; unknown column(s) {_names(unknown)}" if unknown else ""
        raise DataError(f"{p}: the model takes {n_inputs} inputs named as in training; the "
                        f"header has missing column(s) {_names(missing)}{extra}. Rename the "
                        "columns (any order).")
    try:
        X = np.array([[row[j] for j in cols] for row in rows], dtype=np.float64)
    except (ValueError, IndexError):
        raise _cell_error(p, rows, lines, cols, header) from None
    if not np.all(np.isfinite(X)):
        raise _cell_error(p, rows, lines, cols, header)
    return X


def predict_model(model: str, inputs: str, out: str | None = None, proba: bool = False,
                  stream: TextIO | None = None) -> int:
    """Write one prediction per input row as CSV to ``out`` (or stdout)."""
    from glassnet.train import tasks
    from glassnet.train.inference import predict, predict_proba
    from glassnet.train.persistence import load

    net = load(model)
    info = _info(net)
    run = getattr(net, "training_state", None)
    loss = run.loss if run is not None else tasks.default_loss(net)
    task = run.task if run is not None else tasks.infer_task(net, loss)
    if proba and task == "regression":
        raise ConfigError(f"--proba is only for classification models; {model} does "
                          "regression (its outputs are values, not probabilities).")
    target = (info.get("config") or {}).get("target") or "label"
    X = read_inputs(inputs, info.get("feature_names") or [], net.n_inputs, ignore=[target])
    pred = predict(net, X)  # raw X: the model applies its own standardization
    header: list[str]
    if pred.ndim == 1:
        names = _class_names(net, info)
        header, rows = ["prediction"], [[names[int(c)]] for c in pred]
    else:
        header = [f"output_{j}" for j in range(pred.shape[1])] if task != "multilabel" else [
            f"label_{j}" for j in range(pred.shape[1])]
        rows = [[repr(float(v)) if pred.dtype.kind == "f" else int(v) for v in r] for r in pred]
    if proba:
        P = predict_proba(net, X)
        names = _class_names(net, info) if P.shape[1] > 1 else ["1"]
        header += [f"p_{n}" for n in names]
        rows = [r + [f"{v:.6g}" for v in p] for r, p in zip(rows, P, strict=True)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if not out:
        (stream or sys.stdout).write(buf.getvalue())
        return 0
    try:
        Path(out).write_text(buf.getvalue(), encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{out}: cannot write the predictions ({exc.strerror or exc}).") from None
    print(f"glassnet predict: wrote {len(rows)} predictions to {out}", file=sys.stderr)
    return 0
