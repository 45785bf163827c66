"""Reductions: sum, mean, logsumexp, prod, plus a few non-differentiable helpers (all, any,
count_nonzero, nonzero), and the argument checks the reduction family shares.

max/min, amax/amin and argmax/argmin (ops.reduction_extrema), var/std (ops.variance), norm
(ops.norms), softmax (ops.softmax), cumsum (ops.scan) and sort/topk (ops.sorting) live in
their own modules and are re-exported here."""

from __future__ import annotations

import builtins
import math

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ..autograd.grad_mode import _state
from ._util import wrap_dim
from .elementwise import exp, where
from .shape import expand, permute, reshape

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

_INTS = (int, np.integer)


def _is_int(d) -> bool:
    return isinstance(d, _INTS) and not isinstance(d, bool)


def _one_dim(dim, ndim: int, op: str) -> int:
    """A single ``dim`` wrapped into range (TypeError unless an int; 0-d tensors accept 0 and -1)."""
    if not _is_int(dim):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    return wrap_dim(int(dim), ndim, op)


def _axes(dim, ndim: int, op: str, empty_is_all: bool = True, shape=None) -> tuple:
    """Reduction dims as sorted numpy axes: None (or an empty list when ``empty_is_all``)
    means every dim; a 0-d tensor accepts 0 / -1 and has no axes. With ``shape``, a
    zero-size reduced dim is reported before a repeated one (amax/amin's order)."""
    if dim is None:
        return tuple(range(ndim))
    if _is_int(dim):
        dims = (dim,)
    elif isinstance(dim, (tuple, list)) and builtins.all(_is_int(d) for d in dim):
        dims = tuple(dim)
    else:
        raise TypeError(f"{op}(): argument 'dim' must be int or tuple of ints, not {type(dim).__name__}")
    wrapped = [wrap_dim(int(d), ndim, op) for d in dims]
    if shape is not None and ndim:
        _check_nonempty_dims(shape, wrapped, op)
    seen = set()
    for d in wrapped:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    if not dims:
        return tuple(range(ndim)) if empty_is_all else ()
    return tuple(sorted(seen)) if ndim else ()


def _check_args(op: str, x, **flags) -> None:
    """TypeError, as torch's argument parser gives, for a non-Tensor input or a non-bool flag."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}")


def _kept_shape(shape, dims) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _reduced_shape(shape, dims) -> tuple:
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _count(shape, dims) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _expand_back(g: Tensor, in_shape, dims, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dimensions."""
    if not _state.enabled:
        # plain backward: no graph to record, so skip the reshape/expand ops
        a = g._data
        if a.size == 1 and len(in_shape) and math.prod(in_shape) <= 65536:
            out = xp.empty(in_shape, dtype=a.dtype)  # empty + fill: a quarter of full's time
            out.fill(a.reshape(()))
            return Tensor._make(out)
        return Tensor._make(xp.broadcast_to(a.reshape(_kept_shape(in_shape, dims)), in_shape))
    if not keepdim:
        g = reshape(g, _kept_shape(in_shape, dims))
    return expand(g, in_shape)


def _keep(t: Tensor, in_shape, dims, keepdim: bool) -> Tensor:
    """A reduced result with its reduced dims put back as size 1 (for broadcasting)."""
    return t if keepdim else reshape(t, _kept_shape(in_shape, dims))


class Sum(Op):
    def forward(self, x, dims, keepdim, dtype):
        self.in_shape = x._data.shape
        self.dims, self.keepdim = dims, keepdim
        return np.asarray(x._data.sum(axis=dims, keepdims=keepdim, dtype=dtype or x._data.dtype))

    def backward(self, g):
        return _expand_back(g, self.in_shape, self.dims, self.keepdim)


def _accumulate_dtype(x: Tensor, dtype):
    """The numpy dtype sum/prod/cumsum produce: ``dtype``, else int64 for integers and bools."""
    if dtype is not None:
        return dt.to_numpy_dtype(dtype)
    if x._data.dtype.kind in "biu":
        return np.dtype(np.int64)
    return None


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (all dims when None); integers and bools sum to int64."""
    _check_args("sum", input, keepdim=keepdim)
    dims = _axes(dim, input.ndim, "sum")
    npdt = _accumulate_dtype(input, dtype)
    if npdt is not None and npdt != input._data.dtype and input._requires_grad:
        return (SumCast if dim is None else SumDimCast).apply(input, dims=dims, keepdim=keepdim, dtype=None, cast=npdt)
    return (Sum if dim is None else SumDim).apply(input, dims=dims, keepdim=keepdim, dtype=npdt)


class SumDim(Sum):
    """``sum(dim)``: torch's ``sum.dim_IntList`` overload."""

    torch_name = "SumBackward1"


class _CastBack:
    """Mixin for a reduction given ``dtype=``: the input is cast inside the node (torch records no
    ToCopy for it) and the gradient cast back to the input's dtype."""

    def forward(self, x, *args, cast, **kwargs):
        self.in_dtype = dt.from_numpy_dtype(x._data.dtype)
        return super().forward(Tensor._make(x._data.astype(cast)), *args, **kwargs)

    def backward(self, g):
        return super().backward(g).to(self.in_dtype)


class SumCast(_CastBack, Sum):
    torch_name = "SumBackward0"


class SumDimCast(_CastBack, SumDim):
    torch_name = "SumBackward1"


class Mean(Op):
    def forward(self, x, dims, keepdim):
        a = x._data
        self.in_shape = a.shape
        self.dims, self.keepdim = dims, keepdim
        self.n = _count(a.shape, dims)
        if self.n == 0:  # numpy warns on an empty mean; torch gives NaN quietly
            return np.full(_kept_shape(a.shape, dims) if keepdim else _reduced_shape(a.shape, dims), np.nan, a.dtype)
        return np.asarray(a.mean(axis=dims, keepdims=keepdim))

    def backward(self, g):
        scaled = g / self.n if self.n else g * float("nan")
        return _expand_back(scaled, self.in_shape, self.dims, self.keepdim)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim`` (floating-point tensors only, as PyTorch)."""
    _check_args("mean", input, keepdim=keepdim)
    if dtype is not None:
        npdt = dt.to_numpy_dtype(dtype)
        if input._requires_grad and npdt.kind == "f" and npdt != input._data.dtype:
            node = MeanCast if dim is None else MeanDimCast
            return node.apply(input, dims=_axes(dim, input.ndim, "mean"), keepdim=keepdim, cast=npdt)
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {_type_word(input)}"
        )
    return (Mean if dim is None else MeanDim).apply(input, dims=_axes(dim, input.ndim, "mean"), keepdim=keepdim)


class MeanDim(Mean):
    """``mean(dim)``: torch's ``mean.dim`` overload."""

    torch_name = "MeanBackward1"


class MeanCast(_CastBack, Mean):
    torch_name = "MeanBackward0"


class MeanDimCast(_CastBack, MeanDim):
    torch_name = "MeanBackward1"


_TYPE_WORDS = {
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
}


def _type_word(x: Tensor) -> str:
    return _TYPE_WORDS.get(x.dtype.name, x.dtype.name)


def _check_nonempty(x: Tensor, dims, whole: bool, op: str) -> None:
    if whole and x.numel() == 0:
        raise RuntimeError(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
        )
    _check_nonempty_dims(x.shape, dims, op)


def _check_nonempty_dims(shape, dims, op: str) -> None:
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")


def _lse_array(a: np.ndarray, dims, keepdim: bool) -> np.ndarray:
    m = a.max(axis=dims, keepdims=True, initial=-np.inf)
    m = xp.where(xp.isfinite(m), m, 0)
    s = xp.exp(a - m).sum(axis=dims, keepdims=True)
    # log(0) = -inf without numpy's divide-by-zero warning (an empty or all -inf slice)
    out = xp.log(s, out=np.full(s.shape, -np.inf, s.dtype), where=s != 0) + m
    return out if keepdim else out.reshape(_reduced_shape(out.shape, dims))


class LogSumExp(Op):
    torch_name = "LogsumexpBackward0"

    def forward(self, x, dims, keepdim):
        self.dims, self.keepdim, self.in_shape = dims, keepdim, x._data.shape
        self.save_for_backward(x, OUTPUT)
        return np.asarray(_lse_array(x._data, dims, keepdim))

    def backward(self, g):
        x, out = self.saved_tensors
        out_k = _keep(out, self.in_shape, self.dims, self.keepdim)
        return _expand_back(g, self.in_shape, self.dims, self.keepdim) * exp(x - out_k)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim`` (required, as in torch), computed stably."""
    _check_args("logsumexp", input, keepdim=keepdim)
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' (position 2) must be tuple of ints, not NoneType")
    if input._data.dtype.kind != "f":
        input = input.to(dt.get_default_dtype())
    if isinstance(dim, (tuple, list)) and not dim and input.ndim and not keepdim and input.numel():
        # torch reduces every dim for an empty list but then fails writing the result
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * input.ndim}")
    return LogSumExp.apply(input, dims=_axes(dim, input.ndim, "logsumexp"), keepdim=keepdim)


class Prod(Op):
    def forward(self, x, dims, keepdim, dtype):
        self.dims, self.keepdim, self.in_shape = dims, keepdim, x._data.shape
        self.save_for_backward(x, OUTPUT)
        return np.asarray(x._data.prod(axis=dims, keepdims=keepdim, dtype=dtype or x._data.dtype))

    def backward(self, g):
        return _prod_grad(self, g, *self.saved_tensors)


def _prod_grad(node, g: Tensor, x: Tensor, out: Tensor) -> Tensor:
    """The gradient of a product ``out`` of ``x`` over ``node.dims``."""
    dims = node.dims
    g_full = _expand_back(g, node.in_shape, dims, node.keepdim)
    if not dims or x._data.size == 0:
        return g_full
    if not (x._data == 0).any():
        return g_full * (_keep(out, node.in_shape, dims, node.keepdim) / x)
    return g_full * _prod_of_others(x, dims)


def _prod_of_others(x: Tensor, dims) -> Tensor:
    """For each element, the product of the other elements of its reduced slice (exact with zeros).

    Differentiable: the slice of n elements becomes an n x n matrix with ones on its
    diagonal whose rows are multiplied out, so second derivatives through zeros are right.
    Plain backward (no graph recorded) or a slice too large for that uses prefix/suffix
    products on the arrays instead.
    """
    a = x._data
    rest = [i for i in range(a.ndim) if i not in dims]
    order = rest + list(dims)
    rest_shape = tuple(a.shape[i] for i in rest)
    n = _count(a.shape, dims)
    inverse = tuple(int(i) for i in np.argsort(order))
    moved_shape = rest_shape + tuple(a.shape[i] for i in dims)
    if not _state.enabled or a.size * n > 1 << 24:
        flat = np.transpose(a, order).reshape(rest_shape + (n,))
        ones = np.ones(rest_shape + (1,), a.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
        return Tensor._make(np.ascontiguousarray(np.transpose((left * right).reshape(moved_shape), inverse)))
    flat = reshape(permute(x, *order), rest_shape + (1, n))
    diagonal = Tensor._make(np.eye(n, dtype=bool))
    rows = where(diagonal, Tensor._make(np.ones((), a.dtype)), expand(flat, rest_shape + (n, n)))
    others = Prod.apply(rows, dims=(len(rest_shape) + 1,), keepdim=False, dtype=None)
    return permute(reshape(others, moved_shape), *inverse)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over all elements or along ``dim``; integers and bools multiply to int64."""
    _check_args("prod", input, keepdim=keepdim)
    if dim is None:
        dims = tuple(range(input.ndim))
    else:
        d = _one_dim(dim, input.ndim, "prod")
        dims = (d,) if input.ndim else ()
    if dim is None:
        keepdim = False
    npdt = _accumulate_dtype(input, dtype)
    if npdt is not None and npdt != input._data.dtype and input._requires_grad:
        return (ProdCast if dim is None else ProdDimCast).apply(input, dims=dims, keepdim=keepdim, cast=npdt)
    return (Prod if dim is None else ProdDim).apply(input, dims=dims, keepdim=keepdim, dtype=npdt)


class ProdDim(Prod):
    """``prod(dim)``: torch's ``prod.dim_int`` overload."""

    torch_name = "ProdBackward1"


class ProdCast(Prod):
    """``prod(dtype=)`` of a tensor needing a gradient: the cast inside the node, as torch's; the input
    is saved as it is and cast again in backward, so that second derivatives reach it."""

    torch_name = "ProdBackward0"

    def forward(self, x, dims, keepdim, cast):
        self.in_dtype, self.cast = dt.from_numpy_dtype(x._data.dtype), dt.from_numpy_dtype(cast)
        out = super().forward(Tensor._make(x._data.astype(cast)), dims, keepdim, None)
        self.save_for_backward(x, OUTPUT)
        return out

    def backward(self, g):
        x, out = self.saved_tensors
        return _prod_grad(self, g, x.to(self.cast), out).to(self.in_dtype)


class ProdDimCast(ProdCast):
    torch_name = "ProdBackward1"


def _logical_reduce(x: Tensor, dim, keepdim: bool, name: str) -> Tensor:
    """all / any: a reduction over ``dim`` (all dims when None, none for an empty list)."""
    axes = _axes(dim, x.ndim, name, empty_is_all=False)
    a = x._data.astype(bool, copy=False)
    out = np.asarray(a.all(axis=axes, keepdims=keepdim) if name == "all" else a.any(axis=axes, keepdims=keepdim))
    return Tensor._make(out.astype(np.uint8) if x._data.dtype == np.uint8 else out)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether all elements are true (along ``dim``)."""
    _check_args("all", input, keepdim=keepdim)
    return _logical_reduce(input, dim, keepdim, "all")


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether any element is true (along ``dim``)."""
    _check_args("any", input, keepdim=keepdim)
    return _logical_reduce(input, dim, keepdim, "any")


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """Number of non-zero elements (along ``dim``)."""
    _check_args("count_nonzero", input)
    axes = _axes(dim, input.ndim, "count_nonzero")
    return Tensor._make(np.asarray((input._data != 0).sum(axis=axes), dtype=np.int64))


def nonzero(input: Tensor, as_tuple: bool = False):
    """Indices of non-zero elements: an (n, ndim) int64 tensor, or one tensor per dim."""
    _check_args("nonzero", input, as_tuple=as_tuple)
    idx = np.nonzero(input._data) if input.ndim else np.nonzero(input._data.reshape(1))
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in idx)
    return Tensor._make(
        np.stack(idx, axis=1).astype(np.int64) if input.ndim else np.zeros((int(bool(input._data)), 0), np.int64)
    )


# the families split out of this module, re-exported so ``ops.reduction`` stays the place they come from
from .reduction_extrema import (  # noqa: E402, F401, I001
    Amax,
    AmaxAll,
    Amin,
    AminAll,
    MaxDim,
    MaxResult,
    MaxZeroDim,
    MinDim,
    MinResult,
    MinZeroDim,
    ScatterAlong,
    TakeAlong,
    _amax_amin,
    _arg,
    _arg_index,
    _max_min,
    _reduce_into,
    _scatter_along,
    amax,
    amin,
    argmax,
    argmin,
    max,
    min,
)
from .norms import norm, tensor_norm  # noqa: E402, F401
from .scan import cumsum  # noqa: E402
from .softmax import _softmax_dim, log_softmax, softmax  # noqa: E402, F401
from .sorting import argsort, sort, topk  # noqa: E402
from .variance import std, std_mean, var, var_mean  # noqa: E402
