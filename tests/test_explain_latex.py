"""The LaTeX output is a compilable fragment: pure ASCII, needing only amsmath.

Compiling needs pdflatex (Debian: ``texlive-latex-base``), which the README's test command
installs (tools/system-packages.sh); the compile test never skips.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from glassnet.explain import explain

EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "exercises").glob("*.yaml"))
PREAMBLE = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"


def test_latex_fragments_are_ascii_and_balanced() -> None:
    for path in EXAMPLES:
        tex = explain(path).latex
        assert all(ord(c) < 128 for c in tex), path.name
        assert "\\documentclass" not in tex  # a fragment, to include in a document
        assert tex.count("\\begin{") == tex.count("\\end{"), path.name
        assert tex.count("{") - tex.count("\\{") == tex.count("}") - tex.count("\\}"), path.name


def test_latex_output_compiles(tmp_path: Path) -> None:
    """All example solutions in one document, compiled once with pdflatex."""
    from test_explain_oracle import random_exercise

    parts = [explain(path).latex for path in EXAMPLES]
    parts += [explain(random_exercise(seed)).latex for seed in range(60)]
    doc = PREAMBLE + "\n\\clearpage\n".join(parts) + "\\end{document}\n"
    (tmp_path / "solutions.tex").write_text(doc, encoding="ascii")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "solutions.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "solutions.pdf").stat().st_size > 0
