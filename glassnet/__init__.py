"""glassnet: multilayer neural networks with explicit backpropagation.

One NumPy engine serves worked solutions (``glassnet explain``), training
(``Network.fit``, ``glassnet train``) and pictures (``glassnet plot``). Importing glassnet
imports NumPy only; matplotlib, tqdm and YAML load when a feature needs them.
"""

from glassnet import optim, schedules
from glassnet.activations import ACTIVATIONS, Activation, get_activation
from glassnet.dropout import Dropout
from glassnet.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    ExerciseError,
    GlassnetError,
    ShapeError,
    TrainingError,
)
from glassnet.gradcheck import GradientCheck, check_gradients, compare_gradients, numerical_gradient
from glassnet.layers import Dense
from glassnet.losses import (
    LOSSES,
    BinaryCrossEntropy,
    CrossEntropy,
    Loss,
    SquaredError,
    get_loss,
)
from glassnet.network import LayerRecord, Network, ParamSlot, Pass
from glassnet.regularization import Regularization

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Activation",
    "BinaryCrossEntropy",
    "CheckpointError",
    "ConfigError",
    "CrossEntropy",
    "DataError",
    "Dense",
    "Dropout",
    "ExerciseError",
    "GlassnetError",
    "GradientCheck",
    "LayerRecord",
    "Loss",
    "Network",
    "ParamSlot",
    "Pass",
    "Regularization",
    "ShapeError",
    "SquaredError",
    "TrainingError",
    "__version__",
    "check_gradients",
    "compare_gradients",
    "explain",
    "get_activation",
    "get_loss",
    "load",
    "numerical_gradient",
    "optim",
    "schedules",
]


def load(path, **options):
    """Load a model file written by ``Network.save`` (see :func:`glassnet.train.load`)."""
    from glassnet.train import load as _load

    return _load(path, **options)


def explain(source, **options):
    """Worked solution for an exercise (file path, YAML/JSON text or dict); see glassnet.explain."""
    from glassnet.explain import explain as _explain

    return _explain(source, **options)
