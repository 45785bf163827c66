"""Connectionist temporal classification loss (``ctc_loss``), torch's CPU algorithm.

The forward (alpha) and backward (beta) recursions run in log space over time, each step
vectorised over the batch and the extended (blank-interleaved) target positions. The
gradient is torch's: ``exp(log_probs) - exp(log(sum alpha*beta over the positions of c) +
nll - log_probs)`` (the gradient through a log-softmax producing ``log_probs``), zero past
each input length. As in torch, that gradient has no derivative itself.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Op
from ..kernels.windows import is_int
from .linalg import _tname as _word
from .loss import _check_reduction

__all__ = ["ctc_loss"]

_NEG_INF = -np.inf


def _lse(*terms: np.ndarray) -> np.ndarray:
    """Elementwise log-sum-exp of same-shaped arrays, -inf where all are -inf."""
    m = np.maximum.reduce(terms)
    safe = np.where(np.isfinite(m), m, 0)
    return np.log(sum(np.exp(t - safe) for t in terms)) + safe


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """``a[..., s - k]`` along the last axis (-inf for ``s < k``)."""
    out = np.full_like(a, _NEG_INF)
    out[..., k:] = a[..., :-k]
    return out


class _Extended:
    """The blank-interleaved targets ``l'`` of a batch: labels (N, S'), valid-state and skip masks."""

    def __init__(self, targets: list, blank: int) -> None:
        n, s = len(targets), 2 * max((len(t) for t in targets), default=0) + 1
        self.labels = np.full((n, s), blank, dtype=np.int64)
        for i, t in enumerate(targets):
            self.labels[i, 1 : 2 * len(t) : 2] = t
        self.lengths = np.array([len(t) for t in targets], dtype=np.int64)
        self.valid = np.arange(s)[None, :] <= 2 * self.lengths[:, None]
        prev2 = np.concatenate([np.full((n, 2), -1), self.labels[:, :-2]], axis=1)[:, :s]  # s = 1: all empty
        self.skip = (self.labels != blank) & (self.labels != prev2)  # s - 2 -> s allowed


def _alphas(lp: np.ndarray, ext: _Extended, in_len: np.ndarray) -> np.ndarray:
    """log alpha (T, N, S'); frozen after each sample's input length."""
    t_max, n = lp.shape[:2]
    rows = np.arange(n)[:, None]
    emit = lp[:, rows, ext.labels]  # (T, N, S')
    la = np.full((t_max, n, ext.labels.shape[1]), _NEG_INF, dtype=lp.dtype)
    if t_max == 0:
        return la
    first = np.full(ext.labels.shape, _NEG_INF, dtype=lp.dtype)
    first[:, 0] = emit[0, :, 0]
    first[:, 1:2] = np.where(ext.lengths[:, None] > 0, emit[0, :, 1:2], _NEG_INF)
    la[0] = np.where(ext.valid, first, _NEG_INF)
    for t in range(1, t_max):
        prev = la[t - 1]
        step = _lse(prev, _shift(prev, 1), np.where(ext.skip, _shift(prev, 2), _NEG_INF)) + emit[t]
        la[t] = np.where(ext.valid & (t < in_len)[:, None], step, _NEG_INF)
    return la


def _betas(lp: np.ndarray, ext: _Extended, in_len: np.ndarray) -> np.ndarray:
    """log beta (T, N, S'), started at each sample's last frame."""
    t_max, n = lp.shape[:2]
    rows = np.arange(n)[:, None]
    emit = lp[:, rows, ext.labels]
    s = ext.labels.shape[1]
    last = np.arange(s)[None, :] >= 2 * ext.lengths[:, None] - 1
    lb = np.full((t_max, n, s), _NEG_INF, dtype=lp.dtype)
    skip_next = np.concatenate([ext.skip[:, 2:], np.zeros((n, 2), bool)], axis=1)[:, :s]  # s + 2 -> s allowed
    nxt = np.full((n, s), _NEG_INF, dtype=lp.dtype)
    for t in range(t_max - 1, -1, -1):
        start = np.where(ext.valid & last, emit[t], _NEG_INF)
        up1, up2 = _shift(nxt[:, ::-1], 1)[:, ::-1], _shift(nxt[:, ::-1], 2)[:, ::-1]
        step = _lse(nxt, up1, np.where(skip_next, up2, _NEG_INF)) + emit[t]
        cur = np.where((t == in_len - 1)[:, None], start, np.where((t < in_len - 1)[:, None], step, _NEG_INF))
        lb[t] = np.where(ext.valid, cur, _NEG_INF)
        nxt = lb[t]
    return lb


def _nll(la: np.ndarray, ext: _Extended, in_len: np.ndarray) -> np.ndarray:
    n = la.shape[1]
    rows = np.arange(n)
    final = la[np.maximum(in_len - 1, 0), rows]  # (N, S')
    end = 2 * ext.lengths
    a = final[rows, end]
    b = np.where(ext.lengths > 0, final[rows, np.maximum(end - 1, 0)], _NEG_INF)
    nll = -_lse(a, b)
    return np.where(in_len > 0, nll, np.where(ext.lengths == 0, 0.0, np.inf)).astype(la.dtype)


class _CtcLoss(Op):
    """Per-sample negative log-likelihood (N,); the gradient is torch's ``ctc_loss_backward``."""

    torch_name = "CtcLossBackward0"

    def forward(self, log_probs, ext, in_len, zero_infinity):
        lp = log_probs._data
        self.save_for_backward(log_probs)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            la = _alphas(lp, ext, in_len)
            nll = _nll(la, ext, in_len)
        self.lp, self.ext, self.in_len, self.la, self.nll = lp, ext, in_len, la, nll
        self.zero_infinity = zero_infinity
        return nll

    def backward(self, g):
        (log_probs,) = self.saved_tensors  # an input of the gradient's node, as torch's (non-differentiable) one
        return _CtcGrad.apply(g, log_probs, node=self)


class _CtcGrad(Op):
    """``grad_output``-scaled CTC gradient; torch has no derivative for it."""

    torch_name = "CtcLossBackwardBackward0"

    def forward(self, g, log_probs, node):
        lp, ext, in_len, nll = node.lp, node.ext, node.in_len, node.nll
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            both = node.la + _betas(lp, ext, in_len)  # (T, N, S')
            m = both.max(axis=2, keepdims=True)
            m = np.where(np.isfinite(m), m, 0)
            onehot = (ext.labels[:, :, None] == np.arange(lp.shape[2])).astype(lp.dtype)  # (N, S', C)
            lcab = np.log(np.einsum("tns,nsc->tnc", np.exp(both - m), onehot)) + m
            grad = np.exp(lp) - np.exp(lcab + nll[None, :, None] - lp)
        active = np.arange(lp.shape[0])[:, None] < in_len[None, :]
        if node.zero_infinity:
            active = active & np.isfinite(nll)[None, :]
        grad = np.where(active[:, :, None], grad, 0) * g._data[None, :, None]
        return grad.astype(lp.dtype, copy=False)

    def backward(self, gg):
        raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


def _lengths(value, name: str, n: int) -> np.ndarray:
    if isinstance(value, Tensor):
        if value._data.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        arr = value._data.reshape(-1).astype(np.int64)
    elif isinstance(value, (list, tuple)) and all(is_int(v) for v in value):
        arr = np.asarray(value, dtype=np.int64).reshape(-1)
    else:
        raise TypeError(f"ctc_loss(): argument '{name}' must be Tensor or tuple of ints, not {type(value).__name__}")
    if arr.shape[0] != n:
        raise RuntimeError(f"{name} must be of size batch_size")
    return arr


def _split_targets(targets: Tensor, tgt_len: np.ndarray, n: int, c: int, blank: int) -> list:
    t = targets._data.astype(np.int64)
    if (tgt_len < 0).any():
        raise RuntimeError(
            f"Expected target_lengths to have value at least 0, but got value {int(tgt_len.min())} "
            "(while checking arguments for ctc_loss_allocate_outputs)"
        )
    if t.ndim == 1:
        if tgt_len.sum() > t.shape[0]:
            raise RuntimeError(
                f"Expected tensor to have size at least {int(tgt_len.sum())} at dimension 0, but got size "
                f"{t.shape[0]} for argument #2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"
            )
        ends = np.cumsum(tgt_len)
        rows = [t[e - k : e] for e, k in zip(ends, tgt_len)]
    else:
        width = int(tgt_len.max(initial=0))
        if t.shape[-1] < width:
            raise RuntimeError(
                f"Expected tensor to have size at least {width} at dimension 1, but got size {t.shape[-1]} "
                "for argument #2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"
            )
        if t.shape[0] != n:
            raise RuntimeError(
                f"Expected tensor to have size {n} at dimension 0, but got size {t.shape[0]} for argument #2 "
                "'targets' (while checking arguments for ctc_loss_allocate_outputs)"
            )
        rows = [t[i, :k] for i, k in enumerate(tgt_len)]
    for r in rows:
        if ((r < 0) | (r >= c) | (r == blank)).any():
            raise RuntimeError(f"ctc_loss: target labels must be in [0, {c}) and not the blank ({blank})")
    return rows


def _check_types(log_probs, targets, blank, zero_infinity) -> None:
    for pos, (name, value) in enumerate((("log_probs", log_probs), ("targets", targets)), 1):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"ctc_loss(): argument '{name}' (position {pos}) must be Tensor, not {type(value).__name__}"
            )
    if not is_int(blank):
        raise TypeError(f"ctc_loss(): argument 'blank' (position 5) must be int, not {type(blank).__name__}")
    if not isinstance(zero_infinity, bool):
        raise TypeError(
            f"ctc_loss(): argument 'zero_infinity' (position 7) must be bool, not {type(zero_infinity).__name__}"
        )
    if targets.ndim not in (1, 2):
        raise RuntimeError(
            f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for argument #2 'targets' "
            "(while checking arguments for ctc_loss_allocate_outputs)"
        )


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """CTC negative log-likelihood of ``(T, N, C)`` (or ``(T, C)``) log-probabilities against label sequences."""
    _check_reduction(reduction, "ctc_loss")
    _check_types(log_probs, targets, blank, zero_infinity)
    if log_probs.ndim < 2:  # torch reads the batch size as dim 1
        lo = -max(log_probs.ndim, 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {-lo - 1}], but got 1)")
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss: expected log_probs of 2 or 3 dims, got {log_probs.ndim}")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    t_max, n, c = lp.shape
    in_len = _lengths(input_lengths, "input_lengths", n)
    tgt_len = _lengths(target_lengths, "target_lengths", n)
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    if lp._data.dtype.kind != "f":
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{_word(lp)}'")
    if (in_len > t_max).any() or (in_len < 0).any():
        bad = int(in_len.max()) if (in_len > t_max).any() else int(in_len.min())
        bound = f"at most {t_max}" if bad > t_max else "at least 0"
        raise RuntimeError(
            f"Expected input_lengths to have value {bound}, but got value {bad} "
            "(while checking arguments for ctc_loss_allocate_outputs)"
        )
    rows = _split_targets(targets if batched or targets.ndim != 1 else targets.unsqueeze(0), tgt_len, n, c, blank)
    nll = _CtcLoss.apply(lp, ext=_Extended(rows, blank), in_len=in_len, zero_infinity=zero_infinity)
    if zero_infinity:
        nll = nll.masked_fill(Tensor._make(np.isinf(nll._data)), 0.0)
    if reduction == "mean":
        denom = Tensor._make(np.maximum(tgt_len, 1).astype(lp._data.dtype))
        return (nll / denom).mean()
    if reduction == "sum":
        return nll.sum()
    return nll if batched else nll.squeeze(0)
