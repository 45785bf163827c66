"""Index-based ops: scatter / scatter_add, one_hot, unique, diag, roll, tile, meshgrid."""

from __future__ import annotations

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Op
from ._util import wrap_dim
from .reduction import TakeAlong
from .shape import cat, expand, narrow, repeat, reshape

__all__ = ["scatter", "scatter_add", "one_hot", "unique", "diag", "roll", "tile", "meshgrid", "argwhere"]


def _check_index(op: str, x: Tensor, dim: int, index: Tensor, src_shape=None) -> np.ndarray:
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {idx.dtype}")
    if idx.ndim != x.ndim:
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as self tensor ({x.ndim}), got {idx.ndim}"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[dim]):
        bad = int(idx.max()) if idx.max() >= x.shape[dim] else int(idx.min())
        raise RuntimeError(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {x.shape[dim]}")
    return idx


def _full_index(idx: np.ndarray, dim: int) -> tuple:
    """Advanced-index tuple addressing ``out[..., idx, ...]`` along ``dim`` for every position of idx."""
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return tuple(grids)


class Scatter(Op):
    """``out = x; out[idx along dim] = src`` (or ``+=`` with ``accumulate``)."""

    torch_name = "ScatterBackward0"

    def forward(self, x, src, idx, dim, accumulate):
        self.idx, self.dim, self.accumulate = idx, dim, accumulate
        self.src_shape = src._data.shape
        out = x._data.copy()
        key = _full_index(idx, dim)
        s = src._data[tuple(slice(0, n) for n in idx.shape)]
        if accumulate:
            xp.add.at(out, key, s)
        else:
            out[key] = s
        return out

    def backward(self, g):
        nx, ns = self.needs_input_grad
        gx = gs = None
        if nx:
            if self.accumulate:
                gx = g
            else:
                mask = np.ones(g.shape, dtype=bool)
                mask[_full_index(self.idx, self.dim)] = False
                gx = g * Tensor._make(mask)
        if ns:
            taken = TakeAlong.apply(g, idx=self.idx, dim=self.dim)
            if taken.shape != self.src_shape:
                pad = [(0, s - t) for s, t in zip(self.src_shape, taken.shape)]
                taken = Tensor._make(np.pad(taken._data, pad)) if not taken.requires_grad else taken
            gs = taken
        return gx, gs


def _as_src(x: Tensor, src) -> Tensor:
    if isinstance(src, Tensor):
        return src.to(x.dtype)
    return Tensor._make(np.full((1,) * x.ndim, src, dtype=x._data.dtype))


def scatter(x: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """Copy of ``x`` with ``src`` (tensor or number) written at ``index`` along ``dim``."""
    d = wrap_dim(dim, x.ndim, "scatter")
    idx = _check_index("scatter", x, d, index)
    source = _as_src(x, value if src is None else src)
    if source._data.size == 1 and idx.size:
        source = expand(reshape(source, (1,) * x.ndim), idx.shape)
    return Scatter.apply(x, source, idx=idx, dim=d, accumulate=reduce == "add")


def scatter_add(x: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Copy of ``x`` with ``src`` added at ``index`` along ``dim`` (duplicates accumulate)."""
    d = wrap_dim(dim, x.ndim, "scatter_add")
    idx = _check_index("scatter_add", x, d, index)
    return Scatter.apply(x, _as_src(x, src), idx=idx, dim=d, accumulate=True)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices (a new last dimension of ``num_classes``)."""
    a = tensor._data
    if a.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if a.size and a.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    n = int(a.max()) + 1 if num_classes == -1 and a.size else num_classes
    if num_classes == -1 and not a.size:
        raise RuntimeError("one_hot: Can not infer total number of classes from empty tensor.")
    if a.size and a.max() >= n:
        raise RuntimeError("one_hot: Class values must be smaller than num_classes.")
    return Tensor._make((a[..., None] == np.arange(n)).astype(np.int64))


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):  # noqa: A002
    """Sorted unique values (optionally with inverse indices and counts)."""
    if dim is not None:
        vals, inv, counts = np.unique(x._data, return_inverse=True, return_counts=True, axis=dim)
    else:
        vals, inv, counts = np.unique(x._data, return_inverse=True, return_counts=True)
        inv = inv.reshape(x.shape)
    out = [Tensor._make(vals)]
    if return_inverse:
        out.append(Tensor._make(inv.astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A diagonal matrix from a vector, or the diagonal of a matrix (differentiable)."""
    if x.ndim == 1:
        n = x.shape[0] + abs(diagonal)
        rows = np.arange(x.shape[0]) + max(-diagonal, 0)
        cols = np.arange(x.shape[0]) + max(diagonal, 0)
        from .shape import index_add_into

        return index_add_into(x, (rows, cols), (n, n))
    if x.ndim == 2:
        rows = np.arange(max(0, -diagonal), x.shape[0])
        cols = rows + diagonal
        keep = (cols >= 0) & (cols < x.shape[1])
        return x[Tensor._make(rows[keep]), Tensor._make(cols[keep])]
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """Rotate elements along ``dims`` by ``shifts`` (flattened when dims is None)."""
    if dims is None:
        return reshape(roll(reshape(x, (-1,)), shifts, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    out = x
    for s, d in zip(shifts, dims):
        d = wrap_dim(d, x.ndim, "roll")
        n = x.shape[d]
        if n == 0:
            continue
        s %= n
        if s:
            out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d)
    return out


def tile(x: Tensor, dims) -> Tensor:
    """Repeat ``x`` along each dimension (``dims`` padded with ones on the left)."""
    dims = tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, *dims)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors (``'ij'`` or ``'xy'`` indexing)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be one of 'xy' or 'ij', got '{indexing}'")
    seq = list(tensors)
    if indexing == "xy" and len(seq) >= 2:
        seq[0], seq[1] = seq[1], seq[0]
    shape = tuple(t.numel() for t in seq)
    grids = []
    for i, t in enumerate(seq):
        view = [1] * len(seq)
        view[i] = -1
        grids.append(expand(reshape(t, tuple(view)), shape))
    if indexing == "xy" and len(grids) >= 2:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def argwhere(x: Tensor) -> Tensor:
    """Indices of non-zero elements as an (n, ndim) int64 tensor."""
    return Tensor._make(np.argwhere(x._data).astype(np.int64))
