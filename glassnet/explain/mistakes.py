"""Classic mistakes, simulated by running the engine on a mutated exercise.

A hint is given when a student's number matches what the same exercise yields with one
classic mistake built in (as closely as the right value would have to, and clearly better
than the right value; see :func:`glassnet.explain.grade._explains`): the ½ factor of the
squared error missing or doubled, the mean taken as a sum (or the reverse), σ(z) used for
σ'(z) (tanh(z) for tanh'(z)), a square weight matrix transposed, the update applied with the
wrong sign, or a momentum buffer that averages where PyTorch's sums. Each hint names its
mistake (:class:`Hint`) for class reports. Nothing here recomputes a number: each variant is
another engine run.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from glassnet.errors import GlassnetError
from glassnet.explain.exercise import Exercise, parse_exercise
from glassnet.explain.trace import run

Variant = tuple["Hint", Callable[[], dict[str, Any]]]


class Hint(str):
    """A hint sentence that also carries the short name of the classic mistake it spots
    (``"forgot ½"``, ``"σ for σ'"``, …), which a class report counts."""

    mistake: str

    def __new__(cls, text: str, mistake: str) -> Hint:
        hint = super().__new__(cls, text)
        hint.mistake = mistake
        return hint


def mistake_of(hint: str) -> str:
    """The short name of the mistake behind a hint (``"other"`` for a plain sentence)."""
    return getattr(hint, "mistake", "other")


def _respec(ex: Exercise, change: Callable[[dict], None]) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        spec = copy.deepcopy(ex.spec)
        change(spec)
        return run(parse_exercise(spec, ex.origin))

    return build


def _set_loss(key: str, value: Any) -> Callable[[dict], None]:
    def change(spec: dict) -> None:
        loss = spec["loss"] if isinstance(spec["loss"], dict) else {"name": spec["loss"]}
        spec["loss"] = {**loss, key: value}

    return change


def _transpose_layer(i: int) -> Callable[[dict], None]:
    def change(spec: dict) -> None:
        layer = spec["network"]["layers"][i]
        layer["weights"] = [list(col) for col in zip(*layer["weights"], strict=True)]

    return change


def _factor_hints(factor: float) -> tuple[Hint, Hint]:
    """The hints of the loss-factor variants: (factor doubled, factor halved)."""
    if factor == 0.5:
        return (
            Hint("the ½ factor seems to be missing: with C = ½(y − t)², ∂C/∂y = y − t.",
                 "forgot ½"),
            Hint("the ½ factor seems to be applied twice: with C = ½(y − t)², ∂C/∂y = y − t "
                 "(the 2 of the square cancels the ½).", "½ applied twice"),
        )
    if factor == 1.0:
        return (
            Hint("the loss factor seems doubled: here C = (y − t)², so ∂C/∂y = 2(y − t).",
                 "loss factor doubled"),
            Hint("a ½ factor seems to have been added: here C = (y − t)² has no ½, so "
                 "∂C/∂y = 2(y − t).", "added ½"),
        )
    return (
        Hint(f"the loss factor {factor:g} seems doubled.", "loss factor doubled"),
        Hint(f"the loss factor {factor:g} seems halved.", "loss factor halved"),
    )


def variants(ex: Exercise) -> Iterator[Variant]:
    """(hint, build) pairs for the mistakes that apply to this exercise."""
    if ex.network is not None:
        if ex.loss.name == "squared_error":
            more, less = _factor_hints(ex.loss.factor)
            yield more, _respec(ex, _set_loss("factor", ex.loss.factor * 2))
            yield less, _respec(ex, _set_loss("factor", ex.loss.factor / 2))
        if ex.n_samples > 1:
            if ex.loss.reduction == "mean":
                hint = Hint("it matches a sum over the samples, but the loss averages them "
                            "(mean).", "missing minibatch average")
            else:
                hint = Hint("it matches an average over the samples, but the loss sums them "
                            "(sum).", "average for a sum")
            other = "sum" if ex.loss.reduction == "mean" else "mean"
            yield hint, _respec(ex, _set_loss("reduction", other))
        acts = [layer.activation for layer in ex.network.layers]
        if any(a.name in ("sigmoid", "tanh") for a in acts):
            wrong = [
                dataclasses.replace(a, _derivative=lambda z, a: a)
                if a.name in ("sigmoid", "tanh")
                else a
                for a in acts
            ]
            yield (
                Hint("σ(z) seems to be used in place of σ'(z) = σ(z)(1 − σ(z)) (or tanh(z) in "
                     "place of tanh'(z) = 1 − tanh²(z)).", "σ instead of σ'"),
                lambda: run(ex, activations=wrong),
            )
        for i, layer in enumerate(ex.net_spec.layers):
            if layer.weights is not None and len(layer.weights) == len(layer.weights[0]) > 1:
                yield (
                    Hint(f"it matches the solution with the weight matrix of layer {i + 1} "
                         "transposed: W[j,k] connects unit k of the layer below to unit j of "
                         "this layer.", "transposed W"),
                    _respec(ex, _transpose_layer(i)),
                )
    opt = ex.optimizer or {}
    if opt.get("name") == "sgd" and opt.get("momentum") and not opt.get("dampening"):

        def averaged(spec: dict) -> None:
            spec["train"]["optimizer"]["dampening"] = spec["train"]["optimizer"]["momentum"]

        yield (
            Hint("the momentum buffer seems to average, buf ← μ·buf + (1 − μ)·g (the form of "
                 "Adam's m); PyTorch's SGD momentum adds the whole gradient: buf ← μ·buf + g.",
                 "(1 − μ) in the momentum buffer"),
            _respec(ex, averaged),
        )
    if ex.optimizer is not None:
        yield (
            Hint("the update seems to go uphill: a step subtracts, θ ← θ − η·(…), it does not "
                 "add.", "wrong sign in the update"),
            lambda: run(ex, negate_updates=True),
        )


def matching_hints(
    ex: Exercise, path: str, matches: Callable[[Any], bool], cache: dict[str, Any]
) -> list[str]:
    """Hints whose mistaken solution has a value at ``path`` that ``matches``."""
    from glassnet.explain.paths import resolve

    hints = []
    for hint, build in variants(ex):
        if hint not in cache:
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cache[hint] = build()
            except (GlassnetError, FloatingPointError, ValueError):
                cache[hint] = None
        data = cache[hint]
        if data is None:
            continue
        try:
            value = resolve(data, path)
        except KeyError:
            continue
        if matches(value):
            hints.append(hint)
    return hints
