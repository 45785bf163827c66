"""``index_add``, ``index_copy``, ``index_fill`` and ``index_reduce``."""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from ._index_common import (
    _as_1d,
    _bad_combination,
    _bool_arg,
    _first_out_of_range,
    _int_arg,
    _shape1,
    _tensor_arg,
    _type_name,
    _with_out,
)
from ._util import wrap_dim
from .gather_scatter import _TORCH_WORD
from .index_put import IndexFill, _masked_fill
from .scatter_reduce import _scatter_reduce
from .shape import GetItem, reshape


# --- index_add / index_copy / index_fill ---------------------------------------------------
def _along(d: int, idx: np.ndarray) -> tuple:
    """The numpy key selecting positions ``idx`` along dimension ``d``."""
    return (slice(None),) * d + (idx,)


class IndexAdd(Op):
    """``out = x`` with ``alpha * src[..., i, ...]`` added at ``x[..., idx[i], ...]`` (repeats accumulate)."""

    torch_name = "IndexAddBackward0"

    def forward(self, x, src, idx, dim, alpha):
        self.key, self.alpha = _along(dim, idx), alpha
        out = x._data.copy()
        if alpha == 1:
            np.add.at(out, self.key, src._data)
        else:  # alpha cast to x's dtype first, as torch (integers wrap)
            np.add.at(out, self.key, src._data * np.asarray(alpha).astype(out.dtype))
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gs = None
        if ns:
            gs = GetItem.apply(g, key=self.key, basic=False)
            gs = gs * self.alpha if self.alpha != 1 else gs
        return (g if nx else None), gs


class IndexCopy(Op):
    """``out = x`` with ``src[..., i, ...]`` written at ``x[..., idx[i], ...]``."""

    torch_name = "IndexCopyBackward0"

    def forward(self, x, src, idx, dim):
        self.key = _along(dim, idx)
        out = x._data.copy()
        out[self.key] = src._data
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gx = gs = None
        if nx:
            mask = np.ones(g.shape, dtype=g._data.dtype)
            mask[self.key] = 0
            gx = g * Tensor._make(mask)
        if ns:
            gs = GetItem.apply(g, key=self.key, basic=False)
        return gx, gs


def _vector_index(op: str, index, long_only: bool) -> np.ndarray:
    _tensor_arg(op, index, "index", 3)
    idx = index._data
    got = _TORCH_WORD.get(dt.from_numpy_dtype(idx.dtype).name, idx.dtype.name)
    if long_only and idx.dtype != np.int64:
        raise RuntimeError(f"{op}_(): Expected a long tensor for index, but got {got}")
    if idx.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op}_(): Expected dtype int32/int64 for index but got: {got}")
    if idx.ndim > 1:
        raise IndexError(
            f"{op}_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: {got} and size: "
            f"{list(idx.shape)}"
        )
    return idx.reshape(-1)


def _source_dtype(op: str, x: Tensor, source: Tensor) -> None:
    if source.dtype == x.dtype:
        return
    a, b = _TORCH_WORD.get(x.dtype.name, x.dtype.name), _TORCH_WORD.get(source.dtype.name, source.dtype.name)
    if op == "index_copy":
        raise RuntimeError(
            f"index_copy_(): self and source expected to have the same dtype, but got (self) {a} and (source) {b}"
        )
    raise RuntimeError(f"{op}_(): self ({a}) and source ({b}) must have the same scalar type")


def _check_add_source(x: Tensor, d: int, idx: np.ndarray, source: Tensor, op: str = "index_add") -> None:
    """index_add's (and index_reduce's) rules: source is x's shape with ``dim`` of len(index), of x's dtype."""
    if x.ndim == 0:
        if idx.size != 1:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        if idx[0] != 0:
            raise IndexError("index out of range in self")
    if source.ndim and d >= source.ndim:
        raise RuntimeError(f"{op}_(): Indexing dim {d} is out of bounds of the source tensor with dim {source.ndim}")
    n = source.shape[d] if source.ndim else 1
    if n != idx.size:
        raise RuntimeError(
            f"{op}_(): Number of indices ({idx.size}) should be equal to source.size(dim): ({n}), for dim: {d}"
        )
    others_differ = any(i != d and a != b for i, (a, b) in enumerate(zip(x.shape, source.shape)))
    if source.ndim != x.ndim or others_differ:
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = "
            f"{list(x.shape)} source.shape = {list(source.shape)}"
        )
    _source_dtype(op, x, source)


def _check_copy_source(x: Tensor, d: int, idx: np.ndarray, source: Tensor) -> None:
    """index_copy's rules (its own messages and classes)."""
    if x.ndim and source.ndim and x.ndim != source.ndim:
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality must match. Source "
            f"dimensionality ({source.ndim}), destination dimensionality ({x.ndim})"
        )
    n = source.shape[d] if source.ndim else 1
    if x.ndim == 0 and source.ndim > 1:
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape:  at "
            f"dimension 0 and source slice shape: {source.numel()} at dimension 0."
        )
    for i, (a, b) in enumerate(zip(x.shape, source.shape)):
        if i != d and a != b:
            raise RuntimeError(
                "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape: "
                f"{a} at dimension {i} and source slice shape: {b} at dimension {i}."
            )
    if n != idx.size:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) ({n})")
    _source_dtype("index_copy", x, source)


def _slices_like(x: Tensor, d: int, n: int, source: Tensor) -> Tensor:
    """``source`` shaped as ``x`` (0-d read as 1-d) with ``n`` entries along ``d``."""
    return _reshaped(source, _shape1(x.shape)[:d] + (n,) + _shape1(x.shape)[d + 1 :])


def _reshaped(t: Tensor, shape: tuple) -> Tensor:
    """``t`` with ``shape``; ``t`` itself when it has it already (torch records no view then)."""
    return t if t.shape == tuple(shape) else reshape(t, shape)


def index_add(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    source: Tensor,
    *,
    alpha=1,
    out: Tensor | None = None,
) -> Tensor:
    """Copy of ``input`` with ``alpha * source`` slices added at ``index`` along ``dim`` (repeats accumulate)."""
    _tensor_arg("index_add", input, "input", 1)
    d = wrap_dim(_int_arg("index_add", dim, "dim", 2), input.ndim)
    flat = _vector_index("index_add", index, long_only=False)
    _tensor_arg("index_add", source, "source", 4)
    if not isinstance(alpha, (int, float, np.number)):
        raise TypeError(f"index_add(): argument 'alpha' must be Number, not {_type_name(alpha)}")
    _check_add_source(input, d, flat, source)
    size = _shape1(input.shape)[d]
    bad = _first_out_of_range(flat, 0, size) if size else None
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    if not size:
        return _with_out("index_add", out, (input, index, source), input.clone)

    def compute():
        added = IndexAdd.apply(_as_1d(input), _slices_like(input, d, flat.size, source), idx=flat, dim=d, alpha=alpha)
        return _reshaped(added, input.shape)

    return _with_out("index_add", out, (input, index, source), compute)


def index_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """Copy of ``input`` with the slices of ``source`` reduced (prod, mean, amax, amin) into ``index`` along ``dim``."""
    _tensor_arg("index_reduce", input, "input", 1)
    d = wrap_dim(_int_arg("index_reduce", dim, "dim", 2), input.ndim)
    flat = _vector_index("index_reduce", index, long_only=False)
    _tensor_arg("index_reduce", source, "source", 4)
    if not isinstance(reduce, str):
        raise TypeError(f"index_reduce(): argument 'reduce' (position 5) must be str, not {_type_name(reduce)}")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    include_self = _bool_arg("index_reduce", include_self, "include_self")
    _check_add_source(input, d, flat, source, "index_reduce")
    if _first_out_of_range(flat, 0, _shape1(input.shape)[d]) is not None:
        raise IndexError("index out of range in self")
    if reduce == "mean" and input._data.dtype == np.bool_:
        raise NotImplementedError("\"index_reduce_func_cpu_mean\" not implemented for 'Bool'")
    warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=2)
    src = _as_1d(source)
    along = np.broadcast_to(flat.reshape([-1 if i == d else 1 for i in range(src.ndim)]), src.shape)

    def compute():
        return reshape(_scatter_reduce(_as_1d(input), d, along, src, reduce, include_self), input.shape)

    return _with_out("index_reduce", out, (input, index, source), compute)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``."""
    _tensor_arg("index_copy", input, "input", 1)
    d = wrap_dim(_int_arg("index_copy", dim, "dim", 2), input.ndim)
    flat = _vector_index("index_copy", index, long_only=True)
    _tensor_arg("index_copy", source, "source", 4)
    _check_copy_source(input, d, flat, source)
    size = _shape1(input.shape)[d]
    if flat.size and not size:
        raise RuntimeError(f"index_copy_(): cannot copy into dimension {d} of size 0")
    bad = _first_out_of_range(flat, 0, size)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with size {size}")

    def compute():
        copied = IndexCopy.apply(_as_1d(input), _slices_like(input, d, flat.size, source), idx=flat, dim=d)
        return _reshaped(copied, input.shape)

    return _with_out("index_copy", out, (input, index, source), compute)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:  # noqa: A002
    """Copy of ``input`` with ``value`` (a number or 0-d tensor) at ``index`` along ``dim``."""
    _tensor_arg("index_fill", input, "input", 1)
    d = wrap_dim(_int_arg("index_fill", dim, "dim", 2), input.ndim)
    _tensor_arg("index_fill", index, "index", 3)
    idx = index._data
    if idx.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
        )
    if not isinstance(value, (Tensor, int, float, np.number)):
        raise _bad_combination("index_fill", input, dim, index, value)
    size = _shape1(input.shape)[d]
    flat = idx.reshape(-1)
    if flat.size and not size:
        raise RuntimeError(f"index_fill_(): cannot fill dimension {d} of size 0")
    bad = _first_out_of_range(flat, -size, size)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    mask = np.zeros(_shape1(input.shape), dtype=bool)
    mask[_along(d, np.where(flat < 0, flat + size, flat))] = True
    fill = (
        value.to(input.dtype)
        if isinstance(value, Tensor)
        else Tensor._make(np.asarray(value).astype(input._data.dtype))
    )
    return _masked_fill(input, mask.reshape(input.shape), fill, value, IndexFill)
