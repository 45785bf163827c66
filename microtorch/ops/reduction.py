"""Reductions: sum, mean, var/std, max/min (values+indices or tie-splitting), argmax,
logsumexp, softmax and log_softmax (stable), plus a few non-differentiable helpers."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..autograd.grad_mode import _state
from ._util import dims_arg, wrap_dim
from .elementwise import eq, exp, sqrt
from .shape import expand, index_add_into, reshape

__all__ = [
    "sum",
    "mean",
    "var",
    "std",
    "amax",
    "amin",
    "max",
    "min",
    "argmax",
    "argmin",
    "logsumexp",
    "softmax",
    "log_softmax",
    "prod",
    "all",
    "any",
    "count_nonzero",
    "nonzero",
    "norm",
    "cumsum",
    "var_mean",
    "std_mean",
    "sort",
    "argsort",
    "topk",
]

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _kept_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(g: Tensor, in_shape, dims, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dimensions."""
    if not _state.enabled:
        # plain backward: no graph to record, so skip the reshape/expand ops
        a = g._data
        if a.size == 1 and len(in_shape) and int(np.prod(in_shape)) <= 65536:
            return Tensor._make(xp.full(in_shape, a.reshape(()), dtype=a.dtype))
        return Tensor._make(xp.broadcast_to(a.reshape(_kept_shape(in_shape, dims)), in_shape))
    if not keepdim:
        g = reshape(g, _kept_shape(in_shape, dims))
    return expand(g, in_shape)


class Sum(Op):
    def forward(self, x, dims, keepdim, dtype):
        self.in_shape = x._data.shape
        self.dims, self.keepdim = dims, keepdim
        return np.asarray(x._data.sum(axis=dims, keepdims=keepdim, dtype=dtype))

    def backward(self, g):
        return _expand_back(g, self.in_shape, self.dims, self.keepdim)


def sum(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (all dims when None); integers and bools sum to int64."""
    dims = dims_arg(dim, x.ndim, "sum")
    if dtype is not None:
        npdt = dt.to_numpy_dtype(dtype)
    elif x._data.dtype.kind in "biu":
        npdt = np.dtype(np.int64)
    else:
        npdt = None
    if npdt is not None and npdt != x._data.dtype and x._requires_grad:
        x = x.to(npdt)
        npdt = None
    return Sum.apply(x, dims=dims, keepdim=keepdim, dtype=npdt)


class Mean(Op):
    def forward(self, x, dims, keepdim):
        self.in_shape = x._data.shape
        self.dims, self.keepdim = dims, keepdim
        n = 1
        for d in dims:
            n *= x._data.shape[d]
        self.n = n
        return np.asarray(x._data.mean(axis=dims, keepdims=keepdim))

    def backward(self, g):
        return _expand_back(g / self.n if self.n else g * float("nan"), self.in_shape, self.dims, self.keepdim)


def mean(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim`` (floating-point tensors only, as PyTorch)."""
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {_type_word(x)}"
        )
    dims = dims_arg(dim, x.ndim, "mean")
    with np.errstate(invalid="ignore", divide="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return Mean.apply(x, dims=dims, keepdim=keepdim)


def _type_word(x: Tensor) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(
        x.dtype.name, x.dtype.name
    )


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def var(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default)."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    dims = dims_arg(dim, x.ndim, "var")
    n = 1
    for d in dims:
        n *= x.shape[d]
    centered = x - mean(x, dims, keepdim=True)
    denom = n - c
    total = sum(centered * centered, dims, keepdim=keepdim)
    return total / denom if denom > 0 else total * float("nan") if denom == 0 else total / denom


def std(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """Standard deviation over ``dim`` with Bessel's ``correction`` (1 by default)."""
    return sqrt(var(x, dim, unbiased, keepdim, correction=correction))


def var_mean(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(var, mean)`` over ``dim``."""
    return var(x, dim, unbiased, keepdim, correction=correction), mean(x, dims_arg(dim, x.ndim, "var_mean"), keepdim)


def std_mean(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    return std(x, dim, unbiased, keepdim, correction=correction), mean(x, dims_arg(dim, x.ndim, "std_mean"), keepdim)


class Amax(Op):
    """Max (or min) over dims; the gradient is split evenly among tied elements."""

    torch_name = "AmaxBackward0"

    def forward(self, x, dims, keepdim, take_max):
        self.in_shape = x._data.shape
        self.dims, self.keepdim = dims, keepdim
        out = x._data.max(axis=dims, keepdims=True) if take_max else x._data.min(axis=dims, keepdims=True)
        self.save_for_backward(x, out)
        return np.asarray(out if keepdim else out.reshape([s for i, s in enumerate(out.shape) if i not in dims]))

    def backward(self, g):
        x, out = self.saved_tensors
        mask = eq(x, Tensor._make(out))
        count = mask._data.sum(axis=self.dims, keepdims=True)
        weight = Tensor._make((mask._data / count).astype(g._data.dtype))
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * weight


def _check_nonempty(x: Tensor, dims, op: str) -> None:
    for d in dims:
        if x.shape[d] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {d} to have non-zero size."
                if x.ndim
                else f"{op}(): Expected reduction dim to be specified for input.numel() == 0."
            )
    if not dims and x.numel() == 0:
        raise RuntimeError(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
        )


def amax(x: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (all dims when empty); ties share the gradient evenly."""
    dims = dims_arg(dim if dim != () else None, x.ndim, "amax")
    _check_nonempty(x, dims, "amax")
    return Amax.apply(x, dims=dims, keepdim=keepdim, take_max=True)


def amin(x: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (all dims when empty); ties share the gradient evenly."""
    dims = dims_arg(dim if dim != () else None, x.ndim, "amin")
    _check_nonempty(x, dims, "amin")
    return Amax.apply(x, dims=dims, keepdim=keepdim, take_max=False)


class MaxDim(Op):
    """Max (or min) along one dim: values, with the gradient routed to the returned index."""

    torch_name = "MaxBackward0"

    def forward(self, x, dim, keepdim, take_max):
        a = x._data
        idx = (xp.argmax if take_max else xp.argmin)(a, axis=dim, keepdims=True)
        if a.dtype.kind == "f":
            # PyTorch propagates NaN: the index of the first NaN wins
            nan = xp.isnan(a)
            if nan.any():
                has = nan.any(axis=dim, keepdims=True)
                idx = xp.where(has, xp.argmax(nan, axis=dim, keepdims=True), idx)
        self.in_shape, self.dim, self.keepdim = a.shape, dim, keepdim
        self.idx = idx
        vals = xp.take_along_axis(a, idx, axis=dim)
        if not keepdim:
            vals, idx = vals.squeeze(dim), idx.squeeze(dim)
        self.indices = idx
        return vals

    def backward(self, g):
        if not self.keepdim:
            g = reshape(g, _kept_shape(self.in_shape, (self.dim,)))
        return _scatter_along(g, self.idx, self.dim, self.in_shape)


class ScatterAlong(Op):
    """Zeros of ``shape`` with ``g`` placed at ``idx`` along ``dim`` (adjoint of take_along_axis)."""

    torch_name = "ScatterBackward0"

    def forward(self, g, idx, dim, shape):
        self.idx, self.dim = idx, dim
        out = xp.zeros(shape, dtype=g._data.dtype)
        xp.put_along_axis(out, idx, g._data, axis=dim)
        return out

    def backward(self, gg):
        return TakeAlong.apply(gg, idx=self.idx, dim=self.dim)


class TakeAlong(Op):
    torch_name = "GatherBackward0"

    def forward(self, x, idx, dim):
        self.idx, self.dim, self.shape = idx, dim, x._data.shape
        return xp.take_along_axis(x._data, idx, axis=dim)

    def backward(self, g):
        return _scatter_along(g, self.idx, self.dim, self.shape)


def _scatter_along(g, idx, dim, shape):
    return ScatterAlong.apply(g, idx=idx, dim=dim, shape=shape)


def _max_min(x: Tensor, dim, keepdim: bool, other, take_max: bool, name: str):
    if isinstance(dim, Tensor) and other is None:
        other, dim = dim, None
    if other is not None:
        from .elementwise import maximum, minimum

        return (maximum if take_max else minimum)(x, other)
    if dim is None:
        dims = tuple(range(x.ndim))
        if x.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        return Amax.apply(x, dims=dims, keepdim=False, take_max=take_max)
    d = wrap_dim(dim, x.ndim, name)
    if x.ndim == 0:
        values = x.clone() if x._requires_grad else x
        return (MaxResult if take_max else MinResult)(values, Tensor._make(np.zeros((), np.int64)))
    _check_nonempty(x, (d,), name)
    node_out = MaxDim.apply(x, dim=d, keepdim=keepdim, take_max=take_max)
    indices = node_out._grad_fn.indices if node_out._grad_fn is not None else None
    if indices is None:
        a = x._data
        idx = (xp.argmax if take_max else xp.argmin)(a, axis=d, keepdims=keepdim)
        if a.dtype.kind == "f" and xp.isnan(a).any():
            nan = xp.isnan(a)
            idx = xp.where(nan.any(axis=d, keepdims=keepdim), xp.argmax(nan, axis=d, keepdims=keepdim), idx)
        indices = idx
    return (MaxResult if take_max else MinResult)(node_out, Tensor._make(np.asarray(indices, dtype=np.int64)))


def max(x: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """Whole-tensor max (ties split the gradient), ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    return _max_min(x, dim, keepdim, other, True, "max")


def min(x: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """Whole-tensor min (ties split the gradient), ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    return _max_min(x, dim, keepdim, other, False, "min")


def _arg(x: Tensor, dim, keepdim: bool, take_max: bool, name: str) -> Tensor:
    a = x._data
    if dim is None:
        if a.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        flat = a.reshape(-1)
        i = (xp.argmax if take_max else xp.argmin)(flat)
        if flat.dtype.kind == "f" and xp.isnan(flat).any():
            i = int(xp.argmax(xp.isnan(flat)))
        out = np.asarray(i, dtype=np.int64)
        return Tensor._make(out.reshape((1,) * a.ndim) if keepdim else out)
    d = wrap_dim(dim, a.ndim, name)
    if a.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    _check_nonempty(x, (d,), name)
    idx = (xp.argmax if take_max else xp.argmin)(a, axis=d, keepdims=keepdim)
    if a.dtype.kind == "f" and xp.isnan(a).any():
        nan = xp.isnan(a)
        idx = xp.where(nan.any(axis=d, keepdims=keepdim), xp.argmax(nan, axis=d, keepdims=keepdim), idx)
    return Tensor._make(np.asarray(idx, dtype=np.int64))


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the (first) maximum, over all elements or along ``dim``."""
    return _arg(x, dim, keepdim, True, "argmax")


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the (first) minimum, over all elements or along ``dim``."""
    return _arg(x, dim, keepdim, False, "argmin")


def _lse_array(a: np.ndarray, dims, keepdim: bool) -> np.ndarray:
    m = a.max(axis=dims, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        out = xp.log(xp.exp(a - m).sum(axis=dims, keepdims=True)) + m
    return out if keepdim else out.reshape([s for i, s in enumerate(out.shape) if i not in dims])


class LogSumExp(Op):
    def forward(self, x, dims, keepdim):
        self.dims, self.keepdim, self.in_shape = dims, keepdim, x._data.shape
        self.save_for_backward(x, OUTPUT)
        return np.asarray(_lse_array(x._data, dims, keepdim))

    def backward(self, g):
        x, out = self.saved_tensors
        out_k = out if self.keepdim else reshape(out, _kept_shape(self.in_shape, self.dims))
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * exp(x - out_k)


def logsumexp(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed stably."""
    if x._data.dtype.kind != "f":
        x = x.to(dt.get_default_dtype())
    dims = dims_arg(dim, x.ndim, "logsumexp")
    return LogSumExp.apply(x, dims=dims, keepdim=keepdim)


class Softmax(Op):
    def forward(self, x, dim):
        self.dim = dim
        a = x._data
        e = xp.exp(a - a.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        self.save_for_backward(OUTPUT)
        return e

    def backward(self, g):
        (y,) = self.saved_tensors
        gy = g * y
        return gy - y * sum(gy, self.dim, keepdim=True)


class LogSoftmax(Op):
    def forward(self, x, dim):
        self.dim = dim
        a = x._data
        shifted = a - a.max(axis=dim, keepdims=True)
        with np.errstate(divide="ignore"):
            out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        self.save_for_backward(OUTPUT)
        return out

    def backward(self, g):
        (y,) = self.saved_tensors
        return g - exp(y) * sum(g, self.dim, keepdim=True)


def _softmax_dim(x: Tensor, dim, name: str) -> int:
    if dim is None:
        import warnings

        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
            stacklevel=3,
        )
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return wrap_dim(dim, x.ndim, name)


def softmax(x: Tensor, dim=None, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably."""
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind != "f":
        raise RuntimeError(f"\"softmax_lastdim_kernel_impl\" not implemented for '{_type_word(x)}'")
    if x.ndim == 0:
        return Softmax.apply(reshape(x, (1,)), dim=0).reshape(())
    return Softmax.apply(x, dim=_softmax_dim(x, dim, "softmax"))


def log_softmax(x: Tensor, dim=None, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, stable at large logits."""
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind != "f":
        raise RuntimeError(f"\"log_softmax_lastdim_kernel_impl\" not implemented for '{_type_word(x)}'")
    if x.ndim == 0:
        return LogSoftmax.apply(reshape(x, (1,)), dim=0).reshape(())
    return LogSoftmax.apply(x, dim=_softmax_dim(x, dim, "log_softmax"))


class Prod(Op):
    def forward(self, x, dim, keepdim):
        self.dim, self.keepdim, self.in_shape = dim, keepdim, x._data.shape
        self.save_for_backward(x, OUTPUT)
        axis = tuple(range(x.ndim)) if dim is None else dim
        return np.asarray(x._data.prod(axis=axis, keepdims=keepdim))

    def backward(self, g):
        x, out = self.saved_tensors
        dims = tuple(range(len(self.in_shape))) if self.dim is None else (self.dim,)
        keep = self.keepdim and self.dim is not None
        # product of all the other elements; exact also when x holds zeros
        a = x._data
        axis = dims
        moved = np.moveaxis(a, axis, tuple(range(-len(axis), 0))).reshape(
            *[a.shape[i] for i in range(a.ndim) if i not in axis], -1
        )
        n = moved.shape[-1]
        left = np.cumprod(np.concatenate([np.ones(moved.shape[:-1] + (1,), a.dtype), moved[..., :-1]], -1), -1)
        right = np.cumprod(
            np.concatenate([np.ones(moved.shape[:-1] + (1,), a.dtype), moved[..., ::-1][..., :-1]], -1), -1
        )[..., ::-1]
        others = (left * right).reshape(
            [a.shape[i] for i in range(a.ndim) if i not in axis] + [a.shape[i] for i in axis]
        )
        others = np.moveaxis(others, tuple(range(-len(axis), 0)), axis) if n else np.zeros(a.shape, a.dtype)
        return _expand_back(g, self.in_shape, dims, keep) * Tensor._make(np.ascontiguousarray(others))


def prod(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over all elements or along ``dim``."""
    if dtype is not None:
        x = x.to(dtype)
    d = None if dim is None else wrap_dim(dim, x.ndim, "prod")
    return Prod.apply(x, dim=d, keepdim=keepdim)


def all(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether all elements are true (along ``dim``)."""
    axis = None if dim is None else dims_arg(dim, x.ndim, "all")
    return Tensor._make(np.asarray(x._data.astype(bool).all(axis=axis, keepdims=keepdim)))


def any(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether any element is true (along ``dim``)."""
    axis = None if dim is None else dims_arg(dim, x.ndim, "any")
    return Tensor._make(np.asarray(x._data.astype(bool).any(axis=axis, keepdims=keepdim)))


def count_nonzero(x: Tensor, dim=None) -> Tensor:
    """Number of non-zero elements (along ``dim``)."""
    axis = None if dim is None else dims_arg(dim, x.ndim, "count_nonzero")
    return Tensor._make(np.asarray(np.count_nonzero(x._data, axis=axis), dtype=np.int64))


def nonzero(x: Tensor, as_tuple: bool = False):
    """Indices of non-zero elements: an (n, ndim) int64 tensor, or one tensor per dim."""
    idx = np.nonzero(x._data) if x.ndim else np.nonzero(x._data.reshape(1))
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
    return Tensor._make(
        np.stack(idx, axis=1).astype(np.int64) if x.ndim else np.zeros((int(bool(x._data)), 0), np.int64)
    )


def norm(x: Tensor, p="fro", dim=None, keepdim: bool = False) -> Tensor:
    """Vector p-norm (2 by default) over all elements or ``dim``."""
    from .elementwise import abs as _abs
    from .elementwise import pow as _pow

    if p in ("fro", 2, 2.0, None):
        return sqrt(sum(x * x, dim, keepdim))
    if p in (float("inf"), "inf"):
        return amax(_abs(x), () if dim is None else dim, keepdim)
    if p == 1:
        return sum(_abs(x), dim, keepdim)
    return _pow(sum(_pow(_abs(x), p), dim, keepdim), 1.0 / p)


class Cumsum(Op):
    def forward(self, x, dim):
        self.dim = dim
        return xp.cumsum(x._data, axis=dim)

    def backward(self, g):
        from .shape import flip

        return flip(Cumsum.apply(flip(g, (self.dim,)), dim=self.dim), (self.dim,))


def cumsum(x: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Cumulative sum along ``dim``."""
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu":
        x = x.to(np.int64)
    return Cumsum.apply(x, dim=wrap_dim(dim, x.ndim, "cumsum"))


SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """Sorted values and their indices along ``dim`` (differentiable in the values)."""
    d = wrap_dim(dim, x.ndim, "sort")
    a = x._data
    idx = np.argsort(-a if descending and a.dtype.kind != "b" else a, axis=d, kind="stable")
    if x.ndim == 0:
        return SortResult(x.clone(), Tensor._make(np.zeros((), np.int64)))
    return SortResult(TakeAlong.apply(x, idx=idx, dim=d), Tensor._make(idx.astype(np.int64)))


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``x`` along ``dim``."""
    return sort(x, dim, descending)[1]


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    d = wrap_dim(dim, x.ndim, "topk")
    if not 0 <= k <= (x.shape[d] if x.ndim else 1):
        raise RuntimeError(f"topk(): selected index k out of range (k={k}, size={x.shape[d] if x.ndim else 1})")
    values, indices = sort(x, d, descending=largest)
    return TopkResult(values.narrow(d, 0, k), indices.narrow(d, 0, k))


del index_add_into
