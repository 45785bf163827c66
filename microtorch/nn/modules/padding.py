"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad``, ``CircularPad`` in 1-3 d.

``padding`` is an int (every side) or a tuple in ``F.pad`` order (last dim first:
left, right, top, bottom, front, back).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..._tensor import Tensor
from ...ops.padding import pad
from .module import Module

__all__ = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


class _PadNd(Module):
    """Pad the last ``_n`` dims with ``F.pad`` in mode ``_mode``."""

    _n = 0
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        # stored as given, as PyTorch's _ntuple does: F.pad checks the values when the layer runs
        self.padding = tuple(padding) if isinstance(padding, Iterable) else (padding,) * (2 * self._n)

    def forward(self, input: Tensor) -> Tensor:
        """Pad ``input``."""
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return repr(self.padding)


class _ConstantPadNd(_PadNd):
    """Pad the last ``_n`` dims with a constant ``value``."""

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """Pad ``input`` with ``value``."""
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ZeroPad1d(_PadNd):
    """Pad the last dim with zeros."""

    _n = 1


class ZeroPad2d(_PadNd):
    """Pad the last 2 dims with zeros."""

    _n = 2


class ZeroPad3d(_PadNd):
    """Pad the last 3 dims with zeros."""

    _n = 3


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant value."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with a constant value."""

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with a constant value."""

    _n = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim by reflecting the input at its edges."""

    _n = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dims by reflecting the input at its edges."""

    _n = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dims by reflecting the input at its edges."""

    _n = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating the edge values."""

    _n = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dims by repeating the edge values."""

    _n = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dims by repeating the edge values."""

    _n = 3
    _mode = "replicate"


class _CircularPadNd(_PadNd):
    """Circular padding layers check the input's rank themselves, as PyTorch's (a ValueError)."""

    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        """Pad ``input`` periodically."""
        if isinstance(input, Tensor) and input.dim() not in (self._n + 1, self._n + 2):
            raise ValueError(f"expected {self._n + 1}D or {self._n + 2}D input (got {input.dim()}D input)")
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    """Pad the last dim by wrapping around (periodic)."""

    _n = 1


class CircularPad2d(_CircularPadNd):
    """Pad the last 2 dims by wrapping around (periodic)."""

    _n = 2


class CircularPad3d(_CircularPadNd):
    """Pad the last 3 dims by wrapping around (periodic)."""

    _n = 3
