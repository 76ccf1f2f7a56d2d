"""One browser session's state machine: data → feature map → Network → optimizer → steps.

States: *paused* (after config, reset, upload, load_model, pause or divergence) and
*playing* (the server's task calls :meth:`Session.step` between frames). One step is one
minibatch of the shuffled training set::

    Φ = φ(X_batch)          (chosen features: x1, x2, x1², x2², x1·x2, sin x1, sin x2)
    ∂C/∂θ = Network.compute_gradients(Φ, T_batch, loss, regularization)
    θ ← optimizer.step(θ, ∂C/∂θ, lr = schedule(k))         k = number of steps so far

A step whose loss is NaN or ±inf is not applied: the session pauses with the reason.

The glass box (:meth:`inspect`, :meth:`walk`, :meth:`export`) writes the current weights and
the chosen samples into an exercise dict (docs/explain.md) and runs ``glassnet.explain`` on
it, so the panel's numbers and the exported YAML come from one code path.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import os
import tempfile
from typing import Any

import numpy as np

from glassnet.errors import GlassnetError
from glassnet.playground.messages import ACTIVATIONS, LIMITS, MessageError, check_config

Array = np.ndarray

#: feature name (protocol) → (name in exercise files, φ)
FEATURES: dict[str, tuple[str, Any]] = {
    "x1": ("x1", lambda X: X[:, 0]),
    "x2": ("x2", lambda X: X[:, 1]),
    "x1^2": ("x1_sq", lambda X: X[:, 0] ** 2),
    "x2^2": ("x2_sq", lambda X: X[:, 1] ** 2),
    "x1*x2": ("x1x2", lambda X: X[:, 0] * X[:, 1]),
    "sin_x1": ("sin_x1", lambda X: np.sin(X[:, 0])),
    "sin_x2": ("sin_x2", lambda X: np.sin(X[:, 1])),
}
PLAYGROUND_EXTENT = (-6.0, 6.0, -6.0, 6.0)


class SessionError(GlassnetError):
    """A request the session cannot carry out (index out of range, no upload, bad file)."""


def feature_map(X: Array, features: list[str]) -> Array:
    """Φ (N, F), float64: column f is φ_f(x1, x2) for the features in order."""
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([FEATURES[f][1](X) for f in features])


def b64f32(a: Any) -> str:
    """Base64 of the little-endian float32 bytes of ``a`` (flattened, row-major)."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


class Session:
    """The network, data, optimizer and counters of one browser session."""

    def __init__(self, config: Any = None) -> None:
        self.upload_data: tuple[Array, Array, str, str] | None = None  # X, y, task, name
        self.playing = False
        self.last_sample: int | None = None
        self._walk_cache: tuple[Any, ...] | None = None
        self.configure(check_config(config if config is not None else {}))

    # ------------------------------------------------------------------ building
    def configure(self, cfg: dict[str, Any]) -> None:
        """Rebuild data and network from a validated CONFIG; training restarts paused."""
        from glassnet.datasets.playground import load_playground

        d = cfg["dataset"]
        if d["name"] == "upload":
            if self.upload_data is None:
                raise SessionError("config.dataset.name: 'upload' needs an uploaded CSV first.")
            X, y, task, _ = self.upload_data
            rng = np.random.default_rng(d["seed"])
            perm = rng.permutation(len(X))
            n_train = max(1, min(len(X) - 1, round(d["train_ratio"] * len(X))))
            tr, te = perm[:n_train], perm[n_train:]
            self.X_train, self.y_train, self.X_test, self.y_test = X[tr], y[tr], X[te], y[te]
            self.task = task
            lo, hi = X.min(axis=0), X.max(axis=0)
            pad = 0.05 * np.maximum(hi - lo, 1e-9)
            self.extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]),
                           float(lo[1] - pad[1]), float(hi[1] + pad[1]))
        else:
            ds = load_playground(d["name"], d["n"], d["noise"], d["seed"],
                                 test_fraction=1.0 - d["train_ratio"])
            self.X_train, self.y_train = ds.X_train, ds.y_train
            self.X_test, self.y_test = ds.X_test, ds.y_test
            self.task = "regression" if ds.task == "regression" else "binary"
            self.extent = PLAYGROUND_EXTENT
        self.cfg = cfg
        self.features = cfg["features"]
        self.Phi_train = feature_map(self.X_train, self.features)
        self.Phi_test = feature_map(self.X_test, self.features)
        if self.task == "binary":
            self.loss_config: dict[str, Any] = {"name": "binary_cross_entropy"}
            self.output_activation = "sigmoid"
        else:
            self.loss_config = {"name": "squared_error", "factor": 0.5}
            self.output_activation = "identity"
        self.reset()

    def _build_network(self) -> None:
        from glassnet.layers import Dense
        from glassnet.network import Network

        cfg = self.cfg
        sizes = [len(self.features)] + [h["units"] for h in cfg["hidden"]] + [1]
        layers = []
        for i, h in enumerate(cfg["hidden"]):
            drop = cfg["dropout"][i] if cfg["dropout"] else None
            drop = drop if drop and drop["rate"] > 0 else None
            layers.append(Dense(sizes[i], sizes[i + 1], h["activation"], dropout=drop))
        layers.append(Dense(sizes[-2], 1, self.output_activation))
        self.net = Network(layers, dtype="float64", seed=cfg["seed"])

    def _build_training(self) -> None:
        from glassnet.losses import get_loss
        from glassnet.optim import get_optimizer
        from glassnet.regularization import Regularization
        from glassnet.schedules import get_schedule

        cfg = self.cfg
        o = dict(cfg["optimizer"])
        name, lr = o.pop("name"), o.pop("lr")
        if name in ("adam", "adamw") and ("beta1" in o or "beta2" in o):
            o["betas"] = [o.pop("beta1", 0.9), o.pop("beta2", 0.999)]
        if name == "momentum" and "momentum" in o:
            o["beta"] = o.pop("momentum")
        self.optimizer = get_optimizer(name, lr=lr, **o)
        s = dict(cfg["schedule"])
        self.schedule = get_schedule(s.pop("name"), lr=lr, **s)
        self.loss = get_loss(self.loss_config)
        self.net.check_loss(self.loss)
        self.regularization = Regularization(l2=cfg["l2"], l1=cfg["l1"])
        dtype = self.net.dtype
        self.T_train = self.loss.prepare_targets(self.y_train, len(self.y_train), 1, dtype)
        self.T_test = self.loss.prepare_targets(self.y_test, len(self.y_test), 1, dtype)

    def reset(self) -> None:
        """Weights re-initialised from the seed, fresh optimizer state, counters to 0, paused."""
        self._build_network()
        self._build_training()
        self.step_count = 0
        self.epoch = 0
        self.playing = False
        self.last_batch = np.arange(min(self.cfg["batch_size"], len(self.Phi_train)))
        self._perm = self.net.rng.permutation(len(self.Phi_train))
        self._pos = 0
        self._walk_cache = None
        self.last_loss = float("nan")

    # ------------------------------------------------------------------ training
    @property
    def lr(self) -> float:
        """The learning rate the next step uses: schedule(k), k = steps so far."""
        return self.schedule(self.step_count)

    def step(self) -> str | None:
        """One minibatch update; returns None, or the reason the run diverged (not applied)."""
        n = len(self.Phi_train)
        if self._pos >= n:
            self._perm = self.net.rng.permutation(n)
            self._pos = 0
            self.epoch += 1
        idx = self._perm[self._pos : self._pos + self.cfg["batch_size"]]
        self._pos += len(idx)
        lr = self.schedule(self.step_count)
        with np.errstate(all="ignore"):
            p = self.net.compute_gradients(self.Phi_train[idx], self.T_train[idx], self.loss,
                                           self.regularization, train=True, validate=False)
            loss = p.loss
            if not np.isfinite(loss) or not np.all(np.isfinite(self.net.grads)):
                self.playing = False
                return (f"diverged: train loss is {loss} at step {self.step_count + 1} "
                        f"(lr {lr:g} is too large?)")
            self.optimizer.step(self.net.params, self.net.grads, lr=lr)
        self.last_batch = idx
        self.last_loss = loss
        self.step_count += 1
        self._walk_cache = None
        if not np.all(np.isfinite(self.net.params)):
            self.playing = False
            return (f"diverged: the weights overflowed at step {self.step_count} "
                    f"(lr {lr:g} is too large?)")
        return None

    def scores(self) -> dict[str, Any]:
        """Loss (data loss + penalty, evaluation mode) and accuracy on the train and test sets."""
        out: dict[str, Any] = {}
        with np.errstate(all="ignore"):
            penalty = 0.0
            if self.regularization.active:
                arrays = [self.net.param_view(n)
                          for n in self.net.penalized_arrays(self.regularization)]
                penalty = self.regularization.value(arrays, self.cfg["batch_size"])
            for part, Phi, T in (("train", self.Phi_train, self.T_train),
                                 ("test", self.Phi_test, self.T_test)):
                if len(Phi) == 0:
                    out[f"{part}_loss"], out[f"{part}_acc"] = None, None
                    continue
                y = self.net.forward_pass(Phi, validate=False).output
                value = self.loss.value(y, T) + penalty
                out[f"{part}_loss"] = float(value) if np.isfinite(value) else None
                out[f"{part}_acc"] = (float(np.mean((y > 0.5) == (T > 0.5)))
                                      if self.task == "binary" else None)
        return out

    def state_message(self) -> dict[str, Any]:
        """The protocol's "state" message."""
        net = self.net
        sizes = [net.n_inputs] + [layer.n_out for layer in net.layers]
        return {
            "type": "state", "task": self.task, "output_activation": self.output_activation,
            "loss": "bce" if self.task == "binary" else "squared_error",
            "loss_config": self.loss_config,
            "layers": sizes, "activations": [layer.activation.name for layer in net.layers],
            "features": self.features,
            "n_train": len(self.X_train), "n_test": len(self.X_test),
            "train": {"x": b64f32(self.X_train), "y": b64f32(self.T_train)},
            "test": {"x": b64f32(self.X_test), "y": b64f32(self.T_test)},
            "extent": list(self.extent), "playing": self.playing, "limits": LIMITS,
            "config": self.cfg, "optimizer": self.optimizer.config(),
        }

    # ------------------------------------------------------------------ glass box
    def _rows(self, sample: int | None) -> Array:
        if sample is None:
            return np.asarray(self.last_batch)
        if not 0 <= sample < len(self.X_train):
            raise SessionError(f"sample: must be an index into the training set "
                               f"(0..{len(self.X_train) - 1}); got {sample}.")
        return np.array([sample])

    def exercise(self, sample: int | None) -> dict[str, Any]:
        """The current network and sample(s) as an exercise dict for ``glassnet.explain``.

        Dropout is left out (the panel explains the network as it is, without random masks);
        ``train`` is one step of the session's optimizer at the current learning rate, from
        a fresh optimizer state (the session's own state is in the inspect reply).
        """
        rows = self._rows(sample)
        layers = []
        for l, layer in enumerate(self.net.layers, start=1):
            layers.append({
                "units": layer.n_out,
                "weights": self.net.param_view(f"W{l}").tolist(),
                "bias": self.net.param_view(f"b{l}").tolist(),
                "activation": layer.activation.config(),
            })
        loss = dict(self.loss_config)
        if self.regularization.active:
            loss["regularization"] = {"l2": self.regularization.l2, "l1": self.regularization.l1,
                                      "convention": self.regularization.convention}
        data = [{"x": self.Phi_train[i].tolist(), "t": self.T_train[i].tolist()} for i in rows]
        optimizer = {k: v for k, v in self.optimizer.config().items() if v is not None}
        optimizer["lr"] = self.lr
        where = (f"training sample {int(rows[0])}" if sample is not None
                 else f"the last minibatch ({len(rows)} samples)")
        return {
            "title": f"glassnet playground: step {self.step_count}, {where}",
            "description": (f"Data set {self.cfg['dataset']['name']!r}, features "
                            f"{', '.join(self.features)} (inputs "
                            f"{', '.join(FEATURES[f][0] for f in self.features)})."),
            "network": {"inputs": [FEATURES[f][0] for f in self.features], "layers": layers},
            "loss": loss,
            "data": data if len(data) > 1 else data[0],
            "train": {"optimizer": optimizer, "steps": 1},
        }

    def explain(self, sample: int | None) -> Any:
        """``glassnet.explain`` of :meth:`exercise` (the Solution)."""
        from glassnet.explain import explain

        return explain(self.exercise(sample))

    def _check_unit(self, layer: int, unit: int, weight: int | None = None) -> None:
        L = len(self.net.layers)
        if not 1 <= layer <= L:
            raise SessionError(f"inspect.layer: must be 1..{L} (1 = first hidden, {L} = "
                               f"output); got {layer}.")
        dense = self.net.layers[layer - 1]
        if not 0 <= unit < dense.n_out:
            raise SessionError(f"inspect.unit: layer {layer} has units 0..{dense.n_out - 1}; "
                               f"got {unit}.")
        if weight is not None and not 0 <= weight < dense.n_in:
            raise SessionError(f"inspect.weight: unit {unit} of layer {layer} has incoming "
                               f"weights 0..{dense.n_in - 1}; got {weight}.")

    def inspect(self, layer: int, unit: int, sample: int | None,
                weight: int | None = None) -> dict[str, Any]:
        """z, a, δ, ∂C/∂w, ∂C/∂b of one unit, from glassnet.explain on the current state,
        plus the optimizer's state for the unit's weights and the update they will receive
        if the next step used the same data (the engine's optimizer on a copy of its state).
        """
        from glassnet.optim import get_optimizer

        self._check_unit(layer, unit, weight)
        sol = self.explain(sample)
        d = sol.to_dict()
        fwd = d["forward"][layer - 1]
        bwd = next(b for b in d["backward"] if b["layer"] == layer)
        one = sample is not None

        def col(rows: list[list[float]]) -> Any:
            values = [r[unit] for r in rows]
            return values[0] if one else values

        # the flat gradient from explain's numbers, then one step of a copy of the optimizer
        grads = np.zeros_like(self.net.params)
        for b in d["backward"]:
            grads[self._slice(f"W{b['layer']}")] = np.asarray(b["grad_W"]).ravel()
            grads[self._slice(f"b{b['layer']}")] = np.asarray(b["grad_b"]).ravel()
        twin = get_optimizer(**self.optimizer.config())
        twin.load_state_dict(self.optimizer.state_dict())
        after = self.net.params.copy()
        twin.step(after, grads, lr=self.lr)
        w_sl, b_sl = self._row_slice(layer, unit), self._slice(f"b{layer}")
        b_index = b_sl.start + unit
        state = {k: v.tolist() for k, v in self.optimizer.describe(w_sl).items()}
        state_b = {k: float(v[0]) for k, v in
                   self.optimizer.describe(slice(b_index, b_index + 1)).items()}
        values = {
            "z": col(fwd["z"]), "a": col(fwd["a"]), "delta": col(bwd["delta"]),
            "grad_a": col(bwd["grad_a"]), "fprime": col(bwd["fprime"]) if bwd.get("fprime")
            else None,
            "dC_dw": list(bwd["grad_W"][unit]), "dC_db": bwd["grad_b"][unit],
            "weights": self.net.params[w_sl].tolist(), "bias": float(self.net.params[b_index]),
            "optimizer_state": state, "optimizer_state_bias": state_b,
            "next_update": (after[w_sl] - self.net.params[w_sl]).tolist(),
            "next_update_bias": float(after[b_index] - self.net.params[b_index]),
            "loss": d["loss"], "lr": self.lr, "step": self.step_count,
        }
        if weight is not None:
            values["weight"] = {"index": weight, "value": values["weights"][weight],
                                "dC_dw": values["dC_dw"][weight],
                                "next_update": values["next_update"][weight]}
        if sample is not None:
            self.last_sample = sample
        summary = self._unit_lines(d, layer, unit, 0) if one else []
        body = "\n".join(html.escape(line) for line in summary)
        panel = (f'<div class="gn-unit"><pre>{body}</pre></div>' if summary else "") + \
            f'<pre class="gn-explain">{html.escape(sol.text)}</pre>'
        return {"type": "inspect", "layer": layer, "unit": unit, "sample": sample,
                "weight": weight, "html": panel, "values": values}

    def _slice(self, name: str) -> slice:
        s = self.net.slot(name)
        return slice(s.start, s.stop)

    def _row_slice(self, layer: int, unit: int) -> slice:
        s = self.net.slot(f"W{layer}")
        n_in = s.shape[1]
        return slice(s.start + unit * n_in, s.start + (unit + 1) * n_in)

    @staticmethod
    def _unit_lines(d: dict[str, Any], layer: int, unit: int, s: int,
                    phase: str = "both") -> list[str]:
        """Formula → numbers → result for unit ``unit`` of ``layer``, sample row ``s``, with
        every number read from the explain data (nothing recomputed here)."""
        names = d["network"]["layers"][layer - 1]["units"]
        prev = (d["network"]["inputs"] if layer == 1
                else d["network"]["layers"][layer - 2]["units"])
        a_prev = (d["data"]["x"] if layer == 1 else d["forward"][layer - 2]["a"])
        a_prev = a_prev[s] if isinstance(a_prev[0], list) else a_prev
        w = d["params"]
        wrow = d["network"]["layers"][layer - 1]["weights"][unit]
        bname = d["network"]["layers"][layer - 1]["bias"][unit]
        fwd = d["forward"][layer - 1]
        u = names[unit]
        lines = []
        if phase in ("both", "forward"):
            terms = " + ".join(f"{w[n]:.4g}·{a:.4g}" for n, a in zip(wrow, a_prev, strict=True))
            formula = " + ".join(f"{n}·{p}" for n, p in zip(wrow, prev, strict=True))
            act = d["network"]["layers"][layer - 1]["activation"]["name"]
            lines += [f"z_{u} = {formula} + {bname}",
                      f"     = {terms} + {w[bname]:.4g}",
                      f"     = {fwd['z'][s][unit]:.6g}",
                      f"a_{u} = {act}(z_{u}) = {fwd['a'][s][unit]:.6g}"]
        if phase in ("both", "backward"):
            b = next(b for b in d["backward"] if b["layer"] == layer)
            fp = b.get("fprime")
            fp_text = f"{fp[s][unit]:.6g}" if fp else "f'"
            lines += [f"δ_{u} = ∂C/∂a_{u} · f'(z_{u}) = {b['grad_a'][s][unit]:.6g} · {fp_text}"
                      f" = {b['delta'][s][unit]:.6g}"]
        return lines

    def walk(self, sample: int, index: int) -> dict[str, Any]:
        """Step ``index`` of sample's forward pass (layer 1 up, unit by unit), then its
        backward pass (output layer down)."""
        self._rows(sample)
        if self._walk_cache is None or self._walk_cache[0] != sample:
            self._walk_cache = (sample, self.explain(sample).to_dict())
        d = self._walk_cache[1]
        sizes = [layer.n_out for layer in self.net.layers]
        order = [(l, j, "forward") for l in range(1, len(sizes) + 1) for j in range(sizes[l - 1])]
        order += [(l, j, "backward") for l in range(len(sizes), 0, -1)
                  for j in range(sizes[l - 1])]
        if not 0 <= index < len(order):
            raise SessionError(f"walk.index: must be 0..{len(order) - 1}; got {index}.")
        layer, unit, phase = order[index]
        lines = self._unit_lines(d, layer, unit, 0, phase)
        return {"type": "walk", "sample": sample, "index": index, "count": len(order),
                "layer": layer, "unit": unit, "phase": phase,
                "html": "<pre>" + "\n".join(html.escape(x) for x in lines) + "</pre>"}

    # ------------------------------------------------------------------ export / import
    def export(self) -> dict[str, Any]:
        """The exercise of the current network and the last inspected sample, as YAML."""
        import yaml

        text = yaml.safe_dump(self.exercise(self.last_sample), sort_keys=False,
                              allow_unicode=True, width=100)
        return {"type": "export", "exercise_yaml": text, "filename": "playground-exercise.yaml",
                "sample": self.last_sample}

    def export_model(self) -> dict[str, Any]:
        """The network as a .glassnet model file (base64)."""
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "playground.glassnet")
            self.net.save(path)
            with open(path, "rb") as f:
                blob = f.read()
        return {"type": "export_model", "data_base64": base64.b64encode(blob).decode("ascii"),
                "filename": "playground.glassnet"}

    def upload(self, name: str, text: str) -> None:
        """Read a CSV of two feature columns and a label column (an optional header row).

        Labels that are all 0/1 make a binary task, anything else regression. The data set
        becomes 'upload' and the network is rebuilt."""
        rows = list(csv.reader(io.StringIO(text)))
        rows = [(i, r) for i, r in enumerate(rows, start=1) if r and any(c.strip() for c in r)]
        if rows and not _is_number(rows[0][1][0]):
            rows = rows[1:]  # header
        if len(rows) < 4:
            raise SessionError(f"{name}: needs at least 4 data rows; got {len(rows)}.")
        if len(rows) > LIMITS["max_upload_rows"]:
            raise SessionError(f"{name}: at most {LIMITS['max_upload_rows']} rows; "
                               f"got {len(rows)}.")
        values = np.empty((len(rows), 3))
        for r, (line, cells) in enumerate(rows):
            if len(cells) != 3:
                raise SessionError(f"{name}: row {line}: expected 3 columns (x1, x2, label); "
                                   f"got {len(cells)}.")
            for c, cell in enumerate(cells):
                if not _is_number(cell):
                    raise SessionError(f"{name}: row {line}, column {c + 1}: {cell.strip()!r} "
                                       "is not a finite number.")
                values[r, c] = float(cell)
        X, y = values[:, :2], values[:, 2]
        binary = bool(np.all((y == 0) | (y == 1)))
        task = "binary" if binary else "regression"
        y = y.astype(np.int64) if binary else y.reshape(-1, 1)
        previous = self.upload_data
        self.upload_data = (X, y, task, name)
        cfg = dict(self.cfg)
        cfg["dataset"] = {**cfg["dataset"], "name": "upload"}
        try:
            self.configure(cfg)
        except GlassnetError:
            self.upload_data = previous
            raise

    def load_model(self, blob: bytes) -> None:
        """Take the network of a .glassnet model with 2 inputs (x1, x2) and one output unit
        (sigmoid → binary, identity → regression) or two softmax units (binary).

        A model from ``glassnet train`` standardizes its inputs (and regression targets);
        the playground's network takes raw x1, x2, so the statistics are folded into the
        weights, which keeps every output the same::

            z¹ = W((x − μ)/σ) + b = (W/σ) x + (b − W μ/σ)          (input standardization)
            y = σ_t (W a + b) + μ_t = (σ_t W) a + (σ_t b + μ_t)     (target standardization)
            softmax(z)₁ = sigmoid(z₁ − z₀): w = W₁ − W₀, b = b₁ − b₀   (two softmax units)
        """
        from glassnet.datasets.playground import PLAYGROUND_NAMES
        from glassnet.train import load

        if len(blob) > LIMITS["max_model_bytes"]:
            raise MessageError(f"load_model: the file is larger than "
                               f"{LIMITS['max_model_bytes']} bytes.")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "upload.glassnet")
            with open(path, "wb") as f:
                f.write(blob)
            try:
                net = load(path)
            except GlassnetError as exc:
                raise SessionError(f"load_model: {str(exc).splitlines()[0]}") from None
        out_act = net.layers[-1].activation.name
        kinds = {("sigmoid", 1): "binary", ("softmax", 2): "binary", ("identity", 1): "regression"}
        task = kinds.get((out_act, net.n_outputs))
        if net.n_inputs != 2 or task is None:
            raise SessionError(
                f"load_model: the playground takes 2 inputs and one sigmoid or identity output "
                f"(or two softmax outputs); the model has {net.n_inputs} inputs and "
                f"{net.n_outputs} {out_act} outputs.")
        hidden = [{"units": layer.n_out, "activation": layer.activation.name}
                  for layer in net.layers[:-1]]
        for i, h in enumerate(hidden):
            if h["activation"] not in ACTIVATIONS:
                raise SessionError(f"load_model: layer {i + 1}'s activation {h['activation']!r} "
                                   "is not one the playground offers.")
        Ws = [np.asarray(layer.W, dtype=np.float64).copy() for layer in net.layers]
        bs = [np.asarray(layer.b if layer.has_bias else np.zeros(layer.n_out), dtype=np.float64)
              .copy() for layer in net.layers]
        info = getattr(getattr(net, "training_state", None), "info", None) or {}
        stats = info.get("standardize")
        if stats:
            mean = np.asarray(stats["mean"], dtype=np.float64).reshape(-1)
            std = np.asarray(stats["std"], dtype=np.float64).reshape(-1)
            bs[0] = bs[0] - Ws[0] @ (mean / std)
            Ws[0] = Ws[0] / std
        tstats = info.get("standardize_targets")
        if tstats and task == "regression":
            mean_t = float(np.asarray(tstats["mean"]).reshape(-1)[0])
            std_t = float(np.asarray(tstats["std"]).reshape(-1)[0])
            Ws[-1], bs[-1] = Ws[-1] * std_t, bs[-1] * std_t + mean_t
        if out_act == "softmax":
            Ws[-1], bs[-1] = Ws[-1][1:] - Ws[-1][:1], bs[-1][1:] - bs[-1][:1]
        cfg = dict(self.cfg)
        cfg.update(features=["x1", "x2"], hidden=hidden, dropout=[])
        name = info.get("dataset")
        if name in PLAYGROUND_NAMES:
            cfg["dataset"] = {**cfg["dataset"], "name": name}
        elif (task == "regression") != (self.task == "regression"):
            cfg["dataset"] = {**cfg["dataset"], "name": "plane" if task == "regression"
                              else "circles"}
        self.configure(check_config(cfg))
        self.net.set_params({f"{kind}{l}": (W if kind == "W" else b)
                             for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1)
                             for kind in ("W", "b")})


def _is_number(text: str) -> bool:
    try:
        return bool(np.isfinite(float(text)))
    except ValueError:
        return False
