"""A multilayer network of Dense layers and its explicit backpropagation.

Forward, for layers l = 1..L (samples as rows)::

    z^l = a^{l−1} W^lᵀ + b^l        a^l = f(z^l)        ã^l = dropout(a^l)   (ã^l = a^l without)

Backward, with C_s the loss of sample s and ``scale`` the reduction's factor (1/N for mean)::

    δ^L = ∂C_s/∂a^L ⊙ f'(z^L)                (softmax: δ^L = J(z^L)ᵀ ∂C_s/∂a^L)
    δ^l = (δ^{l+1} W^{l+1}) ⊙ d^l ⊙ f'(z^l)    (d^l: dropout's factor m/p, m or 1)
    ∂C/∂W^l = scale · Σ_s δ^l_s (a^{l−1}_s)ᵀ  [+ ∂penalty/∂W^l]
    ∂C/∂b^l = scale · Σ_s δ^l_s

All parameters live in one flat array ``net.params`` (and gradients in ``net.grads``);
each layer's W and b are views into it, so an optimizer step is a few passes over one array.

Training loops may pass ``workspace=True`` to :meth:`Network.compute_gradients`: the same
equations then write z, a, δ, ∂C/∂a into buffers allocated once per (batch size, mode) and
reused by every later call (``out=`` ufuncs and products, no per-step allocation of the large
arrays). The results are bit for bit those of a fresh pass; only the returned Pass's arrays
are views into the workspace, valid until the next ``workspace=True`` call.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet._validate import as_matrix, call_with_options, check_dtype, check_number
from glassnet.errors import ConfigError, DataError, ShapeError
from glassnet.initializers import initialize
from glassnet.layers import Dense
from glassnet.losses import Loss, get_loss
from glassnet.regularization import Regularization

Array = np.ndarray


@dataclass(frozen=True)
class ParamSlot:
    """Where one named parameter lives in the flat buffer: ``params[start:stop].reshape(shape)``."""

    name: str  # "W1", "b1", ... (1-based layer number)
    layer: int  # 1-based
    kind: str  # "W" or "b"
    shape: tuple[int, ...]
    start: int
    stop: int


@dataclass
class LayerRecord:
    """Every intermediate of one layer for one pass; arrays are (samples, units).

    Backward fields are per sample (∂C_s/∂·, before the reduction's scale), except
    ``grad_W``/``grad_b``, the gradients of the reduced loss (regularization included),
    which are views into ``net.grads`` valid until the next pass (copy them to keep them).
    """

    layer: int
    a_prev: Array
    z: Array
    a: Array
    mask: Array | None = None
    out: Array | None = None
    grad_out: Array | None = None
    grad_a: Array | None = None
    delta: Array | None = None
    grad_W: Array | None = None
    grad_b: Array | None = None
    grad_a_prev: Array | None = None


@dataclass
class Pass:
    """The records of one forward (and backward) pass through a network."""

    layers: list[LayerRecord]
    train: bool
    output: Array
    targets: Array | None = None
    per_sample_loss: Array | None = None
    scale: float = 1.0
    data_loss: float = float("nan")
    penalty: float = 0.0
    output_rule: str = ""
    loss_fn: Loss | None = None

    @property
    def clamped(self) -> int:
        """How many values the loss clamped to stay finite (computed on demand, not per batch)."""
        if self.loss_fn is None or self.targets is None:
            return 0
        return self.loss_fn.clamped(self.output, self.targets)

    @property
    def loss(self) -> float:
        """Reduced data loss plus the regularization penalty."""
        return self.data_loss + self.penalty


class Network:
    """An ordered stack of :class:`Dense` layers with flat parameter and gradient buffers.

    Parameters
    ----------
    layers : the Dense layers; layer l's ``n_in`` must equal layer l−1's ``n_out``.
    dtype : ``"float32"`` (training default) or ``"float64"`` (worked solutions, checks).
    seed : seed of the network's generator ``net.rng`` (initialisation, shuffling, dropout).
    """

    def __init__(
        self,
        layers: Sequence[Dense],
        dtype: Any = "float32",
        seed: int | None = 0,
        rng: np.random.Generator | None = None,
    ) -> None:
        layers = list(layers)
        if not layers or not all(isinstance(layer, Dense) for layer in layers):
            raise ConfigError("Network: expected a non-empty list of Dense layers.")
        for l, (prev, cur) in enumerate(itertools.pairwise(layers), start=2):
            if cur.n_in != prev.n_out:
                raise ShapeError(
                    f"Network: layer {l} ({cur.describe()}) takes {cur.n_in} inputs but layer "
                    f"{l - 1} ({prev.describe()}) has {prev.n_out} outputs."
                )
        if len({id(layer) for layer in layers}) != len(layers):
            raise ConfigError("Network: the same Dense object appears twice; create one per layer.")
        for l, layer in enumerate(layers, start=1):
            if layer.W is not None:
                raise ConfigError(
                    f"Network: layer {l} ({layer.describe()}) already belongs to another network "
                    "(its W is a view into that network's parameters); create a new Dense, e.g. "
                    "Dense.from_config(layer.config())."
                )
        if seed is not None:
            seed = int(check_number("Network", "seed", seed, low=0, integer=True))
        self.layers = layers
        self.dtype = check_dtype("Network", dtype)
        self.seed = None if rng is not None else seed
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.layout: list[ParamSlot] = []
        offset = 0
        for l, layer in enumerate(layers, start=1):
            for kind, shape in (("W", (layer.n_out, layer.n_in)), ("b", (layer.n_out,))):
                if kind == "b" and not layer.has_bias:
                    continue
                size = int(np.prod(shape))
                self.layout.append(ParamSlot(f"{kind}{l}", l, kind, shape, offset, offset + size))
                offset += size
        self.params = np.zeros(offset, dtype=self.dtype)
        self.grads = np.zeros(offset, dtype=self.dtype)
        self._slots = {slot.name: slot for slot in self.layout}
        #: the TrainingRun of the last ``fit`` or loaded model file (glassnet.train), or None
        self.training_state: Any = None
        self._bind_views()
        self._initialize()

    # ------------------------------------------------------------------ parameters
    def _bind_views(self) -> None:
        for l, layer in enumerate(self.layers, start=1):
            layer.W = self.param_view(f"W{l}")
            layer.grad_W = self.grad_view(f"W{l}")
            layer.b = self.param_view(f"b{l}") if layer.has_bias else None
            layer.grad_b = self.grad_view(f"b{l}") if layer.has_bias else None

    def _initialize(self) -> None:
        for layer in self.layers:
            if layer.initial_weights is not None:
                layer.W[...] = layer.initial_weights
            else:
                shape = (layer.n_out, layer.n_in)
                layer.W[...] = initialize(layer.init, shape, self.rng, layer.activation.name)
            if layer.has_bias:
                layer.b[...] = (
                    layer.initial_bias if layer.initial_bias is not None else layer.bias_init
                )

    @property
    def n_inputs(self) -> int:
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].n_out

    @property
    def param_names(self) -> list[str]:
        return [slot.name for slot in self.layout]

    def slot(self, name: str) -> ParamSlot:
        if name not in self._slots:
            raise ConfigError(
                f"Network: no parameter named {name!r}; it has {', '.join(self._slots)}."
            )
        return self._slots[name]

    def param_view(self, name: str) -> Array:
        s = self.slot(name)
        return self.params[s.start : s.stop].reshape(s.shape)

    def grad_view(self, name: str) -> Array:
        s = self.slot(name)
        return self.grads[s.start : s.stop].reshape(s.shape)

    def get_params(self) -> dict[str, Array]:
        """Copies of every parameter by name."""
        return {name: self.param_view(name).copy() for name in self.param_names}

    def set_params(self, values: Mapping[str, Any]) -> None:
        """Overwrite parameters by name; validates every entry before writing any."""
        checked = {}
        for name, value in values.items():
            slot = self.slot(name)
            try:
                arr = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise DataError(f"Network.set_params: {name} must be numeric; {exc}.") from None
            if arr.shape != slot.shape:
                raise ShapeError(
                    f"Network.set_params: {name} must have shape {slot.shape}; got {arr.shape}."
                )
            if not np.all(np.isfinite(arr)):
                raise DataError(f"Network.set_params: {name} contains NaN or inf.")
            checked[name] = arr
        for name, arr in checked.items():
            self.param_view(name)[...] = arr

    # ------------------------------------------------------------------ forward
    def forward(self, x: Any, train: bool = False) -> Array:
        """The network's output for ``x`` (samples, n_in), evaluation mode by default."""
        return self.forward_pass(x, train=train).output

    def _check_inputs(self, x: Any) -> Array:
        return as_matrix("Network", "inputs x", x, self.dtype, n_cols=self.n_inputs)

    def forward_pass(
        self,
        x: Any,
        train: bool = False,
        masks: Sequence[Any] | None = None,
        rng: np.random.Generator | None = None,
        validate: bool = True,
        workspace: bool = False,
    ) -> Pass:
        """Run the forward pass and keep every layer's a_prev, z, a, mask, out.

        In training mode a layer with dropout uses ``masks[l-1]`` when given (one row for
        all samples or one row per sample), otherwise draws a mask from ``rng`` (default
        ``net.rng``). ``workspace=True``: see the module docstring (the records' arrays are
        then reused buffers, overwritten by the next such call).
        """
        a = self._check_inputs(x) if validate else x
        ws = self._workspace(a.shape[0], train) if workspace else None
        if masks is not None and len(masks) != len(self.layers):
            raise ShapeError(
                f"Network: masks must have one entry per layer ({len(self.layers)}); "
                f"got {len(masks)}."
            )
        if masks is not None:
            for l, (layer, mask) in enumerate(zip(self.layers, masks, strict=True), start=1):
                if mask is not None and layer.dropout is None:
                    raise ConfigError(
                        f"Network: a dropout mask was given for layer {l} ({layer.describe()}), "
                        "which has no dropout."
                    )
        rng = self.rng if rng is None else rng
        records = []
        for l, layer in enumerate(self.layers, start=1):
            if ws is None:
                z = a @ layer.W.T
                if layer.b is not None:
                    z += layer.b
                act = layer.activation.forward(z)
            else:
                buf = ws[l - 1]
                z = np.matmul(a, layer.W.T, out=buf["z"])  # z = a W^T (the same product)
                if layer.b is not None:
                    z += layer.b
                if layer.activation.name == "relu":  # a = max(z, 0), in place
                    act = np.maximum(z, 0.0, out=buf["a"])
                else:
                    act = layer.activation.forward(z)
            rec = LayerRecord(l, a, z, act)
            out = act
            drop = layer.dropout
            if drop is not None:
                if train:
                    given = None if masks is None else masks[l - 1]
                    if given is not None:
                        rec.mask = drop.check_mask(given, act.shape, f"layer {l}", self.dtype)
                    else:
                        rec.mask = drop.draw_mask(act.shape, rng, self.dtype)
                    out = act * rec.mask
                    if drop.scaling == "inverted":
                        out *= drop.train_factor()
                elif drop.scaling == "standard":
                    out = act * drop.eval_factor()
            rec.out = out
            records.append(rec)
            a = out
        return Pass(records, train, a)

    # ------------------------------------------------------------------ backward
    def compute_gradients(
        self,
        x: Any,
        t: Any,
        loss: str | Mapping[str, Any] | Loss,
        regularization: Regularization | None = None,
        train: bool = True,
        masks: Sequence[Any] | None = None,
        rng: np.random.Generator | None = None,
        fused: bool = True,
        input_grad: bool = False,
        validate: bool = True,
        workspace: bool = False,
    ) -> Pass:
        """Forward pass, loss, and backpropagation; writes ∂C/∂θ into ``net.grads``.

        ``fused=True`` lets the loss use its canonical-link shortcut (δ^L = a − t for
        softmax + cross-entropy, sigmoid + binary cross-entropy, identity + squared error)
        when the output layer has no dropout; ``fused=False`` always applies the general rule.
        ``input_grad=True`` also records ∂C_s/∂x in ``layers[0].grad_a_prev``. With
        ``validate=False`` the caller promises ``x`` and ``t`` are already checked arrays
        of the network's dtype (the training loop validates once, not per batch).
        ``workspace=True`` (training loops) reuses buffers allocated once per batch size:
        the same numbers, but the returned Pass is valid only until the next such call.
        """
        loss = get_loss(loss)
        if validate:
            self.check_loss(loss)
        p = self.forward_pass(
            x, train=train, masks=masks, rng=rng, validate=validate, workspace=workspace
        )
        y = p.output
        if validate:
            t = loss.prepare_targets(t, y.shape[0], self.n_outputs, self.dtype)
        p.targets = t
        p.per_sample_loss = loss.per_sample(y, t)
        p.scale = loss.scale(t)
        p.data_loss = float(p.scale * np.add.reduce(p.per_sample_loss))  # scale · Σ_s C_s
        p.loss_fn = loss

        last = p.layers[-1]
        out_layer = self.layers[-1]
        delta = None
        if fused and out_layer.dropout is None:
            delta = loss.fused_delta(out_layer.activation, last.z, last.a, t)
        p.output_rule = "general" if delta is None else "fused"
        if delta is None:
            last.grad_out = loss.grad(y, t)
        self._backward(
            p, delta, input_grad, self._workspace(y.shape[0], train) if workspace else None
        )
        if regularization is not None and regularization.active:
            self._add_penalty(p, regularization, y.shape[0])
        return p

    def check_loss(self, loss: str | Mapping[str, Any] | Loss) -> Loss:
        """Refuse loss/output pairs that cannot give a finite loss; return the Loss.

        Dropout on the output layer scales or zeroes probabilities, so a loss on
        probabilities (binary cross-entropy, cross-entropy without ``from_logits``) would
        take log(0) or log of a negative number.
        """
        loss = get_loss(loss)
        out = self.layers[-1]
        on_probabilities = loss.name != "squared_error" and not getattr(loss, "from_logits", False)
        if out.dropout is not None and on_probabilities:
            raise ConfigError(
                f"Network: the output layer ({out.describe()}) has dropout, so its outputs are "
                f"not probabilities and loss {loss.name!r} is undefined; put dropout on a "
                "hidden layer."
            )
        return loss

    def _backward(
        self, p: Pass, delta_L: Array | None, input_grad: bool, ws: list[dict] | None = None
    ) -> None:
        scale = p.scale
        for i in range(len(self.layers) - 1, -1, -1):
            layer, rec = self.layers[i], p.layers[i]
            buf = None if ws is None else ws[i]
            if i == len(self.layers) - 1 and delta_L is not None:
                rec.delta = delta_L
            else:
                grad_a = rec.grad_out
                if rec.mask is not None:  # dropout's backward: the same mask (and 1/p)
                    grad_a = grad_a * rec.mask
                    if layer.dropout.scaling == "inverted":
                        grad_a *= layer.dropout.train_factor()
                elif layer.dropout is not None and layer.dropout.scaling == "standard":
                    grad_a = grad_a * layer.dropout.eval_factor()
                rec.grad_a = grad_a
                if buf is not None and layer.activation.name == "relu":
                    # δ = g ⊙ [z > 0], into the workspace (the same products as vjp)
                    positive = np.greater(rec.z, 0.0, out=buf["mask"])
                    rec.delta = np.multiply(grad_a, positive, out=buf["delta"])
                else:
                    rec.delta = layer.activation.vjp(rec.z, rec.a, grad_a)
            # the reduction's factor goes on δ (samples × units), not on ∂C/∂W (units × inputs)
            if scale == 1.0:
                delta_scaled = rec.delta
            elif buf is None:
                delta_scaled = rec.delta * scale
            else:
                delta_scaled = np.multiply(rec.delta, scale, out=buf["scaled"])
            np.matmul(delta_scaled.T, rec.a_prev, out=layer.grad_W)
            if layer.b is not None:
                np.add.reduce(delta_scaled, axis=0, out=layer.grad_b)
            rec.grad_W, rec.grad_b = layer.grad_W, layer.grad_b
            if i > 0 or input_grad:  # ∂C_s/∂a^{l−1} = δ^l W^l, the next layer down's upstream
                if buf is None:
                    rec.grad_a_prev = rec.delta @ layer.W
                else:
                    rec.grad_a_prev = np.matmul(rec.delta, layer.W, out=buf["grad_a_prev"])
                if i > 0:
                    p.layers[i - 1].grad_out = rec.grad_a_prev

    def _workspace(self, n: int, train: bool) -> list[dict[str, Array]]:
        """Buffers per layer for batches of ``n`` samples, allocated on first use.

        Per layer l: z, a (n × n_out), the ReLU mask, δ and scale·δ (n × n_out), and
        ∂C/∂a^{l−1} (n × n_in). A few batch sizes are kept (an epoch's last batch is shorter).
        """
        cache = self.__dict__.setdefault("_workspaces", {})
        key = (n, bool(train))
        ws = cache.get(key)
        if ws is None:
            if len(cache) >= 4:
                cache.clear()
            dt = self.dtype
            ws = [
                {
                    "z": np.empty((n, layer.n_out), dt),
                    "a": np.empty((n, layer.n_out), dt),
                    "mask": np.empty((n, layer.n_out), bool),
                    "delta": np.empty((n, layer.n_out), dt),
                    "scaled": np.empty((n, layer.n_out), dt),
                    "grad_a_prev": np.empty((n, layer.n_in), dt),
                }
                for layer in self.layers
            ]
            cache[key] = ws
        return ws

    def penalized_arrays(self, regularization: Regularization) -> list[str]:
        """Names of the parameters the penalty applies to (weights, and biases if included)."""
        return [s.name for s in self.layout if s.kind == "W" or regularization.include_bias]

    def _add_penalty(self, p: Pass, reg: Regularization, n_samples: int) -> None:
        names = self.penalized_arrays(reg)
        arrays = [self.param_view(n) for n in names]
        p.penalty = reg.value(arrays, n_samples)
        reg.add_gradient(arrays, [self.grad_view(n) for n in names], n_samples)

    # ------------------------------------------------------------------ description
    def config(self) -> dict[str, Any]:
        """Architecture (JSON-able): layers, dtype, seed."""
        return {
            "layers": [layer.config() for layer in self.layers],
            "dtype": self.dtype.name,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Network:
        return cls(
            [Dense.from_config(c) for c in cfg["layers"]], dtype=cfg["dtype"], seed=cfg.get("seed")
        )

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Network([\n  {inner}\n], dtype={self.dtype.name!r})"

    def summary(self) -> str:
        """One line per layer with shapes and parameter counts."""
        lines = [f"{'layer':<6}{'shape':<14}{'activation':<24}{'params':>8}"]
        for l, layer in enumerate(self.layers, start=1):
            drop = "" if layer.dropout is None else f" + dropout {layer.dropout.rate:g}"
            shape = f"{layer.n_in} → {layer.n_out}"
            lines.append(f"{l:<6}{shape:<14}{str(layer.activation) + drop:<24}{layer.n_params:>8}")
        lines.append(f"total parameters: {self.params.size}  (dtype {self.dtype.name})")
        return "\n".join(lines)

    # ------------------------------------------------------------------ training API
    # Thin delegations: the implementations live in glassnet.train (imported lazily so that
    # `import glassnet` stays light). See glassnet/train/ for the documentation.
    def fit(self, X: Any, y: Any, **options: Any) -> Any:
        """Train the network; see :func:`glassnet.train.fit` for the options."""
        from glassnet.train import fit

        return call_with_options("Network.fit", functools.partial(fit, self, X, y), options)

    def predict(self, X: Any, **options: Any) -> Array:
        """Class indices for classification networks, output values otherwise.

        ``X`` is raw: a model trained by ``glassnet train`` applies its stored input
        standardization (and undoes its target standardization); see
        :func:`glassnet.train.prepare_inputs`.
        """
        from glassnet.train import predict

        return call_with_options("Network.predict", functools.partial(predict, self, X), options)

    def predict_proba(self, X: Any, **options: Any) -> Array:
        """Class probabilities (softmax / sigmoid outputs, or of logits) for raw ``X``."""
        from glassnet.train import predict_proba

        proba = functools.partial(predict_proba, self, X)
        return call_with_options("Network.predict_proba", proba, options)

    def evaluate(self, X: Any, y: Any, **options: Any) -> dict[str, Any]:
        """Loss and metrics on raw (X, y), in the units of the original targets."""
        from glassnet.train import evaluate

        score = functools.partial(evaluate, self, X, y)
        return call_with_options("Network.evaluate", score, options)

    def save(self, path: Any, **options: Any) -> None:
        """Write the model file atomically; see :func:`glassnet.train.save`."""
        from glassnet.train import save

        call_with_options("Network.save", functools.partial(save, self, path), options)
