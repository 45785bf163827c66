"""The index-based ops as Tensor methods (gather, scatter, index_put, masked_*, ...)."""

from __future__ import annotations

from ._inplace import _inplace
from ._tensor import Tensor
from .ops import indexing as _I  # noqa: E402
from .ops import shape as S

Tensor.gather = lambda self, dim, index, *, sparse_grad=False: _I.gather(self, dim, index, sparse_grad=sparse_grad)
Tensor.index_select = lambda self, dim, index: _I.index_select(self, dim, index)
Tensor.take_along_dim = lambda self, indices, dim=None: _I.take_along_dim(self, indices, dim)
Tensor.masked_fill = lambda self, mask, value: _I.masked_fill(self, mask, value)
Tensor.masked_fill_ = _inplace("masked_fill_", _I.masked_fill)
Tensor.scatter = lambda self, dim, index, src=None, *, value=None, reduce=None: _I.scatter(
    self, dim, index, src, value=value, reduce=reduce
)
Tensor.scatter_add = lambda self, dim, index, src: _I.scatter_add(self, dim, index, src)
Tensor.scatter_ = _inplace(
    "scatter_",
    lambda self, dim, index, src=None, *, value=None, reduce=None: _I.scatter(
        self, dim, index, src, value=value, reduce=reduce
    ),
)
Tensor.scatter_add_ = _inplace("scatter_add_", lambda self, dim, index, src: _I.scatter_add(self, dim, index, src))
Tensor.scatter_reduce = lambda self, dim, index, src, reduce, *, include_self=True: _I.scatter_reduce(
    self, dim, index, src, reduce, include_self=include_self
)
Tensor.scatter_reduce_ = _inplace(
    "scatter_reduce_",
    lambda self, dim, index, src, reduce, *, include_self=True: _I.scatter_reduce(
        self, dim, index, src, reduce, include_self=include_self
    ),
)
Tensor.index_put = lambda self, indices, values, accumulate=False: _I.index_put(self, indices, values, accumulate)
Tensor.index_put_ = _inplace("index_put_", _I.index_put)
Tensor.index_add = lambda self, dim, index, source, *, alpha=1: _I.index_add(self, dim, index, source, alpha=alpha)
Tensor.index_add_ = _inplace(
    "index_add_", lambda self, dim, index, source, *, alpha=1: _I.index_add(self, dim, index, source, alpha=alpha)
)
Tensor.index_copy = lambda self, dim, index, source: _I.index_copy(self, dim, index, source)
Tensor.index_copy_ = _inplace("index_copy_", lambda self, dim, index, source: _I.index_copy(self, dim, index, source))
Tensor.index_fill = lambda self, dim, index, value: _I.index_fill(self, dim, index, value)
Tensor.index_fill_ = _inplace("index_fill_", _I.index_fill)
Tensor.index_reduce = lambda self, dim, index, source, reduce, *, include_self=True: _I.index_reduce(
    self, dim, index, source, reduce, include_self=include_self
)
Tensor.index_reduce_ = _inplace(
    "index_reduce_",
    lambda self, dim, index, source, reduce, *, include_self=True: _I.index_reduce(
        self, dim, index, source, reduce, include_self=include_self
    ),
)
Tensor.take = lambda self, index: _I.take(self, index)
Tensor.masked_select = lambda self, mask: _I.masked_select(self, mask)
Tensor.masked_scatter = lambda self, mask, source: _I.masked_scatter(self, mask, source)
Tensor.masked_scatter_ = _inplace("masked_scatter_", _I.masked_scatter)
Tensor.put = lambda self, index, source, accumulate=False: _I.put(self, index, source, accumulate)
Tensor.put_ = _inplace("put_", _I.put)


Tensor.t = S.t
Tensor.unique = lambda self, sorted=True, return_inverse=False, return_counts=False, dim=None: _I.unique(
    self, sorted, return_inverse, return_counts, dim
)
Tensor.diag = lambda self, diagonal=0: _I.diag(self, diagonal)
Tensor.roll = lambda self, shifts, dims=None: _I.roll(self, shifts, dims)
Tensor.tile = lambda self, *dims: _I.tile(
    self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
)
