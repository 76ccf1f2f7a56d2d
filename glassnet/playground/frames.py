"""The frame encoder: pictures over the plane, weights, gradients and losses of one session.

The plane is sampled on a G×G grid over the session's extent [xmin, xmax] × [ymin, ymax],
row-major with row 0 at y = ymax (as an image)::

    x_c = xmin + c·(xmax − xmin)/(G − 1)        y_r = ymax − r·(ymax − ymin)/(G − 1)

The grid's feature map Φ_grid = φ(x, y) (G², F) is computed once per (features, G, extent)
and cached; each frame is ONE batched evaluation-mode ``Network.forward_pass`` over it, from
which the output and every hidden unit's activation a^l_j are taken. Arrays travel as
base64 of little-endian float32 (docs/playground.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.playground.session import Session, b64f32, feature_map


class GridCache:
    """Φ over the grid, recomputed only when the features, the grid size or the extent change."""

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self.phi: np.ndarray | None = None

    def get(self, features: list[str], grid: int, extent: tuple[float, ...]) -> np.ndarray:
        key = (tuple(features), grid, tuple(extent))
        if key != self._key or self.phi is None:
            xmin, xmax, ymin, ymax = extent
            xs = np.linspace(xmin, xmax, grid)
            ys = np.linspace(ymax, ymin, grid)
            gx, gy = np.meshgrid(xs, ys)  # gx[r, c] = xs[c], gy[r, c] = ys[r]
            self.phi = feature_map(np.column_stack([gx.ravel(), gy.ravel()]), features)
            self._key = key
        return self.phi


def encode_frame(session: Session, cache: GridCache) -> dict[str, Any]:
    """The protocol's "frame" message for the session's current state."""
    net = session.net
    grid = session.cfg["grid"]
    phi = cache.get(session.features, grid, session.extent)
    with np.errstate(all="ignore"):
        p = net.forward_pass(phi, validate=False)
    hidden = p.layers[:-1]
    # each hidden layer's (G², units) activations → one contiguous float32 row per unit
    units = [[b64f32(row) for row in np.asarray(rec.a, dtype="<f4").T] for rec in hidden]
    frame = {
        "type": "frame", "epoch": session.epoch, "step": session.step_count,
        "lr": session.lr, "grid": grid, "extent": list(session.extent),
        "output": b64f32(p.output[:, 0]), "units": units,
        "weights": [b64f32(layer.W) for layer in net.layers],
        "grads": [b64f32(layer.grad_W) for layer in net.layers],
        "biases": [b64f32(layer.b) for layer in net.layers],
        "grad_biases": [b64f32(layer.grad_b) for layer in net.layers],
        "batch_loss": session.last_loss if np.isfinite(session.last_loss) else None,
        "playing": session.playing,
    }
    frame.update(session.scores())
    return frame
