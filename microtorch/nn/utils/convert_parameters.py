"""Flatten parameters into one vector and back."""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...ops.shape import cat, reshape

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    """One 1-D tensor of all parameters, in order (differentiable)."""
    return cat([reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (in place)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    offset = 0
    for p in parameters:
        n = p.numel()
        np.copyto(p._data, vec._data[offset : offset + n].reshape(p.shape))
        p._vc.value += 1
        offset += n
