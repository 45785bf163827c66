"""Counting and bucketing (no gradients): bincount, bucketize, searchsorted, histc,
histogram, histogramdd, isin, unique_consecutive."""

from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from .._tensor import Tensor
from ._promote import _align
from .indexing import _MAX_ALLOC
from .reduction import _check_args, _is_int, _one_dim, _type_word

__all__ = [
    "bincount",
    "bucketize",
    "searchsorted",
    "histc",
    "histogram",
    "histogramdd",
    "isin",
    "unique_consecutive",
]

HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])
HistogramddResult = namedtuple("histogramdd", ["hist", "bin_edges"])

_CPP = {"float64": "double", "float32": "float", "int64": "long", "bool": "bool"}
_NUMBER = (int, float, np.integer, np.floating)


def _check_alloc(n: int, itemsize: int = 8) -> None:
    """torch's allocator error for a result too large to allocate (instead of numpy's MemoryError)."""
    if n * itemsize > _MAX_ALLOC:
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {n * itemsize} bytes.")


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Occurrences of each non-negative integer in the 1-d ``x`` (summing ``weights`` if given)."""
    _check_args("bincount", input)
    if not _is_int(minlength):
        raise TypeError(f"bincount(): argument 'minlength' must be int, not {type(minlength).__name__}")
    if minlength < 0:
        raise RuntimeError("bincount(): minlength should be >= 0")
    if input._data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_type_word(input)}'")
    if input.ndim != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    a = input._data
    if a.size and a.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    _check_alloc(builtins.max(int(a.max()) + 1 if a.size else 0, minlength))
    if weights is None:
        return Tensor._make(np.bincount(a, minlength=minlength).astype(np.int64))
    if not isinstance(weights, Tensor):
        raise TypeError(f"bincount(): argument 'weights' must be Tensor, not {type(weights).__name__}")
    if weights.ndim != 1 or weights.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = np.float32 if weights._data.dtype == np.float32 else np.float64
    return Tensor._make(np.bincount(a, weights=weights._data.astype(np.float64), minlength=minlength).astype(out_dtype))


def _as_values(values, op: str) -> tuple:
    if isinstance(values, Tensor):
        return values._data, False
    if isinstance(values, bool) or not isinstance(values, _NUMBER):
        raise TypeError(f"{op}(): argument 'input' must be Tensor or Number, not {type(values).__name__}")
    return np.asarray(values), True


def _side(right: bool, side, op: str = "torch.searchsorted()") -> str:
    if side is None:
        return "right" if right else "left"
    if not isinstance(side, str):
        raise TypeError(f"searchsorted(): argument 'side' must be str, not {type(side).__name__}")
    if side not in ("left", "right"):
        raise RuntimeError(f"{op}: side can only be 'left' or 'right' but got {side}")
    if right and side == "left":
        raise RuntimeError(f"{op}: side and right can't be set to opposites, got side of left while right was True")
    return side


def _search(seq: np.ndarray, vals: np.ndarray, side: str) -> np.ndarray:
    """Row-wise searchsorted of ``vals`` (..., m) into ``seq`` (..., n); NaN sorts last."""
    if seq.ndim == 1:
        return np.searchsorted(seq, vals, side=side)
    rows, n = int(np.prod(seq.shape[:-1])), seq.shape[-1]
    m = vals.size // rows if rows else 0
    row_id = np.concatenate([np.repeat(np.arange(rows), n), np.repeat(np.arange(rows), m)])
    value = np.concatenate([seq.reshape(-1), vals.reshape(-1)])
    # ties: a value goes before equal entries for side='left', after them for side='right'
    seq_first = side == "right"
    flag = np.concatenate([np.full(rows * n, not seq_first), np.full(rows * m, seq_first)])
    order = np.lexsort((flag, value, row_id))
    seq_before = np.cumsum(order < rows * n)
    at_vals = order >= rows * n
    out = np.empty(rows * m, np.int64)
    out[order[at_vals] - rows * n] = seq_before[at_vals] - row_id[order[at_vals]] * n
    return out.reshape(vals.shape)


def _out_dtype(out_int32: bool):
    return np.int32 if out_int32 else np.int64


def searchsorted(
    sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False, side=None, sorter=None
) -> Tensor:
    """Indices where ``values`` would be inserted into ``sorted_sequence`` (innermost dim) to keep it sorted."""
    _check_args("searchsorted", sorted_sequence, out_int32=out_int32, right=right)
    vals, scalar = _as_values(input, "searchsorted")
    s = _side(right, side)
    seq = sorted_sequence._data
    if sorter is not None:
        if not isinstance(sorter, Tensor):
            raise TypeError(f"searchsorted(): argument 'sorter' must be Tensor, not {type(sorter).__name__}")
        if sorter._data.dtype != np.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype")
        if sorter.shape != sorted_sequence.shape:
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
                f"{list(sorted_sequence.shape)} and got sorter tensor {list(sorter.shape)}"
            )
        srt = sorter._data
        if srt.size and (srt.min() < 0 or srt.max() >= seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
        seq = np.take_along_axis(seq, srt, -1)
    if seq.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"
        )
    if seq.ndim > 1 and (scalar or vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            "tensor and input value tensor must match, but we got boundaries tensor "
            f"{list(seq.shape)} and input value tensor {list(vals.shape)}"
        )
    common = np.result_type(seq.dtype, vals.dtype) if not scalar else seq.dtype
    out = _search(seq.astype(common, copy=False), vals.astype(common, copy=False), s)
    return Tensor._make(np.asarray(out, dtype=_out_dtype(out_int32)))


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """Bucket index of each element of ``x`` among the 1-d ``boundaries``."""
    if not isinstance(boundaries, Tensor):
        raise TypeError(f"bucketize(): argument 'boundaries' must be Tensor, not {type(boundaries).__name__}")
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def _check_float_input(x: Tensor, kernel: str) -> None:
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_word(x)}'")


def _linspace(lo, hi, steps: int, dtype) -> np.ndarray:
    """torch.linspace's values (symmetric from both ends) in ``dtype``."""
    lo, hi = dtype.type(lo), dtype.type(hi)
    if steps == 1:
        return np.asarray([lo], dtype)
    step = (hi - lo) / dtype.type(steps - 1)
    i = np.arange(steps)
    half = steps // 2
    return np.where(i < half, lo + step * i.astype(dtype), hi - step * (steps - 1 - i).astype(dtype)).astype(dtype)


def _bin_positions(a: np.ndarray, lo, hi, bins: int, edges: np.ndarray | None, search: str) -> np.ndarray:
    """torch's bin of each element (-1 when outside [lo, hi] or NaN)."""
    inside = (a >= lo) & (a <= hi)
    if search == "binary":
        pos = np.searchsorted(edges, a, side="right") - 1
    else:
        t = a.dtype.type
        pos = np.floor((a - t(lo)) * t(bins) / (t(hi) - t(lo)))
        pos = np.where(inside, pos, 0).astype(np.int64)
        if search == "local":
            low, high = np.maximum(pos - 1, 0), np.minimum(pos + 2, bins + 1)
            pos = (
                low
                + np.sum(
                    (edges[np.minimum(low[..., None] + np.arange(3), bins)] <= a[..., None])
                    & (low[..., None] + np.arange(3) < high[..., None]),
                    -1,
                )
                - 1
            )
    pos = np.where(pos == bins, bins - 1, pos)
    return np.where(inside, pos, -1)


def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:  # noqa: A002
    """Histogram of ``x`` with ``bins`` equal bins over [min, max] (the data's range when equal)."""
    _check_args("histc", input)
    _check_float_input(input, "histogram_cpu")
    if not _is_int(bins):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    for name, v in (("min", min), ("max", max)):
        if isinstance(v, bool) or not isinstance(v, _NUMBER):
            raise TypeError(f"histc(): argument '{name}' must be Number, not {type(v).__name__}")
    _check_alloc(bins, input._data.itemsize)
    a = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    pos = _bin_positions(a, lo, hi, bins, None, "linear")
    return Tensor._make(np.bincount(pos[pos >= 0], minlength=bins).astype(a.dtype))


def _edges_for(a: np.ndarray, bins, rng, dim: int, n_dims: int, op: str) -> tuple:
    """The bin edges of one dim and how to search them (``local`` for equal bins, ``binary`` for given edges)."""
    if isinstance(bins, Tensor):
        if bins.ndim != 1:
            raise RuntimeError(f"{op}(): bins tensor should have one dimension, but got {bins.ndim} dimensions")
        if bins._data.dtype != a.dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with "
                f"dtype {_CPP.get(a.dtype.name, a.dtype.name)} and bins for dimension {dim} with dtype "
                f"{_CPP.get(bins._data.dtype.name, bins._data.dtype.name)}"
            )
        if bins.numel() == 0:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have at least 1 element, but got 0 elements in the bins "
                f"tensor for dimension {dim}"
            )
        return bins._data, "binary"
    if not _is_int(bins):
        raise TypeError(f"{op}(): argument 'bins' must be int or Tensor, not {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension {dim}")
    _check_alloc(bins + 1, a.itemsize)
    col = a[:, dim] if a.ndim == 2 else a
    if rng is not None:
        lo, hi = float(rng[2 * dim]), float(rng[2 * dim + 1])
    elif col.size:
        lo, hi = float(col.min()), float(col.max())
    else:
        lo, hi = 0.0, 0.0
    if lo > hi:
        raise RuntimeError(f"{op}(): min should not exceed max, but got min {lo} max {hi} for dimension {dim}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"{op}(): range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = (0.0, 1.0) if not col.size and rng is None else (lo - 0.5, hi + 0.5)
    return _linspace(lo, hi, bins + 1, a.dtype), "local"


def _histogram_counts(a: np.ndarray, edges: list, kinds: list, weight) -> np.ndarray:
    """The D-dimensional histogram of the rows of ``a`` (N, D)."""
    sizes = [e.size - 1 for e in edges]
    flat = np.zeros(a.shape[0], np.int64)
    valid = np.ones(a.shape[0], bool)
    for d, (e, kind) in enumerate(zip(edges, kinds)):
        nb = sizes[d]
        if nb <= 0:
            valid[:] = False
            continue
        pos = _bin_positions(a[:, d], e[0], e[-1], nb, e, kind)
        valid &= pos >= 0
        flat = flat * nb + np.maximum(pos, 0)
    total = int(np.prod(sizes)) if sizes else 1
    _check_alloc(total, a.itemsize)
    w = None if weight is None else weight.reshape(-1)[valid].astype(np.float64)
    counts = np.bincount(flat[valid], weights=w, minlength=max(total, 0))[: max(total, 0)]
    return counts.reshape(sizes).astype(a.dtype)


def _density(hist: np.ndarray, edges: list) -> np.ndarray:
    total = hist.sum()
    out = hist / total if total else hist * np.nan
    for d, e in enumerate(edges):
        shape = [1] * len(edges)
        shape[d] = -1
        out = out / np.diff(e).reshape(shape)
    return out.astype(hist.dtype)


def _check_weight(x: Tensor, weight, op: str):
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    if weight._data.dtype != x._data.dtype:
        raise RuntimeError(f"{op}(): weight should have the same dtype as input")
    return weight._data


def histogram(input: Tensor, bins=100, *, range=None, weight=None, density: bool = False):  # noqa: A002
    """``(hist, bin_edges)``: counts of ``x`` in ``bins`` equal bins (or between the given edges)."""
    _check_args("histogram", input, density=density)
    _check_float_input(input, "histogram_cpu")
    w = _check_weight(input, weight, "histogram")
    if w is not None and w.shape != input._data.shape:
        raise RuntimeError(
            "histogram(): if weight tensor is provided, it should have the same shape as the input tensor"
        )
    a = input._data.reshape(-1)
    edges, kind = _edges_for(a, bins, range, 0, 1, "histogram")
    hist = _histogram_counts(a[:, None], [edges], [kind], w)
    if density:
        hist = _density(hist, [edges])
    return HistogramResult(Tensor._make(hist), Tensor._make(np.array(edges)))


def histogramdd(input: Tensor, bins, *, range=None, weight=None, density: bool = False):  # noqa: A002
    """``(hist, bin_edges)``: the histogram of the points in the last dim of ``x``."""
    _check_args("histogramdd", input, density=density)
    _check_float_input(input, "histogramdd_cpu")
    if input.ndim < 2:
        raise RuntimeError(
            "torch.histogramdd: input tensor should have at least 2 dimensions, but got " + str(input.ndim)
        )
    n_dims = input.shape[-1]
    per_dim = list(bins) if isinstance(bins, (list, tuple)) else [bins] * n_dims
    if len(per_dim) != n_dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * n_dims:
        raise RuntimeError("torch.histogramdd: for a 2-dimensional input tensor, range should have 4 elements")
    a = input._data.reshape(-1, n_dims)
    w = _check_weight(input, weight, "histogramdd")
    found = [_edges_for(a, b, range, d, n_dims, "histogramdd") for d, b in enumerate(per_dim)]
    edges, kinds = [e for e, _ in found], [k for _, k in found]
    hist = _histogram_counts(a, edges, kinds, w)
    if density:
        hist = _density(hist, edges)
    return HistogramddResult(Tensor._make(hist), tuple(Tensor._make(np.array(e)) for e in edges))


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got (number, number)")
    for v, name in ((elements, "elements"), (test_elements, "test_elements")):
        if not isinstance(v, Tensor) and (isinstance(v, bool) or not isinstance(v, _NUMBER)):
            raise TypeError(f"isin(): argument '{name}' must be Tensor or Number, not {type(v).__name__}")
    a, b = _align(elements, test_elements, "isin")
    if np.bool_ in (a._data.dtype, b._data.dtype) or any(
        isinstance(v, Tensor) and v._data.dtype == np.bool_ for v in (elements, test_elements)
    ):
        raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    shape = elements.shape if isinstance(elements, Tensor) else ()
    out = np.isin(a._data.reshape(-1), b._data.reshape(-1), invert=invert).reshape(shape)
    return Tensor._make(np.asarray(out))


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Each run of equal consecutive elements (or slices along ``dim``) collapsed to one."""
    _check_args("unique_consecutive", input, return_inverse=return_inverse, return_counts=return_counts)
    a = input._data
    if dim is None:
        flat = a.reshape(-1)
        change = np.concatenate([[True], flat[1:] != flat[:-1]]) if flat.size else np.zeros(0, bool)
        values, inv_shape = flat[change], a.shape
    else:
        d = _one_dim(dim, input.ndim, "unique_consecutive")
        n = a.shape[d] if a.ndim else 1
        moved = np.moveaxis(a, d, 0).reshape(n, n and a.size // n)
        n = moved.shape[0]
        diff = (moved[1:] != moved[:-1]).any(1) if moved.shape[1] else np.zeros(max(n - 1, 0), bool)
        change = np.concatenate([[True], diff]) if n else np.zeros(0, bool)
        values = np.take(a, np.nonzero(change)[0], axis=d) if a.ndim else a
        inv_shape = (n,)
    inverse = (np.cumsum(change) - 1).reshape(inv_shape)
    starts = np.nonzero(change)[0]
    counts = np.diff(np.append(starts, change.size))
    out = [Tensor._make(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(Tensor._make(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
