"""The forward pass, layer by layer: formula → numbers substituted → engine result."""

from __future__ import annotations

from glassnet.explain.document import Doc
from glassnet.explain.formulas import act_apply
from glassnet.explain.notation import (
    DOT,
    PLUS,
    Math,
    cat,
    frac,
    join,
    layer_sup,
    sym,
    tilde,
    transpose,
    z_of,
)
from glassnet.explain.numbers import number, vector
from glassnet.explain.view import NetView

C = Math("C", "C")
E = Math("e", "e")


def _exp(x: Math) -> Math:
    return Math(f"e^{x.text}" if len(x.text) < 2 else f"e^({x.text})", f"e^{{{x.latex}}}")


def compose_forward(doc: Doc) -> None:
    v = NetView(doc.data)
    doc.heading(2, "Forward pass")
    if v.per_sample:
        for s in range(1, v.n + 1):
            if v.n > 1:
                doc.subsection(f"Sample {s}")
            for l in range(1, v.L + 1):
                if v.n == 1:
                    doc.subsection(_layer_title(v, l))
                _layer(doc, v, l, s)
    else:
        for l in range(1, v.L + 1):
            doc.subsection(_layer_title(v, l) + ", all samples")
            _layer_matrix(doc, v, l, None)


def _layer_title(v: NetView, l: int) -> str:
    act = v.layer(l)["activation"]["name"]
    return f"Layer {l} ({act})" if l < v.L else f"Layer {l}, output ({act})"


def _layer(doc: Doc, v: NetView, l: int, s: int) -> None:
    if not v.scalar(l):
        _layer_matrix(doc, v, l, s)
        return
    layer = v.layer(l)
    cfg = layer["activation"]
    units = layer["units"]
    for j, u in enumerate(units):
        terms, subst = [], []
        for k, w in enumerate(layer["weights"][j]):
            terms.append(cat(sym(w), DOT, v.out_sym(l - 1, k)))
            subst.append([f"params.{w}", v.out_path(l - 1, s, k)])
        if layer["bias"] is not None:
            b = layer["bias"][j]
            terms.append(sym(b))
            subst.append([f"params.{b}"])
        doc.eq(z_of(u), [join(terms, PLUS), doc.terms(subst)], f"forward[{l}].z[{s}][{j + 1}]")
    for j, u in enumerate(units):
        zp = f"forward[{l}].z[{s}][{j + 1}]"
        if cfg["name"] == "softmax":
            zs = [z_of(w) for w in units]
            nums = [doc.op(f"forward[{l}].z[{s}][{i + 1}]") for i in range(len(units))]
            steps = [
                frac(_exp(zs[j]), join([_exp(z) for z in zs], PLUS)),
                frac(_exp(nums[j]), join([_exp(n) for n in nums], PLUS)),
            ]
        elif cfg["name"] in ("identity", "zero"):
            steps = [act_apply(cfg, z_of(u))] if cfg["name"] == "identity" else []
        else:
            steps = [act_apply(cfg, z_of(u)), act_apply(cfg, doc.op(zp))]
        note = "the constant zero function" if cfg["name"] == "zero" else ""
        doc.eq(sym(u), steps, f"forward[{l}].a[{s}][{j + 1}]", note=note)
    if layer["dropout"] is not None:
        d = layer["dropout"]
        for j, u in enumerate(units):
            m = doc.val(f"forward[{l}].mask[{s}][{j + 1}]")
            factor = cat(DOT, number(m, doc.precision))
            if d["scaling"] == "inverted":
                factor = cat(factor, Math("/", "/"), number(d["keep_prob"], doc.precision))
            rule = (
                Math("·m/p", r" \cdot m/p")
                if d["scaling"] == "inverted"
                else Math("·m", r" \cdot m")
            )
            note = "dropped" if m == 0 else ""
            doc.eq(
                tilde(u),
                [cat(sym(u), rule), cat(doc.op(f"forward[{l}].a[{s}][{j + 1}]"), factor)],
                f"forward[{l}].a_dropped[{s}][{j + 1}]",
                note=note,
            )


def _layer_matrix(doc: Doc, v: NetView, l: int, s: int | None) -> None:
    """A large layer (or a large batch): vectors per sample, or whole-batch matrices."""
    cfg = v.layer(l)["activation"]
    has_b = v.layer(l)["bias"] is not None
    W, b = layer_sup("W", "W", l), layer_sup("b", "b", l)
    prev = v.out_layer_sym(l - 1)
    if s is None:
        Z, A = layer_sup("Z", "Z", l), layer_sup("A", "A", l)
        P = (
            Math("X", "X")
            if l == 1
            else layer_sup(
                "Ã" if v.dropped(l - 1) else "A", r"\tilde{A}" if v.dropped(l - 1) else "A", l - 1
            )
        )
        formula = cat(P, Math("·", r" "), transpose(W), PLUS if has_b else "", b if has_b else "")
    else:
        Z, A = layer_sup("z", "z", l), layer_sup("a", "a", l)
        formula = cat(W, prev, PLUS if has_b else "", b if has_b else "")
    doc.eq(Z, [formula], v.sample_path(f"forward[{l}].z", s))
    doc.eq(A, [act_apply(cfg, Z)], v.sample_path(f"forward[{l}].a", s))
    if v.layer(l)["dropout"] is not None:
        d = v.layer(l)["dropout"]
        At = layer_sup("ã", r"\tilde{a}", l) if s is not None else layer_sup("Ã", r"\tilde{A}", l)
        mask = (
            Math("m", "m")
            if s is None
            else vector(
                doc.val(f"forward[{l}].mask[{s}]") if v.n > 1 else doc.val(f"forward[{l}].mask")[0],
                doc.precision,
            )
        )
        rule = cat(A, Math(" ⊙ ", r" \odot "), mask)
        if d["scaling"] == "inverted":
            rule = cat(rule, "/", number(d["keep_prob"], doc.precision))
        doc.eq(At, [rule], v.sample_path(f"forward[{l}].a_dropped", s))
