"""``glassnet train``: a configuration in, a run directory out.

A run directory holds ``config.yaml`` (rerun with ``--config``), ``checkpoint.glassnet``
(the last training state, rewritten every epoch and on Ctrl-C: ``--resume`` it),
``model.glassnet`` (the final model: best weights with early stopping), ``history.json``,
``history.csv`` and ``plots/*.png``.

Inputs are standardized with the training part's mean and std, and so are the targets of a
regression on an identity output; both statistics are stored with the model (``info``), so
``predict`` / ``evaluate`` on the loaded model take raw data and report original units.
Everything that can be checked is checked before the run directory is created; an
existing non-empty directory is only replaced with ``force``.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.errors import ConfigError, GlassnetError, TrainingError
from glassnet.train import config as run_config

CHECKPOINT, MODEL = "checkpoint.glassnet", "model.glassnet"
#: what a run directory receives (replaced with --force, removed when a run fails at once)
RUN_FILES = ("config.yaml", CHECKPOINT, MODEL, "history.json", "history.csv")
PLOT_FILES = ("training_curves.png", "learning_rate.png", "confusion_matrix.png")
#: the 2-D Playground sets: small networks without dropout fit them best
PLAYGROUND = ("circles", "xor", "gaussians", "spiral", "moons", "plane")


# ---------------------------------------------------------------------- data
def dataset_options(cfg: Mapping[str, Any]) -> dict[str, Any]:
    opts = dict(cfg.get("dataset_options") or {})
    for key in ("target", "test_fraction"):
        if cfg.get(key) is not None:
            opts[key] = cfg[key]
    return opts


def load_data(cfg: Mapping[str, Any], option_flag: str = "--dataset-option") -> Any:
    """The Dataset named by a run configuration: a name, a .csv/.npz/.npy file or a
    directory of MNIST-layout IDX files. ``option_flag`` is the command-line flag named
    when a loader option is missing."""
    from glassnet.datasets import list_datasets, load_dataset

    name, options = cfg["dataset"], dataset_options(cfg)
    try:
        path = Path(str(name)).expanduser()
        # a registered name wins over a directory of that name (e.g. a run directory 'spiral')
        if name not in list_datasets() and path.is_dir():
            return _load_idx_directory(path, options)
        return load_dataset(name, **options)
    except ConfigError as exc:
        missing = re.search(r"option '(\w+)' is required", str(exc))
        if not missing:
            raise
        key = missing.group(1)
        value = "DIR" if key == "directory" else "VALUE"
        raise ConfigError(f"{exc} Give it with {option_flag} {key}={value}.") from None


def _load_idx_directory(path: Path, options: Mapping[str, Any]) -> Any:
    """A directory holding the four IDX files (train/t10k images and labels) of MNIST,
    Fashion-MNIST (a directory name containing 'fashion' gets its class names) or alike."""
    from glassnet._validate import call_with_options
    from glassnet.datasets.idx import load_fashion_mnist, load_idx_dataset

    where = f"load_dataset({str(path)!r})"
    if "fashion" in path.name.lower():
        fn = functools.partial(load_fashion_mnist, directory=path)
        return call_with_options(where, fn, options, fixed=("directory",))
    fn = functools.partial(load_idx_dataset, path, name=path.name or "idx")
    return call_with_options(where, fn, options, fixed=("name", "class_names", "description"))


def data_info(cfg: Mapping[str, Any], ds: Any, stats: dict[str, np.ndarray] | None,
              target_stats: dict[str, np.ndarray] | None = None) -> dict:
    """What a model file keeps about its data (``TrainingRun.info``): the input
    standardization under ``"standardize"`` and the regression targets' under
    ``"standardize_targets"`` (applied and undone by predict / evaluate)."""
    return {"dataset": str(cfg["dataset"]), "task": ds.task, "n_classes": ds.n_classes,
            "class_names": list(ds.class_names), "feature_names": list(ds.feature_names),
            "standardize": stats, "standardize_targets": target_stats, "config": dict(cfg)}


def _standardization(cfg: Mapping[str, Any], net: Any, ds: Any, task: str
                     ) -> tuple[dict[str, np.ndarray] | None, dict[str, np.ndarray] | None]:
    """Statistics of the inputs and (regression on an unbounded output) of the targets."""
    if not cfg["standardize"]:
        return None, None
    from glassnet.datasets import Standardizer

    stats = Standardizer().fit(ds.X_train).state_dict()
    target_stats = None
    if task == "regression" and net.layers[-1].activation.name in ("identity", "linear"):
        y = np.asarray(ds.y_train, dtype=np.float64).reshape(ds.y_train.shape[0], -1)
        target_stats = Standardizer().fit(y).state_dict()
    return stats, target_stats


def _check_resumed_data(net: Any, ds: Any, cfg: Mapping[str, Any], resume: str) -> None:
    """The resumed network must fit the data set: same inputs and outputs."""
    info = net.training_state.info

    def outputs(task: str | None, n: int) -> str:
        return f"{n} classes" if task == "classification" else f"{n} output(s)"

    trained_task = info.get("task", ds.task)
    if (ds.n_features, ds.n_outputs, ds.task) != (net.n_inputs, net.n_outputs, trained_task):
        raise ConfigError(
            f"--resume: {resume} was trained on {info.get('dataset')!r} with "
            f"{net.n_inputs} features and {outputs(trained_task, net.n_outputs)}; "
            f"--dataset {cfg['dataset']} has {ds.n_features} features and "
            f"{outputs(ds.task, ds.n_outputs)}. Resume on the same data, or start a new run.")


def loss_convention(loss: Any, n_outputs: int, regularization: Any = None) -> str:
    """What a reported loss is, e.g. ``"½·MSE"`` for the ½(y − t)² squared error on one
    output, the loss's name otherwise; ``" + penalty"`` with regularization."""
    from glassnet.losses import SquaredError

    if isinstance(loss, SquaredError) and loss.reduction == "mean":
        f = float(loss.factor) * n_outputs  # summed over outputs, MSE averages them
        text = "½·MSE" if f == 0.5 else "MSE" if f == 1 else f"{f:g}·MSE"
    else:
        text = str(loss.name)
    if regularization is not None and getattr(regularization, "active", False):
        text += " + penalty"
    return text


# ---------------------------------------------------------------------- network
def build_network(cfg: Mapping[str, Any], ds: Any) -> Any:
    """The MLP of a configuration: n_in → hidden… → n_out."""
    from glassnet.train.tasks import mlp

    return mlp(ds.n_features, cfg["hidden"], ds.n_outputs, ds.task,
               activation=cfg["activation"], output_activation=cfg["output_activation"],
               dropout=cfg["dropout"], dtype=cfg["dtype"], seed=cfg["seed"])


def describe(cfg: Mapping[str, Any], net: Any) -> str:
    sizes = "-".join(str(n) for n in [net.n_inputs, *cfg["hidden"], net.n_outputs])
    drop = f", dropout {cfg['dropout']:g}" if cfg["dropout"] else ""
    return (f"network {sizes} {cfg['activation']}{drop} → {net.layers[-1].activation.name}; "
            f"{cfg['optimizer']} lr {cfg['lr']:g}, batch {cfg['batch_size']}, "
            f"{cfg['epochs']} epoch{'s' * (cfg['epochs'] != 1)}, {net.dtype.name}")


# ---------------------------------------------------------------------- the run
def default_out() -> Path:
    base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    out, k = base, 2
    while out.exists():
        out, k = base.with_name(f"{base.name}-{k}"), k + 1
    return out


def _is_playground(name: Any) -> bool:
    from glassnet.datasets.registry import ALIASES

    key = str(name).lower()
    return ALIASES.get(key, key) in PLAYGROUND


def _configure(config_file: str | None, flags: Mapping[str, Any], resume: str | None
               ) -> tuple[dict[str, Any], Any, set[str]]:
    """The resolved configuration, the resumed network (or None), the keys given."""
    layers = [run_config.read_file(config_file)] if config_file else []
    layers.append(run_config.check(flags, flags=True))
    given = {k for layer in layers for k in layer}
    if not resume:
        cfg = run_config.resolve(*layers)
        if "dropout" not in given and _is_playground(cfg["dataset"]):
            cfg["dropout"] = 0.0
        return cfg, None, given
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


def _loss(cfg: Mapping[str, Any], net: Any, run: Any) -> Any:
    """The run's loss (a resumed run keeps its own), checked against the output layer."""
    from glassnet.losses import get_loss
    from glassnet.train import tasks

    if run is not None:
        return run.loss
    loss = get_loss(cfg["loss"]) if cfg["loss"] is not None else tasks.default_loss(net)
    net.check_loss(loss)
    return loss


def _fit_options(cfg: Mapping[str, Any], run: Any, given: set[str], info: dict[str, Any],
                 epochs: int) -> dict[str, Any]:
    """``fit``'s keyword arguments for a configuration; names are checked here, before any
    file is written (a resumed run keeps its optimizer state unless it is reconfigured)."""
    from glassnet.train.run import resolve_optimizer, resolve_schedule, schedule_length

    options: dict[str, Any] = {
        "epochs": epochs, "batch_size": cfg["batch_size"], "verbose": cfg["verbose"],
        "validation_split": cfg["val_split"], "info": info,
        "regularization": cfg["l2"] or None,
    }
    if run is None or given & {"schedule", "schedule_options", "schedule_unit"}:
        # a schedule given to fit starts with that call; --resume without schedule flags
        # keeps the saved one, which carries on where it stopped
        options["schedule_unit"] = cfg["schedule_unit"]
        options["schedule"] = (None if not cfg["schedule"] else
                               {"name": cfg["schedule"], **cfg["schedule_options"]})
    if run is None or given & {"optimizer", "optimizer_options"}:
        options["optimizer"] = {"name": cfg["optimizer"], **cfg["optimizer_options"]}
    if run is None or given & {"optimizer", "optimizer_options", "lr"}:
        options["lr"] = cfg["lr"]  # alone: the resumed optimizer keeps its state
    if run is None:
        options["loss"] = cfg["loss"]
    optimizer = (resolve_optimizer(options["optimizer"], cfg["lr"], None)
                 if "optimizer" in options else run.optimizer)
    if "schedule" in options:
        resolve_schedule(options["schedule"], optimizer, length=1)
    elif schedule_length(run.schedule) is not None:
        # the kept schedule spans the saved --epochs: fit would refuse to go past its end,
        # but only after the run directory was rewritten
        saved = (run.info.get("config") or {}).get("epochs")
        if isinstance(saved, int) and cfg["epochs"] > saved:
            raise ConfigError(
                f"--resume: the saved {getattr(run.schedule, 'name', '')} schedule ends at "
                f"epoch {saved} (the saved --epochs); to train to epoch {cfg['epochs']} give "
                "--schedule (a new schedule over the remaining epochs).")
    return options


def _check_out(out_dir: Path, resume: str | None, force: bool) -> bool:
    """Refuse an ``--out`` that cannot become this run's directory; True when it holds an
    earlier run whose files are to be replaced (``force``)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir}: a file of that name exists; give a directory.")
    if not out_dir.is_dir():
        parent = next((p for p in out_dir.absolute().parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise ConfigError(f"--out {out_dir}: cannot create it, {parent} is a file.")
        if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"--out {out_dir}: cannot create it, {parent} is not writable.")
        return False
    if resume is not None and out_dir.resolve() == Path(resume).resolve().parent:
        return False  # continuing the run in its own directory
    held = sorted(p.name for p in out_dir.iterdir())
    if not held:
        return False
    if not force:
        shown = ", ".join(held[:4]) + (", ..." if len(held) > 4 else "")
        raise ConfigError(f"--out {out_dir}: the directory is not empty ({shown}); give a new "
                          "directory, or add --force to replace the run in it.")
    return True


def _make_out(out_dir: Path, replace: bool, cfg: Mapping[str, Any]) -> list[Path]:
    """Create the run directory and write config.yaml; returns the directories created."""
    created = [p for p in [out_dir, *out_dir.parents] if not p.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if replace:
            for path in [*(out_dir / n for n in RUN_FILES),
                         *(out_dir / "plots" / n for n in PLOT_FILES)]:
                path.unlink(missing_ok=True)
        run_config.write_file(cfg, out_dir / "config.yaml")
    except OSError as exc:
        raise ConfigError(f"--out {out_dir}: cannot write the run directory "
                          f"({exc.strerror or exc}).") from None
    return created


def _remove_run(out_dir: Path, created: list[Path]) -> None:
    """Undo :func:`_make_out` after a run that failed before its first checkpoint."""
    for name in RUN_FILES:
        (out_dir / name).unlink(missing_ok=True)
    for directory in created:  # deepest first
        try:
            directory.rmdir()
        except OSError:
            break


def check_config(cfg: Mapping[str, Any], ds: Any = None) -> dict[str, Any]:
    """Run the checks ``glassnet train`` makes before it creates a run directory, on a
    configuration (any subset of the keys, over the defaults), without training: keys and
    values, the data set (``ds``, if already loaded, must be the configuration's), the
    network, the loss against the output layer and the targets, and the optimizer and
    schedule names and options. Returns the resolved configuration; ConfigError (or another
    GlassnetError) names what is wrong."""
    from glassnet.train import tasks
    from glassnet.train.inference import prepare_inputs, prepare_targets

    resolved = run_config.resolve(run_config.check(cfg))
    if "dropout" not in cfg and _is_playground(resolved["dataset"]):
        resolved["dropout"] = 0.0
    if resolved["epochs"] == 0:
        raise ConfigError("config: epochs must be at least 1 for a new run; got 0.")
    ds = load_data(resolved) if ds is None else ds
    net = build_network(resolved, ds)
    loss = _loss(resolved, net, None)
    task = tasks.infer_task(net, loss)
    stats, target_stats = _standardization(resolved, net, ds, task)
    info = data_info(resolved, ds, stats, target_stats)
    X_train = prepare_inputs(net, ds.X_train[:2], info=info, where=ds.name)
    y_train = prepare_targets(net, ds.y_train[:2], info=info)
    loss.prepare_targets(y_train, X_train.shape[0], net.n_outputs, net.dtype)
    _fit_options(resolved, None, set(cfg), info, resolved["epochs"])
    return resolved


def train_run(config_file: str | None = None, flags: Mapping[str, Any] | None = None,
              out: str | os.PathLike[str] | None = None, resume: str | None = None,
              force: bool = False, callbacks: Sequence[Any] = ()) -> int:
    """Run ``glassnet train``; returns the exit code (0, 1 diverged, 130 interrupted).

    The configuration, data set, network, loss, targets and ``out`` are all checked before
    the run directory is created; a failure before the first checkpoint removes what was
    written. A non-empty ``out`` other than the resumed checkpoint's directory is refused
    unless ``force`` (which replaces the run files in it). ``verbose`` 0 prints only the
    test result (stdout) and errors. ``callbacks`` are added to fit's (after the run's
    checkpoint and loggers), e.g. to watch the per-epoch validation metric of a sweep.
    """
    from glassnet.train import tasks
    from glassnet.train.callbacks import CSVLogger, EarlyStopping, JSONLogger, ModelCheckpoint
    from glassnet.train.inference import evaluate, prepare_inputs, prepare_targets

    cfg, net, given = _configure(config_file, dict(flags or {}), resume)
    if net is None and cfg["epochs"] == 0:
        raise ConfigError("--epochs must be at least 1 for a new run; got 0.")
    quiet = cfg["verbose"] == 0
    out_dir = Path(out) if out else (Path(resume).parent if resume else default_out())
    replace = _check_out(out_dir, resume, force)
    ds = load_data(cfg)
    run = getattr(net, "training_state", None)
    if net is None:
        net = build_network(cfg, ds)
    else:
        _check_resumed_data(net, ds, cfg, str(resume))
    loss = _loss(cfg, net, run)
    task = run.task if run is not None else tasks.infer_task(net, loss)
    if run is None:
        stats, target_stats = _standardization(cfg, net, ds, task)
    else:
        stats = run.info.get("standardize")
        target_stats = run.info.get("standardize_targets")
    info = data_info(cfg, ds, stats, target_stats)
    X_train = prepare_inputs(net, ds.X_train, info=info, where=ds.name)
    y_train = prepare_targets(net, ds.y_train, info=info)
    # the targets must suit the loss and the output layer (e.g. class indices for softmax)
    loss.prepare_targets(y_train, X_train.shape[0], net.n_outputs, net.dtype)
    epochs = cfg["epochs"] - (run.epoch if run is not None else 0)
    options = _fit_options(cfg, run, given, info, max(epochs, 0))
    if epochs <= 0 and not (run is not None and run.epoch_state is not None):
        if not quiet:
            print(f"glassnet train: already trained {run.epoch} epochs (--epochs "
                  f"{cfg['epochs']}); nothing to do.", file=sys.stderr)
        return 0
    created = _make_out(out_dir, replace, cfg)
    if not quiet:
        print(f"glassnet train: {ds.summary()}\n  {describe(cfg, net)}\n  run directory "
              f"{out_dir}", file=sys.stderr)
    options["callbacks"] = [ModelCheckpoint(out_dir / CHECKPOINT), CSVLogger(
        out_dir / "history.csv"), JSONLogger(out_dir / "history.json")]
    if cfg["early_stopping"]:
        options["callbacks"].append(EarlyStopping("val_loss", patience=cfg["early_stopping"]))
    options["callbacks"].extend(callbacks)
    ck = out_dir / CHECKPOINT
    try:
        history = net.fit(ds.X_train, ds.y_train, **options)  # raw: fit applies `info`
    except TrainingError as exc:
        note = f" The last good checkpoint is {ck}." if ck.exists() else ""
        if not ck.exists():
            _remove_run(out_dir, created)
        print(f"glassnet train: error: {exc}{note}", file=sys.stderr)
        return 1
    except GlassnetError:
        if not ck.exists():
            _remove_run(out_dir, created)
        raise
    run = net.training_state
    if ds.X_test.shape[0]:
        result = evaluate(net, ds.X_test, ds.y_test, detailed=True)  # raw: the model prepares
        history.meta["test"] = {k: v for k, v in result.items() if isinstance(v, float | int)}
        _print_result(ds, result, loss_convention(run.loss, net.n_outputs, run.regularization))
    else:
        result = None
    net.save(out_dir / MODEL)
    history.save_json(out_dir / "history.json")
    history.save_csv(out_dir / "history.csv")
    if cfg["plots"]:
        _plots(out_dir, ds, history, result)
    if run.interrupted:
        # with verbose > 0 fit has already said where it stopped
        reason = "" if not quiet else f" {run.stop_reason or 'interrupted (Ctrl-C)'}."
        print(f"glassnet train:{reason} Saved {ck}; continue with: glassnet train --resume "
              f"{ck}", file=sys.stderr)
        return 130
    if not quiet:
        print(f"glassnet train: wrote {out_dir}", file=sys.stderr)
    return 0


def _print_result(ds: Any, result: Mapping[str, Any], convention: str) -> None:
    n = result["n_samples"]
    if ds.task == "classification":
        correct = round(result["accuracy"] * n)
        print(f"test accuracy: {result['accuracy']:.4f} ({correct}/{n} correct), "
              f"test loss {result['loss']:.4f}, macro F1 {result['macro_f1']:.4f}")
    else:
        print(f"test loss {result['loss']:.4g} ({convention}), MSE {result['mse']:.4g}, MAE "
              f"{result['mae']:.4g}, R² {result['r2']:.4f} ({n} samples)")


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
