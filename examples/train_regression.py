"""Regression on a 2-D Playground set: learn t = (x1 + x2) / 10 (+ noise) on [-6, 6]².

A tanh MLP with an identity output and squared-error loss (½ convention), trained with
Adam and a cosine learning-rate schedule; reports test MSE, MAE and R², and writes the
training curves and the learning rate per step as PNG files.

Run:  python examples/train_regression.py [--noise 0.2] [--out plots_dir]
The same from the command line:
      glassnet train --dataset plane --dataset-option noise=0.2 --hidden 8,8 \
                     --activation tanh --dropout 0 --lr 0.01 --schedule cosine --epochs 100
"""

from __future__ import annotations

import argparse
from pathlib import Path

import glassnet as gn
from glassnet.datasets import load_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", type=float, default=0.2)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--out", type=Path, default=None, help="write plots to this folder")
    args = parser.parse_args()

    ds = load_dataset("plane", n_samples=1000, noise=args.noise, seed=0)
    print(ds.summary())
    # inputs lie in [-6, 6]: scale them to about [-1, 1] (targets are already small)
    X_train, X_test = ds.X_train / 6.0, ds.X_test / 6.0

    net = gn.Network([
        gn.Dense(2, 8, activation="tanh"),
        gn.Dense(8, 8, activation="tanh"),
        gn.Dense(8, 1, activation="identity"),
    ], dtype="float64", seed=0)
    history = net.fit(
        X_train, ds.y_train, loss="squared_error", optimizer="adam", lr=1e-2,
        schedule="cosine",  # cosine annealing over all updates (T_max filled in by fit)
        epochs=args.epochs, batch_size=32, validation_split=0.2, metrics=["mae", "r2"],
        verbose=0,
    )
    last = history.last
    print(f"after {len(history)} epochs: train loss {last['loss']:.5f}, val_loss "
          f"{last['val_loss']:.5f}, val R² {last['val_r2']:.4f}, final lr {last['lr']:.2e}")

    scores = net.evaluate(X_test, ds.y_test, detailed=True)
    print(f"test: MSE {scores['mse']:.5f}, MAE {scores['mae']:.4f}, R² {scores['r2']:.4f}")
    for x1, x2 in ((3.0, 3.0), (-6.0, 1.2)):
        y = net.predict([[x1 / 6.0, x2 / 6.0]])[0, 0]
        print(f"  x = ({x1:+.1f}, {x2:+.1f}) → {y:+.4f} (noise-free target {(x1 + x2) / 10:+.4f})")

    if args.out is not None:
        from glassnet import plot

        args.out.mkdir(parents=True, exist_ok=True)
        plot.training_curves(history, args.out / "regression_curves.png", metrics=("loss", "mae"))
        plot.learning_rate(history, args.out / "regression_lr.png")
        print(f"plots written to {args.out}")


if __name__ == "__main__":
    main()
