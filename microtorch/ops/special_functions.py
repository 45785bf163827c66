"""Special functions of PyTorch (``torch.special`` and the top-level erfc, lgamma, digamma, ...).

numpy lacks most of them: they come from ``scipy.special``, imported on first use, so the
core stays numpy-only; without scipy they raise an ImportError naming the ``scipy`` extra.
Kernels run in float64 and round to the result dtype. Gradients are written in microtorch
Tensor ops (second order works); the Bessel functions, orthogonal polynomials and zeta's
first argument have no derivative in PyTorch, and none here.
"""

from __future__ import annotations

import math

import numpy as np

from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import Op
from ._promote import type_name
from .special import apply_binary, check_tensor, constant, operands, pointwise, to_float
from .unary import _erf, _masked, exp, log, sign

__all__ = [
    "erfc",
    "erfinv",
    "lgamma",
    "digamma",
    "polygamma",
    "mvlgamma",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "ndtr",
    "ndtri",
    "log_ndtr",
    "erfcx",
    "entr",
    "sinc",
    "xlog1py",
    "zeta",
    "NON_DIFFERENTIABLE",
]

_SQRT_PI = float(np.sqrt(np.pi))
_SQRT_2PI = float(np.sqrt(2 * np.pi))


def scipy_special(op: str):
    """``scipy.special``, or an ImportError that names the extra providing it."""
    try:
        import scipy.special
    except ImportError:
        raise ImportError(
            f"{op} needs scipy, which is not installed: pip install 'microtorch[scipy]' (the `scipy` extra)"
        ) from None
    return scipy.special


def _scipy_kernel(name: str, op: str):
    """``scipy.special.<name>`` on float64, rounded back to the input's dtype."""

    def kernel(*arrays):
        fn = getattr(scipy_special(op), name)
        return np.asarray(fn(*(a.astype(np.float64, copy=False) for a in arrays))).astype(arrays[0].dtype, copy=False)

    return kernel


def _unary(op: str, torch_name: str, kernel, grad, uses_output: bool = False):
    cls = pointwise(torch_name, kernel, grad, uses_output)

    def fn(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        check_tensor(op, input)
        return cls.apply(to_float(input))

    fn.__name__ = op.rsplit(".", 1)[-1]
    return fn


# --- error function family -----------------------------------------------------------
erfc = _unary(
    "erfc", "ErfcBackward0", _scipy_kernel("erfc", "erfc"), lambda g, x, y: g * exp(-(x * x)) * (-2 / _SQRT_PI)
)
erfc.__doc__ = "Elementwise complementary error function ``1 - erf(x)``."
erfinv = _unary(
    "erfinv",
    "ErfinvBackward0",
    _scipy_kernel("erfinv", "erfinv"),
    lambda g, x, y: g * exp(y * y) * (_SQRT_PI / 2),
    uses_output=True,
)
erfinv.__doc__ = "Elementwise inverse error function."
erfcx = _unary(
    "special.erfcx",
    "SpecialErfcxBackward0",
    _scipy_kernel("erfcx", "special.erfcx"),
    lambda g, x, y: g * (x * y * 2 - 2 / _SQRT_PI),
    uses_output=True,
)
erfcx.__doc__ = "Scaled complementary error function ``exp(x**2) * erfc(x)``."


def _ndtr_kernel(a):
    # PyTorch's formula (1 + erf(x / sqrt 2)) / 2 in the input's precision: 0 far in the left tail
    t = a * a.dtype.type(np.sqrt(0.5))
    return np.asarray((1 + _erf(t)) * a.dtype.type(0.5))


ndtr = _unary(
    "special.ndtr",
    "SpecialNdtrBackward0",
    _ndtr_kernel,
    lambda g, x, y: g * exp(x * x * -0.5) / _SQRT_2PI,
)
ndtr.__doc__ = "Standard normal cumulative distribution function."
ndtri = _unary(
    "special.ndtri",
    "SpecialNdtriBackward0",
    _scipy_kernel("ndtri", "special.ndtri"),
    lambda g, x, y: g * exp(y * y * 0.5) * _SQRT_2PI,
    uses_output=True,
)
ndtri.__doc__ = "Inverse of the standard normal cumulative distribution function."
log_ndtr = _unary(
    "special.log_ndtr",
    "SpecialLogNdtrBackward0",
    _scipy_kernel("log_ndtr", "special.log_ndtr"),
    lambda g, x, y: g * exp(-(y + x * x * 0.5)) / _SQRT_2PI,
    uses_output=True,
)
log_ndtr.__doc__ = "Logarithm of the standard normal cumulative distribution function."


# --- gamma function family -------------------------------------------------------------
def _digamma_kernel(a):
    out = _scipy_kernel("psi", "digamma")(a)
    zero = a == 0
    if zero.any():
        out[zero] = np.copysign(np.inf, -a[zero])  # PyTorch: digamma(+-0) = -+inf
    return out


def _lgamma_kernel(a):
    out = _scipy_kernel("gammaln", "lgamma")(a)
    return np.asarray(np.where(a == -np.inf, np.asarray(np.inf, out.dtype), out))  # PyTorch: lgamma(-inf) = inf


lgamma = _unary("lgamma", "LgammaBackward0", _lgamma_kernel, lambda g, x, y: g * digamma(x))
lgamma.__doc__ = "Elementwise logarithm of the absolute value of the gamma function."
digamma = _unary("digamma", "DigammaBackward0", _digamma_kernel, lambda g, x, y: g * polygamma(1, x))
digamma.__doc__ = "Elementwise logarithmic derivative of the gamma function."


def _trigamma(a):
    """PyTorch's trigamma (its reflection's sine in the input's precision, the sum in float64)."""
    pi = a.dtype.type(np.pi)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sin(pi * a)
        reflected = a < 0.5
        result = np.where(reflected, -(np.float64(np.pi) ** 2) / (s.astype(np.float64) ** 2), 0.0)
        x = np.where(reflected, 1 - a, a).astype(np.float64)
        for _ in range(6):
            result += 1 / (x * x)
            x += 1
        ixx = 1 / (x * x)
        result += (1 + 1 / (2 * x) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / x
    return np.asarray(np.where(reflected, -result, result)).astype(a.dtype, copy=False)


def _polygamma_kernel(a, n):
    if n == 0:
        return _digamma_kernel(a)
    if n == 1:
        return _trigamma(a)
    sign = 1.0 if n % 2 else -1.0
    log_factorial = math.lgamma(n + 1)
    if log_factorial >= 709.0:  # n! overflows a double (n > 170): the result is +-inf, as torch's, NaN stays NaN
        return np.where(np.isnan(a), a, sign * math.inf).astype(a.dtype)
    factor = sign * math.exp(log_factorial)
    return np.asarray(factor * _zeta_kernel(np.asarray(n + 1, np.float64), a.astype(np.float64))).astype(a.dtype)


_Polygamma = pointwise("PolygammaBackward0", _polygamma_kernel, lambda g, x, y, n: g * _Polygamma.apply(x, n=n + 1))


def polygamma(n: int, input: Tensor) -> Tensor:  # noqa: A002
    """The ``n``-th derivative of digamma, elementwise."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(
            f"polygamma() received an invalid combination of arguments - got ({type_name(n)}, {type_name(input)})"
        )
    check_tensor("polygamma", input, "input", 2)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _Polygamma.apply(to_float(input), n=int(n))


def mvlgamma(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """Multivariate log-gamma of dimension ``p``: ``sum_j lgamma(x - j/2) + p(p-1)/4 log(pi)``."""
    check_tensor("mvlgamma", input)
    if not isinstance(p, (int, np.integer)) or isinstance(p, (bool, np.bool_)):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if input.dtype.name == "bool":
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    p = int(p)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = to_float(input)
    nbytes = max(x.numel(), 1) * p * x._data.dtype.itemsize  # PyTorch materialises (..., p) as well
    if nbytes > 2**36:
        raise RuntimeError(
            f"mvlgamma: DefaultCPUAllocator: can't allocate memory: you tried to allocate {nbytes} bytes."
        )  # PyTorch 2.13 no longer checks x > (p - 1) / 2: lgamma's poles give inf
    offsets = Tensor._make(-np.arange(p, dtype=x._data.dtype) / 2)
    return lgamma(x.unsqueeze(-1) + offsets).sum(-1) + float(p * (p - 1) / 4 * np.log(np.pi))


# --- modified Bessel functions of order 0 and 1 (differentiable) ------------------------
def _tiny_safe(x: Tensor):
    tiny = ~(np.abs(x._data) > np.finfo(x._data.dtype).eps)  # NaN counts as tiny, as in PyTorch
    return tiny, Tensor._make(tiny), where_const(tiny, x, np.finfo(x._data.dtype).eps)


def where_const(mask: np.ndarray, x: Tensor, value) -> Tensor:
    """``x`` with ``value`` where ``mask`` holds (differentiable in ``x``)."""
    from .comparison import where

    return where(Tensor._make(mask), constant(x, value), x)


def _i1_grad(g, x, y):
    tiny, _, safe = _tiny_safe(x)
    dx = i0(safe) - y / safe
    return g * where_const(tiny, dx, 0.5)


def _i1e_grad(g, x, y):
    tiny, _, safe = _tiny_safe(x)
    dx = i0e(safe) - y * (sign(safe) + 1 / safe)
    return g * where_const(tiny, dx, 0.5)


i0 = _unary("i0", "I0Backward0", lambda a: np.asarray(np.i0(a)).astype(a.dtype, copy=False), lambda g, x, y: g * i1(x))
i0.__doc__ = "Modified Bessel function of the first kind, order 0."
i0e = _unary(
    "special.i0e",
    "SpecialI0EBackward0",
    _scipy_kernel("i0e", "special.i0e"),
    lambda g, x, y: g * (i1e(x) - sign(x) * y),
    uses_output=True,
)
i0e.__doc__ = "Exponentially scaled modified Bessel function of order 0, ``exp(-|x|) * i0(x)``."
i1 = _unary("special.i1", "SpecialI1Backward0", _scipy_kernel("i1", "special.i1"), _i1_grad, uses_output=True)
i1.__doc__ = "Modified Bessel function of the first kind, order 1."
i1e = _unary("special.i1e", "SpecialI1EBackward0", _scipy_kernel("i1e", "special.i1e"), _i1e_grad, uses_output=True)
i1e.__doc__ = "Exponentially scaled modified Bessel function of order 1, ``exp(-|x|) * i1(x)``."


# --- entr, sinc, xlog1py -------------------------------------------------------------
def _entr_kernel(a):
    with np.errstate(divide="ignore", invalid="ignore"):  # only where the log is masked out below
        out = -a * np.log(a)
    out = np.where(a == 0, np.zeros((), a.dtype), out)
    return np.asarray(np.where(a < 0, np.asarray(-np.inf, a.dtype), out))


entr = _unary("special.entr", "SpecialEntrBackward0", _entr_kernel, lambda g, x, y: g * -(log(x) + 1))
entr.__doc__ = "Elementwise entropy term ``-x * log(x)`` (0 at 0, -inf below 0)."


def _sinc_grad(g, x, y):
    # PyTorch's formula, division by zero included (its double backward is NaN at 0 as theirs)
    from .unary import cos, sin

    px = x * float(np.pi)
    sq = x * x * float(np.pi)
    return _masked(sq._data != 0, g * (px * cos(px) - sin(px)) / sq)


sinc = _unary("sinc", "SincBackward0", lambda a: np.asarray(np.sinc(a)).astype(a.dtype, copy=False), _sinc_grad)
sinc.__doc__ = "Normalized sinc ``sin(pi x) / (pi x)`` (1 at 0)."


def _xlog1py_kernel(a, b):
    out = a * xp.log1p(b)
    return np.asarray(xp.where((a == 0) & ~xp.isnan(b), np.zeros((), out.dtype), out))


def _xlog1py_grad(g, x, y, out):
    dx = _masked(~((x._data == 0) & (y._data <= -1)), xlog1py(g, y))
    return dx, g * x / (y + 1)


_Xlog1py = pointwise("SpecialXlog1PyBackward0", _xlog1py_kernel, _xlog1py_grad)


def xlog1py(input, other) -> Tensor:  # noqa: A002
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN)."""
    a, b = operands("special.xlog1py", input, other, scalars=True, floating=True)
    return apply_binary("special.xlog1py", _Xlog1py, a, b)


# --- Hurwitz zeta ----------------------------------------------------------------------
_MACHEP = 1.11022302462515654042e-16
_ZETA_A = (
    12.0,
    -720.0,
    30240.0,
    -1209600.0,
    47900160.0,
    -1.8924375803183791606e9,
    7.47242496e10,
    -2.950130727918164224e12,
    1.1646782814350067249e14,
    -4.5979787224074726105e15,
    1.8152105401943546773e17,
    -7.1661652561756670113e18,
)


def _zeta_sum(x, q, done):
    """Cephes' direct sum of ``(q + k) ** -x`` (PyTorch's), stopping per element once a term is negligible."""
    s = q**-x
    a, b = q.copy(), np.zeros_like(s)
    i = 0
    while True:
        active = ~done & ((i < 9) | (a <= 9.0))
        if not active.any():
            return s, a, b, done
        i += 1
        a = np.where(active, a + 1, a)
        b = np.where(active, a**-x, b)
        s = np.where(active, s + b, s)
        done |= active & (-_MACHEP * s < b) & (b < _MACHEP * s)


def _zeta_tail(x, s, a, b, done):
    """Cephes' Euler-Maclaurin correction, term by term, for the elements the sum left unfinished."""
    w = a
    s = np.where(done, s, s + b * w / (x - 1) - 0.5 * b)
    a, k = np.ones_like(s), np.zeros_like(s)
    for coef in _ZETA_A:
        a = a * (x + k)
        b = b / w
        t = a * b / coef
        s = np.where(done, s, s + t)
        done = done | (np.abs(t / s) < _MACHEP)
        a = a * (x + k + 1)
        b = b / w
        k = k + 2
    return s


_FAR_NEGATIVE = 64.0


def _zeta_far_negative(x, q):
    """Hurwitz zeta at integer ``x`` and non-integer ``q`` far below 0, without one step per unit of ``|q|``.

    The C code sums ``(q + k) ** -x`` one term at a time until ``q + k`` passes 9 (1e8 terms at
    ``q = -1e8``). With ``r = -q - floor(-q)``, the negative terms are ``(-1) ** x`` times the
    Hurwitz sum from ``r`` to ``-q``, and the positive ones the zeta at ``1 - r``: three sums at
    positive arguments, equal to the long sum up to rounding.
    """
    r = -q - np.floor(-q)
    sign = np.where(np.mod(x, 2) == 0, 1.0, -1.0)
    near_zero = _zeta_kernel(x, r)
    beyond = np.where(np.isinf(near_zero), 0.0, _zeta_kernel(x, 1 - q))  # NaN there when x is huge: 0 * inf
    return sign * (near_zero - beyond) + _zeta_kernel(x, 1 - r)


def _zeta_kernel(x, q):
    """PyTorch's Hurwitz zeta (Cephes' algorithm in float64, rounded to the input dtype)."""
    dtype = np.result_type(x, q)
    x, q = (np.array(v, np.float64) for v in np.broadcast_arrays(x, q))
    pole = (q <= 0) & (q == np.floor(q))
    undefined = (q <= 0) & ~pole & (x != np.floor(x))
    early = pole | undefined | (x <= 1)  # the C code returns before summing for these
    far = ~early & (q < -_FAR_NEGATIVE)
    with np.errstate(all="ignore"):  # inf and nan follow IEEE arithmetic, as the C code
        out = _zeta_tail(x, *_zeta_sum(x, np.where(early | far, 1.0, q), early | far))
        if far.any():
            out[far] = _zeta_far_negative(x[far], q[far])
    out = np.where(pole, np.inf, out)
    out = np.where(undefined, np.nan, out)
    out = np.where(x < 1, np.nan, out)
    return np.asarray(np.where(x == 1, np.inf, out), dtype)


class Zeta(Op):
    """Hurwitz zeta; PyTorch differentiates it only in ``q``."""

    torch_name = "SpecialZetaBackward0"

    def forward(self, x, q):
        self.shapes = (x._data.shape, q._data.shape)
        self.save_for_backward(x, q)
        return _zeta_kernel(x._data, q._data)

    def backward(self, g):
        from .shape import sum_to_size

        if self.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        x, q = self.saved_tensors
        return None, sum_to_size(g * -x * zeta(x + 1, q), self.shapes[1])


def zeta(input, other) -> Tensor:  # noqa: A002
    """Hurwitz zeta function ``sum_k (k + other) ** -input``."""
    a, b = operands("special.zeta", input, other, scalars=True, floating=True)
    return apply_binary("special.zeta", Zeta, a, b)


# --- functions without a derivative: Bessel and Airy ------------------------------------
def _nondiff_unary(op: str, kernel):
    def fn(input: Tensor) -> Tensor:  # noqa: A002
        check_tensor(op, input)
        return Tensor._make(kernel(to_float(input)._data))

    fn.__name__ = op.rsplit(".", 1)[-1]
    fn.__doc__ = f"PyTorch's ``torch.{op}`` (no gradient, as PyTorch)."
    return fn


def _spherical_j0(a):
    out = np.asarray(np.sin(a) / np.where(a == 0, 1, a))
    out = np.where(a == 0, np.ones((), a.dtype), out)
    return np.asarray(np.where(np.isinf(a), np.zeros((), a.dtype), out)).astype(a.dtype, copy=False)


def _airy_ai(op):
    def kernel(a):
        return np.asarray(scipy_special(op).airy(a.astype(np.float64))[0]).astype(a.dtype, copy=False)

    return kernel


NON_DIFFERENTIABLE = {
    name: _nondiff_unary("special." + name, kernel)
    for name, kernel in {
        "bessel_j0": _scipy_kernel("j0", "special.bessel_j0"),
        "bessel_j1": _scipy_kernel("j1", "special.bessel_j1"),
        "bessel_y0": _scipy_kernel("y0", "special.bessel_y0"),
        "bessel_y1": _scipy_kernel("y1", "special.bessel_y1"),
        "modified_bessel_i0": _scipy_kernel("i0", "special.modified_bessel_i0"),
        "modified_bessel_i1": _scipy_kernel("i1", "special.modified_bessel_i1"),
        "modified_bessel_k0": _scipy_kernel("k0", "special.modified_bessel_k0"),
        "modified_bessel_k1": _scipy_kernel("k1", "special.modified_bessel_k1"),
        "scaled_modified_bessel_k0": _scipy_kernel("k0e", "special.scaled_modified_bessel_k0"),
        "scaled_modified_bessel_k1": _scipy_kernel("k1e", "special.scaled_modified_bessel_k1"),
        "spherical_bessel_j0": _spherical_j0,
        "airy_ai": _airy_ai("special.airy_ai"),
    }.items()
}
