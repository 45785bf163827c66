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

__all__ = ["shapes", "tensors", "broadcastable_shapes", "away_from", "arrays", "pool_configs", "conv_configs"]


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


@st.composite
def pool_configs(
    draw, dims=(1, 2, 3), max_side: int = 6, max_kernel: int = 3, dilation: bool = True, ceil_mode: bool = True
):
    """Valid pooling configurations: a dict with ``shape`` (N, C, *spatial), ``kernel_size``,
    ``stride``, ``padding``, ``dilation`` and ``ceil_mode`` (each a tuple per spatial dim),
    always giving at least one output window (PyTorch's size rules)."""
    k = draw(st.sampled_from(tuple(dims)))
    kernel, stride, padding, dil, spatial = [], [], [], [], []
    for _ in range(k):
        kk = draw(st.integers(1, max_kernel))
        d = draw(st.integers(1, 2)) if dilation else 1
        span = (kk - 1) * d + 1
        p = draw(st.integers(0, kk // 2))
        n = draw(st.integers(max(1, span - 2 * p), max(max_side, span)))
        kernel.append(kk)
        dil.append(d)
        padding.append(p)
        spatial.append(n)
        stride.append(draw(st.integers(1, 3)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + tuple(spatial)
    return {
        "shape": shape,
        "kernel_size": tuple(kernel),
        "stride": tuple(stride),
        "padding": tuple(padding),
        "dilation": tuple(dil),
        "ceil_mode": draw(st.booleans()) if ceil_mode else False,
    }


@st.composite
def conv_configs(
    draw, dims=(1, 2, 3), max_side: int = 6, max_kernel: int = 3, max_channels: int = 2, transposed: bool = False
):
    """Valid convolution configurations: a dict with ``input_shape`` (N, C_in, *spatial),
    ``weight_shape``, ``stride``, ``padding`` (tuple, or ``'same'`` / ``'valid'`` when not
    ``transposed``), ``dilation``, ``groups``, ``bias`` (bool) and, for transposed
    convolution, ``output_padding``; the output is never empty (PyTorch's size rules)."""
    k = draw(st.sampled_from(tuple(dims)))
    groups = draw(st.integers(1, 2))
    cin = groups * draw(st.integers(1, max_channels))
    cout = groups * draw(st.integers(1, max_channels))
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(k))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(k))
    spans = [(kk - 1) * d + 1 for kk, d in zip(kernel, dilation)]
    if transposed:
        stride = tuple(draw(st.integers(1, 3)) for _ in range(k))
        padding = tuple(draw(st.integers(0, (sp - 1) // 2)) for sp in spans)
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
        spatial = tuple(draw(st.integers(1, max(1, max_side // 2))) for _ in range(k))
        return {
            "input_shape": (draw(st.integers(1, 2)), cin) + spatial,
            "weight_shape": (cin, cout // groups) + kernel,
            "stride": stride,
            "padding": padding,
            "output_padding": output_padding,
            "dilation": dilation,
            "groups": groups,
            "bias": draw(st.booleans()),
        }
    mode = draw(st.sampled_from(("int", "int", "same", "valid")))
    if mode == "same":
        stride = (1,) * k
        padding = "same"
        spatial = tuple(draw(st.integers(1, max_side)) for _ in range(k))
    else:
        stride = tuple(draw(st.integers(1, 3)) for _ in range(k))
        pads = tuple(draw(st.integers(0, 2)) for _ in range(k))
        spatial = tuple(draw(st.integers(max(1, sp - 2 * p), max(max_side, sp))) for sp, p in zip(spans, pads))
        padding = pads if mode == "int" else "valid"
        if mode == "valid":
            spatial = tuple(max(n, sp) for n, sp in zip(spatial, spans))
    return {
        "input_shape": (draw(st.integers(1, 2)), cin) + spatial,
        "weight_shape": (cout, cin // groups) + kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "bias": draw(st.booleans()),
    }
