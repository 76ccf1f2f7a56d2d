"""Optimizer steps: the learning rate, each parameter's state (m, v, m̂, v̂, buffer …) and
its new value, with the update rule's numbers filled in; then the parameters at the end."""

from __future__ import annotations

from glassnet.explain.document import Doc
from glassnet.explain.formulas import optimizer_title
from glassnet.explain.notation import (
    Math,
    cat,
    latex_escape,
    sym,
)
from glassnet.explain.step_rules import RULES, STATE_SYMBOLS, Step, at_step
from glassnet.explain.view import STEP_PARAMS_MAX


def compose_steps(doc: Doc) -> None:
    d = doc.data
    cfg = d["conventions"]["optimizer"]
    if cfg is None or not d["steps"]:
        return
    n_steps = len(d["steps"])
    names = list(d["params"])
    what = f"{n_steps} step{'s' * (n_steps > 1)} of {optimizer_title(cfg)}"
    doc.heading(2, f"Updates: {what}")
    clipped = cfg.get("clip_norm") is not None or cfg.get("clip_value") is not None
    for k in range(1, n_steps + 1):
        doc.subsection(f"Step {k}")
        if d["conventions"].get("schedule"):
            name = d["conventions"]["schedule"]["name"]
            doc.eq(
                at_step(Math("η", r"\eta"), k),
                [Math(f"{name}({k - 1})", rf"\mathrm{{{latex_escape(name)}}}({k - 1})")],
                f"steps[{k}].lr",
            )
        elif k == 1:
            doc.para(
                "Learning rate ",
                cat(Math("η = ", r"\eta = "), doc.num(f"steps[{k}].lr")),
                " at every step." if n_steps > 1 else ".",
            )
        if d["network"] is not None and k > 1:
            doc.para(
                f"Forward and backward passes as above, at the parameters after step {k - 1}, give:"
            )
            doc.eq(Math("C", "C"), [], f"steps[{k}].loss")
        if d["network"] is None:
            doc.para("The gradients given for this step:")
        if d["network"] is None or k > 1:
            doc.table(
                ["parameter", "∂C/∂θ"],
                [[sym(n), doc.ref(f"steps[{k}].gradients.{n}")] for n in names],
            )
        if clipped:
            doc.para("Gradients after clipping (ĝ):")
            doc.table(
                ["parameter", "ĝ"],
                [[sym(n), doc.ref(f"steps[{k}].clipped_gradients.{n}")] for n in names],
            )
        if len(names) <= STEP_PARAMS_MAX:
            for n in names:
                RULES[cfg["name"]](doc, Step(doc, n, k, clipped), cfg)
        else:
            _step_table(doc, names, k)
    _results(doc, names, n_steps)


def _step_table(doc: Doc, names: list[str], k: int) -> None:
    fields = list(doc.data["steps"][k - 1]["state"].get(names[0], {}))
    header: list = [
        "parameter",
        "before",
        "∂C/∂θ",
        *[Math(*STATE_SYMBOLS[f]) for f in fields],
        "after",
    ]
    before = (lambda n: f"params.{n}") if k == 1 else (lambda n: f"steps[{k - 1}].params.{n}")
    rows = [
        [
            sym(n),
            doc.ref(before(n)),
            doc.ref(f"steps[{k}].gradients.{n}"),
            *[doc.ref(f"steps[{k}].state.{n}.{f}") for f in fields],
            doc.ref(f"steps[{k}].params.{n}"),
        ]
        for n in names
    ]
    doc.table(header, rows)


def _results(doc: Doc, names: list[str], n_steps: int) -> None:
    doc.heading(2, "Result")
    doc.table(
        ["parameter", "before", f"after step {n_steps}"],
        [[sym(n), doc.ref(f"params.{n}"), doc.ref(f"steps[{n_steps}].params.{n}")] for n in names],
    )
    if doc.data.get("final") is not None:
        doc.para(f"With the parameters after step {n_steps}, the forward pass gives:")
        doc.eq(Math("C", "C"), [], "final.loss")
