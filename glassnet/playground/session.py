"""One browser session's state machine: data, features, network, optimizer, schedule, counters.

States: *paused* (the initial state) and *playing*. ``config``/``reset``/``upload``/
``load_model`` rebuild and pause; ``play``/``pause`` switch; ``step`` trains one minibatch;
a non-finite loss (or parameters) pauses with a reason. Training a minibatch B at step k::

    p = net.compute_gradients(F[B], T[B], loss, regularization)   # forward + backward
    η_k = schedule(k)                                              # a pure function of k
    optimizer.step(net.params, net.grads, lr=η_k)                 # θ ← update(θ, ∂C/∂θ)

Everything the panel shows comes from :func:`glassnet.explain` run on an exercise built from
the *current* parameters and the chosen sample (:meth:`Session.exercise`): the same dict is
what ``export`` writes, so ``glassnet explain`` on the export prints the panel's numbers.
Only the optimizer's current state (t, m, v, buffers), which an exercise cannot hold, comes
from the optimizer object itself, and the next update is the optimizer's own ``step`` on a
copy of θ with the explained gradient.
"""

from __future__ import annotations

import base64
import copy
import csv
import html
import io
import math
import os
import re
import tempfile
import time
from typing import Any

import numpy as np

from glassnet.errors import GlassnetError
from glassnet.playground import frames
from glassnet.playground.messages import LIMITS, MessageError, fail, parse_config

Array = np.ndarray
PLAYGROUND_EXTENT = (-6.0, 6.0, -6.0, 6.0)


def unit_name(layer: int, unit: int, n_layers: int) -> str:
    """Exercise name of unit ``unit`` (0-based) of layer ``layer`` (1-based)."""
    if layer == n_layers:
        return "y" if unit == 0 else f"y{unit + 1}"
    return f"h{layer}_{unit + 1}"


class Session:
    """The state of one page: build with a CONFIG (see messages.DEFAULT_CONFIG)."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.playing = False
        self.upload_data: tuple[Array, Array, str, str] | None = None  # X, y, task, name
        self.model: Any = None  # a loaded .glassnet network (its inputs' standardization)
        self.last_sample: int | None = None
        self._solutions: dict[Any, Any] = {}
        self.apply_config(parse_config(config or {}))

    # ------------------------------------------------------------------ building
    def apply_config(self, cfg: dict[str, Any], keep_model: bool = False) -> None:
        """Rebuild data, features, network, optimizer and schedule from a checked CONFIG."""
        if not keep_model:
            self.model = None
        self.config = cfg
        self._build_data(cfg)
        self._build_network(cfg)
        self._build_training(cfg)
        self.reset(reinit=False)

    def _build_data(self, cfg: dict[str, Any]) -> None:
        from glassnet.datasets import load_playground, stratified_split

        d = cfg["dataset"]
        if d["name"] == "upload":
            if self.upload_data is None:
                fail("config.dataset.name", "'upload' needs a CSV: send an upload message first.")
            X, y, task, _ = self.upload_data
            rng = np.random.default_rng(d["seed"])
            labels = y if task == "binary" else np.zeros(len(y), np.int64)
            tr, te = stratified_split(labels, 1.0 - d["train_ratio"], rng)
            self.X_train, self.y_train, self.X_test, self.y_test = X[tr], y[tr], X[te], y[te]
            self.task = task
            lo, hi = X.min(axis=0), X.max(axis=0)
            pad = np.maximum((hi - lo) * 0.1, 1e-3)
            self.extent = [lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1]]
        else:
            ds = load_playground(d["name"], d["n"], d["noise"], d["seed"], 1.0 - d["train_ratio"])
            self.X_train, self.y_train = ds.X_train, ds.y_train
            self.X_test, self.y_test = ds.X_test, ds.y_test
            self.task = "regression" if ds.task == "regression" else "binary"
            self.extent = list(PLAYGROUND_EXTENT)
        self.features = list(cfg["features"]) if self.model is None else ["x1", "x2"]

    def _inputs(self, X: Array) -> Array:
        F = frames.feature_matrix(X, self.features)
        if self.model is not None:
            from glassnet.train import prepare_inputs

            F = np.asarray(prepare_inputs(self.model, F), dtype=np.float64)
        return np.ascontiguousarray(F)

    def _build_network(self, cfg: dict[str, Any]) -> None:
        from glassnet import Dense, Network
        from glassnet.losses import get_loss

        if self.model is not None:
            spec = self.model.config()
            spec["dtype"] = "float64"
            net = Network.from_config(spec)
            net.params[...] = self.model.params
        else:
            sizes = [len(self.features), *(h["units"] for h in cfg["hidden"])]
            drops = cfg["dropout"] or [None] * len(cfg["hidden"])
            layers = [
                Dense(a, b, activation=h["activation"],
                      dropout=None if dr is None or dr["rate"] == 0 else dict(dr))
                for a, b, h, dr in zip(sizes[:-1], sizes[1:], cfg["hidden"], drops, strict=True)
            ]
            out_act = "identity" if self.task == "regression" else "sigmoid"
            layers.append(Dense(sizes[-1], 1, activation=out_act))
            net = Network(layers, dtype="float64", seed=cfg["seed"])
        self.net = net
        out = net.layers[-1].activation.name
        if self.task == "regression":
            self.loss_spec: dict[str, Any] = {"name": "squared_error", "factor": 0.5,
                                              "reduction": "mean"}
        elif out == "softmax":
            self.loss_spec = {"name": "cross_entropy", "reduction": "mean"}
        else:
            self.loss_spec = {"name": "binary_cross_entropy", "reduction": "mean"}
        self.loss = get_loss(dict(self.loss_spec))
        self.net_task = "classification" if out == "softmax" else self.task
        self.F_train, self.F_test = self._inputs(self.X_train), self._inputs(self.X_test)
        self.T_train = self._targets(self.y_train)
        self.T_test = self._targets(self.y_test)
        self.grid = frames.Grid(self.extent, cfg["grid"], self.features,
                                None if self.model is None else self._standardize)

    def _standardize(self, F: Array) -> Array:
        from glassnet.train import prepare_inputs

        return np.asarray(prepare_inputs(self.model, F), dtype=np.float64)

    def _targets(self, y: Array) -> Array:
        """Targets as the loss takes them: class indices (softmax) or (N, outputs) floats."""
        if self.net_task == "classification":
            t = np.asarray(y, dtype=np.int64)
        else:
            t = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return self.loss.prepare_targets(t, len(y), self.net.n_outputs, self.net.dtype)

    def _build_training(self, cfg: dict[str, Any]) -> None:
        from glassnet.regularization import Regularization

        self.optimizer = self._make_optimizer(cfg["optimizer"])
        self.schedule = self._make_schedule(cfg["schedule"], cfg["optimizer"]["lr"])
        l1, l2 = cfg["l1"], cfg["l2"]
        self.regularization = Regularization(l2=l2, l1=l1) if (l1 or l2) else None
        self.batch_size = min(cfg["batch_size"], len(self.X_train))

    @staticmethod
    def _make_optimizer(spec: dict[str, Any]) -> Any:
        from glassnet.optim import get_optimizer

        name, kw = spec["name"], {"lr": spec["lr"]}
        if name == "sgd":
            for key in ("momentum", "nesterov", "weight_decay"):
                if key in spec:
                    kw[key] = spec[key]
        elif name == "momentum":
            if "beta1" in spec or "momentum" in spec:
                kw["beta"] = spec.get("beta1", spec.get("momentum"))
        elif name == "rmsprop":
            for key in ("alpha", "eps", "momentum", "weight_decay"):
                if key in spec:
                    kw[key] = spec[key]
        else:
            kw["betas"] = [spec.get("beta1", 0.9), spec.get("beta2", 0.999)]
            for key in ("eps", "weight_decay"):
                if key in spec:
                    kw[key] = spec[key]
        try:
            return get_optimizer(name, **kw)
        except GlassnetError as exc:
            fail("config.optimizer", str(exc))

    @staticmethod
    def _make_schedule(spec: dict[str, Any], lr: float) -> Any:
        import dataclasses

        from glassnet.schedules import SCHEDULES, get_schedule

        options = {k: v for k, v in spec.items() if k != "name"}
        cls = SCHEDULES[spec["name"]]
        if "lr" in {f.name for f in dataclasses.fields(cls)}:
            options.setdefault("lr", lr)
        try:
            schedule = get_schedule(spec["name"], **options)
            schedule(0)
        except GlassnetError as exc:
            fail("config.schedule", str(exc))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
            fail("config.schedule", f"invalid options ({exc}).")
        return schedule

    # ------------------------------------------------------------------ counters
    def reset(self, reinit: bool = True) -> None:
        """Re-initialise the weights from the seed (not for a loaded model); counters to 0."""
        if reinit:
            self._build_network(self.config)  # a fresh Network: initialised from the seed
        self.net.rng = np.random.default_rng(self.config["seed"])
        self.net.grads[...] = 0.0
        self.optimizer.reset()
        self._shuffle = np.random.default_rng([self.config["seed"], 1])
        self._perm = self._shuffle.permutation(len(self.X_train))
        self._pos = 0
        self.step_count = 0
        self.epoch = 0
        self.playing = False
        self.version = getattr(self, "version", 0) + 1
        self._solutions.clear()

    def next_batch(self) -> Array:
        """Indices (into the train set) of the minibatch the next step will use."""
        return self._perm[self._pos : self._pos + self.batch_size]

    @property
    def lr(self) -> float:
        """η of the next step: schedule(k) with k = updates so far."""
        return self.schedule(self.step_count)

    # ------------------------------------------------------------------ training
    def step(self) -> str | None:
        """Train one minibatch; return the divergence reason (and pause) or None."""
        idx = self.next_batch()
        lr = self.schedule(self.step_count)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            p = self.net.compute_gradients(
                self.F_train[idx], self.T_train[idx], self.loss, self.regularization,
                train=True, validate=False,
            )
            loss = p.data_loss + p.penalty
            if not math.isfinite(loss):
                return self._diverged(loss, lr)
            self.optimizer.step(self.net.params, self.net.grads, lr=lr)
        self.step_count += 1
        self._pos += self.batch_size
        if self._pos >= len(self._perm):
            self._pos = 0
            self.epoch += 1
            self._perm = self._shuffle.permutation(len(self._perm))
        self.version += 1
        return None

    def _diverged(self, loss: float, lr: float) -> str:
        self.playing = False
        return (f"diverged: train loss is {loss} at step {self.step_count} "
                f"(lr {lr:g} is too large?)")

    def train_for(self, seconds: float, max_steps: int = 1_000_000) -> str | None:
        """Steps until ``seconds`` have passed; the divergence reason, or None."""
        deadline = time.perf_counter() + seconds
        n = 0
        while n < max_steps:
            reason = self.step()
            if reason is not None:
                return reason
            n += 1
            if n % 8 == 0 and time.perf_counter() >= deadline:
                break
        if not np.all(np.isfinite(self.net.params)):
            return self._diverged(float("nan"), self.lr)
        return None

    # ------------------------------------------------------------------ messages out
    def _scores(self, F: Array, T: Array, labels: Array) -> tuple[float | None, float | None]:
        if len(F) == 0:
            return None, None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            y = self.net.forward(F)
            loss = self.loss.value(y, T)
            if self.task == "regression":
                return frames.finite_or_none(loss), None
            if self.net_task == "classification":
                acc = float(np.mean(np.argmax(y, axis=1) == labels))
            else:
                acc = float(np.mean((y[:, 0] > 0.5) == (labels > 0.5)))
        return frames.finite_or_none(loss), acc

    def frame(self) -> dict[str, Any]:
        """The "frame" message: counters, lr, losses, the grid pictures, weights, gradients."""
        train_loss, train_acc = self._scores(self.F_train, self.T_train, self.y_train)
        test_loss, test_acc = self._scores(self.F_test, self.T_test, self.y_test)
        return {
            "type": "frame",
            "epoch": self.epoch,
            "step": self.step_count,
            "lr": frames.finite_or_none(self.lr),
            "train_loss": train_loss,
            "test_loss": test_loss,
            "train_acc": train_acc,
            "test_acc": test_acc,
            **self.grid.encode(self.net),
            **frames.encode_parameters(self.net),
            "playing": self.playing,
        }

    def _labels_b64(self, y: Array) -> str:
        return frames.b64f32(np.asarray(y, dtype=np.float64).reshape(-1))

    def state(self) -> dict[str, Any]:
        """The "state" message: task, architecture, the data points, limits."""
        net = self.net
        return {
            "type": "state",
            "task": self.task,
            "output_activation": net.layers[-1].activation.name,
            "loss": {"binary_cross_entropy": "bce", "squared_error": "squared_error",
                     "cross_entropy": "cross_entropy"}[self.loss.name],
            "layers": [net.n_inputs, *(layer.n_out for layer in net.layers)],
            "activations": [layer.activation.name for layer in net.layers],
            "features": self.features,
            "n_train": len(self.X_train),
            "n_test": len(self.X_test),
            "train": {"x": frames.b64f32(self.X_train), "y": self._labels_b64(self.y_train)},
            "test": {"x": frames.b64f32(self.X_test), "y": self._labels_b64(self.y_test)},
            "extent": self.grid.extent,
            "grid": self.grid.G,
            "playing": self.playing,
            "limits": dict(LIMITS),
            "config": self.config,
            "model_loaded": self.model is not None,
            "optimizer": self.optimizer.config(),
            "schedule": self.schedule.config(),
        }

    # ------------------------------------------------------------------ the exercise
    def _check_sample(self, path: str, sample: int | None) -> None:
        if sample is not None and sample >= len(self.X_train):
            fail(path, f"there is no train sample {sample} (the train set has "
                 f"{len(self.X_train)} samples, 0..{len(self.X_train) - 1}).")

    def _rows(self, sample: int | None) -> Array:
        return self.next_batch() if sample is None else np.array([sample])

    def exercise(self, sample: int | None) -> dict[str, Any]:
        """An exercise dict for ``glassnet.explain``: the current θ and the chosen data.

        ``sample`` indexes the train set; None takes the minibatch of the next step. Dropout
        is written with a fixed mask that keeps every unit (a worked pass must be
        reproducible). The optimizer step is included only while the optimizer holds no
        state (an exercise starts from fresh optimizer state), with η = schedule(k).
        """
        net = self.net
        n_layers = len(net.layers)
        names = [frames.EXERCISE_NAMES[f] for f in self.features]
        layers = []
        for l, layer in enumerate(net.layers, start=1):
            spec: dict[str, Any] = {
                "units": [unit_name(l, j, n_layers) for j in range(layer.n_out)],
                "weights": layer.W.tolist(),
                "activation": layer.activation.config()
                if layer.activation.params else layer.activation.name,
            }
            if layer.b is not None:
                spec["bias"] = layer.b.tolist()
            if layer.dropout is not None:
                spec["dropout"] = {"rate": layer.dropout.rate, "scaling": layer.dropout.scaling,
                                   "mask": [1] * layer.n_out}
            layers.append(spec)
        loss = dict(self.loss_spec)
        if self.regularization is not None:
            loss["regularization"] = {"l2": self.regularization.l2, "l1": self.regularization.l1,
                                      "convention": "half"}
        rows = self._rows(sample)
        data = []
        for i in rows:
            t = self.T_train[i]
            target = int(self.y_train[i]) if self.net_task == "classification" else \
                [float(v) for v in t]
            data.append({"x": [float(v) for v in self.F_train[i]], "t": target})
        what = f"train sample {sample}" if sample is not None else \
            f"the next minibatch ({len(rows)} samples)"
        ex: dict[str, Any] = {
            "title": f"glassnet playground: step {self.step_count}, {what}",
            "description": (f"Network {'-'.join(map(str, self.state_layers()))} on "
                            f"{self.config['dataset']['name']}, features "
                            f"{', '.join(self.features)}; parameters after "
                            f"{self.step_count} updates."),
            "network": {"inputs": names, "layers": layers},
            "loss": loss,
            "data": data if len(data) > 1 else data[0],
        }
        if self._stateless():
            opt = self.optimizer.config()
            opt = {k: v for k, v in opt.items() if v is not None}
            opt["lr"] = self.lr
            ex["train"] = {"optimizer": opt, "steps": 1}
        return ex

    def state_layers(self) -> list[int]:
        return [self.net.n_inputs, *(layer.n_out for layer in self.net.layers)]

    def _stateless(self) -> bool:
        return self.optimizer.state_dict()["t"] == 0 or not self.optimizer.describe()

    def solution(self, sample: int | None) -> Any:
        """glassnet.explain's Solution for the current θ and sample (cached per θ)."""
        from glassnet.explain import explain

        key = (self.version, sample)
        if key not in self._solutions:
            if len(self._solutions) > 16:
                self._solutions.clear()
            self._solutions[key] = explain(self.exercise(sample))
        return self._solutions[key]

    # ------------------------------------------------------------------ inspect
    def _check_unit(self, kind: str, layer: int, unit: int) -> None:
        n_layers = len(self.net.layers)
        if not 1 <= layer <= n_layers:
            fail(f"{kind}.layer", f"there is no layer {layer}; layers are 1..{n_layers} "
                 f"({n_layers} = the output).")
        n_units = self.net.layers[layer - 1].n_out
        if unit >= n_units:
            fail(f"{kind}.unit", f"layer {layer} has {n_units} units (0..{n_units - 1}); "
                 f"got {unit}.")

    def inspect(self, layer: int, unit: int, sample: int | None,
                weight: int | None = None) -> dict[str, Any]:
        """The "inspect" reply: z, a, δ, ∂C/∂w, ∂C/∂b, optimizer state, next update."""
        self._check_unit("inspect", layer, unit)
        self._check_sample("inspect.sample", sample)
        n_in = self.net.layers[layer - 1].n_in
        if weight is not None and weight >= n_in:
            fail("inspect.weight", f"unit {unit} of layer {layer} has {n_in} incoming weights "
                 f"(0..{n_in - 1}); got {weight}.")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            params_ok = bool(np.all(np.isfinite(self.net.params)))
        if not params_ok:
            fail("inspect", "the parameters are not finite (the run diverged); reset first.")
        sol = self.solution(sample)
        d = sol.to_dict()
        self.last_sample = sample
        fwd = d["forward"][layer - 1]
        back = next(b for b in d["backward"] if b["layer"] == layer)
        j = unit
        z = [row[j] for row in fwd["z"]]
        a = [row[j] for row in fwd["a"]]
        delta = [row[j] for row in back["delta"]]
        grads = d["gradients"]
        dC_dw = [grads[f"W{layer}[{j + 1},{k + 1}]"] for k in range(n_in)]
        has_bias = self.net.layers[layer - 1].b is not None
        dC_db = grads[f"b{layer}[{j + 1}]"] if has_bias else None
        state, update_w, update_b = self._optimizer_view(layer, j, grads)
        single = sample is not None
        values: dict[str, Any] = {
            "z": z[0] if single else z,
            "a": a[0] if single else a,
            "delta": delta[0] if single else delta,
            "dC_dw": dC_dw,
            "dC_db": dC_db,
            "optimizer_state": state,
            "next_update": update_w,
            "next_update_bias": update_b,
            "weights": self.net.layers[layer - 1].W[j].tolist(),
            "bias": float(self.net.layers[layer - 1].b[j]) if has_bias else None,
            "lr": self.lr,
            "loss": d["loss"],
            "samples": [int(i) for i in self._rows(sample)],
        }
        if weight is not None:
            values["weight"] = {"index": weight, "value": values["weights"][weight],
                                "dC_dw": dC_dw[weight], "next_update": update_w[weight]}
        name = unit_name(layer, j, len(self.net.layers))
        return {
            "type": "inspect", "layer": layer, "unit": unit, "sample": sample, "weight": weight,
            "name": name,
            "html": panel_html(sol.text, layer, j, name, ("forward", "loss", "backward",
                                                          "gradients", "updates")),
            "values": values,
        }

    def _optimizer_view(self, layer: int, j: int, grads: dict[str, float]
                        ) -> tuple[dict[str, Any], list[float], float | None]:
        """The optimizer's state for unit j's weights and bias, and the update it would make
        from the explained gradient (the optimizer's own step on a copy of θ)."""
        net = self.net
        w_slot = net.slot(f"W{layer}")
        n_in = w_slot.shape[1]
        w_idx = np.arange(w_slot.start + j * n_in, w_slot.start + (j + 1) * n_in)
        b_idx = None
        if net.layers[layer - 1].b is not None:
            b_idx = net.slot(f"b{layer}").start + j
        g = np.empty_like(net.params)
        for slot in net.layout:
            rows, cols = (slot.shape[0], slot.shape[1]) if slot.kind == "W" else (slot.shape[0], 1)
            vals = [grads[f"{slot.kind}{slot.layer}[{r + 1},{c + 1}]"] if slot.kind == "W"
                    else grads[f"b{slot.layer}[{r + 1}]"] for r in range(rows) for c in range(cols)]
            g[slot.start : slot.stop] = vals
        described = self.optimizer.describe()
        state: dict[str, Any] = {"name": self.optimizer.name,
                                 "t": int(self.optimizer.state_dict()["t"]),
                                 "weights": {k: v[w_idx].tolist() for k, v in described.items()},
                                 "bias": {k: float(v[b_idx]) for k, v in described.items()}
                                 if b_idx is not None else {}}
        opt = copy.deepcopy(self.optimizer)
        theta = net.params.copy()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            opt.step(theta, g, lr=self.lr)
            change = theta - net.params
        return state, change[w_idx].tolist(), None if b_idx is None else float(change[b_idx])

    # ------------------------------------------------------------------ walk
    def walk_steps(self) -> list[tuple[str, int, int]]:
        """(phase, layer, unit) of every step: forward layer by layer, then backward."""
        sizes = [layer.n_out for layer in self.net.layers]
        forward = [("forward", l, j) for l, n in enumerate(sizes, start=1) for j in range(n)]
        backward = [("backward", l, j) for l in range(len(sizes), 0, -1)
                    for j in range(sizes[l - 1])]
        return forward + backward

    def walk(self, sample: int, index: int) -> dict[str, Any]:
        self._check_sample("walk.sample", sample)
        steps = self.walk_steps()
        if index >= len(steps):
            fail("walk.index", f"the walk has {len(steps)} steps (0..{len(steps) - 1}); "
                 f"got {index}.")
        phase, layer, unit = steps[index]
        sol = self.solution(sample)
        d = sol.to_dict()
        name = unit_name(layer, unit, len(self.net.layers))
        sections = ("forward",) if phase == "forward" else ("backward", "gradients")
        value: dict[str, Any] = {}
        if phase == "forward":
            rec = d["forward"][layer - 1]
            value = {"z": rec["z"][0][unit], "a": rec["a"][0][unit]}
        else:
            rec = next(b for b in d["backward"] if b["layer"] == layer)
            value = {"delta": rec["delta"][0][unit]}
        self.last_sample = sample
        return {"type": "walk", "sample": sample, "index": index, "count": len(steps),
                "layer": layer, "unit": unit, "phase": phase, "name": name, "values": value,
                "html": panel_html(sol.text, layer, unit, name, sections)}

    # ------------------------------------------------------------------ export / import
    def export(self) -> dict[str, Any]:
        import yaml

        sample = self.last_sample if self.last_sample is not None else 0
        ex = self.exercise(sample)
        text = yaml.safe_dump(ex, sort_keys=False, allow_unicode=True, width=100)
        return {"type": "export", "exercise_yaml": text, "sample": sample,
                "filename": "playground-exercise.yaml"}

    def export_model(self) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="glassnet-playground-") as tmp:
            path = os.path.join(tmp, "playground.glassnet")
            self.net.save(path)
            with open(path, "rb") as fh:
                data = fh.read()
        return {"type": "export_model", "data_base64": base64.b64encode(data).decode("ascii"),
                "filename": "playground.glassnet"}

    def load_model(self, data_base64: str) -> None:
        """Load a .glassnet file (2 inputs x1, x2) on the current data set, paused at step 0."""
        from glassnet.train import load

        try:
            data = base64.b64decode(data_base64, validate=True)
        except (ValueError, TypeError):
            fail("load_model.data_base64", "is not valid base64.")
        if len(data) > LIMITS["max_model_bytes"]:
            fail("load_model.data_base64", f"the model file is {len(data):,} bytes; the limit "
                 f"is {LIMITS['max_model_bytes']:,}.")
        with tempfile.TemporaryDirectory(prefix="glassnet-playground-") as tmp:
            path = os.path.join(tmp, "uploaded.glassnet")
            with open(path, "wb") as fh:
                fh.write(data)
            try:
                net = load(path, max_params=200_000)
            except GlassnetError as exc:
                fail("load_model", str(exc).replace(path, "the model file"))
        self._check_model(net)
        previous = self.model
        self.model = net
        try:
            cfg = dict(self.config)
            cfg["hidden"] = [{"units": layer.n_out, "activation": layer.activation.name}
                             for layer in net.layers[:-1]]
            cfg["features"] = ["x1", "x2"]
            cfg["dropout"] = []
            self.apply_config(cfg, keep_model=True)
        except GlassnetError:
            self.model = previous
            raise

    def _check_model(self, net: Any) -> None:
        out = net.layers[-1]
        if net.n_inputs != 2:
            fail("load_model", f"the model takes {net.n_inputs} inputs; the playground needs a "
                 "model of a 2-D set (inputs x1, x2).")
        if len(net.layers) - 1 > LIMITS["max_layers"] or any(
                layer.n_out > LIMITS["max_units"] for layer in net.layers[:-1]):
            fail("load_model", f"the model is larger than the playground's limits "
                 f"({LIMITS['max_layers']} hidden layers of at most {LIMITS['max_units']} units).")
        act = out.activation.name
        if self.task == "regression":
            if not (act == "identity" and out.n_out == 1):
                fail("load_model", f"a regression set needs 1 identity output; the model has "
                     f"{out.n_out} {act} output(s).")
            info = getattr(net.training_state, "info", None) or {}
            if info.get("target_standardize") or info.get("standardize_targets"):
                fail("load_model", "models with standardized targets are not supported.")
        elif not ((act == "sigmoid" and out.n_out == 1) or (act == "softmax" and out.n_out == 2)):
            fail("load_model", f"a 2-class set needs 1 sigmoid or 2 softmax outputs; the model "
                 f"has {out.n_out} {act} output(s).")

    def upload(self, name: str, text: str) -> None:
        """Use a CSV (x1, x2, label; optional header) as the data set ('upload')."""
        X, y, task = parse_csv(name, text)
        previous = self.upload_data
        self.upload_data = (X, y, task, name)
        cfg = dict(self.config)
        cfg["dataset"] = {**cfg["dataset"], "name": "upload"}
        try:
            self.apply_config(cfg)
        except GlassnetError:
            self.upload_data = previous
            raise


# ---------------------------------------------------------------------- CSV
def parse_csv(name: str, text: str) -> tuple[Array, Array, str]:
    """(X (N, 2), y, task) from CSV text: two feature columns and a label column.

    Labels that are all 0 or 1 make a binary set (int64), others a regression set (N, 1).
    Errors name the row (counting the file's lines from 1) and the column.
    """
    where = f"upload {name}"
    rows = list(csv.reader(io.StringIO(text)))
    numbered = [(i, r) for i, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if numbered and not _numeric_row(numbered[0][1]):
        numbered = numbered[1:]  # a header
    if len(numbered) < 4:
        fail(where, f"needs at least 4 data rows; got {len(numbered)}.")
    if len(numbered) > LIMITS["max_upload_rows"]:
        fail(where, f"has {len(numbered):,} rows; the limit is {LIMITS['max_upload_rows']:,}.")
    columns = ("x1", "x2", "label")
    values = np.empty((len(numbered), 3))
    for n, (line, row) in enumerate(numbered):
        if len(row) != 3:
            fail(where, f"row {line}: expected 3 columns (x1, x2, label); got {len(row)}.")
        for c, cell in enumerate(row):
            try:
                v = float(cell)
            except ValueError:
                fail(where, f"row {line}, column {c + 1} ({columns[c]}): {cell.strip()[:30]!r} "
                     "is not a number.")
            if not math.isfinite(v) or abs(v) > 1e6:
                fail(where, f"row {line}, column {c + 1} ({columns[c]}): {cell.strip()[:30]} "
                     "must be a finite number of magnitude at most 10⁶.")
            values[n, c] = v
    X, labels = values[:, :2], values[:, 2]
    if np.all((labels == 0) | (labels == 1)):
        if len(np.unique(labels)) < 2:
            fail(where, "column 3 (label): every label is the same; a 2-class set needs both "
                 "0 and 1.")
        return X, labels.astype(np.int64), "binary"
    return X, labels.reshape(-1, 1), "regression"


def _numeric_row(row: list[str]) -> bool:
    try:
        [float(c) for c in row]
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------- the panel
_SECTION_TITLES = {
    "forward pass": "forward", "loss": "loss", "backward pass": "backward",
    "gradients": "gradients", "updates": "updates", "update": "updates",
}


def _sections(text: str) -> list[tuple[str, str, list[str]]]:
    """(key, title, lines) of a worked solution's text, split at its underlined headings."""
    lines = text.splitlines()
    out: list[tuple[str, str, list[str]]] = []
    i = 0
    while i < len(lines):
        is_heading = i + 1 < len(lines) and lines[i + 1] and set(lines[i + 1]) <= {"─", "═"}
        if is_heading:
            title = lines[i].strip()
            key = _SECTION_TITLES.get(title.lower(), title.lower())
            out.append((key, title, []))
            i += 2
            continue
        if out:
            out[-1][2].append(lines[i])
        i += 1
    return out


def _unit_pattern(layer: int, j: int, name: str) -> re.Pattern[str]:
    """Lines whose left-hand side is about the unit: its z, a, ∂C/∂a, δ, its weights' and
    bias's gradients and updates."""
    w, bias = re.escape(f"W{layer}[{j + 1},"), re.escape(f"b{layer}[{j + 1}]")
    n = re.escape(name)
    names = [f"z_{n}", n, f"δ_{n}", f"∂C/∂{n}"]
    positions = [f"∂C/∂{w}", f"∂C/∂{bias}", f"∂Cₛ/∂{w}", f"∂Cₛ/∂{bias}", w, bias]
    alternatives = [f"(?:{x})(?![A-Za-z0-9_])" for x in names] + positions
    return re.compile(r"^\s*(?:" + "|".join(alternatives) + ")")


def panel_html(text: str, layer: int, j: int, name: str, keys: tuple[str, ...]) -> str:
    """The lines of the worked solution about one unit, as escaped HTML.

    The lines are glassnet.explain's text rendering, selected (never recomputed): those that
    mention the unit, its weights W{l}[j,·] or its bias b{l}[j], under their section and
    layer headings. Layers worked as vectors (more than 4 units) have no per-unit lines; their
    whole layer block is shown instead.
    """
    pattern = _unit_pattern(layer, j, name)
    parts = [f'<div class="gn-explain" data-layer="{layer}" data-unit="{j}">']
    for key, title, lines in _sections(text):
        if key not in keys:
            continue
        chosen: list[str] = []
        block_head: str | None = None
        block: list[str] = []
        blocks: list[tuple[str | None, list[str]]] = []
        for line in lines:
            if line.startswith("Layer "):
                blocks.append((block_head, block))
                block_head, block = line, []
            elif line.strip():
                block.append(line)
        blocks.append((block_head, block))
        for head, body in blocks:
            hits = [ln for ln in body if pattern.search(ln)]
            this_layer = head is not None and re.match(rf"Layer {layer}\b", head)
            if not hits and (this_layer or head is None) and key in ("forward", "backward"):
                hits = body  # vector form: the whole layer
            if key == "loss" and name.startswith("y"):
                hits = body  # the output unit: the loss is its business
            if hits:
                if head is not None:
                    chosen.append(head)
                chosen.extend(hits)
        if chosen:
            parts.append(f"<h4>{html.escape(title)}</h4>")
            parts.append("<pre>" + html.escape("\n".join(chosen)) + "</pre>")
    parts.append("</div>")
    return "".join(parts)


__all__ = ["MessageError", "Session", "panel_html", "parse_csv", "unit_name"]
