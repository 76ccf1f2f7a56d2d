"""Golden files: the text, Markdown and LaTeX renderings of every example exercise.

Regenerate after an intended change with ``GLASSNET_UPDATE_GOLDEN=1 pytest
tests/test_explain_golden.py`` and review the diff of tests/golden/explain/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from glassnet.explain import explain

ROOT = Path(__file__).parent
EXAMPLES = sorted((ROOT.parent / "examples" / "exercises").glob("*.yaml"))
GOLDEN = ROOT / "golden" / "explain"
FORMATS = {"text": "txt", "markdown": "md", "latex": "tex"}
UPDATE = os.environ.get("GLASSNET_UPDATE_GOLDEN") == "1"


def test_there_are_at_least_eight_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_rendering_matches_golden(path: Path) -> None:
    sol = explain(path)
    for fmt, ext in FORMATS.items():
        golden = GOLDEN / f"{path.stem}.{ext}"
        rendered = sol.render(fmt)
        if UPDATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(rendered, encoding="utf-8")
        assert golden.exists(), f"missing {golden}; run with GLASSNET_UPDATE_GOLDEN=1"
        assert rendered == golden.read_text(encoding="utf-8"), (
            f"{golden.name} differs; if the change is intended, regenerate with "
            "GLASSNET_UPDATE_GOLDEN=1 and review the diff"
        )


def test_every_golden_file_has_an_example() -> None:
    stems = {p.stem for p in EXAMPLES}
    orphans = [g.name for g in GOLDEN.glob("*") if g.stem not in stems]
    assert not orphans, f"golden files without an example: {orphans}"
