"""Margin and embedding losses (``nn.functional``), composed as torch's ATen composites.

torch computes ``cosine_embedding_loss``, ``hinge_embedding_loss``, ``margin_ranking_loss``,
``triplet_margin_loss`` and ``multilabel_soft_margin_loss`` from differentiable ops; the
ones with their own kernels (``soft_margin_loss``, ``multi_margin_loss``,
``multilabel_margin_loss``) are composed here with the same values and gradients (their
kernels' ``z > 0`` test is ``relu``'s zero derivative at the kink).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import microtorch as _mt

from .._tensor import Tensor
from ._promote import TYPE_WORD
from ._util import broadcast_shapes
from .linalg import _tensor_arg
from .linalg import _tname as _word
from .loss import _check_reduction, _legacy_reduction, _reduce, _size_list, _typed_arg

__all__ = [
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "soft_margin_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

_EPSILON = 1e-12  # ATen Loss.cpp's EPSILON for the cosine's magnitudes


def _reduction(size_average, reduce, reduction: str, op: str) -> str:
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, op)
    return reduction


def _tensors(op: str, **named: Tensor) -> None:
    """torch's argument-parser TypeError for a non-Tensor operand (positions in signature order)."""
    for pos, (name, value) in enumerate(named.items(), 1):
        _tensor_arg(value, op, name, pos)


def _zero(like: Tensor) -> Tensor:
    return Tensor._make(np.zeros((), like._data.dtype))


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos`` where ``target == 1``, ``max(0, cos - margin)`` where ``target == -1``."""
    reduction = _reduction(size_average, reduce, reduction, "cosine_embedding_loss")
    _tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    _typed_arg(margin, "cosine_embedding_loss", "margin", 4, "float")
    tdim = target.ndim
    if tdim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if tdim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(
            f"{tdim}D target tensor expects {want}D input tensors, but found inputs with sizes "
            f"{_size_list(input1.shape)} and {_size_list(input2.shape)}."
        )
    prod_sum = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + _EPSILON
    mag2 = (input2 * input2).sum(tdim) + _EPSILON
    cos = prod_sum / (mag1 * mag2).sqrt()
    zero = _mt.zeros_like(cos)
    pos = _mt.where(target == 1, 1 - cos, zero)
    neg = _mt.where(target == -1, (cos - margin).clamp_min(0), zero)
    return _reduce(pos + neg, reduction)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``."""
    reduction = _reduction(size_average, reduce, reduction, "hinge_embedding_loss")
    _tensors("hinge_embedding_loss", input=input, target=target)
    _typed_arg(margin, "hinge_embedding_loss", "margin", 3, "float")
    zero = _mt.zeros_like(input)
    gap = margin - input
    if gap.dtype != input.dtype:  # an integer input computes in its own dtype (margin truncated)
        gap = gap.to(input.dtype)
    out = _mt.where(target != 1, gap.clamp_min(0), zero) + _mt.where(target != -1, input, zero)
    return _reduce(out, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``."""
    reduction = _reduction(size_average, reduce, reduction, "margin_ranking_loss")
    _tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    _typed_arg(margin, "margin_ranking_loss", "margin", 4, "float")
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return _reduce((-target * (input1 - input2) + float(margin)).clamp_min(0), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``."""
    reduction = _reduction(size_average, reduce, reduction, "soft_margin_loss")
    _tensors("soft_margin_loss", input=input, target=target)
    shape = broadcast_shapes(input.shape, target.shape)
    if shape != input.shape:
        raise RuntimeError(
            f"output with shape {_size_list(input.shape)} doesn't match the broadcast shape {_size_list(shape)}"
        )
    if input._data.dtype.kind != "f":  # the kernel writes into an output of input's dtype
        out = _mt.result_type(input, target)
        word = TYPE_WORD.get(out.name) if out.is_floating_point else TYPE_WORD.get(_mt.get_default_dtype().name)
        raise RuntimeError(f"result type {word} can't be cast to the desired output type {_word(input)}")
    z = -input * target
    z = z if z.dtype == input.dtype else z.to(input.dtype)
    return _reduce(_mt.log1p(_mt.exp(z)), reduction)


def _margin_shape(input: Tensor, op: str) -> tuple[int, int]:
    """(frames, classes) of a ``(C)`` / ``(N, C)`` / 0-d input, as torch's shape check."""
    nd = input.ndim
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {_size_list(input.shape)}"
        )
    if nd <= 1:
        return 1, 1 if nd == 0 else input.shape[0]
    return input.shape[0], input.shape[1]


def _check_margin_dtypes(input: Tensor, target: Tensor, weight: Tensor | None, kernel: str) -> None:
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input)}'")
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_word(target)}")
    if weight is not None and weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_word(input)} but found {_word(weight)}")


def _frame_loss(loss: Tensor, target: Tensor, reduction: str) -> Tensor:
    """A per-frame loss reduced; 'none' keeps a frame dimension only for a 1-d+ target."""
    if reduction == "none":
        return loss if target.ndim > 0 and loss.ndim else loss.reshape(())
    return _reduce(loss, reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``sum_{i != y} max(0, margin - x[y] + x[i])**p * w[y] / C`` per sample."""
    reduction = _reduction(size_average, reduce, reduction, "multi_margin_loss")
    _tensors("multi_margin_loss", input=input, target=target)
    _typed_arg(margin, "multi_margin_loss", "margin", 4, "float")
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    n, c = _margin_shape(input, "multi_margin_loss")
    if target.ndim > 1 or target.numel() != n:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples "
            f"(batch size). Expected target size [{n}], but got {_size_list(target.shape)}. "
            f"Input has shape {_size_list(input.shape)}."
        )
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {_size_list(weight.shape)}")
    _check_margin_dtypes(input, target, weight, "multi_margin_loss_cpu_kernel")
    t = target._data.reshape(n)
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
    x = input.reshape(n, c)
    idx = Tensor._make(t.reshape(n, 1))
    z = margin - x.gather(1, idx) + x
    h = z.relu() if p == 1 else z.relu() * z.relu()
    if weight is not None:
        h = h * weight.reshape(c)[idx[:, 0]].reshape(n, 1)
    not_target = Tensor._make(np.arange(c)[None, :] != t[:, None])
    loss = _mt.where(not_target, h, _zero(h)).sum(1) / c
    return _frame_loss(loss, target, reduction)


def _multilabel_masks(t: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
    """(the target positions before the first -1, the classes they name) as boolean masks."""
    valid = np.cumprod(t != -1, axis=1).astype(bool)
    is_target = np.zeros(t.shape, dtype=bool)
    rows = np.broadcast_to(np.arange(t.shape[0])[:, None], t.shape)
    is_target[rows[valid], t[valid]] = True
    return valid, is_target


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``sum_{j in targets, i not in targets} max(0, 1 - (x[j] - x[i])) / C`` per sample."""
    reduction = _reduction(size_average, reduce, reduction, "multilabel_margin_loss")
    _tensors("multilabel_margin_loss", input=input, target=target)
    n, c = _margin_shape(input, "multilabel_margin_loss")
    if input.ndim <= 1:
        ok = target.ndim <= 1 and target.numel() == c
    else:
        ok = target.ndim == 2 and tuple(target.shape) == (n, c)
    if not ok:
        raise RuntimeError(
            f"inconsistent target size: {_size_list(target.shape)} for input of size: {_size_list(input.shape)}"
        )
    _check_margin_dtypes(input, target, None, "multilabel_margin_loss_forward_out_frame")
    t = target._data.reshape(n, c)
    if ((t < -1) | (t >= c)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    valid, is_target = _multilabel_masks(t, c)
    x = input.reshape(n, c)
    xt = x.gather(1, Tensor._make(np.where(valid, t, 0)))
    z = (1 - xt.reshape(n, c, 1) + x.reshape(n, 1, c)).relu()
    mask = Tensor._make(valid[:, :, None] & ~is_target[:, None, :])
    loss = _mt.where(mask, z, _zero(z)).sum((1, 2)) / c
    if reduction == "none":
        return loss if target.ndim > 1 else loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy of ``sigmoid(input)`` per class, averaged over the classes."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    logsig = _mt.nn.functional.logsigmoid
    loss = -(target * logsig(input) + (1 - target) * logsig(-input))
    if weight is not None:
        loss = loss * weight
    cdim = input.ndim - 1
    loss = loss.sum(dim=cdim) / input.shape[cdim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6) -> Tensor:
    """ATen's ``pairwise_distance``: the ``p``-norm of ``x1 - x2 + eps`` over the last dim."""
    return _mt.norm(x1 - x2 + eps, p, max(x1.ndim, x2.ndim) - 1)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p == n):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {a}D, positive {p}D, and negative {n}D inputs"
        )


def _triplet(d_pos: Tensor, d_neg: Tensor, d_swap: Tensor | None, margin: float, reduction: str) -> Tensor:
    if d_swap is not None:
        d_neg = _mt.minimum(d_neg, d_swap)
    return _reduce(_mt.clamp_min(margin + d_pos - d_neg, 0), reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the ``p``-norm pairwise distance."""
    reduction = _reduction(size_average, reduce, reduction, "triplet_margin_loss")
    _tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    for pos, (name, value, kind) in enumerate((("p", p, "float"), ("eps", eps, "float"), ("swap", swap, "bool")), 5):
        _typed_arg(value, "triplet_margin_loss", name, pos, kind)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    d_swap = _pairwise_distance(positive, negative, p, eps) if swap else None
    return _triplet(d_pos, d_neg, d_swap, margin, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """``triplet_margin_loss`` with any distance (default: the pairwise L2 distance)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else _pairwise_distance
    d_swap = dist(positive, negative) if swap else None
    return _triplet(dist(anchor, positive), dist(anchor, negative), d_swap, margin, reduction)
