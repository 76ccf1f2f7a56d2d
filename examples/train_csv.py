"""Train a classifier on a CSV file with the Python API.

The data: examples/data/wine.csv — the UCI Wine data set (Forina et al., PARVUS; UCI
Machine Learning Repository, CC BY 4.0; copied from scikit-learn's bundled copy): 178 wines
from three cultivars, 13 chemical measurements each (alcohol, malic acid, ..., proline).
The measurements have very different scales (hue ≈ 1, proline ≈ 1000), so the inputs are
standardized with the training part's mean and standard deviation.

Run:  python examples/train_csv.py [path/to/file.csv --target COLUMN]
The same from the command line:
      glassnet train --dataset examples/data/wine.csv --target cultivar --hidden 16 --lr 0.01 \
                     --dropout 0.1 --epochs 60 --batch-size 16
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import glassnet as gn
from glassnet.datasets import Standardizer, load_csv
from glassnet.train import EarlyStopping

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", default=HERE / "data" / "wine.csv")
    parser.add_argument("--target", default="cultivar")
    args = parser.parse_args()

    # 1. load: header row, numeric features, a named target column (string labels are fine)
    ds = load_csv(args.csv, target=args.target, test_fraction=0.25, seed=0)
    print(ds.summary())
    print("classes:", ", ".join(ds.class_names))

    # 2. standardize with statistics of the training part only
    scaler = Standardizer().fit(ds.X_train)
    X_train, X_test = scaler.transform(ds.X_train), scaler.transform(ds.X_test)

    # 3. a small MLP; softmax output + cross-entropy
    net = gn.Network([
        gn.Dense(ds.n_features, 16, activation="relu", dropout=0.1),
        gn.Dense(16, ds.n_classes, activation="softmax"),
    ], seed=0)
    history = net.fit(
        X_train, ds.y_train, loss="cross_entropy", optimizer="adam", lr=1e-2, epochs=100,
        batch_size=16, validation_split=0.2, verbose=0,
        callbacks=[EarlyStopping("val_loss", patience=15)],  # restores the best weights
    )
    best = history.best("val_loss")
    print(f"trained {len(history)} epochs ({history.meta['stop_reason']}); best val_loss "
          f"{best['val_loss']:.4f} at epoch {best['epoch']}")

    # 4. evaluate on the held-out test part
    scores = net.evaluate(X_test, ds.y_test, detailed=True)
    print(f"test accuracy {scores['accuracy']:.3f}, macro F1 {scores['macro_f1']:.3f}")
    print("confusion matrix (rows: true cultivar):")
    print(scores["confusion_matrix"])

    # 5. save, load, predict: the model file holds weights, optimizer state and history
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wine.glassnet"
        net.save(path)
        again = gn.load(path)
        predicted = again.predict(X_test[:5])
        print("first test wines:", [ds.class_names[i] for i in predicted],
              "true:", [ds.class_names[i] for i in ds.y_test[:5]])


if __name__ == "__main__":
    main()
