"""``glassnet train``: a configuration in, a run directory out.

A run directory holds ``config.yaml`` (rerun with ``--config``), ``checkpoint.glassnet``
(the last training state, rewritten every epoch and on Ctrl-C: ``--resume`` it),
``model.glassnet`` (the final model: best weights with early stopping), ``history.json``,
``history.csv`` and ``plots/*.png``.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import ConfigError, TrainingError
from glassnet.train import config as run_config

CHECKPOINT, MODEL = "checkpoint.glassnet", "model.glassnet"


# ---------------------------------------------------------------------- data
def dataset_options(cfg: Mapping[str, Any]) -> dict[str, Any]:
    opts = dict(cfg.get("dataset_options") or {})
    for key in ("target", "test_fraction"):
        if cfg.get(key) is not None:
            opts[key] = cfg[key]
    return opts


def load_data(cfg: Mapping[str, Any]) -> Any:
    """The Dataset named by a run configuration."""
    from glassnet.datasets import load_dataset

    return load_dataset(cfg["dataset"], **dataset_options(cfg))


def standardize(info: Mapping[str, Any], X: np.ndarray) -> np.ndarray:
    """Apply the standardization stored with a model (if any) to inputs X."""
    stats = info.get("standardize")
    if not stats:
        return X
    from glassnet.datasets import Standardizer

    return Standardizer.from_state_dict(stats).transform(X)


def data_info(cfg: Mapping[str, Any], ds: Any, stats: dict[str, np.ndarray] | None) -> dict:
    """What a model file keeps about its data (``TrainingRun.info``)."""
    return {"dataset": str(cfg["dataset"]), "task": ds.task, "n_classes": ds.n_classes,
            "class_names": list(ds.class_names), "feature_names": list(ds.feature_names),
            "standardize": stats, "config": dict(cfg)}


# ---------------------------------------------------------------------- network
def build_network(cfg: Mapping[str, Any], ds: Any) -> Any:
    """The MLP of a configuration: n_in → hidden… → n_out."""
    from glassnet import Dense, Network

    sizes = [ds.n_features, *cfg["hidden"]]
    layers = [Dense(a, b, activation=cfg["activation"], dropout=cfg["dropout"] or None)
              for a, b in itertools.pairwise(sizes)]
    out_act = cfg["output_activation"] or (
        "softmax" if ds.task == "classification" else "identity")
    layers.append(Dense(sizes[-1], ds.n_outputs, activation=out_act))
    return Network(layers, dtype=cfg["dtype"], seed=cfg["seed"])


def describe(cfg: Mapping[str, Any], net: Any) -> str:
    sizes = "-".join(str(n) for n in [net.n_inputs, *cfg["hidden"], net.n_outputs])
    drop = f", dropout {cfg['dropout']:g}" if cfg["dropout"] else ""
    return (f"network {sizes} {cfg['activation']}{drop} → {net.layers[-1].activation.name}; "
            f"{cfg['optimizer']} lr {cfg['lr']:g}, batch {cfg['batch_size']}, "
            f"{cfg['epochs']} epochs, {net.dtype.name}")


# ---------------------------------------------------------------------- the run
def default_out() -> Path:
    base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    out, k = base, 2
    while out.exists():
        out, k = base.with_name(f"{base.name}-{k}"), k + 1
    return out


def _configure(config_file: str | None, flags: Mapping[str, Any], resume: str | None
               ) -> tuple[dict[str, Any], Any, set[str]]:
    """The resolved configuration, the resumed network (or None), the keys given."""
    layers = [run_config.read_file(config_file)] if config_file else []
    layers.append(run_config.check(flags, flags=True))
    given = {k for layer in layers for k in layer}
    if not resume:
        return run_config.resolve(*layers), None, given
    from glassnet.train.persistence import load

    net = load(resume)
    run = net.training_state
    if run is None or "config" not in run.info:
        raise ConfigError(f"{resume}: not a checkpoint of 'glassnet train' (no run "
                          "configuration inside); load it with glassnet.load in Python.")
    saved = run_config.check(run.info["config"], str(resume))
    cfg = run_config.resolve(saved, *layers)
    changed = [k for k in run_config.ARCHITECTURE if cfg[k] != saved[k]]
    if changed:
        raise ConfigError(f"--resume: cannot change {', '.join(changed)} of a saved network.")
    return cfg, net, given


def _fit_options(cfg: Mapping[str, Any], run: Any, given: set[str], info: dict[str, Any],
                 epochs: int) -> dict[str, Any]:
    """``fit``'s keyword arguments for a configuration; names are checked here, before any
    file is written (a resumed run keeps its optimizer state unless it is reconfigured)."""
    from glassnet.losses import get_loss
    from glassnet.train.run import resolve_optimizer, resolve_schedule

    options: dict[str, Any] = {
        "epochs": epochs, "batch_size": cfg["batch_size"], "verbose": cfg["verbose"],
        "validation_split": cfg["val_split"], "info": info,
        "regularization": cfg["l2"] or None, "schedule_unit": cfg["schedule_unit"],
        "schedule": None if not cfg["schedule"] else
        {"name": cfg["schedule"], **cfg["schedule_options"]},
    }
    if run is None or given & {"optimizer", "optimizer_options"}:
        options["optimizer"] = {"name": cfg["optimizer"], **cfg["optimizer_options"]}
    if run is None or given & {"optimizer", "optimizer_options", "lr"}:
        options["lr"] = cfg["lr"]  # alone: the resumed optimizer keeps its state
    if run is None:
        options["loss"] = cfg["loss"]
        if cfg["loss"] is not None:
            get_loss(cfg["loss"])
    optimizer = (resolve_optimizer(options["optimizer"], cfg["lr"], None)
                 if "optimizer" in options else run.optimizer)
    resolve_schedule(options["schedule"], optimizer, length=1)
    return options


def train_run(config_file: str | None = None, flags: Mapping[str, Any] | None = None,
              out: str | os.PathLike[str] | None = None, resume: str | None = None) -> int:
    """Run ``glassnet train``; returns the exit code (0, 1 diverged, 130 interrupted)."""
    from glassnet.train.callbacks import CSVLogger, EarlyStopping, JSONLogger, ModelCheckpoint
    from glassnet.train.inference import evaluate

    cfg, net, given = _configure(config_file, dict(flags or {}), resume)
    out_dir = Path(out) if out else (Path(resume).parent if resume else default_out())
    ds = load_data(cfg)
    if net is None:
        net = build_network(cfg, ds)
        stats = None
        if cfg["standardize"]:
            from glassnet.datasets import Standardizer

            stats = Standardizer().fit(ds.X_train).state_dict()
    else:
        stats = net.training_state.info.get("standardize")
    info = data_info(cfg, ds, stats)
    X_train, X_test = standardize(info, ds.X_train), standardize(info, ds.X_test)
    run = getattr(net, "training_state", None)
    epochs = cfg["epochs"] - (run.epoch if run is not None else 0)
    options = _fit_options(cfg, run, given, info, max(epochs, 0))
    if epochs <= 0 and not (run is not None and run.epoch_state is not None):
        print(f"glassnet train: already trained {run.epoch} epochs (--epochs {cfg['epochs']}); "
              "nothing to do.", file=sys.stderr)
        return 0
    out_dir.mkdir(parents=True, exist_ok=True)
    run_config.write_file(cfg, out_dir / "config.yaml")
    print(f"glassnet train: {ds.summary()}\n  {describe(cfg, net)}\n  run directory {out_dir}",
          file=sys.stderr)
    options["callbacks"] = [ModelCheckpoint(out_dir / CHECKPOINT), CSVLogger(
        out_dir / "history.csv"), JSONLogger(out_dir / "history.json")]
    if cfg["early_stopping"]:
        options["callbacks"].append(EarlyStopping("val_loss", patience=cfg["early_stopping"]))
    try:
        history = net.fit(X_train, ds.y_train, **options)
    except TrainingError as exc:
        ck = out_dir / CHECKPOINT
        note = f" The last good checkpoint is {ck}." if ck.exists() else ""
        print(f"glassnet train: error: {exc}{note}", file=sys.stderr)
        return 1
    run = net.training_state
    if ds.X_test.shape[0]:
        result = evaluate(net, X_test, ds.y_test, detailed=True)
        history.meta["test"] = {k: v for k, v in result.items() if isinstance(v, float | int)}
        _print_result(ds, result)
    else:
        result = None
    net.save(out_dir / MODEL)
    history.save_json(out_dir / "history.json")
    history.save_csv(out_dir / "history.csv")
    if cfg["plots"]:
        _plots(out_dir, ds, history, result)
    if run.interrupted:
        print(f"glassnet train: interrupted — {run.stop_reason}. Saved {out_dir / CHECKPOINT}; "
              f"continue with: glassnet train --resume {out_dir / CHECKPOINT}", file=sys.stderr)
        return 130
    print(f"glassnet train: wrote {out_dir}", file=sys.stderr)
    return 0


def _print_result(ds: Any, result: Mapping[str, Any]) -> None:
    n = result["n_samples"]
    if ds.task == "classification":
        correct = round(result["accuracy"] * n)
        print(f"test accuracy: {result['accuracy']:.4f} ({correct}/{n} correct), "
              f"test loss {result['loss']:.4f}, macro F1 {result['macro_f1']:.4f}")
    else:
        print(f"test loss {result['loss']:.4f}, MSE {result['mse']:.4g}, MAE {result['mae']:.4g}, "
              f"R² {result['r2']:.4f} ({n} samples)")


def _plots(out_dir: Path, ds: Any, history: Any, result: Mapping[str, Any] | None) -> None:
    from glassnet import plot

    plots = out_dir / "plots"
    plots.mkdir(exist_ok=True)
    metric = "accuracy" if ds.task == "classification" else "mae"
    plot.training_curves(history, plots / "training_curves.png", metrics=("loss", metric))
    plot.learning_rate(history, plots / "learning_rate.png")
    if result is not None and "confusion_matrix" in result:
        plot.confusion_matrix(result["confusion_matrix"], list(ds.class_names),
                              plots / "confusion_matrix.png")
