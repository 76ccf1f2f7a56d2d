"""Pictures of networks, training runs, optimizers and regularization (matplotlib, headless).

Every function draws on its own ``matplotlib.figure.Figure`` with an Agg canvas (no pyplot,
no backend switch), writes PNG or SVG by the file extension (GIF for animations) when given
a path, and returns a :class:`PlotResult`: ``.path`` (the file written), ``.figure`` and
``.data`` (the arrays exactly as drawn, to check or reuse). A PlotResult is also
``os.PathLike``: it is "the path written" for callers that only want that.

==============================  =============================================================
``plot_network``                neurons coloured by activation, edges by weight; blocks when
                                a layer has more than 12 units
``training_curves``             train / validation loss and metrics per epoch, runs overlaid
``learning_rate``               η per optimizer step of a run
``confusion_matrix``            counts (or row shares) of true vs predicted classes
``plot_trajectories``           SGD, Momentum, RMSprop, Adam on 2-D test functions;
``animate_trajectories``        the same as an animated GIF
``GradientFlowRecorder``        callback: per-layer gradient norms, saturated / dead units
``plot_gradient_flow``          its picture (several runs side by side)
``DecisionBoundaryRecorder``    callback: predictions on a grid after every epoch
``plot_decision_boundary``      still picture; ``animate_decision_boundary``: GIF
``plot_schedules``              the curve of every learning-rate schedule
``plot_dropout``                one input's activations with dropped units, both scalings
==============================  =============================================================

Importing ``glassnet`` does not import this package; importing this package does not
import matplotlib until a picture is drawn.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "PlotResult": "style",
    "OKABE_ITO": "style",
    "plot_network": "network_diagram",
    "training_curves": "curves",
    "learning_rate": "curves",
    "load_history": "curves",
    "confusion_matrix": "confusion",
    "TEST_FUNCTIONS": "trajectories",
    "optimizer_paths": "trajectories",
    "plot_trajectories": "trajectories",
    "animate_trajectories": "trajectories",
    "GradientFlowRecorder": "gradient_flow",
    "plot_gradient_flow": "gradient_flow",
    "gradient_flow_experiment": "gradient_flow",
    "DecisionBoundaryRecorder": "decision_boundary",
    "plot_decision_boundary": "decision_boundary",
    "animate_decision_boundary": "decision_boundary",
    "train_boundary_demo": "decision_boundary",
    "plot_schedules": "schedules",
    "plot_dropout": "dropout",
    "class_report": "class_report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'glassnet.plot' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"glassnet.plot.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
