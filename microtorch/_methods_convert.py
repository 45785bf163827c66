"""dtype, device and memory-format conversions: ``to``, ``type``, ``float()`` and the other casts, ``contiguous``, ``cpu``."""

from __future__ import annotations

from . import _dtype as dt
from ._device import check_device, device
from ._tensor import Tensor, check_format_rank, copy_as, is_contiguous_as, suggest_memory_format
from .autograd.function import _TYPE_NAMES, Op
from .autograd.grad_mode import _state
from .ops import shape as S


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
