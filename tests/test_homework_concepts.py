"""The concept bank loads and validates; its demonstrations are the engine's numbers."""

from __future__ import annotations

import pytest

import glassnet.explain as ex
from glassnet.errors import ConfigError
from glassnet.homework import concepts
from glassnet.homework.formulas import check


def test_bank_covers_the_topics():
    bank = concepts.load_bank()
    assert len(bank) >= 20
    assert {c.kind for c in bank.values()} == {"tf", "mc", "formula"}
    for topic in ("loss", "gradient", "chain rule", "backward pass", "activations",
                  "optimization", "optimizers", "regularization", "dropout"):
        assert any(c.topic == topic for c in bank.values()), topic


def test_formula_answers_accept_an_equivalent_spelling():
    bank = concepts.load_bank()
    assert check("delta_j^l*a_k^(l-1)", bank["weight-gradient"].answer).equivalent
    assert check("σ(z) - σ(z)^2", bank["sigmoid-derivative"].answer).equivalent
    assert not check("sigma(z)", bank["sigmoid-derivative"].answer).equivalent


def test_demonstrations_are_engine_numbers():
    sol = ex.explain({
        "params": {"w": 1.0},
        "network": {"inputs": ["x"],
                    "layers": [{"units": ["y"], "weights": [["w"]], "activation": "sigmoid"}]},
        "loss": {"name": "squared_error", "factor": 0.5}, "data": {"x": [10.0], "t": 1.0},
    })
    assert f"{sol['backward[1].fprime'][0][0]:.3g}" in concepts.demo_sigmoid_prime_10()
    assert "5.01" in concepts.demo_ce_confident()
    text = concepts.demo_lr_diverges()
    grown = text.split("η = 0.1 and ")[1].split(" with")[0].split(", ")
    assert float(grown[-1]) > float(grown[0])  # η = 2.5 diverges
    bank = concepts.load_bank()
    assert all(c.demo in concepts.DEMOS for c in bank.values() if c.demo)


@pytest.mark.parametrize(
    "item, match",
    [({"id": "x"}, "missing key"),
     ({"id": "x", "topic": "t", "kind": "essay", "question": "q", "answer": 1,
       "explanation": "e"}, "kind: expected one of"),
     ({"id": "x", "topic": "t", "kind": "mc", "question": "q", "answer": 5,
       "choices": ["a", "b"], "explanation": "e"}, "must index one of"),
     ({"id": "x", "topic": "t", "kind": "tf", "question": "q", "answer": "yes",
       "explanation": "e"}, "true or false"),
     ({"id": "x", "topic": "t", "kind": "formula", "question": "q", "answer": "__x",
       "explanation": "e"}, "not allowed"),
     ({"id": "x", "topic": "t", "kind": "tf", "question": "q", "answer": True,
       "explanation": "e", "demo": "nope"}, "unknown demonstration")],
)
def test_invalid_items_refused(item, match):
    with pytest.raises(ConfigError, match=match):
        concepts._check(item, "bank.yaml[0]")
