"""Homework: randomized exercises, step-by-step practice, concept questions, class grading.

Every number comes from :mod:`glassnet.explain` (and so from the engine): a template only
draws parameters and writes an exercise dict; the answer key is ``glassnet.explain(dict)``.

>>> from glassnet.homework import generate
>>> g = generate("scalar-chain", seed=1)
>>> [q.path for q in g.questions][:2]
['output', 'loss']

SymPy (formula answers) is imported only by :mod:`glassnet.homework.formulas`.
"""

from __future__ import annotations

from glassnet.homework.templates import TEMPLATES, Generated, Question, generate, template

__all__ = ["TEMPLATES", "Generated", "Question", "generate", "template"]
