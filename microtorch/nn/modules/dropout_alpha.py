"""``AlphaDropout``, ``FeatureAlphaDropout`` and ``RReLU``: random in training mode only."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops import dropout_alpha as D
from .dropout import _DropoutNd
from .module import Module

__all__ = ["AlphaDropout", "FeatureAlphaDropout", "RReLU"]


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's self-normalising statistics."""

    _fn = "alpha_dropout"

    def forward(self, input: Tensor) -> Tensor:
        """Alpha dropout of ``input`` when training."""
        return getattr(D, self._fn)(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(AlphaDropout):
    """Alpha dropout of whole channels."""

    _fn = "feature_alpha_dropout"


class RReLU(Module):
    """Leaky ReLU whose negative slope is drawn from ``U(lower, upper)`` in training, their mean in eval."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the randomized leaky ReLU."""
        return D.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")
