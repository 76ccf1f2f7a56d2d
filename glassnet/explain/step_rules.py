"""Optimizer update rules as equations: each state (m, v, m̂, v̂, buffer …) and the new
parameter, with the previous values and this step's gradient substituted."""

from __future__ import annotations

from typing import Any

from glassnet.explain.document import Doc
from glassnet.explain.notation import (
    DOT,
    MINUS_OP,
    PLUS,
    Math,
    cat,
    frac,
    paren,
    partial,
    sqrt,
    squared,
    sup_latex,
    sup_text,
    sym,
)
from glassnet.explain.numbers import number

SQ = Math("²", "^2")
STATE_SYMBOLS = {
    "m": ("m", "m"),
    "v": ("v", "v"),
    "m_hat": ("m̂", r"\hat{m}"),
    "v_hat": ("v̂", r"\hat{v}"),
    "v_max": ("vmax", r"v^{\max}"),
    "g_avg": ("ḡ", r"\bar{g}"),
    "buffer": ("buf", r"\mathrm{buf}"),
}


def at_step(x: Math, k: int) -> Math:
    """``x⁽ᵏ⁾`` / ``x^{(k)}``."""
    return Math(f"{x.text}{sup_text(f'({k})')}", sup_latex(x.latex, f"({k})"))


def state_sym(field: str, name: str, k: int | None = None) -> Math:
    t, l = STATE_SYMBOLS[field]
    s = Math(f"{t}_{name}", f"{l}_{{{sym(name).latex}}}")
    return s if k is None else at_step(s, k)


def _c(cfg: dict, key: str, doc: Doc, value: Any = None) -> Math:
    return number(cfg[key] if value is None else value, doc.precision)


class Step:
    """Paths and symbols of one parameter in one step."""

    def __init__(self, doc: Doc, name: str, k: int, clipped: bool) -> None:
        self.doc, self.name, self.k = doc, name, k
        self.theta_prev = f"params.{name}" if k == 1 else f"steps[{k - 1}].params.{name}"
        self.g_path = f"steps[{k}].{'clipped_gradients' if clipped else 'gradients'}.{name}"
        self.g_sym = (
            Math(f"ĝ_{name}", rf"\hat{{g}}_{{{sym(name).latex}}}")
            if clipped
            else partial(Math("C", "C"), sym(name))
        )

    def prev(self, field: str) -> Math:
        if self.k == 1:
            return Math("0", "0")
        return self.doc.op(f"steps[{self.k - 1}].state.{self.name}.{field}")

    def state(self, field: str) -> str:
        return f"steps[{self.k}].state.{self.name}.{field}"


def _grad(st: Step, cfg: dict) -> tuple[Math, Math]:
    """g (with coupled weight decay g + λθ) as formula and numbers."""
    doc, wd = st.doc, cfg.get("weight_decay", 0.0)
    if wd and cfg["name"] != "adamw":
        return (
            paren(cat(st.g_sym, PLUS, Math("λ·", r"\lambda "), at_step(sym(st.name), st.k - 1))),
            paren(
                cat(doc.op(st.g_path), PLUS, number(wd, doc.precision), DOT, doc.op(st.theta_prev))
            ),
        )
    return st.g_sym, doc.op(st.g_path)


def _ema(doc: Doc, st: Step, field: str, rate: Math, rate_v: Math, g: tuple, square: bool) -> None:
    """x⁽ᵏ⁾ = r·x⁽ᵏ⁻¹⁾ + (1 − r)·g (or g²)."""
    gf, gx = (cat(paren(g[0]), SQ), cat(g[1], SQ)) if square else g
    one_minus = paren(cat("1", MINUS_OP, rate))
    doc.eq(
        state_sym(field, st.name, st.k),
        [
            cat(rate, DOT, state_sym(field, st.name, st.k - 1), PLUS, one_minus, DOT, gf),
            cat(rate_v, DOT, st.prev(field), PLUS, paren(cat("1", MINUS_OP, rate_v)), DOT, gx),
        ],
        st.state(field),
    )


def _eta(doc: Doc, k: int) -> Math:
    """η, or η⁽ᵏ⁾ when a schedule changes it from step to step."""
    eta = Math("η", r"\eta")
    return at_step(eta, k) if doc.data["conventions"].get("schedule") else eta


def _update(doc: Doc, st: Step, f: Math, x: Math) -> None:
    th = sym(st.name)
    doc.eq(
        at_step(th, st.k),
        [
            cat(at_step(th, st.k - 1), MINUS_OP, _eta(doc, st.k), DOT, f),
            cat(doc.num(st.theta_prev), MINUS_OP, doc.op(f"steps[{st.k}].lr"), DOT, x),
        ],
        f"steps[{st.k}].params.{st.name}",
    )


def _sgd(doc: Doc, st: Step, cfg: dict) -> None:
    g = _grad(st, cfg)
    if not cfg["momentum"]:
        _update(doc, st, *g)
        return
    buf = state_sym("buffer", st.name, st.k)
    if st.k == 1:
        doc.eq(buf, [g[0], g[1]], st.state("buffer"), note="the buffer starts at the gradient")
    else:
        mu, tau = _c(cfg, "momentum", doc), cfg["dampening"]
        damp = (
            (Math("", ""), Math("", ""))
            if not tau
            else (
                cat(paren(Math("1 − τ", r"1 - \tau")), DOT),
                cat(paren(cat("1", MINUS_OP, number(tau, doc.precision))), DOT),
            )
        )
        doc.eq(
            buf,
            [
                cat(
                    Math("μ·", r"\mu "), state_sym("buffer", st.name, st.k - 1), PLUS, damp[0], g[0]
                ),
                cat(mu, DOT, st.prev("buffer"), PLUS, damp[1], g[1]),
            ],
            st.state("buffer"),
        )
    b_val = doc.op(st.state("buffer"))
    if cfg["nesterov"]:
        _update(
            doc,
            st,
            paren(cat(g[0], PLUS, Math("μ·", r"\mu "), buf)),
            paren(cat(g[1], PLUS, _c(cfg, "momentum", doc), DOT, b_val)),
        )
    else:
        _update(doc, st, buf, b_val)


def _momentum(doc: Doc, st: Step, cfg: dict) -> None:
    g = _grad(st, cfg)
    _ema(doc, st, "m", Math("β", r"\beta"), _c(cfg, "beta", doc), g, False)
    _update(doc, st, state_sym("m", st.name, st.k), doc.op(st.state("m")))


def _rmsprop(doc: Doc, st: Step, cfg: dict) -> None:
    g = _grad(st, cfg)
    alpha = (Math("α", r"\alpha"), _c(cfg, "alpha", doc))
    _ema(doc, st, "v", *alpha, g, True)
    v_f, v_x = state_sym("v", st.name, st.k), doc.op(st.state("v"))
    if cfg["centered"]:
        _ema(doc, st, "g_avg", *alpha, g, False)
        v_f = cat(v_f, MINUS_OP, squared(state_sym("g_avg", st.name, st.k)))
        v_x = cat(v_x, MINUS_OP, doc.op(st.state("g_avg")), SQ)
    eps, eps_v = Math("ε", r"\varepsilon"), _c(cfg, "eps", doc)
    if cfg["eps_inside_sqrt"]:
        d_f, d_x = sqrt(cat(v_f, PLUS, eps)), sqrt(cat(v_x, PLUS, eps_v))
    else:
        d_f, d_x = cat(sqrt(v_f), PLUS, eps), cat(sqrt(v_x), PLUS, eps_v)
    if cfg["momentum"]:
        buf = state_sym("buffer", st.name, st.k)
        doc.eq(
            buf,
            [
                cat(
                    Math("μ·", r"\mu "),
                    state_sym("buffer", st.name, st.k - 1),
                    PLUS,
                    frac(g[0], d_f),
                ),
                cat(_c(cfg, "momentum", doc), DOT, st.prev("buffer"), PLUS, frac(g[1], d_x)),
            ],
            st.state("buffer"),
        )
        _update(doc, st, buf, doc.op(st.state("buffer")))
    else:
        _update(doc, st, frac(g[0], d_f), frac(g[1], d_x))


def _adam(doc: Doc, st: Step, cfg: dict) -> None:
    g = _grad(st, cfg)
    b1, b2 = cfg["betas"]
    _ema(doc, st, "m", Math("β₁", r"\beta_1"), number(b1, doc.precision), g, False)
    _ema(doc, st, "v", Math("β₂", r"\beta_2"), number(b2, doc.precision), g, True)
    v_field = "v"
    if cfg["amsgrad"]:
        v_field = "v_max"
        prev = st.prev("v_max")
        doc.eq(
            state_sym("v_max", st.name, st.k),
            [
                Math("max(", r"\max(")
                + state_sym("v_max", st.name, st.k - 1)
                + ", "
                + state_sym("v", st.name, st.k)
                + ")",
                Math("max(", r"\max(") + prev + ", " + doc.op(st.state("v")) + ")",
            ],
            st.state("v_max"),
        )
    k = st.k
    for hat, raw, beta, bsym in (
        ("m_hat", "m", b1, Math("β₁", r"\beta_1")),
        ("v_hat", v_field, b2, Math("β₂", r"\beta_2")),
    ):
        if cfg["bias_correction"]:
            power = Math(sup_text(str(k)), f"^{{{k}}}")
            f = frac(state_sym(raw, st.name, k), cat("1", MINUS_OP, bsym, power))
            x = frac(doc.op(st.state(raw)), cat("1", MINUS_OP, number(beta, doc.precision), power))
            doc.eq(state_sym(hat, st.name, k), [f, x], st.state(hat))
        else:
            doc.eq(
                state_sym(hat, st.name, k),
                [state_sym(raw, st.name, k)],
                st.state(hat),
                note="no bias correction",
            )
    eps, eps_v = Math("ε", r"\varepsilon"), _c(cfg, "eps", doc)
    vh_f, vh_x = state_sym("v_hat", st.name, k), doc.op(st.state("v_hat"))
    if cfg["eps_inside_sqrt"]:
        d_f, d_x = sqrt(cat(vh_f, PLUS, eps)), sqrt(cat(vh_x, PLUS, eps_v))
    else:
        d_f, d_x = cat(sqrt(vh_f), PLUS, eps), cat(sqrt(vh_x), PLUS, eps_v)
    step_f = frac(state_sym("m_hat", st.name, k), d_f)
    step_x = frac(doc.op(st.state("m_hat")), d_x)
    if cfg["name"] == "adamw":
        th = sym(st.name)
        lam = number(cfg["weight_decay"], doc.precision)
        lr = doc.op(f"steps[{k}].lr")
        doc.eq(
            at_step(th, k),
            [
                cat(
                    at_step(th, k - 1),
                    Math("·(1 − η·λ)", r" (1 - \eta\lambda)"),
                    MINUS_OP,
                    Math("η·", r"\eta "),
                    step_f,
                ),
                cat(
                    doc.num(st.theta_prev),
                    DOT,
                    paren(cat("1", MINUS_OP, lr, DOT, lam)),
                    MINUS_OP,
                    lr,
                    DOT,
                    step_x,
                ),
            ],
            f"steps[{k}].params.{st.name}",
        )
    else:
        _update(doc, st, step_f, step_x)


RULES = {"sgd": _sgd, "momentum": _momentum, "rmsprop": _rmsprop, "adam": _adam, "adamw": _adam}
