"""``glassnet plot ...``: every picture from the command line, help with examples, errors."""

from __future__ import annotations

import json

import pytest
from cli_helpers import PICTURES
from PIL import Image

import glassnet as gn
from glassnet.cli import main

EXERCISE = """\
params: {w1: 0.5, w2: -1.0, b: 0.1, v: 2.0}
network:
  inputs: [x1, x2]
  layers:
    - {units: [h], weights: [[w1, w2]], bias: [b], activation: tanh}
    - {units: [y], weights: [[v]], activation: identity}
loss: {name: squared_error, factor: 0.5}
data: [{x: [1.0, 2.0], t: 1.0}, {x: [0.5, -1.0], t: 0.0}]
"""


def _run(capsys, *argv):
    code = main(["plot", *argv])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def _image(path, fmt):
    with Image.open(path) as im:
        assert im.format == fmt and im.size[0] > 100 and im.size[1] > 100
        return getattr(im, "n_frames", 1)


@pytest.mark.parametrize("picture", PICTURES)
def test_help_has_examples(capsys, picture):
    with pytest.raises(SystemExit) as exc:
        main(["plot", picture, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"glassnet plot {picture}" in out and "--out" in out


def test_plot_alone_lists_the_pictures(capsys):
    code, out, _ = _run(capsys)
    assert code == 0 and all(p in out for p in PICTURES)


def test_network_from_exercise_and_model(tmp_path, capsys):
    ex = tmp_path / "ex.yaml"
    ex.write_text(EXERCISE)
    out = tmp_path / "net.png"
    code, printed, _ = _run(
        capsys, "network", str(ex), "--sample", "1", "--out", str(out), "--dpi", "40"
    )
    assert code == 0 and printed == str(out) and _image(out, "PNG") == 1
    net = gn.Network([gn.Dense(2, 3, "relu"), gn.Dense(3, 1)], seed=0)
    net.save(tmp_path / "m.glassnet")
    svg = tmp_path / "m.svg"
    code, _, _ = _run(
        capsys, "network", str(tmp_path / "m.glassnet"), "--input", "0.5,-1", "--out", str(svg)
    )
    assert code == 0 and "<svg" in svg.read_text()


def test_curves_and_learning_rate(tmp_path, capsys):
    d = tmp_path / "run"
    d.mkdir()
    hist = {
        "epochs": [
            {"epoch": e, "loss": 1.0 / e, "val_loss": 1.2 / e, "lr": 0.1} for e in (1, 2, 3)
        ],
        "steps": {"lr": [0.1, 0.1, 0.05], "loss": [1, 1, 1]},
    }
    (d / "history.json").write_text(json.dumps(hist))
    code, _, _ = _run(
        capsys,
        "curves",
        str(d),
        str(d / "history.json"),
        "--labels",
        "a,b",
        "--metrics",
        "loss",
        "--out",
        str(tmp_path / "c.png"),
        "--dpi",
        "40",
    )
    assert code == 0 and _image(tmp_path / "c.png", "PNG") == 1
    code, _, _ = _run(
        capsys, "curves", str(d), "--lr", "--out", str(tmp_path / "lr.png"), "--dpi", "40"
    )
    assert code == 0 and _image(tmp_path / "lr.png", "PNG") == 1


def test_trajectories_still_and_gif(tmp_path, capsys):
    code, _, _ = _run(
        capsys,
        "trajectories",
        "--function",
        "beale",
        "--steps",
        "5",
        "--start",
        "1,1",
        "--out",
        str(tmp_path / "t.png"),
        "--dpi",
        "40",
    )
    assert code == 0 and _image(tmp_path / "t.png", "PNG") == 1
    code, _, _ = _run(
        capsys,
        "trajectories",
        "--gif",
        "--steps",
        "4",
        "--frames",
        "3",
        "--out",
        str(tmp_path / "t.gif"),
        "--dpi",
        "30",
    )
    assert code == 0 and _image(tmp_path / "t.gif", "GIF") == 3


def test_gradient_flow_boundary_schedules_dropout(tmp_path, capsys):
    cases = [
        ("gradient-flow", "--depth", "3", "--epochs", "1", "--out", str(tmp_path / "g.png")),
        (
            "boundary",
            "--dataset",
            "moons",
            "--epochs",
            "2",
            "--samples",
            "60",
            "--hidden",
            "4",
            "--out",
            str(tmp_path / "b.png"),
        ),
        (
            "schedules",
            "--steps",
            "20",
            "--only",
            "cosine,step",
            "--set",
            "step.gamma=0.5",
            "--out",
            str(tmp_path / "s.png"),
        ),
        ("dropout", "--rate", "0.3", "--units", "6", "--out", str(tmp_path / "d.png")),
    ]
    for argv in cases:
        code, printed, err = _run(capsys, *argv, "--dpi", "40")
        assert code == 0, err
        assert _image(printed, "PNG") == 1
    code, printed, _ = _run(
        capsys,
        "boundary",
        "--dataset",
        "circles",
        "--epochs",
        "3",
        "--samples",
        "60",
        "--hidden",
        "4",
        "--gif",
        "--frames",
        "2",
        "--out",
        str(tmp_path / "b.gif"),
        "--dpi",
        "30",
    )
    assert code == 0 and _image(printed, "GIF") == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("trajectories", "--function", "himmelblau"), "unknown function"),
        (("trajectories", "--start", "1"), "--start"),
        (("schedules", "--set", "cosine"), "NAME.ARG=VALUE"),
        (("schedules", "--only", "cosin"), "Did you mean 'cosine'"),
        (("dropout", "--out", "picture.jpg"), ".png or .svg"),
        (("dropout", "--mask", "1,x"), "--mask"),
        (("curves", "/no/such/run"), "no history file"),
        (("network", "/no/such/exercise.yaml"), "no such file"),
        (("boundary", "--hidden", "a,b"), "--hidden"),
        (("boundary", "--dataset", "digits", "--epochs", "1"), "not a 2-D Playground set"),
        (("gradient-flow", "--dataset", "digits", "--epochs", "1"), "not a 2-D Playground set"),
        (("curves", "RUN", "--metrics", "loss,f1"), "no 'f1'"),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)  # a command that wrongly succeeds writes its picture here
    if "RUN" in argv:
        (tmp_path / "history.json").write_text(json.dumps({"epochs": [{"epoch": 1, "loss": 1}]}))
        argv = tuple(str(tmp_path) if a == "RUN" else a for a in argv)
    code, _, err = _run(capsys, *argv)
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert err.startswith("glassnet plot: error:")


# ------------------------------------------------------------- values with a leading minus
@pytest.mark.parametrize(
    ("argv", "dest", "value"),
    [
        (("trajectories", "--start", "-1.5,0.05"), "start", "-1.5,0.05"),
        (("trajectories", "--start=-1.5,0.05"), "start", "-1.5,0.05"),
        (("trajectories", "--start", "-.5,1", "--gif"), "start", "-.5,1"),
        (("network", "m.glassnet", "--input", "-0.5,1"), "input", "-0.5,1"),
        (("dropout", "--activations", "-0.2,0.9", "--mask", "1,0"), "activations", "-0.2,0.9"),
        (("schedules", "--lr", "-1e-3"), "lr", -1e-3),
        (("boundary", "--noise", "-2E-1"), "noise", -0.2),
    ],
)
def test_option_values_may_start_with_a_minus_sign(argv, dest, value):
    from glassnet.cli import build_parser

    args = build_parser().parse_args(["plot", *argv])
    assert getattr(args, dest) == value


def test_negative_start_reaches_the_paths(tmp_path, capsys, monkeypatch):
    import glassnet.plot

    seen = {}
    real = glassnet.plot.plot_trajectories

    def spy(*args, **kwargs):
        r = real(*args, **kwargs)
        seen["start"] = r.data["paths"]["SGD"][0]
        return r

    monkeypatch.setattr(glassnet.plot, "plot_trajectories", spy)
    out = tmp_path / "s.png"
    code, _, err = _run(
        capsys, "trajectories", "--function", "saddle", "--steps", "3", "--start", "-1.5,0.05",
        "--out", str(out), "--dpi", "20",
    )  # fmt: skip
    assert code == 0, err
    assert seen["start"].tolist() == [-1.5, 0.05]


# ------------------------------------------------------------- argument errors: one line
@pytest.mark.parametrize(
    "argv",
    [
        ("trajectories", "--steps", "x"),
        ("trajectories", "--start"),
        ("boundary", "--epochs"),
        ("network",),
        ("curves",),
        ("schedules", "--lr", "fast"),
        ("dropout", "--rate"),
        ("gradient-flow", "--depth", "2.5"),
        ("nonsense",),
    ],
)
def test_argument_errors_are_one_line(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(["plot", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("glassnet plot") and len(err.splitlines()) == 1, err


# ------------------------------------------------------------- --sample counts from 1
def test_sample_counts_from_one_like_explain(tmp_path, capsys, monkeypatch):
    import glassnet.plot

    ex = tmp_path / "ex.yaml"
    ex.write_text(EXERCISE)  # two samples
    seen = {}
    real = glassnet.plot.plot_network

    def spy(*args, **kwargs):
        seen.update(kwargs)
        r = real(*args, **kwargs)
        seen["title"] = r.figure.axes[0].get_title()
        return r

    monkeypatch.setattr(glassnet.plot, "plot_network", spy)
    code, _, err = _run(
        capsys, "network", str(ex), "--sample", "2", "--out", str(tmp_path / "n.png")
    )
    assert code == 0, err
    assert seen["sample"] == 1 and "sample 2 of 2" in seen["title"]
    for bad in ("0", "3"):
        code, _, err = _run(capsys, "network", str(ex), "--sample", bad)
        assert code == 2 and "--sample" in err and "1..2" in err and len(err.splitlines()) == 1
    with pytest.raises(SystemExit):
        main(["plot", "network", "--help"])
    assert "counts from 1" in capsys.readouterr().out


def test_attach_negative_values_only_after_options_that_take_a_value():
    from glassnet.cli.plot import attach_negative_values

    words = ["--start", "-1,2", "--gif", "-3", "-o", "-.5", "--", "--start", "-4"]
    assert attach_negative_values(words, {"--start", "-o"}) == [
        "--start=-1,2",
        "--gif",  # a flag: "-3" stays a word of its own (argparse reports it)
        "-3",
        "-o=-.5",
        "--",  # after "--" nothing is rewritten
        "--start",
        "-4",
    ]
    assert attach_negative_values(["--start", "--gif"], {"--start"}) == ["--start", "--gif"]
