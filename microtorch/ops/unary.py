"""Unary math (exp, log, trig, roots, abs, rounding, erf), clamp and maximum / minimum."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._backend import xp
from .._tensor import Tensor
from ..autograd import engine as _engine
from ..autograd.function import OUTPUT, Op
from ..autograd.grad_mode import _state
from ..kernels import buffers as _buf
from ..kernels.erf import erf_array as _erf
from ._out import torch_args
from ._promote import _align, _float_array, _pyscalar, not_a_tensor, not_implemented, type_name
from ._util import broadcast_error
from .comparison import where
from .shape import sum_to_size

_BIG = _buf.ELEMENTWISE_FROM  # results from this many elements go to recycled buffers


def _plain(g: Tensor, saved: Tensor) -> bool:
    """Whether a backward formula may run on the arrays: nothing recorded (no create_graph), no
    profiler / anomaly instrumentation, and a real floating gradient of the saved tensor's dtype
    (then the numpy calls are exactly those of the Tensor-op formula, without its nodes)."""
    if _state.enabled or _engine._instrument is not None:
        return False
    dtype = g._data.dtype
    return dtype == saved._data.dtype and dtype.kind == "f"


__all__ = [
    "neg",
    "exp",
    "log",
    "log1p",
    "expm1",
    "log2",
    "log10",
    "sqrt",
    "rsqrt",
    "abs",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "erf",
    "sign",
    "floor",
    "ceil",
    "round",
    "trunc",
    "clamp",
    "clamp_min",
    "clamp_max",
    "maximum",
    "minimum",
]


class Neg(Op):
    def forward(self, x):
        return -x._data

    def backward(self, g):
        return neg(g)


def _check_tensor(op: str, x) -> None:
    if not isinstance(x, Tensor):
        raise not_a_tensor(op, x, "input", 1)


def neg(x: Tensor) -> Tensor:
    """``-x``."""
    _check_tensor("neg", x)
    if x._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use "
            "the `~` or `logical_not()` operator instead."
        )
    return Neg.apply(x)


class Exp(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        a = _float_array(x)
        return xp.exp(a) if a.size < _BIG else _buf.unary(xp.exp, a)

    def backward(self, g):
        (y,) = self.saved_tensors
        if _plain(g, y):
            gd = g._data
            return Tensor._make(gd * y._data if gd.size < _BIG else _buf.binary(xp.multiply, gd, y._data))
        return g * y


class Log(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return xp.log(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / x


class Log1p(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return xp.log1p(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / (x + 1)


class Expm1(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return xp.expm1(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (y + 1)


class Sqrt(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return xp.sqrt(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g / (y * 2)


class Rsqrt(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return 1 / xp.sqrt(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * y * y * y * -0.5


class Abs(Op):
    def forward(self, x):
        if x._data.dtype.kind == "b":
            raise not_implemented("abs_cpu", x)
        self.save_for_backward(x)
        return xp.abs(x._data)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * sign(x)


class Sin(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return xp.sin(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        if _plain(g, x):
            return Tensor._make(g._data * xp.cos(x._data))
        return g * cos(x)


class Cos(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return xp.cos(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        if _plain(g, x):
            return Tensor._make(-(g._data * xp.sin(x._data)))
        return neg(g * sin(x))


class Tan(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return xp.tan(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        return g * (y * y + 1)


class Tanh(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        a = _float_array(x)
        return xp.tanh(a) if a.size < _BIG else _buf.unary(xp.tanh, a)

    def backward(self, g):
        (y,) = self.saved_tensors
        if _plain(g, y):
            yd = y._data
            if yd.size < _BIG:  # (small: fewer numpy calls, nothing to reuse)
                return Tensor._make(g._data * (1 - yd * yd))
            t = _buf.binary(xp.multiply, yd, yd)  # g * (1 - y * y), its temporaries reused in place
            xp.subtract(1, t, out=t)
            return Tensor._make(xp.multiply(g._data, t, out=t))
        return g * (1 - y * y)


def _stable_sigmoid(a: np.ndarray) -> np.ndarray:
    # exp(-|a|) never overflows; both branches of the formula are then finite
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


_EXPIT: list = []  # [scipy.special.expit or None], filled on the first float32/float64 sigmoid


def _expit():
    if not _EXPIT:
        try:
            from scipy.special import expit
        except ImportError:  # scipy is optional: the numpy formula then
            expit = None
        _EXPIT.append(expit)
    return _EXPIT[0]


def _sigmoid_array(a: np.ndarray) -> np.ndarray:
    """Sigmoid of a float array: scipy's ``expit`` for float32/float64 when installed (one ufunc,
    ~15x quicker on small tensors and nearer torch's values), else the numpy formula."""
    if a.dtype.char in "fd":
        expit = _EXPIT[0] if _EXPIT else _expit()
        if expit is not None:
            return expit(a) if a.ndim else np.asarray(expit(a))  # a 0-d array, not a numpy scalar
    return _stable_sigmoid(a)


class Sigmoid(Op):
    def forward(self, x):
        self.save_for_backward(OUTPUT)
        return _sigmoid_array(_float_array(x))

    def backward(self, g):
        (y,) = self.saved_tensors
        if _plain(g, y):
            yd = y._data
            if yd.size < _BIG:  # (small: fewer numpy calls, nothing to reuse)
                return Tensor._make(g._data * yd * (1 - yd))
            t = _buf.binary(xp.multiply, g._data, yd)  # (g * y) * (1 - y), in recycled buffers
            return Tensor._make(xp.multiply(t, _buf.binary(xp.subtract, 1, yd), out=t))
        return g * y * (1 - y)


class Clamp(Op):
    torch_name = "ClampBackward1"

    def forward(self, x, lo, hi):
        self.lo, self.hi = lo, hi
        self.save_for_backward(x)
        a = x._data
        out = a
        if lo is not None:
            out = xp.maximum(out, a.dtype.type(lo) if a.dtype.kind == "f" else lo)
        if hi is not None:
            out = xp.minimum(out, a.dtype.type(hi) if a.dtype.kind == "f" else hi)
        return out if out is not a else a.copy()

    def backward(self, g):
        (x,) = self.saved_tensors
        a = x._data
        mask = np.ones(a.shape, dtype=bool)
        if self.lo is not None:
            mask &= a >= self.lo
        if self.hi is not None:
            mask &= a <= self.hi
        return _masked(mask, g)


def _masked(mask: np.ndarray, g: Tensor) -> Tensor:
    """``g`` where ``mask`` holds, else exactly 0 (also where ``g`` is inf or nan)."""
    return where(Tensor._make(mask), g, Tensor._make(np.zeros((), g._data.dtype)))


class ClampTensor(Op):
    """``clamp`` with tensor bounds (``kinds`` says which of min / max were given), PyTorch's gradients."""

    torch_name = "ClampBackward0"

    def forward(self, x, *bounds, kinds):
        self.kinds = kinds
        self.shapes = (x._data.shape, *(b._data.shape for b in bounds))
        self.save_for_backward(x, *bounds)
        out = x._data
        for kind, b in zip(kinds, bounds):
            out = xp.maximum(out, b._data) if kind == "min" else xp.minimum(out, b._data)
        return out

    def backward(self, g):
        x, *bounds = (t._data for t in self.saved_tensors)
        given = dict(zip(self.kinds, bounds))
        lo, hi = given.get("min"), given.get("max")
        inside = np.ones((), bool)
        if lo is not None:
            inside = inside & (x >= lo)
        if hi is not None:
            inside = inside & (x <= hi)
        masks = [inside]
        for kind in self.kinds:
            if kind == "min":
                masks.append((x < lo) & (lo < hi) if hi is not None else x < lo)
            else:
                masks.append((x > hi) | (hi < lo) if lo is not None else x > hi)
        return tuple(
            sum_to_size(_masked(m, g), shape) if need else None
            for m, shape, need in zip(masks, self.shapes, self.needs_input_grad)
        )


def _clamp_tensors(x: Tensor, lo, hi) -> Tensor:
    given = [(k, b) for k, b in (("min", lo), ("max", hi)) if b is not None]
    target = dt.result_type(x, *(b for _, b in given))
    bounds = [b.to(target) if isinstance(b, Tensor) else Tensor._make(np.asarray(b, target.np)) for _, b in given]
    x = x.to(target)
    try:
        return ClampTensor.apply(x, *bounds, kinds=tuple(k for k, _ in given))
    except ValueError:
        raise broadcast_error("clamp", x.shape, bounds[0].shape) from None


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Limit values to ``[min, max]``; the gradient passes where ``min <= x <= max``."""
    for bound in (min, max):
        if not (bound is None or isinstance(bound, (Tensor, *_pyscalar))) or not isinstance(x, Tensor):
            got = ", ".join(type_name(v) for v in (x, min, max))
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                " * (Tensor input, Tensor min = None, Tensor max = None)\n * (Tensor input, Number min = None, Number max = None)"
            )
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensors(x, min, max)
    if x._data.dtype.kind in "iu" and (isinstance(min, float) or isinstance(max, float)):
        x = x.to(dt.get_default_dtype())
    return Clamp.apply(x, lo=min, hi=max)


def clamp_min(x: Tensor, min) -> Tensor:  # noqa: A002 - PyTorch's name
    """``clamp(x, min=min)``."""
    return clamp(x, min=min)


def clamp_max(x: Tensor, max) -> Tensor:  # noqa: A002 - PyTorch's name
    """``clamp(x, max=max)``."""
    return clamp(x, max=max)


class Maximum(Op):
    """Elementwise max / min; at ties each input gets half the gradient, at NaN both get all of it (as PyTorch)."""

    def forward(self, a, b, take_max=True):
        self.shapes = (a._data.shape, b._data.shape)
        self.save_for_backward(a, b)
        self.take_max = take_max
        return xp.maximum(a._data, b._data) if take_max else xp.minimum(a._data, b._data)

    def backward(self, g):
        a, b = self.saved_tensors
        ad, bd = a._data, b._data
        a_loses, b_loses = (ad < bd, ad > bd) if self.take_max else (ad > bd, ad < bd)
        tie = 0.5 * (ad == bd)
        na, nb = self.needs_input_grad
        dtype = g._data.dtype
        return (
            sum_to_size(g * Tensor._make((1 - tie - a_loses).astype(dtype)), self.shapes[0]) if na else None,
            sum_to_size(g * Tensor._make((1 - tie - b_loses).astype(dtype)), self.shapes[1]) if nb else None,
        )


class Minimum(Maximum):
    """``Maximum``'s rule for the minimum, under torch's own node name."""


def _max_min(a, b, take_max: bool) -> Tensor:
    op = "maximum" if take_max else "minimum"
    if not isinstance(a, Tensor):
        raise not_a_tensor(op, a, "input", 1)
    if not isinstance(b, Tensor):
        raise not_a_tensor(op, b, "other", 2)
    a, b = _align(a, b, op)
    try:
        return (Maximum if take_max else Minimum).apply(a, b, take_max=take_max)
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None


def maximum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise maximum of two tensors (NaN propagates)."""
    return _max_min(a, b, True)


def minimum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise minimum of two tensors (NaN propagates)."""
    return _max_min(a, b, False)


def _simple(cls, name: str):
    def fn(x: Tensor) -> Tensor:
        try:
            return cls.apply(x)
        except AttributeError:  # free on the normal path: no isinstance check per call
            if not isinstance(x, Tensor):
                raise not_a_tensor(name, x, "input", 1) from None
            raise

    fn.__name__ = name
    return fn


exp = _simple(Exp, "exp")
exp.__doc__ = "Elementwise e**x."
log = _simple(Log, "log")
log.__doc__ = "Elementwise natural logarithm."
log1p = _simple(Log1p, "log1p")
log1p.__doc__ = "Elementwise log(1 + x), accurate for small x."
expm1 = _simple(Expm1, "expm1")
expm1.__doc__ = "Elementwise exp(x) - 1, accurate for small x."
sqrt = _simple(Sqrt, "sqrt")
sqrt.__doc__ = "Elementwise square root."
rsqrt = _simple(Rsqrt, "rsqrt")
rsqrt.__doc__ = "Elementwise 1 / sqrt(x)."
abs = _simple(Abs, "abs")  # noqa: A001
abs.__doc__ = "Elementwise absolute value (gradient sign(x), 0 at 0)."
sin = _simple(Sin, "sin")
sin.__doc__ = "Elementwise sine."
cos = _simple(Cos, "cos")
cos.__doc__ = "Elementwise cosine."
tan = _simple(Tan, "tan")
tan.__doc__ = "Elementwise tangent."
tanh = _simple(Tanh, "tanh")
tanh.__doc__ = "Elementwise hyperbolic tangent."
sigmoid = _simple(Sigmoid, "sigmoid")
sigmoid.__doc__ = "Elementwise logistic function 1 / (1 + e**-x), computed without overflow."


def log2(x: Tensor) -> Tensor:
    """Elementwise base-2 logarithm."""
    _check_tensor("log2", x)
    return log(x) / float(np.log(2.0))


def log10(x: Tensor) -> Tensor:
    """Elementwise base-10 logarithm."""
    _check_tensor("log10", x)
    return log(x) / float(np.log(10.0))


class Erf(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return _erf(_float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * exp(neg(x * x)) * float(2 / np.sqrt(np.pi))


erf = _simple(Erf, "erf")
erf.__doc__ = "Elementwise error function."


# --- non-differentiable (zero-gradient) elementwise ops ------------------------------
class _ZeroGrad(Op):
    """Piecewise-constant functions: PyTorch defines their gradient as zero."""

    torch_name = "SignBackward0"

    def forward(self, x, fn):
        self.shape = x._data.shape
        return fn(x._data)

    def backward(self, g):
        return Tensor._make(np.zeros(self.shape, g._data.dtype))


def _sign(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "b":
        return a.copy()
    if a.dtype.kind != "f":
        return xp.sign(a)
    out = xp.sign(a)
    nan = out != out
    if nan.any():
        out[nan] = 0  # PyTorch's sign of NaN is 0
    return out


def sign(x: Tensor) -> Tensor:
    """Elementwise sign (-1, 0 or 1; 0 for NaN, as PyTorch)."""
    _check_tensor("sign", x)
    return _ZeroGrad.apply(x, fn=_sign)


def _copy(a: np.ndarray) -> np.ndarray:
    return a.copy()


def _whole(x, op: str, kernel: str) -> bool:
    """Whether ``x`` holds integers (already whole: rounding returns a copy); bools and non-tensors raise as PyTorch."""
    try:
        kind = x._data.dtype.kind
    except AttributeError:  # free on the normal path: no isinstance check per call
        if not isinstance(x, Tensor):
            raise not_a_tensor(op, x, "input", 1) from None
        raise
    if kind == "b":
        raise not_implemented(kernel, x)
    return kind != "f"


def floor(x: Tensor) -> Tensor:
    """Round down elementwise (integers: a copy)."""
    return _ZeroGrad.apply(x, fn=_copy if _whole(x, "floor", "floor_vml_cpu") else xp.floor)


def ceil(x: Tensor) -> Tensor:
    """Round up elementwise (integers: a copy)."""
    return _ZeroGrad.apply(x, fn=_copy if _whole(x, "ceil", "ceil_vml_cpu") else xp.ceil)


def trunc(x: Tensor) -> Tensor:
    """Round toward zero elementwise (integers: a copy)."""
    return _ZeroGrad.apply(x, fn=_copy if _whole(x, "trunc", "trunc_vml_cpu") else xp.trunc)


_NO_DECIMALS = object()  # PyTorch's round without ``decimals`` is another overload than ``decimals=0``


def round(x: Tensor, *, decimals: int = _NO_DECIMALS) -> Tensor:  # noqa: A001
    """Round half to even (to ``decimals`` places), as PyTorch; integers only without ``decimals``."""
    if decimals is _NO_DECIMALS:
        return _ZeroGrad.apply(x, fn=_copy if _whole(x, "round", "round_vml_cpu") else xp.round)
    if (
        not isinstance(x, Tensor)
        or not isinstance(decimals, (int, np.integer))
        or isinstance(decimals, (bool, np.bool_))
    ):
        raise TypeError(
            f"round() received an invalid combination of arguments - got ({type_name(x)}, "
            f"decimals={type_name(decimals)}), "
            "but expected one of:\n * (Tensor input, *, Tensor out = None)\n * (Tensor input, *, int decimals, Tensor out = None)\n"
        )
    kernel = "round_vml_cpu" if decimals == 0 else "round_cpu"
    if _whole(x, "round", kernel):
        raise not_implemented(kernel, x)
    return _ZeroGrad.apply(x, fn=lambda a: _round_decimals(a, int(decimals)))


def _round_decimals(a: np.ndarray, decimals: int) -> np.ndarray:
    """PyTorch's kernel: ``rint(a * 10**d) / 10**d`` (``rint(a / 10**-d) * 10**-d`` for d < 0).

    It computes in ``a``'s dtype (float16 in float32, rounded back at the end)."""
    work = a.astype(np.float32) if a.dtype == np.float16 else a
    digits = -decimals if decimals < 0 else decimals
    # a power of ten beyond the dtype's range is inf, as in PyTorch (its results are then nan or 0)
    ten = 10.0**digits if digits <= 308 else np.inf
    ten = work.dtype.type(ten if ten <= np.finfo(work.dtype).max else np.inf)
    with np.errstate(over="ignore", invalid="ignore"):  # not a hot path: only rounding to decimals
        out = xp.rint(work / ten) * ten if decimals < 0 else xp.rint(work * ten) / ten
    return out.astype(a.dtype, copy=False)


def _clamp_rule(out, input, min=None, max=None) -> str:  # noqa: A002 - PyTorch's names
    """torch's clamp kernels: scalar bounds need ``out`` of the input's dtype, tensor bounds only castable."""
    return "cast" if isinstance(min, Tensor) or isinstance(max, Tensor) else "same"


# torch's keyword names and out= (ops/_out.py); positional calls go straight to the ops
_SAME_DTYPE = frozenset({"neg", "abs", "sign", "floor", "ceil", "round", "trunc"})
for _name in __all__:
    _rule = "same" if _name in _SAME_DTYPE else _clamp_rule if _name.startswith("clamp") else "cast"
    _names = ("input", "other") if _name in ("maximum", "minimum") else ("input",)
    globals()[_name] = torch_args(*_names, rule=_rule)(globals()[_name])
