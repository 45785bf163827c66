"""``nn.functional.pad``: constant, reflect, replicate and circular padding, differentiable.

The pad tuple is PyTorch's: ``(last_before, last_after, second_last_before, ...)``.
Constant padding is a slice assignment (its adjoint a slice); the other modes gather
along each padded dim with an index array (their adjoint scatters the edges back).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Op
from ..kernels.windows import pad_spatial

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Op):
    """Pad (or crop, for negative amounts) the trailing dims with a constant."""

    def forward(self, x, pads, value):
        self.pads = pads
        a = x._data
        crop = tuple(slice(max(-b, 0), n - max(-e, 0)) for n, (b, e) in zip(a.shape[a.ndim - len(pads) :], pads))
        a = a[(Ellipsis,) + crop]
        out = pad_spatial(a, [(max(b, 0), max(e, 0)) for b, e in pads], value)
        return out.copy() if out is x._data else out

    def backward(self, g):
        return ConstantPad.apply(g, pads=[(-b, -e) for b, e in self.pads], value=0.0)


class Gather(Op):
    """``x`` indexed by ``idx`` along ``dim`` (the building block of the non-constant modes)."""

    def forward(self, x, dim, idx, size):
        self.dim, self.idx, self.size = dim, idx, size
        return xp.take(x._data, idx, axis=dim)

    def backward(self, g):
        return Scatter.apply(g, dim=self.dim, idx=self.idx, size=self.size)


class Scatter(Op):
    """Adjoint of ``Gather``: sums ``g`` into an array of ``size`` along ``dim`` at ``idx``."""

    def forward(self, g, dim, idx, size):
        self.dim, self.idx, self.size = dim, idx, size
        a = g._data
        shape = a.shape[:dim] + (size,) + a.shape[dim + 1 :]
        out = xp.zeros(shape, dtype=a.dtype)
        lead = (slice(None),) * dim
        # the interior is a contiguous run 0..size-1 in the padded layout; only edges repeat
        zeros = np.flatnonzero(idx == 0)
        start = int(zeros[0]) if len(zeros) else len(idx)
        if start + size <= len(idx) and np.array_equal(idx[start : start + size], np.arange(size)):
            out += a[lead + (slice(start, start + size),)]
            rest = np.r_[0:start, start + size : len(idx)]
            if len(rest):
                np.add.at(out, lead + (idx[rest],), a[lead + (rest,)])
        else:
            np.add.at(out, lead + (idx,), a)
        return out

    def backward(self, gg):
        return Gather.apply(gg, dim=self.dim, idx=self.idx, size=self.size)


@lru_cache(maxsize=256)
def _index(mode: str, n: int, b: int, e: int) -> np.ndarray:
    """Source index of each position of a dim of size ``n`` padded by ``(b, e)`` (cached, read-only)."""
    pos = np.arange(-b, n + e)
    if mode == "reflect":
        period = 2 * (n - 1)
        m = np.mod(pos, period) if period else np.zeros_like(pos)
        idx = np.where(m < n, m, period - m)
    elif mode == "replicate":
        idx = np.clip(pos, 0, n - 1)
    else:  # circular
        idx = np.mod(pos, n)
    idx.setflags(write=False)
    return idx


def _int_tuple(pad) -> tuple:
    """The pad amounts as ints; like PyTorch, floats and bools are refused, not truncated."""
    try:
        items = tuple(pad)
    except TypeError:
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}") from None
    out = []
    for i, p in enumerate(items):
        if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, np.integer, Tensor)):
            raise TypeError(
                f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                f"{type(p).__name__} at pos {i}"
            )
        out.append(int(p))
    return tuple(out)


def _check_edge_mode_input(input: Tensor, k: int, mode: str) -> None:
    """Reflect / replicate: no bool kernel, and only the batch dim may be empty (PyTorch's rules)."""
    kernel = f"{'reflection' if mode == 'reflect' else 'replication'}_pad{k}d"
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f"pad: \"{kernel}\" not implemented for 'Bool'")
    shape = list(input.shape)
    if 0 in shape[input.ndim - k - 1 :]:
        raise RuntimeError(
            f"pad: Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {shape}"
        )


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the trailing dims of ``input`` by ``pad`` (PyTorch's order: last dim first)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' must be Tensor, not {type(input).__name__}")
    pad = _int_tuple(pad)
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' (position 3) must be str, not {type(mode).__name__}")
    if value is not None and not isinstance(value, (int, float, np.integer, np.floating, Tensor)):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, not {type(value).__name__}")
    if len(pad) % 2:
        raise RuntimeError(f"pad: Padding length must be divisible by 2, got pad={pad}")
    k = len(pad) // 2
    if k > input.ndim:
        raise RuntimeError(
            f"pad: Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {input.ndim}"
        )
    if mode not in _MODES:
        raise NotImplementedError(f"pad: Unrecognised padding mode {mode}")
    # pairs for dims (ndim-k .. ndim-1), first dim first
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(k)][::-1]
    shape = tuple(input.shape)
    if mode == "constant":
        for i, (b, e) in enumerate(pairs):
            d = input.ndim - k + i
            if shape[d] + b + e < 0:
                raise RuntimeError(
                    f"pad: The input size {shape[d]}, plus negative padding {b} and {e} resulted in a negative "
                    f"output size, which is invalid. Check dimension {d} of your input."
                )
        return ConstantPad.apply(input, pads=pairs, value=0.0 if value is None else float(value))
    if value not in (None, 0, 0.0):
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument, got value={value}')
    if k > 3 or input.ndim < k + 1 or input.ndim > k + 2:
        raise NotImplementedError(
            f"pad: {mode} padding of the last {k} dims needs a {k + 1}D or {k + 2}D input, got shape {list(shape)}"
        )
    if mode != "circular":
        _check_edge_mode_input(input, k, mode)
    for i, (b, e) in enumerate(pairs):
        d = input.ndim - k + i
        n = shape[d]
        if mode == "reflect" and (b >= n or e >= n):
            raise RuntimeError(
                f"pad: Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({b}, {e}) at dimension {d} of input {list(shape)}"
            )
        if mode == "circular" and (b > n or e > n):
            raise RuntimeError(
                f"pad: Padding value causes wrapping around more than once, got padding ({b}, {e}) "
                f"at dimension {d} of input {list(shape)}"
            )
        # an empty result is PyTorch's answer except for 1-D reflect / replicate
        if n + b + e < 0 or (n + b + e == 0 and k == 1 and mode != "circular"):
            name = "DHW"[3 - k + i]
            raise RuntimeError(
                f"pad: input ({name}: {n}) is too small. Calculated output {name}: {n + b + e} "
                f"(padding ({b}, {e}) at dimension {d} of input {list(shape)})"
            )
    out = input
    # replicate maps output position j to clip(j - before, 0, n - 1) whatever the signs
    # (PyTorch's rule: a negative amount can leave only copies of an edge); the other
    # modes crop first and wrap or reflect the cropped size
    if mode != "replicate" and any(b < 0 or e < 0 for b, e in pairs):
        # negative amounts crop first; the wrap / reflection then uses the cropped size
        out = ConstantPad.apply(input, pads=[(min(b, 0), min(e, 0)) for b, e in pairs], value=0.0)
        shape = tuple(out.shape)
        pairs = [(max(b, 0), max(e, 0)) for b, e in pairs]
    for i, (b, e) in enumerate(pairs):
        if b or e:
            d = input.ndim - k + i
            out = Gather.apply(out, dim=d, idx=_index(mode, shape[d], b, e), size=shape[d])
    return out if out is not input else input.clone()
