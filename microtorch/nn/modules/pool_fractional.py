"""``FractionalMaxPool2d`` / ``FractionalMaxPool3d``."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops import pool_fractional as P
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


def _ntuple(value, d: int):
    if value is None:
        return None
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * d


class _FractionalMaxPoolNd(Module):
    _d = 2

    def __init__(
        self,
        kernel_size,
        output_size=None,
        output_ratio=None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        d, name = self._d, type(self).__name__
        if d == 3 and not all(k > 0 for k in _ntuple(kernel_size, d)):  # torch checks in 3-d only
            raise ValueError(f"kernel_size must be greater than 0, but got {kernel_size}")
        self.kernel_size = _ntuple(kernel_size, d)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size, self.output_ratio = _ntuple(output_size, d), _ntuple(output_ratio, d)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor):
        """Pool ``input`` (values, and indices with ``return_indices``)."""
        fn = P.fractional_max_pool2d if self._d == 2 else P.fractional_max_pool3d
        return fn(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-d fractional max pooling."""


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-d fractional max pooling."""

    _d = 3
