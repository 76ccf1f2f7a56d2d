"""``glassnet explain`` through ``glassnet.cli.main``: every format, precision, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glassnet.cli import main

EX = Path(__file__).parent.parent / "examples" / "exercises"
CHAIN = str(EX / "scalar_chain.yaml")


@pytest.mark.parametrize(
    "fmt, marker",
    [
        ("text", "z_h = w1·x = 0.01·3 = 0.03"),
        ("markdown", "$z_{h} = w_{1} \\cdot x = 0.01 \\cdot 3 = 0.03$"),
        ("latex", "\\section*{Two-layer scalar network}"),
    ],
)
def test_each_format(fmt: str, marker: str, capsys) -> None:
    assert main(["explain", CHAIN, "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert marker in out


def test_text_is_the_default(capsys) -> None:
    assert main(["explain", CHAIN]) == 0
    assert "Forward pass" in capsys.readouterr().out


def test_json_has_every_number_at_full_precision(capsys) -> None:
    assert main(["explain", CHAIN, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["params"] == {"w1": 0.01, "w2": -5.0, "b": -1.0}
    assert data["forward"][1]["a"][0][0] == pytest.approx(0.24048908305088892, abs=1e-15)
    assert data["gradients"]["w1"] == pytest.approx(2.0809165621704553, abs=1e-14)
    assert data["steps"][0]["params"]["w1"] == pytest.approx(0.01 - 0.1 * 2.0809165621704553)


def test_precision(capsys) -> None:
    assert main(["explain", CHAIN, "--precision", "7"]) == 0
    assert "y = σ(z_y) = σ(−1.15) = 0.2404891" in capsys.readouterr().out
    assert main(["explain", CHAIN, "--precision", "2"]) == 0
    assert "= 0.24" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["0", "16", "17", "x"])
def test_bad_precision_is_a_usage_error(bad: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["explain", CHAIN, "--precision", bad])
    assert exit_.value.code == 2
    assert "--precision" in capsys.readouterr().err


def test_precision_15_shows_no_float_noise(capsys) -> None:
    # float64 carries 15 meaningful significant digits; 17 showed σ(−1.14999999999999991)
    assert main(["explain", CHAIN, "--precision", "15"]) == 0
    out = capsys.readouterr().out
    assert "y = σ(z_y) = σ(−1.15) = 0.240489083050889" in out, out
    assert "0.029999999" not in out and "1.149999" not in out


def test_help_says_what_precision_means(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "1..15" in out and "float64" in out


def test_missing_file_argument_is_one_line(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["explain"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("glassnet explain: error: ") and "FILE" in err and "usage" not in err


def test_file_errors_exit_2_with_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "params: {w1: 0.5}\nnetwork:\n  inputs: 2\n  layers:\n"
        "    - {units: 1, weights: [[w1, 0.1], [0.2, 0.3]]}\n"
        "loss: squared_error\ndata: {x: [1, 2], t: 0}\n",
        encoding="utf-8",
    )
    assert main(["explain", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "network.layers[0].weights: expected 1 row" in err and err.startswith(
        "glassnet explain: error: "
    )
    assert main(["explain", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_help_has_examples(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "--check answers.yaml" in out


def test_module_entry_point(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "glassnet", "explain", CHAIN, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["loss"] == pytest.approx(0.2884284164824398)
