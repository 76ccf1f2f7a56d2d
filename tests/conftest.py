"""Shared fixtures. Nothing global: every random draw comes from an explicit generator.

RuntimeWarnings are errors for the whole suite (``filterwarnings`` in pyproject.toml), so
an overflow or a log(0) anywhere in the engine fails the test that caused it.
"""

from __future__ import annotations

import numpy as np
import pytest

SEED = 20240611


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator with a fixed seed for each test (tests stay independent)."""
    return np.random.default_rng(SEED)
