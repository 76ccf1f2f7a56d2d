"""Compile a LaTeX sheet with pdflatex into a byte-reproducible PDF.

The sheet's preamble sets ``\\pdfinfoomitdate=1``, ``\\pdftrailerid{}`` and
``\\pdfsuppressptexinfo=-1`` (no dates, no random trailer id, no build banner), and
``SOURCE_DATE_EPOCH``/``FORCE_SOURCE_DATE`` fix what is left, so running ``homework make``
twice gives identical bytes. pdflatex runs in a temporary folder with ``-no-shell-escape``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from glassnet.errors import GlassnetError

TIMEOUT = 60  # seconds for one sheet


def pdflatex() -> str:
    exe = shutil.which("pdflatex")
    if exe is None:
        raise GlassnetError(
            "pdflatex is not installed (Debian: apt-get install texlive-latex-base); "
            "run with --no-pdf for the Markdown and LaTeX sheets only."
        )
    return exe


def compile_pdf(tex: str, target: Path) -> None:
    """Write ``target`` (a PDF) from the LaTeX document ``tex``; one line if it fails."""
    exe = pdflatex()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory(prefix="glassnet-tex-") as tmp:
        (Path(tmp) / "sheet.tex").write_text(tex, encoding="utf-8")
        try:
            done = subprocess.run(
                [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                 "sheet.tex"],
                cwd=tmp, env=env, capture_output=True, timeout=TIMEOUT, check=False,
            )
        except subprocess.TimeoutExpired:
            raise GlassnetError(f"{target}: pdflatex took more than {TIMEOUT} s.") from None
        pdf = Path(tmp) / "sheet.pdf"
        if done.returncode != 0 or not pdf.exists():
            log = done.stdout.decode("utf-8", "replace").splitlines()
            first = next((line for line in log if line.startswith("!")), "no error line")
            raise GlassnetError(f"{target}: pdflatex failed ({first.lstrip('! ')}).")
        shutil.copyfile(pdf, target)
