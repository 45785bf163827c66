"""Binary cross-entropy (on probabilities and on logits) and KL divergence (``nn.functional``).

``binary_cross_entropy`` and ``binary_cross_entropy_with_logits`` are one node each, as
torch's fused kernels, with backward formulas in differentiable ops; ``kl_div`` is torch's
composite.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from . import elementwise as E
from . import reduction as R
from ._promote import TYPE_WORD
from ._util import broadcast_shapes
from .linalg import _tensor_arg
from .linalg import _tname as _word
from .loss import (
    _REDUCTIONS,
    _check_reduction,
    _legacy_reduction,
    _not_differentiable,
    _pointwise_pair_types,
    _reduce,
    _reduce_array,
    _scaled,
    _size_list,
    _typed_arg,
)
from .shape import sum_to_size

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


# --- binary cross-entropy -------------------------------------------------------------
# torch's kernel divides by max(x (1 - x), EPSILON) with EPSILON a C++ float 1e-12, in any dtype
_BCE_EPS = float(np.float32(1e-12))


class BinaryCrossEntropy(Op):
    """``-w (t log x + (1 - t) log(1 - x))`` with the logs clamped at -100, as PyTorch."""

    torch_name = "BinaryCrossEntropyBackward0"

    def forward(self, x, t, weight, reduction):
        self.weight, self.reduction = weight, reduction
        self.save_for_backward(x, t)
        a, b = x._data, t._data
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(a), -100.0)
            log_1mx = np.maximum(np.log1p(-a), -100.0)
        loss = (b - 1) * log_1mx - b * log_x
        if weight is not None:
            loss = loss * weight
        return _reduce_array(loss.astype(a.dtype, copy=False), reduction)

    def backward(self, g):
        x, t = self.saved_tensors
        scale = _scaled(g, self.reduction, x.numel())
        if self.weight is not None:
            scale = scale * Tensor._make(self.weight)
        nx, nt = self.needs_input_grad
        # torch's formulas: (x - t) / max(x (1 - x), eps) and -logit(x) (unclamped)
        gx = (x - t) / E.clamp((1 - x) * x, min=_BCE_EPS) * scale if nx else None
        gt = E.neg(E.log(x / (1 - x))) * scale if nt else None
        return gx, gt


def _same_shape_bce(input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size."
        )


def _bce_weight(weight: Tensor | None, input: Tensor, target: Tensor) -> np.ndarray | None:
    """torch's ``weight.expand(broadcast(target, weight))``, then autograd's no-grad check on it."""
    if weight is None:
        return None
    ts, ws = tuple(target.shape), tuple(weight.shape)
    for k in range(1, min(len(ts), len(ws)) + 1):
        if ws[-k] not in (1, ts[-k]) and ts[-k] != 1:
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {ws[-k]} at {-k}! Mismatching argument at index 1 "
                f"had {weight.shape}; but expected shape should be broadcastable to {list(ts)}"
            )
    shape = broadcast_shapes(ts, ws)
    if shape != input.shape:
        raise RuntimeError(
            f"output with shape {_size_list(input.shape)} doesn't match the broadcast shape {_size_list(shape)}"
        )
    _not_differentiable(weight, "binary_cross_entropy", "weight")
    return np.broadcast_to(weight._data, shape)


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """-(t log x + (1 - t) log(1 - x)) with the logs clamped at -100, as PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy")
    _pointwise_pair_types(input, target, "binary_cross_entropy")
    if weight is not None:
        _tensor_arg(weight, "binary_cross_entropy", "weight", 3)
    _same_shape_bce(input, target)
    w = _bce_weight(weight, input, target)
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_word(target)} but expected {_word(input)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"binary_cross_entropy\" not implemented for '{_word(input)}'")
    if w is not None:
        w = w.astype(input._data.dtype, copy=False)
    x, t = input._data, target._data
    if x.size and not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if t.size and not ((t >= 0) & (t <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1")
    return BinaryCrossEntropy.apply(input, target, weight=w, reduction=reduction)


class BinaryCrossEntropyWithLogits(Op):
    """``(1 - t) x - log_weight * log(sigmoid(x))``, stable at any logit, in one node."""

    torch_name = "BinaryCrossEntropyWithLogitsBackward0"

    def forward(self, x, t, weight, pos_weight, reduction, dtype):
        self.weight, self.pos_weight, self.reduction = weight, pos_weight, reduction
        self.save_for_backward(x, t)
        a, b = x._data.astype(dtype, copy=False), t._data.astype(dtype, copy=False)
        log_sig = -np.logaddexp(0, -a)
        if pos_weight is not None:
            log_sig = log_sig * ((pos_weight - 1) * b + 1)
        loss = (1 - b) * a - log_sig
        if weight is not None:
            loss = loss * weight
        return _reduce_array(loss.astype(dtype, copy=False), reduction)

    def backward(self, g):
        x, t = self.saved_tensors
        scale = _scaled(g, self.reduction, x.numel())
        if self.weight is not None:
            scale = scale * Tensor._make(self.weight)
        nx, nt = self.needs_input_grad
        pw = Tensor._make(self.pos_weight) if self.pos_weight is not None else None
        gx = gt = None
        if nx:
            if pw is None:
                gx = E.sigmoid(x) - t
            else:
                pt = pw * t
                gx = (pt + 1 - t) * E.sigmoid(x) - pt
            gx = _to_input(gx * scale, x)
        if nt:
            if pw is None:
                gt = E.neg(x)
            else:
                gt = E.logsigmoid(E.neg(x)) - E.logsigmoid(x) * pw
            gt = _to_input(gt * scale, t)
        return gx, gt


def _to_input(g: Tensor, x: Tensor) -> Tensor:
    """A gradient reduced to its input's shape and dtype."""
    if g.shape != x.shape:
        g = sum_to_size(g, x.shape)
    return g if g.dtype == x.dtype else g.to(x.dtype)


def _bcel_weight(w: Tensor | None, input: Tensor, dtype) -> np.ndarray | None:
    if w is None:
        return None
    shape = broadcast_shapes(w.shape, input.shape)
    if shape != input.shape:
        raise RuntimeError(
            f"output with shape {_size_list(input.shape)} doesn't match the broadcast shape {_size_list(shape)}"
        )
    return w._data.astype(dtype, copy=False)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable formula (optional ``weight`` and ``pos_weight``)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    _pointwise_pair_types(input, target, "binary_cross_entropy_with_logits")
    for value, name, pos in ((weight, "weight", 3), (pos_weight, "pos_weight", 4)):
        if value is not None:
            _tensor_arg(value, "binary_cross_entropy_with_logits", name, pos)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _not_differentiable(weight, "binary_cross_entropy_with_logits", "weight")
    _not_differentiable(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"log_sigmoid_cpu\" not implemented for '{_word(input)}'")
    if target._data.dtype.kind == "b":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    out = dt.result_type(input, target)
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            f"result type {TYPE_WORD.get(out.name, out.name)} can't be cast to the desired output type {_word(target)}"
        )
    w = _bcel_weight(weight, input, out.np)
    pw = _bcel_weight(pos_weight, input, out.np)
    return BinaryCrossEntropyWithLogits.apply(input, target, weight=w, pos_weight=pw, reduction=reduction, dtype=out.np)


# --- KL divergence (torch's composite) ------------------------------------------------
class _Xlogy(Op):
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is NaN), as ``torch.xlogy``."""

    torch_name = "XlogyBackward0"

    def forward(self, x, y):
        self.save_for_backward(x, y)
        a, b = x._data, y._data
        with np.errstate(divide="ignore", invalid="ignore"):
            out = a * np.log(b)
        return np.where((a == 0) & ~np.isnan(b), a.dtype.type(0), out)

    def backward(self, g):
        x, y = self.saved_tensors
        nx, ny = self.needs_input_grad
        gx = gy = None
        if nx:
            zero = Tensor._make(np.zeros((), g._data.dtype))
            gx = E.where(Tensor._make((x._data == 0) & (y._data <= 0)), zero, g * E.log(y))
        if ny:
            gy = g * x / y
        return gx, gy


def kl_div(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """Pointwise KL divergence ``target * (log target - input)`` (input holds log-probabilities)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    _pointwise_pair_types(input, target, "kl_div")
    _typed_arg(log_target, "kl_div", "log_target", 0, "bool")
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"kl_div: {reduction} is not a valid value for reduction")
    if input._data.dtype.kind not in "fc" or target._data.dtype.kind not in "fc":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = E.exp(target) * (target - input)
    else:
        t = target
        if t._data.dtype != input._data.dtype:
            t = t.to(dt.result_type(input, target))
        loss = _Xlogy.apply(t, t) - target * input
    if reduction == "batchmean":
        total = R.sum(loss)
        return total / Tensor._make(np.asarray(input.shape[0], dtype=total._data.dtype)) if input.ndim else total
    return _reduce(loss, reduction)
