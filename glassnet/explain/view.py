"""Read-only helpers over a solution's data: unit symbols, value paths, display modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glassnet.explain.notation import Math, layer_sup, sym, tilde

#: layers with more inputs or units than this are shown as vectors/matrices
SCALAR_UNITS = 4
#: minibatches with more samples than this are shown as whole-batch matrices
PER_SAMPLE_MAX = 3
#: optimizer steps list each parameter's equations up to this many parameters
STEP_PARAMS_MAX = 12


@dataclass
class NetView:
    data: dict[str, Any]

    @property
    def net(self) -> dict[str, Any]:
        return self.data["network"]

    @property
    def L(self) -> int:
        return len(self.net["layers"])

    @property
    def n(self) -> int:
        return len(self.data["data"]["x"])

    @property
    def per_sample(self) -> bool:
        return self.n <= PER_SAMPLE_MAX

    def layer(self, l: int) -> dict[str, Any]:
        return self.net["layers"][l - 1]

    def units(self, l: int) -> list[str]:
        return self.net["inputs"] if l == 0 else self.layer(l)["units"]

    def scalar(self, l: int) -> bool:
        """Show layer l unit by unit (small layers, few samples)."""
        return (
            self.per_sample
            and len(self.units(l)) <= SCALAR_UNITS
            and len(self.units(l - 1)) <= SCALAR_UNITS
        )

    def dropped(self, l: int) -> bool:
        return l >= 1 and self.layer(l)["dropout"] is not None

    # -- the output of unit k of layer l (what layer l+1 receives) -------------------------
    def out_sym(self, l: int, k: int) -> Math:
        u = self.units(l)[k]
        return tilde(u) if self.dropped(l) else sym(u)

    def out_path(self, l: int, s: int, k: int) -> str:
        if l == 0:
            return f"data.x[{s}][{k + 1}]"
        key = "a_dropped" if self.dropped(l) else "a"
        return f"forward[{l}].{key}[{s}][{k + 1}]"

    def out_layer_sym(self, l: int) -> Math:
        """a⁽ˡ⁾ (or ã⁽ˡ⁾ after dropout; x for l = 0) as a vector."""
        if l == 0:
            return Math("x", "x")
        return layer_sup(
            "ã" if self.dropped(l) else "a", r"\tilde{a}" if self.dropped(l) else "a", l
        )

    def sample_path(self, base: str, s: int | None) -> str:
        """``base`` for one-sample data or whole-batch displays, ``base[s]`` for sample s."""
        return base if s is None or self.n == 1 else f"{base}[{s}]"
