"""Cumulative ops (cumprod, cummax, cummin, logcumsumexp) and finite differences / integrals
along a dim (diff, gradient, trapezoid, trapz, cumulative_trapezoid), plus renorm and frexp."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

import microtorch as mt

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd.function import OUTPUT, Op
from ._util import wrap_dim
from .indexing import Gather
from .reduction import _accumulate_dtype, _CastBack, _check_args, _is_int, _one_dim, _type_word
from .shape import CopyNode, flip

__all__ = [
    "cumsum",
    "cumprod",
    "cummax",
    "cummin",
    "logcumsumexp",
    "diff",
    "gradient",
    "trapezoid",
    "trapz",
    "cumulative_trapezoid",
    "renorm",
    "frexp",
]

CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])
FrexpResult = namedtuple("frexp", ["mantissa", "exponent"])


class Cumsum(Op):
    def forward(self, x, dim):
        self.dim = dim
        return xp.cumsum(x._data, axis=dim, dtype=x._data.dtype)

    def backward(self, g):
        return flip(Cumsum.apply(flip(g, (self.dim,)), dim=self.dim), (self.dim,))


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Cumulative sum along ``dim``; integers and bools accumulate in int64."""
    _check_args("cumsum", input)
    d = _one_dim(dim, input.ndim, "cumsum")
    npdt = _accumulate_dtype(input, dtype)
    if npdt == np.bool_:
        raise NotImplementedError("\"cumsum_out_cpu\" not implemented for 'Bool'")
    if npdt is not None and npdt != input._data.dtype:
        if input._requires_grad and input.ndim:
            return CumsumCast.apply(input, dim=d, cast=npdt)
        input = input.to(dt.from_numpy_dtype(npdt))
    if input.ndim == 0:
        return CumsumZeroDim.apply(input)
    return Cumsum.apply(input, dim=d)


class CumsumCast(_CastBack, Cumsum):
    torch_name = "CumsumBackward0"


class CumsumZeroDim(CopyNode):
    torch_name = "CumsumBackward0"


def _reverse_cumsum(t: Tensor, d: int) -> Tensor:
    return mt.flip(mt.cumsum(mt.flip(t, (d,)), d), (d,))


class Cumprod(Op):
    """Cumulative product of a tensor without zeros: backward ``reverse_cumsum(g * out) / x``."""

    torch_name = "CumprodBackward0"

    def forward(self, x, dim):
        self.dim = dim
        self.save_for_backward(x, OUTPUT)
        return np.cumprod(x._data, axis=dim, dtype=x._data.dtype)

    def backward(self, g):
        x, out = self.saved_tensors
        return _reverse_cumsum(g * out, self.dim) / x


def _cumprod_with_zeros(x: Tensor, d: int) -> Tensor:
    """The cumulative product as products over a lower-triangular n x n view of each slice:
    exact gradients (and second derivatives) through zeros, from prod's own backward."""
    src = mt.movedim(x, d, -1)
    n = src.shape[-1]
    rows = mt.unsqueeze(src, -2).expand(src.shape[:-1] + (n, n))
    upper = Tensor._make(np.triu(np.ones((n, n), bool), 1))
    one = Tensor._make(np.ones((), x._data.dtype))
    return mt.movedim(mt.prod(mt.where(upper, one, rows), -1), -1, d)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Cumulative product along ``dim``; integers and bools accumulate in int64."""
    _check_args("cumprod", input)
    d = _one_dim(dim, input.ndim, "cumprod")
    npdt = _accumulate_dtype(input, dtype)
    if npdt is not None and npdt != input._data.dtype:
        input = input.to(dt.from_numpy_dtype(npdt))
    if input.ndim == 0:
        return CumprodZeroDim.apply(input)
    if input._requires_grad and input._data.size and (input._data == 0).any():
        return _cumprod_with_zeros(input, d)
    return Cumprod.apply(input, dim=d)


class CumprodZeroDim(CopyNode):
    torch_name = "CumprodBackward0"


def _cum_extreme_index(a: np.ndarray, d: int, take_max: bool) -> np.ndarray:
    """torch's cummax/cummin indices: the last position holding the running extreme (NaN sticks)."""
    acc = np.maximum if take_max else np.minimum
    out = acc.accumulate(a, axis=d)
    match = a == out
    if a.dtype.kind == "f":
        match |= np.isnan(a) & np.isnan(out)
    shape = [1] * a.ndim
    shape[d] = a.shape[d]
    pos = np.where(match, np.arange(a.shape[d]).reshape(shape), 0)
    return np.maximum.accumulate(pos, axis=d).astype(np.int64)


def _cum_extreme(x: Tensor, dim, take_max: bool, name: str, result):
    _check_args(name, x)
    d = _one_dim(dim, x.ndim, name)
    if x.ndim == 0:
        return result(mt.clone(x), Tensor._make(np.zeros((), np.int64)))
    if x._data.size == 0:
        return result(mt.clone(x), Tensor._make(np.zeros(x.shape, np.int64)))
    idx = _cum_extreme_index(x._data, d, take_max)
    return result(Gather.apply(x, idx=idx, dim=d), Tensor._make(idx))


def cummax(input: Tensor, dim: int):
    """Running maximum along ``dim`` and the index where it was (last) attained."""
    return _cum_extreme(input, dim, True, "cummax", CummaxResult)


def cummin(input: Tensor, dim: int):
    """Running minimum along ``dim`` and the index where it was (last) attained."""
    return _cum_extreme(input, dim, False, "cummin", CumminResult)


class LogCumSumExp(Op):
    """``log(cumsum(exp(x)))`` along ``dim``, stably; torch's backward in differentiable ops."""

    torch_name = "LogcumsumexpBackward0"

    def forward(self, x, dim):
        self.dim = dim
        self.save_for_backward(x, OUTPUT)
        return np.logaddexp.accumulate(x._data, axis=dim)

    def backward(self, g):
        x, out = self.saved_tensors
        d = self.dim
        lowest = Tensor._make(np.asarray(np.finfo(g._data.dtype).min, g._data.dtype))
        log_abs = mt.log(mt.abs(g))
        zero = Tensor._make(np.zeros((), g._data.dtype))
        pos = mt.where(mt.gt(g, zero), log_abs, lowest)
        neg = mt.where(mt.lt(g, zero), log_abs, lowest)

        def rev(t):
            return mt.flip(logcumsumexp(mt.flip(t, (d,)), d), (d,))

        return mt.exp(rev(pos - out) + x) - mt.exp(rev(neg - out) + x)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(x), dim))`` computed stably."""
    _check_args("logcumsumexp", input)
    d = _one_dim(dim, input.ndim, "logcumsumexp")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{_type_word(input)}'")
    if input.ndim == 0:
        return LogcumsumexpZeroDim.apply(input)
    return LogCumSumExp.apply(input, dim=d)


class LogcumsumexpZeroDim(CopyNode):
    torch_name = "LogcumsumexpBackward0"


def _slice(t: Tensor, d: int, start, stop=None) -> Tensor:
    key = (slice(None),) * d + (slice(start, stop),)
    return t[key]


def _diff_operand(x: Tensor, t, d: int, name: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if t.ndim != x.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    return t


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``!=`` for bools), after prepend/append."""
    _check_args("diff", input)
    if not _is_int(n):
        raise TypeError(f"diff(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    if n == 0:  # torch returns a copy of the input, ignoring dim, prepend and append
        return mt.clone(input)
    d = _one_dim(dim, input.ndim, "diff")
    parts = [_diff_operand(input, t, d, name) for t, name in ((prepend, "prepend"),) if t is not None]
    parts += [input] + [_diff_operand(input, t, d, name) for t, name in ((append, "append"),) if t is not None]
    out = mt.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        if out.shape[d] == 0:
            break
        hi, lo = _slice(out, d, 1), _slice(out, d, 0, -1)
        out = mt.logical_xor(hi, lo) if out._data.dtype == np.bool_ else hi - lo
    return out


def _gradient_dims(x: Tensor, dim) -> list:
    if dim is None:
        return list(range(x.ndim))
    dims = [dim] if _is_int(dim) else list(dim)
    wrapped = [wrap_dim(int(d), x.ndim, "gradient") for d in dims]
    seen = set()
    for w in wrapped:
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.add(w)
    return wrapped


def _gradient_spacing(x: Tensor, spacing, dim, dims: list) -> list:
    """One spacing per dim: numbers, or 1-d coordinate tensors."""
    if isinstance(spacing, (tuple, list)):
        spacing = list(spacing)
        if dim is None and len(spacing) != x.ndim:
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
                f"'self.dim() = {x.ndim}', since dim argument was not given, but got a list of length {len(spacing)}"
            )
        if dim is not None and len(spacing) != len(dims):
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments to "
                f"have the same length, but got a spacing argument of length {len(spacing)} and a dim argument of "
                f"length {len(dims)}."
            )
        return spacing
    if spacing is None:
        return [1] * len(dims)
    if isinstance(spacing, Tensor):
        if spacing.ndim == 0:
            return [spacing.item()] * len(dims)
        raise TypeError("gradient(): argument 'spacing' must be a number or a sequence")
    return [spacing] * len(dims)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """Second-order accurate central differences of ``x`` along each dim (one tensor per dim)."""
    _check_args("gradient", input)
    if input._data.dtype == np.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    dims = _gradient_dims(input, dim)
    spacings = _gradient_spacing(input, spacing, dim, dims)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    return tuple(
        _gradient_coords(input, s, d, edge_order) if isinstance(s, Tensor) else _gradient_step(input, s, d, edge_order)
        for s, d in zip(spacings, dims)
    )


def _gradient_step(x: Tensor, h, d: int, edge_order: int) -> Tensor:
    """torch's gradient with a uniform step ``h`` along ``d``."""
    center = (_slice(x, d, 2) - _slice(x, d, 0, -2)) / h
    if edge_order == 1:
        first = (_slice(x, d, 1, 2) - _slice(x, d, 0, 1)) / h
        last = (_slice(x, d, -1) - _slice(x, d, -2, -1)) / h
    else:
        first = (_slice(x, d, 0, 1) * -1.5 + _slice(x, d, 1, 2) * 2 - _slice(x, d, 2, 3) * 0.5) / h
        last = (_slice(x, d, -3, -2) * 0.5 + _slice(x, d, -2, -1) * -2 + _slice(x, d, -1) * 1.5) / h
    return mt.cat([first, center / 2, last], d)


def _gradient_coords(x: Tensor, coords: Tensor, d: int, edge_order: int) -> Tensor:
    """torch's gradient with sample coordinates ``coords`` along ``d``."""
    if coords.ndim != 1:
        raise RuntimeError(
            "torch.gradient expected each element of spacing to have one dimension, but got an element with "
            f"{coords.ndim} dimensions!"
        )
    shape = [1] * x.ndim
    shape[d] = -1
    h = diff(coords, 1, 0)
    h1, h2 = _slice(h, 0, 0, -1), _slice(h, 0, 1)
    a = mt.reshape(-h2 / (h1 * (h1 + h2)), shape)
    b = mt.reshape((h2 - h1) / (h1 * h2), shape)
    c = mt.reshape(h1 / (h2 * (h1 + h2)), shape)
    center = a * _slice(x, d, 0, -2) + b * _slice(x, d, 1, -1) + c * _slice(x, d, 2)
    if edge_order == 1:
        first = (_slice(x, d, 1, 2) - _slice(x, d, 0, 1)) / h[0]
        last = (_slice(x, d, -1) - _slice(x, d, -2, -1)) / h[-1]
    else:
        h0, h1_, hm1, hm2 = h[0], h[1], h[-1], h[-2]
        a0 = -(2.0 * h0 + h1_) / (h0 * (h0 + h1_))
        b0 = (h0 + h1_) / (h0 * h1_)
        c0 = (-h0) / (h1_ * (h0 + h1_))
        first = a0 * _slice(x, d, 0, 1) + b0 * _slice(x, d, 1, 2) + c0 * _slice(x, d, 2, 3)
        a1 = hm1 / (hm2 * (hm1 + hm2))
        b1 = -(hm1 + hm2) / (hm1 * hm2)
        c1 = (2 * hm1 + hm2) / (hm1 * (hm1 + hm2))
        last = a1 * _slice(x, d, -3, -2) + b1 * _slice(x, d, -2, -1) + c1 * _slice(x, d, -1)
    return mt.cat([first, center, last], d)


def _trapezoid_dx(y: Tensor, x: Tensor, d: int, name: str) -> Tensor:
    """The sample spacings of ``x`` broadcastable against ``y``'s differences along ``d``."""
    if x._data.dtype == np.bool_:
        raise RuntimeError(f"{name}: received a bool input for `x`, but bool is not supported")
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[d] = x.shape[0]
        x = mt.reshape(x, shape)
    elif x.ndim < y.ndim:
        x = mt.reshape(x, (1,) * (y.ndim - x.ndim) + tuple(x.shape))
    return _slice(x, d, 1) - _slice(x, d, 0, -1)


def _trapezoid_args(y, x, dx, dim, name: str):
    _check_args(name, y)
    if x is not None and dx is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both x and dx")
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'x' (position 2) must be Tensor, not {type(x).__name__}")
    d = _one_dim(dim, y.ndim, name)
    if y._data.dtype == np.bool_:
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    if dx is not None and (isinstance(dx, bool) or not isinstance(dx, (int, float, np.integer, np.floating))):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    return d


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """Trapezoid-rule integral of ``y`` along ``dim`` (at points ``x`` or spacing ``dx``, default 1)."""
    d = _trapezoid_args(y, x, dx, dim, "trapezoid")
    if y.shape[d] == 0:  # numpy's answer: zero
        return Tensor._make(np.zeros(tuple(s for i, s in enumerate(y.shape) if i != d), y._data.dtype))
    if x is None:
        step = 1.0 if dx is None else float(dx)
        return (mt.sum(y, d) - (mt.select(y, d, 0) + mt.select(y, d, -1)) * 0.5) * step
    spacing = _trapezoid_dx(y, x, d, "trapezoid")
    return mt.sum((_slice(y, d, 0, -1) + _slice(y, d, 1)) * spacing, d) / 2.0


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """Running trapezoid-rule integral of ``y`` along ``dim`` (one element shorter)."""
    d = _trapezoid_args(y, x, dx, dim, "cumulative_trapezoid")
    pairs = _slice(y, d, 0, -1) + _slice(y, d, 1)
    if x is None:
        step = 1.0 if dx is None else float(dx)
        return mt.cumsum(pairs * (step / 2.0), d)
    return mt.cumsum(pairs * _trapezoid_dx(y, x, d, "cumulative_trapezoid"), d) / 2.0


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice along ``dim`` rescaled so that its ``p``-norm is at most ``maxnorm``."""
    _check_args("renorm", input)
    if input.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    d = _one_dim(dim, input.ndim, "renorm")
    for name, pos, v in (("p", 2, p), ("maxnorm", 4, maxnorm)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"renorm(): argument '{name}' (position {pos}) must be Number, not {type(v).__name__}")
    if float(p) <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if not float(maxnorm) >= 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"renorm_out\" not implemented for '{_type_word(input)}'")
    rest = tuple(i for i in range(input.ndim) if i != d)
    norm = mt.norm(input, p, rest, keepdim=True)
    factor = mt.where(
        mt.gt(norm, float(maxnorm)), float(maxnorm) / (norm + 1e-7), Tensor._make(np.ones((), input._data.dtype))
    )
    return input * factor


class Frexp(Op):
    """Mantissa and exponent; the mantissa's gradient is ``grad / 2**exponent``."""

    torch_name = "FrexpBackward0"

    def forward(self, x):
        m, e = np.frexp(x._data)
        self.exponent = e.astype(np.int32)
        return m.astype(x._data.dtype)

    def backward(self, g):
        return g / Tensor._make(np.ldexp(np.ones((), g._data.dtype), self.exponent))


def frexp(input: Tensor) -> tuple:
    """``(mantissa, exponent)`` with ``x = mantissa * 2**exponent``, mantissa in (-1, 1)."""
    _check_args("frexp", input)
    if input._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa = Frexp.apply(input)
    exponent = (
        mantissa._grad_fn.exponent if mantissa._grad_fn is not None else np.frexp(input._data)[1].astype(np.int32)
    )
    return FrexpResult(mantissa, Tensor._make(exponent))
