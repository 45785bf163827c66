"""Distances and similarities: ``dist``, ``cdist``, ``pdist``, ``pairwise_distance``,
``cosine_similarity``, ``normalize`` and the ``bilinear`` form, with torch's checks and its
gradient conventions (zero gradient where a distance is zero)."""

from __future__ import annotations

import numpy as np

from .._dtype import result_type
from .._tensor import Tensor
from ..autograd.function import Op
from ..linalg.norms import vector_norm
from ._promote import TYPE_WORD
from ._util import broadcast_shapes, wrap_dim
from .blas import size_at
from .linalg import _dname, _tensor_arg, _tname, einsum, matmul
from .shape import transpose

__all__ = ["dist", "cdist", "pdist", "pairwise_distance", "cosine_similarity", "normalize", "bilinear"]

_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _number(p, op: str, name: str = "p") -> float:
    if isinstance(p, Tensor):
        p = p.item()
    if isinstance(p, bool) or not isinstance(p, (int, float, np.number)):
        raise TypeError(f"{op}(): argument '{name}' must be Number, not {type(p).__name__}")
    return float(p)


def _dims_arg(dim, op: str, pos: int) -> list:
    """``dim`` as a list of ints (an int or a sequence of ints), else torch's TypeError."""
    seq = dim if isinstance(dim, (list, tuple)) else [dim]
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in seq):
        raise TypeError(f"{op}(): argument 'dim' (position {pos}) must be tuple of ints, not {type(dim).__name__}")
    return [int(d) for d in seq]


def _is_float(x: Tensor) -> bool:
    return x._data.dtype.kind == "f"


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:  # noqa: A002
    """The ``p``-norm of ``input - other`` (broadcast), a 0-d tensor."""
    _tensor_arg(input, "dist", "input", 1)
    _tensor_arg(other, "dist", "other", 2)
    p = _number(p, "dist")
    diff = input - other
    if not _is_float(diff):
        raise RuntimeError(
            f"norm(): input dtype should be either floating point or complex. Got {_tname(diff)} instead."
        )
    return vector_norm(diff, p)


def _p_norm_rows(diff: Tensor, p: float) -> Tensor:
    """Norm over the last dim; an empty last dim gives zeros (torch's convention for every p)."""
    if diff.shape[-1] == 0:
        return diff.sum(-1)
    if p == float("inf"):
        return MaxAbs.apply(diff)
    return vector_norm(diff, p, dim=-1)


class MaxAbs(Op):
    """The inf-norm of the rows as cdist/pdist's kernels differentiate it: every entry tied at
    the maximum gets the whole gradient (``grad * sign(diff)``), not a share of it."""

    def forward(self, diff):
        out = np.abs(diff._data).max(-1)
        self.save_for_backward(diff)
        self.result = Tensor._make(out)
        return out

    def backward(self, g):
        (diff,) = self.saved_tensors
        at_max = (diff.abs() == self.result.unsqueeze(-1)).to(g.dtype)
        return g.unsqueeze(-1) * diff.sign() * at_max


class EuclideanDist(Op):
    """torch's ``_euclidean_dist``: ``sqrt(clamp(|a|^2 + |b|^2 - 2 a.b, 0))`` through one matmul,
    with torch's backward (zero where the distance is zero)."""

    def forward(self, a, b):
        x, y = a._data, b._data
        xn, yn = (x * x).sum(-1, keepdims=True), (y * y).sum(-1, keepdims=True)
        # torch's one matmul of [-2x, |x|^2, 1] and [y, 1, |y|^2] (the same rounding in float32)
        left = np.concatenate([-2 * x, xn, np.ones_like(xn)], -1)
        right = np.concatenate([y, np.ones_like(yn), yn], -1)
        out = np.sqrt(np.maximum(np.matmul(left, np.swapaxes(right, -1, -2)), 0))
        self.save_for_backward(a, b)
        self.result = Tensor._make(out)
        return out

    def backward(self, g):
        a, b = self.saved_tensors
        res = self.result
        ratio = (g / res).masked_fill(res == 0, 0)
        ga = a * ratio.sum(-1, keepdim=True) - matmul(ratio, b)
        gb = b * ratio.sum(-2).unsqueeze(-1) - matmul(transpose(ratio, -1, -2), a)
        return ga, gb


def _check_cdist(x1: Tensor, x2: Tensor, p: float, compute_mode) -> None:
    for x, name in ((x1, "X1"), (x2, "X2")):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for x, name in ((x1, "X1"), (x2, "X2")):
        if not _is_float(x):
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {_tname(x)}")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"expected scalar type {_tname(x1)} but found {_tname(x2)}")
    if not p >= 0:  # NaN too
        raise RuntimeError("cdist only supports non-negative p values")


def cdist(x1: Tensor, x2: Tensor, p=2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """``p``-norm distance between each row of ``x1`` (..., P, M) and of ``x2`` (..., R, M): (..., P, R)."""
    _tensor_arg(x1, "cdist", "x1", 1)
    _tensor_arg(x2, "cdist", "x2", 2)
    p = _number(p, "cdist")
    _check_cdist(x1, x2, p, compute_mode)
    batch = broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    rows, cols, m = x1.shape[-2], x2.shape[-2], x1.shape[-1]
    a = x1.expand(*batch, rows, m) if tuple(x1.shape[:-2]) != batch else x1
    b = x2.expand(*batch, cols, m) if tuple(x2.shape[:-2]) != batch else x2
    mm = compute_mode == "use_mm_for_euclid_dist" or (compute_mode == _CDIST_MODES[0] and (rows > 25 or cols > 25))
    if p == 2 and mm and m > 0:
        return EuclideanDist.apply(a, b)
    return _p_norm_rows(a.unsqueeze(-2) - b.unsqueeze(-3), p)


def pdist(input: Tensor, p=2.0) -> Tensor:  # noqa: A002
    """``p``-norm distances between the rows of a 2-D ``input``, upper triangle in row order."""
    _tensor_arg(input, "pdist", "input", 1)
    p = _number(p, "pdist")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not _is_float(input):
        raise RuntimeError("pdist only supports floating-point dtypes")
    if not p >= 0:  # NaN too
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input.shape[0], 1)
    rows = input.index_select(0, Tensor._make(i.astype(np.int64)))
    others = input.index_select(0, Tensor._make(j.astype(np.int64)))
    return _p_norm_rows(rows - others, p)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``p``-norm of ``x1 - x2 + eps`` over the last dim (broadcast), as torch."""
    _tensor_arg(x1, "pairwise_distance", "x1", 1)
    _tensor_arg(x2, "pairwise_distance", "x2", 2)
    p = _number(p, "pairwise_distance")
    eps = _number(eps, "pairwise_distance", "eps")
    diff = x1 - x2 + eps
    return vector_norm(diff, p, dim=-1, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (norms clamped to ``eps``)."""
    _tensor_arg(x1, "cosine_similarity", "x1", 1)
    _tensor_arg(x2, "cosine_similarity", "x2", 2)
    eps = _number(eps, "cosine_similarity", "eps")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"cosine_similarity(): argument 'dim' must be int, not {type(dim).__name__}")
    common = result_type(x1, x2)
    if not common.is_floating_point:
        name = TYPE_WORD.get(common.name, common.name)
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {name}")
    a = x1 if _is_float(x1) else x1.to(common)
    b = x2 if _is_float(x2) else x2.to(common)
    shape = broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = a.expand(*shape), b.expand(*shape)
    dim = wrap_dim(int(dim), len(shape))
    na, nb = _clamped_norm(a, dim, eps), _clamped_norm(b, dim, eps)
    return ((a / na) * (b / nb)).sum(dim)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """``||x||`` along ``dim`` whose value is clamped to ``eps`` while its gradient is the unclamped
    norm's (torch clamps a clone in place under no_grad)."""
    norm = vector_norm(x, 2, dim=dim if x.ndim else None, keepdim=True)
    held = norm.detach()
    return norm + (held.clamp_min(eps) - held)


def _norm_order(p) -> float:
    """``Tensor.norm``'s ``p`` as normalize passes it: None and ``'fro'`` are the 2-norm."""
    if p is None or p == "fro":
        return 2.0
    if isinstance(p, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    return _number(p, "normalize")


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """``input`` divided by its ``p``-norm along ``dim`` (the norm clamped below by ``eps``)."""
    _tensor_arg(input, "normalize", "input", 1)
    p = _norm_order(p)
    eps = _number(eps, "normalize", "eps")
    dims = [wrap_dim(d, input.ndim) for d in _dims_arg(dim, "linalg_vector_norm", 3)]
    denom = vector_norm(input, p, dim=dims if input.ndim else None, keepdim=True).clamp_min(eps)
    return input / denom.expand_as(input)


def _check_bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    named = [(x1, "input1"), (x2, "input2"), (weight, "weight")] + ([] if bias is None else [(bias, "bias")])
    if len({t._data.dtype for t, _ in named}) > 1:
        got = ", ".join(f"{name}: {_dname(t)}" for t, name in named)
        raise RuntimeError(f"All tensors must have the same dtype, got {got}")
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and {x2.ndim}")
    if tuple(x1.shape[:-1]) != tuple(x2.shape[:-1]):
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(x1.shape[:-1])} and {list(x2.shape[:-1])}"
        )
    if size_at(x1, -1) != size_at(weight, 1):
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {x1.shape[-1]} but expected {weight.shape[1]}"
        )
    if size_at(x2, -1) != size_at(weight, 2):
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {x2.shape[-1]} but expected {weight.shape[2]}"
        )
    if bias is not None and size_at(bias, 0) != weight.shape[0]:
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected {weight.shape[0]}"
        )
    if weight.ndim != 3 or (bias is not None and bias.ndim != 1):
        shown = None if bias is None else list(bias.shape)
        raise RuntimeError(f"bilinear(): expected a 3-D weight and a 1-D bias, got {list(weight.shape)} and {shown}")


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``out[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]``."""
    _tensor_arg(input1, "bilinear", "input1", 1)
    _tensor_arg(input2, "bilinear", "input2", 2)
    _tensor_arg(weight, "bilinear", "weight", 3)
    if bias is not None:
        _tensor_arg(bias, "bilinear", "bias", 4)
    _check_bilinear(input1, input2, weight, bias)
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
