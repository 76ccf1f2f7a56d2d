"""Every ``glassnet plot ...`` example runs as printed: the lines of ``glassnet plot --help``,
of each picture's ``--help`` and of docs/gallery.md, each run through ``glassnet.cli.main``
with only ``--out`` (into tmp_path) and a small ``--dpi`` added.

They run in a folder holding the repository's ``examples/`` and the run directories the
examples name (``runs/NAME`` is what ``glassnet train --out runs/NAME`` writes: a
history.json and a model.glassnet)."""

from __future__ import annotations

import contextlib
import io
import json
import shlex
from pathlib import Path

import pytest
from cli_helpers import PICTURES
from PIL import Image

import glassnet as gn
from glassnet.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _help(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main([*argv, "--help"])
    return out.getvalue()


def _examples() -> dict[str, str]:
    """{command: where it is printed}, in order of appearance."""
    sources = [("glassnet plot --help", _help("plot"))]
    sources += [(f"glassnet plot {p} --help", _help("plot", p)) for p in PICTURES]
    sources.append(("docs/gallery.md", (ROOT / "docs" / "gallery.md").read_text()))
    found: dict[str, str] = {}
    for where, text in sources:
        for line in text.splitlines():
            if line.strip().startswith("glassnet plot "):
                found.setdefault(line.strip(), where)
    return found


EXAMPLES = _examples()


def _argv(command: str) -> list[str]:
    words = shlex.split(command, comments=True)
    assert words[:2] == ["glassnet", "plot"]
    return words[1:]


def test_every_picture_and_the_gallery_have_examples():
    where = set(EXAMPLES.values())
    assert "docs/gallery.md" in where and "glassnet plot --help" in where
    assert all(f"glassnet plot {p} --help" in where for p in PICTURES)
    assert "glassnet plot trajectories --function saddle --start -1.5,0.05" in EXAMPLES


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder with examples/ and every runs/NAME the examples mention."""
    d = tmp_path_factory.mktemp("examples")
    (d / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    history = {
        "epochs": [
            {
                "epoch": e,
                "loss": 1.0 / e,
                "accuracy": 1 - 0.5 / e,
                "val_loss": 1.2 / e,
                "val_accuracy": 1 - 0.6 / e,
                "lr": 0.1,
            }
            for e in (1, 2, 3)
        ],
        "steps": {"lr": [0.05, 0.1, 0.1, 0.08, 0.05, 0.02]},
    }
    for command in EXAMPLES:
        argv = _argv(command)
        for word in argv:
            if not word.startswith("runs/"):
                continue
            run = d / Path(word).parts[0] / Path(word).parts[1]
            run.mkdir(parents=True, exist_ok=True)
            (run / "history.json").write_text(json.dumps(history))
            if word.endswith(".glassnet") and not (d / word).exists():
                n_in = 64  # a digits model, unless the example gives an input vector
                if "--input" in argv:
                    n_in = len(argv[argv.index("--input") + 1].split(","))
                net = gn.Network([gn.Dense(n_in, 16, "relu"), gn.Dense(16, 2, "softmax")], seed=0)
                net.save(d / word)
    return d


@pytest.mark.parametrize("command", list(EXAMPLES), ids=list(EXAMPLES))
def test_example_runs_as_printed(command, workdir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    argv = _argv(command)
    suffix = ".gif" if "--gif" in argv else ".png"
    for flag in ("--out", "-o"):
        if flag in argv:
            suffix = Path(argv[argv.index(flag) + 1]).suffix
    out = tmp_path / f"picture{suffix}"
    code = main([*argv, "--out", str(out), "--dpi", "20"])
    _, err = capsys.readouterr()
    assert code == 0, f"{command!r} (printed in {EXAMPLES[command]}) failed: {err}"
    if suffix == ".svg":
        assert "<svg" in out.read_text()
    else:
        with Image.open(out) as im:
            assert im.format == suffix[1:].upper()
