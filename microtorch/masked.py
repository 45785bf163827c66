"""``torch.masked``'s functional API on strided tensors: reductions and normalizations that
ignore the elements where ``mask`` is False (masked-out elements are replaced by the
operation's identity, exactly as torch.masked does, so gradients there are zero)."""

from __future__ import annotations

import builtins

import numpy as np

import microtorch as mt

from ._tensor import Tensor

__all__ = [
    "sum",
    "prod",
    "cumsum",
    "cumprod",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "mean",
    "median",
    "logsumexp",
    "logaddexp",
    "norm",
    "var",
    "std",
    "softmax",
    "log_softmax",
    "softmin",
    "normalize",
]

_SMALL_INTS = ("uint8", "bool", "int8", "int16", "int32")


def _canonical_dim(dim, ndim: int) -> tuple:
    """``dim`` as a sorted tuple of non-negative dims (None or () mean every dim)."""
    if dim == ():
        dim = None
    if dim is None:
        return tuple(range(ndim))
    ndim = builtins.max(ndim, 1)
    dims: list = []
    for d in (dim,) if isinstance(dim, int) else dim:
        if d in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if d >= ndim or d < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        dims.append(d % ndim)
    return tuple(sorted(dims))


def _identity(op: str, x: Tensor, *args) -> Tensor:
    """The value that leaves ``op``'s result unchanged (torch.masked's ``_reduction_identity``)."""
    npdt = x._data.dtype
    floating = npdt.kind == "f"
    if npdt == np.bool_ and op not in ("sum", "cumsum", "prod", "cumprod", "norm", "median"):
        raise NotImplementedError(f"identity of {op} on torch.bool input")
    if op in ("sum", "cumsum"):
        value = 0
    elif op in ("prod", "cumprod"):
        value = 1
    elif op in ("amax", "argmax", "logaddexp", "logsumexp"):
        value = -np.inf if floating else np.iinfo(npdt).min
    elif op in ("amin", "argmin"):
        value = np.inf if floating else np.iinfo(npdt).max
    elif op == "norm":
        value = np.inf if (args[0] if args else 2) == float("-inf") else 0
    elif op == "median":
        return Tensor._make(np.asarray(np.nan, npdt if floating else np.float32))
    else:
        raise NotImplementedError(f"identity of {op} on {x.dtype} input")
    return Tensor._make(np.asarray(value, npdt))


def _input_mask(x: Tensor, mask: Tensor) -> Tensor:
    """``mask`` broadcast to ``x``'s shape, as bool."""
    if mask.shape != x.shape:
        if mask.ndim > x.ndim:
            raise IndexError(
                "_input_mask expected broadcastable mask (got mask dimensionality higher than of the input)"
            )
        mask = mt.broadcast_to(mt.clone(mask), x.shape)
    return mask.to(mt.bool)


def _combine(op: str, x: Tensor, mask, *args) -> Tensor:
    """``x`` with its masked-out elements replaced by ``op``'s identity."""
    if mask is None:
        return x
    return mt.where(_input_mask(x, mask), x, _identity(op, x, *args))


def _sum_dtype(x: Tensor, dtype):
    if dtype is not None:
        return dtype
    return mt.int64 if x.dtype.name in _SMALL_INTS else x.dtype


def sum(x: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:  # noqa: A001
    """Sum of the masked-in elements over ``dim``."""
    dims = _canonical_dim(dim, x.ndim)
    return mt.sum(_combine("sum", x, mask), dims, bool(keepdim), dtype=_sum_dtype(x, dtype))


def prod(x: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Product of the masked-in elements over ``dim``."""
    dims = _canonical_dim(dim, x.ndim)
    result = _combine("prod", x, mask).to(_sum_dtype(x, dtype))
    for d in reversed(dims):
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


def cumsum(x: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Cumulative sum along ``dim`` with masked-out elements counting as 0."""
    dtype = x.dtype if dtype is None else dtype
    d = _canonical_dim(dim, x.ndim)[0]
    return mt.cumsum(_combine("sum", x, mask), d, dtype=dtype).to(dtype)


def cumprod(x: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Cumulative product along ``dim`` with masked-out elements counting as 1."""
    dtype = x.dtype if dtype is None else dtype
    d = _canonical_dim(dim, x.ndim)[0]
    return mt.cumprod(_combine("prod", x, mask), d, dtype=dtype).to(dtype)


def amax(x: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Maximum of the masked-in elements over ``dim``."""
    dtype = x.dtype if dtype is None else dtype
    masked = _combine("amax", x, mask)
    return mt.amax(masked, _canonical_dim(dim, masked.ndim), bool(keepdim)).to(dtype)


def amin(x: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Minimum of the masked-in elements over ``dim``."""
    dtype = x.dtype if dtype is None else dtype
    masked = _combine("amin", x, mask)
    return mt.amin(masked, _canonical_dim(dim, masked.ndim), bool(keepdim)).to(dtype)


def argmax(x: Tensor, dim: int | None = None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None):
    """Index of the maximum among the masked-in elements."""
    dtype = x.dtype if dtype is None else dtype
    return mt.argmax(_combine("argmax", x, mask), dim, bool(keepdim)).to(dtype)


def argmin(x: Tensor, dim: int | None = None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None):
    """Index of the minimum among the masked-in elements."""
    dtype = x.dtype if dtype is None else dtype
    return mt.argmin(_combine("argmin", x, mask), dim, bool(keepdim)).to(dtype)


def mean(x: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Mean of the masked-in elements over ``dim`` (NaN where none is masked in)."""
    source = "Optional"
    if dtype is None:
        dtype, source = x.dtype, "Input"
    if not dtype.is_floating_point:
        raise ValueError(
            f"mean(): Could not infer output dtype. {source} dtype must be either a floating point or complex "
            f"dtype. Got: {dtype}"
        )
    if mask is None:
        count = sum(mt.ones(x.shape, dtype=mt.int64), dim, keepdim=keepdim)
        total = sum(x, dim, keepdim=keepdim, dtype=dtype)
    else:
        inmask = _input_mask(x, mask)
        count = inmask.sum(dim=_canonical_dim(dim, x.ndim), keepdim=bool(keepdim))
        total = sum(x, dim, keepdim=keepdim, dtype=dtype, mask=inmask)
    return total / count


def median(x: Tensor, dim: int = -1, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Median of the masked-in elements along ``dim``."""
    dtype = x.dtype if dtype is None else dtype
    d = _canonical_dim(dim, x.ndim)[0]
    is_float = x.is_floating_point()
    if not is_float:
        x = x.to(mt.float32)
    out = mt.nanmedian(_combine("median", x, mask), d, keepdim).values
    if is_float:
        return out
    if not mt.isnan(out).any():
        return out.to(dtype)
    raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")


def logsumexp(x: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """``log(sum(exp(x)))`` of the masked-in elements over ``dim``."""
    dtype = x.dtype if dtype is None else dtype
    dims = _canonical_dim(dim, x.ndim)
    return mt.logsumexp(_combine("logsumexp", x, mask), dims, keepdim=keepdim).to(dtype)


def logaddexp(x: Tensor, other: Tensor, *, dtype=None, input_mask=None, other_mask=None) -> Tensor:
    """``logaddexp`` with masked-out elements of either operand counting as -inf."""
    dtype = x.dtype if dtype is None else dtype
    return mt.logaddexp(_combine("logaddexp", x, input_mask), _combine("logaddexp", other, other_mask)).to(dtype)


def norm(x: Tensor, ord=2.0, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:  # noqa: A002
    """Vector ``ord``-norm of the masked-in elements over ``dim``."""
    dtype = x.dtype if dtype is None else dtype
    masked = _combine("norm", x, mask, ord)
    return mt.linalg.vector_norm(masked, ord, _canonical_dim(dim, x.ndim), bool(keepdim), dtype=dtype)


def _std_var(x: Tensor, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt: bool) -> Tensor:
    if unbiased is not None and correction is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    c = 1.0
    if unbiased is not None:
        c = 1.0 if unbiased else 0.0
    if correction is not None:
        c = float(correction)
    if dtype is None:
        dtype = x.dtype if x.dtype.is_floating_point else mt.float32
    compute = dtype if dtype.is_floating_point else mt.float32
    dims = _canonical_dim(dim, x.ndim)
    if mask is None:
        count = sum(mt.ones(x.shape, dtype=mt.int64), dim, keepdim=True)
        sample_total = sum(x, dim, keepdim=True, dtype=dtype)
    else:
        inmask = _input_mask(x, mask)
        count = inmask.sum(dim=dims, keepdim=True)
        sample_total = sum(x, dim, keepdim=True, dtype=dtype, mask=inmask)
    centered = x - sample_total / count
    total = sum(centered * centered, dim, keepdim=keepdim, dtype=compute, mask=None if mask is None else inmask)
    if not keepdim:
        count = count.reshape(total.shape)
    if c != 0:
        count = count.to(compute) - c
        count = mt.maximum(count, mt.zeros((), dtype=count.dtype))
    out = (total / count).to(dtype)
    return mt.sqrt(out) if take_sqrt else out


def var(x: Tensor, dim=None, unbiased=None, *, correction=None, keepdim: bool = False, dtype=None, mask=None) -> Tensor:
    """Variance of the masked-in elements over ``dim``."""
    return _std_var(x, dim, unbiased, correction, keepdim, dtype, mask, False)


def std(x: Tensor, dim=None, unbiased=None, *, correction=None, keepdim: bool = False, dtype=None, mask=None) -> Tensor:
    """Standard deviation of the masked-in elements over ``dim``."""
    return _std_var(x, dim, unbiased, correction, keepdim, dtype, mask, True)


def softmax(x: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Softmax along ``dim`` over the masked-in elements (masked-out ones get 0)."""
    dtype = x.dtype if dtype is None else dtype
    d = _canonical_dim(dim, x.ndim)[0]
    return mt.nn.functional.softmax(_combine("amax", x, mask), d, dtype=dtype)


def log_softmax(x: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Log-softmax along ``dim`` over the masked-in elements."""
    dtype = x.dtype if dtype is None else dtype
    d = _canonical_dim(dim, x.ndim)[0]
    return mt.nn.functional.log_softmax(_combine("amax", x, mask), d, dtype=dtype)


def softmin(x: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Softmin along ``dim`` over the masked-in elements."""
    dtype = x.dtype if dtype is None else dtype
    d = _canonical_dim(dim, x.ndim)[0]
    return mt.nn.functional.softmin(_combine("amin", x, mask), d, dtype=dtype)


def normalize(x: Tensor, ord, dim: int, *, eps: float = 1e-12, dtype=None, mask: Tensor | None = None) -> Tensor:  # noqa: A002
    """``x`` divided by the ``ord``-norm of its masked-in elements along ``dim`` (at least ``eps``)."""
    dtype = x.dtype if dtype is None else dtype
    masked = _combine("sum", x, mask)
    nrm = norm(x, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    return masked / mt.maximum(nrm, mt.full((), eps, dtype=nrm.dtype))
