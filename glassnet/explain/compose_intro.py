"""Title, conventions, network and data: what a solution states before any arithmetic."""

from __future__ import annotations

from typing import Any

from glassnet.explain.document import Doc
from glassnet.explain.formulas import (
    act_apply,
    act_definition,
    hyper,
    optimizer_rules,
    optimizer_title,
)
from glassnet.explain.notation import (
    DOT,
    MINUS,
    Math,
    cat,
    join,
    sym,
    tilde,
)
from glassnet.explain.numbers import number, vector


def loss_convention(loss: dict[str, Any], n: int, precision: int) -> list[str | Math]:
    """One sentence: the per-sample loss and how it is reduced over the samples."""
    name = loss["name"]
    if name == "squared_error":
        c = loss["factor"]
        factor = (
            Math("½·", r"\tfrac{1}{2}")
            if c == 0.5
            else (Math("", "") if c == 1 else cat(number(c, precision), DOT))
        )
        what: list[str | Math] = [
            "squared error ",
            cat(
                Math("Cₛ = ", "C_s = "),
                factor,
                Math(f"Σ_k (y_k {MINUS} t_k)²", r"\sum_k (y_k - t_k)^2"),
            ),
            " (summed over the output units)",
        ]
    elif name == "binary_cross_entropy":
        what = [
            "binary cross-entropy ",
            Math(
                f"Cₛ = {MINUS}Σ_k [t_k·log p_k + (1 {MINUS} t_k)·log(1 {MINUS} p_k)]",
                r"C_s = -\sum_k \left[t_k \log p_k + (1 - t_k)\log(1 - p_k)\right]",
            ),
            " (summed over the output units; ",
            "p = σ(y) of the logits y)" if loss["from_logits"] else "p = y, each log ≥ −100)",
        ]
    else:
        eps = loss.get("label_smoothing", 0.0)
        what = [
            "cross-entropy ",
            Math(f"Cₛ = {MINUS}Σ_k q_k·log p_k", r"C_s = -\sum_k q_k \log p_k"),
            " with ",
            Math("p = softmax(y)", r"p = \operatorname{softmax}(y)")
            if loss["from_logits"]
            else Math("p = y", "p = y"),
            " and target distribution q = t"
            if not eps
            else f" and label smoothing q = (1 − {eps:g})·t + {eps:g}/K",
        ]
        if loss.get("class_weights"):
            ws = ", ".join(f"{w:g}" for w in loss["class_weights"])
            what += [f", class weights w = ({ws}) multiply each term"]
            if loss["reduction"] == "mean":
                what += [" and, for class-index targets, the mean divides by Σₛ w_tₛ (as PyTorch)"]
    if n == 1:
        reduce = f"; one sample, so the reduction ({loss['reduction']}) changes nothing"
        if loss.get("class_weights") and loss["reduction"] == "mean":
            reduce = "; one sample (reduction: mean)"
    elif loss["reduction"] == "mean":
        reduce = f"; averaged over the N = {n} samples (mean)"
    else:
        reduce = f"; summed over the N = {n} samples (sum)"
    return ["Loss: ", *what, reduce, "."]


def _reg_convention(reg: dict[str, Any], precision: int) -> list[str | Math]:
    parts: list[str | Math] = ["Regularization: penalty "]
    terms = []
    if reg["l2"]:
        lam = cat(Math("λ = ", r"\lambda = "), number(reg["l2"], precision))
        form = (
            Math("(λ/2)·Σw²", r"\tfrac{\lambda}{2}\sum w^2")
            if reg["convention"] == "half"
            else Math("λ·Σw²", r"\lambda \sum w^2")
        )
        terms += [form, " with ", lam]
    if reg["l1"]:
        if terms:
            terms.append(" plus ")
        terms += [
            Math("λ₁·Σ|w|", r"\lambda_1 \sum |w|"),
            " with ",
            cat(Math("λ₁ = ", r"\lambda_1 = "), number(reg["l1"], precision)),
        ]
    parts += terms
    parts.append(
        ", on weights and biases"
        if reg["include_bias"]
        else ", on the weights only (not the biases)"
    )
    parts.append(", divided by the batch size N" if reg["divide_by_batch"] else "")
    parts.append("; added once per batch to the reduced loss.")
    return parts


def _dropout_convention(d: dict[str, Any], units: list[str], precision: int) -> list[str | Math]:
    p = number(d["keep_prob"], precision)
    a, at = sym(units[0]), tilde(units[0])
    rule = (
        cat(at, " = ", a, Math("·m/p", r" \cdot m / p"))
        if d["scaling"] == "inverted"
        else cat(at, " = ", a, Math("·m", r" \cdot m"))
    )
    return [
        f"Dropout after layer {d['layer']}: rate {d['rate']:g}, keep probability ",
        cat(Math("p = 1 − rate = ", "p = 1 - \\mathrm{rate} = "), p),
        f", {d['scaling']} scaling: ",
        rule,
        " with mask m (1 = kept)",
        " in training, as here."
        if d["scaling"] == "inverted"
        else " in training (and ã = p·a at test time).",
    ]


def _values(x: Any, precision: int) -> Math:
    """A number, or a tuple of numbers (a one-entry list prints as its number)."""
    if not isinstance(x, list):
        return number(x, precision)
    return number(x[0], precision) if len(x) == 1 else vector(x, precision)


def compose_intro(doc: Doc) -> None:
    d = doc.data
    doc.heading(1, d.get("title") or "Worked solution")
    if d.get("description"):
        doc.para(d["description"])
    conv = d["conventions"]
    doc.heading(2, "Conventions")
    items: list[list[str | Math]] = []
    net = d.get("network")
    if net is not None:
        n = len(d["data"]["x"])
        items.append(
            [
                "Weights: ",
                Math("W⁽ˡ⁾[j,k]", r"W^{(l)}_{jk}"),
                " connects unit k of layer l−1 to "
                "unit j of layer l (one row per unit of layer l), so ",
                Math("z_j = Σ_k W[j,k]·a_k + b_j", r"z_j = \sum_k W_{jk} a_k + b_j"),
                ". Unnamed parameters are called W{l}[{j},{k}] and b{l}[{j}] (counting from 1).",
            ]
        )
        items.append(loss_convention(conv["loss"], n, doc.precision))
        if conv.get("regularization"):
            items.append(_reg_convention(conv["regularization"], doc.precision))
        for drop in conv["dropout"]:
            units = net["layers"][drop["layer"] - 1]["units"]
            items.append(_dropout_convention(drop, units, doc.precision))
        seen, defs = set(), []
        for layer in net["layers"]:
            cfg = layer["activation"]
            definition = act_definition(cfg, doc.precision)
            if cfg["name"] not in seen and definition is not None and cfg["name"] != "identity":
                defs.append(definition)
            seen.add(cfg["name"])
        if defs:
            items.append([f"Activation{'s' * (len(defs) > 1)}: ", join(defs, "; "), "."])
        items.append(
            [
                "Backward pass: δ = ∂Cₛ/∂z per sample, for the output layer by the general rule ",
                Math("δ = ∂Cₛ/∂a ⊙ f'(z)", r"\delta = \frac{\partial C_s}{\partial a} \odot f'(z)"),
                " (no a − t shortcut).",
            ]
        )
    opt = conv.get("optimizer")
    if opt is not None:
        hyps = [hyper(opt, "lr", doc.precision)]
        for key in ("momentum", "dampening", "beta", "alpha", "eps", "weight_decay"):
            if key in opt and (opt[key] or key in ("eps", "beta", "alpha")):
                hyps.append(hyper(opt, key, doc.precision))
        if "betas" in opt:
            hyps[1:1] = [
                hyper(opt, "beta1", doc.precision, opt["betas"][0]),
                hyper(opt, "beta2", doc.precision, opt["betas"][1]),
            ]
        items.append(
            [
                f"Optimizer: {optimizer_title(opt)} with ",
                join(hyps, ", "),
                ": ",
                join(optimizer_rules(opt), "; "),
                ", where g = ∂C/∂θ.",
            ]
        )
        for key in ("clip_norm", "clip_value"):
            if opt.get(key) is not None:
                what = "‖g‖ ≤" if key == "clip_norm" else "|g| ≤"
                items.append([f"Gradient clipping before each update: {what} {opt[key]:g}."])
    if conv.get("schedule"):
        sched = conv["schedule"]
        opts = ", ".join(f"{k} = {v}" for k, v in sched.items() if k != "name")
        items.append(
            [
                f"Learning-rate schedule: {sched['name']}"
                + (f" ({opts})" if opts else "")
                + "; step k uses the schedule's value at k − 1."
            ]
        )
    items.append(
        [
            f"Numbers are rounded to {_digits(doc.precision)} (at least "
            f"{doc.precision} decimal{'s' * (doc.precision != 1)}) and keep their trailing "
            "zeros: a number written with fewer decimals is exact. Every result is the "
            "glassnet engine's full-precision value."
        ]
    )
    doc.items(items)
    if net is not None:
        _network(doc, net)


def _digits(precision: int) -> str:
    digits = f"{precision} significant digit{'s' * (precision != 1)}"
    return digits if precision < 15 else f"{digits} (what float64 carries meaningfully)"


def _network(doc: Doc, net: dict[str, Any]) -> None:
    d = doc.data
    doc.heading(2, "The network and the data")
    items: list[list[str | Math]] = [["Inputs: ", join([sym(u) for u in net["inputs"]], ", "), "."]]
    for layer in net["layers"]:
        l, units = layer["layer"], layer["units"]
        act = act_apply(layer["activation"], Math("z", "z"))
        parts: list[str | Math] = [
            f"Layer {l}: unit{'s' * (len(units) > 1)} ",
            join([sym(u) for u in units], ", "),
            ", activation ",
            cat(Math("f(z) = ", "f(z) = "), act),
            ", no bias" if layer["bias"] is None else "",
        ]
        if layer["dropout"]:
            parts.append(f", dropout rate {layer['dropout']['rate']:g}")
        items.append([*parts, "."])
    doc.items(items)
    named = any(d["positions"][n] != [n] for n in d["params"])
    rows = []
    for name in d["params"]:
        row = [sym(name), doc.ref(f"params.{name}")]
        rows.append([*row, ", ".join(d["positions"][name])] if named else row)
    doc.para("Parameters before any update:")
    doc.table(["parameter", "value", "position"] if named else ["parameter", "value"], rows)
    x, t = d["data"]["x"], d["data"]["t"]
    rows = []
    for s, (xs, ts) in enumerate(zip(x, t, strict=True), start=1):
        rows.append([str(s), _values(xs, doc.precision), _values(ts, doc.precision)])
    tname = "t (class index, from 0)" if not isinstance(t[0], list) else "t"
    doc.para("Data (one row per sample):" if len(x) > 1 else "Data:")
    doc.table(["sample", "x", tname], rows)
