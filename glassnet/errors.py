"""The one family of errors glassnet raises for bad input.

Every user-facing error derives from :class:`GlassnetError`, itself a ``ValueError``,
so ``except ValueError`` keeps working. Messages follow one template::

    <where>: <what> must be <constraint>; got <value>. <hint>

The command-line interface prints such an error on one line and exits with code 2.
Anything else that escapes is a bug in glassnet and keeps its traceback.
"""

from __future__ import annotations


class GlassnetError(ValueError):
    """Base class of every error caused by the caller's input."""


class ConfigError(GlassnetError):
    """An unknown name or an out-of-range hyperparameter."""


class ShapeError(GlassnetError):
    """Arrays whose shapes do not fit together."""


class DataError(GlassnetError):
    """Input or target values that cannot be used (NaN, inf, labels out of range, bad files)."""


class CheckpointError(GlassnetError):
    """A model file that is missing, truncated, corrupted or not a glassnet file."""


class ExerciseError(GlassnetError):
    """An exercise file for ``glassnet explain`` that cannot be read; names the path inside it."""


class TrainingError(GlassnetError):
    """Training that cannot go on (for example a non-finite loss)."""
