"""Loss functions (``nn.functional``), each with ``reduction='mean' | 'sum' | 'none'``.

They are composites of differentiable ops, so gradients (and double backward) follow.
Cross-entropy works on logits through ``log_softmax`` and is stable at any scale.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from . import elementwise as E
from . import reduction as R
from .shape import getitem, movedim, reshape

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
]

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return R.mean(loss)
    if reduction == "sum":
        return R.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: {reduction} is not a valid value for reduction")


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction")


def _pointwise_pair(input: Tensor, target: Tensor, op: str):
    """Validate a pointwise loss's operands; warn (as PyTorch) when they only broadcast."""
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{op}(): expected input and target to be Tensors")
    if input.shape != target.shape:
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise RuntimeError(
                f"{op}: The size of tensor a must match the size of tensor b: input {list(input.shape)}, "
                f"target {list(target.shape)}"
            ) from None
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )
    if target._data.dtype != input._data.dtype and target.dtype.is_floating_point:
        target = target.to(input.dtype)
    return input, target


def mse_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", weight=None
) -> Tensor:
    """Mean (or sum) of squared differences; ``reduction='sum'`` is the notes' loss."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "mse_loss")
    input, target = _pointwise_pair(input, target, "mse_loss")
    diff = input - target
    loss = diff * diff
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mean (or sum) of absolute differences."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "l1_loss")
    input, target = _pointwise_pair(input, target, "l1_loss")
    return _reduce(E.abs(input - target), reduction, "l1_loss")


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5 d**2 / beta where |d| < beta, else |d| - 0.5 beta."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _pointwise_pair(input, target, "smooth_l1_loss")
    d = E.abs(input - target)
    if beta == 0:
        return _reduce(d, reduction, "smooth_l1_loss")
    loss = E.where(E.lt(d, beta), d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """0.5 d**2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _pointwise_pair(input, target, "huber_loss")
    d = E.abs(input - target)
    loss = E.where(E.lt(d, delta), d * d * 0.5, (d - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "huber_loss")


def _class_dim(input: Tensor) -> int:
    return 0 if input.ndim == 1 else 1


def _check_class_targets(input: Tensor, target: Tensor, ignore_index: int, op: str) -> np.ndarray:
    t = target._data
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected target of dtype int64 (class indices), got {target.dtype}")
    if input.ndim == 0:
        raise ValueError(f"{op}: input tensor should be 1D or more, got 0D")
    if input.ndim == 1:
        if t.ndim != 0:
            raise ValueError(f"{op}: expected a 0-D target for 1-D input, got target of shape {list(target.shape)}")
    else:
        if t.ndim == 0 or t.shape[0] != input.shape[0]:
            n = t.shape[0] if t.ndim else "scalar"
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({n}).")
        if t.shape[1:] != tuple(input.shape[2:]):
            raise RuntimeError(
                f"{op}: expected target of shape {[input.shape[0]] + list(input.shape[2:])}, got {list(target.shape)}"
            )
    c = input.shape[_class_dim(input)]
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"{op}: Target {int(t[bad].flat[0])} is out of bounds (number of classes: {c}).")
    return t


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities (PyTorch's weighted mean)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    t = _check_class_targets(input, target, ignore_index, "nll_loss")
    cdim = _class_dim(input)
    c = input.shape[cdim]
    if weight is not None and weight.shape != (c,):
        raise RuntimeError(
            f"nll_loss: weight tensor should be defined either for all {c} classes or no classes but got weight tensor of shape: {list(weight.shape)}"
        )
    flat = reshape(movedim(input, cdim, -1), (-1, c))
    tf = t.reshape(-1)
    keep = tf != ignore_index
    safe = np.where(keep, tf, 0).astype(np.int64)
    picked = getitem(flat, (Tensor._make(np.arange(tf.size)), Tensor._make(safe)))
    w = weight._data[safe] if weight is not None else np.ones(tf.size, dtype=input._data.dtype)
    w = (w * keep).astype(input._data.dtype)
    losses = E.neg(picked) * Tensor._make(w)
    if reduction == "none":
        return reshape(losses, t.shape)
    total = R.sum(losses)
    if reduction == "sum":
        return total
    return total / Tensor._make(np.asarray(w.sum(), dtype=input._data.dtype))


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits against class indices or class probabilities (stable)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"cross_entropy: expected floating-point logits, got {input.dtype}")
    cdim = _class_dim(input)
    c = input.shape[cdim]
    logp = R.log_softmax(input, cdim)
    wshape = [1] * input.ndim
    wshape[cdim] = c
    if target.dtype.is_floating_point:
        if target.shape != input.shape:
            raise RuntimeError(
                f"cross_entropy: expected target of shape {list(input.shape)} (class probabilities), got {list(target.shape)}"
            )
        probs = target.to(input.dtype)
        if label_smoothing > 0:
            probs = probs * (1 - label_smoothing) + label_smoothing / c
        terms = logp * probs
        if weight is not None:
            terms = terms * reshape(weight, tuple(wshape))
        losses = E.neg(R.sum(terms, cdim))
        if reduction == "mean":
            return R.sum(losses) / (input.numel() // c if input.ndim > 1 else 1)
        return _reduce(losses, reduction, "cross_entropy")
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    t = target._data
    keep = Tensor._make((t != ignore_index).astype(input._data.dtype))
    terms = logp if weight is None else logp * reshape(weight, tuple(wshape))
    smooth = E.neg(R.sum(terms, cdim)) * keep
    if reduction == "mean":
        if weight is not None:
            safe = t[t != ignore_index].reshape(-1)
            denom = weight._data[safe].sum()
        else:
            denom = keep._data.sum()
        smooth = R.sum(smooth) / Tensor._make(np.asarray(denom, dtype=input._data.dtype))
    elif reduction == "sum":
        smooth = R.sum(smooth)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)


def _same_shape(input: Tensor, target: Tensor, op: str) -> None:
    if input.shape != target.shape:
        raise ValueError(
            f"{op}: Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size."
        )


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """-(t log x + (1 - t) log(1 - x)) with the logs clamped at -100, as PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    _same_shape(input, target, "binary_cross_entropy")
    x = input._data
    if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    target = target.to(input.dtype)
    with np.errstate(divide="ignore"):
        log_x = E.clamp(E.log(input), min=-100.0)
        log_1mx = E.clamp(E.log(1 - input), min=-100.0)
    loss = E.neg(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable formula (optional ``pos_weight``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    target = target.to(input.dtype)
    softplus_neg = E.log1p(E.exp(E.neg(E.abs(input)))) + E.relu(E.neg(input))  # log(1 + e^-x), stable
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def kl_div(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """Pointwise KL divergence ``target * (log target - input)`` (input holds log-probabilities)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: {reduction} is not a valid value for reduction")
    if log_target:
        loss = E.exp(target) * (target - input)
    else:
        safe = E.where(E.gt(target, 0), target, Tensor._make(np.ones((), dtype=target._data.dtype)))
        loss = E.where(E.gt(target, 0), target * (E.log(safe) - input), target * 0 - input * 0)
    if reduction == "batchmean":
        return R.sum(loss) / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction, "kl_div")


del dt
