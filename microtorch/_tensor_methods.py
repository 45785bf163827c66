"""Binds the ops to ``Tensor`` as methods and operators, and defines the in-place ops.

In-place ops bump the version counter shared by a tensor and its views. Under grad
mode, an in-place op on a tensor that takes part in autograd is recorded as the
out-of-place op and the tensor is rebased onto the new node, as PyTorch does.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from . import _creation as _C
from . import _creation_random as _CR
from . import _dtype as dt
from . import _tensor as _tensor_module
from ._device import check_device, device
from ._tensor import Tensor, _check_shape_args, check_format_rank, copy_as, is_contiguous_as, suggest_memory_format
from .autograd import function as _function
from .autograd.grad_mode import _state
from .ops import elementwise as E
from .ops import linalg as L
from .ops import reduction as R
from .ops import shape as S
from .ops._promote import not_a_tensor as _not_a_tensor
from .ops._util import as_tensor_arg
from .random import rng

__all__: list[str] = []


def _method(fn, name: str | None = None):
    def method(self, *args, **kwargs):
        if not isinstance(self, Tensor):  # e.g. Tensor.add(2, t), as PyTorch's descriptors refuse it
            raise TypeError(
                f"descriptor '{method.__name__}' for 'torch._C.TensorBase' objects doesn't apply to a "
                f"'{type(self).__name__}' object"
            )
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
    "norm": R.norm,
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
Tensor.__matmul__ = lambda self, other: L.matmul(self, as_tensor_arg(other, "matmul"))
Tensor.__rmatmul__ = lambda self, other: (
    L.matmul(as_tensor_arg(other, "matmul"), self) if isinstance(self, Tensor) else NotImplemented
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
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"new(): invalid data type '{type(np.ravel(arr)[0]).__name__}'")
    return arr.astype(np.int64)


_SEQUENCE_KEY_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in pytorch 2.9; use "
    "x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, x[torch.tensor(seq)], "
    "which will result either in an error or a different result"
)


_PLAIN_KEYS = frozenset({int, slice, type(None), type(Ellipsis), Tensor})


def _torch_key(key) -> tuple:
    """An index as torch reads it: a tuple whose sequences (lists, tuples, ranges) are index arrays."""
    if type(key) in _PLAIN_KEYS:
        return (key,)
    if isinstance(key, tuple):
        if all(type(k) in _PLAIN_KEYS for k in key):
            return key
        items = key
    elif _sequence_as_tuple(key):
        warnings.warn(_SEQUENCE_KEY_WARNING, UserWarning, stacklevel=3)
        items = tuple(key)
    else:
        items = (key,)
    return tuple(_sequence_index(k) if isinstance(k, (list, tuple, range, str)) else k for k in items)


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
    nkey, basic = S._normalize_key(self, _torch_key(key))
    S._check_key_bounds(self._data.shape, nkey)
    if basic and not (
        _state.enabled and (self._requires_grad or (self._base is not None and self._view_ver != self._vc.value))
    ):
        return S.GetItem.apply(self, key=nkey, basic=True)  # no graph to record: one numpy index
    return S.index_chain(self, nkey)


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
from .autograd.function import Op, _SavedOutput  # noqa: E402


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
    (a dtype or a type name such as ``'torch.DoubleTensor'``)."""
    if dtype is None:
        return f"torch.{_TYPE_NAMES.get(self.dtype.name, 'Tensor')}"
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


# --- in-place ops -------------------------------------------------------------------------
def _check_inplace(self: Tensor, involves_grad: bool, op: str) -> None:
    """PyTorch's checks before an in-place op: not on a leaf (or a view of one) that requires
    grad, nor with grad on a view made under no_grad or output by split/chunk/unbind."""
    if not involves_grad:
        return
    meta = getattr(self, "_view_meta", False) if self._base is not None else False
    if meta is True:
        raise RuntimeError(_NOGRAD_VIEW_INPLACE_MESSAGE)
    if meta:
        raise RuntimeError(_multi_output_message(self, meta, "is being modified inplace"))
    if self._grad_fn is None and self._requires_grad:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation.")
    base = self._base
    if base is not None and base._requires_grad and base._grad_fn is None:
        raise RuntimeError(
            f"{op}: a view of a leaf Variable that requires grad is being used in an in-place operation."
        )


def _needs_grad(t: Tensor) -> bool:
    """``t.requires_grad``, up to date for a view whose base was modified in place."""
    if t._requires_grad:
        return True
    base = t._base
    if base is None:
        return False
    if getattr(t, "_view_meta", False) is True:
        return base._requires_grad
    return t._view_ver != t._vc.value and _refresh_view(t, strict=False)


_NOGRAD_VIEW_INPLACE_MESSAGE = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use "
    "case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if "
    "you want the inplace to be tracked)."
)


def _view_geometry(view: np.ndarray, base: np.ndarray, op: str = "view") -> np.ndarray:
    """For each element of ``view``, the C-order flat index of the element of ``base`` it aliases."""
    item = base.itemsize
    index = _memory_offsets(view, item) + (_address(view) - _address(base)) // item
    if not base.flags.c_contiguous and base.size:
        # a strided base: translate memory offsets into its C-order positions
        where = _memory_offsets(base, item).reshape(-1)
        lo, hi = int(where.min()), int(where.max())
        table = np.full(hi - lo + 1, -1, dtype=np.int64)
        table[where - lo] = np.arange(where.size)
        index = np.where((index >= lo) & (index <= hi), table[np.clip(index - lo, 0, hi - lo)], -1)
    if index.size and (index.min() < 0 or index.max() >= base.size):
        raise RuntimeError(f"{op}: the view's elements are not inside its base's (was the base's .data replaced?)")
    return index


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _memory_offsets(a: np.ndarray, item: int) -> np.ndarray:
    """The offset (in elements, from the first element) of every element of ``a``."""
    out = np.zeros(a.shape, dtype=np.int64)
    nd = a.ndim
    for d, (n, st) in enumerate(zip(a.shape, a.strides)):
        out += (np.arange(n, dtype=np.int64) * (st // item)).reshape((n,) + (1,) * (nd - d - 1))
    return out


class AsStrided(Op):
    """The elements of ``x`` at flat (C-order) positions ``index``: a view replayed on its base."""

    torch_name = "AsStridedBackward0"

    def forward(self, x, index):
        self.index, self.in_shape = index, x._data.shape
        return np.take(x._data, index)

    def backward(self, g):
        return AsStridedScatter.apply(g, index=self.index, shape=self.in_shape)


class AsStridedScatter(Op):
    """Zeros of ``shape`` with ``g`` summed in at flat positions ``index`` (adjoint of ``AsStrided``)."""

    def forward(self, g, index, shape):
        self.index = index
        size = int(np.prod(shape))
        # bincount sums repeated positions (expand / unfold views alias one element many times)
        flat = np.bincount(index.reshape(-1), weights=g._data.reshape(-1), minlength=size)
        return flat.astype(g._data.dtype, copy=False).reshape(shape)

    def backward(self, gg):
        return AsStrided.apply(gg, index=self.index)


class ViewScatter(Op):
    """A base tensor after an in-place op on one of its views (PyTorch's CopySlices).

    The new values are already in the base's memory; the node routes the gradient of
    the view region to the op's result and the rest to the base's previous value.
    """

    torch_name = "torch::autograd::CopySlices"

    def forward(self, base, value, index):
        self.index = index
        self.shape = base._data.shape
        return base._data

    def backward(self, g):
        nb, nv = self.needs_input_grad
        gb = gv = None
        if nb:
            mask = np.ones(self.shape, dtype=g._data.dtype)
            mask.reshape(-1)[self.index.reshape(-1)] = 0
            gb = g * Tensor._make(mask)
        if nv:
            gv = AsStrided.apply(g, index=self.index)
        return gb, gv


_NOGRAD_VIEW_MESSAGE = (
    "A view was created in no_grad mode and its base or another view of its base has been modified inplace "
    "with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can "
    "clarify your code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)


def _multi_output_message(view: Tensor, meta: tuple, what: str) -> str:
    name, nr = meta
    if name is None:  # a view of such an output: PyTorch names the view's own node
        name, nr = re.sub(r"Backward[0-9]*$", "", view._grad_fn.name()), view._output_nr
    return (
        f"Output {nr} of {name} is a view and {what}. This view is the output of a function that returns "
        "multiple views. Such functions do not allow the output views to be modified inplace. You should replace "
        "the inplace operation by an out-of-place one."
    )


def _replay_view(view: Tensor) -> None:
    """Point ``view``'s grad_fn at an ``AsStrided`` of its base's current grad_fn."""
    base = view._base
    prev = _state.enabled
    _state.enabled = True  # the node is made even under no_grad, as PyTorch does
    try:
        node = AsStrided.apply(base, index=_view_geometry(view._data, base._data))._grad_fn
    finally:
        _state.enabled = prev
    _set_grad_fn(view, node, 0)
    view._view_ver = view._vc.value


def _refresh_view(view: Tensor, strict: bool = True) -> bool:
    """Re-derive a stale view's grad_fn after its base or a sibling view was modified in
    place (the shared version moved on); returns whether it now requires grad."""
    if not view._base._requires_grad:
        view._view_ver = view._vc.value
        return view._requires_grad
    meta = getattr(view, "_view_meta", False)
    if meta:
        if strict:
            if meta is True:
                raise RuntimeError(_NOGRAD_VIEW_MESSAGE)
            raise RuntimeError(
                _multi_output_message(view, meta, "its base or another view of its base has been modified inplace")
            )
        return True
    _replay_view(view)
    return True


_function._refresh_view = _tensor_module._refresh_view = _refresh_view


def _set_grad_fn(t: Tensor, node, nr: int) -> None:
    """Give ``t`` a new grad_fn, carrying its ``retain_grad`` over (hooks stay with the old one)."""
    old = t._grad_fn
    if t._retains_grad and old is not None and old._retained:
        ref = old._retained.pop(t._output_nr, None)
        if ref is not None and node is not None:
            if node._retained is None:
                node._retained = {}
            node._retained[nr] = ref
    t._grad_fn, t._output_nr, t._requires_grad = node, nr, node is not None or t._requires_grad


def _rebase_view(self: Tensor, result: Tensor, op: str) -> None:
    """After writing ``result`` into view ``self``, record the change on its base's graph."""
    base = self._base
    index = _view_geometry(self._data, base._data, op)
    base_old = Tensor._make(base._data, base._grad_fn, base._output_nr)
    base_old._requires_grad = base._requires_grad
    new_base = ViewScatter.apply(base_old, result, index=index)
    _set_grad_fn(base, new_base._grad_fn, 0)
    _replay_view(self)


def _record_inplace(self: Tensor, compute, op_name: str) -> Tensor:
    """Apply ``compute`` out of place to a snapshot of ``self``, write the result into
    ``self`` and make ``self`` (and its base, for a view) point at the new graph node."""
    self._sync_view()
    snapshot = Tensor._make(self._data.copy(), self._grad_fn, self._output_nr)
    snapshot._requires_grad = self._requires_grad
    result = compute(snapshot)
    if result._data.dtype != self._data.dtype and result._requires_grad:
        result = result.to(self.dtype)  # the gradient reaching ``result`` then has its dtype
    _write(self, result._data, op_name)
    _move_saved_output(result, self)
    if self._base is not None:
        _rebase_view(self, result, op_name)
    else:
        _set_grad_fn(self, result._grad_fn, result._output_nr)
        self._requires_grad = result._requires_grad
    return self


def _move_saved_output(result: Tensor, target: Tensor) -> None:
    """An op that saved its own output (``exp_``, ``tanh_``...) now has it in ``target``'s
    storage: a later in-place change to ``target`` must fail its backward, as in PyTorch."""
    node = result._grad_fn
    saved = node._saved if node is not None else None
    if not saved:
        return
    for item in saved:
        if type(item) is _SavedOutput and item.array is result._data:
            item.array, item.counter, item.version = target._data, target._vc, target._vc.value


def _inplace(op_name: str, compute):
    """Build an in-place method from an out-of-place ``compute(self, *args)``."""

    def method(self, *args, **kwargs):
        involves = _state.enabled and (
            _needs_grad(self) or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        _check_inplace(self, involves, op_name)
        if isinstance(self, Tensor):
            _check_writeable(self._data, op_name)  # before computing: an expanded target may be huge
        if not involves:
            with _NoGrad():
                result = compute(self, *args, **kwargs)
            _write(self, result._data, op_name)
            return self
        return _record_inplace(self, lambda snap: compute(snap, *args, **kwargs), op_name)

    method.__name__ = op_name
    method.__doc__ = f"In-place version of ``{op_name.rstrip('_')}``."
    return method


class _NoGrad:
    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = False

    def __exit__(self, *exc):
        _state.enabled = self.prev


def _check_writeable(a: np.ndarray, op: str) -> None:
    if not a.flags.writeable:
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )


def _write(self: Tensor, values: np.ndarray, op: str) -> None:
    """Write ``values`` into ``self``'s storage (keeping its dtype) and bump the version."""
    a = self._data
    _check_writeable(a, op)
    if values.shape != a.shape:
        try:
            values = np.broadcast_to(values, a.shape)
        except ValueError:
            raise RuntimeError(
                f"{op}: output with shape {list(a.shape)} doesn't match the broadcast shape {list(values.shape)}"
            ) from None
    if values.dtype != a.dtype:
        if a.dtype.kind in "iub" and values.dtype.kind == "f":
            raise RuntimeError(
                f"{op}: result type Float can't be cast to the desired output type {_TYPE_WORD.get(a.dtype.name, a.dtype.name)}"
            )
    np.copyto(a, values, casting="unsafe")
    self._vc.value += 1


_TYPE_WORD = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}

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


class _FillScalar(Op):
    """``fill_(number)`` as a graph node: the overwritten values get a zero gradient."""

    torch_name = "FillBackward2"

    def forward(self, x, value):
        self.shape, self.dtype = x._data.shape, x._data.dtype
        return np.full(self.shape, value, dtype=self.dtype)

    def backward(self, g):
        return Tensor._make(np.zeros(self.shape, dtype=self.dtype))


class _FillTensor(_FillScalar):
    """``fill_(0-d tensor)``: the value's gradient is the sum of the output gradient."""

    torch_name = "FillBackward3"

    def forward(self, x, value):
        return super().forward(x, value._data)

    def backward(self, g):
        nx, nv = self.needs_input_grad
        return (super().backward(g) if nx else None), (g.sum() if nv else None)


class _Zero(_FillScalar):
    """``zero_`` as a graph node."""

    torch_name = "ZeroBackward0"

    def forward(self, x):
        return super().forward(x, 0)


def _fill_node(s: Tensor, v) -> Tensor:
    if isinstance(v, Tensor):
        return _FillTensor.apply(s, v.to(s.dtype))
    return _FillScalar.apply(s, value=v)


_FILL = _inplace("fill_", _fill_node)
_ZERO = _inplace("zero_", lambda s: _Zero.apply(s))


def _fill_(self, value):
    """Fill with ``value`` (a number or a 0-d tensor) in place."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        if _state.enabled and value._requires_grad:
            return _FILL(self, value)
        value = value.item()
    if _state.enabled and _needs_grad(self):
        return _FILL(self, value)
    return _fill_array(self, value, "fill_")


def _zero_(self):
    """Fill with zeros in place."""
    if _state.enabled and _needs_grad(self):
        return _ZERO(self)
    return _fill_array(self, 0, "zero_")


def _fill_array(self, value, op: str):
    """The no-autograd path of ``fill_`` / ``zero_``."""
    _check_inplace(self, False, op)
    _check_writeable(self._data, op)
    self._data.fill(value)
    self._vc.value += 1
    return self


def _copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast) into this tensor in place."""
    src = as_tensor_arg(src, "copy_")
    try:
        np.broadcast_shapes(src.shape, self.shape)
    except ValueError:
        raise RuntimeError(
            f"copy_: The size of tensor a ({self.shape[-1] if self.ndim else 1}) must match the size of tensor b "
            f"({src.shape[-1] if src.ndim else 1}); shapes {list(self.shape)} and {list(src.shape)}"
        ) from None
    if np.broadcast_shapes(src.shape, self.shape) != self.shape:
        raise RuntimeError(f"copy_: source of shape {list(src.shape)} cannot be broadcast to {list(self.shape)}")
    involves = _state.enabled and (_needs_grad(self) or src._requires_grad)
    if not involves:
        np.copyto(self._data, src._data, casting="unsafe")
        self._vc.value += 1
        return self
    _check_inplace(self, True, "copy_")
    return _inplace("copy_", lambda s, v: S.expand(v.to(s.dtype), s.shape) + s * 0)(self, src)


Tensor.fill_ = _fill_
Tensor.zero_ = _zero_
Tensor.copy_ = _copy_


def _check_setitem_value(self, nkey: tuple, value) -> None:
    """torch's index put takes a tensor source only of the destination dtype (a 0-d one through a mask too)."""
    if not isinstance(value, Tensor) or not any(isinstance(k, np.ndarray) for k in nkey):
        return
    if value.ndim == 0 and len(nkey) == 1 and nkey[0].dtype == np.bool_:
        return
    _I.check_put_dtype(self, value)


def _setitem_shape_error(self, nkey: tuple, value) -> RuntimeError:
    return RuntimeError(
        f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot be broadcast to indexing result of "
        f"shape {list(self._data[nkey].shape)}"
    )


def _setitem(self, key, value):
    """``self[key] = value`` (differentiable in ``value`` and in the rest of ``self``)."""
    nkey, basic = S._normalize_key(self, _torch_key(key))
    split = _split_key(nkey)
    if split is not None:  # write through the view the integer / bool indices select
        _setitem(_getitem(self, split[0]), split[1], value)
        return
    S._check_key_bounds(self._data.shape, nkey)
    _check_setitem_value(self, nkey, value)
    involves = _state.enabled and (_needs_grad(self) or (isinstance(value, Tensor) and value._requires_grad))
    if not involves:
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(v, np.ndarray) and v.dtype.kind == "f" and self._data.dtype.kind in "iub":
            v = v.astype(self._data.dtype)
        try:
            self._data[nkey] = v
        except ValueError:
            raise _setitem_shape_error(self, nkey, v) from None
        self._vc.value += 1
        return
    self._sync_view()  # torch indexes first: a stale view fails there, before the in-place check
    _check_inplace(self, True, "setitem")
    value = as_tensor_arg(value, "setitem", self.dtype) if not isinstance(value, Tensor) else value.to(self.dtype)
    try:
        np.broadcast_shapes(value.shape, self._data[nkey].shape)
    except ValueError:
        raise _setitem_shape_error(self, nkey, value) from None
    if self._base is not None:
        _record_inplace(self, lambda snap: IndexPut.apply(snap, value, key=nkey, basic=basic), "setitem")
        return
    old = Tensor._make(self._data, self._grad_fn, self._output_nr)
    old._requires_grad = self._requires_grad
    result = IndexPut.apply(old, value, key=nkey, basic=basic)
    result._grad_fn.node_name = _setitem_node_name(self._data.shape, nkey, value)
    self._vc.value += 1
    _set_grad_fn(self, result._grad_fn, 0)


def _setitem_node_name(shape: tuple, nkey: tuple, value: Tensor) -> str:
    """The node torch records for ``x[key] = value`` on a non-view ``x``.

    Ints, None, bools and partial slices index a view first (CopySlices); otherwise the write is
    ``index_put_`` with tensor indices, else ``fill_`` of a 0-d value or ``copy_`` of a larger one.
    """
    consumed = sum(k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1 for k in nkey
                   if k is not None and k is not Ellipsis and not isinstance(k, bool))  # fmt: skip
    dim, advanced = 0, False
    for k in nkey:
        if k is Ellipsis:
            dim += len(shape) - consumed
        elif k is None or isinstance(k, (bool, int)):
            return "torch::autograd::CopySlices"
        elif isinstance(k, slice):
            if k.indices(shape[dim]) != (0, shape[dim], 1):
                return "torch::autograd::CopySlices"
            dim += 1
        else:
            advanced = True
            dim += k.ndim if k.dtype == np.bool_ else 1
    if advanced:
        return "IndexPutBackward0"
    return "FillBackward3" if value.ndim == 0 else "torch::autograd::CopyBackwards"


class IndexPut(Op):
    """``x[key] = v`` as a graph node: x's gradient is zero at ``key``, v's is the slice."""

    node_name = "torch::autograd::CopySlices"

    def name(self) -> str:
        """torch's node for this write (see ``_setitem_node_name``)."""
        return self.node_name

    def forward(self, x, v, key, basic):
        self.key, self.basic = key, basic
        self.v_shape = v._data.shape
        self.x_shape = x._data.shape
        try:
            x._data[key] = v._data
        except ValueError:
            raise RuntimeError(
                f"setitem: shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to indexing "
                f"result for tensor of shape {list(x.shape)}"
            ) from None
        return x._data

    def backward(self, g):
        nx, nv = self.needs_input_grad
        gx = gv = None
        if nx:
            mask = np.ones(self.x_shape, dtype=g._data.dtype)
            mask[self.key] = 0
            gx = g * Tensor._make(mask)
        if nv:
            gv = S.sum_to_size(S.GetItem.apply(g, key=self.key, basic=self.basic), self.v_shape)
        return gx, gv


Tensor.__setitem__ = _setitem


from .ops import indexing as _I  # noqa: E402

Tensor.gather = lambda self, dim, index, *, sparse_grad=False: _I.gather(self, dim, index, sparse_grad=sparse_grad)
Tensor.index_select = lambda self, dim, index: _I.index_select(self, dim, index)
Tensor.take_along_dim = lambda self, indices, dim=None: _I.take_along_dim(self, indices, dim)
Tensor.masked_fill = lambda self, mask, value: _I.masked_fill(self, mask, value)
Tensor.masked_fill_ = _inplace("masked_fill_", _I.masked_fill)
Tensor.scatter = lambda self, dim, index, src=None, *, value=None, reduce=None: _I.scatter(
    self, dim, index, src, value=value, reduce=reduce
)
Tensor.scatter_add = lambda self, dim, index, src: _I.scatter_add(self, dim, index, src)
Tensor.scatter_ = _inplace(
    "scatter_",
    lambda self, dim, index, src=None, *, value=None, reduce=None: _I.scatter(
        self, dim, index, src, value=value, reduce=reduce
    ),
)
Tensor.scatter_add_ = _inplace("scatter_add_", lambda self, dim, index, src: _I.scatter_add(self, dim, index, src))
Tensor.scatter_reduce = lambda self, dim, index, src, reduce, *, include_self=True: _I.scatter_reduce(
    self, dim, index, src, reduce, include_self=include_self
)
Tensor.scatter_reduce_ = _inplace(
    "scatter_reduce_",
    lambda self, dim, index, src, reduce, *, include_self=True: _I.scatter_reduce(
        self, dim, index, src, reduce, include_self=include_self
    ),
)
Tensor.index_put = lambda self, indices, values, accumulate=False: _I.index_put(self, indices, values, accumulate)
Tensor.index_put_ = _inplace("index_put_", _I.index_put)
Tensor.index_add = lambda self, dim, index, source, *, alpha=1: _I.index_add(self, dim, index, source, alpha=alpha)
Tensor.index_add_ = _inplace(
    "index_add_", lambda self, dim, index, source, *, alpha=1: _I.index_add(self, dim, index, source, alpha=alpha)
)
Tensor.index_copy = lambda self, dim, index, source: _I.index_copy(self, dim, index, source)
Tensor.index_copy_ = _inplace("index_copy_", lambda self, dim, index, source: _I.index_copy(self, dim, index, source))
Tensor.index_fill = lambda self, dim, index, value: _I.index_fill(self, dim, index, value)
Tensor.index_fill_ = _inplace("index_fill_", _I.index_fill)
Tensor.index_reduce = lambda self, dim, index, source, reduce, *, include_self=True: _I.index_reduce(
    self, dim, index, source, reduce, include_self=include_self
)
Tensor.index_reduce_ = _inplace(
    "index_reduce_",
    lambda self, dim, index, source, reduce, *, include_self=True: _I.index_reduce(
        self, dim, index, source, reduce, include_self=include_self
    ),
)
Tensor.take = lambda self, index: _I.take(self, index)
Tensor.masked_select = lambda self, mask: _I.masked_select(self, mask)
Tensor.masked_scatter = lambda self, mask, source: _I.masked_scatter(self, mask, source)
Tensor.masked_scatter_ = _inplace("masked_scatter_", _I.masked_scatter)
Tensor.put = lambda self, index, source, accumulate=False: _I.put(self, index, source, accumulate)
Tensor.put_ = _inplace("put_", _I.put)


Tensor.t = S.t
Tensor.unique = lambda self, sorted=True, return_inverse=False, return_counts=False, dim=None: _I.unique(
    self, sorted, return_inverse, return_counts, dim
)
Tensor.diag = lambda self, diagonal=0: _I.diag(self, diagonal)
Tensor.roll = lambda self, shifts, dims=None: _I.roll(self, shifts, dims)
Tensor.tile = lambda self, *dims: _I.tile(
    self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
)


def _random_fill(name: str, check, draw, aliases: dict | None = None):
    """An in-place random fill: ``check(self, *args, **params)`` raises as PyTorch, ``draw(rng, shape, *args,
    **params)`` samples; ``aliases`` renames PyTorch keywords that are Python keywords (``from`` / ``to``).

    The new values take part in autograd with a zero gradient, as PyTorch's."""

    def compute(self, *args, generator=None, **params):
        if aliases:
            params = {aliases.get(k, k): v for k, v in params.items()}
        check(self, *args, **params)
        values = draw(rng(generator), self.shape, *args, **params)
        return _CR._sampled(np.asarray(values).astype(self._data.dtype), [self])

    return _inplace(name, compute)


def _check_uniform(self, low=0.0, high=1.0):
    _C._require_float(self._data.dtype, "check_uniform_bounds")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    info = np.finfo(self._data.dtype)
    for bound, label in ((low, "from"), (high, "to")):
        if not info.min <= bound <= info.max:
            raise RuntimeError(f"uniform_: {label} is out of bounds for {self.dtype.name}")


def _check_normal(self, mean=0.0, std=1.0):
    _C._require_float(self._data.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def _check_bernoulli(self, p=0.5):
    if isinstance(p, Tensor):
        if not np.all((p._data >= 0) & (p._data <= 1)):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    elif not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")


def _bernoulli_draw(gen, shape, p=0.5):
    return gen.random(shape) < (p._data if isinstance(p, Tensor) else p)


Tensor.uniform_ = _random_fill(
    "uniform_",
    _check_uniform,
    lambda g, shape, low=0.0, high=1.0: g.uniform(low, high, shape),
    aliases={"from": "low", "to": "high"},
)
Tensor.normal_ = _random_fill(
    "normal_", _check_normal, lambda g, shape, mean=0.0, std=1.0: g.standard_normal(shape) * std + mean
)
Tensor.bernoulli_ = _random_fill("bernoulli_", _check_bernoulli, _bernoulli_draw)


def _continuous_only(self, distribution: str) -> None:
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            f"{distribution} distribution is a continuous probability distribution. dtype must be a floating point "
            f"but you specified {_C._scalar_name(self._data.dtype)}"
        )


def _check_exponential(self, lambd=1.0):
    _continuous_only(self, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")


def _check_cauchy(self, median=0.0, sigma=1.0):
    _continuous_only(self, "Cauchy")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")


def _check_log_normal(self, mean=1.0, std=2.0):
    _C._require_float(self._data.dtype, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")


def _check_geometric(self, p):
    if self._data.dtype.kind == "b":
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")


def _random_bounds(self, args: tuple, to) -> tuple:
    """``random_()``, ``random_(to)``, ``random_(from, to)`` -> [low, high): PyTorch's default ranges."""
    if len(args) > 2 or (args and args[0] is None) or (len(args) == 2 and to is not None):
        raise TypeError(
            "random_() received an invalid combination of arguments - expected (), (int to) or (int from, int to)"
        )
    low, high = (0, args[0]) if len(args) == 1 else (args[0], args[1]) if len(args) == 2 else (0, to)
    npdt = self._data.dtype
    if high is None:  # up to the largest value the dtype holds exactly
        high = (
            2 ** (np.finfo(npdt).nmant + 1) if npdt.kind == "f" else 1 if npdt.kind == "b" else int(np.iinfo(npdt).max)
        ) + 1
    low, high = _CR._int_arg(low, "random_", "from", 1), _CR._int_arg(high, "random_", "to", 2)
    if npdt.kind == "f":
        if high <= low:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    else:
        _CR._check_int_bounds(low, high, npdt)
    return low, high


def _random_(self, *args, to=None, generator=None):
    """Fill with integers uniform in [from, to) in place (PyTorch's ``random_`` call forms and defaults)."""
    low, high = _random_bounds(self, args, to)
    return _random_fill("random_", lambda s: None, lambda g, shape: g.integers(low, high, size=shape))(
        self, generator=generator
    )


Tensor.exponential_ = _random_fill(
    "exponential_", _check_exponential, lambda g, shape, lambd=1.0: g.exponential(1.0 / lambd, shape)
)
Tensor.cauchy_ = _random_fill(
    "cauchy_", _check_cauchy, lambda g, shape, median=0.0, sigma=1.0: median + sigma * g.standard_cauchy(shape)
)
Tensor.log_normal_ = _random_fill(
    "log_normal_", _check_log_normal, lambda g, shape, mean=1.0, std=2.0: g.lognormal(mean, std, shape)
)
Tensor.geometric_ = _random_fill("geometric_", _check_geometric, lambda g, shape, p: g.geometric(p, shape))
Tensor.random_ = _random_
Tensor.bernoulli = lambda self, p=None, *, generator=None: _C.bernoulli(self, p, generator=generator)
Tensor.multinomial = lambda self, num_samples, replacement=False, *, generator=None: _C.multinomial(
    self, num_samples, replacement, generator=generator
)
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
# Methods of the newer op families, each bound to Tensor by its own module
from . import _methods_blas, _methods_reduce, _methods_shape  # noqa: E402, F401, I001
