"""The concept-question bank: ``data/*.yaml``, validated on load, with engine demonstrations.

A question has ``id``, ``topic``, ``kind`` (``tf``, ``mc`` or ``formula``), ``question``,
``answer`` (bool, choice index, or a formula), ``explanation``, ``choices`` (mc only) and an
optional ``demo``: the name of a function in :data:`DEMOS` that runs ``glassnet.explain`` on a
small exercise and returns a sentence with the engine's numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from glassnet.errors import ConfigError

KINDS = ("tf", "mc", "formula")
REQUIRED = ("id", "topic", "kind", "question", "answer", "explanation")


@dataclass(frozen=True)
class Concept:
    id: str
    topic: str
    kind: str
    question: str
    answer: Any
    explanation: str
    choices: tuple[str, ...] = ()
    demo: str | None = None


def _unit(x: float, w: float, act: str, loss: dict[str, Any], t: float, **train: Any) -> Any:
    import glassnet.explain as ex

    spec = {
        "params": {"w": w},
        "network": {"inputs": ["x"],
                    "layers": [{"units": ["y"], "weights": [["w"]], "activation": act}]},
        "loss": loss,
        "data": {"x": [x], "t": t},
    }
    if train:
        spec["train"] = train
    return ex.explain(spec)


def demo_sigmoid_prime_10() -> str:
    sol = _unit(10.0, 1.0, "sigmoid", {"name": "squared_error", "factor": 0.5}, 1.0)
    return f"the engine gives σ'(10) = {sol['backward[1].fprime'][0][0]:.3g}."


def demo_lr_diverges() -> str:
    losses = {}
    for lr in (0.1, 2.5):
        sol = _unit(1.0, 0.0, "identity", {"name": "squared_error", "factor": 0.5}, 1.0,
                    optimizer={"name": "sgd", "lr": lr}, steps=4)
        losses[lr] = [s["loss"] for s in sol.to_dict()["steps"]]
    show = lambda xs: ", ".join(f"{x:.3g}" for x in xs)  # noqa: E731
    return (f"ŷ = w·x, x = 1, t = 1, w = 0: losses over four steps are {show(losses[0.1])} "
            f"with η = 0.1 and {show(losses[2.5])} with η = 2.5 (each step overshoots: "
            "w − 1 is multiplied by 1 − η·x² = −1.5).")


def demo_ce_confident() -> str:
    bce = {"name": "binary_cross_entropy"}
    right = _unit(1.0, 5.0, "sigmoid", bce, 1.0)["loss"]
    wrong = _unit(1.0, 5.0, "sigmoid", bce, 0.0)["loss"]
    return (f"with ŷ = σ(5) ≈ 0.993, the cross-entropy is {right:.3g} when t = 1 (confident, "
            f"right) and {wrong:.3g} when t = 0 (confident, wrong).")


DEMOS: dict[str, Callable[[], str]] = {
    "sigmoid-prime-10": demo_sigmoid_prime_10,
    "lr-diverges": demo_lr_diverges,
    "ce-confident": demo_ce_confident,
}


def _check(item: Any, where: str) -> Concept:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping; got {type(item).__name__}.")
    for key in REQUIRED:
        if key not in item:
            raise ConfigError(f"{where}: missing key {key!r}.")
    extra = set(item) - {*REQUIRED, "choices", "demo"}
    if extra:
        raise ConfigError(f"{where}: unknown key {sorted(extra)[0]!r}.")
    kind, answer = item["kind"], item["answer"]
    if kind not in KINDS:
        raise ConfigError(f"{where}.kind: expected one of {', '.join(KINDS)}; got {kind!r}.")
    choices = tuple(str(c) for c in item.get("choices") or ())
    if kind == "tf" and not isinstance(answer, bool):
        raise ConfigError(f"{where}.answer: a true/false answer must be true or false.")
    if kind == "mc" and not (len(choices) >= 2 and isinstance(answer, int)
                             and not isinstance(answer, bool) and 0 <= answer < len(choices)):
        raise ConfigError(f"{where}.answer: must index one of at least two choices.")
    if kind == "formula":
        from glassnet.homework.formulas import FormulaError, parse

        try:
            parse(str(answer))
        except FormulaError as exc:
            raise ConfigError(f"{where}.answer: {exc}") from None
    if item.get("demo") is not None and item["demo"] not in DEMOS:
        raise ConfigError(f"{where}.demo: unknown demonstration {item['demo']!r}.")
    return Concept(str(item["id"]), str(item["topic"]), kind, str(item["question"]), answer,
                   str(item["explanation"]), choices, item.get("demo"))


def load_bank() -> dict[str, Concept]:
    """Every concept question of ``glassnet/homework/data/*.yaml``, by id (validated)."""
    import yaml

    bank: dict[str, Concept] = {}
    for f in sorted(resources.files("glassnet.homework").joinpath("data").iterdir(),
                    key=lambda p: p.name):
        if not f.name.endswith(".yaml"):
            continue
        try:
            items = yaml.safe_load(f.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(f"{f.name}: not valid YAML ({first}).") from None
        if not isinstance(items, list):
            raise ConfigError(f"{f.name}: expected a list of questions.")
        for i, item in enumerate(items):
            c = _check(item, f"{f.name}[{i}]")
            if c.id in bank:
                raise ConfigError(f"{f.name}[{i}].id: {c.id!r} is used twice.")
            bank[c.id] = c
    return bank
