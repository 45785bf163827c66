"""Binds the ops to ``Tensor`` as methods and operators, and defines the in-place ops.

In-place ops bump the version counter shared by a tensor and its views. Under grad
mode, an in-place op on a tensor that takes part in autograd is recorded as the
out-of-place op and the tensor is rebased onto the new node, as PyTorch does.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _creation as _C
from . import _dtype as dt
from ._device import check_device, device
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
from ._tensor import Tensor, _check_shape_args, check_format_rank, copy_as, is_contiguous_as, suggest_memory_format
from .autograd.grad_mode import _state
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


def _sequence_as_tuple(key) -> bool:
    """torch's ``treatSequenceAsTuple``: a short list holding a slice, None, ..., tensor or sequence is a tuple."""
    if not isinstance(key, (list, range)) or len(key) >= 32:
        return False
    return any(
        k is None or k is Ellipsis or isinstance(k, (slice, Tensor, list, tuple, range, np.ndarray)) for k in key
    )


def _plain_index(seq):
    """Nested lists / tuples / ranges (and 0-d tensors inside them) as nested lists of numbers."""
    if isinstance(seq, Tensor):
        return seq._data
    if isinstance(seq, (list, tuple, range)):
        return [_plain_index(e) for e in seq]
    return seq


def _sequence_index(seq) -> np.ndarray:
    """A list / tuple / range used as an index: bool stays a mask, numbers become int64 (torch's rule)."""
    if isinstance(seq, str):
        raise TypeError("new(): invalid data type 'str'")
    try:
        arr = np.asarray(_plain_index(seq))
    except ValueError:
        raise IndexError("too many indices: the nested index sequence is not rectangular") from None
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype == np.uint64 or (arr.dtype.kind == "O" and all(type(v) is int for v in np.ravel(arr))):
        raise ValueError("Overflow when unpacking long long")  # Python ints past int64
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"new(): invalid data type '{type(np.ravel(arr)[0]).__name__}'")
    if arr.dtype.kind == "f" and arr.size and not (np.isfinite(arr).all() and np.abs(arr).max() < 2.0**63):
        raise RuntimeError("value cannot be converted to type int64 without overflow")
    return arr.astype(np.int64)


_SEQUENCE_KEY_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in pytorch 2.9; use "
    "x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, x[torch.tensor(seq)], "
    "which will result either in an error or a different result"
)


_PLAIN_KEYS = frozenset({int, slice, type(None), type(Ellipsis), Tensor})


def _plain_key(k) -> bool:
    """An index item numpy reads as torch does (a uint8 tensor is a mask in torch, indices in numpy)."""
    return type(k) in _PLAIN_KEYS and not (type(k) is Tensor and k._data.dtype == np.uint8)


def _torch_key(key) -> tuple:
    """An index as torch reads it: a tuple whose sequences (lists, tuples, ranges, numpy arrays) are index arrays."""
    if _plain_key(key):
        return (key,)
    if isinstance(key, tuple):
        if all(_plain_key(k) for k in key):
            return key
        items = key
    elif _sequence_as_tuple(key):
        warnings.warn(_SEQUENCE_KEY_WARNING, UserWarning, stacklevel=3)
        items = tuple(key)
    else:
        items = (key,)
    return tuple(_key_item(k) for k in items)


_UINT8_KEY_WARNING = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


def _key_item(k):
    """One item of an index tuple as torch converts it: sequences and numpy arrays become int64 index
    arrays (bool ones stay masks, uint8 ones become masks with torch's deprecation warning)."""
    if isinstance(k, (list, tuple, range, str)):
        return _sequence_index(k)
    if isinstance(k, np.ndarray):
        return _array_index(k)
    if isinstance(k, Tensor) and k._data.dtype == np.uint8:
        if k._data.ndim:  # torch reads a 0-d one as a Python bool, without the warning
            warnings.warn(_UINT8_KEY_WARNING, UserWarning, stacklevel=4)
        return Tensor._make(k._data.astype(bool))
    if isinstance(k, np.generic) and not isinstance(k, (np.integer, np.bool_)):
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
            f"(got numpy.{type(k).__name__})"
        )
    return k


def _array_index(arr: np.ndarray) -> np.ndarray:
    """A numpy array used as an index, read as torch reads it (as the tensor ``torch.tensor(arr)``)."""
    if arr.dtype == np.uint8:
        warnings.warn(_UINT8_KEY_WARNING, UserWarning, stacklevel=5)
        return arr.astype(bool)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind == "c":
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=5)
        arr = arr.real
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{arr.dtype.type.__name__}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, "
            "uint8, and bool."
        )
    return arr.astype(np.int64)


def _split_key(nkey: tuple):
    """torch applies integer indices before the advanced ones (arrays, masks, bools), where numpy
    counts them as advanced too: ``(basic key, advanced rest)`` when that differs, else None."""
    kinds = {type(k) for k in nkey}
    if int not in kinds or not kinds & {np.ndarray, bool, np.bool_}:
        return None
    first, rest = [], []
    for k in nkey:
        if isinstance(k, (bool, np.bool_)):  # a 0-d mask: consumes no dimension
            rest.append(k)
        elif isinstance(k, (int, np.integer)):
            first.append(k)
        elif isinstance(k, np.ndarray):
            first.extend([slice(None)] * (k.ndim if k.dtype == np.bool_ else 1))
            rest.append(k)
        else:
            first.append(k)
            rest.append(k if k is Ellipsis else slice(None))
    return tuple(first), tuple(rest)


def _getitem(self, key):
    """``self[key]`` with torch's indexing rules (ints, slices, None, ..., masks, index sequences)."""
    if not self._data.ndim:
        _check_0d_key(key)
    nkey, basic = S._normalize_key(self, _torch_key(key))
    S._check_key_bounds(self._data.shape, nkey)
    if basic and not (
        _state.enabled and (self._requires_grad or (self._base is not None and self._view_ver != self._vc.value))
    ):
        return S.GetItem.apply(self, key=nkey, basic=True)  # no graph to record: one numpy index
    return S.index_chain(self, nkey)


def _check_0d_key(key) -> None:
    """torch's own messages for a bare integer or slice on a 0-d tensor."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert "
            "a 0-dim tensor to a number"
        )
    if isinstance(key, slice):
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")


Tensor.__getitem__ = _getitem


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


# --- dtype / device conversion -----------------------------------------------------------
from .autograd.function import Op  # noqa: E402


class ToDtype(Op):
    """Copy into another dtype and/or memory format; the gradient is cast back."""

    torch_name = "ToCopyBackward0"

    def forward(self, x, npdt, fmt=dt.preserve_format):
        self.in_dtype = x._data.dtype
        return copy_as(x._data, npdt, fmt)

    def backward(self, g):
        return ToDtype.apply(g, npdt=self.in_dtype)


_TO_SIGNATURES = (
    "to(dtype, non_blocking=False, copy=False, *, memory_format=torch.preserve_format), "
    "to(device=None, dtype=None, non_blocking=False, copy=False, *, memory_format=torch.preserve_format), "
    "to(other, non_blocking=False, copy=False, *, memory_format=torch.preserve_format)"
)


def _is_dtype_like(a) -> bool:
    return isinstance(a, dt.dtype) or a in (float, int, bool)


def _bad_to(args, kwargs) -> TypeError:
    def name(v):
        return "torch.dtype" if isinstance(v, dt.dtype) else type(v).__name__

    got = ", ".join([name(a) for a in args] + [f"{k}={name(v)}" for k, v in kwargs.items()])
    return TypeError(
        f"to() received an invalid combination of arguments - got ({got}), but expected one of: {_TO_SIGNATURES}"
    )


def _parse_to(args: tuple, kwargs: dict) -> tuple:
    """PyTorch's three ``Tensor.to`` overloads -> (device, dtype, non_blocking, copy, memory_format)."""
    allowed = {"non_blocking", "copy", "memory_format"}
    if args and isinstance(args[0], Tensor):
        names, fixed = ("non_blocking", "copy"), {"dtype": args[0].dtype}
    elif args and _is_dtype_like(args[0]):
        names, fixed = ("non_blocking", "copy"), {"dtype": args[0]}
    else:
        names, fixed = ("device", "dtype", "non_blocking", "copy"), {}
        allowed |= {"device", "dtype"}
        args = (None, *args)
    if len(args) - 1 > len(names) or not set(kwargs) <= allowed:
        raise _bad_to(args[1:] if not fixed else args, kwargs)
    given = dict(zip(names, args[1:]))
    if set(given) & set(kwargs):
        raise _bad_to(args, kwargs)
    opts = {"device": None, "dtype": None, "non_blocking": False, "copy": False, "memory_format": None}
    opts.update(fixed, **given, **kwargs)
    dev, dtype = opts["device"], opts["dtype"]
    if not (
        (dev is None or isinstance(dev, (str, device, int)))
        and (dtype is None or _is_dtype_like(dtype))
        and isinstance(opts["non_blocking"], bool)
        and isinstance(opts["copy"], bool)
        and (opts["memory_format"] is None or isinstance(opts["memory_format"], dt.memory_format))
    ):
        raise _bad_to(args if fixed else args[1:], kwargs)
    return dev, dtype, opts["copy"], dt.check_memory_format(opts["memory_format"], "to")


def _to(self, *args, **kwargs):
    """``to(dtype)``, ``to(device, dtype)``, ``to(other)``, each with ``non_blocking``, ``copy``, ``memory_format``."""
    if not kwargs and len(args) == 1 and isinstance(args[0], dt.dtype):  # the common to(dtype)
        return _convert(self, args[0], False, dt.preserve_format)
    dev, dtype, copy, fmt = _parse_to(args, kwargs)
    check_device(dev, "to")
    return _convert(self, dtype, copy, fmt)


def _convert(self: Tensor, dtype, copy: bool, fmt) -> Tensor:
    """``self`` in ``dtype`` and memory format ``fmt``: ``self`` itself when nothing changes and no copy is asked."""
    npdt = self._data.dtype if dtype is None else dt.to_numpy_dtype(dtype)
    if fmt is dt.preserve_format:
        if npdt == self._data.dtype and not copy:
            return self
    else:
        check_format_rank(fmt, self._data.ndim)
        if npdt == self._data.dtype and not copy and suggest_memory_format(self._data) is fmt:
            return self
    if self._requires_grad and npdt.kind == "f" and _state.enabled:
        return ToDtype.apply(self, npdt=npdt, fmt=fmt)
    return Tensor._make(copy_as(self._data, npdt, fmt))


def _contiguous(self, memory_format=dt.contiguous_format):
    """``self`` if already contiguous in ``memory_format``, else a (differentiable) copy laid out so."""
    fmt = dt.check_memory_format(memory_format, "contiguous")
    if fmt is not dt.preserve_format:
        check_format_rank(fmt, self._data.ndim)
    if is_contiguous_as(self._data, fmt):
        return self
    if fmt is dt.preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    if fmt is dt.contiguous_format:
        return S.contiguous(self)
    if self._requires_grad and _state.enabled:
        return ToDtype.apply(self, npdt=self._data.dtype, fmt=fmt)
    return Tensor._make(copy_as(self._data, self._data.dtype, fmt))


def _converter(target: dt.dtype, name: str):
    def convert(self, *, memory_format=dt.preserve_format):
        return _convert(self, target, False, dt.check_memory_format(memory_format, name))

    convert.__name__ = name
    convert.__doc__ = f"``self.to({target})``, laid out in ``memory_format``."
    return convert


def _type(self, dtype=None, non_blocking: bool = False):
    """The type name (``'torch.FloatTensor'``) without arguments, else ``self`` converted to ``dtype``
    (a dtype, a type name such as ``'torch.DoubleTensor'`` or the class ``torch.DoubleTensor``)."""
    if dtype is None:
        return f"torch.{_TYPE_NAMES.get(self.dtype.name, 'Tensor')}"
    from ._legacy_types import legacy_dtype

    dtype = legacy_dtype(dtype)  # torch.LongTensor and the other legacy type classes
    if isinstance(dtype, str):
        by_name = {f"torch.{v}": k for k, v in _TYPE_NAMES.items()}
        if dtype not in by_name:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = dt._by_name(by_name[dtype])
    if not _is_dtype_like(dtype):
        raise TypeError(f"type(): argument 'dtype' must be torch.dtype or str, not {type(dtype).__name__}")
    return _convert(self, dtype, False, dt.preserve_format)


def _cpu(self, memory_format=dt.preserve_format):
    """``self`` (microtorch tensors live on the CPU), laid out in ``memory_format``."""
    return _convert(self, None, False, dt.check_memory_format(memory_format, "cpu"))


Tensor.to = _to
Tensor.contiguous = _contiguous
Tensor.type = _type
for _conv_name, _conv_dtype in (
    ("float", dt.float32),
    ("double", dt.float64),
    ("half", dt.float16),
    ("bfloat16", dt.bfloat16),
    ("long", dt.int64),
    ("int", dt.int32),
    ("short", dt.int16),
    ("char", dt.int8),
    ("byte", dt.uint8),
    ("bool", dt.bool_),
):
    setattr(Tensor, _conv_name, _converter(_conv_dtype, _conv_name))
Tensor.cpu = _cpu
Tensor.cuda = lambda self, *a, **k: check_device("cuda", "cuda")


def _pin_memory(self, device=None):
    """Raises as PyTorch does without an accelerator: there is no pinned memory on a CPU-only build."""
    raise RuntimeError("pin_memory: Cannot access accelerator device when none is available.")


Tensor.pin_memory = _pin_memory
Tensor.is_pinned = lambda self, device=None: False
Tensor.share_memory_ = lambda self: self

from .autograd.function import _TYPE_NAMES  # noqa: E402


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


_INPLACE = {
    "add_": E.add,
    "sub_": E.sub,
    "subtract_": E.sub,
    "mul_": E.mul,
    "multiply_": E.mul,
    "div_": E.div,
    "divide_": E.div,
    "pow_": E.pow,
    "clamp_": E.clamp,
    "clamp_min_": E.clamp_min,
    "clamp_max_": E.clamp_max,
    "clip_": E.clamp,
    "neg_": E.neg,
    "exp_": E.exp,
    "log_": E.log,
    "sqrt_": E.sqrt,
    "abs_": E.abs,
    "sigmoid_": E.sigmoid,
    "tanh_": E.tanh,
    "relu_": E.relu,
    "sin_": E.sin,
    "cos_": E.cos,
    "floor_": E.floor,
    "ceil_": E.ceil,
    "round_": E.round,
    "sign_": E.sign,
    "reciprocal_": E.reciprocal,
    "square_": E.square,
    "rsqrt_": E.rsqrt,
    "trunc_": E.trunc,
    "fix_": E.trunc,
    "leaky_relu_": E.leaky_relu,
    "lerp_": E.lerp,
    "addcmul_": lambda self, t1, t2, value=1: E.add(self, E.mul(E.mul(t1, t2), value)),
    "addcdiv_": lambda self, t1, t2, value=1: E.add(self, E.mul(E.div(t1, t2), value)),
    "maximum_": E.maximum,
    "minimum_": E.minimum,
    "true_divide_": E.true_divide,
    "floor_divide_": E.floor_divide,
    "remainder_": E.remainder,
    "fmod_": E.fmod,
    "negative_": E.neg,
    "absolute_": E.abs,
    "tan_": E.tan,
    "log2_": E.log2,
    "log10_": E.log10,
    "log1p_": E.log1p,
    "expm1_": E.expm1,
    "erf_": E.erf,
    # comparisons write 0 / 1 in self's dtype, as PyTorch
    "eq_": E.eq,
    "ne_": E.ne,
    "not_equal_": E.ne,
    "lt_": E.lt,
    "less_": E.lt,
    "le_": E.le,
    "less_equal_": E.le,
    "gt_": E.gt,
    "greater_": E.gt,
    "ge_": E.ge,
    "greater_equal_": E.ge,
    "logical_and_": E.logical_and,
    "logical_or_": E.logical_or,
    "logical_xor_": E.logical_xor,
    "logical_not_": E.logical_not,
}


def _no_bool_promotion(name: str, fn):
    """``fn``, refusing (as PyTorch) an integer result that an in-place op would write into a bool tensor."""

    def compute(self, *args, **kwargs):
        out = fn(self, *args, **kwargs)
        if self._data.dtype.kind == "b" and out._data.dtype.kind in "iu":
            raise RuntimeError(
                f"{name}: result type {_TYPE_WORD[out._data.dtype.name]} can't be cast to the desired output type Bool"
            )
        return out

    return compute


for _name, _fn in _INPLACE.items():
    setattr(Tensor, _name, _inplace(_name, _no_bool_promotion(_name, _fn)))

Tensor.__iadd__ = lambda self, other: Tensor.add_(self, other)
Tensor.__isub__ = lambda self, other: Tensor.sub_(self, other)
Tensor.__imul__ = lambda self, other: Tensor.mul_(self, other)
Tensor.__itruediv__ = lambda self, other: Tensor.div_(self, other)
Tensor.__ipow__ = lambda self, other: Tensor.pow_(self, other)
Tensor.__ifloordiv__ = lambda self, other: Tensor.floor_divide_(self, other)
Tensor.__imod__ = lambda self, other: Tensor.remainder_(self, other)

Tensor.addcmul = lambda self, t1, t2, value=1: E.add(self, E.mul(E.mul(t1, t2), value))
Tensor.addcdiv = lambda self, t1, t2, value=1: E.add(self, E.mul(E.div(t1, t2), value))


Tensor.tril = lambda self, diagonal=0: _C.tril(self, diagonal)
Tensor.triu = lambda self, diagonal=0: _C.triu(self, diagonal)
Tensor.tril_ = _inplace("tril_", _C.tril)
Tensor.triu_ = _inplace("triu_", _C.triu)


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


# --- in-place view ops: the tensor itself takes the view's shape and strides -----------
def _inplace_view(op_name: str, view):
    """Build ``squeeze_``-style methods: ``self`` becomes ``view(self, ...)`` over the same
    storage; the version is bumped and, under autograd, the view op joins the graph."""

    def method(self, *args, **kwargs):
        if kwargs and "out" in kwargs:
            raise _no_out(op_name)
        involves = _state.enabled and self._requires_grad
        _check_inplace(self, involves, op_name)
        if involves:
            old = Tensor._make(self._data, self._grad_fn, self._output_nr)
            old._requires_grad = True
            new = view(old, *args, **kwargs)
            self._grad_fn, self._output_nr = new._grad_fn, new._output_nr
        else:
            with _NoGrad():
                new = view(Tensor._make(self._data), *args, **kwargs)
        self._data = new._data
        self._vc.value += 1
        if self._base is not None:
            self._view_ver = self._vc.value  # its grad_fn is already current
        return self

    method.__name__ = op_name
    method.__doc__ = f"In-place version of ``{op_name.rstrip('_')}``: changes this tensor's shape and strides."
    return method


Tensor.squeeze_ = _inplace_view("squeeze_", S.squeeze_view_)
Tensor.unsqueeze_ = _inplace_view("unsqueeze_", S.unsqueeze_view_)
Tensor.transpose_ = _inplace_view("transpose_", S.transpose_view_)
Tensor.t_ = _inplace_view("t_", S.t_view_)
Tensor.swapaxes_ = _inplace_view("swapaxes_", S.transpose_view_)
Tensor.cumsum_ = _inplace("cumsum_", R.cumsum)


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
