"""The loss: per sample (formula → numbers → engine result), the reduction over the
samples, and the penalty."""

from __future__ import annotations

from glassnet.explain.document import Doc
from glassnet.explain.notation import (
    DOT,
    MINUS_OP,
    PLUS,
    Math,
    c_sample,
    cat,
    join,
    paren,
    squared,
    sub_text,
    sym,
    tilde,
)
from glassnet.explain.numbers import number
from glassnet.explain.view import NetView

C = Math("C", "C")


def compose_loss(doc: Doc) -> None:
    v = NetView(doc.data)
    d = doc.data
    loss = d["conventions"]["loss"]
    doc.heading(2, "Loss")
    reg = d["conventions"].get("regularization")
    c_data = Math("C_data", r"C_{\mathrm{data}}") if reg else C
    data_path = "data_loss" if reg else "loss"
    one = v.n == 1 and d["scale"] == 1.0  # the reduced data loss is the sample's loss
    if v.per_sample:
        for s in range(1, v.n + 1):
            lhs, path = (c_data, data_path) if one else (c_sample(s), f"per_sample_loss[{s}]")
            _sample_loss(doc, v, loss, s, lhs, path)
    else:
        names = Math(f"(C₁, …, C{sub_text(str(v.n))})", rf"(C_1, \dots, C_{{{v.n}}})")
        doc.eq(Math("Cₛ", "C_s"), [names], "per_sample_loss")
    if d["clamped"]:
        doc.para(
            f"Note: {d['clamped']} logarithm(s) were clamped at −100 to keep the loss "
            "finite (as PyTorch's BCELoss does)."
        )
    if not one:
        cs = join([c_sample(s) for s in range(1, v.n + 1)], PLUS)
        values = doc.terms([[f"per_sample_loss[{s}]"] for s in range(1, v.n + 1)])
        k_f, k_x = _scale_factor(doc, v, loss)
        if v.per_sample:
            steps = [
                cat(k_f, paren(cs) if k_f.text else cs),
                cat(k_x, paren(values) if k_x.text else values),
            ]
        else:
            steps = [cat(k_f, Math("Σₛ Cₛ", r"\sum_s C_s"))]
        doc.eq(c_data, steps, data_path)
    if reg:
        _penalty(doc, v, reg)
        doc.eq(
            C,
            [
                Math("C_data + penalty", r"C_{\mathrm{data}} + \mathrm{penalty}"),
                doc.terms([["data_loss"], ["penalty"]]),
            ],
            "loss",
        )


def _scale_factor(doc: Doc, v: NetView, loss: dict) -> tuple[Math, Math]:
    """The reduction's factor as formula and numbers: 1/N, 1/Σₛ w_tₛ (weighted classes), 1."""
    scale = doc.data["scale"]
    if scale == 1.0:
        return Math("", ""), Math("", "")
    if scale == 1.0 / v.n:
        k = cat(Math(f"(1/{v.n})", rf"\frac{{1}}{{{v.n}}}"), DOT)
        return k, k
    targets = doc.data["data"]["t"]
    if loss.get("class_weights") and not isinstance(targets[0], list):
        ws = join([number(loss["class_weights"][t], doc.precision) for t in targets], PLUS)
        return (
            cat(Math("(1/Σₛ w_tₛ)", r"\frac{1}{\sum_s w_{t_s}}"), DOT),
            cat(Math("(1/(", r"\frac{1}{"), ws, Math("))", "}"), DOT),
        )
    k = cat(number(scale, doc.precision), DOT)
    return k, k


def _output_terms(doc: Doc, v: NetView, s: int) -> tuple[list[str], str]:
    last = v.layer(v.L)
    key = "a_dropped" if last["dropout"] is not None else "a"
    return last["units"], key


def _sample_loss(doc: Doc, v: NetView, loss: dict, s: int, lhs: Math, path: str) -> None:
    units, key = _output_terms(doc, v, s)
    ys = [tilde(u) if key == "a_dropped" else sym(u) for u in units]
    yv = [doc.op(f"forward[{v.L}].{key}[{s}][{j + 1}]") for j in range(len(units))]
    t = doc.data["data"]["t"][s - 1]
    K = len(units)
    if loss["name"] == "squared_error":
        yv = [doc.num(f"forward[{v.L}].{key}[{s}][{j + 1}]") for j in range(K)]  # leading
        tv = t if isinstance(t, list) else [t]
        ts = [Math("t", "t")] if K == 1 else [Math(f"t{j}", f"t_{{{j}}}") for j in range(1, K + 1)]
        sq = Math("²", "^2")
        f = [cat(paren(cat(y, MINUS_OP, tt)), sq) for y, tt in zip(ys, ts, strict=True)]
        n = [cat(paren(cat(y, MINUS_OP, doc.opv(tt))), sq) for y, tt in zip(yv, tv, strict=True)]
        c = loss["factor"]
        pre = (
            Math("½·", r"\tfrac{1}{2}")
            if c == 0.5
            else (Math("", "") if c == 1 else cat(number(c, doc.precision), DOT))
        )
        num_pre = Math("0.5·", r"0.5 \cdot ") if c == 0.5 else pre
        wrap = (lambda x: x) if K == 1 else (lambda x: cat("[", x, "]"))
        doc.eq(lhs, [cat(pre, wrap(join(f, PLUS))), cat(num_pre, wrap(join(n, PLUS)))], path)
        return
    if loss["name"] == "binary_cross_entropy":
        tv = t if isinstance(t, list) else [t]
        if loss["from_logits"]:
            doc.eq(
                Math("p", "p"),
                [Math("σ(y)", r"\sigma(y)")],
                v.sample_path("probabilities", s) if v.n > 1 else "probabilities",
            )
            pv = [doc.op(f"probabilities[{s}][{j + 1}]") for j in range(K)]
            ps = [
                Math("p", "p") if K == 1 else Math(f"p{j}", f"p_{{{j}}}") for j in range(1, K + 1)
            ]
        else:
            pv, ps = yv, ys
        ts = [Math("t", "t")] if K == 1 else [Math(f"t{j}", f"t_{{{j}}}") for j in range(1, K + 1)]
        f = [_bce_term(p, tt) for p, tt in zip(ps, ts, strict=True)]
        n = [_bce_term(p, doc.opv(tt)) for p, tt in zip(pv, tv, strict=True)]
        neg = Math("−", "-")
        doc.eq(lhs, [cat(neg, "[", join(f, PLUS), "]"), cat(neg, "[", join(n, PLUS), "]")], path)
        return
    _ce_loss(doc, v, loss, s, lhs, path, ys, yv, t)


def _bce_term(p: Math, t: Math) -> Math:
    log = Math("log ", r"\log ")
    return cat(
        t, DOT, log, p, PLUS, paren(cat("1", MINUS_OP, t)), DOT, log, paren(cat("1", MINUS_OP, p))
    )


def _ce_loss(doc, v, loss, s, lhs, path, ys, yv, t) -> None:
    K = len(ys)
    if loss["from_logits"]:
        doc.eq(
            Math("p", "p"),
            [Math("softmax(y)", r"\operatorname{softmax}(y)")],
            f"probabilities[{s}]" if v.n > 1 else "probabilities",
        )
        ps = [Math(f"p{j}", f"p_{{{j}}}") for j in range(1, K + 1)]
        pv = [doc.op(f"probabilities[{s}][{j + 1}]") for j in range(K)]
    else:
        ps, pv = ys, yv
    log, neg = Math("log ", r"\log "), Math("−", "-")
    weights = loss.get("class_weights")
    smoothing = loss.get("label_smoothing")
    if not smoothing and not isinstance(t, list):
        unit = doc.data["network"]["layers"][-1]["units"][t]
        w_sym, w_val = (
            (cat(Math(f"w{t}", f"w_{{{t}}}"), DOT), cat(doc.opv(weights[t]), DOT))
            if weights
            else (Math("", ""), Math("", ""))
        )
        doc.eq(
            lhs,
            [cat(neg, w_sym, log, ps[t]), cat(neg, w_val, log, pv[t])],
            path,
            note=f"the target is class {t}, unit {unit}",
        )
    elif not smoothing and not weights:
        terms = [cat(doc.opv(tk), DOT, log, p) for tk, p in zip(t, pv, strict=True)]
        doc.eq(
            lhs,
            [Math("−Σ_k t_k·log p_k", r"-\sum_k t_k \log p_k"), cat(neg, paren(join(terms, PLUS)))],
            path,
        )
    elif weights:
        doc.eq(lhs, [Math("−Σ_k w_k·q_k·log p_k", r"-\sum_k w_k q_k \log p_k")], path)
    else:
        doc.eq(lhs, [Math("−Σ_k q_k·log p_k", r"-\sum_k q_k \log p_k")], path)


def _penalty(doc: Doc, v: NetView, reg: dict) -> None:
    names = []
    for layer in v.net["layers"]:
        names += [w for row in layer["weights"] for w in row]
        if reg["include_bias"] and layer["bias"] is not None:
            names += layer["bias"]
    n = v.n if reg["divide_by_batch"] else 1
    lam, lam1 = reg["l2"], reg["l1"]
    parts_f, parts_n = [], []
    small = len(names) <= 8
    by_n = Math(f"/{n}", f"/{n}") if n > 1 else Math("", "")
    if lam:
        half = reg["convention"] == "half"
        coef = cat(number(lam, doc.precision), Math("/2", "/2") if half else "", by_n)
        sq = Math("²", "^2")
        f = join([squared(sym(w)) for w in names], PLUS) if small else Math("Σw²", r"\sum w^2")
        parts_f.append(
            cat(
                Math("(λ/2)" if half else "λ", r"\frac{\lambda}{2}" if half else r"\lambda"),
                by_n,
                DOT,
                paren(f),
            )
        )
        if small:
            parts_n.append(
                cat(
                    paren(coef) if half or n > 1 else coef,
                    DOT,
                    paren(join([cat(doc.op(f"params.{w}"), sq) for w in names], PLUS)),
                )
            )
    if lam1:
        f = (
            join([Math(f"|{w}|", f"|{sym(w).latex}|") for w in names], PLUS)
            if small
            else Math("Σ|w|", r"\sum |w|")
        )
        parts_f.append(cat(Math("λ₁", r"\lambda_1"), by_n, DOT, paren(f)))
        if small:
            vals = [
                Math(
                    f"|{number(doc.val(f'params.{w}'), doc.precision).text}|",
                    f"|{number(doc.val(f'params.{w}'), doc.precision).latex}|",
                )
                for w in names
            ]
            coef1 = cat(number(lam1, doc.precision), by_n)
            parts_n.append(cat(paren(coef1) if n > 1 else coef1, DOT, paren(join(vals, PLUS))))
    doc.eq(
        Math("penalty", r"\mathrm{penalty}"),
        [join(parts_f, PLUS)] + ([join(parts_n, PLUS)] if small else []),
        "penalty",
    )
