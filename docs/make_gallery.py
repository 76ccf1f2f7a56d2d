"""Regenerate the pictures of docs/gallery.md into docs/gallery/ (15 to 40 seconds).

    .venv/bin/python docs/make_gallery.py            # every picture
    .venv/bin/python docs/make_gallery.py curves     # only those whose name contains "curves"

Everything is seeded: running it twice gives the same numbers (PNG bytes may differ with
the matplotlib version). Each picture is also available from the command line; the
``glassnet plot ...`` equivalent is printed next to it in docs/gallery.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet import plot
from glassnet.datasets import Standardizer, load_dataset
from glassnet.explain import load_exercise

OUT = Path(__file__).resolve().parent / "gallery"

#: Matt Mazur's "step by step backpropagation example" as a glassnet exercise (one sample)
MAZUR = {
    "title": "2-2-2 sigmoid network, one training sample (Mazur's example)",
    "params": {
        "w1": 0.15,
        "w2": 0.20,
        "w3": 0.25,
        "w4": 0.30,
        "b1": 0.35,
        "w5": 0.40,
        "w6": 0.45,
        "w7": 0.50,
        "w8": 0.55,
        "b2": 0.60,
    },
    "network": {
        "inputs": ["i1", "i2"],
        "layers": [
            {
                "units": ["h1", "h2"],
                "weights": [["w1", "w2"], ["w3", "w4"]],
                "bias": ["b1", "b1"],
                "activation": "sigmoid",
            },
            {
                "units": ["o1", "o2"],
                "weights": [["w5", "w6"], ["w7", "w8"]],
                "bias": ["b2", "b2"],
                "activation": "sigmoid",
            },
        ],
    },
    "loss": {"name": "squared_error", "factor": 0.5, "reduction": "sum"},
    "data": {"x": [0.05, 0.10], "t": [0.01, 0.99]},
}


def network_exercise() -> None:
    ex = load_exercise(MAZUR)
    plot.plot_network(ex, OUT / "network_exercise.png")


def network_dropout() -> None:
    net = gn.Network(
        [
            gn.Dense(3, 4, "relu", dropout={"rate": 0.5, "scaling": "inverted"}),
            gn.Dense(4, 2, "softmax"),
        ],
        dtype="float64",
        seed=4,
    )
    x = np.array([[0.8, -0.3, 0.5], [0.1, 0.9, -0.7]])
    plot.plot_network(
        net,
        OUT / "network_dropout.png",
        x=x,
        targets=[1, 0],
        loss="cross_entropy",
        masks=[[0, 1, 1, 0], None],
        gradients=False,
        title="3-4-2 network in training, dropout mask (0, 1, 1, 0) on layer 1",
    )


def _digits():
    data = load_dataset("digits")
    scaler = Standardizer().fit(data.X_train)
    return data, scaler.transform(data.X_train), scaler.transform(data.X_test)


def network_blocks() -> None:
    data, Xtr, _ = _digits()
    net = gn.Network(
        [
            gn.Dense(64, 128, "relu", dropout=0.2),
            gn.Dense(128, 64, "relu"),
            gn.Dense(64, 10, "softmax"),
        ],
        seed=0,
    )
    net.fit(
        Xtr,
        data.y_train,
        loss="cross_entropy",
        optimizer={"name": "adam", "lr": 1e-3},
        epochs=5,
        batch_size=32,
        verbose=0,
    )
    plot.plot_network(
        net,
        OUT / "network_blocks.png",
        x=Xtr[:1],
        title="digits MLP 64 → 128 → 64 → 10 after 5 epochs, one input digit",
    )


def curves_optimizers() -> None:
    data, Xtr, Xte = _digits()
    hists = []
    settings = [
        ("SGD", {"name": "sgd", "lr": 0.05}),
        ("Momentum", {"name": "momentum", "lr": 0.05, "beta": 0.9}),
        ("RMSprop", {"name": "rmsprop", "lr": 1e-3}),
        ("Adam", {"name": "adam", "lr": 1e-3}),
    ]
    for _, opt in settings:
        net = gn.Network([gn.Dense(64, 64, "relu"), gn.Dense(64, 10, "softmax")], seed=0)
        hists.append(
            net.fit(
                Xtr,
                data.y_train,
                loss="cross_entropy",
                optimizer=opt,
                epochs=20,
                batch_size=64,
                validation_data=(Xte, data.y_test),
                verbose=0,
            )
        )
    plot.training_curves(
        hists,
        OUT / "curves_optimizers.png",
        labels=[s[0] for s in settings],
        title="digits, 64-64-10 ReLU MLP: four optimizers from the same start",
    )


def curves_dropout() -> None:
    data, Xtr, Xte = _digits()
    hists, labels = [], []
    for rate in (0.0, 0.3, 0.6):
        net = gn.Network(
            [gn.Dense(64, 256, "relu", dropout=rate or None), gn.Dense(256, 10, "softmax")], seed=0
        )
        hists.append(
            net.fit(
                Xtr[:300],
                data.y_train[:300],
                loss="cross_entropy",
                optimizer={"name": "adam", "lr": 1e-3},
                epochs=40,
                batch_size=32,
                validation_data=(Xte, data.y_test),
                verbose=0,
            )
        )
        labels.append(f"dropout {rate:g}")
    plot.training_curves(
        hists,
        OUT / "curves_dropout.png",
        labels=labels,
        title="300 training digits, 64-256-10: dropout against overfitting",
    )


def learning_rate_and_confusion() -> None:
    data, Xtr, Xte = _digits()
    net = gn.Network([gn.Dense(64, 64, "relu"), gn.Dense(64, 10, "softmax")], seed=0)
    steps = 15 * int(np.ceil(Xtr.shape[0] / 64))
    hist = net.fit(
        Xtr,
        data.y_train,
        loss="cross_entropy",
        optimizer={"name": "sgd", "lr": 0.1, "momentum": 0.9},
        schedule={"name": "warmup_cosine", "warmup_steps": steps // 10, "total_steps": steps},
        epochs=15,
        batch_size=64,
        verbose=0,
    )
    plot.learning_rate(
        hist,
        OUT / "learning_rate.png",
        labels=["warmup_cosine, SGD"],
        title="Learning rate of each update: warm-up then cosine (digits run)",
    )
    pred = net.predict(Xte)
    cm = np.zeros((10, 10), dtype=int)
    np.add.at(cm, (data.y_test, pred), 1)
    plot.confusion_matrix(
        cm,
        data.class_names,
        OUT / "confusion.png",
        title=f"digits test set: confusion matrix (accuracy {np.trace(cm) / cm.sum():.1%})",
    )


def trajectories() -> None:
    for name in ("quadratic", "rosenbrock", "saddle", "beale"):
        plot.plot_trajectories(name, OUT / f"trajectories_{name}.png")
    plot.animate_trajectories("quadratic", OUT / "trajectories_quadratic.gif", frames=31, fps=6)


def gradient_flow() -> None:
    runs = plot.gradient_flow_experiment(("sigmoid", "tanh", "relu"))
    plot.plot_gradient_flow(runs, OUT / "gradient_flow.png")


def boundary() -> None:
    epochs = {"spiral": 200, "xor": 60, "plane": 50}
    for name in ("spiral", "xor", "plane"):
        hidden = (8,) if name == "plane" else (32, 32)
        demo = plot.train_boundary_demo(name, hidden=hidden, epochs=epochs[name])
        d, rec = demo["data"], demo["recorder"]
        names = ("x₁ / 6", "x₂ / 6")
        plot.plot_decision_boundary(
            rec,
            d.X_train / 6,
            d.y_train,
            OUT / f"boundary_{name}.png",
            X_test=d.X_test / 6,
            y_test=d.y_test,
            feature_names=names,
        )
        if name == "spiral":
            plot.animate_decision_boundary(
                rec,
                d.X_train / 6,
                d.y_train,
                OUT / "boundary_spiral.gif",
                max_frames=30,
                fps=4,
                feature_names=names,
            )


def schedules() -> None:
    plot.plot_schedules(OUT / "schedules.png")


def dropout() -> None:
    plot.plot_dropout(OUT / "dropout.png")


def homework_class_report() -> None:
    """The example homework for 30 students, a fake class with planted mistakes, graded."""
    import importlib.util
    import shutil
    import tempfile

    from glassnet.homework.classgrade import grade_class
    from glassnet.homework.make import make_homework
    from glassnet.homework.report import write_report

    examples = Path(__file__).resolve().parent.parent / "examples" / "homework"
    spec = importlib.util.spec_from_file_location("fake_class", examples / "fake_class.py")
    fake = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fake)
    with tempfile.TemporaryDirectory() as tmp:
        hw = Path(tmp) / "hw"
        make_homework(examples / "spec.yaml", examples / "roster.csv", hw, pdf=False)
        fake.main([str(hw), str(Path(tmp) / "subs.csv")])
        write_report(grade_class(hw, Path(tmp) / "subs.csv"), Path(tmp) / "grades")
        shutil.copyfile(Path(tmp) / "grades" / "report.png", OUT / "homework_class_report.png")


PICTURES = [
    network_exercise,
    network_dropout,
    network_blocks,
    curves_optimizers,
    curves_dropout,
    learning_rate_and_confusion,
    trajectories,
    gradient_flow,
    boundary,
    schedules,
    dropout,
    homework_class_report,
]


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for make in PICTURES:
        if argv and not any(a in make.__name__ for a in argv):
            continue
        t0 = time.perf_counter()
        make()
        print(f"{make.__name__:<30} {time.perf_counter() - t0:5.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
