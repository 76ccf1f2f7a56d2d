"""Each parameter's gradient, by name, with its chain-rule product filled in.

One sample: ∂C/∂w = δ_j·a_k (δ_j for a bias) [+ the penalty's derivative]. A minibatch: a
table of the per-sample contributions ∂Cₛ/∂θ (each from the engine on that sample alone),
then their average. A tied name sums the products of its positions. Layers too large for
scalar lines are given as matrices.
"""

from __future__ import annotations

from glassnet.explain.document import Doc
from glassnet.explain.notation import (
    DOT,
    PLUS,
    Math,
    cat,
    delta_of,
    join,
    layer_sup,
    paren,
    partial,
    sym,
    transpose,
)
from glassnet.explain.numbers import number
from glassnet.explain.view import NetView

C = Math("C", "C")
Position = tuple[int, str, int, int]  # (layer, "W" or "b", j, k)


def _reg_term(doc: Doc, name: str, reg: dict | None, kind: str, n: int) -> tuple[list, list]:
    """The penalty's derivative at one position: λ·w (half), 2·λ·w (full), λ₁·sign(w)."""
    if not reg or (kind == "b" and not reg["include_bias"]):
        return [], []
    by_n = Math(f"/{n}", f"/{n}") if reg["divide_by_batch"] and n > 1 else Math("", "")
    f, x = [], []
    w, wv = sym(name), doc.op(f"params.{name}")
    sign = Math("sign", r"\operatorname{sign}")
    if reg["l2"]:
        two = Math("2·", r"2 \cdot ") if reg["convention"] == "full" else Math("", "")
        f.append(cat(two, Math("λ", r"\lambda"), by_n, DOT, w))
        x.append(cat(two, number(reg["l2"], doc.precision), by_n, DOT, wv))
    if reg["l1"]:
        f.append(cat(Math("λ₁", r"\lambda_1"), by_n, DOT, sign, paren(w)))
        x.append(cat(number(reg["l1"], doc.precision), by_n, DOT, sign, paren(wv)))
    return f, x


def positions(v: NetView) -> dict[str, list[Position]]:
    """Each parameter's positions, visited from the output layer down."""
    out: dict[str, list[Position]] = {}
    for l in range(v.L, 0, -1):
        layer = v.layer(l)
        for j, row in enumerate(layer["weights"]):
            for k, w in enumerate(row):
                out.setdefault(w, []).append((l, "W", j, k))
        for j, b in enumerate(layer["bias"] or []):
            out.setdefault(b, []).append((l, "b", j, -1))
    return out


def _chain_symbol(v: NetView, pos: Position) -> Math:
    l, kind, j, k = pos
    d = delta_of(v.units(l)[j])
    return d if kind == "b" else cat(d, DOT, v.out_sym(l - 1, k))


def _chain_terms(v: NetView, pos: Position, s: int) -> list[str]:
    l, kind, j, k = pos
    d = f"backward[{l}].delta[{s}][{j + 1}]"
    return [d] if kind == "b" else [d, v.out_path(l - 1, s, k)]


def _scale_prefix(doc: Doc, v: NetView) -> Math:
    scale = doc.data["scale"]
    if scale == 1.0:
        return Math("", "")
    k = (
        Math(f"(1/{v.n})", rf"\frac{{1}}{{{v.n}}}")
        if scale == 1.0 / v.n
        else number(scale, doc.precision)
    )
    return cat(k, DOT)


def compose_gradients(doc: Doc) -> None:
    v = NetView(doc.data)
    reg = doc.data["conventions"].get("regularization")
    doc.heading(2, "Gradients")
    where = positions(v)
    scalar = {n: ps for n, ps in where.items() if all(v.scalar(p[0]) for p in ps)}
    intro = [
        "Each gradient is δ of the receiving unit times what flows into the weight "
        "(for a bias: δ alone)"
    ]
    if v.n > 1:
        mean = doc.data["conventions"]["loss"]["reduction"] == "mean"
        intro.append(", averaged over the samples" if mean else ", summed over the samples")
    if reg:
        intro.append(", plus the derivative of the penalty")
    doc.para(*intro, ".")
    if v.n > 1 and scalar:
        doc.para(
            "Per-sample contributions ∂Cₛ/∂θ (δ and the unit outputs of each sample, "
            "from the backward pass above):"
        )
        header = ["parameter", Math("∂Cₛ/∂θ", r"\partial C_s / \partial\theta")]
        header += [f"sample {s}" for s in range(1, v.n + 1)]
        rows = [
            [
                sym(n),
                join([_chain_symbol(v, p) for p in ps], PLUS),
                *[doc.ref(f"per_sample_gradients[{s}].{n}") for s in range(1, v.n + 1)],
            ]
            for n, ps in scalar.items()
        ]
        doc.table(header, rows)
    pre = _scale_prefix(doc, v)
    for name, ps in scalar.items():
        rf, rx = [], []
        for p in ps:
            f, x = _reg_term(doc, name, reg, p[1], v.n)
            rf, rx = rf + f, rx + x
        if v.n == 1:
            f = join([_chain_symbol(v, p) for p in ps], PLUS)
            x = doc.terms([_chain_terms(v, p, 1) for p in ps])
        else:
            f = cat(Math("Σₛ ", r"\sum_s "), partial(Math("Cₛ", "C_s"), sym(name)))
            x = doc.terms([[f"per_sample_gradients[{s}].{name}"] for s in range(1, v.n + 1)])
        if pre.text:
            f, x = cat(pre, f if v.n > 1 else paren(f)), cat(pre, paren(x))
        doc.eq(
            partial(C, sym(name)), [join([f, *rf], PLUS), join([x, *rx], PLUS)], f"gradients.{name}"
        )
    for l in range(v.L, 0, -1):
        if not v.scalar(l):
            _gradient_matrix(doc, v, l, reg)


def _gradient_matrix(doc: Doc, v: NetView, l: int, reg: dict | None) -> None:
    mean = doc.data["conventions"]["loss"]["reduction"] == "mean" and v.n > 1
    pre = (
        Math("(1/N)·Σₛ ", r"\frac{1}{N}\sum_s ")
        if mean
        else (Math("Σₛ ", r"\sum_s ") if v.n > 1 else Math("", ""))
    )
    W, b = layer_sup("W", "W", l), layer_sup("b", "b", l)
    delta = layer_sup("δ", r"\delta", l)
    s_sub = Math("ₛ", "_s") if v.n > 1 else Math("", "")
    f = cat(pre, delta, s_sub, Math(" ", r"\,"), transpose(cat(v.out_layer_sym(l - 1), s_sub)))
    if reg:
        f = cat(f, Math(" + ∂penalty/∂W", r" + \frac{\partial\,\mathrm{penalty}}{\partial W}"))
    doc.eq(partial(C, W), [f], f"backward[{l}].grad_W")
    if v.layer(l)["bias"] is not None:
        doc.eq(partial(C, b), [cat(pre, delta, s_sub)], f"backward[{l}].grad_b")
