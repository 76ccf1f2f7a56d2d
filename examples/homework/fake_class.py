"""Fill a homework's answers-template.csv as a class might: mostly right, with classic
mistakes planted at known rates, to try ``glassnet homework grade`` on.

    glassnet homework make examples/homework/spec.yaml --roster examples/homework/roster.csv \\
        --out hw --no-pdf
    python examples/homework/fake_class.py hw submissions.csv
    glassnet homework grade hw submissions.csv

Each mistaken number is what the engine computes on the student's exercise with the mistake
built in (the ½ of the squared error dropped, the momentum buffer damped), or what the mistake
gives from the right numbers (δ with σ for σ', the sum of a minibatch for its mean, an update
that adds). Numbers are written to 4 significant digits, as a student would.
"""

from __future__ import annotations

import copy
import csv
import json
import random
import sys
from pathlib import Path

import numpy as np
import yaml

from glassnet.explain import explain


def _text(value: object) -> str:
    return "; ".join(f"{x:.4g}" for x in np.ravel(np.asarray(value, dtype=float)))


def _exercise(hw: Path, sid: str, q: str) -> dict:
    return yaml.safe_load((hw / sid / f"{q}.yaml").read_text(encoding="utf-8"))


def _right(key: dict, rng: random.Random) -> dict[str, str]:
    cells: dict[str, str] = {}
    for q in key["questions"]:
        if "answers" in q:
            cells |= {c: _text(v) for c, v in q["answers"].items()}
        elif q["kind"] == "tf":
            cells[q["key"]] = str(q["answer"] == (rng.random() < 0.8)).lower()
        elif q["kind"] == "mc":
            letters = "abcdefghij"[: len(q["choices"])]
            cells[q["key"]] = q["answer"] if rng.random() < 0.7 else rng.choice(letters)
        else:
            cells[q["key"]] = q["answer"] if rng.random() < 0.6 else "a_k^(l-1) * delta_k^l"
    return cells


def fake_class(hw: Path, seed: int = 1) -> list[dict[str, str]]:
    """One row per student of a folder written by ``homework make`` for the example spec."""
    rng = random.Random(seed)
    manifest = json.loads((hw / "homework.json").read_text(encoding="utf-8"))
    rows = []
    for student in manifest["students"][:-1]:  # the last student hands nothing in
        sid = student["id"]
        cells = _right(json.loads((hw / sid / "key.json").read_text(encoding="utf-8")), rng)
        ex1 = _exercise(hw, sid, "q1")
        r = rng.random()
        if r < 0.2:  # forgot the ½: every δ and gradient doubles
            wrong = copy.deepcopy(ex1)
            wrong["loss"]["factor"] = 1.0
            sol = explain(wrong)
            for p in ("backward[2].delta", "backward[1].delta", "gradients.w1", "gradients.w2",
                      "gradients.b"):
                cells[f"q1:{p}"] = _text(sol[p])
        elif r < 0.35:  # δ² = (ŷ − t)·σ(z) with σ(z) = ŷ
            t = float(np.ravel(ex1["data"]["t"])[0])
            y = float(cells["q1:output"])
            cells["q1:backward[2].delta"] = _text((y - t) * y)
        if rng.random() < 0.2:  # the minibatch's sum, not its mean
            cells["q3:gradients.w"] = _text(3 * float(cells["q3:gradients.w"]))
        if rng.random() < 0.2:  # buf ← μ·buf + (1 − μ)·g
            wrong = _exercise(hw, sid, "q4")
            opt = wrong["train"]["optimizer"]
            opt["dampening"] = opt["momentum"]
            sol = explain(wrong)
            for k in (2, 3):
                cells[f"q4:steps[{k}].params.w"] = _text(sol[f"steps[{k}].params.w"])
        if rng.random() < 0.1:  # θ + η·g
            ex2 = _exercise(hw, sid, "q2")
            lr = ex2["train"]["optimizer"]["lr"]
            b12 = ex2["params"]["b12"] + lr * float(cells["q2:gradients.b12"])
            cells["q2:steps[1].params.b12"] = _text(b12)
        rows.append({"id": sid, **cells})
    rows[16]["q2:loss"] = "n/a"  # a cell that is not a number: reported, graded as missing
    return rows


def main(argv: list[str]) -> int:
    hw, out = Path(argv[0]), Path(argv[1])
    manifest = json.loads((hw / "homework.json").read_text(encoding="utf-8"))
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["id", *manifest["columns"]], lineterminator="\n")
        writer.writeheader()
        writer.writerows(fake_class(hw))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
