"""Dropout layers (active in training mode only)."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops import dropout as D
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class _DropoutNd(Module):
    _fn = "dropout"

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:  # as torch: NaN is accepted here and refused by the forward
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        """Zero elements (or channels) with probability ``p`` and rescale, when training."""
        return getattr(D, self._fn)(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Elementwise dropout with inverted scaling 1/(1-p)."""


class Dropout1d(_DropoutNd):
    """Channel-wise dropout for (N, C, L) input."""

    _fn = "dropout1d"


class Dropout2d(_DropoutNd):
    """Channel-wise dropout for (N, C, H, W) input."""

    _fn = "dropout2d"


class Dropout3d(_DropoutNd):
    """Channel-wise dropout for (N, C, D, H, W) input."""

    _fn = "dropout3d"
