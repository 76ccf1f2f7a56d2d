"""Optimizers that update a flat parameter array in place, and gradient clipping.

Every optimizer has the same interface::

    opt = Adam(lr=1e-3)                  # hyperparameters validated here
    opt.step(params, grads, lr=None)     # θ updated in place; lr overrides opt.lr once
    opt.state                            # snapshot: AdamState(t, m, v, v_max)
    opt.state_dict() / opt.load_state_dict(d) / opt.reset()
    opt.describe(sl)                     # {"m": …, "v": …, "m_hat": …, "v_hat": …}
    opt.config()                         # {"name": "adam", "lr": …}; get_optimizer(**config)

This package imports NumPy only; it knows nothing about networks.
"""

from __future__ import annotations

from typing import Any

from glassnet._validate import check_choice
from glassnet.errors import ConfigError
from glassnet.optim.adam import Adam, AdamState, AdamW
from glassnet.optim.base import Optimizer, StateDict, build
from glassnet.optim.clipping import clip_by_global_norm, clip_by_value, global_norm
from glassnet.optim.momentum import Momentum, MomentumState
from glassnet.optim.rmsprop import RMSprop, RMSpropState
from glassnet.optim.sgd import SGD, SGDState

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": Momentum,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}


def get_optimizer(name: str | Optimizer, **kwargs: Any) -> Optimizer:
    """Build an optimizer from its name (case-insensitive) and hyperparameters.

    ``name`` may also be an Optimizer, returned as is (then no keyword arguments are
    allowed). ``get_optimizer(**opt.config())`` rebuilds ``opt`` without its state.
    Unknown names and unknown or missing arguments raise ConfigError with a suggestion.

    Examples
    --------
    >>> get_optimizer("adam", lr=0.01)
    Adam(lr=0.01, betas=[0.9, 0.999], eps=1e-08, weight_decay=0.0, amsgrad=False, \
bias_correction=True, eps_inside_sqrt=False, clip_norm=None, clip_value=None)
    """
    if isinstance(name, Optimizer):
        if kwargs:
            raise ConfigError(
                f"get_optimizer: got an optimizer object and extra arguments "
                f"{', '.join(sorted(kwargs))}; pass a name to build a new one."
            )
        return name
    key = name.lower() if isinstance(name, str) else name
    check_choice("get_optimizer", "optimizer", key, OPTIMIZERS)
    return build(OPTIMIZERS[key], kwargs)


__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "AdamState",
    "AdamW",
    "Momentum",
    "MomentumState",
    "Optimizer",
    "RMSprop",
    "RMSpropState",
    "SGDState",
    "StateDict",
    "clip_by_global_norm",
    "clip_by_value",
    "get_optimizer",
    "global_norm",
]
