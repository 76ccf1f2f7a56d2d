"""The backward pass (δ per layer, naming the rule) and each parameter's gradient."""

from __future__ import annotations

from glassnet.explain.document import Doc
from glassnet.explain.formulas import fprime_of, fprime_substituted, fprime_symbolic
from glassnet.explain.notation import (
    DOT,
    MINUS_OP,
    NEG,
    PLUS,
    Math,
    cat,
    delta_of,
    frac,
    join,
    layer_sup,
    paren,
    partial,
    sym,
    tilde,
    transpose,
    z_of,
)
from glassnet.explain.numbers import number
from glassnet.explain.view import NetView


def cost(doc: Doc) -> Math:
    """C when the per-sample loss is the loss itself (one sample, factor 1), else Cₛ."""
    v = NetView(doc.data)
    return Math("C", "C") if v.n == 1 and doc.data["scale"] == 1.0 else Math("Cₛ", "C_s")


def compose_backward(doc: Doc) -> None:
    v = NetView(doc.data)
    doc.heading(2, "Backward pass")
    doc.para(
        "δ = ∂Cₛ/∂z is computed per sample, from the output layer down: the output layer "
        "by the general rule ",
        Math(
            "δ = ∂Cₛ/∂a ⊙ f'(z)",
            r"\delta = \frac{\partial C_s}"
            r"{\partial a} \odot f'(z)",
        ),
        ", each hidden layer from the layer above it by ",
        Math(
            "δ_j = (Σ_i W[i,j]·δ_i)·f'(z_j)",
            r"\delta_j = \Big(\sum_i W_{ij}\,\delta_i\Big)"
            r" f'(z_j)",
        ),
        ".",
    )
    samples = range(1, v.n + 1) if v.per_sample else [None]
    for s in samples:
        for l in range(v.L, 0, -1):
            title = f"Layer {l}" + (" (output)" if l == v.L else "")
            if s is not None and v.n > 1:
                title = f"Sample {s}, layer {l}" + (" (output)" if l == v.L else "")
            doc.subsection(title)
            if s is not None and v.scalar(l):
                _layer_scalar(doc, v, l, s)
            else:
                _layer_matrix(doc, v, l, s)


def _upstream(doc: Doc, v: NetView, l: int, s: int, j: int, cs: Math) -> None:
    """∂Cₛ/∂(output of unit j of layer l): from the loss, or from the layer above."""
    u = v.units(l)[j]
    key = "grad_out" if v.dropped(l) else "grad_a"
    path = f"backward[{l}].{key}[{s}][{j + 1}]"
    lhs = partial(cs, v.out_sym(l, j))
    if l == v.L:
        f, n = _loss_derivative(doc, v, s, j)
        doc.eq(lhs, [f, n] if n is not None else [f], path)
    else:
        above = v.layer(l + 1)
        terms, nums = [], []
        for i, ui in enumerate(above["units"]):
            w = above["weights"][i][j]
            terms.append(cat(sym(w), DOT, delta_of(ui)))
            nums.append([f"params.{w}", f"backward[{l + 1}].delta[{s}][{i + 1}]"])
        doc.eq(lhs, [join(terms, PLUS), doc.terms(nums)], path)
    if v.dropped(l):
        d = v.layer(l)["dropout"]
        m = doc.val(f"forward[{l}].mask[{s}][{j + 1}]")
        rule = (
            Math("·m/p", r" \cdot m/p") if d["scaling"] == "inverted" else Math("·m", r" \cdot m")
        )
        factor = cat(DOT, number(m, doc.precision))
        if d["scaling"] == "inverted":
            factor = cat(factor, "/", number(d["keep_prob"], doc.precision))
        doc.eq(
            partial(cs, sym(u)),
            [cat(partial(cs, tilde(u)), rule), cat(doc.op(path), factor)],
            f"backward[{l}].grad_a[{s}][{j + 1}]",
            note="dropped: no gradient reaches this unit" if m == 0 else "",
        )


def _loss_derivative(doc: Doc, v: NetView, s: int, j: int) -> tuple[Math, Math | None]:
    loss = doc.data["conventions"]["loss"]
    key = "a_dropped" if v.dropped(v.L) else "a"
    u = v.units(v.L)[j]
    y = tilde(u) if v.dropped(v.L) else sym(u)
    yv = doc.op(f"forward[{v.L}].{key}[{s}][{j + 1}]")
    t = doc.data["data"]["t"][s - 1]
    K = len(v.units(v.L))
    tsym = Math("t", "t") if K == 1 else Math(f"t{j + 1}", f"t_{{{j + 1}}}")
    if isinstance(t, list):
        tv = doc.opv(t[j])
    else:
        tv = doc.opv(1.0 if t == j else 0.0) if loss["name"] == "cross_entropy" else doc.opv(t)
    if loss["name"] == "squared_error":
        yv = doc.num(f"forward[{v.L}].{key}[{s}][{j + 1}]") if c_is_half(loss) else yv
        c = loss["factor"]
        pre = (
            Math("", "")
            if c == 0.5
            else (
                Math("2·", r"2 \cdot ") if c == 1 else cat("2", DOT, number(c, doc.precision), DOT)
            )
        )
        return (
            cat(pre, paren(cat(y, MINUS_OP, tsym))) if c != 0.5 else cat(y, MINUS_OP, tsym),
            cat(pre, paren(cat(yv, MINUS_OP, tv))) if c != 0.5 else cat(yv, MINUS_OP, tv),
        )
    if loss["from_logits"]:
        p = Math("p", "p") if K == 1 else Math(f"p{j + 1}", f"p_{{{j + 1}}}")
        pv = doc.op(f"probabilities[{s}][{j + 1}]")
        if loss["name"] == "binary_cross_entropy" or not _plain(loss):
            q = (
                tsym
                if loss["name"] == "binary_cross_entropy"
                else Math(f"q{j + 1}", f"q_{{{j + 1}}}")
            )
            return cat(p, MINUS_OP, q), (cat(pv, MINUS_OP, tv) if q is tsym else None)
        return cat(p, MINUS_OP, tsym), cat(pv, MINUS_OP, tv)
    if loss["name"] == "binary_cross_entropy":
        f = frac(cat(y, MINUS_OP, tsym), cat(y, DOT, paren(cat("1", MINUS_OP, y))))
        return f, frac(cat(yv, MINUS_OP, tv), cat(yv, DOT, paren(cat("1", MINUS_OP, yv))))
    if _plain(loss):
        return cat(NEG, frac(tsym, y)), cat(NEG, frac(tv, yv))
    return cat(NEG, frac(Math(f"q{j + 1}", f"q_{{{j + 1}}}"), y)), None


def c_is_half(loss: dict) -> bool:
    return loss.get("factor") == 0.5


def _plain(loss: dict) -> bool:
    return not loss.get("label_smoothing") and not loss.get("class_weights")


def _layer_scalar(doc: Doc, v: NetView, l: int, s: int) -> None:
    cs = cost(doc)
    layer = v.layer(l)
    cfg = layer["activation"]
    units = layer["units"]
    for j in range(len(units)):
        _upstream(doc, v, l, s, j, cs)
    if cfg["name"] == "softmax":
        doc.para(
            "Softmax couples the units, so δ uses its Jacobian: ",
            Math(
                "δ_k = y_k·(∂Cₛ/∂y_k − Σ_j ∂Cₛ/∂y_j·y_j)",
                r"\delta_k = y_k \Big(\frac{\partial C_s}{\partial y_k} - \sum_j "
                r"\frac{\partial C_s}{\partial y_j} y_j\Big)",
            ),
            " (the same sum for every unit k).",
        )
    for j, u in enumerate(units):
        g_path = f"backward[{l}].grad_a[{s}][{j + 1}]"
        d_path = f"backward[{l}].delta[{s}][{j + 1}]"
        g_sym = partial(cs, sym(u))
        if cfg["name"] == "softmax":
            inner = Math(
                f"Σ_j ∂{cs.text}/∂y_j·y_j",
                rf"\sum_j \frac{{\partial {cs.latex}}}{{\partial y_j}} y_j",
            )
            nums = doc.terms(
                [
                    [f"backward[{l}].grad_a[{s}][{i + 1}]", f"forward[{l}].a[{s}][{i + 1}]"]
                    for i in range(len(units))
                ]
            )
            doc.eq(
                delta_of(u),
                [
                    cat(sym(u), DOT, paren(cat(g_sym, MINUS_OP, inner))),
                    cat(
                        doc.num(f"forward[{l}].a[{s}][{j + 1}]"),
                        DOT,
                        paren(cat(doc.num(g_path), MINUS_OP, paren(nums))),
                    ),
                ],
                d_path,
            )
            continue
        a_op = doc.op(f"forward[{l}].a[{s}][{j + 1}]")
        expanded = fprime_substituted(cfg, a_op)
        f_path = f"backward[{l}].fprime[{s}][{j + 1}]"
        if cfg["name"] == "identity":
            doc.eq(delta_of(u), [g_sym], d_path, note="identity: f'(z) = 1")
            continue
        steps = [cat(g_sym, DOT, fprime_of(cfg, z_of(u)))]
        note = ""
        if expanded is not None:
            steps.append(cat(g_sym, DOT, fprime_symbolic(cfg, sym(u), z_of(u))))
            steps.append(cat(doc.num(g_path), DOT, expanded))
        else:
            if cfg["name"] not in ("identity", "zero"):
                fz = doc.val(f_path)
                doc.eq(
                    fprime_of(cfg, z_of(u)),
                    [fprime_of(cfg, doc.op(f"forward[{l}].z[{s}][{j + 1}]"))],
                    f_path,
                    note=(
                        "z ≤ 0: this unit passes no gradient back"
                        if fz == 0 and cfg["name"] == "relu"
                        else ""
                    ),
                )
            else:
                note = (
                    "f' = 0: the constant zero function passes no gradient back"
                    if cfg["name"] == "zero"
                    else ""
                )
            steps.append(cat(doc.num(g_path), DOT, doc.op(f_path)))
        doc.eq(delta_of(u), steps, d_path, note=note)


def _layer_matrix(doc: Doc, v: NetView, l: int, s: int | None) -> None:
    cs = cost(doc) if s is not None else Math("Cₛ", "C_s")
    a, at = layer_sup("a", "a", l), layer_sup("ã", r"\tilde{a}", l)
    delta = layer_sup("δ", r"\delta", l)
    top = at if v.dropped(l) else a
    key = "grad_out" if v.dropped(l) else "grad_a"
    if l == v.L:
        upstream = _loss_gradient_rule(doc.data["conventions"]["loss"], top)
    else:
        upstream = cat(transpose(layer_sup("W", "W", l + 1)), layer_sup("δ", r"\delta", l + 1))
    doc.eq(partial(cs, top), [upstream], v.sample_path(f"backward[{l}].{key}", s))
    if v.dropped(l):
        d = v.layer(l)["dropout"]
        rule = cat(
            partial(cs, at),
            Math(" ⊙ m", r" \odot m"),
            Math("/p", "/p") if d["scaling"] == "inverted" else "",
        )
        doc.eq(partial(cs, a), [rule], v.sample_path(f"backward[{l}].grad_a", s))
    cfg = v.layer(l)["activation"]
    if cfg["name"] == "softmax":
        rule = cat(
            a,
            Math(
                " ⊙ (∂Cₛ/∂a − (∂Cₛ/∂a·a))",
                r" \odot \left(\frac{\partial C_s}"
                r"{\partial a} - \frac{\partial C_s}{\partial a} \cdot a\right)",
            ),
        )
    elif cfg["name"] == "identity":
        rule = partial(cs, a)
    else:
        rule = cat(partial(cs, a), Math(" ⊙ ", r" \odot "), fprime_of(cfg, layer_sup("z", "z", l)))
    doc.eq(
        delta,
        [rule],
        v.sample_path(f"backward[{l}].delta", s),
        note="identity: f'(z) = 1" if cfg["name"] == "identity" else "",
    )


def _loss_gradient_rule(loss: dict, y: Math) -> Math:
    """∂Cₛ/∂y of the loss for a whole output vector y (t: the targets)."""
    t, q = Math("t", "t"), Math("q", "q")
    if loss["name"] == "squared_error":
        c = loss["factor"]
        diff = paren(cat(y, MINUS_OP, t))
        if c == 0.5:
            return cat(y, MINUS_OP, t)
        return cat(Math("2·", r"2 \cdot ") if c == 1 else cat("2", DOT, str(c), DOT), diff)
    if loss["from_logits"]:
        link = (
            Math("σ", r"\sigma")
            if loss["name"] == "binary_cross_entropy"
            else Math("softmax", r"\operatorname{softmax}")
        )
        target = t if loss["name"] == "binary_cross_entropy" or _plain(loss) else q
        return cat(link, paren(y), MINUS_OP, target)
    if loss["name"] == "binary_cross_entropy":
        return frac(
            cat(y, MINUS_OP, t), cat(y, Math(" ⊙ ", r" \odot "), paren(cat("1", MINUS_OP, y)))
        )
    return cat(NEG, frac(t if _plain(loss) else q, y))
