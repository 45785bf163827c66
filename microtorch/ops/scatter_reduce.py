"""``scatter_reduce`` with every reduction (sum, prod, mean, amax, amin) and its gradients."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ._index_common import (
    _as_1d,
    _bool_arg,
    _check_bounds,
    _check_scatter_shape,
    _const,
    _index_array,
    _int_arg,
    _shape1,
    _tensor_arg,
    _type_name,
    _with_out,
)
from ._util import wrap_dim
from .elementwise import where
from .gather_scatter import Gather, _accumulate, _full_index, _read_src, _scatter_src, _src_grad
from .shape import GetItem, index_add_into, reshape

# --- scatter_reduce ----------------------------------------------------------------------
_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_REDUCE_ALIASES = {"max": "amax", "min": "amin"}  # spellings torch's kernel accepts as well


def _hit_counts(shape: tuple, idx: np.ndarray, dim: int) -> np.ndarray:
    """How many source elements land on each position of the result."""
    counts = np.zeros(shape, dtype=np.int64)
    np.add.at(counts, _full_index(idx, dim), 1)
    return counts


def _extreme_identity(npdt: np.dtype, take_max: bool):
    if npdt.kind == "f":
        return -np.inf if take_max else np.inf
    if npdt.kind == "b":
        return not take_max
    info = np.iinfo(npdt)
    return info.min if take_max else info.max


class ScatterExtreme(Op):
    """``scatter_reduce`` with amax / amin: tied elements share the gradient evenly (torch's rule)."""

    torch_name = "ScatterReduceBackward0"

    def forward(self, x, src, idx, dim, take_max, include_self):
        out = x._data.copy()
        key, vals = _full_index(idx, dim), _read_src(src._data, idx)
        hit = _hit_counts(out.shape, idx, dim) > 0
        if not include_self:
            out[hit] = _extreme_identity(out.dtype, take_max)
        (np.maximum if take_max else np.minimum).at(out, key, vals)
        self_wins = x._data == out  # counted among the ties even when excluded (torch's formula)
        src_wins = vals == out[key]
        ties = self_wins.astype(np.float64)
        np.add.at(ties, key, src_wins)
        ties = np.maximum(ties, 1)
        share = self_wins / ties if include_self else np.where(hit, 0.0, self_wins / ties)
        self.idx, self.dim, self.src_shape = idx, dim, src._data.shape
        self.self_share, self.src_wins, self.ties = share, src_wins, ties
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        dtype = g._data.dtype
        gx = g * _const(self.self_share.astype(dtype)) if nx else None
        gs = None
        if ns:
            shared = Gather.apply(g / _const(self.ties.astype(dtype)), idx=self.idx, dim=self.dim)
            gs = _pad_to(shared * _const(self.src_wins.astype(dtype)), self.idx, self.src_shape)
        return gx, gs


def _pad_to(t: Tensor, idx: np.ndarray, src_shape: tuple) -> Tensor:
    """``t`` (of the index's shape) placed in zeros of the source's shape."""
    if idx.shape == src_shape:
        return t
    return index_add_into(t, tuple(slice(0, n) for n in idx.shape), src_shape)


def _leading(src: Tensor, idx: np.ndarray) -> Tensor:
    """The block of ``src`` that the index reads, as a differentiable slice."""
    if src._data.shape == idx.shape:
        return src
    return GetItem.apply(src, key=tuple(slice(0, n) for n in idx.shape), basic=True)


class ScatterSum(Op):
    """``scatter_reduce`` with sum or mean: the source elements (its leading ``idx.shape`` block)
    added onto ``x`` (onto zeros where ``include_self`` is off), divided by the count for a mean."""

    torch_name = "ScatterReduceBackward0"

    def forward(self, x, src, idx, dim, mean, include_self):
        self.idx, self.dim, self.src_shape = idx, dim, src._data.shape
        hit = _hit_counts(x._data.shape, idx, dim)
        out = x._data.copy()
        if not include_self:
            out[hit > 0] = 0
        _accumulate(out, _full_index(idx, dim), _read_src(src._data, idx))
        # the gradient's factor on each position of x: 0 where x was left out, 1 / count for a mean
        self.self_scale = None if include_self and not mean else np.where(hit > 0, 0.0, 1.0)
        self.scale = None
        if mean:
            count = np.maximum(hit + int(include_self), 1).astype(out.dtype)
            if out.dtype.kind in "iu":
                return np.floor_divide(out, count)
            self.scale = 1 / count
            self.self_scale = self.scale if include_self else self.self_scale
            out = out / count
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        dtype = g._data.dtype
        gx = g if self.self_scale is None else g * _const(self.self_scale.astype(dtype))
        gs = None
        if ns:
            scaled = g if self.scale is None else g * _const(self.scale.astype(dtype))
            gs = _src_grad(scaled, self.idx, self.dim, self.src_shape)
        return (gx if nx else None), gs


class ScatterProd(Op):
    """``x`` (ones where ``include_self`` is off) with each position multiplied by the source elements
    (its leading ``idx.shape`` block) landing on it."""

    torch_name = "ScatterReduceBackward0"

    def forward(self, x, src, idx, dim, include_self=True):
        self.x, self.src, self.idx, self.dim, self.include_self = x, src, idx, dim, include_self
        self.hit = _hit_counts(x._data.shape, idx, dim) > 0
        out = x._data.copy()
        if not include_self:
            out[self.hit] = 1
        np.multiply.at(out, _full_index(idx, dim), _read_src(src._data, idx))
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        x, idx, d = self.x, self.idx, self.dim
        src = _leading(self.src, idx)
        gx = gs = None
        if nx:  # d out / d x: the product of the source factors on that position (0 where x was left out)
            factors = ScatterProd.apply(_const(np.ones(x.shape, x._data.dtype)), src, idx=idx, dim=d)
            gx = (
                g * factors
                if self.include_self
                else where(_const(self.hit), _const(np.zeros((), g._data.dtype)), g * factors)
            )
        if ns:
            base = x if self.include_self else where(_const(self.hit), _const(np.ones((), x._data.dtype)), x)
            gs = _pad_to(_prod_src_grad(g, base, src, idx, d), idx, self.src_shape)
        return gx, gs

    @property
    def src_shape(self) -> tuple:
        return self.src._data.shape


def _prod_src_grad(g: Tensor, x: Tensor, src: Tensor, idx: np.ndarray, d: int) -> Tensor:
    """d out / d src[j]: the product of every other factor on j's position (torch's formula: a source
    zero alone on its position takes the product of the rest instead of a division by zero)."""
    one = _const(np.ones((), src._data.dtype))
    src_zero = src._data == 0
    zeros_at = np.zeros(x.shape, dtype=np.int64)
    np.add.at(zeros_at, _full_index(idx, d), src_zero)
    single_zero = _const(src_zero & (zeros_at[_full_index(idx, d)] == 1))
    result = ScatterProd.apply(x, src, idx=idx, dim=d)
    without_it = ScatterProd.apply(x, where(single_zero, one, src), idx=idx, dim=d)
    divided = Gather.apply(g * result, idx=idx, dim=d) / where(_const(src_zero), one, src)
    grad = where(single_zero, Gather.apply(g * without_it, idx=idx, dim=d), divided)
    if (zeros_at > 1).any():
        return DelayedError.apply(
            grad,
            message="scatter_reduce(): Double backward is unsupported for src when >1 zeros in src are scattered "
            "to the same position in self",
        )
    return grad


class DelayedError(Op):
    """Identity whose own backward raises: a first derivative torch gives, with no second one."""

    torch_name = "DelayedError"

    def forward(self, x, message):
        self.message = message
        return x._data

    def backward(self, g):
        raise RuntimeError(self.message)


def _reduce_name(reduce) -> str:
    if not isinstance(reduce, str):
        raise TypeError(f"scatter_reduce(): argument 'reduce' (position 4) must be str, not {_type_name(reduce)}")
    name = _REDUCE_ALIASES.get(reduce, reduce)
    if name not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    return name


def _scatter_reduce(x: Tensor, d: int, idx: np.ndarray, src: Tensor, name: str, include_self: bool) -> Tensor:
    if x.ndim == 0 or idx.ndim == 0:
        flat = _scatter_reduce(_as_1d(x), d, idx.reshape(1), _as_1d(src), name, include_self)
        return reshape(flat, x.shape)
    if name in ("amax", "amin"):
        return ScatterExtreme.apply(x, src, idx=idx, dim=d, take_max=name == "amax", include_self=include_self)
    if name == "prod":
        return ScatterProd.apply(x, src, idx=idx, dim=d, include_self=include_self)
    return ScatterSum.apply(x, src, idx=idx, dim=d, mean=name == "mean", include_self=include_self)


def scatter_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """Copy of ``input`` with ``src`` reduced (sum, prod, mean, amax, amin) into the positions ``index`` names."""
    _tensor_arg("scatter_reduce", input, "input", 1)
    dim = _int_arg("scatter_reduce", dim, "dim", 2)
    _tensor_arg("scatter_reduce", index, "index", 3)
    _tensor_arg("scatter_reduce", src, "src", 4)
    name = _reduce_name(reduce)
    include_self = _bool_arg("scatter_reduce", include_self, "include_self")
    d = wrap_dim(dim, input.ndim)
    if name == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError("\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
    if not index._data.size:
        _scatter_src(input, src, None, index._data)
        return _with_out("scatter_reduce", out, (input, index, src), input.clone)
    idx = _index_array("scatter_reduce", index)
    _scatter_src(input, src, None, idx)
    _check_scatter_shape(input.shape, idx.shape, d, src.shape)
    _check_bounds(idx, _shape1(input.shape)[d], d)
    inputs = (input, index, src)
    return _with_out("scatter_reduce", out, inputs, lambda: _scatter_reduce(input, d, idx, src, name, include_self))
