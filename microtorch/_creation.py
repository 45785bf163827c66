"""Tensor factories: ``tensor``, ``zeros``, ``arange``, ``rand``, ... (PyTorch's signatures).

Every factory takes PyTorch's ``dtype`` / ``layout`` (strided only) / ``device`` (CPU only) /
``pin_memory`` / ``requires_grad`` keywords, and ``out=`` where PyTorch has it.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from . import _dtype as dt
from ._device import check_factory_device
from ._tensor import (
    Tensor,
    UninferableDtype,
    _check_shape_args,
    _contiguous_strides,
    _data_of,
    alloc_like,
    cast,
    check_format_rank,
    empty_strided_array,
)
from .autograd.grad_mode import _state

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "empty_strided",
    "empty_permuted",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "rand",
    "randn",
    "randint",
    "rand_like",
    "randn_like",
    "randint_like",
    "randperm",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "normal",
    "bernoulli",
    "multinomial",
    "scalar_tensor",
    "tril",
    "triu",
    "tril_indices",
    "triu_indices",
    "zero_",
]

# PyTorch's scalar-type names, as its error messages spell them.
_SCALAR_NAME = {
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
    "int8": "Char",
    "uint8": "Byte",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "bool": "Bool",
}
_C_NAME = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t"}
_PIN_MEMORY_ERROR = "pin_memory=True requires a CUDA or other accelerator backend; no pinned memory allocator is available on this system."


def _scalar_name(npdt: np.dtype) -> str:
    return _SCALAR_NAME[npdt.name if npdt != np.bool_ else "bool"]


def _check_options(op: str, layout=None, device=None, pin_memory: bool = False) -> None:
    """The keywords every factory shares: only strided CPU tensors exist here."""
    dt.check_layout(layout, op)
    check_factory_device(device, op)
    if not isinstance(pin_memory, bool):
        raise TypeError(f"{op}(): argument 'pin_memory' must be bool, not {type(pin_memory).__name__}")
    if pin_memory:
        raise RuntimeError(_PIN_MEMORY_ERROR)


def _allocates(fn):
    """Report numpy's MemoryError, and its error for a byte count past int64, as PyTorch does (RuntimeError)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MemoryError as err:
            raise RuntimeError(f"{fn.__name__}: DefaultCPUAllocator: can't allocate memory: {err}") from None
        except ValueError as err:
            if not str(err).startswith(("array is too big", "Maximum allowed")):
                raise
            sizes = _requested_sizes(args, kwargs.get("size"))
            raise RuntimeError(f"{fn.__name__}: Storage size calculation overflowed with sizes={sizes}") from None

    return wrapper


def _requested_sizes(args: tuple, size) -> list | str:
    """The sizes a factory was asked for, for an error message (``'?'`` when they are not plain sizes)."""
    if size is None and args and isinstance(args[0], (tuple, list)):
        size = args[0]
    elif size is None:
        size = [a for a in args if isinstance(a, int)]
    return [int(n) for n in size] if isinstance(size, (tuple, list)) else "?"


def _out_dtype(out, dtype, op: str):
    """The dtype of a factory's result: ``dtype``, else ``out``'s, else None (the op's default)."""
    if out is None:
        return dtype
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if dtype is None:
        return out.dtype
    want = dt.to_numpy_dtype(dtype)
    if want != out._data.dtype:
        raise RuntimeError(
            f"{op}: dtype {_scalar_name(want)} does not match dtype of out parameter ({_scalar_name(out._data.dtype)})"
        )
    return dtype


def _into_out(out: Tensor, data: np.ndarray, op: str) -> Tensor:
    """Write a factory's result into ``out`` (resized when its shape differs), as PyTorch's ``out=``."""
    if _state.enabled and out._requires_grad:
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    if not out._data.flags.writeable:
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )
    if out._data.shape == data.shape:
        np.copyto(out._data, data, casting="unsafe")
        out._vc.value += 1
        return out
    if out._data.size:
        warnings.warn(
            f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does not "
            f"match the required output shape {list(data.shape)}. This behavior is deprecated, and in a future "
            "PyTorch release outputs will not be resized unless they have zero elements. You can explicitly reuse "
            "an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
            UserWarning,
            stacklevel=3,
        )
    out._data = data.astype(out._data.dtype)
    out._vc.value += 1
    return out


def _finish(data: np.ndarray, requires_grad: bool, op: str = "tensor", out=None) -> Tensor:
    if requires_grad is not False and requires_grad is not True:
        raise TypeError(f"{op}(): argument 'requires_grad' must be bool, not {type(requires_grad).__name__}")
    if out is not None:
        return _into_out(out, data, op)
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_np(dtype) -> np.dtype:
    return dt.to_numpy_dtype(dtype) if dtype is not None else dt.get_default_dtype().np


def _require_float(npdt: np.dtype, kernel: str) -> None:
    """PyTorch's dispatch error for a floating-point-only kernel asked for another dtype."""
    if npdt.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_scalar_name(npdt)}'")


def _check_tensor_arg(x, op: str, name: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position 1) must be Tensor, not {type(x).__name__}")


# --- from data ------------------------------------------------------------------------------
def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor copying ``data`` (nested lists, numbers, arrays or tensors)."""
    _check_options("tensor", None, device, pin_memory)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        arr = cast(data._data, dt.to_numpy_dtype(dtype) if dtype is not None else data._data.dtype)
    else:
        arr = _converted(data, dtype)
        if arr is data or (isinstance(data, np.ndarray) and np.may_share_memory(arr, data)):
            arr = arr.copy()
    return _finish(arr, requires_grad)


def _converted(data, dtype) -> np.ndarray:
    """``data`` as an array by ``tensor()``'s rules (numpy scalars keep their dtype; PyTorch's errors)."""
    try:
        return _data_of(data, dtype, keep_numpy_scalars=True)
    except UninferableDtype as err:
        if dtype is not None:  # PyTorch converts each element to the dtype: a TypeError for None
            raise TypeError(f"tensor(): {err}: must be a real number") from None
        raise RuntimeError(str(err)) from None


def scalar_tensor(
    s, *, dtype=None, layout=None, device=None, pin_memory: bool = False, requires_grad: bool = False
) -> Tensor:
    """A 0-dim tensor holding ``value`` (default float dtype)."""
    _check_options("scalar_tensor", layout, device, pin_memory)
    v = s.item() if isinstance(s, Tensor) else s
    npdt = _float_np(dtype)
    return _finish(np.asarray(_checked_fill(v, npdt), dtype=npdt), requires_grad, "scalar_tensor")


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array or tensor when it can."""
    check_factory_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dt.to_dtype(dtype) else data.to(dtype)
    if isinstance(data, np.ndarray):
        return _finish(_converted(data, dtype), False)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (writes to either show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    if array.dtype not in dt._FROM_NP:  # converting would silently break the memory sharing
        dt.from_numpy_dtype(array.dtype)  # raises TypeError naming the dtype
    return Tensor._make(array)


# --- filled with a constant ------------------------------------------------------------------
def _size_arg(name: str, args: tuple, size) -> tuple:
    """Sizes given positionally (``zeros(2, 3)``, ``zeros((2, 3))``) or as ``size=``, checked."""
    if size is not None:
        if args:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        args = (size,)
    elif not args:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    shape = _check_shape_args(name, args)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{name}: Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    return shape


def _constant(name, value, args, size, out, dtype, layout, device, pin_memory, requires_grad) -> Tensor:
    _check_options(name, layout, device, pin_memory)
    shape = _size_arg(name, args, size)
    npdt = _float_np(_out_dtype(out, dtype, name))
    data = np.zeros(shape, dtype=npdt) if value == 0 else np.ones(shape, dtype=npdt)
    return _finish(data, requires_grad, name, out)


@_allocates
def zeros(
    *size,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kw,
) -> Tensor:
    """A tensor of zeros of the given shape."""
    return _constant("zeros", 0, size, _only_size(kw, "zeros"), out, dtype, layout, device, pin_memory, requires_grad)


@_allocates
def ones(
    *size,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kw,
) -> Tensor:
    """A tensor of ones of the given shape."""
    return _constant("ones", 1, size, _only_size(kw, "ones"), out, dtype, layout, device, pin_memory, requires_grad)


def _only_size(kw: dict, name: str):
    """The ``size=`` keyword (PyTorch's size is positional-or-keyword); any other keyword is an error."""
    extra = set(kw) - {"size"}
    if extra:
        raise TypeError(f"{name}() got an unexpected keyword argument '{sorted(extra)[0]}'")
    return kw.get("size")


@_allocates
def empty(
    *size,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
    **kw,
) -> Tensor:
    """An uninitialised tensor (zero-filled here, for reproducibility) in ``memory_format``."""
    name = "empty"
    _check_options(name, layout, device, pin_memory)
    shape = _size_arg(name, size, _only_size(kw, name))
    fmt = dt.check_memory_format(memory_format if memory_format is not None else dt.contiguous_format, name)
    if fmt is dt.preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    npdt = _float_np(_out_dtype(out, dtype, name))
    check_format_rank(fmt, len(shape))
    data = np.zeros(shape, npdt)
    if fmt is not dt.contiguous_format:
        data = alloc_like(data, npdt, fmt)
    return _finish(data, requires_grad, name, out)


@_allocates
def empty_strided(
    size, stride, *, dtype=None, layout=None, device=None, pin_memory: bool = False, requires_grad: bool = False
) -> Tensor:
    """An uninitialised (zero-filled) tensor with the given element strides."""
    _check_options("empty_strided", layout, device, pin_memory)
    shape = _check_shape_args("empty_strided", (size,))
    strides = _check_shape_args("empty_strided", (stride,))
    if len(shape) != len(strides):
        raise RuntimeError(
            f"empty_strided: mismatch in length of strides and shape: {len(strides)} strides for {len(shape)} dims"
        )
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    if any(s < 0 for s in strides):
        raise RuntimeError(f"empty_strided: strides must be non-negative, got {list(strides)}")
    return _finish(empty_strided_array(shape, strides, _float_np(dtype)), requires_grad)


@_allocates
def empty_permuted(
    size,
    physical_layout,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised (zero-filled) tensor of ``size`` whose dims lie in memory in ``physical_layout`` order."""
    _check_options("empty_permuted", layout, device, pin_memory)
    shape = _size_arg("empty_permuted", (size,), None)
    order = _check_shape_args("empty_permuted", (physical_layout,))
    if len(order) != len(shape):
        raise RuntimeError(
            "Number of dimensions in size does not match the length of the physical_layout; i.e. "
            f"len(size) = {len(shape)} is not equal to len(physical_layout) = {len(order)}"
        )
    for i, d in enumerate(order):
        if not 0 <= d < len(shape):
            raise RuntimeError(
                f"Dimension out of range (expected to be between 0 and {len(shape) - 1}, but got {d} at index {i}).  "
                "NB: negative dims not currently supported; file an issue if you want it."
            )
    if len(set(order)) != len(order):
        raise RuntimeError("Duplicate dim not allowed")
    physical = _contiguous_strides(tuple(shape[d] for d in order))
    strides = [0] * len(shape)
    for i, d in enumerate(order):
        strides[d] = physical[i]
    return _finish(empty_strided_array(shape, tuple(strides), _float_np(dtype)), requires_grad, "empty_permuted")


def _fill_value(value, op: str):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise TypeError(f"{op}(): argument 'fill_value' (position 2) must be Number, not Tensor")
        return value.item()
    if not isinstance(value, (bool, int, float, np.number, np.bool_)):
        raise TypeError(f"{op}(): argument 'fill_value' (position 2) must be Number, not {type(value).__name__}")
    return value


def _checked_fill(value, npdt: np.dtype):
    """``value`` ready for a tensor of ``npdt``; out-of-range integers raise as PyTorch (floats truncate)."""
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise OverflowError("int too big to convert")
    if npdt.kind not in "iu" or isinstance(value, (bool, np.bool_)):
        return value
    info = np.iinfo(npdt)
    if isinstance(value, (float, np.floating)):
        ok = math.isfinite(value) and info.min <= value <= info.max
    else:  # PyTorch lets a negative integer wrap into an unsigned type down to -max
        ok = (-int(info.max) if npdt.kind == "u" else int(info.min)) <= value <= info.max
    if not ok:
        raise RuntimeError(f"value cannot be converted to type {_C_NAME[npdt.name]} without overflow")
    return np.asarray(value).astype(npdt)[()]


def _inferred_dtype(value):
    if isinstance(value, (bool, np.bool_)):
        return dt.bool_
    if isinstance(value, (int, np.integer)):
        return dt.int64
    return None


@_allocates
def full(
    size,
    fill_value,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ``fill_value``; its dtype is inferred from the value when not given."""
    _check_options("full", layout, device, pin_memory)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    shape = _size_arg("full", (size,), None)
    value = _fill_value(fill_value, "full")
    dtype = _out_dtype(out, dtype, "full")
    npdt = _float_np(dtype if dtype is not None else _inferred_dtype(value))
    return _finish(np.full(shape, _checked_fill(value, npdt), dtype=npdt), requires_grad, "full", out)


# --- shaped like another tensor --------------------------------------------------------------
def _like(name, x, fill, dtype, layout, device, pin_memory, requires_grad, memory_format) -> Tensor:
    _check_tensor_arg(x, name)
    _check_options(name, layout, device, pin_memory)
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else x._data.dtype
    data = alloc_like(x._data, npdt, dt.check_memory_format(memory_format, name))
    if fill is not None:
        data[...] = _checked_fill(fill, npdt)
    return _finish(data, requires_grad, name)


def zeros_like(
    input: Tensor,  # noqa: A002 - PyTorch's name
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """Zeros with ``input``'s shape, dtype and (by default) layout."""
    return _like("zeros_like", input, None, dtype, layout, device, pin_memory, requires_grad, memory_format)


def ones_like(
    input: Tensor,  # noqa: A002
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """Ones with ``input``'s shape, dtype and (by default) layout."""
    return _like("ones_like", input, 1, dtype, layout, device, pin_memory, requires_grad, memory_format)


def empty_like(
    input: Tensor,  # noqa: A002
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """An (zero-filled) tensor with ``input``'s shape, dtype and (by default) layout."""
    return _like("empty_like", input, None, dtype, layout, device, pin_memory, requires_grad, memory_format)


def full_like(
    input: Tensor,  # noqa: A002
    fill_value,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """``fill_value`` with ``input``'s shape, dtype and (by default) layout."""
    value = _fill_value(fill_value, "full_like")
    return _like("full_like", input, value, dtype, layout, device, pin_memory, requires_grad, memory_format)


def new_factory(name: str, fill):
    """``Tensor.new_zeros`` & co.: a tensor of ``size`` with ``self``'s dtype unless ``dtype`` is given."""

    def factory(
        self,
        *size,
        dtype=None,
        layout=None,
        device=None,
        pin_memory: bool = False,
        requires_grad: bool = False,
        **kw,
    ) -> Tensor:
        _check_options(name, layout, device, pin_memory)
        shape = _size_arg(name, size, _only_size(kw, name))
        npdt = dt.to_numpy_dtype(dtype) if dtype is not None else self._data.dtype
        return _finish(np.full(shape, fill, dtype=npdt), requires_grad, name)

    factory.__name__ = name
    factory.__doc__ = f"A tensor of {fill}s of ``size`` with this tensor's dtype (unless ``dtype`` is given)."
    return factory


def new_full(
    self,
    size,
    fill_value,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ``fill_value`` of ``size`` with this tensor's dtype (unless ``dtype`` is given)."""
    _check_options("new_full", layout, device, pin_memory)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    shape = _size_arg("new_full", (size,), None)
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else self._data.dtype
    value = _checked_fill(_fill_value(fill_value, "new_full"), npdt)
    return _finish(np.full(shape, value, dtype=npdt), requires_grad, "new_full")


def new_tensor(
    self, data, *, dtype=None, layout=None, device=None, pin_memory: bool = False, requires_grad: bool = False
) -> Tensor:
    """A new tensor copying ``data``, with this tensor's dtype unless ``dtype`` is given."""
    _check_options("new_tensor", layout, device, pin_memory)
    dtype = dtype if dtype is not None else self.dtype
    return tensor(data, dtype=dtype, device=self.device, requires_grad=requires_grad)  # not the default device


def new_empty_strided(
    self, size, stride, *, dtype=None, layout=None, device=None, pin_memory: bool = False, requires_grad: bool = False
) -> Tensor:
    """An (zero-filled) tensor with the given strides and this tensor's dtype unless ``dtype`` is given."""
    return empty_strided(
        size,
        stride,
        dtype=dtype if dtype is not None else self.dtype,
        layout=layout,
        device=device if device is not None else self.device,
        pin_memory=pin_memory,
        requires_grad=requires_grad,
    )


def zero_(input: Tensor) -> Tensor:  # noqa: A002
    """Fill ``input`` with zeros in place and return it."""
    _check_tensor_arg(input, "zero_")
    return input.zero_()


# the random and range factories live in their own modules; their names stay importable from here
from ._creation_random import (  # noqa: E402
    bernoulli,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from ._creation_ranges import arange, eye, linspace, logspace, tril, tril_indices, triu, triu_indices  # noqa: E402
