"""Binds the ops to ``Tensor`` as methods and operators (index keys, conversions and the in-place
ops are bound by ``_methods_getitem``, ``_methods_convert`` and ``_methods_inplace``, imported here).

In-place ops bump the version counter shared by a tensor and its views. Under grad
mode, an in-place op on a tensor that takes part in autograd is recorded as the
out-of-place op and the tensor is rebased onto the new node, as PyTorch does.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _creation as _C
from . import _dtype as dt
from ._inplace import (  # noqa: F401  (re-exported: other modules import them from here)
    _NOGRAD_VIEW_INPLACE_MESSAGE,
    _NOGRAD_VIEW_MESSAGE,
    _TYPE_WORD,
    AsStrided,
    AsStridedScatter,
    ViewScatter,
    _address,
    _check_inplace,
    _check_writeable,
    _inplace,
    _memory_offsets,
    _move_saved_output,
    _multi_output_message,
    _needs_grad,
    _no_out,
    _NoGrad,
    _rebase_view,
    _record_inplace,
    _refresh_view,
    _replay_view,
    _set_grad_fn,
    _view_geometry,
    _write,
)
from ._tensor import Tensor, _check_shape_args
from .ops import elementwise as E
from .ops import linalg as L
from .ops import reduction as R
from .ops import shape as S
from .ops._promote import not_a_tensor as _not_a_tensor
from .ops._util import as_tensor_arg

__all__: list[str] = []


def _method(fn, name: str | None = None):
    def method(self, *args, **kwargs):
        if not isinstance(self, Tensor):  # e.g. Tensor.add(2, t), as PyTorch's descriptors refuse it
            raise TypeError(
                f"descriptor '{method.__name__}' for 'torch._C.TensorBase' objects doesn't apply to a "
                f"'{type(self).__name__}' object"
            )
        if kwargs and "out" in kwargs:
            raise _no_out(method.__name__)
        return fn(self, *args, **kwargs)

    method.__name__ = name or fn.__name__
    method.__doc__ = fn.__doc__
    return method


_SIMPLE = {
    # elementwise
    "add": E.add,
    "sub": E.sub,
    "subtract": E.sub,
    "mul": E.mul,
    "multiply": E.mul,
    "div": E.div,
    "divide": E.div,
    "true_divide": E.true_divide,
    "pow": E.pow,
    "neg": E.neg,
    "negative": E.neg,
    "exp": E.exp,
    "log": E.log,
    "log1p": E.log1p,
    "expm1": E.expm1,
    "log2": E.log2,
    "log10": E.log10,
    "sqrt": E.sqrt,
    "rsqrt": E.rsqrt,
    "abs": E.abs,
    "absolute": E.abs,
    "sin": E.sin,
    "cos": E.cos,
    "tan": E.tan,
    "tanh": E.tanh,
    "sigmoid": E.sigmoid,
    "relu": E.relu,
    "clamp": E.clamp,
    "clamp_min": E.clamp_min,
    "clamp_max": E.clamp_max,
    "clip": E.clamp,
    "maximum": E.maximum,
    "minimum": E.minimum,
    "square": E.square,
    "reciprocal": E.reciprocal,
    "sign": E.sign,
    "floor": E.floor,
    "ceil": E.ceil,
    "round": E.round,
    "trunc": E.trunc,
    "fix": E.trunc,
    "eq": E.eq,
    "ne": E.ne,
    "lt": E.lt,
    "le": E.le,
    "gt": E.gt,
    "ge": E.ge,
    "greater": E.gt,
    "less": E.lt,
    "greater_equal": E.ge,
    "less_equal": E.le,
    "not_equal": E.ne,
    "isclose": E.isclose,
    "logical_and": E.logical_and,
    "logical_or": E.logical_or,
    "logical_not": E.logical_not,
    "logical_xor": E.logical_xor,
    "isnan": E.isnan,
    "isinf": E.isinf,
    "isfinite": E.isfinite,
    "floor_divide": E.floor_divide,
    "remainder": E.remainder,
    "fmod": E.fmod,
    "hardshrink": E.hardshrink,
    "prelu": E.prelu,
    "erf": E.erf,
    "lerp": E.lerp,
    "where": lambda self, cond, other: E.where(cond, self, other),
    # reductions
    "sum": R.sum,
    "mean": R.mean,
    "var": R.var,
    "std": R.std,
    "amax": R.amax,
    "amin": R.amin,
    "max": R.max,
    "min": R.min,
    "argmax": R.argmax,
    "argmin": R.argmin,
    "logsumexp": R.logsumexp,
    "softmax": R.softmax,
    "log_softmax": R.log_softmax,
    "prod": R.prod,
    "all": R.all,
    "any": R.any,
    "norm": R.tensor_norm,
    "cumsum": R.cumsum,
    "count_nonzero": R.count_nonzero,
    "nonzero": R.nonzero,
    "sort": R.sort,
    "argsort": R.argsort,
    "topk": R.topk,
    # shape
    "reshape": S.reshape,
    "view": S.view,
    "expand": S.expand,
    "permute": S.permute,
    "transpose": S.transpose,
    "swapaxes": S.transpose,
    "squeeze": S.squeeze,
    "unsqueeze": S.unsqueeze,
    "flatten": S.flatten,
    "unflatten": S.unflatten,
    "clone": S.clone,
    "split": S.split,
    "chunk": S.chunk,
    "unbind": S.unbind,
    "narrow": S.narrow,
    "unfold": S.unfold,
    "select": S.select,
    "movedim": S.movedim,
    "flip": S.flip,
    "repeat": S.repeat,
    "broadcast_to": S.broadcast_to,
    # linalg
    "matmul": L.matmul,
    "mm": L.mm,
    "bmm": L.bmm,
    "mv": L.mv,
    "dot": L.dot,
    "outer": L.outer,
}

for _name, _fn in _SIMPLE.items():
    setattr(Tensor, _name, _method(_fn, _name))


def _leaky_relu(self, negative_slope=0.01):
    return E.leaky_relu(self, negative_slope)


Tensor.leaky_relu = _leaky_relu


def _shape_of_other(op: str, other) -> tuple:
    """``other.shape`` for the ``*_as`` methods, with PyTorch's TypeError unless ``other`` is a Tensor."""
    if not isinstance(other, Tensor):
        raise _not_a_tensor(op, other, "other", 1)
    return other.shape


Tensor.view_as = lambda self, other: S.view(self, _shape_of_other("view_as", other))
Tensor.reshape_as = lambda self, other: S.reshape(self, _shape_of_other("reshape_as", other))
Tensor.expand_as = lambda self, other: S.expand(self, _shape_of_other("expand_as", other))
Tensor.type_as = lambda self, other: self.to(other.dtype)
Tensor.T = property(lambda self: S.permute(self, *reversed(range(self.ndim))), doc="Dimensions reversed.")


def _matrix_transpose(name: str, zero_dim_warning: str):
    """The ``mT`` / ``mH`` getter: the last two dims swapped; a 0-d tensor itself (PyTorch warns), 1-d raises."""

    def getter(self: Tensor) -> Tensor:
        if self.ndim >= 2:
            return S.transpose(self, -2, -1)
        if self.ndim == 1:
            raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. Got 1-D tensor.")
        warnings.warn(zero_dim_warning, UserWarning, stacklevel=2)
        return self

    return getter


Tensor.mT = property(
    _matrix_transpose("mT", "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases."),
    doc="Last two dimensions swapped.",
)
Tensor.mH = property(
    _matrix_transpose("mH", "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj()."),
    doc="Conjugate transpose of the last two dims (real tensors: mT).",
)


# --- operators --------------------------------------------------------------------------
_OPERAND = (Tensor, np.ndarray, int, float, bool, np.number, np.bool_)
Tensor.__add__ = E.add
Tensor.__radd__ = E.add
Tensor.__sub__ = E.sub
Tensor.__rsub__ = lambda self, other: E.sub(other, self) if isinstance(self, Tensor) else NotImplemented
Tensor.__mul__ = E.mul
Tensor.__rmul__ = E.mul
Tensor.__truediv__ = E.div
Tensor.__rtruediv__ = lambda self, other: E.mul(E.reciprocal(self), other)  # PyTorch's definition (rounding too)
Tensor.__floordiv__ = lambda self, other: E.floor_divide(self, other)
Tensor.__rfloordiv__ = lambda self, other: E.floor_divide(other, self)
Tensor.__mod__ = lambda self, other: E.remainder(self, other)
Tensor.__rmod__ = lambda self, other: E.remainder(other, self)
# torch wraps these three in a decorator that turns "self is not a Tensor" into NotImplemented
Tensor.__pow__ = lambda self, other: E.pow(self, other) if isinstance(self, Tensor) else NotImplemented
Tensor.__rpow__ = lambda self, other: E.pow(other, self)
# torch's @ takes no Python numbers or sequences: NotImplemented, so Python raises its TypeError
_NO_MATMUL = (list, tuple, int, float, complex)
Tensor.__matmul__ = lambda self, other: (
    NotImplemented if isinstance(other, _NO_MATMUL) else L.matmul(self, as_tensor_arg(other, "matmul"))
)
Tensor.__rmatmul__ = lambda self, other: (
    L.matmul(as_tensor_arg(other, "matmul"), self)
    if isinstance(self, Tensor) and not isinstance(other, _NO_MATMUL)
    else NotImplemented
)
Tensor.__neg__ = lambda self: E.neg(self)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: E.abs(self)
# == and != with a non-number (None, a string, a list) fall back to Python's identity test, as in PyTorch
Tensor.__eq__ = lambda self, other: E.eq(self, other) if isinstance(other, _OPERAND) else NotImplemented
Tensor.__ne__ = lambda self, other: E.ne(self, other) if isinstance(other, _OPERAND) else NotImplemented
Tensor.__lt__ = lambda self, other: E.lt(self, other)
Tensor.__le__ = lambda self, other: E.le(self, other)
Tensor.__gt__ = lambda self, other: E.gt(self, other)
Tensor.__ge__ = lambda self, other: E.ge(self, other)


from ._methods_getitem import _getitem, _split_key, _torch_key  # noqa: E402, F401, I001  (binds __getitem__; re-exported)


def _bitwise(np_fn, name):
    def op(self, other):
        o = other._data if isinstance(other, Tensor) else other
        if self._data.dtype.kind == "f" or (isinstance(o, np.ndarray) and o.dtype.kind == "f"):
            raise RuntimeError(f"\"{name}_cpu\" not implemented for 'Float'")
        return Tensor._make(np.asarray(np_fn(self._data, o)))

    return op


Tensor.__and__ = _bitwise(np.bitwise_and, "bitwise_and")
Tensor.__or__ = _bitwise(np.bitwise_or, "bitwise_or")
Tensor.__xor__ = _bitwise(np.bitwise_xor, "bitwise_xor")
Tensor.__rand__ = Tensor.__and__
Tensor.__ror__ = Tensor.__or__


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
    return Tensor._make(~self._data)


Tensor.__invert__ = _invert

# --- dtype / device conversion: _methods_convert ------------------------------------------
from . import _methods_convert  # noqa: E402, F401, I001


def _sum_to_size(self, *size):
    """Sum to ``size`` (which must expand to this shape); integers and bools are summed as int64."""
    shape = _check_shape_args("sum_to_size", size)
    reduces = tuple(shape) != self.shape or not shape  # PyTorch sums whenever the target is 0-d
    if reduces and self._data.dtype.kind in "biu" and self._data.dtype != np.int64:
        return S.sum_to_size(self.to(dt.int64), shape)
    return S.sum_to_size(self, shape)


Tensor.sum_to_size = _sum_to_size
Tensor.new_zeros = _C.new_factory("new_zeros", 0)
Tensor.new_ones = _C.new_factory("new_ones", 1)
Tensor.new_empty = _C.new_factory("new_empty", 0)
Tensor.new_full = _C.new_full
Tensor.new_tensor = _C.new_tensor
Tensor.new_empty_strided = _C.new_empty_strided

# --- in-place methods (add_ ..., tril_ / triu_, squeeze_ ...): _methods_inplace -------------
from ._methods_inplace import _inplace_view, _no_bool_promotion  # noqa: E402, F401, I001  (re-exported)


def _apply_(self, fn):
    self._data[...] = np.vectorize(fn)(self._data)
    self._vc.value += 1
    return self


Tensor.apply_ = _apply_
Tensor.is_set_to = lambda self, other: self._data is other._data
Tensor.equal = lambda self, other: bool(
    self.shape == _shape_of_other("equal", other) and np.array_equal(self._data, other._data)
)
Tensor.allclose = lambda self, other, rtol=1e-05, atol=1e-08, equal_nan=False: bool(
    np.allclose(self._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
)


# --- special functions and more elementwise math (ops/special*.py) ------------------------
from .ops import special as _SP  # noqa: E402
from .ops import special_functions as _SF  # noqa: E402

_SPECIAL_METHODS = {
    **{name: getattr(_SP, name) for name in _SP.__all__},
    **{name: getattr(_SF, name) for name in ("erfc", "erfinv", "lgamma", "digamma", "mvlgamma", "i0", "sinc")},
    "arcsin": _SP.asin,
    "arccos": _SP.acos,
    "arctan": _SP.atan,
    "arctan2": _SP.atan2,
    "arcsinh": _SP.asinh,
    "arccosh": _SP.acosh,
    "arctanh": _SP.atanh,
}
_SPECIAL_INPLACE = (
    "asin acos atan atan2 sinh cosh asinh acosh atanh arcsin arccos arctan arctan2 arcsinh arccosh arctanh exp2 "
    "hypot frac copysign heaviside sgn float_power fmax fmin gcd lcm ldexp nextafter xlogy logit erfc erfinv lgamma "
    "digamma mvlgamma i0 sinc deg2rad rad2deg nan_to_num bitwise_and bitwise_or bitwise_xor bitwise_not "
    "bitwise_left_shift bitwise_right_shift"
).split()
for _name, _fn in _SPECIAL_METHODS.items():
    setattr(Tensor, _name, _method(_fn, _name))
for _name in _SPECIAL_INPLACE:
    if _name not in ("fmax", "fmin"):  # torch has no fmax_ / fmin_
        setattr(Tensor, _name + "_", _inplace(_name + "_", _no_bool_promotion(_name + "_", _SPECIAL_METHODS[_name])))


def _float_power_(self: Tensor, exponent) -> Tensor:
    """In-place ``float_power``: ``self`` must already be float64, as PyTorch."""
    if self.dtype != dt.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {_TYPE_WORD_F.get(self.dtype.name, self.dtype.name)} "
            "but the operation's result requires dtype Double"
        )
    return _inplace("float_power_", _SP.float_power)(self, exponent)


_TYPE_WORD_F = {**_TYPE_WORD, "float32": "Float", "float16": "Half", "float64": "Double"}
Tensor.float_power_ = _float_power_
Tensor.polygamma = _method(lambda self, n: _SF.polygamma(n, self), "polygamma")
Tensor.polygamma_ = _inplace("polygamma_", lambda self, n: _SF.polygamma(n, self))
Tensor.__lshift__ = _SP.bitwise_left_shift
Tensor.__rlshift__ = lambda self, other: _SP.bitwise_left_shift(other, self)
Tensor.__rshift__ = _SP.bitwise_right_shift
Tensor.__rrshift__ = lambda self, other: _SP.bitwise_right_shift(other, self)
Tensor.__rxor__ = Tensor.__xor__
Tensor.__rdiv__ = Tensor.__rtruediv__
Tensor.__ilshift__ = lambda self, other: Tensor.bitwise_left_shift_(self, other)
Tensor.__irshift__ = lambda self, other: Tensor.bitwise_right_shift_(self, other)
Tensor.__iand__ = lambda self, other: Tensor.bitwise_and_(self, other)
Tensor.__ior__ = lambda self, other: Tensor.bitwise_or_(self, other)
Tensor.__ixor__ = lambda self, other: Tensor.bitwise_xor_(self, other)
# Methods bound to Tensor by modules of their own: setitem/fill, index ops, random fills, newer op families
from . import _methods_indexing, _methods_random, _methods_setitem  # noqa: E402, F401, I001
from ._methods_setitem import _FillScalar, _FillTensor  # noqa: E402, F401, I001  (re-exported)
from . import _methods_blas, _methods_reduce, _methods_shape  # noqa: E402, F401, I001
from . import _methods_device_flags  # noqa: E402, F401, I001  (t.is_cpu, t.is_xpu, t.is_sparse, ...)
