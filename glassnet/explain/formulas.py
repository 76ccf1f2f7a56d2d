"""Formula snippets for activations, losses and optimizers, in both notations.

Only *formulas* and operand substitutions live here; values always come from the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glassnet.explain.notation import (
    DOT,
    MINUS,
    Math,
    as_math,
    cat,
    frac,
    func,
    paren,
    sqrt,
    squared,
    symbol,
)
from glassnet.explain.numbers import number

SIGMA = Math("σ", r"\sigma")
_SHORT = {"leaky_relu": "lrelu"}


def act_name(cfg: Mapping[str, Any]) -> str:
    return cfg["name"]


def act_apply(cfg: Mapping[str, Any], arg: Math | str) -> Math:
    """f(arg) as printed: ``σ(z_y)``, ``relu(z_h)``, ``z_y`` for identity, ``0`` for zero."""
    name = cfg["name"]
    if name == "identity":
        return as_math(arg)
    if name == "zero":
        return Math("0", "0")
    if name == "sigmoid":
        return cat(SIGMA, paren(arg))
    if name == "tanh":
        return func("tanh", arg, r"\tanh")
    return func(_SHORT.get(name, name), arg)


def act_definition(cfg: Mapping[str, Any], precision: int) -> Math | None:
    """The definition printed once in the conventions, e.g. ``σ(z) = 1/(1 + e^(−z))``."""
    name, z = cfg["name"], Math("z", "z")
    defs = {
        "identity": Math("f(z) = z", "f(z) = z"),
        "zero": Math(
            "f(z) = 0 (the constant zero function), f'(z) = 0",
            r"f(z) = 0 \text{ (the constant zero function)},\ f'(z) = 0",
        ),
        "sigmoid": Math(
            f"σ(z) = 1/(1 + e^({MINUS}z)), σ'(z) = σ(z)(1 {MINUS} σ(z))",
            r"\sigma(z) = \frac{1}{1 + e^{-z}},\ \sigma'(z) = \sigma(z)(1 - \sigma(z))",
        ),
        "tanh": Math(f"tanh'(z) = 1 {MINUS} tanh²(z)", r"\tanh'(z) = 1 - \tanh^2(z)"),
        "relu": Math(
            "relu(z) = max(0, z), relu'(z) = 1 if z > 0 else 0",
            r"\operatorname{relu}(z) = \max(0, z),\ \operatorname{relu}'(z) = [z > 0]",
        ),
        "softplus": Math(
            "softplus(z) = log(1 + e^z), softplus'(z) = σ(z)",
            r"\operatorname{softplus}(z) = \log(1 + e^{z}),\ "
            r"\operatorname{softplus}'(z) = \sigma(z)",
        ),
        "softmax": Math(
            "softmax(z)_k = e^(z_k) / Σ_j e^(z_j)",
            r"\operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_j e^{z_j}}",
        ),
    }
    if name in defs:
        return defs[name]
    if name == "leaky_relu":
        s = number(cfg.get("slope", 0.01), precision)
        return cat(
            Math(
                "lrelu(z) = z if z > 0 else ",
                r"\operatorname{lrelu}(z) = z \text{ if } z > 0"
                r" \text{ else } ",
            ),
            s,
            DOT,
            z,
            Math(", lrelu'(z) = 1 or ", r",\ \operatorname{lrelu}'(z) = 1 \text{ or } "),
            s,
        )
    if name == "elu":
        al = number(cfg.get("alpha", 1.0), precision)
        return cat(
            Math(
                "elu(z) = z if z > 0 else ",
                r"\operatorname{elu}(z) = z \text{ if } z > 0"
                r" \text{ else } ",
            ),
            al,
            Math(
                "(e^z − 1), elu'(z) = 1 or elu(z) + ",
                r"(e^{z} - 1),\ \operatorname{elu}'(z) = 1 \text{ or } "
                r"\operatorname{elu}(z) + ",
            ),
            al,
        )
    if name == "gelu":
        if cfg.get("approximate") == "tanh":
            return Math(
                "gelu(z) = ½z(1 + tanh(√(2/π)(z + 0.044715z³)))",
                r"\operatorname{gelu}(z) = \tfrac12 z\left(1 + \tanh\left(\sqrt{2/\pi}"
                r"(z + 0.044715 z^3)\right)\right)",
            )
        return Math(
            "gelu(z) = z·Φ(z), gelu'(z) = Φ(z) + z·φ(z)",
            r"\operatorname{gelu}(z) = z\,\Phi(z),\ \operatorname{gelu}'(z) = \Phi(z) "
            r"+ z\,\varphi(z)",
        )
    return None


def fprime_symbolic(cfg: Mapping[str, Any], unit: Math, z: Math) -> Math:
    """f'(z_u) written as a person would: ``y(1 − y)``, ``1 − h²``, ``1`` …"""
    name = cfg["name"]
    if name == "sigmoid":
        return cat(unit, paren(cat("1", Math(f" {MINUS} ", " - "), unit)))
    if name == "tanh":
        return paren(cat("1", Math(f" {MINUS} ", " - "), squared(unit)))
    if name == "identity":
        return Math("1", "1")
    if name == "zero":
        return Math("0", "0")
    return fprime_of(cfg, z)


def _prime(cfg: Mapping[str, Any]) -> Math:
    name = cfg["name"]
    if name == "sigmoid":
        return Math("σ'", r"\sigma'")
    if name == "tanh":
        return Math("tanh'", r"\tanh'")
    label = _SHORT.get(name, name)
    return Math(f"{label}'", rf"\operatorname{{{label}}}'")


def fprime_of(cfg: Mapping[str, Any], z: Math) -> Math:
    """``σ'(z_y)``."""
    return cat(_prime(cfg), paren(z))


def fprime_substituted(cfg: Mapping[str, Any], a: Math) -> Math | None:
    """The operand form of f' when it is a simple function of a = f(z); else None."""
    name = cfg["name"]
    if name == "sigmoid":
        return cat(a, DOT, paren(cat("1", Math(f" {MINUS} ", " - "), a)))
    if name == "tanh":
        return paren(cat("1", Math(f" {MINUS} ", " - "), a, Math("²", "^2")))
    return None


# ---------------------------------------------------------------------------- optimizers
def optimizer_title(cfg: Mapping[str, Any]) -> str:
    return {
        "sgd": "SGD",
        "momentum": "Momentum",
        "rmsprop": "RMSprop",
        "adam": "Adam",
        "adamw": "AdamW",
    }.get(cfg["name"], cfg["name"])


def hyper(cfg: Mapping[str, Any], key: str, precision: int, value: Any = None) -> Math:
    """``η = 0.1``."""
    v = cfg[key] if value is None else value
    return cat(symbol(key), " = ", number(v, precision))


def optimizer_rules(cfg: Mapping[str, Any]) -> list[Math]:
    """The update rule(s) of an optimizer configuration, symbolically (θ, g = ∂C/∂θ)."""
    g = Math("g", "g")
    L = r"\leftarrow"
    name = cfg["name"]
    rules: list[Math] = []
    wd = cfg.get("weight_decay", 0.0)
    if wd and name != "adamw":
        rules.append(
            Math(
                "g ← g + λ·θ (coupled weight decay)",
                rf"g {L} g + \lambda\theta \text{{ (coupled weight decay)}}",
            )
        )
    if name == "sgd":
        if not cfg["momentum"]:
            rules.append(Math("θ ← θ − η·g", rf"\theta {L} \theta - \eta g"))
            return rules
        damp = (
            (Math("", ""), Math("", ""))
            if not cfg["dampening"]
            else (Math("(1 − τ)·", r"(1 - \tau) "), Math("", ""))
        )
        rules.append(
            cat(
                Math(
                    "buf ← g at step 1, then buf ← μ·buf + ",
                    rf"\mathrm{{buf}} {L} g \text{{ at step 1, then }} \mathrm{{buf}} "
                    rf"{L} \mu\,\mathrm{{buf}} + ",
                ),
                damp[0],
                g,
            )
        )
        if cfg["nesterov"]:
            rules.append(
                Math(
                    "θ ← θ − η·(g + μ·buf) (Nesterov)",
                    rf"\theta {L} \theta - \eta (g + \mu\,\mathrm{{buf}})",
                )
            )
        else:
            rules.append(Math("θ ← θ − η·buf", rf"\theta {L} \theta - \eta\,\mathrm{{buf}}"))
    elif name == "momentum":
        rules += [
            Math("m ← β·m + (1 − β)·g", rf"m {L} \beta m + (1 - \beta) g"),
            Math("θ ← θ − η·m", rf"\theta {L} \theta - \eta m"),
        ]
    elif name == "rmsprop":
        rules.append(Math("v ← α·v + (1 − α)·g²", rf"v {L} \alpha v + (1 - \alpha) g^2"))
        var = Math("v", "v")
        if cfg["centered"]:
            rules.append(Math("ḡ ← α·ḡ + (1 − α)·g", rf"\bar g {L} \alpha \bar g + (1 - \alpha) g"))
            var = Math("v − ḡ²", r"v - \bar g^2")
        d = (
            sqrt(cat(var, " + ", symbol("eps")))
            if cfg["eps_inside_sqrt"]
            else cat(sqrt(var), " + ", symbol("eps"))
        )
        if cfg["momentum"]:
            rules.append(
                cat(
                    Math("buf ← μ·buf + ", rf"\mathrm{{buf}} {L} \mu\,\mathrm{{buf}} + "),
                    frac(g, d),
                )
            )
            rules.append(Math("θ ← θ − η·buf", rf"\theta {L} \theta - \eta\,\mathrm{{buf}}"))
        else:
            rules.append(cat(Math("θ ← θ − η·", rf"\theta {L} \theta - \eta "), frac(g, d)))
    elif name in ("adam", "adamw"):
        rules += [
            Math("m ← β₁·m + (1 − β₁)·g", rf"m {L} \beta_1 m + (1 - \beta_1) g"),
            Math("v ← β₂·v + (1 − β₂)·g²", rf"v {L} \beta_2 v + (1 - \beta_2) g^2"),
        ]
        v = Math("v", "v")
        if cfg["amsgrad"]:
            rules.append(Math("v_max ← max(v_max, v)", rf"v_{{\max}} {L} \max(v_{{\max}}, v)"))
            v = Math("v_max", r"v_{\max}")
        if cfg["bias_correction"]:
            rules.append(Math("m̂ = m/(1 − β₁ᵗ)", r"\hat m = m / (1 - \beta_1^t)"))
            rules.append(
                cat(Math("v̂ = ", r"\hat v = "), v, Math("/(1 − β₂ᵗ)", r" / (1 - \beta_2^t)"))
            )
        else:
            rules.append(
                cat(
                    Math("m̂ = m, v̂ = ", r"\hat m = m,\ \hat v = "),
                    v,
                    Math(" (no bias correction)", r" \text{ (no bias correction)}"),
                )
            )
        vh, eps = Math("v̂", r"\hat v"), symbol("eps")
        d = sqrt(cat(vh, " + ", eps)) if cfg["eps_inside_sqrt"] else cat(sqrt(vh), " + ", eps)
        start = (
            Math("θ ← θ·(1 − η·λ) − η·", rf"\theta {L} \theta (1 - \eta\lambda) - \eta ")
            if name == "adamw"
            else Math("θ ← θ − η·", rf"\theta {L} \theta - \eta ")
        )
        rules.append(cat(start, frac(Math("m̂", r"\hat m"), d)))
    return rules
