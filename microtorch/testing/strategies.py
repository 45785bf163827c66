"""Hypothesis strategies for property-testing ops (import requires ``hypothesis``).

Example::

    from hypothesis import given
    from microtorch.testing import assert_gradients_match
    from microtorch.testing.strategies import tensors

    @given(tensors(shape=(3, 4), dtype="float64"))
    def test_my_op(x):
        assert_gradients_match(my_op, x)
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import _dtype as dt
from .._tensor import Tensor

__all__ = ["shapes", "tensors", "broadcastable_shapes", "away_from", "arrays"]


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5):
    """Tensor shapes with the given rank and side ranges."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def arrays(shape, dtype="float64", low: float = -10.0, high: float = 10.0, unique: bool = False, min_gap: float = 0.0):
    """numpy arrays of ``shape`` with finite values in [low, high].

    ``min_gap`` > 0 keeps all values at least that far apart (no ties: useful for max,
    sort and pooling gradients).
    """
    npdt = dt.to_numpy_dtype(dtype)
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(lambda s: arrays(s, dtype, low, high, unique, min_gap))
    if npdt.kind == "b":
        return hnp.arrays(np.bool_, shape)
    if npdt.kind in "iu":
        return hnp.arrays(npdt, shape, elements=st.integers(int(low), int(high)), unique=unique)
    if min_gap > 0:
        n = int(np.prod(shape)) if len(shape) else 1
        span = high - low
        if n * min_gap > span:
            raise ValueError(f"arrays: {n} values cannot be {min_gap} apart within [{low}, {high}]")
        # distinct grid points, shuffled, plus small jitter that keeps the gaps
        slots = int(span / min_gap)
        return st.lists(st.integers(0, slots - 1), min_size=n, max_size=n, unique=True).map(
            lambda idx: (low + np.asarray(idx, dtype=np.float64) * min_gap).reshape(shape).astype(npdt)
        )
    width = 32 if npdt == np.float32 else 64
    return hnp.arrays(
        npdt, shape, elements=st.floats(low, high, allow_nan=False, allow_infinity=False, width=width), unique=unique
    )


def tensors(
    shape=None,
    dtype="float64",
    low: float = -10.0,
    high: float = 10.0,
    requires_grad: bool = False,
    min_gap: float = 0.0,
    away_from_points=(),
    margin: float = 1e-3,
):
    """microtorch Tensors; ``shape`` may be a tuple or a strategy of shapes.

    ``away_from_points`` keeps every value at least ``margin`` from each point (e.g.
    ``(0.0,)`` for relu or abs, so finite differences never straddle a kink).
    """
    shape = shapes() if shape is None else shape
    strat = arrays(shape, dtype, low, high, min_gap=min_gap)
    if away_from_points:
        strat = strat.map(lambda a: away_from(a, away_from_points, margin))

    def make(a):
        t = Tensor._make(np.ascontiguousarray(a))
        return t.requires_grad_(True) if requires_grad and t.dtype.is_floating_point else t

    return strat.map(make)


def away_from(a: np.ndarray, points, margin: float = 1e-3) -> np.ndarray:
    """Move values that lie within ``margin`` of any point to exactly ``margin`` away."""
    a = np.array(a, copy=True)
    for p in points:
        near = np.abs(a - p) < margin
        a[near] = p + np.where(a[near] >= p, margin, -margin)
    return a


@st.composite
def broadcastable_shapes(draw, num_shapes: int = 2, min_dims: int = 0, max_dims: int = 4, max_side: int = 4):
    """A tuple of shapes that broadcast together (PyTorch / numpy rules)."""
    base = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side))
    result = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=num_shapes, base_shape=base, min_dims=min_dims, max_dims=max_dims, max_side=max_side
        )
    )
    return result.input_shapes
