"""Training: ``fit``, predictions, metrics, callbacks and model files.

``Network.fit/predict/predict_proba/evaluate/save`` and ``glassnet.load`` delegate here::

    hist = net.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=20, batch_size=32,
                   validation_split=0.1, callbacks=[EarlyStopping(patience=5)])
    net.save("model.glassnet");  net = glassnet.load("model.glassnet");  net.fit(X, y, epochs=5)

Modules: :mod:`~glassnet.train.loop` (fit), :mod:`~glassnet.train.run` (TrainingRun),
:mod:`~glassnet.train.history`, :mod:`~glassnet.train.callbacks`,
:mod:`~glassnet.train.metrics`, :mod:`~glassnet.train.inference` (predict, evaluate),
:mod:`~glassnet.train.persistence` (save, load), :mod:`~glassnet.train.config` and
:mod:`~glassnet.train.runs` (the ``glassnet train`` run directory).
"""

from glassnet.train import callbacks, metrics
from glassnet.train.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    JSONLogger,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from glassnet.train.history import History
from glassnet.train.inference import (
    evaluate,
    predict,
    predict_proba,
    prepare_inputs,
    prepare_targets,
    restore_outputs,
)
from glassnet.train.loop import fit
from glassnet.train.persistence import load, read_model_file, save
from glassnet.train.run import EpochState, TrainingRun

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "EpochState",
    "History",
    "JSONLogger",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
    "TrainingRun",
    "callbacks",
    "evaluate",
    "fit",
    "load",
    "metrics",
    "predict",
    "predict_proba",
    "prepare_inputs",
    "prepare_targets",
    "read_model_file",
    "restore_outputs",
    "save",
]
