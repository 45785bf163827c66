"""Loss functions (``nn.functional``), each with ``reduction='mean' | 'sum' | 'none'``.

Each loss records the graph PyTorch records: one node where torch has a fused kernel
(``MseLossBackward0``, ``NllLossBackward0``, ``BinaryCrossEntropyBackward0``, ...) whose
forward is one numpy expression and whose backward is written in differentiable ops (so
second order works), and torch's own composite where torch composes (``l1_loss``,
``kl_div``, cross-entropy with probabilities or label smoothing).
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as dt
from .._foreign import foreign_tensor_error
from .._tensor import Tensor
from ..autograd.function import Op
from . import elementwise as E
from . import reduction as R
from ._promote import TYPE_WORD
from ._util import broadcast_shapes
from .arithmetic import DivScalar, MulScalar
from .linalg import _tensor_arg
from .linalg import _tname as _word
from .shape import Reshape, clone, expand, reshape

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


# --- shared helpers -------------------------------------------------------------------
def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return R.mean(loss)
    if reduction == "sum":
        return R.sum(loss)
    return loss


def _reduce_array(a: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return a
    if reduction == "sum":
        return np.asarray(a.sum(), dtype=a.dtype)
    if a.size == 0:
        return np.asarray(np.nan, dtype=a.dtype)
    return np.asarray(a.mean(), dtype=a.dtype)


def _scaled(g: Tensor, reduction: str, n: int) -> Tensor:
    """The incoming gradient with the mean's 1/n applied."""
    return g / n if reduction == "mean" and n else g


def _not_differentiable(t: Tensor | None, fn: str, arg: str) -> None:
    if t is not None and t._requires_grad:
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to argument '{arg}'. "
            "This input cannot have requires_grad True."
        )


def _typed_arg(value, fn: str, name: str, pos: int, kind: str) -> None:
    """torch's argument-parser TypeError for an ``int`` / ``float`` / ``bool`` option of another type."""
    accepted = {"int": (int,), "float": (int, float), "bool": (bool,)}[kind]
    if not isinstance(value, accepted) or (kind == "int" and isinstance(value, bool)):
        where = f" (position {pos})" if pos else ""
        raise TypeError(f"{fn}(): argument '{name}'{where} must be {kind}, not {type(value).__name__}")


def _pointwise_pair_types(input, target, op: str) -> None:
    # torch's Python wrappers fail on ``.size()`` (AttributeError); a TypeError says what is wrong
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise foreign_tensor_error(op, input, target) or TypeError(f"{op}(): expected input and target to be Tensors")


def _pointwise_pair(input: Tensor, target: Tensor, op: str):
    """Validate a pointwise loss's operands and broadcast them (warning as PyTorch does)."""
    _pointwise_pair_types(input, target, op)
    if input.shape == target.shape:
        return input, target
    warnings.warn(
        f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
        "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
        UserWarning,
        stacklevel=3,
    )
    shape = broadcast_shapes(input.shape, target.shape)
    # torch's broadcast_tensors records an ExpandBackward0 only for an operand that grows
    x = expand(input, shape) if input.shape != shape else input
    t = expand(target, shape) if target.shape != shape else target
    return x, t


def _check_weight_shape(weight: Tensor | None, input: Tensor) -> None:
    if weight is not None and weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")


def _float_kernel(input: Tensor, target: Tensor, kernel: str) -> np.dtype:
    """The dtype a pointwise loss kernel computes in (it has no integer version)."""
    out = dt.result_type(input, target)
    if not out.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{TYPE_WORD.get(out.name, out.name)}'")
    return out.np


class _MulBackward1(MulScalar):
    """``tensor * scalar`` as torch's C++ composites record it (the scalar is no graph input there)."""

    torch_name = "MulBackward1"
    scalar_operand = False


class _DivBackward1(DivScalar):
    """``tensor / scalar`` as torch's C++ composites record it (the scalar is no graph input there)."""

    torch_name = "DivBackward1"
    scalar_operand = False


# --- mse / smooth L1 / Huber: one node each -------------------------------------------
class _PointwiseLoss(Op):
    """``reduce(f(input - target))`` in one node; subclasses give ``f`` and its derivative."""

    def forward(self, x, t, reduction, param=None, dtype=None):
        self.reduction, self.param = reduction, param
        self.save_for_backward(x, t)
        d = x._data.astype(dtype, copy=False) - t._data.astype(dtype, copy=False)
        return _reduce_array(self.value(d, param), reduction)

    def backward(self, g):
        x, t = self.saved_tensors
        gd = self.derivative(x - t, self.param) * _scaled(g, self.reduction, x.numel())
        nx, nt = self.needs_input_grad
        gx = gd.to(x.dtype) if nx else None
        gt = E.neg(gd).to(t.dtype) if nt else None
        return gx, gt


class MseLoss(_PointwiseLoss):
    """Squared error."""

    torch_name = "MseLossBackward0"

    @staticmethod
    def value(d, param):
        return d * d

    @staticmethod
    def derivative(d, param):
        return d * 2.0


class SmoothL1Loss(_PointwiseLoss):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``."""

    torch_name = "SmoothL1LossBackward0"

    @staticmethod
    def value(d, beta):
        z = np.abs(d)
        return np.where(z < beta, 0.5 * d * d / beta, z - 0.5 * beta)

    @staticmethod
    def derivative(d, beta):
        return E.where(E.lt(E.abs(d), beta), d / beta, E.sign(d))


class HuberLoss(_PointwiseLoss):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""

    torch_name = "HuberLossBackward0"

    @staticmethod
    def value(d, delta):
        z = np.abs(d)
        return np.where(z < delta, 0.5 * d * d, delta * (z - 0.5 * delta))

    @staticmethod
    def derivative(d, delta):
        return E.where(E.lt(E.abs(d), delta), d, E.sign(d) * delta)


def _weighted(loss: Tensor, weight: Tensor, reduction: str, mean_by_weight: bool) -> Tensor:
    """torch's weighted pointwise losses: ``loss * weight`` reduced (mean divides by sum(weight))."""
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return R.sum(loss) / R.sum(weight)
    return _reduce(loss, reduction)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean (or sum) of squared differences; ``reduction='sum'`` is the notes' loss."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "mse_loss")
    x, t = _pointwise_pair(input, target, "mse_loss")
    if weight is not None:
        _check_weight_shape(weight, input)
        return _weighted(E.pow(x - t, 2), weight, reduction, mean_by_weight=True)
    dtype = _float_kernel(x, t, "mse_cpu")
    return MseLoss.apply(x, t, reduction=reduction, dtype=dtype)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean (or sum) of absolute differences (torch's composite: abs of the difference)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "l1_loss")
    x, t = _pointwise_pair(input, target, "l1_loss")
    if weight is not None:
        _check_weight_shape(weight, input)
        return _weighted(E.abs(x - t), weight, reduction, mean_by_weight=True)
    return _reduce(E.abs(x - t), reduction)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5 d**2 / beta where |d| < beta, else |d| - 0.5 beta."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    _typed_arg(beta, "smooth_l1_loss", "beta", 4, "float")
    if not beta >= 0:  # NaN fails too, as torch's check
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, t = _pointwise_pair(input, target, "smooth_l1_loss")
    if beta == 0:
        return _reduce(E.abs(x - t), reduction)
    dtype = _float_kernel(x, t, "smooth_l1_cpu")
    return SmoothL1Loss.apply(x, t, reduction=reduction, param=float(beta), dtype=dtype)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight: Tensor | None = None
) -> Tensor:
    """0.5 d**2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    _check_reduction(reduction, "huber_loss")
    _typed_arg(delta, "huber_loss", "delta", 4, "float")
    if not delta > 0:  # NaN fails too, as torch's check
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, t = _pointwise_pair(input, target, "huber_loss")
    _check_weight_shape(weight, input)
    if x._data.dtype.kind != "f":  # huber computes in the input's dtype (no promotion)
        raise NotImplementedError(f"\"huber_cpu\" not implemented for '{_word(x)}'")
    dtype = x._data.dtype
    if weight is not None:
        loss = HuberLoss.apply(x, t, reduction="none", param=float(delta), dtype=dtype)
        return _weighted(loss, weight, reduction, mean_by_weight=False)
    return HuberLoss.apply(x, t, reduction=reduction, param=float(delta), dtype=dtype)


# --- negative log-likelihood ----------------------------------------------------------
class NllLoss(Op):
    """``-weight[t] * input[t]`` over class dim 1 (or 0 for 1-D input), one node."""

    torch_name = "NllLossBackward0"

    def forward(self, x, target, weight, reduction, ignore_index):
        a = x._data if x.ndim > 1 else x._data[None]
        t = target.reshape(a.shape[:1] + a.shape[2:])
        keep = t != ignore_index
        safe = np.expand_dims(np.where(keep, t, 0), 1)
        w = weight.reshape(-1)[safe[:, 0]] * keep if weight is not None else keep
        w = w.astype(a.dtype, copy=False)
        losses = -np.take_along_axis(a, safe, 1)[:, 0] * w
        self.safe, self.folded_shape, self.in_shape, self.reduction = safe, a.shape, x._data.shape, reduction
        self.coef = -w
        if reduction == "none":
            return losses.reshape(target.shape if x.ndim > 1 else ())
        if reduction == "sum":
            return np.asarray(losses.sum(), dtype=a.dtype)
        denom = w.sum()
        if denom == 0:
            # torch's -grad / 0 reaches only the positions it writes (those not ignored)
            self.coef = np.where(keep, a.dtype.type(np.nan), a.dtype.type(0))
            return np.asarray(np.nan, dtype=a.dtype)
        self.coef = self.coef / denom
        return np.asarray(losses.sum() / denom, dtype=a.dtype)

    def backward(self, g):
        spread = np.zeros(self.folded_shape, dtype=self.coef.dtype)
        np.put_along_axis(spread, self.safe, np.expand_dims(self.coef, 1), 1)
        spread = Tensor._make(spread.reshape(self.in_shape))
        if self.reduction == "none":
            kept = list(self.in_shape)
            kept[1 if len(kept) > 1 else 0] = 1
            return reshape(g, tuple(kept)) * spread
        return g * spread


class NllLoss2d(NllLoss):
    """The same for (N, C, H, W) input (torch's ``nll_loss2d``)."""

    torch_name = "NllLoss2DBackward0"


def _size_list(shape) -> str:
    return str(list(shape))


def _check_nll_common(input: Tensor, target: Tensor, weight: Tensor | None, kernel: str, c: int, wmsg: str):
    if weight is not None and (weight.ndim > 1 or weight.numel() != c):
        raise RuntimeError(wmsg)
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_word(target)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input)}'")
    if weight is not None and weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_word(input)} but found {_word(weight)}")


def _check_targets_in_range(t: np.ndarray, c: int, ignore_index: int) -> None:
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")


def _nll_1d_2d(input: Tensor, target: Tensor, weight, reduction: str, ignore_index: int) -> Tensor:
    _not_differentiable(weight, "nll_loss_forward", "weight")
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
    c = input.shape[-1]
    wmsg = (
        f"weight tensor should be defined either for all {c} classes or no classes but got weight tensor of "
        f"shape: {_size_list(weight.shape) if weight is not None else ''}"
    )
    _check_nll_common(input, target, weight, "nll_loss_out_frame", c, wmsg)
    t = target._data.astype(np.int64, copy=False)
    _check_targets_in_range(t, c, ignore_index)
    w = weight._data if weight is not None else None
    return NllLoss.apply(input, target=t, weight=w, reduction=reduction, ignore_index=ignore_index)


def _nll_2d(input: Tensor, target: Tensor, weight, reduction: str, ignore_index: int) -> Tensor:
    _not_differentiable(weight, "nll_loss2d_forward", "weight")
    if target.ndim != 3:
        raise RuntimeError(
            f"only batches of spatial targets supported (3D tensors) but got targets of dimension: {target.ndim}"
        )
    if target.shape != (input.shape[0],) + tuple(input.shape[2:]):
        raise RuntimeError(f"size mismatch (got input: {_size_list(input.shape)} , target: {_size_list(target.shape)}")
    c = input.shape[1]
    _check_nll_common(
        input,
        target,
        weight,
        "nll_loss2d_forward_out_frame",
        c,
        "weight tensor should be defined either for all or no classes",
    )
    t = target._data.astype(np.int64, copy=False)
    _check_targets_in_range(t, c, ignore_index)
    w = weight._data if weight is not None else None
    return NllLoss2d.apply(input, target=t, weight=w, reduction=reduction, ignore_index=ignore_index)


def _nll_nd(input: Tensor, target: Tensor, weight, reduction: str, ignore_index: int) -> Tensor:
    """3-D or >4-D input: viewed as (N, C, 1, -1) for the 2-D kernel, as torch's ``nll_loss_nd``."""
    n, c = input.shape[0], input.shape[1]
    out_size = (n,) + tuple(input.shape[2:])
    if tuple(target.shape[1:]) != out_size[1:]:
        raise RuntimeError(f"Expected target size {_size_list(out_size)}, got {_size_list(target.shape)}")
    if not input._data.flags.c_contiguous:
        input = clone(input)
    x = reshape(input, (n, c, 1, -1) if input.numel() else (n, c, 0, 0))
    t = Tensor._make(target._data.reshape((n, 1, -1) if target.numel() else (n, 0, 0)))
    out = _nll_2d(x, t, weight, reduction, ignore_index)
    return Reshape.apply(out, shape=out_size) if reduction == "none" else out


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
    _tensor_arg(input, "nll_loss_nd", "input", 1)
    _tensor_arg(target, "nll_loss_nd", "target", 2)
    if weight is not None:
        _tensor_arg(weight, "nll_loss_nd", "weight", 3)
    _typed_arg(ignore_index, "nll_loss_nd", "ignore_index", 5, "int")
    _check_reduction(reduction, "nll_loss")
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and (target.shape[0] if target.ndim else 0) != input.shape[0]:
        n = target.shape[0] if target.ndim else 0
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({n}).")
    if input.ndim <= 2:
        return _nll_1d_2d(input, target, weight, reduction, ignore_index)
    if input.ndim == 4:
        return _nll_2d(input, target, weight, reduction, ignore_index)
    return _nll_nd(input, target, weight, reduction, ignore_index)


# --- cross-entropy --------------------------------------------------------------------
class _MaskedFill(Op):
    """``x.masked_fill(mask, 0)`` (label smoothing's ignored positions)."""

    torch_name = "MaskedFillBackward0"

    def forward(self, x, mask):
        self.mask = mask
        return np.where(mask, x._data.dtype.type(0), x._data)

    def backward(self, g):
        return E.where(Tensor._make(self.mask), Tensor._make(np.zeros((), g._data.dtype)), g)


def _class_weight_view(weight: Tensor, ndim: int) -> Tensor:
    """``weight`` shaped to broadcast along class dim 1 (as torch's composites view it)."""
    if ndim <= 1:
        return weight
    shape = [1] * ndim
    shape[1] = weight.shape[0]
    return Reshape.apply(weight, shape=tuple(shape))


def _ce_prob_target(logp: Tensor, target: Tensor, weight, reduction: str, ls: float) -> Tensor:
    cdim = 0 if logp.ndim == 1 else 1
    c = logp.shape[cdim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != c):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {c} classes or no classes but got "
            f"weight tensor of shape: {_size_list(weight.shape)}"
        )
    if ls > 0:
        target = target * (1 - ls) + ls / c
    terms = logp * target
    if weight is not None:
        terms = terms * _class_weight_view(weight, logp.ndim)
    if reduction == "none":
        return E.neg(R.sum(terms, cdim))
    total = E.neg(R.sum(terms))
    if reduction == "sum":
        return total
    if logp.numel() == 0:
        return total * float("nan")
    return _DivBackward1.apply(total, s=logp.numel() // c)


def _ce_label_smoothing(logp: Tensor, target: Tensor, weight, reduction: str, ignore_index: int, ls: float):
    cdim = 0 if logp.ndim == 1 else 1
    c = logp.shape[cdim]
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    terms = logp if weight is None else logp * _class_weight_view(weight, logp.ndim)
    ignored = target._data == ignore_index
    smooth = _MaskedFill.apply(E.neg(R.sum(terms, cdim)), mask=ignored)
    if reduction == "mean":
        if weight is not None:
            denom = weight._data[target._data[~ignored].reshape(-1)].sum()
        else:
            denom = (~ignored).sum()
        smooth = R.sum(smooth) / Tensor._make(np.asarray(denom))
    elif reduction == "sum":
        smooth = R.sum(smooth)
    return _MulBackward1.apply(nll, s=1 - ls) + _MulBackward1.apply(smooth, s=ls / c)


def _log_softmax_input(input: Tensor, cdim: int) -> Tensor:
    if input._data.dtype.kind != "f":
        kernel = "log_softmax_lastdim_kernel_impl" if cdim == input.ndim - 1 else "log_softmax_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input)}'")
    return R.log_softmax(input, cdim)


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
    _tensor_arg(input, "cross_entropy_loss", "input", 1)
    _tensor_arg(target, "cross_entropy_loss", "target", 2)
    if weight is not None:
        _tensor_arg(weight, "cross_entropy_loss", "weight", 3)
    _typed_arg(ignore_index, "cross_entropy_loss", "ignore_index", 5, "int")
    _typed_arg(label_smoothing, "cross_entropy_loss", "label_smoothing", 6, "float")
    _check_reduction(reduction, "cross_entropy")
    cdim = 0 if input.ndim == 1 else 1
    if input.shape == target.shape:
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got {_word(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        return _ce_prob_target(_log_softmax_input(input, cdim), target, weight, reduction, label_smoothing)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        logp = _log_softmax_input(input, cdim)
        return _ce_label_smoothing(logp, target, weight, reduction, ignore_index, label_smoothing)
    return nll_loss(_log_softmax_input(input, cdim), target, weight, ignore_index=ignore_index, reduction=reduction)


# binary cross-entropy and KL divergence live in their own module (re-exported here)
from .loss_binary import binary_cross_entropy, binary_cross_entropy_with_logits, kl_div  # noqa: E402, F401
