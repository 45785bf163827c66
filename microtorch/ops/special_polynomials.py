"""The orthogonal polynomials of ``torch.special`` (Chebyshev, Hermite, Laguerre, Legendre).

PyTorch evaluates them by their three-term recurrences with the degree ``n`` truncated to an
integer (0 for negative degrees), special-cases the interval ends, and switches to the
trigonometric closed forms of the Chebyshev families for high degrees inside (-1, 1); this
module does the same, vectorised over the elements (the loop runs over degrees only).
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._util import broadcast_error
from .special import operands

__all__ = ["POLYNOMIALS"]


def _recurrence(x, n, first, step):
    """Degree-``n`` values of the recurrence ``P_d = step(d, x, P_{d-1}, P_{d-2})``, ``P_0 = 1``, ``P_1 = first``.

    Each step works only on the elements whose degree is not reached yet, so the cost is the
    sum of the degrees (as PyTorch's per-element loop), not the largest degree times the size.
    """
    x, n, first = np.broadcast_arrays(x, n, first)
    out = np.where(n == 0, np.ones((), x.dtype), first).ravel()
    idx = np.flatnonzero(n >= 2)
    xs, ns = x.ravel()[idx], n.ravel()[idx]
    p, q = np.ones_like(xs), first.ravel()[idx]
    d = 1
    while idx.size:
        d += 1
        p, q = q, step(d, xs, q, p)
        reached = ns == d
        out[idx[reached]] = q[reached]
        keep = ~reached
        idx, xs, ns, p, q = idx[keep], xs[keep], ns[keep], p[keep], q[keep]
    return out.reshape(x.shape)


def _two_x_q_minus_p(d, x, q, p):
    return (x + x) * q - p


def _odd(n):
    return n % 2 == 1


def _chebyshev(x, n, kind):
    """Chebyshev T/U/V/W at ``x`` (PyTorch's kernels, including their end-point and high-degree forms)."""
    first = {"t": x, "u": x + x, "v": x + x - 1, "w": x + x + 1}[kind]
    inside = np.abs(x) < 1
    big = n > (6 if kind == "t" else 8)
    trig = big & inside
    out = _recurrence(x, np.where(trig, 0, n), first, _two_x_q_minus_p)
    with np.errstate(all="ignore"):  # the closed forms are evaluated everywhere, used where ``trig``
        theta = np.arccos(np.clip(x, -1, 1))
        closed = _closed_chebyshev(kind, theta, x, n)
    out = np.where(trig, closed, out)
    return np.where(np.abs(x) == 1, _chebyshev_ends(kind, x, n), out)


def _closed_chebyshev(kind, theta, x, n):
    if kind == "t":
        return np.cos(n * theta)
    if kind == "u":
        s = np.sin(theta)
        return np.where(s != 0, np.sin((n + 1) * theta) / s, (n + 1) * np.cos((n + 1) * theta) / x)
    if kind == "v":
        return np.cos((n + 0.5) * theta) / np.cos(theta / 2)
    return np.sin((n + 0.5) * theta) / np.sin(theta / 2)


def _chebyshev_ends(kind, x, n):
    pos = x > 0
    sign = np.where(_odd(n), -1, 1)
    if kind == "t":
        return np.where(pos, 1, sign)
    if kind == "u":
        return np.where(pos, n + 1, sign * (n + 1))
    if kind == "v":
        return np.where(pos, 1, sign * (2 * n + 1))
    return np.where(pos, 2 * n + 1, sign)


def _hermite_h(x, n):
    return _recurrence(x, n, x + x, lambda d, x, q, p: (x + x) * q - (2 * (d - 1)) * p)


def _hermite_he(x, n):
    return _recurrence(x, n, x, lambda d, x, q, p: x * q - (d - 1) * p)


def _laguerre_l(x, n):
    out = _recurrence(x, n, 1 - x, lambda d, x, q, p: ((2 * d - 1 - x) * q - (d - 1) * p) / d)
    return np.where(x == 0, 1, out)


def _legendre_p(x, n):
    out = _recurrence(x, n, x, lambda d, x, q, p: ((2 * d - 1) * x * q - (d - 1) * p) / d)
    return np.where(np.abs(x) == 1, np.where((x > 0) | ~_odd(n), 1, -1), out)


def _shifted(kind):
    def fn(x, n):
        t = x + x - 1
        return _chebyshev(t, n, kind)

    return fn


_KERNELS = {
    "chebyshev_polynomial_t": lambda x, n: _chebyshev(x, n, "t"),
    "chebyshev_polynomial_u": lambda x, n: _chebyshev(x, n, "u"),
    "chebyshev_polynomial_v": lambda x, n: _chebyshev(x, n, "v"),
    "chebyshev_polynomial_w": lambda x, n: _chebyshev(x, n, "w"),
    "shifted_chebyshev_polynomial_t": _shifted("t"),
    "shifted_chebyshev_polynomial_u": _shifted("u"),
    "shifted_chebyshev_polynomial_v": _shifted("v"),
    "shifted_chebyshev_polynomial_w": _shifted("w"),
    "hermite_polynomial_h": _hermite_h,
    "hermite_polynomial_he": _hermite_he,
    "laguerre_polynomial_l": _laguerre_l,
    "legendre_polynomial_p": _legendre_p,
}


def _polynomial(name: str, kernel):
    op = "special." + name

    def fn(input, n) -> Tensor:  # noqa: A002 - PyTorch's names
        a, b = operands(op, input, n, scalars=True, floating=True)
        try:
            x, deg = np.broadcast_arrays(a._data, b._data)
        except ValueError:
            raise broadcast_error(op, a.shape, b.shape) from None
        # C++ truncates the degree to int64; NaN and out-of-range degrees become INT64_MIN there (so 0)
        invalid = ~(np.abs(deg) < 2.0**63)
        d = np.where(invalid, -1, np.where(invalid, 0, deg)).astype(np.int64)
        # float64 throughout: the recurrences cancel, and float32 would lose digits torch keeps
        out = kernel(x.astype(np.float64), d)
        return Tensor._make(np.asarray(np.where(d < 0, 0, out), a._data.dtype))

    fn.__name__ = name
    fn.__doc__ = f"PyTorch's ``torch.special.{name}(input, n)`` (degree ``n`` truncated to an integer; no gradient)."
    return fn


POLYNOMIALS = {name: _polynomial(name, kernel) for name, kernel in _KERNELS.items()}
