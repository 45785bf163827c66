"""The lecture notes' convolution and cross-correlation of N-d signals, differentiable in both.

``convolve`` flips the kernel (true convolution), ``correlate`` does not. Modes follow
scipy.signal: ``'full'`` (every overlap), ``'valid'`` (complete overlaps, the larger
argument sliding over the smaller) and ``'same'`` (centred, the size of the first
argument). In 1-D they agree with ``numpy.convolve`` / ``numpy.correlate``.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..ops.conv import ConvNd
from ..ops.padding import ConstantPad
from ..ops.shape import flip

__all__ = ["convolve", "correlate", "windows"]

_MODES = ("full", "valid", "same")


def _check(op: str, x, k, mode: str) -> None:
    if not isinstance(x, Tensor) or not isinstance(k, Tensor):
        raise TypeError(f"{op}(): expected Tensors, got {type(x).__name__} and {type(k).__name__}")
    if mode not in _MODES:
        raise ValueError(f"{op}: acceptable mode flags are 'valid', 'same', or 'full', got {mode!r}")
    if x.ndim != k.ndim:
        raise ValueError(
            f"{op}: x and k should have the same dimensionality, got shapes {tuple(x.shape)} and {tuple(k.shape)}"
        )
    if x.ndim == 0 or x.numel() == 0 or k.numel() == 0:
        raise ValueError(
            f"{op}: inputs must be non-empty arrays of at least 1 dim, got shapes {tuple(x.shape)} and {tuple(k.shape)}"
        )
    if x._data.dtype != k._data.dtype or x._data.dtype.kind != "f":
        raise TypeError(f"{op}: x and k must have the same floating dtype, got {x.dtype} and {k.dtype}")
    if mode == "valid":
        ge = all(a >= b for a, b in zip(x.shape, k.shape))
        le = all(a <= b for a, b in zip(x.shape, k.shape))
        if not (ge or le):
            raise ValueError(
                f"{op}: for 'valid' mode, one must be at least as large as the other in every dimension, "
                f"got shapes {tuple(x.shape)} and {tuple(k.shape)}"
            )


def _full_correlate(x: Tensor, k: Tensor) -> Tensor:
    """Full cross-correlation ``z[n] = sum_m x[m] k[m - n + K - 1]``, size X + K - 1 per dim."""
    d = x.ndim
    pads = [(kk - 1, kk - 1) for kk in k.shape]
    xp_ = ConstantPad.apply(x.reshape((1, 1) + tuple(x.shape)), pads=pads, value=0.0)
    out = ConvNd.apply(
        xp_, k.reshape((1, 1) + tuple(k.shape)), stride=(1,) * d, pads=[(0, 0)] * d, dilation=(1,) * d, groups=1
    )
    return out.reshape(tuple(out.shape[2:]))


def _select(full: Tensor, xs: tuple, ks: tuple, mode: str) -> Tensor:
    if mode == "full":
        return full
    if mode == "valid":
        key = tuple(slice(min(a, b) - 1, max(a, b)) for a, b in zip(xs, ks))
    else:  # same: centred, the size of the first argument
        key = tuple(slice((n - a) // 2, (n - a) // 2 + a) for n, a in zip(full.shape, xs))
    return full[key]


def convolve(x: Tensor, k: Tensor, mode: str = "full") -> Tensor:
    """N-d convolution of ``x`` with ``k`` (kernel flipped), as ``scipy.signal.convolve``."""
    _check("convolve", x, k, mode)
    full = _full_correlate(x, flip(k, tuple(range(k.ndim))))
    return _select(full, tuple(x.shape), tuple(k.shape), mode)


def correlate(x: Tensor, k: Tensor, mode: str = "full") -> Tensor:
    """N-d cross-correlation of ``x`` with ``k``, as ``scipy.signal.correlate``."""
    _check("correlate", x, k, mode)
    full = _full_correlate(x, k)
    return _select(full, tuple(x.shape), tuple(k.shape), mode)


from . import windows  # noqa: E402
