"""Gradient flow: per-layer gradient norms and saturated / dead units over training.

:class:`GradientFlowRecorder` is a training callback. After every batch it reads the
engine's records of that batch (``run.last_pass``, ``run.net``) and measures, per layer l:

* ``grad_norm``: ‖∂C/∂W^l‖ (Frobenius norm of the weight gradient of the batch, as the
  optimizer received it, i.e. after clipping if the optimizer clips);
* ``saturation``: for sigmoid layers the share of activations with |a − 0.5| > 0.49
  (a < 0.01 or a > 0.99, where f'(z) = a(1 − a) < 0.0099, under 4% of its maximum 0.25);
  for tanh layers the share with |a| > 0.98 (f'(z) = 1 − a² < 0.04); for ReLU layers the
  share of **dead units**: units whose z ≤ 0 for every sample of the batch, so that no
  gradient reaches their weights. Other activations: NaN (not measured);
* ``mean_derivative``: the mean of f'(z^l) over the batch (NaN for softmax), the factor
  by which δ shrinks or grows through the layer's nonlinearity (σ' ≤ 0.25 always).

Per epoch it stores the mean over the epoch's batches. :func:`plot_gradient_flow` draws
several recorders side by side; :func:`gradient_flow_experiment` trains the classic pair,
a deep sigmoid network against the same depth with ReLU, to show vanishing gradients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glassnet.errors import ConfigError
from glassnet.plot import style
from glassnet.train.callbacks import Callback

#: |a − 0.5| above this: a saturated sigmoid unit
SIGMOID_THRESHOLD = 0.49
#: |a| above this: a saturated tanh unit
TANH_THRESHOLD = 0.98


def saturation_kind(activation_name: str) -> str | None:
    """ "saturated" (sigmoid, tanh), "dead" (relu) or None (not measured)."""
    if activation_name in ("sigmoid", "tanh"):
        return "saturated"
    if activation_name == "relu":
        return "dead"
    return None


def saturation_share(activation_name: str, z: np.ndarray, a: np.ndarray) -> float:
    """Share of saturated entries (sigmoid, tanh) or of dead units (relu) in one batch."""
    if activation_name == "sigmoid":
        return float(np.mean(np.abs(a - 0.5) > SIGMOID_THRESHOLD))
    if activation_name == "tanh":
        return float(np.mean(np.abs(a) > TANH_THRESHOLD))
    if activation_name == "relu":
        return float(np.mean(np.all(z <= 0, axis=0)))
    return float("nan")


class GradientFlowRecorder(Callback):
    """Record per-layer gradient norms and saturated / dead unit shares during ``fit``.

    Attributes (filled as training runs)
    ------------------------------------
    epochs : list of epoch numbers
    grad_norm : (n_epochs, L) array, the mean over each epoch's batches of ‖∂C/∂W^l‖
    saturation : (n_epochs, L) array of the mean share (NaN where not measured)
    mean_derivative : (n_epochs, L) array, the mean f'(z) of each layer
    step_grad_norm, step_saturation : (n_steps, L) arrays, one row per batch
    activations : activation name per layer; ``kinds``: "saturated" / "dead" / None
    label : shown in plots (default: the activations, e.g. "sigmoid × 6")

    Use :meth:`record` to measure a Pass directly, outside ``fit``.
    """

    def __init__(self, label: str | None = None) -> None:
        self.label = label
        self.activations: list[str] = []
        self.kinds: list[str | None] = []
        self.epochs: list[int] = []
        self._epoch_norms: list[np.ndarray] = []
        self._epoch_sat: list[np.ndarray] = []
        self._steps_norm: list[np.ndarray] = []
        self._steps_sat: list[np.ndarray] = []
        self._epoch_deriv: list[np.ndarray] = []
        self._steps_deriv: list[np.ndarray] = []
        self._batch_start = 0

    # -- measuring ---------------------------------------------------------------------
    def _setup(self, net: Any) -> None:
        names = [layer.activation.name for layer in net.layers]
        if self.activations and self.activations != names:
            raise ConfigError("GradientFlowRecorder: used with a different network.")
        self.activations = names
        self.kinds = [saturation_kind(n) for n in names]
        if self.label is None:
            hidden = names[:-1] or names
            same = all(n == hidden[0] for n in hidden)
            self.label = f"{hidden[0]} × {len(hidden)} hidden" if same else " / ".join(names)

    def record(self, net: Any, p: Any) -> None:
        """Measure one batch: ``p`` is the Pass whose gradients ``net.grads`` holds."""
        if not self.activations:
            self._setup(net)
        norms = np.array([float(np.linalg.norm(layer.grad_W)) for layer in net.layers])
        sat = np.array(
            [
                saturation_share(name, rec.z, rec.a)
                for name, rec in zip(self.activations, p.layers, strict=True)
            ]
        )
        deriv = np.array(
            [
                float(np.mean(layer.activation.derivative(rec.z, rec.a)))
                if layer.activation.elementwise
                else np.nan
                for layer, rec in zip(net.layers, p.layers, strict=True)
            ]
        )
        self._steps_norm.append(norms)
        self._steps_sat.append(sat)
        self._steps_deriv.append(deriv)

    def end_epoch(self, epoch: int | None = None) -> None:
        """Average the batches recorded since the last call into one epoch row."""
        rows = slice(self._batch_start, len(self._steps_norm))
        if rows.start == rows.stop:
            return
        self._epoch_norms.append(np.mean(self._steps_norm[rows], axis=0))
        sat = np.array(self._steps_sat[rows])
        with np.errstate(invalid="ignore"):
            mean = np.full(sat.shape[1], np.nan)
            measured = ~np.all(np.isnan(sat), axis=0)
            mean[measured] = np.mean(sat[:, measured], axis=0)
        self._epoch_sat.append(mean)
        self._epoch_deriv.append(np.mean(self._steps_deriv[rows], axis=0))
        self.epochs.append(len(self.epochs) + 1 if epoch is None else int(epoch))
        self._batch_start = rows.stop

    # -- callback hooks ----------------------------------------------------------------
    def on_train_begin(self, run: Any) -> None:
        self._setup(run.net)

    def on_batch_end(self, run: Any, batch: int, logs: dict[str, Any]) -> None:
        self.record(run.net, run.last_pass)

    def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, Any]) -> None:
        self.end_epoch(epoch)

    # -- results -----------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        return len(self.activations)

    @property
    def grad_norm(self) -> np.ndarray:
        return np.array(self._epoch_norms).reshape(-1, self.n_layers)

    @property
    def saturation(self) -> np.ndarray:
        return np.array(self._epoch_sat).reshape(-1, self.n_layers)

    @property
    def mean_derivative(self) -> np.ndarray:
        return np.array(self._epoch_deriv).reshape(-1, self.n_layers)

    @property
    def step_grad_norm(self) -> np.ndarray:
        return np.array(self._steps_norm).reshape(-1, self.n_layers)

    @property
    def step_saturation(self) -> np.ndarray:
        return np.array(self._steps_sat).reshape(-1, self.n_layers)


def _as_runs(recorders: Any) -> dict[str, GradientFlowRecorder]:
    if isinstance(recorders, GradientFlowRecorder):
        recorders = [recorders]
    if isinstance(recorders, Mapping):
        runs = {str(k): v for k, v in recorders.items()}
    elif isinstance(recorders, Sequence):
        runs = {}
        for i, r in enumerate(recorders, start=1):
            runs[r.label or f"run {i}"] = r
    else:
        raise ConfigError("gradient flow: expected a GradientFlowRecorder, a list or a dict.")
    for k, r in runs.items():
        if not isinstance(r, GradientFlowRecorder) or not r.epochs:
            raise ConfigError(f"gradient flow: run {k!r} recorded no epoch.")
    return runs


def plot_gradient_flow(
    recorders: Any,
    path: Any = None,
    *,
    title: str | None = None,
    dpi: float | None = None,
) -> style.PlotResult:
    """Per run: ‖∂C/∂W^l‖ per layer over epochs (log scale) above the share of saturated
    or dead units; on the right, the norm against depth in the first and last epoch.

    ``recorders``: one recorder, a list, or ``{label: recorder}``. ``data["runs"]``:
    ``{label: {"epochs", "grad_norm" (E, L), "saturation" (E, L), "activations", "kinds"}}``.
    """
    import matplotlib as mpl

    runs = _as_runs(recorders)
    n = len(runs)
    L_max = max(r.n_layers for r in runs.values())
    cmap = mpl.colormaps[style.ORDERED]
    data: dict[str, Any] = {"runs": {}}
    with style.rc():
        fig = style.new_figure(figsize=(4.3 * n + 4.6, 7.2))
        gs = fig.add_gridspec(
            2, n + 1, width_ratios=[1] * n + [1.1], hspace=0.32, wspace=0.35, bottom=0.16
        )
        ax_depth = fig.add_subplot(gs[:, n])
        top_axes = []
        for i, (label, rec) in enumerate(runs.items()):
            ax = fig.add_subplot(gs[0, i], sharey=top_axes[0] if top_axes else None)
            axs = fig.add_subplot(gs[1, i], sharex=ax)
            top_axes.append(ax)
            G, S, E = rec.grad_norm, rec.saturation, np.array(rec.epochs)
            L = rec.n_layers
            for l in range(L):
                c = cmap(l / max(L_max - 1, 1))
                ax.plot(E, G[:, l], color=c, lw=1.6, label=f"layer {l + 1}", gid=f"{label}:{l}")
                if rec.kinds[l] is not None:
                    axs.plot(E, 100 * S[:, l], color=c, lw=1.6, label=f"layer {l + 1}")
            ax.set_yscale("log")
            ax.set_title(f"{label}\n‖∂C/∂Wˡ‖ per layer", fontsize=10)
            ax.set_ylabel("gradient norm ‖∂C/∂Wˡ‖ (mean over batches)")
            kinds = {k for k in rec.kinds if k}
            what = " / ".join(sorted(kinds)) if kinds else "not measured"
            axs.set_title(f"{what} units", fontsize=10)
            axs.set_ylabel(f"{what} units (% of layer)")
            axs.set_xlabel("epoch")
            axs.set_ylim(-3, 103)
            ax.tick_params(labelbottom=False)
            D = rec.mean_derivative
            measured = [l for l in range(L) if rec.kinds[l] is not None]
            if measured and np.nanmax(S[:, measured]) < 0.005:
                hidden = D[-1, measured]
                axs.text(
                    0.5,
                    0.55,
                    f"none {what} (< 0.5%)\nmean f'(z) per layer, last epoch:\n"
                    f"{np.min(hidden):.2g} … {np.max(hidden):.2g}",
                    transform=axs.transAxes,
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    bbox={"fc": "white", "ec": "0.7"},
                )
            # depth profile: first and last epoch
            depth = np.arange(1, L + 1)
            ax_depth.plot(
                depth,
                G[0],
                color=style.color(i),
                marker=style.marker(i),
                lw=1.8,
                ls="--",
                label=f"{label}, epoch {E[0]}",
            )
            ax_depth.plot(
                depth,
                G[-1],
                color=style.color(i),
                marker=style.marker(i),
                lw=1.8,
                label=f"{label}, epoch {E[-1]}",
            )
            data["runs"][label] = {
                "epochs": E,
                "grad_norm": G,
                "saturation": S,
                "activations": list(rec.activations),
                "kinds": list(rec.kinds),
                "mean_derivative": rec.mean_derivative,
            }
        ax_depth.set_yscale("log")
        ax_depth.set_xlabel("layer l (1 = next to the input)")
        ax_depth.set_ylabel("gradient norm ‖∂C/∂Wˡ‖")
        ax_depth.set_title("gradient norm against depth", fontsize=10)
        ax_depth.xaxis.get_major_locator().set_params(integer=True)
        ax_depth.legend(loc="best", fontsize=8)
        handles, labels = max(
            top_axes, key=lambda a: len(a.get_lines())
        ).get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="lower center",
            ncol=min(len(labels), 10),
            frameon=False,
            bbox_to_anchor=(0.4, -0.01),
            title="layer colours (1 = next to the input)",
            fontsize=8,
        )
        fig.suptitle(
            title
            or "Gradient flow: gradient norm per layer and saturated (|a−0.5|>0.49, |a|>0.98) "
            "or dead ReLU units",
            fontsize=11,
        )
    return style.finish(fig, path, data, "gradient_flow", dpi)


def gradient_flow_experiment(
    activations: Sequence[str] = ("sigmoid", "relu"),
    *,
    depth: int = 8,
    width: int = 16,
    dataset: str = "circles",
    epochs: int = 15,
    optimizer: str = "sgd",
    lr: float = 0.1,
    batch_size: int = 32,
    n_samples: int = 400,
    seed: int = 0,
) -> dict[str, GradientFlowRecorder]:
    """Train one network per activation (``depth`` hidden layers of ``width`` units, the
    same data, optimizer and seed) and return ``{label: recorder}``. ``dataset`` is a 2-D
    Playground set (circles, xor, gaussians, spiral, moons, plane); others are a ConfigError.

    The default compares 8 sigmoid layers with 8 ReLU layers on the circles set with plain
    SGD: the sigmoid network's gradients shrink layer by layer towards the input.
    """
    from glassnet.datasets import Standardizer, load_dataset
    from glassnet.plot.decision_boundary import check_playground
    from glassnet.train.tasks import mlp

    check_playground("gradient flow", dataset)
    data = load_dataset(dataset, n_samples=n_samples, seed=seed)
    scaler = Standardizer().fit(data.X_train)
    X = scaler.transform(data.X_train)
    n_out = data.n_outputs
    out = {}
    for act in activations:
        net = mlp(
            X.shape[1],
            [width] * depth,
            n_out,
            data.task,
            activation=act,
            dtype="float64",
            seed=seed,
        )
        rec = GradientFlowRecorder(label=f"{act} × {depth} hidden")
        net.fit(
            X,
            data.y_train,
            loss="cross_entropy" if n_out > 1 else "squared_error",
            optimizer={"name": optimizer, "lr": lr},
            epochs=epochs,
            batch_size=batch_size,
            callbacks=[rec],
            verbose=0,
        )
        out[rec.label] = rec
    return out
