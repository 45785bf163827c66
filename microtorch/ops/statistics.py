"""Order statistics and NaN-aware reductions: median, nanmedian, kthvalue, mode, msort,
quantile, nanquantile, nansum, nanmean, aminmax, cov, corrcoef.

Values are picked in numpy and then gathered with differentiable ops, so the gradient
goes to the returned index (whole-tensor median splits it among tied elements, as torch).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

import microtorch as mt

from .._tensor import Tensor
from ..autograd.function import OUTPUT
from ._cpu_order import mode_index, quickselect_index
from .indexing import diag as _diag
from .reduction import Amax, TakeAlong, _check_args, _is_int, _one_dim, _type_word, amax, amin
from .reduction import sum as _sum

__all__ = [
    "median",
    "nanmedian",
    "kthvalue",
    "mode",
    "msort",
    "quantile",
    "nanquantile",
    "nansum",
    "nanmean",
    "aminmax",
    "cov",
    "corrcoef",
]

MedianResult = namedtuple("median", ["values", "indices"])
NanmedianResult = namedtuple("nanmedian", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])
AminmaxResult = namedtuple("aminmax", ["min", "max"])


def _stable_order(a: np.ndarray) -> np.ndarray:
    """Stable ascending order along the last axis, NaN last."""
    return np.argsort(a, axis=-1, kind="stable")


def _select(x: Tensor, d: int, idx: np.ndarray, keepdim: bool, result):
    """``result(values, indices)`` for indices ``idx`` (kept dim last) chosen along ``d``."""
    idx = np.moveaxis(idx, -1, d)
    values = TakeAlong.apply(x, idx=np.ascontiguousarray(idx), dim=d)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return result(values, Tensor._make(np.array(idx, dtype=np.int64)))


def _into(op: str, out, inputs, result):
    """``result`` (a named tuple), or written into the tensors of ``out`` (torch's out= rules)."""
    if out is None:
        return result
    from .indexing import _check_out_grad, _write_out

    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        raise TypeError(f"{op}(): argument 'out' must be tuple of Tensors")
    for o in out:
        _check_out_grad(op, o, inputs)
    for o, r in zip(out, result):
        if o._data.dtype != r._data.dtype:
            _write_out(o, r._data, inputs)  # raises torch's dtype error before anything is written
    return type(result)(*(_write_out(o, r._data, inputs) for o, r in zip(out, result)))


def _first_nan(a: np.ndarray) -> tuple:
    nan = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, bool)
    return nan.any(-1, keepdims=True), np.argmax(nan, -1)[..., None]


def _median_index(a: np.ndarray, ignore_nan: bool) -> np.ndarray:
    """Index of the lower median along the last axis (torch's choice: a NaN wins for median)."""
    order = _stable_order(a)
    has_nan, first_nan = _first_nan(a)
    if ignore_nan:
        nan = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, bool)
        count = a.shape[-1] - nan.sum(-1, keepdims=True)
        pos = np.maximum((count - 1) // 2, 0)
        picked = np.take_along_axis(order, pos, -1)
        return np.where(count == 0, first_nan, picked)
    pos = np.full(a.shape[:-1] + (1,), (a.shape[-1] - 1) // 2)
    return np.where(has_nan, first_nan, np.take_along_axis(order, pos, -1))


class MedianAll(Amax):
    """Whole-tensor (nan)median: the gradient split evenly among the elements equal to it."""

    torch_name = "MedianBackward0"
    nan_wins = True

    def forward(self, x, ignore_nan):
        a = x._data
        self.in_shape, self.dims, self.keepdim = a.shape, tuple(range(a.ndim)), False
        self.save_for_backward(x, OUTPUT)
        flat = a.reshape(-1)
        if flat.size == 0:
            return np.asarray(np.nan, a.dtype)
        return np.asarray(flat[_median_index(flat, ignore_nan)[0]])


def _median(x: Tensor, dim, keepdim: bool, ignore_nan: bool, name: str, result):
    _check_args(name, x, keepdim=keepdim)
    if x._data.dtype == np.bool_:
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    if dim is None:
        return MedianAll.apply(x, ignore_nan=ignore_nan)
    d = _one_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return result(mt.clone(x), Tensor._make(np.zeros((), np.int64)))
    if x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    a = np.moveaxis(x._data, d, -1)
    return _select(x, d, _median_index(a, ignore_nan), keepdim, result)


def median(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The lower median of all elements, or ``(values, indices)`` along ``dim`` (NaN propagates)."""
    return _into("median", out, (input,), _median(input, dim, keepdim, False, "median", MedianResult))


def nanmedian(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """``median`` ignoring NaN (NaN only where a slice is all NaN)."""
    return _into("nanmedian", out, (input,), _median(input, dim, keepdim, True, "nanmedian", NanmedianResult))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest value along ``dim`` and its index (NaN counts as the largest)."""
    return _into("kthvalue", out, (input,), _kthvalue(input, k, dim, keepdim))


def _kthvalue(x: Tensor, k, dim, keepdim: bool):
    """The ``k``-th smallest value along ``dim`` and its index (NaN counts as the largest)."""
    _check_args("kthvalue", x, keepdim=keepdim)
    if not _is_int(k):
        raise TypeError(f"kthvalue(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    d = _one_dim(dim, x.ndim, "kthvalue")
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    size = x.shape[d] if x.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if x.ndim == 0:
        return KthvalueResult(mt.clone(x), Tensor._make(np.zeros((), np.int64)))
    a = np.moveaxis(x._data, d, -1)
    picked = _stable_order(a)[..., k - 1 : k]
    return _select(x, d, _cpu_tie_order(a, picked, lambda row: quickselect_index(row, k - 1)), keepdim, KthvalueResult)


def _cpu_tie_order(a: np.ndarray, picked: np.ndarray, index_of) -> np.ndarray:
    """``picked`` (kept last axis), with the slices whose picked value is tied redone by ``index_of``
    (the order torch's CPU kernel leaves equal values in)."""
    rows, flat = a.reshape(-1, a.shape[-1]), picked.reshape(-1, 1)
    value = np.take_along_axis(rows, flat, -1)
    same = rows == value
    if a.dtype.kind == "f":
        same |= np.isnan(rows) & np.isnan(value)
    tied = np.nonzero(same.sum(-1) > 1)[0]
    if not tied.size:
        return picked
    flat = flat.copy()
    for r in tied:
        flat[r, 0] = index_of(rows[r].tolist())
    return flat.reshape(picked.shape)


def _mode_index(a: np.ndarray) -> np.ndarray:
    """Index of the most frequent value along the last axis: the smallest such value, at its last position."""
    order = _stable_order(a)
    s = np.take_along_axis(a, order, -1)
    n = a.shape[-1]
    same = np.concatenate([np.zeros(s.shape[:-1] + (1,), bool), s[..., 1:] == s[..., :-1]], -1)
    if a.dtype.kind == "f":  # torch counts NaNs as one value
        same[..., 1:] |= np.isnan(s[..., 1:]) & np.isnan(s[..., :-1])
    pos = np.broadcast_to(np.arange(n), s.shape)
    run_start = np.maximum.accumulate(np.where(same, 0, pos), axis=-1)
    run_len = pos - run_start
    end = np.argmax(run_len == run_len.max(-1, keepdims=True), -1)[..., None]
    picked = np.take_along_axis(order, end, -1)
    if n <= 16:  # std::sort is an insertion sort here, stable: the last occurrence, as above
        return picked
    return _cpu_tie_order(a, picked, mode_index)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out=None):
    """The most frequent value along ``dim`` (smallest on ties) and its last index."""
    return _into("mode", out, (input,), _mode(input, dim, keepdim))


def _mode(x: Tensor, dim, keepdim: bool):
    _check_args("mode", x, keepdim=keepdim)
    d = _one_dim(dim, x.ndim, "mode")
    if x.ndim == 0:
        return ModeResult(mt.clone(x), Tensor._make(np.zeros((), np.int64)))
    if x.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    return _select(x, d, _mode_index(np.moveaxis(x._data, d, -1)), keepdim, ModeResult)


def msort(input: Tensor) -> Tensor:
    """``sort(x, dim=0).values``."""
    _check_args("msort", input)
    return mt.sort(input, 0).values


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check_quantile(x: Tensor, q, interpolation, name: str) -> Tensor:
    _check_args(name, x)
    if not isinstance(q, Tensor):
        if isinstance(q, bool) or not isinstance(q, (int, float, np.floating, np.integer)):
            raise TypeError(f"{name}() received an invalid combination of arguments - got q of type {type(q).__name__}")
        q = Tensor._make(np.asarray(q, dtype=x._data.dtype if x._data.dtype.kind == "f" else np.float64))
        scalar_q = True
    else:
        scalar_q = q.ndim == 0
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if q._data.dtype != x._data.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if q.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if not isinstance(interpolation, str):
        raise TypeError(f"{name}(): argument 'interpolation' must be str, not {type(interpolation).__name__}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. Got {interpolation}"
        )
    qa = q._data
    if not ((qa >= 0) & (qa <= 1)).all():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    return q, scalar_q


def _ranks(sorted_t: Tensor, q: Tensor, ignore_nan: bool) -> Tensor:
    """torch's quantile ranks, (k, ..., 1) positions into the sorted last axis (differentiable in ``q``)."""
    a = sorted_t._data
    q = mt.reshape(q, (-1,) + (1,) * a.ndim)
    nan = np.isnan(a)
    if ignore_nan:
        return q * Tensor._make((np.logical_not(nan).sum(-1, keepdims=True) - 1).astype(a.dtype))
    last = a.shape[-1] - 1
    return mt.where(Tensor._make(nan.any(-1, keepdims=True)), Tensor._make(np.asarray(last, a.dtype)), q * last)


def _interpolated(sorted_t: Tensor, ranks: Tensor, interpolation: str) -> Tensor:
    """The sorted values at ``ranks`` (k, ..., 1), interpolated as ``interpolation`` says."""
    r = ranks._data
    lo = np.floor(r)
    if interpolation == "higher":
        lo = np.ceil(r)
    elif interpolation == "nearest":
        lo = np.round(r)  # half to even, as torch's round
    k = r.shape[0]
    expanded = mt.unsqueeze(sorted_t, 0).expand((k,) + sorted_t.shape)
    idx_shape = (k,) + sorted_t.shape[:-1] + (1,)
    below = TakeAlong.apply(expanded, idx=np.broadcast_to(np.maximum(lo, 0).astype(np.int64), idx_shape).copy(), dim=-1)
    if interpolation not in ("linear", "midpoint"):
        return below
    hi = np.broadcast_to(np.maximum(np.ceil(r), 0).astype(np.int64), idx_shape).copy()
    above = TakeAlong.apply(expanded, idx=hi, dim=-1)
    if interpolation == "linear":
        weight = (ranks - Tensor._make(lo.astype(r.dtype))).expand(idx_shape)
    else:
        weight = Tensor._make(np.broadcast_to(np.where(r > lo, 0.5, 0.0), idx_shape).astype(r.dtype))
    return mt.lerp(below, above, weight)


def _quantile(x: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool, name: str) -> Tensor:
    q, scalar_q = _check_quantile(x, q, interpolation, name)
    _check_args(name, x, keepdim=keepdim)
    if x.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if dim is None:
        src, out_shape = mt.reshape(x, (-1,)), ((1,) * x.ndim if keepdim else ())
    else:
        d = _one_dim(dim, x.ndim, name)
        src = mt.movedim(x, d, -1) if x.ndim else mt.reshape(x, (1,))
        out_shape = tuple(1 if i == d else s for i, s in enumerate(x.shape)) if keepdim else src.shape[:-1]
    sorted_t = mt.sort(src, -1).values
    values = _interpolated(sorted_t, _ranks(sorted_t, q, ignore_nan), interpolation)
    out = mt.reshape(values, (values.shape[0],) + tuple(out_shape))
    return mt.reshape(out, tuple(out_shape)) if scalar_q else out


def quantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles over all elements or along ``dim`` (NaN if a slice has NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear") -> Tensor:
    """``quantile`` ignoring NaN values."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum treating NaN as zero (gradient 0 at NaN)."""
    _check_args("nansum", input, keepdim=keepdim)
    if input._data.dtype.kind == "f":
        input = mt.where(mt.isnan(input), Tensor._make(np.zeros((), input._data.dtype)), input)
    return _sum(input, dim, keepdim, dtype=dtype)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of the non-NaN elements."""
    _check_args("nanmean", input, keepdim=keepdim)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got " + _type_word(input)
        )
    count = _sum(mt.logical_not(mt.isnan(input)), dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False, out=None):
    """``(min, max)`` over all elements or along ``dim``."""
    return _into("aminmax", out, (input,), _aminmax(input, dim, keepdim))


def _aminmax(x: Tensor, dim, keepdim: bool):
    _check_args("aminmax", x, keepdim=keepdim)
    if dim is None:
        if x.numel() == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
            )
        lo, hi = amin(x), amax(x)
        if keepdim:
            lo, hi = mt.reshape(lo, (1,) * x.ndim), mt.reshape(hi, (1,) * x.ndim)
        return AminmaxResult(lo, hi)
    d = _one_dim(dim, x.ndim, "aminmax")
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"aminmax(): Expected reduction dim {d} to have non-zero size.")
    return AminmaxResult(amin(x, d, keepdim), amax(x, d, keepdim))


def _cov_weights(x: Tensor, fweights, aweights):
    n = x.shape[1]
    w = None
    if fweights is not None:
        _check_weight(fweights, n, "fweights", integral=True)
        w = fweights
    if aweights is not None:
        _check_weight(aweights, n, "aweights", integral=False)
        w = aweights if w is None else w * aweights
    return w


def _check_weight(w, n: int, name: str, integral: bool) -> None:
    if not isinstance(w, Tensor):
        raise TypeError(f"cov(): argument '{name}' must be Tensor, not {type(w).__name__}")
    if w.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with {w.ndim} dimensions"
        )
    if w.numel() != n:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the input but got "
            f"{w.numel()} != {n}"
        )
    if integral and w._data.dtype.kind not in "iu":
        raise RuntimeError(
            f"cov(): expected fweights to have integral dtype but got fweights with {_type_word(w)} dtype"
        )
    if not integral and w._data.dtype.kind != "f":
        raise RuntimeError(
            f"cov(): expected aweights to have floating point dtype but got aweights with {_type_word(w)} dtype"
        )
    if (w._data < 0).any():
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """Covariance matrix of the variables in the rows of ``x`` (observations in columns)."""
    _check_args("cov", input)
    if input.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with {input.ndim} dimensions"
        )
    if isinstance(correction, bool) or not _is_int(correction):
        raise TypeError(f"cov(): argument 'correction' must be int, not {type(correction).__name__}")
    input = mt.reshape(input, (1, -1)) if input.ndim < 2 else input
    w = _cov_weights(input, fweights, aweights)
    if w is None:
        w_sum = float(input.shape[1])
        avg = _sum(input, 1) / w_sum
    else:
        w_sum = _sum(w)
        avg = _sum(input * w, 1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * _sum(w * aweights) / w_sum
    else:
        norm = w_sum - correction
    if float(norm._data if isinstance(norm, Tensor) else norm) <= 0:
        import warnings

        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of observations.",
            stacklevel=2,
        )
        norm = mt.zeros_like(norm) if isinstance(norm, Tensor) else 0.0  # +0 (torch), never -0 from a negative norm
    centered = input - mt.unsqueeze(avg, 1)
    c = mt.mm(centered, (centered if w is None else centered * w).t())
    return mt.squeeze(mt.true_divide(c, norm))


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of ``x``, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    sd = mt.sqrt(_diag(c))
    c = c / mt.reshape(sd, (-1, 1))
    c = c / mt.reshape(sd, (1, -1))
    return mt.clip(c, -1, 1)
