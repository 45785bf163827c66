"""Embedding lookups: ``embedding`` (rows of a weight matrix, with ``padding_idx``,
``max_norm`` renormalisation in place and ``scale_grad_by_freq``) and ``embedding_bag``
(sums, means or maxima of bags of rows given by ``offsets`` or by a 2-D input)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import is_grad_enabled, no_grad
from .linalg import _tensor_arg, _tname
from .shape import cat

__all__ = ["embedding", "embedding_bag", "embedding_renorm_"]


class EmbeddingLookup(Op):
    """``weight[indices]``; the gradient skips ``padding_idx`` and is multiplied entry by entry by
    ``scale`` when given (``scale_grad_by_freq``: torch's ``embedding_dense_backward``)."""

    torch_name = "EmbeddingBackward0"

    def forward(self, weight, indices, padding_idx, scale):
        self.indices, self.rows = indices, weight._data.shape[0]
        self.padding_idx, self.scale = padding_idx, scale
        return weight._data[indices]

    def backward(self, g):
        flat = self.indices.reshape(-1)
        factor = np.ones(flat.shape, dtype=g._data.dtype) if self.scale is None else self.scale.astype(g._data.dtype)
        if self.padding_idx is not None:
            factor[flat == self.padding_idx] = 0
        dim = g._data.shape[-1]
        gf = g.reshape(-1, dim) * Tensor._make(factor[:, None])
        zeros = Tensor._make(np.zeros((self.rows, dim), dtype=g._data.dtype))
        return zeros.index_add(0, Tensor._make(flat), gf)


def _inverse_frequency(flat: np.ndarray, rows: int) -> np.ndarray:
    """``1 / (occurrences of each entry's index)``: embedding's ``scale_grad_by_freq``."""
    return 1.0 / np.bincount(flat, minlength=rows)[flat]


def _bag_inverse_frequency(used: np.ndarray, every: np.ndarray, rows: int) -> np.ndarray:
    """embedding_bag's ``scale_grad_by_freq`` as torch's CPU kernel computes it: the k-th distinct
    index (in sorted order) is divided by the count of ``sorted(indices)[k]``, which is its own
    count only when no earlier index repeats (torch indexes the sorted list by the group number)."""
    counts = np.bincount(every, minlength=rows)
    distinct = np.unique(every)
    group = np.searchsorted(distinct, used)
    return 1.0 / counts[np.sort(every)[group]]


def _refuse_sparse_grad(sparse: bool, weight: Tensor, op: str) -> None:
    """``sparse=True`` only changes the weight's gradient (a sparse tensor): without one the
    result is the dense lookup; with one microtorch, having no sparse tensors, refuses."""
    if sparse and is_grad_enabled() and weight.requires_grad:
        raise NotImplementedError(
            f"{op}: sparse=True asks for a sparse gradient of the weight, and microtorch has no sparse tensors; "
            "use sparse=False (the dense gradient has the same values)"
        )


def _check_indices(indices: Tensor, op: str) -> np.ndarray:
    if indices._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got torch.{_tname(indices)}Tensor instead (while checking arguments for {op})"
        )
    return indices._data.astype(np.int64, copy=False)


def _padding_index(padding_idx, rows: int) -> int | None:
    """torch's normalisation of ``padding_idx`` (negative counts from the end)."""
    if padding_idx is None:
        return None
    if padding_idx >= rows or padding_idx < -rows:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx + rows if padding_idx < 0 else padding_idx


def embedding_renorm_(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Rescale, in place, the rows of ``weight`` named in ``indices`` whose ``norm_type``-norm exceeds
    ``max_norm`` to norm ``max_norm`` (torch divides by ``norm + 1e-7``)."""
    rows = np.unique(indices._data.reshape(-1))
    w = weight._data
    sub = w[rows]
    if norm_type == float("inf"):
        norms = np.abs(sub).max(axis=1) if sub.shape[1] else np.zeros(len(rows), w.dtype)
    else:
        norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        w[rows[big]] = sub[big] * (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
        weight._vc.value += 1
    return weight


def embedding(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``input`` (shape ``input.shape + (dim,)``)."""
    _tensor_arg(input, "embedding", "input", 1)
    _tensor_arg(weight, "embedding", "weight", 2)
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    pad = _padding_index(padding_idx, weight.shape[0])
    idx = _check_indices(input, "embedding")
    if idx.size and weight.shape[0] == 0:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    if idx.size and (idx.min() < 0 or idx.max() >= weight.shape[0]):
        raise IndexError("index out of range in self")
    _refuse_sparse_grad(sparse, weight, "embedding")
    if max_norm is not None:
        with no_grad():
            embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    scale = _inverse_frequency(idx.reshape(-1), weight.shape[0]) if scale_grad_by_freq else None
    return EmbeddingLookup.apply(weight, indices=idx, padding_idx=pad, scale=scale)


def _bags(input: Tensor, offsets, per_sample_weights, include_last_offset: bool) -> tuple:
    """The flat indices, flat per-sample weights and the bag boundaries (``starts``, ``ends``)."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {type(offsets)}"
            )
        n, length = input.shape
        starts = np.arange(n, dtype=np.int64) * length
        psw = None if per_sample_weights is None else per_sample_weights.reshape(-1)
        return input.reshape(-1), psw, starts, starts + length
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if not isinstance(offsets, Tensor) or offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    off = _check_indices(offsets, "embedding_bag")
    total = input.shape[0]
    if off.size and off[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
            f"However, got {off[0]}"
        )
    if off.size and off[-1] > total:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {total} but got offsets[-1] of {off[-1]}"
        )
    if include_last_offset:
        starts, ends = off[:-1], off[1:]
    else:
        starts, ends = off, np.append(off[1:], total)
    return input, per_sample_weights, starts, np.maximum(ends, starts)


def _check_bag_args(input: Tensor, weight: Tensor, mode: str, per_sample_weights, scale: bool, sparse: bool) -> None:
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it must have the "
            f"same shape as the input ({input.shape})"
        )
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}'). Please open a feature request on GitHub."
        )
    _refuse_sparse_grad(sparse, weight, "embedding_bag")


def embedding_bag(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sum, mean or max of each bag of rows of ``weight`` (bags: rows of a 2-D ``input`` or
    ``offsets`` into a 1-D one); entries equal to ``padding_idx`` are left out; empty bags give 0."""
    _tensor_arg(input, "embedding_bag", "input", 1)
    _tensor_arg(weight, "embedding_bag", "weight", 2)
    _check_bag_args(input, weight, mode, per_sample_weights, scale_grad_by_freq, sparse)
    flat, psw, starts, ends = _bags(input, offsets, per_sample_weights, include_last_offset)
    idx = _check_indices(flat, "embedding_bag")
    rows = weight.shape[0]
    bad = idx[(idx < 0) | (idx >= rows)]
    if bad.size:
        raise RuntimeError(f"embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be {bad[0]}")
    pad = _padding_index(padding_idx, rows)
    if max_norm is not None:
        with no_grad():
            embedding_renorm_(weight, flat, float(max_norm), float(norm_type))
    keep, bag_of = _bag_positions(starts, ends, idx, pad)
    scale = _bag_inverse_frequency(idx[keep], idx, rows) if scale_grad_by_freq else None
    picked = EmbeddingLookup.apply(weight, indices=idx[keep], padding_idx=None, scale=scale)
    if mode == "max":
        return _bag_max(picked, bag_of, len(starts))
    if psw is not None:
        picked = picked * psw.index_select(0, Tensor._make(keep.astype(np.int64))).unsqueeze(-1)
    zeros = Tensor._make(np.zeros((len(starts), weight.shape[1]), dtype=weight._data.dtype))
    out = zeros.index_add(0, Tensor._make(bag_of.astype(np.int64)), picked)
    if mode == "mean":
        counts = np.maximum(np.bincount(bag_of, minlength=len(starts)), 1).astype(weight._data.dtype)
        out = out / Tensor._make(counts[:, None])
    return out


def _bag_positions(starts: np.ndarray, ends: np.ndarray, idx: np.ndarray, pad: int | None) -> tuple:
    """Positions in ``idx`` that take part (bag order, padding left out) and the bag of each."""
    lengths = ends - starts
    bag_of = np.repeat(np.arange(len(starts)), lengths)
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    pos = (starts[bag_of] + np.arange(len(bag_of)) - first).astype(np.int64)
    if pad is None:
        return pos, bag_of
    used = idx[pos] != pad
    return pos[used], bag_of[used]


def _bag_max(picked: Tensor, bag_of: np.ndarray, bags: int) -> Tensor:
    """Per-bag, per-column maximum; the gradient goes to the first maximal entry; empty bags give 0."""
    values = picked._data
    dim = values.shape[1]
    best = np.full((bags, dim), -np.inf, dtype=values.dtype)
    np.maximum.at(best, bag_of, values)
    order = np.arange(len(bag_of))[:, None].repeat(dim, 1)
    hit = np.where(values == best[bag_of], order, len(bag_of))
    first = np.full((bags, dim), len(bag_of), dtype=np.int64)
    np.minimum.at(first, bag_of, hit)
    table = cat([picked, Tensor._make(np.zeros((1, dim), dtype=values.dtype))], 0)
    return table.gather(0, Tensor._make(first))
