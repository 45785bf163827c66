"""Window functions of ``torch.signal.windows`` (SciPy's definitions): ``sym=True`` gives the
symmetric window for filter design, ``sym=False`` the periodic one for spectral analysis."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np

from .. import _dtype as dt
from .._device import check_device
from .._tensor import Tensor

__all__ = [
    "bartlett",
    "blackman",
    "cosine",
    "exponential",
    "gaussian",
    "general_cosine",
    "general_hamming",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
]


def _allocating(fn):
    """Report numpy's MemoryError (a huge ``M``) as torch's allocator does: a RuntimeError."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MemoryError as err:
            raise RuntimeError(f"{fn.__name__}: DefaultCPUAllocator: can't allocate memory: {err}") from None

    return wrapper


def _checked_dtype(name: str, M: int, dtype, layout, device, requires_grad: bool = False) -> np.dtype:
    """torch's checks (length, layout, float dtype); the numpy dtype to compute in."""
    if not isinstance(M, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'M' must be int, not {type(M).__name__}")
    if not isinstance(requires_grad, bool):
        raise TypeError(f"{name}(): argument 'requires_grad' must be bool, not {type(requires_grad).__name__}")
    if dtype is None:
        dtype = dt.get_default_dtype()
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not dt.strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (dt.float32, dt.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    check_device(device, name)
    return np.dtype(dtype.name)


def _result(values: np.ndarray, requires_grad: bool) -> Tensor:
    out = Tensor._make(values)
    return out.requires_grad_(requires_grad) if requires_grad else out


def _linspace(start: float, end: float, steps: int, npdt: np.dtype) -> np.ndarray:
    """``torch.linspace`` as its CPU kernel computes it: from the start for the first half,
    from the end for the second (the same rounding)."""
    start, end = npdt.type(start), npdt.type(end)
    if steps == 1:
        return np.array([start], dtype=npdt)
    step = (end - start) / npdt.type(steps - 1)
    i = np.arange(steps)
    half = steps // 2
    return np.where(i < half, start + step * i.astype(npdt), end - step * (steps - i - 1).astype(npdt)).astype(npdt)


def _trivial(M: int, npdt: np.dtype, requires_grad: bool) -> Tensor | None:
    """The windows of length 0 (empty) and 1 (a single 1)."""
    if M > 1:
        return None
    return _result(np.ones(M, dtype=npdt), requires_grad)


@_allocating
def exponential(
    M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True, dtype=None, layout=dt.strided,
    device=None, requires_grad: bool = False,
) -> Tensor:  # fmt: skip
    """Exponential (Poisson) window ``exp(-|n - center| / tau)``."""
    npdt = _checked_dtype("exponential", M, dtype, layout, device, requires_grad)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return _result(np.zeros(0, dtype=npdt), requires_grad)
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    k = _linspace(-center / tau, (-center + (M - 1)) / tau, M, npdt)
    return _result(np.exp(-np.abs(k)), requires_grad)


@_allocating
def cosine(
    M: int, *, sym: bool = True, dtype=None, layout=dt.strided, device=None, requires_grad: bool = False
) -> Tensor:
    """Cosine (sine) window ``sin(pi (n + 0.5) / M)``."""
    npdt = _checked_dtype("cosine", M, dtype, layout, device, requires_grad)
    if M == 0:
        return _result(np.zeros(0, dtype=npdt), requires_grad)
    constant = math.pi / (M + 1 if not sym and M > 1 else M)
    k = _linspace(0.5 * constant, (0.5 + (M - 1)) * constant, M, npdt)
    return _result(np.sin(k), requires_grad)


@_allocating
def gaussian(
    M: int, *, std: float = 1.0, sym: bool = True, dtype=None, layout=dt.strided, device=None,
    requires_grad: bool = False,
) -> Tensor:  # fmt: skip
    """Gaussian window ``exp(-(n / (2 std))^2)`` centred on the window."""
    npdt = _checked_dtype("gaussian", M, dtype, layout, device, requires_grad)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return _result(np.zeros(0, dtype=npdt), requires_grad)
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    constant = 1 / (std * math.sqrt(2))
    k = _linspace(start * constant, (start + (M - 1)) * constant, M, npdt)
    return _result(np.exp(-(k**2)), requires_grad)


@_allocating
def kaiser(
    M: int, *, beta: float = 12.0, sym: bool = True, dtype=None, layout=dt.strided, device=None,
    requires_grad: bool = False,
) -> Tensor:  # fmt: skip
    """Kaiser window ``I0(beta sqrt(1 - (2n/N - 1)^2)) / I0(beta)``."""
    npdt = _checked_dtype("kaiser", M, dtype, layout, device, requires_grad)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    small = _trivial(M, npdt, requires_grad)
    if small is not None:
        return small
    b = npdt.type(beta)
    constant = npdt.type(2.0) * b / npdt.type(M if not sym else M - 1)
    end = min(b, -b + npdt.type(M - 1) * constant)
    k = _linspace(-b, end, M, npdt)
    with np.errstate(invalid="ignore"):  # inf / inf: torch's NaN for a large beta in float32
        return _result(_i0(np.sqrt(b * b - k**2), npdt) / _i0(np.asarray(b), npdt), requires_grad)


def _i0(x: np.ndarray, npdt: np.dtype) -> np.ndarray:
    """I0 as torch computes it in ``npdt``: ``exp(x)`` times a series, so inf once ``exp(x)`` overflows."""
    big = x > np.log(np.finfo(npdt).max)
    return np.where(big, np.inf, np.i0(np.where(big, 0, x).astype(np.float64))).astype(npdt)


@_allocating
def general_cosine(
    M: int, *, a: Iterable, sym: bool = True, dtype=None, layout=dt.strided, device=None,
    requires_grad: bool = False,
) -> Tensor:  # fmt: skip
    """Sum of cosines ``sum_i (-1)^i a_i cos(2 pi i n / N)``."""
    npdt = _checked_dtype("general_cosine", M, dtype, layout, device, requires_grad)
    small = _trivial(M, npdt, requires_grad)
    if small is not None:
        return small
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    constant = 2 * math.pi / (M if not sym else M - 1)
    k = _linspace(0, (M - 1) * constant, M, npdt)
    coef = np.array([(-1) ** i * w for i, w in enumerate(a)], dtype=npdt)
    order = np.arange(len(coef), dtype=npdt)
    return _result((coef[:, None] * np.cos(order[:, None] * k)).sum(0), requires_grad)


def general_hamming(
    M: int, *, alpha: float = 0.54, sym: bool = True, dtype=None, layout=dt.strided, device=None,
    requires_grad: bool = False,
) -> Tensor:  # fmt: skip
    """Generalised Hamming window ``alpha - (1 - alpha) cos(2 pi n / N)``."""
    return general_cosine(
        M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad
    )


def hamming(
    M: int, *, sym: bool = True, dtype=None, layout=dt.strided, device=None, requires_grad: bool = False
) -> Tensor:
    """Hamming window (general Hamming with alpha 0.54)."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(
    M: int, *, sym: bool = True, dtype=None, layout=dt.strided, device=None, requires_grad: bool = False
) -> Tensor:
    """Hann window (general Hamming with alpha 0.5)."""
    return general_hamming(
        M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad
    )


def blackman(
    M: int, *, sym: bool = True, dtype=None, layout=dt.strided, device=None, requires_grad: bool = False
) -> Tensor:
    """Blackman window (general cosine with a = 0.42, 0.5, 0.08)."""
    _checked_dtype("blackman", M, dtype, layout, device, requires_grad)
    return general_cosine(
        M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad
    )


@_allocating
def bartlett(
    M: int, *, sym: bool = True, dtype=None, layout=dt.strided, device=None, requires_grad: bool = False
) -> Tensor:
    """Bartlett (triangular) window ``1 - |2n/N - 1|``."""
    npdt = _checked_dtype("bartlett", M, dtype, layout, device, requires_grad)
    small = _trivial(M, npdt, requires_grad)
    if small is not None:
        return small
    constant = 2 / (M if not sym else M - 1)
    k = _linspace(-1, -1 + (M - 1) * constant, M, npdt)
    return _result(npdt.type(1) - np.abs(k), requires_grad)


def nuttall(
    M: int, *, sym: bool = True, dtype=None, layout=dt.strided, device=None, requires_grad: bool = False
) -> Tensor:
    """Nuttall's minimum 4-term Blackman-Harris window."""
    return general_cosine(
        M,
        a=[0.3635819, 0.4891775, 0.1365995, 0.0106411],
        sym=sym,
        dtype=dtype,
        layout=layout,
        device=device,
        requires_grad=requires_grad,
    )
