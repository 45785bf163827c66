"""``linear_cross_entropy``: cross-entropy of ``linear(input, weight, bias)`` logits, optionally batch-chunked.

Without ``options`` it is torch's reference composite (``linear`` then ``cross_entropy``).
With ``LinearCrossEntropyOptions`` the batch is processed ``batch_chunk_size`` rows at a
time (the per-chunk losses are summed, the mean divides by the total target weight),
which gives the same values and gradients with smaller logits per step.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np

import microtorch as _mt

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from .linalg import linear
from .loss import cross_entropy

__all__ = ["linear_cross_entropy", "LinearCrossEntropyOptions"]


@dataclasses.dataclass(frozen=True)
class LinearCrossEntropyOptions:
    """How ``linear_cross_entropy`` chunks the batch and in which dtype it accumulates (torch's fields).

    ``acc_dtype`` (default: float32 for a float16 input, else the input's dtype) holds the weight-gradient
    sums across chunks; ``acc_policy`` "accurate"/"balanced" also compute each chunk's logits in it,
    "compact" keeps them in the input dtype, and "auto" is torch's CPU pick ("accurate" for float16,
    "compact" otherwise)."""

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None

    def __post_init__(self) -> None:
        if self.acc_policy not in {"auto", "accurate", "balanced", "compact"}:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.acc_dtype is not None and self.acc_dtype not in (dt.float16, dt.float32, dt.float64):
            raise ValueError(
                "acc_dtype must be one of {None, torch.float16, torch.bfloat16, torch.float32, torch.float64}, "
                f"got {self.acc_dtype!r}. Pass acc_dtype=None to let the op pick automatically."
            )
        if self.chunking_method is not None and self.chunking_method != "auto":
            name, sep, factor = self.chunking_method.partition(":")
            factor = factor if sep else "1"
            if not (name == "aspect_ratio" and factor.isdigit() and int(factor) > 0):
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        size = self.batch_chunk_size
        if not (size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size!r}")


def _precision(options, dtype: np.dtype) -> tuple:
    """(the dtype each chunk's logits are computed in, the dtype gradients accumulate in), as the options say.

    ``options`` is ours or torch's own LinearCrossEntropyOptions (same fields)."""
    given = options.acc_dtype
    if given is not None:
        acc = np.dtype(given.np) if hasattr(given, "np") else np.dtype(str(given).rsplit(".", 1)[-1])
    else:
        acc = np.dtype(np.float32) if dtype == np.float16 else dtype
    policy = options.acc_policy
    if policy == "auto":
        policy = "accurate" if dtype == np.float16 else "compact"
    return (acc if policy in ("accurate", "balanced") else dtype), acc


def _chunk_rows(options, n: int, in_features: int, num_classes: int) -> int:
    """Rows per chunk: the explicit size, else torch's ``aspect_ratio[:N]`` heuristic (``auto`` is N = 2)."""
    if options.batch_chunk_size is not None:
        return max(min(options.batch_chunk_size, n), 1)
    method = options.chunking_method
    if method is None:
        return n
    factor = 2 if method == "auto" else int(method.partition(":")[2] or 1)
    target = -(-n // -(-num_classes // in_features))
    return max(min((1 << (target - 1).bit_length()) // factor, n), 1)


def _check_shapes(input: Tensor, linear_weight: Tensor, linear_bias: Tensor | None) -> tuple:
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(
            "expected equal input and linear_weight last dimensions (in_features), "
            f"got {input.shape[-1]} and {linear_weight.shape[-1]}, respectively"
        )
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got {tuple(linear_bias.shape)}")
    if out_features and input.ndim == 1:
        raise RuntimeError(
            f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires"
            f" batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}"
        )
    return num_classes, out_features


def _chunkable(options, out_features: tuple, reduction: str, label_smoothing: float, target: Tensor) -> bool:
    if options is None:
        return False
    ok = not out_features and reduction in {"mean", "sum", "none"} and label_smoothing == 0.0
    ok = ok and target.dtype == _mt.int64
    if not ok:
        warnings.warn(
            "linear_cross_entropy: ``options`` ignored; chunked path needs "
            "reduction in {'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, out_features == (). "
            f"Got reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
            f"out_features={out_features}.",
            stacklevel=3,
        )
    return ok


def _chunk_grads(x, w, b, t, cw, ignore_index, compute):
    """(per-row losses, d loss / d logits) of one chunk, in numpy, in dtype ``compute`` (logits never outlive
    the chunk); both come back in ``compute``."""
    x, w = x.astype(compute, copy=False), w.astype(compute, copy=False)
    b = b.astype(compute, copy=False) if b is not None else None
    cw = cw.astype(compute, copy=False) if cw is not None else None
    z = x @ w.T
    if b is not None:
        z = z + b
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    s = e.sum(1, keepdims=True)
    kept = t != ignore_index
    safe = np.where(kept, t, 0)
    rw = (cw[safe] if cw is not None else np.ones(t.shape, x.dtype)) * kept
    rows = np.arange(t.shape[0])
    losses = (np.log(s[:, 0]) - z[rows, safe]) * rw
    dz = e / s
    dz[rows, safe] -= 1
    return losses.astype(compute, copy=False), (dz * rw[:, None]).astype(compute, copy=False)


class _ChunkedLinearCrossEntropy(Op):
    """torch's chunked path: one node whose gradients are computed chunk by chunk and are not differentiable."""

    torch_name = "LinearCrossEntropyBatchChunkedBackward0"

    def forward(self, x, w, *bias, target, weight, reduction, ignore_index, rows, full, single_use, precision):
        a, wa = x._data, w._data
        self.compute, self.acc = precision
        # torch's scalar reductions consume their precomputed gradients unless allow_retain_graph
        self.single_use, self.used = single_use and reduction != "none", False
        ba = bias[0]._data if bias else None
        self.args = (a, wa, ba, target, weight, ignore_index, rows)
        self.reduction, self.has_bias = reduction, bool(bias)
        chunks = [self._chunk(i)[0].astype(a.dtype, copy=False) for i in range(0, a.shape[0], rows)]
        losses = np.concatenate(chunks or [a[:0, 0]])
        if reduction == "none":
            return losses
        total = losses.sum(dtype=a.dtype)
        if reduction == "sum":
            self.scale = a.dtype.type(1)
            return np.asarray(total)
        kept = full != ignore_index  # torch's mean divides by the whole target's weight
        denom = (weight[np.where(kept, full, 0)] * kept).sum() if weight is not None else kept.sum()
        self.scale = a.dtype.type(1) / a.dtype.type(denom) if denom else a.dtype.type(np.nan)
        return np.asarray(total * self.scale if denom else np.nan, dtype=a.dtype)

    def _chunk(self, i):
        a, wa, ba, t, cw, ii, rows = self.args
        return _chunk_grads(a[i : i + rows], wa, ba, t[i : i + rows], cw, ii, self.compute)

    def backward(self, g):
        if self.single_use and self.used:
            raise RuntimeError(
                "linear_cross_entropy chunked backward called twice; retain_graph=True / double backward are not "
                "supported."
            )
        self.used = True
        a, wa, ba, _, _, _, rows = self.args
        gd = g._data
        acc = self.acc
        gx, gw = np.zeros(a.shape, acc), np.zeros(wa.shape, acc)
        gb = np.zeros(wa.shape[0], acc)
        for i in range(0, a.shape[0], rows):
            dz = self._chunk(i)[1]
            dz = dz * (gd[i : i + rows, None] if self.reduction == "none" else gd * self.scale)
            dz = dz.astype(acc, copy=False)
            gx[i : i + rows] = dz @ wa.astype(acc, copy=False)
            gw += dz.T @ a[i : i + rows].astype(acc, copy=False)
            gb += dz.sum(0)
        make = Tensor._make
        gx, gw = make(gx.astype(a.dtype, copy=False)), make(gw.astype(wa.dtype, copy=False))
        return (gx, gw) + ((make(gb.astype(ba.dtype, copy=False)),) if self.has_bias else ())


def _chunked(input, linear_weight, target, linear_bias, weight, reduction, ignore_index, rows, options) -> Tensor:
    """torch's chunked op on ``(N, in)`` input (a 1-d input is one row)."""
    batched = input.ndim == 2
    x = input if batched else input.unsqueeze(0)
    if x._data.dtype.kind != "f":  # torch's options resolve no accumulation dtype for it
        raise ValueError(f"acc_dtype must be a floating dtype, got {x.dtype}")
    # torch's chunks narrow the target by the input's rows: a longer target's extra rows are never read
    if target.ndim != input.ndim - 1 or (batched and target.shape[0] < input.shape[0]):
        raise RuntimeError(
            f"linear_cross_entropy: expected target of shape {list(input.shape[:-1])}, got {list(target.shape)}"
        )
    full = target._data.reshape(-1).astype(np.int64, copy=False)
    t = full[: x.shape[0]]
    c = linear_weight.shape[0]
    if ((t != ignore_index) & ((t < 0) | (t >= c))).any():
        raise IndexError(f"Target {int(t[(t != ignore_index) & ((t < 0) | (t >= c))][0])} is out of bounds.")
    if weight is not None and tuple(weight.shape) != (c,):
        raise RuntimeError(f"expected weight shape to be {(c,)}, got {tuple(weight.shape)}")
    if linear_weight._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"expected input and linear_weight of one floating dtype, got {x.dtype} and {linear_weight.dtype}"
        )
    bias = (linear_bias,) if linear_bias is not None else ()
    cw = weight._data.astype(x._data.dtype, copy=False) if weight is not None else None
    out = _ChunkedLinearCrossEntropy.apply(
        x,
        linear_weight,
        *bias,
        target=t,
        weight=cw,
        reduction=reduction,
        ignore_index=ignore_index,
        rows=rows,
        full=full,
        single_use=not options.allow_retain_graph,
        precision=_precision(options, x._data.dtype),
    )
    return out if batched or reduction != "none" else out.reshape(())


def linear_cross_entropy(
    input: Tensor,
    linear_weight: Tensor,
    target: Tensor,
    *,
    linear_bias: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: LinearCrossEntropyOptions | None = None,
) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``, batch-chunked with ``options``."""
    num_classes, out_features = _check_shapes(input, linear_weight, linear_bias)
    logits_shape = (*input.shape[:-1], num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    ignore_index = ignore_index if ignore_index is not None else -100
    if _chunkable(options, out_features, reduction, label_smoothing, target):
        rows = _chunk_rows(options, input.shape[0] if input.ndim == 2 else 1, input.shape[-1], num_classes)
        return _chunked(input, linear_weight, target, linear_bias, weight, reduction, ignore_index, rows, options)
    if out_features:
        flat = math.prod(out_features) * num_classes
        linear_weight = linear_weight.reshape(flat, input.shape[-1])
        linear_bias = linear_bias.reshape(flat) if linear_bias is not None else None
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(
        logits, target, weight=weight, reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing
    )
