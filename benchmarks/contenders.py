"""One trainer per framework, run inside a worker process (see worker.py).

Every ``setup_<framework>(spec, data)`` builds the same network from the same initial
weights and returns a :class:`Trainer`:

* ``trainer.run(units)`` trains for ``units`` train steps (``spec["unit"] == "step"``) or
  epochs (``"epoch"``) and returns ``{"samples": int, "phases": {name: seconds}}``. The
  caller times it; nothing in ``run`` prints, evaluates or synchronises more than a user's
  loop would.
* ``trainer.finish()`` returns what is measured after the timed rounds (test accuracy and
  loss, subnormal counts in the Adam state) — never timed.
* ``trainer.info`` describes the contender (implementation details worth reporting).

Frameworks are imported inside their setup function, so a worker only loads its own.

The spec (built by run.py) holds: ``arch`` (layer sizes), ``dropout`` (hidden layers),
``batch``, ``lr``, ``unit``, ``train_n``, ``shuffle`` (epoch mode), ``validation`` (evaluate
on the validation/test set after every epoch), ``threads``, ``variant`` (contender options).

Step mode walks the training set in order, one contiguous batch after another (the data
were shuffled once when they were made), and wraps around after the last full batch: every
contender sees exactly the same batches in the same order.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np

F32_TINY = float(np.finfo(np.float32).tiny)


def subnormal_stats(arrays: dict[str, Any]) -> dict[str, Any]:
    """Fraction of subnormal (and of exactly zero) float32 entries in each named array."""
    out = {}
    for name, arr in arrays.items():
        a = np.asarray(arr, dtype=np.float32).ravel()
        absval = np.abs(a)
        n_sub = int(np.count_nonzero((absval < F32_TINY) & (absval > 0)))
        out[name] = {
            "subnormal": n_sub,
            "zero": int(np.count_nonzero(a == 0)),
            "size": int(a.size),
            "subnormal_frac": n_sub / max(a.size, 1),
        }
    return out


def softmax_ce(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of float logits against integer labels (float64)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean()), float(np.mean(z.argmax(axis=1) == y))


class Batches:
    """The batch schedule of step mode: contiguous batches, cursor wraps at the last full one."""

    def __init__(self, n_samples: int, batch: int) -> None:
        self.batch = batch
        self.n_batches = n_samples // batch
        if self.n_batches < 1:
            raise ValueError(f"need at least one full batch of {batch}; have {n_samples} samples")
        self.cursor = 0

    def next(self) -> slice:
        i = self.cursor
        self.cursor = (i + 1) % self.n_batches
        return slice(i * self.batch, (i + 1) * self.batch)

    def runs(self, steps: int) -> list[tuple[int, int]]:
        """The next ``steps`` batches as contiguous (start batch, n batches) runs; advances."""
        out = []
        while steps > 0:
            n = min(steps, self.n_batches - self.cursor)
            out.append((self.cursor, n))
            self.cursor = (self.cursor + n) % self.n_batches
            steps -= n
        return out


class Trainer:
    """What every contender exposes; see the module docstring."""

    info: dict[str, Any]

    def run(self, units: int) -> dict[str, Any]:
        raise NotImplementedError

    def finish(self) -> dict[str, Any]:
        raise NotImplementedError


def _check_unit(spec: dict[str, Any], allowed: tuple[str, ...], who: str) -> None:
    if spec["unit"] not in allowed:
        raise ValueError(f"{who} supports unit {allowed}; got {spec['unit']!r}")


# ----------------------------------------------------------------------------- glassnet
def _glassnet_network(spec: dict[str, Any], init: dict[str, np.ndarray]) -> Any:
    import glassnet as gn

    sizes = spec["arch"]
    n_layers = len(sizes) - 1
    layers = []
    for l in range(n_layers):
        last = l == n_layers - 1
        layers.append(
            gn.Dense(
                sizes[l],
                sizes[l + 1],
                activation="softmax" if last else "relu",
                dropout=None if last or not spec["dropout"] else spec["dropout"],
            )
        )
    net = gn.Network(layers, dtype="float32", seed=0)
    net.set_params(init)
    return net


def _glassnet_fit_api() -> tuple[Any, bool]:
    """(fit function, is_standin): ``Network.fit`` once glassnet.train exists."""
    try:
        import glassnet.train  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name not in ("glassnet.train", "glassnet"):
            raise
        return standin_fit, True
    return (lambda net, X, y, **kw: net.fit(X, y, **kw)), False


def standin_fit(
    net: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str,
    optimizer: Any,
    epochs: int,
    batch_size: int,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    shuffle: bool = True,
    verbose: int = 0,
) -> None:
    """STAND-IN for ``Network.fit`` while glassnet/train/ does not exist (flagged in reports).

    A plain loop over the engine's public API, as a minimal fit would be: validate once,
    shuffle per epoch with ``net.rng``, one ``compute_gradients`` + ``optimizer.step`` per
    batch, evaluate the validation set after every epoch.
    """
    import glassnet as gn

    lossf = gn.get_loss(loss)
    X = np.ascontiguousarray(X, dtype=net.dtype)
    T = lossf.prepare_targets(y, X.shape[0], net.n_outputs, net.dtype)
    n = X.shape[0]
    for _ in range(epochs):
        order = net.rng.permutation(n) if shuffle else None
        for start in range(0, n, batch_size):
            if order is None:
                xb, tb = X[start : start + batch_size], T[start : start + batch_size]
            else:
                idx = order[start : start + batch_size]
                xb, tb = X[idx], T[idx]
            net.compute_gradients(xb, tb, lossf, validate=False)
            optimizer.step(net.params, net.grads)
        if validation_data is not None:
            Xv, yv = validation_data
            softmax_out = net.forward(Xv)
            lossf.value(softmax_out, lossf.prepare_targets(yv, len(yv), net.n_outputs, net.dtype))


class GlassnetTrainer(Trainer):
    """glassnet: ``compute_gradients(validate=False, workspace=True)`` + ``opt.step`` per
    batch, or ``fit``."""

    def __init__(self, spec: dict[str, Any], data: dict[str, np.ndarray]) -> None:
        import glassnet as gn
        import glassnet.optim
        from glassnet.optim import Adam

        self.spec, self.variant = spec, spec["variant"]
        # glassnet's optimizer has its own thread pool (sized by the cores, not by
        # threadpoolctl): hold it to the benchmark's thread count when the API offers it
        set_threads = getattr(gn.optim, "set_num_threads", None)
        if set_threads is not None:
            set_threads(spec["threads"])
        self.net = _glassnet_network(spec, data["init"])
        self.opt = Adam(lr=spec["lr"])
        self.loss = gn.get_loss("cross_entropy")
        n = spec["train_n"]
        self.X, self.y = data["X_train"][:n], data["y_train"][:n]
        self.Xv, self.yv = data["X_test"], data["y_test"]
        self.B = spec["batch"]
        self.batches = Batches(n, self.B)
        self.fit, standin = _glassnet_fit_api()
        self.info = {
            "glassnet": gn.__version__,
            "fit_standin": standin,
            "optim_threads": "set_num_threads" if set_threads else "glassnet default",
        }
        if self.variant == "loop":
            _check_unit(spec, ("step",), "glassnet loop")
            # the targets, validated once as the training loop does (one-hot float32 rows)
            self.T = self.loss.prepare_targets(self.y, n, self.net.n_outputs, self.net.dtype)
            self.info["train_step"] = (
                "compute_gradients(validate=False, workspace=True) + Adam.step"
            )
        else:
            self.info["train_step"] = "Network.fit" + (" (STAND-IN)" if standin else "")

    def _fit(self, X: np.ndarray, y: np.ndarray, epochs: int, validation: bool) -> None:
        self.fit(
            self.net,
            X,
            y,
            loss="cross_entropy",
            optimizer=self.opt,
            epochs=epochs,
            batch_size=self.B,
            validation_data=(self.Xv, self.yv) if validation else None,
            shuffle=bool(self.spec["shuffle"]),
            verbose=0,
        )

    def run(self, units: int) -> dict[str, Any]:
        B, spec = self.B, self.spec
        if self.variant == "loop":
            net, opt, loss, X, T = self.net, self.opt, self.loss, self.X, self.T
            clock = time.perf_counter
            t_fb = t_opt = 0.0
            for _ in range(units):
                sl = self.batches.next()
                t0 = clock()
                net.compute_gradients(X[sl], T[sl], loss, validate=False, workspace=True)
                t1 = clock()
                opt.step(net.params, net.grads)
                t_fb += t1 - t0
                t_opt += clock() - t1
            return {"samples": units * B, "phases": {"forward_backward": t_fb, "optimizer": t_opt}}
        if spec["unit"] == "epoch":
            self._fit(self.X, self.y, units, bool(spec["validation"]))
            return {"samples": units * len(self.X)}
        # step mode through fit: the same batches as the loop, one fit call per contiguous run
        # (a single multi-epoch call when the round is made of whole epochs)
        nb = self.batches.n_batches
        if self.batches.cursor == 0 and units % nb == 0:
            self._fit(self.X[: nb * B], self.y[: nb * B], units // nb, False)
        else:
            for start, n in self.batches.runs(units):
                sl = slice(start * B, (start + n) * B)
                self._fit(self.X[sl], self.y[sl], 1, False)
        return {"samples": units * B}

    def finish(self) -> dict[str, Any]:
        out = self.net.forward(self.Xv)
        with np.errstate(divide="ignore"):
            logits = np.log(np.maximum(out, 1e-30))
        loss, acc = softmax_ce(logits, self.yv)
        st = self.opt.state
        return {
            "test_loss": loss,
            "test_accuracy": acc,
            "adam": subnormal_stats({"m": st.m, "v": st.v}),
        }

    # -- profile of the train step (glassnet loop only; run after the timed rounds) ---------
    def profile(self, steps: int) -> dict[str, Any]:
        from profile_glassnet import profile_train_step

        return profile_train_step(self, steps)


def setup_glassnet(spec: dict[str, Any], data: dict[str, np.ndarray]) -> Trainer:
    return GlassnetTrainer(spec, data)


# ----------------------------------------------------------------------------- PyTorch
class TorchTrainer(Trainer):
    """PyTorch eager: nn.Sequential, F.cross_entropy on logits, torch.optim.Adam."""

    def __init__(self, spec: dict[str, Any], data: dict[str, np.ndarray]) -> None:
        import torch
        from torch import nn

        self.torch = torch
        variant = spec["variant"]  # "default", "fused", "ftz"
        torch.set_num_threads(spec["threads"])
        if "ftz" in variant:  # before any op, so the intra-op pool's threads inherit MXCSR
            torch.set_flush_denormal(True)
        torch.manual_seed(0)
        sizes = spec["arch"]
        mods: list[Any] = []
        self.linears = []
        for l in range(len(sizes) - 1):
            lin = nn.Linear(sizes[l], sizes[l + 1])
            self.linears.append(lin)
            mods.append(lin)
            if l < len(sizes) - 2:
                mods.append(nn.ReLU())
                if spec["dropout"]:
                    mods.append(nn.Dropout(spec["dropout"]))
        self.model = nn.Sequential(*mods)
        init = data["init"]
        with torch.no_grad():
            for l, lin in enumerate(self.linears, start=1):
                lin.weight.copy_(torch.from_numpy(init[f"W{l}"]))
                lin.bias.copy_(torch.from_numpy(init[f"b{l}"]))
        params = list(self.model.parameters())
        fused = "fused" in variant
        self.opt = torch.optim.Adam(params, lr=spec["lr"], fused=True if fused else None)
        from torch.optim.optimizer import _default_to_fused_or_foreach

        f, fe = _default_to_fused_or_foreach(params, False, fused)
        self.info = {
            "torch": torch.__version__,
            "adam_impl": "fused" if f else ("foreach" if fe else "for-loop (single tensor)"),
            "flush_denormal": "ftz" in variant,
            "threads": torch.get_num_threads(),
        }
        n = spec["train_n"]
        self.X = torch.from_numpy(data["X_train"][:n])
        self.y = torch.from_numpy(data["y_train"][:n].astype(np.int64))
        self.Xv = torch.from_numpy(data["X_test"])
        self.yv = torch.from_numpy(data["y_test"].astype(np.int64))
        self.spec, self.B = spec, spec["batch"]
        self.batches = Batches(n, self.B)
        self.gen = torch.Generator().manual_seed(0)
        self.model.train()

    def _step(self, xb: Any, yb: Any) -> Any:
        F = self.torch.nn.functional
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(xb), yb)
        loss.backward()
        self.opt.step()
        return loss

    def run(self, units: int) -> dict[str, Any]:
        torch, B = self.torch, self.B
        if self.spec["unit"] == "step":
            X, y = self.X, self.y
            for _ in range(units):
                sl = self.batches.next()
                self._step(X[sl], y[sl])
            return {"samples": units * B}
        n = len(self.X)
        for _ in range(units):  # a DataLoader-free epoch + evaluation on the validation set
            self.model.train()
            order = torch.randperm(n, generator=self.gen) if self.spec["shuffle"] else None
            total = 0.0
            for start in range(0, n, B):
                if order is None:
                    xb, yb = self.X[start : start + B], self.y[start : start + B]
                else:
                    idx = order[start : start + B]
                    xb, yb = self.X[idx], self.y[idx]
                total += self._step(xb, yb).item() * len(yb)
            if self.spec["validation"]:
                self.model.eval()
                with torch.inference_mode():
                    logits = self.model(self.Xv)
                    torch.nn.functional.cross_entropy(logits, self.yv).item()
                    (logits.argmax(1) == self.yv).float().mean().item()
                self.model.train()
        return {"samples": units * n}

    def finish(self) -> dict[str, Any]:
        torch = self.torch
        self.model.eval()
        with torch.inference_mode():
            logits = self.model(self.Xv).numpy()
        loss, acc = softmax_ce(logits, self.yv.numpy())
        m = np.concatenate([s["exp_avg"].numpy().ravel() for s in self.opt.state.values()])
        v = np.concatenate([s["exp_avg_sq"].numpy().ravel() for s in self.opt.state.values()])
        return {"test_loss": loss, "test_accuracy": acc, "adam": subnormal_stats({"m": m, "v": v})}


def setup_torch(spec: dict[str, Any], data: dict[str, np.ndarray]) -> Trainer:
    return TorchTrainer(spec, data)


# ----------------------------------------------------------------------------- JAX
class JaxTrainer(Trainer):
    """JAX: the whole train step (batch gather, forward, grad, optax Adam) under one jax.jit.

    The data live on the device; step mode slices the batch inside the jitted step
    (``lax.dynamic_slice``), epoch mode passes the batch's indices and gathers inside it.
    Parameters and optimizer state are donated, so XLA may update them in place.
    """

    def __init__(self, spec: dict[str, Any], data: dict[str, np.ndarray]) -> None:
        import jax
        import jax.numpy as jnp
        import optax
        from jax import lax

        self.jax, self.jnp = jax, jnp
        self.spec, self.B = spec, spec["batch"]
        B, rate = self.B, float(spec["dropout"] or 0.0)
        n = spec["train_n"]
        init = data["init"]
        n_layers = len(spec["arch"]) - 1
        params = [
            (jnp.asarray(init[f"W{l}"]), jnp.asarray(init[f"b{l}"])) for l in range(1, n_layers + 1)
        ]
        tx = optax.adam(spec["lr"])  # eps=1e-8 outside the root, as torch.optim.Adam

        def forward(params: Any, x: Any, key: Any = None) -> Any:
            for i, (W, b) in enumerate(params):
                x = x @ W.T + b
                if i < len(params) - 1:
                    x = jax.nn.relu(x)
                    if key is not None and rate > 0:
                        key, sub = jax.random.split(key)
                        keep = jax.random.bernoulli(sub, 1.0 - rate, x.shape)
                        x = jnp.where(keep, x / (1.0 - rate), 0.0)
            return x

        def loss_fn(params: Any, xb: Any, yb: Any, key: Any) -> Any:
            logits = forward(params, xb, key)
            return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()

        def update(params: Any, opt_state: Any, xb: Any, yb: Any, key: Any) -> Any:
            loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb, key)
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        def step_slice(params: Any, opt_state: Any, X: Any, Y: Any, i: Any) -> Any:
            xb = lax.dynamic_slice_in_dim(X, i * B, B)
            yb = lax.dynamic_slice_in_dim(Y, i * B, B)
            return update(params, opt_state, xb, yb, None)

        def step_gather(params: Any, opt_state: Any, key: Any, X: Any, Y: Any, idx: Any) -> Any:
            key, sub = jax.random.split(key)
            params, opt_state, loss = update(params, opt_state, X[idx], Y[idx], sub)
            return params, opt_state, key, loss

        def evaluate(params: Any, X: Any, Y: Any) -> Any:
            logits = forward(params, X)
            loss = optax.softmax_cross_entropy_with_integer_labels(logits, Y).mean()
            return loss, jnp.mean(jnp.argmax(logits, axis=1) == Y)

        self.step_slice = jax.jit(step_slice, donate_argnums=(0, 1))
        self.step_gather = jax.jit(step_gather, donate_argnums=(0, 1, 2))
        self.evaluate = jax.jit(evaluate)
        self.forward = jax.jit(forward)
        self.params, self.opt_state = params, tx.init(params)
        self.key = jax.random.PRNGKey(0)
        self.X = jax.device_put(data["X_train"][:n])
        self.Y = jax.device_put(data["y_train"][:n].astype(np.int32))
        self.Xv = jax.device_put(data["X_test"])
        self.Yv = jax.device_put(data["y_test"].astype(np.int32))
        self.batches = Batches(n, B)
        self.rng = np.random.default_rng(0)
        self.info = {
            "jax": jax.__version__,
            "optax": optax.__version__,
            "devices": [str(d) for d in jax.devices()],
        }

    def run(self, units: int) -> dict[str, Any]:
        if self.spec["unit"] == "step":
            params, state, X, Y = self.params, self.opt_state, self.X, self.Y
            loss = None
            for _ in range(units):
                i = self.batches.cursor
                self.batches.next()
                params, state, loss = self.step_slice(params, state, X, Y, np.int32(i))
            self.params, self.opt_state = params, state
            self.jax.block_until_ready((params, loss))
            return {"samples": units * self.B}
        n, B = self.X.shape[0], self.B
        for _ in range(units):
            order = self.rng.permutation(n).astype(np.int32) if self.spec["shuffle"] else None
            if order is None:
                order = np.arange(n, dtype=np.int32)
            params, state, key = self.params, self.opt_state, self.key
            loss = None
            for start in range(0, n, B):
                idx = order[start : start + B]
                params, state, key, loss = self.step_gather(params, state, key, self.X, self.Y, idx)
            self.params, self.opt_state, self.key = params, state, key
            if self.spec["validation"]:
                vl, va = self.evaluate(params, self.Xv, self.Yv)
                float(vl), float(va)
            self.jax.block_until_ready((params, loss))
        return {"samples": units * n}

    def finish(self) -> dict[str, Any]:
        logits = np.asarray(self.forward(self.params, self.Xv))
        loss, acc = softmax_ce(logits, np.asarray(self.Yv))
        adam = self.opt_state[0]  # optax.ScaleByAdamState(count, mu, nu)
        leaves = self.jax.tree_util.tree_leaves
        m = np.concatenate([np.asarray(a).ravel() for a in leaves(adam.mu)])
        v = np.concatenate([np.asarray(a).ravel() for a in leaves(adam.nu)])
        return {"test_loss": loss, "test_accuracy": acc, "adam": subnormal_stats({"m": m, "v": v})}


def setup_jax(spec: dict[str, Any], data: dict[str, np.ndarray]) -> Trainer:
    return JaxTrainer(spec, data)


# ----------------------------------------------------------------------------- scikit-learn
class SklearnTrainer(Trainer):
    """scikit-learn MLPClassifier(solver="adam"), trained with ``partial_fit`` (one epoch of
    the data it is given per call), float32 throughout, L2 penalty alpha = 0.

    It has no dropout: in case 3 it trains the network without dropout (noted in reports).
    It starts from the shared initial weights: one ``partial_fit`` on the first batch creates
    the model, then the weights are overwritten and the Adam state is discarded.
    """

    def __init__(self, spec: dict[str, Any], data: dict[str, np.ndarray]) -> None:
        import sklearn
        from sklearn.neural_network import MLPClassifier

        self.spec, self.B = spec, spec["batch"]
        n = spec["train_n"]
        sizes = spec["arch"]
        self.X, self.y = data["X_train"][:n], data["y_train"][:n]
        self.Xv, self.yv = data["X_test"], data["y_test"]
        self.classes = np.arange(sizes[-1])
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(sizes[1:-1]),
            activation="relu",
            solver="adam",
            alpha=0.0,
            batch_size=self.B,
            learning_rate_init=spec["lr"],
            shuffle=bool(spec["shuffle"]) and spec["unit"] == "epoch",
            random_state=0,
            tol=0.0,
            n_iter_no_change=10**9,
        )
        self.model.partial_fit(self.X[: self.B], self.y[: self.B], classes=self.classes)
        init = data["init"]
        for l in range(1, len(sizes)):
            W, b = init[f"W{l}"], init[f"b{l}"]
            if l == len(sizes) - 1 and sizes[-1] == 2:
                # two classes: MLPClassifier has one logistic output unit, and
                # softmax(z0, z1)[1] = σ(z1 − z0), so its weights are the rows' difference
                W, b = W[1:] - W[:1], b[1:] - b[:1]
            self.model.coefs_[l - 1] = np.ascontiguousarray(W.T)
            self.model.intercepts_[l - 1] = b.copy()
        del self.model._optimizer  # a fresh Adam (t = 0) at the next partial_fit
        self.batches = Batches(n, self.B)
        self.info = {
            "sklearn": sklearn.__version__,
            "dropout": "none (MLPClassifier has no dropout)" if spec["dropout"] else "",
        }

    def run(self, units: int) -> dict[str, Any]:
        B, m = self.B, self.model
        if self.spec["unit"] == "step":
            for start, n in self.batches.runs(units):
                sl = slice(start * B, (start + n) * B)
                m.partial_fit(self.X[sl], self.y[sl])
            return {"samples": units * B}
        for _ in range(units):
            m.partial_fit(self.X, self.y)
            if self.spec["validation"]:
                softmax_ce(np.log(np.maximum(m.predict_proba(self.Xv), 1e-30)), self.yv)
        return {"samples": units * len(self.X)}

    def finish(self) -> dict[str, Any]:
        proba = self.model.predict_proba(self.Xv)
        loss, acc = softmax_ce(np.log(np.maximum(proba, 1e-30)), self.yv)
        opt = self.model._optimizer
        m = np.concatenate([a.ravel() for a in opt.ms])
        v = np.concatenate([a.ravel() for a in opt.vs])
        return {
            "test_loss": loss,
            "test_accuracy": acc,
            "adam": subnormal_stats({"m": m, "v": v}),
            "dtype": str(self.model.coefs_[0].dtype),
        }


def setup_sklearn(spec: dict[str, Any], data: dict[str, np.ndarray]) -> Trainer:
    return SklearnTrainer(spec, data)


SETUP = {
    "glassnet": setup_glassnet,
    "torch": setup_torch,
    "jax": setup_jax,
    "sklearn": setup_sklearn,
}

# the module each framework needs; a contender whose module is missing is skipped
REQUIRES = {"glassnet": "glassnet", "torch": "torch", "jax": "optax", "sklearn": "sklearn"}


def flops_per_sample(arch: list[int]) -> int:
    """6 × weights: forward 2·w, backward 4·w multiply-adds counted as 2 FLOPs."""
    return 6 * sum(a * b for a, b in itertools.pairwise(arch))


def n_weights(arch: list[int]) -> int:
    return sum(a * b for a, b in itertools.pairwise(arch))
