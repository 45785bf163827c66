"""Ops that combine or lift tensors: ``atleast_*d``, ``hstack`` / ``vstack`` / ``dstack`` /
``column_stack``, ``block_diag``, ``cartesian_prod``, ``combinations``, ``broadcast_tensors``,
``broadcast_shapes``, ``diag_embed``, ``diagflat`` and ``trace``."""

from __future__ import annotations

import itertools
import math

import numpy as np

from .. import _dtype as dt
from .._foreign import foreign_tensor_error
from .._tensor import Tensor
from ..autograd.function import Op
from . import shape as S
from ._util import wrap_dim
from .shape_views import _MAX_BYTES, Gather, ScatterAdd, _check_tensor, _diag_view, _int, _positions, check_alloc

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "hstack",
    "vstack",
    "row_stack",
    "dstack",
    "column_stack",
    "block_diag",
    "cartesian_prod",
    "combinations",
    "broadcast_tensors",
    "broadcast_shapes",
    "diag_embed",
    "diagflat",
    "trace",
]


# --- atleast_*d ---------------------------------------------------------------------------
def _lift_1d(x: Tensor) -> Tensor:
    return S.reshape(x, (1,)) if x.ndim == 0 else x


def _lift_2d(x: Tensor) -> Tensor:
    if x.ndim == 0:
        return S.reshape(x, (1, 1))
    return S.unsqueeze(x, 0) if x.ndim == 1 else x


def _lift_3d(x: Tensor) -> Tensor:
    if x.ndim == 0:
        return S.reshape(x, (1, 1, 1))
    if x.ndim == 1:
        return S.unsqueeze(S.unsqueeze(x, 0), 2)
    return S.unsqueeze(x, 2) if x.ndim == 2 else x


def _atleast(name: str, lift, tensors: tuple):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return lift(tensors[0])
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not {type(t).__name__}")
    return tuple(lift(t) for t in tensors)


def atleast_1d(*tensors):
    """Each tensor with at least one dimension (0-d tensors become shape (1,))."""
    return _atleast("atleast_1d", _lift_1d, tensors)


def atleast_2d(*tensors):
    """Each tensor with at least two dimensions (new leading dims of size 1)."""
    return _atleast("atleast_2d", _lift_2d, tensors)


def atleast_3d(*tensors):
    """Each tensor with at least three dimensions (numpy's placement of the new dims)."""
    return _atleast("atleast_3d", _lift_3d, tensors)


# --- stacking -----------------------------------------------------------------------------
def _tensor_list(name: str, tensors) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not {type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise foreign_tensor_error(name, t) or TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return list(tensors)


def hstack(tensors) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-d tensors), after ``atleast_1d``."""
    ts = [_lift_1d(t) for t in _tensor_list("hstack", tensors)]
    return S.cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Concatenate along dim 0, after ``atleast_2d``."""
    return S.cat([_lift_2d(t) for t in _tensor_list("vstack", tensors)], 0)


def row_stack(tensors) -> Tensor:
    """Alias of ``vstack``."""
    return S.cat([_lift_2d(t) for t in _tensor_list("row_stack", tensors)], 0)


def dstack(tensors) -> Tensor:
    """Concatenate along dim 2, after ``atleast_3d``."""
    return S.cat([_lift_3d(t) for t in _tensor_list("dstack", tensors)], 2)


def column_stack(tensors) -> Tensor:
    """Concatenate along dim 1, 0-d and 1-d tensors first made columns."""
    ts = _tensor_list("column_stack", tensors)
    return S.cat([S.reshape(t, (t.numel(), 1)) if t.ndim <= 1 else t for t in ts], 1)


class BlockDiag(Op):
    """Matrices placed along the diagonal of a zero matrix (inputs promoted; gradients cast back)."""

    torch_name = "BlockDiagBackward0"

    def forward(self, *mats, dtype):
        shapes = [m._data.shape for m in mats]
        self.dtypes = [dt.from_numpy_dtype(m._data.dtype) for m in mats]
        self.bounds = list(zip(np.cumsum([0] + [s[0] for s in shapes]), np.cumsum([0] + [s[1] for s in shapes])))
        r, c = self.bounds[-1]
        out = np.zeros((int(r), int(c)), dtype)
        for m, (r0, c0), (r1, c1) in zip(mats, self.bounds, self.bounds[1:]):
            out[r0:r1, c0:c1] = m._data
        return out

    def backward(self, g):
        grads = []
        for need, d, (r0, c0), (r1, c1) in zip(self.needs_input_grad, self.dtypes, self.bounds, self.bounds[1:]):
            gi = S.narrow(S.narrow(g, 0, int(r0), int(r1 - r0)), 1, int(c0), int(c1 - c0)) if need else None
            grads.append(gi.to(d) if gi is not None and gi.dtype != d else gi)
        return tuple(grads)


def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix of the inputs (0-d: 1x1, 1-d: one row)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag(): argument 'tensors' must be tuple of Tensors, not {type(t).__name__}")
        if t.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t.ndim} dimensions"
            )
    if not tensors:
        return Tensor._make(np.zeros((1, 0), dt.get_default_dtype().np))
    mats = [S.reshape(t, (1, 1)) if t.ndim == 0 else S.unsqueeze(t, 0) if t.ndim == 1 else t for t in tensors]
    dtype = dt.result_type(*tensors).np
    check_alloc(sum(m.shape[0] for m in mats) * sum(m.shape[1] for m in mats), dtype.itemsize)
    return BlockDiag.apply(*mats, dtype=dtype)


def _vectors(name: str, tensors: tuple) -> list:
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not {type(t).__name__}")
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    return list(tensors)


def cartesian_prod(*tensors) -> Tensor:
    """Every combination of one element from each 1-d input, one per row (``itertools.product``)."""
    ts = _vectors("cartesian_prod", tensors)
    if len(ts) == 1:
        return ts[0]
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    from .. import meshgrid

    grids = meshgrid(*ts, indexing="ij")
    return S.stack([S.flatten(g) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """The length-``r`` combinations of a 1-d tensor's elements, one per row."""
    _check_tensor("combinations", input)
    r = _int("combinations", r, "r", 2)
    if not isinstance(with_replacement, bool):
        raise TypeError(
            f"combinations(): argument 'with_replacement' (position 3) must be bool, not {type(with_replacement).__name__}"
        )
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    _vectors("combinations", (input,))
    if r == 0:
        return Tensor._make(np.zeros((0,), input._data.dtype))
    n = input.shape[0]
    # torch first builds r grids of n**r candidates each (in logs: n**r overflows for a large r)
    if r * math.log2(max(n, 1)) + math.log2(r * input._data.itemsize) > math.log2(_MAX_BYTES):
        raise RuntimeError(f"combinations: cannot allocate the {n}**{r} candidate grid (std::bad_alloc)")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    cols = [input[Tensor._make(np.ascontiguousarray(rows[:, j]))] for j in range(r)]
    return S.stack(cols, 1)


# --- broadcasting -------------------------------------------------------------------------
def broadcast_shapes(*shapes) -> tuple:
    """The shape that tensors of ``shapes`` broadcast to (a ``Size``; torch's rules and errors)."""
    from .._tensor import Size

    norm = [(s,) if isinstance(s, (int, np.integer)) else s for s in shapes if s is not None]
    for s in norm:
        if not isinstance(s, (tuple, list, str, Size)):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}")
    common = [1] * max((len(s) for s in norm), default=0)
    for i, s in enumerate(norm):
        for k in range(-1, -1 - len(s), -1):
            n = s[k]
            if n == common[k]:
                continue
            if common[k] == 1:
                if n < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[k] = n
            elif n != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {n} at {k}! Mismatching argument at index {i} "
                    f"had {s}; but expected shape should be broadcastable to {common}"
                )
    bad = next((n for n in common if not isinstance(n, (int, np.integer)) or isinstance(n, bool)), None)
    if bad is not None:
        raise TypeError(f"torch.Size() takes an iterable of 'int' (item 0 is '{type(bad).__name__}')")
    return Size(int(n) for n in common)


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"broadcast_tensors(): argument 'tensors' must be tuple of Tensors, not {type(t).__name__}")
    from ._util import broadcast_shapes as _shapes

    shape = _shapes(*[t.shape for t in tensors]) if tensors else ()
    return tuple(t if tuple(t.shape) == shape else S.expand(t, shape) for t in tensors)


# --- diagonal matrices --------------------------------------------------------------------
class DiagEmbed(Op):
    """Zeros of ``shape`` with ``x`` at flat positions ``index`` (``index`` has ``x``'s shape)."""

    torch_name = "DiagEmbedBackward0"

    def forward(self, x, index, shape):
        self.index = index
        out = np.zeros(shape, x._data.dtype)
        out.reshape(-1)[index.reshape(-1)] = x._data.reshape(-1)
        return out

    def backward(self, g):
        return Gather.apply(g, index=self.index)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Tensors whose (``dim1``, ``dim2``) planes have ``input``'s last dim on diagonal ``offset``."""
    _check_tensor("diag_embed", input)
    offset = _int("diag_embed", offset, "offset", 2)
    nd = input.ndim + 1
    d1 = wrap_dim(_int("diag_embed", dim1, "dim1", 3), nd)
    d2 = wrap_dim(_int("diag_embed", dim2, "dim2", 4), nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    lead = list(input.shape[:-1]) if input.ndim else []
    n = (input.shape[-1] if input.ndim else 1) + abs(offset)
    shape = lead[:]
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    if int(np.prod(shape, dtype=object)) * 8 > _MAX_BYTES:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={shape}")
    where = _diag_view(np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape), offset, d1, d2)
    return DiagEmbed.apply(input, index=np.ascontiguousarray(where).reshape(input.shape), shape=tuple(shape))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    """A 2-d matrix with the flattened ``input`` on diagonal ``offset``."""
    _check_tensor("diagflat", input)
    offset = _int("diagflat", offset, "offset", 2)
    return diag_embed(S.reshape(input, -1), offset)


class Trace(Op):
    """The sum of a matrix's main diagonal (integers sum to int64)."""

    def forward(self, x, index):
        self.index, self.in_shape = index, x._data.shape
        a = x._data
        return np.asarray(a.reshape(-1)[index].sum(dtype=np.int64 if a.dtype.kind in "iub" else a.dtype))

    def backward(self, g):
        return ScatterAdd.apply(S.expand(g, self.index.shape), index=self.index, shape=self.in_shape)


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """The sum of the elements on the main diagonal of a 2-d tensor."""
    _check_tensor("trace", input)
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype == dt.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    index = np.array(_diag_view(_positions(input)._data, 0, 0, 1), order="C")
    return Trace.apply(input, index=index)
