"""Named exercise families: each draws nice parameters and writes an exercise dict.

A template's ``build(draw)`` returns the exercise (the format of docs/explain.md) and the
quantities asked, in the order a student works them: ŷ, loss, δ's, gradients, updated
parameters. The answers are never computed here: :func:`generate` runs
``glassnet.explain`` on the dict and keeps the draw only when :mod:`glassnet.homework.checks`
finds the numbers nice (else it draws again from the same generator).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet.errors import ConfigError
from glassnet.homework.draw import Draw, Knob, merge_ranges

MAX_DRAWS = 200


@dataclass(frozen=True)
class Question:
    """One asked quantity: a path into the solution (as ``--check`` reads it) and a label."""

    path: str
    label: str


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    conventions: str
    ranges: Mapping[str, Knob]
    build: Callable[[Draw], tuple[dict[str, Any], list[Question]]]
    #: what the niceness checks allow: "saturated", "dead", "zero-answers"
    intends: frozenset[str] = frozenset()


@dataclass
class Generated:
    """A drawn exercise, its questions and its worked solution (``glassnet.explain``)."""

    template: str
    seed: int
    exercise: dict[str, Any]
    questions: list[Question]
    solution: Any = field(repr=False)

    def answers(self) -> dict[str, float | list[float]]:
        """The key: every asked path → the engine's value (full float64)."""
        out: dict[str, Any] = {}
        for q in self.questions:
            v = np.asarray(self.solution[q.path], dtype=float).ravel()
            out[q.path] = float(v[0]) if v.size == 1 else [float(x) for x in v]
        return out


def _resolvable(path: str) -> str:
    return "forward[-1].a" if path == "output" else path


# ------------------------------------------------------------------------- helpers
def _sgd_questions(names: list[str], step: int = 1) -> list[Question]:
    return [Question(f"steps[{step}].params.{n}", f"{n} after step {step}") for n in names]


def _grad_questions(names: list[str]) -> list[Question]:
    return [Question(f"gradients.{n}", f"∂L/∂{n}") for n in names]


def _sq_loss(factor: float = 0.5, reduction: str = "mean") -> dict[str, Any]:
    return {"name": "squared_error", "factor": factor, "reduction": reduction}


# ------------------------------------------------------------------------- builders
def _scalar_chain(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    x, w1 = d("x"), d("w_hidden")
    w2, b, lr = d("w_out"), d("b", allow_zero=True), d("lr")
    t = d.choice([0, 1])
    ex = {
        "title": "Scalar chain: ReLU then sigmoid",
        "description": (
            f"x → h = ReLU(w1·x) → ŷ = σ(w2·h + b), loss L = ½(ŷ − t)². "
            f"With w1 = {w1:g}, w2 = {w2:g}, b = {b:g}, x = {x:g}, t = {t}, compute ŷ, L, the "
            f"δ of each layer, the gradients and one SGD step with η = {lr:g}."
        ),
        "params": {"w1": w1, "w2": w2, "b": b},
        "network": {
            "inputs": ["x"],
            "layers": [
                {"units": ["h"], "weights": [["w1"]], "activation": "relu"},
                {"units": ["y"], "weights": [["w2"]], "bias": ["b"], "activation": "sigmoid"},
            ],
        },
        "loss": _sq_loss(),
        "data": {"x": [x], "t": [t]},
        "train": {"optimizer": {"name": "sgd", "lr": lr}, "steps": 1},
    }
    qs = [
        Question("output", "ŷ"),
        Question("loss", "L"),
        Question("backward[2].delta", "δ of the output layer (δ²)"),
        Question("backward[1].delta", "δ of the hidden layer (δ¹)"),
        *_grad_questions(["w1", "w2", "b"]),
        *_sgd_questions(["w1", "w2", "b"]),
    ]
    return ex, qs


def _two_two_one(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    names = ["a11", "a12", "a21", "a22", "c1", "c2", "b11", "b12", "d"]
    knob = ["w_hidden"] * 4 + ["b"] * 2 + ["w_out"] * 2 + ["b"]
    params = {n: d(k, allow_zero=k == "b") for n, k in zip(names, knob, strict=True)}
    x = [d("x"), d("x")]
    t, lr = d("t"), d("lr")
    ex = {
        "title": "A 2-2-1 network with named weights",
        "description": (
            "Hidden weights a_ij go from input j to hidden unit i (sigmoid, biases c_i); output "
            "weights b_1j from hidden unit j to the linear output (bias d); L = ½(ŷ − t)². "
            f"For x = ({x[0]:g}, {x[1]:g}), t = {t:g}, compute ŷ, L, the δ's, ∂L/∂b12 and "
            f"∂L/∂a22, and one SGD step with η = {lr:g}."
        ),
        "params": params,
        "network": {
            "inputs": ["x1", "x2"],
            "layers": [
                {
                    "units": ["h1", "h2"],
                    "weights": [["a11", "a12"], ["a21", "a22"]],
                    "bias": ["c1", "c2"],
                    "activation": "sigmoid",
                },
                {
                    "units": ["y"],
                    "weights": [["b11", "b12"]],
                    "bias": ["d"],
                    "activation": "identity",
                },
            ],
        },
        "loss": _sq_loss(),
        "data": {"x": x, "t": t},
        "train": {"optimizer": {"name": "sgd", "lr": lr}},
    }
    qs = [
        Question("output", "ŷ"),
        Question("loss", "L"),
        Question("backward[2].delta", "δ of the output"),
        Question("backward[1].delta", "δ of the hidden layer (δ_h1, δ_h2)"),
        *_grad_questions(["b12", "a22"]),
        *_sgd_questions(["b12", "a22"]),
    ]
    return ex, qs


def _minibatch_mse(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    w, v, b, lr = d("w"), d("w"), d("b", allow_zero=True), d("lr")
    xs = [d("x", allow_zero=True) for _ in range(3)]
    ts = [d("t", allow_zero=True) for _ in range(3)]
    ex = {
        "title": "One minibatch of three samples",
        "description": (
            "A linear unit ŷ = w·x + b sees a minibatch of three samples; the loss is the mean "
            "of ½(ŷ − t)² over the batch, so each gradient is the batch average. "
            f"w = {w:g}, b = {b:g}; samples (x, t): "
            + ", ".join(f"({x:g}, {t:g})" for x, t in zip(xs, ts, strict=True))
            + f". Do one SGD step with η = {lr:g}."
        ),
        "params": {"w": w, "b": b},
        "network": {
            "inputs": ["x"],
            "layers": [
                {"units": ["y"], "weights": [["w"]], "bias": ["b"], "activation": "identity"}
            ],
        },
        "loss": _sq_loss(),
        "data": [{"x": [x], "t": t} for x, t in zip(xs, ts, strict=True)],
        "train": {"optimizer": {"name": "sgd", "lr": lr}},
    }
    del v
    qs = [
        Question("output", "ŷ for the three samples"),
        Question("loss", "L (batch mean)"),
        *_grad_questions(["w", "b"]),
        *_sgd_questions(["w", "b"]),
    ]
    return ex, qs


def _softmax_ce(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    W = [[d("w", allow_zero=True) for _ in range(2)] for _ in range(3)]
    b = [d("b", allow_zero=True) for _ in range(3)]
    x = [d("x"), d("x")]
    t = int(d.choice([0, 1, 2]))
    lr = d("lr")
    names = [[f"w{j}{k}" for k in (1, 2)] for j in (1, 2, 3)]
    params = {n: W[j][k] for j, row in enumerate(names) for k, n in enumerate(row)}
    params.update({f"b{j}": b[j - 1] for j in (1, 2, 3)})
    ex = {
        "title": "Softmax output with cross-entropy",
        "description": (
            "Three classes, p = softmax(W x + b), L = −log p_t with the target class t counted "
            f"from 0. x = ({x[0]:g}, {x[1]:g}), t = {t}. Compute p, L, δ = ∂L/∂z, "
            f"∂L/∂w11, ∂L/∂b{t + 1}, and one SGD step with η = {lr:g}."
        ),
        "params": params,
        "network": {
            "inputs": ["x1", "x2"],
            "layers": [
                {
                    "units": ["y1", "y2", "y3"],
                    "weights": names,
                    "bias": ["b1", "b2", "b3"],
                    "activation": "softmax",
                }
            ],
        },
        "loss": {"name": "cross_entropy"},
        "data": {"x": x, "t": t},
        "train": {"optimizer": {"name": "sgd", "lr": lr}},
    }
    qs = [
        Question("output", "p = (p1, p2, p3)"),
        Question("loss", "L"),
        Question("backward[1].delta", "δ = ∂L/∂z"),
        *_grad_questions(["w11", f"b{t + 1}"]),
        *_sgd_questions(["w11", f"b{t + 1}"]),
    ]
    return ex, qs


def _single_sigmoid(d: Draw, title: str, loss: dict[str, Any], text: str) -> dict[str, Any]:
    w1, w2, b = d("w"), d("w"), d("b", allow_zero=True)
    x = [d("x"), d("x")]
    t, lr = int(d.choice([0, 1])), d("lr")
    return {
        "title": title,
        "description": (
            f"ŷ = σ(w1·x1 + w2·x2 + b) with w1 = {w1:g}, w2 = {w2:g}, b = {b:g}; "
            f"x = ({x[0]:g}, {x[1]:g}), t = {t}. {text} One SGD step with η = {lr:g}."
        ),
        "params": {"w1": w1, "w2": w2, "b": b},
        "network": {
            "inputs": ["x1", "x2"],
            "layers": [
                {
                    "units": ["y"],
                    "weights": [["w1", "w2"]],
                    "bias": ["b"],
                    "activation": "sigmoid",
                }
            ],
        },
        "loss": loss,
        "data": {"x": x, "t": t},
        "train": {"optimizer": {"name": "sgd", "lr": lr}},
    }


def _unit_questions() -> list[Question]:
    return [
        Question("output", "ŷ"),
        Question("loss", "L"),
        Question("backward[1].delta", "δ = ∂L/∂z"),
        *_grad_questions(["w1", "w2", "b"]),
        *_sgd_questions(["w1", "w2", "b"]),
    ]


def _bce(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    text = "The loss is the binary cross-entropy L = −[t log ŷ + (1 − t) log(1 − ŷ)]."
    ex = _single_sigmoid(d, "Binary cross-entropy after a sigmoid",
                         {"name": "binary_cross_entropy"}, text)
    return ex, _unit_questions()


def _l2_step(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    lam = d("l2")
    loss = {
        **_sq_loss(),
        "regularization": {"l2": lam, "convention": "half", "include_bias": False},
    }
    text = (f"L = ½(ŷ − t)² + (λ/2)(w1² + w2²) with λ = {lam:g} (the bias is not "
            "regularized), so each weight's gradient gains λ·w.")
    ex = _single_sigmoid(d, "L2 regularization", loss, text)
    return ex, _unit_questions()


def _one_unit(w: float, b: float, act: str = "identity") -> dict[str, Any]:
    return {
        "params": {"w": w, "b": b},
        "network": {
            "inputs": ["x"],
            "layers": [{"units": ["y"], "weights": [["w"]], "bias": ["b"], "activation": act}],
        },
    }


def _steps_questions(names: list[str], steps: int, state: list[str] = ()) -> list[Question]:
    qs = []
    for k in range(1, steps + 1):
        qs += [Question(f"steps[{k}].gradients.{n}", f"∂L/∂{n} at step {k}") for n in names]
        qs += [Question(f"steps[{k}].state.{n}.{s}", f"{s} of {n} after step {k}")
               for n in names for s in state]
        qs += _sgd_questions(names, k)
    return qs


def _momentum_steps(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    w, b, x, t = d("w"), d("b", allow_zero=True), d("x"), d("t", allow_zero=True)
    lr, mu = d("lr"), d("momentum")
    ex = {
        "title": "Three steps of SGD with momentum",
        "description": (
            f"ŷ = w·x + b, L = ½(ŷ − t)², with w = {w:g}, b = {b:g}, x = {x:g}, t = {t:g}. "
            f"PyTorch's momentum: buf ← μ·buf + g (buf starts at the first gradient), "
            f"θ ← θ − η·buf, with η = {lr:g}, μ = {mu:g}. Do three steps, running forward and "
            "backward again at the new parameters."
        ),
        **_one_unit(w, b),
        "loss": _sq_loss(),
        "data": {"x": [x], "t": t},
        "train": {"optimizer": {"name": "sgd", "lr": lr, "momentum": mu}, "steps": 3},
    }
    return ex, [Question("loss", "L before step 1"), *_steps_questions(["w", "b"], 3)]


def _given_gradients(d: Draw, steps: int) -> tuple[dict[str, float], list[dict[str, float]]]:
    params = {"theta1": d("theta"), "theta2": d("theta")}
    grads = [{"theta1": d("g"), "theta2": d("g")} for _ in range(steps)]
    return params, grads


def _grads_text(grads: list[dict[str, float]]) -> str:
    return "; ".join(
        f"g{k} = ({g['theta1']:g}, {g['theta2']:g})" for k, g in enumerate(grads, 1)
    )


def _adam(d: Draw, textbook: bool) -> tuple[dict[str, Any], list[Question]]:
    params, grads = _given_gradients(d, 2)
    lr = d("lr")
    opt: dict[str, Any] = {"name": "adam", "lr": lr, "betas": [0.9, 0.999], "eps": 1e-8}
    if textbook:
        opt.update(betas=[0.9, 0.99], eps=1e-6, bias_correction=False, eps_inside_sqrt=True)
        form = ("Textbook form without bias correction, ε inside the root: "
                "m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², θ ← θ − η·m/√(v + ε), "
                "β1 = 0.9, β2 = 0.99, ε = 10⁻⁶")
    else:
        form = ("PyTorch's form: m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ), θ ← θ − η·m̂/(√v̂ + ε), "
                "β1 = 0.9, β2 = 0.999, ε = 10⁻⁸")
    ex = {
        "title": "Two Adam steps" + (" (textbook form)" if textbook else " (PyTorch form)"),
        "description": (
            f"θ = ({params['theta1']:g}, {params['theta2']:g}), η = {lr:g}. {form}. "
            f"The gradients are given: {_grads_text(grads)}. Do two steps."
        ),
        "params": params,
        "train": {"optimizer": opt, "gradients": grads},
    }
    qs = _steps_questions(["theta1", "theta2"], 2, ["m", "v"])
    return ex, [q for q in qs if ".gradients." not in q.path]


def _rmsprop(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    params, grads = _given_gradients(d, 2)
    lr, alpha = d("lr"), d("alpha")
    ex = {
        "title": "Two RMSprop steps from given gradients",
        "description": (
            f"θ = ({params['theta1']:g}, {params['theta2']:g}). RMSprop as in PyTorch: "
            f"v ← α v + (1 − α) g², θ ← θ − η·g/(√v + ε), with η = {lr:g}, α = {alpha:g}, "
            f"ε = 10⁻⁸, v starting at 0. The gradients are given: {_grads_text(grads)}."
        ),
        "params": params,
        "train": {"optimizer": {"name": "rmsprop", "lr": lr, "alpha": alpha, "eps": 1e-8},
                  "gradients": grads},
    }
    qs = [q for q in _steps_questions(["theta1", "theta2"], 2, ["v"])
          if ".gradients." not in q.path]
    return ex, qs


def _dropout(d: Draw, scaling: str) -> tuple[dict[str, Any], list[Question]]:
    w1, w2 = d("w_hidden"), d("w_hidden")
    c1, c2 = d("b", allow_zero=True), d("b", allow_zero=True)
    v1, v2 = d("w_out"), d("w_out")
    x, t, lr = d("x"), d("t", allow_zero=True), d("lr")
    rate = d.choice([0.5, 0.25]) if scaling == "inverted" else d.choice([0.5, 0.2])
    mask = d.choice([[1, 0], [0, 1]])
    p = 1 - rate
    how = (f"kept units are divided by the keep probability p = 1 − rate = {p:g}"
           if scaling == "inverted" else
           "kept units are not rescaled in training (the network multiplies by p at test time)")
    ex = {
        "title": f"Dropout, {scaling} scaling",
        "description": (
            f"x → h = ReLU(W x + c) → dropout (rate {rate:g}, mask {mask}) → ŷ = v·h̃, "
            f"L = ½(ŷ − t)²; {how}. W = ({w1:g}, {w2:g})ᵀ, c = ({c1:g}, {c2:g}), "
            f"v = ({v1:g}, {v2:g}), x = {x:g}, t = {t:g}. One SGD step with η = {lr:g}."
        ),
        "params": {"w1": w1, "w2": w2, "c1": c1, "c2": c2, "v1": v1, "v2": v2},
        "network": {
            "inputs": ["x"],
            "layers": [
                {
                    "units": ["h1", "h2"],
                    "weights": [["w1"], ["w2"]],
                    "bias": ["c1", "c2"],
                    "activation": "relu",
                    "dropout": {"rate": rate, "scaling": scaling, "mask": mask},
                },
                {"units": ["y"], "weights": [["v1", "v2"]], "activation": "identity"},
            ],
        },
        "loss": _sq_loss(),
        "data": {"x": [x], "t": t},
        "train": {"optimizer": {"name": "sgd", "lr": lr}},
    }
    qs = [
        Question("forward[1].a_dropped", "h̃ (after dropout)"),
        Question("output", "ŷ"),
        Question("loss", "L"),
        *_grad_questions(["w1", "w2", "v1", "v2"]),
        *_sgd_questions(["w1", "v1"]),
    ]
    return ex, qs


def _zero_activation(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    names = ["w11", "w12", "w21", "w22"]
    params = {n: d("w_hidden") for n in names}
    params.update(v1=d("w_out"), v2=d("w_out"), b=d("b", allow_zero=True))
    x = [d("x"), d("x")]
    t, lr = d("t", allow_zero=True), d("lr")
    ex = {
        "title": "The constant zero activation",
        "description": (
            "The hidden layer uses f(z) = 0 for every z; the output is linear, "
            f"ŷ = v1·h1 + v2·h2 + b, L = ½(ŷ − t)². x = ({x[0]:g}, {x[1]:g}), t = {t:g}, "
            f"b = {params['b']:g}. Which parameters move in one SGD step with η = {lr:g}?"
        ),
        "params": params,
        "network": {
            "inputs": ["x1", "x2"],
            "layers": [
                {"units": ["h1", "h2"], "weights": [["w11", "w12"], ["w21", "w22"]],
                 "activation": "zero"},
                {"units": ["y"], "weights": [["v1", "v2"]], "bias": ["b"],
                 "activation": "identity"},
            ],
        },
        "loss": _sq_loss(),
        "data": {"x": x, "t": t},
        "train": {"optimizer": {"name": "sgd", "lr": lr}},
    }
    qs = [
        Question("output", "ŷ"),
        Question("loss", "L"),
        *_grad_questions(["w11", "v1", "b"]),
        *_sgd_questions(["w11", "v1", "b"]),
    ]
    return ex, qs


def _output_zero(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    # ŷ = v·ReLU(w·x + c) + b is 0 at x* = ((−b/v) − c)/w: draw x* and h* > 0, then b.
    w, v = d("w_hidden"), d("w_out")
    c = d("b", allow_zero=True)
    x_star = d("x")
    h = round(w * x_star + c, 6)
    b = round(-v * h, 6)
    ex = {
        "title": "Choose the input that makes the output zero",
        "description": (
            f"ŷ = v·ReLU(w·x + c) + b with w = {w:g}, c = {c:g}, v = {v:g}, b = {b:g}. "
            "Which input x (with w·x + c > 0) gives ŷ = 0 exactly? The worked solution runs "
            "the network at that x."
        ),
        "params": {"w": w, "c": c, "v": v, "b": b},
        "network": {
            "inputs": ["x"],
            "layers": [
                {"units": ["h"], "weights": [["w"]], "bias": ["c"], "activation": "relu"},
                {"units": ["y"], "weights": [["v"]], "bias": ["b"], "activation": "identity"},
            ],
        },
        "loss": _sq_loss(),
        "data": {"x": [x_star], "t": 0},
    }
    return ex, [Question("data.x", "x"), Question("forward[1].a", "h at that x"),
                Question("output", "ŷ at that x")]


def _schedule_steps(d: Draw) -> tuple[dict[str, Any], list[Question]]:
    w, b, x, t = d("w"), d("b", allow_zero=True), d("x"), d("t", allow_zero=True)
    lr, gamma = d("lr"), d("gamma")
    ex = {
        "title": "SGD with an exponentially decaying learning rate",
        "description": (
            f"ŷ = w·x + b, L = ½(ŷ − t)², w = {w:g}, b = {b:g}, x = {x:g}, t = {t:g}. "
            f"Three SGD steps with η_k = η₀·γᵏ, η₀ = {lr:g}, γ = {gamma:g} (k = 0 for the first "
            "update)."
        ),
        **_one_unit(w, b),
        "loss": _sq_loss(),
        "data": {"x": [x], "t": t},
        "train": {"optimizer": {"name": "sgd", "lr": lr},
                  "schedule": {"name": "exponential", "gamma": gamma}, "steps": 3},
    }
    qs = []
    for k in (1, 2, 3):
        qs += [Question(f"steps[{k}].lr", f"η used in step {k}")]
        qs += _sgd_questions(["w", "b"], k)
    return ex, qs


# ------------------------------------------------------------------------- registry
_NET: dict[str, Knob] = {
    "x": (-3, 3, 1), "w_hidden": (-1, 1, 0.1), "w_out": (-2, 2, 0.5), "w": (-1, 1, 0.1),
    "b": (-1, 1, 0.5), "t": (-1, 1, 0.5), "lr": (0.1, 0.5, 0.1),
}
_RULE: dict[str, Knob] = {"theta": (-1, 1, 0.1), "g": (-2, 2, 0.1), "lr": (0.01, 0.1, 0.01)}

SQ = "squared error with the ½ factor, L = ½(ŷ − t)², mean over samples"
TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in [
        Template("scalar-chain", "ReLU → sigmoid scalar chain, one SGD step",
                 f"{SQ}; W[j][k] from unit k to unit j; δ = ∂L/∂z",
                 {**_NET, "x": (1, 4, 1), "w_hidden": (0.1, 1, 0.1)}, _scalar_chain),
        Template("two-two-one", "2-2-1 sigmoid network with named weights a_ij, b_1j",
                 f"{SQ}; a_ij from input j to hidden unit i", _NET, _two_two_one),
        Template("minibatch-mse", "linear unit, minibatch of three, mean loss",
                 f"{SQ}; gradients are batch averages", {**_NET, "t": (-2, 2, 0.5)},
                 _minibatch_mse),
        Template("softmax-ce", "softmax with cross-entropy, three classes",
                 "L = −log p_t, classes counted from 0; δ = p − onehot(t)",
                 {**_NET, "w": (-1, 1, 0.5)}, _softmax_ce),
        Template("bce", "sigmoid with binary cross-entropy",
                 "L = −[t log ŷ + (1−t) log(1−ŷ)]; δ = ŷ − t", {**_NET, "x": (-2, 2, 1)}, _bce),
        Template("l2-step", "L2 regularization on the weights",
                 f"{SQ} + (λ/2)Σw², bias not regularized",
                 {**_NET, "x": (-2, 2, 1), "l2": (0.1, 0.5, 0.1)}, _l2_step),
        Template("momentum-steps", "three steps of SGD with momentum (PyTorch form)",
                 f"{SQ}; buf ← μ·buf + g, θ ← θ − η·buf",
                 {**_NET, "lr": (0.05, 0.2, 0.05), "momentum": (0.5, 0.9, 0.1)},
                 _momentum_steps),
        Template("adam-steps", "two Adam steps, PyTorch form (bias correction, ε outside)",
                 "θ ← θ − η·m̂/(√v̂ + ε)", _RULE, lambda d: _adam(d, False)),
        Template("adam-textbook", "two Adam steps, textbook form (no bias correction, ε inside)",
                 "θ ← θ − η·m/√(v + ε)", _RULE, lambda d: _adam(d, True)),
        Template("rmsprop-steps", "two RMSprop steps from given gradients",
                 "v ← αv + (1−α)g², θ ← θ − η·g/(√v + ε)",
                 {**_RULE, "alpha": (0.8, 0.99, 0.01)}, _rmsprop),
        Template("dropout-standard", "dropout with a given mask, standard scaling",
                 f"{SQ}; kept units not rescaled in training", {**_NET, "x": (1, 3, 1)},
                 lambda d: _dropout(d, "standard"), frozenset({"dead"})),
        Template("dropout-inverted", "dropout with a given mask, inverted scaling (PyTorch)",
                 f"{SQ}; kept units divided by p = 1 − rate", {**_NET, "x": (1, 3, 1)},
                 lambda d: _dropout(d, "inverted"), frozenset({"dead"})),
        Template("output-zero", "choose the input so that the output is exactly 0",
                 "ŷ = v·ReLU(w·x + c) + b", {**_NET, "x": (-3, 3, 0.5)}, _output_zero,
                 frozenset({"zero-answers"})),
        Template("zero-activation", "hidden activation f ≡ 0: which parameters move",
                 f"{SQ}; f(z) = 0 and f'(z) = 0", _NET, _zero_activation,
                 frozenset({"zero-answers", "dead"})),
        Template("schedule-steps", "three SGD steps with an exponential learning-rate schedule",
                 f"{SQ}; η_k = η₀·γᵏ", {**_NET, "gamma": (0.5, 0.9, 0.1)}, _schedule_steps),
    ]
}


def template(name: str, where: str = "template") -> Template:
    """The template called ``name``; an unknown name is a ConfigError with a close match."""
    if name not in TEMPLATES:
        near = difflib.get_close_matches(str(name), list(TEMPLATES), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ConfigError(
            f"{where}: unknown template {name!r}{hint} (see 'glassnet homework list')."
        )
    return TEMPLATES[name]


def generate(
    name: str, seed: int = 0, ranges: Mapping[str, Any] | None = None, where: str = "ranges"
) -> Generated:
    """Draw a nice exercise of template ``name`` from ``np.random.default_rng(seed)``.

    Draws are repeated (from the same generator, so still deterministic) until the checks of
    :mod:`glassnet.homework.checks` pass; a range where that never happens is a ConfigError.
    """
    import glassnet.explain as explain_pkg
    from glassnet.homework.checks import problems

    tpl = template(name)
    knobs = merge_ranges(tpl.ranges, ranges, where)
    rng = np.random.default_rng(seed)
    last: list[str] = []
    for _ in range(MAX_DRAWS):
        exercise, questions = tpl.build(Draw(rng, knobs))
        solution = explain_pkg.explain(exercise)
        gen = Generated(name, seed, exercise, questions, solution)
        last = problems(gen, tpl.intends)
        if not last:
            return gen
    raise ConfigError(
        f"{where}: template {name!r} found no nice exercise in {MAX_DRAWS} draws with these "
        f"ranges (last draw: {last[0]}); widen the ranges."
    )
