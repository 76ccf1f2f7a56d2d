"""Assemble the worked solution in the order a person solves the exercise."""

from __future__ import annotations

from typing import Any

from glassnet.explain.compose_backward import compose_backward
from glassnet.explain.compose_forward import compose_forward
from glassnet.explain.compose_gradients import compose_gradients
from glassnet.explain.compose_intro import compose_intro
from glassnet.explain.compose_loss import compose_loss
from glassnet.explain.compose_steps import compose_steps
from glassnet.explain.document import Doc


def compose(data: dict[str, Any], precision: int = 4) -> Doc:
    """Conventions → forward → loss → backward → gradients → optimizer steps → result."""
    doc = Doc(data, precision)
    compose_intro(doc)
    if data.get("network") is not None:
        compose_forward(doc)
        compose_loss(doc)
        compose_backward(doc)
        compose_gradients(doc)
    compose_steps(doc)
    return doc
