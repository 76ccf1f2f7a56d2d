"""Dense layers: z^l = W^l a^{l−1} + b^l, a^l = f(z^l), optionally followed by dropout.

W is stored (n_out, n_in): ``W[j, k]`` is the weight from unit k of layer l−1 to unit j of
layer l (the textbook w^l_jk). With samples as rows, the layer computes
``z = a_prev @ W.T + b``.

A ``Dense`` holds configuration until a :class:`~glassnet.network.Network` binds it: then
``W``, ``b``, ``grad_W`` and ``grad_b`` are views into the network's flat parameter and
gradient buffers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from glassnet._validate import call_with_options, check_number
from glassnet.activations import Activation, get_activation
from glassnet.dropout import Dropout
from glassnet.errors import DataError, ShapeError

Array = np.ndarray


def _numeric(value: Any, what: str) -> Array:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be numeric; {exc}.") from None


def _as_dropout(spec: Any) -> Dropout | None:
    if spec is None or spec is False:
        return None
    if isinstance(spec, Dropout):
        return spec
    if isinstance(spec, Mapping):
        return call_with_options("Dense: dropout", Dropout, spec)
    rate = check_number("Dense", "dropout", spec, low=0.0, high=1.0, high_open=True)
    return Dropout(rate) if rate > 0 else None


class Dense:
    """A fully connected layer.

    Parameters
    ----------
    n_in, n_out : number of input units (layer l−1) and output units (layer l).
    activation : name, ``{"name": ..., **options}`` or :class:`Activation` (default identity).
    bias : ``True`` (trainable, initialised by ``bias_init``), ``False`` (no bias), or the
        initial values, shape (n_out,).
    init : weight initializer name or ``{"name": ..., **options}`` (see
        :mod:`glassnet.initializers`); ignored when ``weights`` is given.
    weights : explicit initial W, shape (n_out, n_in).
    dropout : a rate in [0, 1), a :class:`Dropout`, or ``{"rate": r, "scaling": s}``;
        applied to this layer's output in training.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        activation: str | Mapping[str, Any] | Activation = "identity",
        *,
        bias: bool | Any = True,
        init: str | Mapping[str, Any] = "auto",
        bias_init: float = 0.0,
        weights: Any = None,
        dropout: float | Dropout | Mapping[str, Any] | None = None,
    ) -> None:
        self.n_in = int(check_number("Dense", "n_in", n_in, low=1, integer=True))
        self.n_out = int(check_number("Dense", "n_out", n_out, low=1, integer=True))
        self.activation = get_activation(activation)
        self.init = init
        self.bias_init = check_number("Dense", "bias_init", bias_init)
        self.dropout = _as_dropout(dropout)
        self.initial_weights = None
        if weights is not None:
            w = _numeric(weights, f"{self.describe()}: weights")
            if w.shape != (self.n_out, self.n_in):
                raise ShapeError(
                    f"{self.describe()}: weights must have shape (n_out, n_in) = "
                    f"({self.n_out}, {self.n_in}); got {w.shape}."
                )
            self.initial_weights = w
        self.initial_bias = None
        if isinstance(bias, (bool, np.bool_)):
            self.has_bias = bool(bias)
        else:
            b = _numeric(bias, f"{self.describe()}: bias").reshape(-1)
            if b.shape != (self.n_out,):
                raise ShapeError(
                    f"{self.describe()}: bias must have {self.n_out} entries; got shape "
                    f"{np.shape(bias)}."
                )
            self.has_bias = True
            self.initial_bias = b
        for arr, what in ((self.initial_weights, "weights"), (self.initial_bias, "bias")):
            if arr is not None and not np.all(np.isfinite(arr)):
                raise DataError(f"{self.describe()}: {what} contain NaN or inf.")
        # views bound by Network
        self.W: Array | None = None
        self.b: Array | None = None
        self.grad_W: Array | None = None
        self.grad_b: Array | None = None

    @property
    def n_params(self) -> int:
        return self.n_out * self.n_in + (self.n_out if self.has_bias else 0)

    def describe(self) -> str:
        act = getattr(self, "activation", None)
        return f"Dense({self.n_in} → {self.n_out}{', ' + str(act) if act else ''})"

    def __repr__(self) -> str:
        extra = "" if self.has_bias else ", bias=False"
        if self.dropout is not None:
            extra += f", dropout={self.dropout.rate:g} ({self.dropout.scaling})"
        return f"Dense({self.n_in}, {self.n_out}, activation={str(self.activation)!r}{extra})"

    def config(self) -> dict[str, Any]:
        """Architecture only (no parameter values): rebuilds an equivalent layer."""
        return {
            "n_in": self.n_in,
            "n_out": self.n_out,
            "activation": self.activation.config(),
            "bias": self.has_bias,
            "dropout": None if self.dropout is None else self.dropout.config(),
            "init": self.init,
            "bias_init": self.bias_init,
        }

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Dense:
        return cls(
            cfg["n_in"],
            cfg["n_out"],
            cfg["activation"],
            bias=cfg["bias"],
            dropout=cfg.get("dropout"),
            init=cfg.get("init", "auto"),
            bias_init=cfg.get("bias_init", 0.0),
        )
