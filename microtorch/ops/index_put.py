"""``masked_scatter``, ``put``, ``take``, ``index_put`` and ``masked_fill``."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from ._index_common import (
    _CPP_NAMES,
    _bad_combination,
    _bool_arg,
    _const,
    _first_out_of_range,
    _tensor_arg,
    _type_name,
    _with_out,
)
from ._util import broadcast_shapes
from .elementwise import where
from .gather_scatter import _TORCH_WORD, Gather, _accumulate
from .shape import GetItem, _check_key_bounds, index_add_into, reshape, sum_to_size


# --- masked_scatter / put ------------------------------------------------------------------
class MaskedScatter(Op):
    """``x`` with the first elements of ``src`` (in order) written where ``mask`` is True."""

    torch_name = "MaskedScatterBackward0"

    def forward(self, x, src, mask):
        self.mask, self.src_shape, self.in_shape = mask, src._data.shape, x._data.shape
        out = np.array(np.broadcast_to(x._data, mask.shape))
        out[mask] = src._data.reshape(-1)[: int(mask.sum())]
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gx = sum_to_size(g * _const((~self.mask).astype(g._data.dtype)), self.in_shape) if nx else None
        gs = None
        if ns:
            taken = GetItem.apply(g, key=(self.mask,), basic=False)
            size = math.prod(self.src_shape)
            gs = reshape(index_add_into(taken, (slice(0, taken.shape[0]),), (size,)), self.src_shape)
        return gx, gs


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """Copy of ``input`` with consecutive elements of ``source`` written where the bool ``mask`` is True."""
    _tensor_arg("masked_scatter", input, "input", 1)
    _tensor_arg("masked_scatter", mask, "mask", 2)
    _tensor_arg("masked_scatter", source, "source", 3)
    if mask._data.dtype != np.bool_:
        got = _TORCH_WORD.get(dt.from_numpy_dtype(mask._data.dtype).name, mask._data.dtype.name)
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {got}")
    if source.dtype != input.dtype:
        a, b = (
            _TORCH_WORD.get(input.dtype.name, input.dtype.name),
            _TORCH_WORD.get(source.dtype.name, source.dtype.name),
        )
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got{a} and {b}")
    shape = broadcast_shapes(mask.shape, input.shape)
    full_mask = np.broadcast_to(mask._data, shape)
    if source.numel() < int(full_mask.sum()):
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(input, source, mask=full_mask)


class Put(Op):
    """Flattened ``x`` with ``src`` written (or added) at positions ``flat``."""

    torch_name = "PutBackward0"

    def forward(self, x, src, flat, accumulate):
        self.flat, self.accumulate, self.src_shape = flat, accumulate, src._data.shape
        out = x._data.copy()
        view = out.reshape(-1)
        if accumulate:
            np.add.at(view, flat, src._data.reshape(-1))
        else:
            view[flat] = src._data.reshape(-1)
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gx = gs = None
        if nx:
            if self.accumulate:
                gx = g
            else:
                mask = np.ones(g.shape, dtype=g._data.dtype)
                mask.reshape(-1)[self.flat] = 0
                gx = g * _const(mask)
        if ns:
            gs = reshape(Gather.apply(reshape(g, (-1,)), idx=self.flat, dim=0), self.src_shape)
        return gx, gs


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """Copy of ``input`` with ``source`` written (or added) at flat positions ``index`` (negatives from the end)."""
    _tensor_arg("put", input, "input", 1)
    _tensor_arg("put", index, "index", 2)
    _tensor_arg("put", source, "source", 3)
    accumulate = _bool_arg("put", accumulate, "accumulate", 4)
    idx = index._data
    if idx.dtype != np.int64:
        got = _TORCH_WORD.get(dt.from_numpy_dtype(idx.dtype).name, idx.dtype.name)
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {got}")
    if source.dtype != input.dtype:
        a, b = (
            _TORCH_WORD.get(input.dtype.name, input.dtype.name),
            _TORCH_WORD.get(source.dtype.name, source.dtype.name),
        )
        raise RuntimeError(
            f"put_(): self and source expected to have the same dtype, but got self.dtype = {a} and source.dtype = {b}"
        )
    if source.numel() != idx.size:
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{source.numel()}, index.numel() = {idx.size}"
        )
    n = input.numel()
    bad = _first_out_of_range(idx.reshape(-1), -n, n)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    flat = np.where(idx < 0, idx + n, idx).reshape(-1)
    return Put.apply(input, source, flat=flat, accumulate=accumulate)


# --- index_put ---------------------------------------------------------------------------
class IndexPut(Op):
    """``out = x`` with ``values`` written (or added) at the advanced index ``key``."""

    torch_name = "IndexPutBackward0"

    def forward(self, x, values, key, accumulate):
        self.key, self.accumulate, self.v_shape = key, accumulate, values._data.shape
        out = x._data.copy()
        vals = np.broadcast_to(values._data, out[key].shape)
        if accumulate:
            _accumulate(out, key, vals)
        else:
            out[key] = vals
        return out

    def backward(self, g):
        nx, nv = self.needs_input_grad
        gx = gv = None
        if nx:
            if self.accumulate:
                gx = g
            else:
                mask = np.ones(g.shape, dtype=g._data.dtype)
                mask[self.key] = 0
                gx = g * Tensor._make(mask)
        if nv:
            gv = sum_to_size(GetItem.apply(g, key=self.key, basic=False), self.v_shape)
        return gx, gv


def _put_key(op: str, x: Tensor, indices) -> tuple:
    """The numpy key of index_put's tuple of index tensors, checked as torch."""
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError(
            f"{op}(): argument 'indices' (position 1) must be tuple of Tensors, not {type(indices).__name__}"
        )
    key = []
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {_type_name(t)}")
        if t._data.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        key.append(t._data.astype(bool) if t._data.dtype == np.uint8 else t._data)
    consumed = sum(k.ndim if k.dtype == np.bool_ else 1 for k in key)
    if consumed > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {consumed})")
    return tuple(key)


def _put_shape(x: Tensor, key: tuple) -> tuple:
    """Shape of ``x[key]`` for index_put's leading index tensors, computed before any bounds check."""
    shapes = [(int(k.sum()),) if k.dtype == np.bool_ else k.shape for k in key]
    try:
        lead = np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(list(sh)) for sh in shapes)
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {listed}"
        ) from None
    consumed = sum(k.ndim if k.dtype == np.bool_ else 1 for k in key)
    return tuple(lead) + tuple(x.shape[consumed:])


def check_put_dtype(x: Tensor, values: Tensor) -> None:
    """Index put writes only a source of the destination's dtype (torch's rule)."""
    if values.dtype != x.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_TORCH_WORD.get(x.dtype.name, x.dtype.name)} for the destination and "
            f"{_TORCH_WORD.get(values.dtype.name, values.dtype.name)} for the source."
        )


_UINT8_WARNING = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


def _is_mask_fill(indices, values: Tensor, accumulate: bool) -> bool:
    """torch's ``canDispatchToMaskedFill``: one bool / uint8 mask and a one-element value, not accumulating:
    it fills (casting the value) instead of index-putting."""
    return (
        not accumulate and len(indices) == 1 and indices[0]._data.dtype in (np.bool_, np.uint8) and values.numel() == 1
    )


def _check_mask_shapes(shape: tuple, key: tuple) -> None:
    """torch's IndexError for a mask whose shape differs from the dims it indexes (checked first)."""
    dim = 0
    for k in key:
        if k.dtype == np.bool_:
            for j, size in enumerate(k.shape):
                if dim + j >= len(shape) or size != shape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask {list(k.shape)} at index {j} does not match the shape of the indexed "
                        f"tensor {list(shape)} at index {dim + j}"
                    )
        dim += k.ndim if k.dtype == np.bool_ else 1


def _mask_fill_values(input: Tensor, indices, values: Tensor) -> Tensor:
    """The value of a mask fill (torch's ``masked_fill_``, which takes no uint8 mask), as ``input``'s dtype."""
    if indices[0]._data.dtype == np.uint8:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
    return values.to(input.dtype)


def _warn_uint8(indices) -> None:
    for t in indices:
        if t._data.dtype == np.uint8:
            warnings.warn(_UINT8_WARNING, UserWarning, stacklevel=3)


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """Copy of ``input`` with ``values`` written (or, with ``accumulate``, added) at the index tensors."""
    _tensor_arg("index_put", input, "input", 1)
    key = _put_key("index_put", input, indices)
    _tensor_arg("index_put", values, "values", 3)
    accumulate = _bool_arg("index_put", accumulate, "accumulate", 4)
    if _is_mask_fill(indices, values, accumulate):
        _check_mask_shapes(input.shape, key)
        values = _mask_fill_values(input, indices, values)
    else:
        _warn_uint8(indices)
        _check_mask_shapes(input.shape, key)
        if any(k.ndim == 0 and k.dtype == np.bool_ for k in key):
            raise RuntimeError(
                "index_put(): a 0-dim bool or byte index tensor takes only a one-element value without accumulate"
            )
    check_put_dtype(input, values)
    target = _put_shape(input, key)
    if not _broadcasts_to(values.shape, target):
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to indexing result of "
            f"shape {list(target)}"
        )
    _check_key_bounds(input.shape, key)
    key = tuple(a for k in key for a in (np.nonzero(k) if k.dtype == np.bool_ and k.ndim else (k,)))
    return IndexPut.apply(input, values, key=key, accumulate=accumulate)


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether ``shape`` expands to ``target`` (never to more dimensions)."""
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(reversed(shape), reversed(target)))


# --- masked_fill -------------------------------------------------------------------------
def _fill_value(x: Tensor, value) -> Tensor:
    """``value`` as a 0-d tensor of x's dtype, with torch's overflow check for numbers."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
            )
        return value.to(x.dtype)
    npdt = x._data.dtype
    if _overflows(value, npdt):
        name = {"float32": "float", "float64": "double"}.get(
            npdt.name, f"{npdt.name}_t" if npdt.kind in "iu" else npdt.name
        )
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return Tensor._make(np.asarray(value).astype(npdt))


def _overflows(value, npdt: np.dtype) -> bool:
    """torch's ``overflows<T>(value)`` for a Python number written into dtype ``npdt``."""
    if isinstance(value, complex):
        return value.imag != 0 or _overflows(value.real, npdt)
    if npdt.kind == "b" or isinstance(value, bool):
        return False
    if npdt.kind == "f":
        return math.isfinite(value) and abs(value) > np.finfo(npdt).max
    if isinstance(value, float) and not math.isfinite(value):
        return True
    info = np.iinfo(npdt)
    low = -int(info.max) if npdt.kind == "u" else int(info.min)
    return not low <= int(value) <= int(info.max)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``value`` where the bool ``mask`` (broadcast) is True, ``input`` elsewhere."""
    if (
        not isinstance(input, Tensor)
        or not isinstance(mask, Tensor)
        or not isinstance(value, (Tensor, int, float, complex, np.number))
    ):
        raise _bad_combination("masked_fill", input, mask, value)
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = _CPP_NAMES.get(mask._data.dtype.name, mask._data.dtype.name) if isinstance(mask, Tensor) else "none"
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
    shape = broadcast_shapes(mask.shape, input.shape)
    return _masked_fill(input, np.broadcast_to(mask._data, shape), _fill_value(input, value), value, MaskedFill)


def _masked_fill(x: Tensor, mask: np.ndarray, fill: Tensor, value, node) -> Tensor:
    """``node`` (a masked or index fill) of ``x`` with the 0-d ``fill``; a tensor ``value`` is an input."""
    if isinstance(value, Tensor):
        return node.tensor_value.apply(x, fill, mask=mask)
    return node.apply(x, mask=mask, value=fill._data)


def _zero_like(g: Tensor) -> Tensor:
    return Tensor._make(np.zeros((), g._data.dtype))


class MaskedFill(Op):
    """``value`` (a number) where ``mask`` (already broadcast) is True, ``x`` elsewhere."""

    torch_name = "MaskedFillBackward0"

    def forward(self, x, mask, value):
        self.mask, self.in_shape = mask, x._data.shape
        return np.where(mask, value, x._data)

    def backward(self, g):
        return sum_to_size(where(Tensor._make(self.mask), _zero_like(g), g), self.in_shape)


class MaskedFillTensor(Op):
    """``value`` (a 0-d tensor, differentiable) where ``mask`` is True, ``x`` elsewhere."""

    torch_name = "MaskedFillBackward1"

    def forward(self, x, value, mask):
        self.mask, self.in_shape = mask, x._data.shape
        return np.where(mask, value._data, x._data)

    def backward(self, g):
        nx, nv = self.needs_input_grad
        m, zero = Tensor._make(self.mask), _zero_like(g)
        gx = sum_to_size(where(m, zero, g), self.in_shape) if nx else None
        return gx, (where(m, g, zero).sum() if nv else None)


class IndexFill(MaskedFill):
    torch_name = "IndexFillBackward0"


class IndexFillTensor(MaskedFillTensor):
    torch_name = "IndexFillBackward1"


MaskedFill.tensor_value, IndexFill.tensor_value = MaskedFillTensor, IndexFillTensor


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The elements of ``input`` where the bool ``mask`` is True (both broadcast), as a 1-D tensor."""
    _tensor_arg("masked_select", input, "input", 1)
    _tensor_arg("masked_select", mask, "mask", 2)
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(mask.shape, input.shape)
    key = (np.broadcast_to(mask._data, shape),)
    return _with_out("masked_select", out, (input, mask), lambda: MaskedSelect.apply(input, key=key, shape=shape))


class MaskedSelect(Op):
    """The elements of ``x`` (broadcast to ``shape``) where the mask ``key[0]`` is True, as a 1-D tensor."""

    torch_name = "MaskedSelectBackward0"

    def forward(self, x, key, shape):
        self.key, self.shape, self.in_shape = key, shape, x._data.shape
        return np.broadcast_to(x._data, shape)[key]

    def backward(self, g):
        return sum_to_size(index_add_into(g, self.key, self.shape), self.in_shape)


def take(input: Tensor, index: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Elements of the flattened ``input`` at ``index`` (negative positions count from the end)."""
    _tensor_arg("take", input, "input", 1)
    _tensor_arg("take", index, "index", 2)
    idx = index._data
    if idx.dtype != np.int64:
        got = dt.from_numpy_dtype(idx.dtype).name
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_TORCH_WORD.get(got, got)}")
    n = input.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.reshape(-1)[np.flatnonzero((idx.reshape(-1) < -n) | (idx.reshape(-1) >= n))[0]]
        raise IndexError(f"out of range: tried to access index {int(bad)} on a tensor of {n} elements.")
    flat = np.where(idx < 0, idx + n, idx)
    return _with_out("take", out, (input, index), lambda: Take.apply(input, idx=flat))


class Take(Op):
    """Elements of the flattened ``x`` at the (non-negative) positions ``idx``, shaped as ``idx``."""

    torch_name = "TakeBackward0"

    def forward(self, x, idx):
        self.idx, self.in_shape = idx, x._data.shape
        return np.take(x._data, idx)

    def backward(self, g):
        n = int(np.prod(self.in_shape))
        flat = index_add_into(reshape(g, (-1,)), (self.idx.reshape(-1),), (n,))
        return reshape(flat, self.in_shape)
