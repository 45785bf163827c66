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
from ._device import check_device
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
from .autograd.function import Op
from .autograd.grad_mode import _state
from .random import rng

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
    check_device(device, op)
    if not isinstance(pin_memory, bool):
        raise TypeError(f"{op}(): argument 'pin_memory' must be bool, not {type(pin_memory).__name__}")
    if pin_memory:
        raise RuntimeError(_PIN_MEMORY_ERROR)


def _allocates(fn):
    """Report numpy's MemoryError as PyTorch's CPU allocator does (a RuntimeError)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MemoryError as err:
            raise RuntimeError(f"{fn.__name__}: DefaultCPUAllocator: can't allocate memory: {err}") from None

    return wrapper


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
    value, *, dtype=None, layout=None, device=None, pin_memory: bool = False, requires_grad: bool = False
) -> Tensor:
    """A 0-dim tensor holding ``value`` (default float dtype)."""
    _check_options("scalar_tensor", layout, device, pin_memory)
    v = value.item() if isinstance(value, Tensor) else value
    npdt = _float_np(dtype)
    return _finish(np.asarray(_checked_fill(v, npdt), dtype=npdt), requires_grad, "scalar_tensor")


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a numpy array or tensor when it can."""
    check_device(device, "as_tensor")
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
    return tensor(data, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)


def new_empty_strided(
    self, size, stride, *, dtype=None, layout=None, device=None, pin_memory: bool = False, requires_grad: bool = False
) -> Tensor:
    """An (zero-filled) tensor with the given strides and this tensor's dtype unless ``dtype`` is given."""
    return empty_strided(
        size,
        stride,
        dtype=dtype if dtype is not None else self.dtype,
        layout=layout,
        device=device,
        pin_memory=pin_memory,
        requires_grad=requires_grad,
    )


# --- random ----------------------------------------------------------------------------------
def _random(name, kernel, draw, size, kw, generator, out, dtype, layout, device, pin_memory, requires_grad):
    _check_options(name, layout, device, pin_memory)
    shape = _size_arg(name, size, _only_size(kw, name))
    npdt = _float_np(_out_dtype(out, dtype, name))
    _require_float(npdt, kernel)
    return _finish(draw(rng(generator), shape).astype(npdt), requires_grad, name, out)


@_allocates
def rand(
    *size,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kw,
) -> Tensor:
    """Uniform samples on [0, 1)."""
    return _random(
        "rand",
        "check_uniform_bounds",
        lambda g, s: g.random(s),
        size,
        kw,
        generator,
        out,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
    )


@_allocates
def randn(
    *size,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kw,
) -> Tensor:
    """Standard normal samples."""
    return _random(
        "randn",
        "normal_kernel_cpu",
        lambda g, s: g.standard_normal(s),
        size,
        kw,
        generator,
        out,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
    )


# PyTorch's C++ names of the integer types, as its random_ bound errors spell them.
_BOUND_NAME = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short",
    "int32": "int",
    "int64": "long",
}


def _check_int_bounds(low: int, high: int, npdt: np.dtype) -> None:
    """PyTorch's ``random_(from, to)`` checks: from < to, both within the dtype."""
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if npdt.kind in "biu":
        lo, hi = (0, 1) if npdt.kind == "b" else (int(np.iinfo(npdt).min), int(np.iinfo(npdt).max))
        name = _BOUND_NAME[npdt.name if npdt.kind != "b" else "bool"]
        if not lo <= low <= hi:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not lo <= high - 1 <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")


def _int_arg(value, op: str, name: str, pos: int) -> int:
    if isinstance(value, Tensor) and value.ndim == 0 and value._data.dtype.kind in "iu":
        return int(value.item())
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be int, not {type(value).__name__}")
    return int(value)


def _randint_args(args: tuple, low, high, size) -> tuple:
    """``randint(high, size)``, ``randint(low, high, size)`` or keywords -> (low, high, size)."""
    given = {"low": low, "high": high, "size": size}
    if size is not None:  # randint(high, size=...), randint(low, high, size=...)
        names = {0: (), 1: ("high",), 2: ("low", "high")}.get(len(args))
    else:
        names = {0: (), 2: ("high", "size"), 3: ("low", "high", "size")}.get(len(args))
    if names is None:
        raise TypeError(
            "randint() received an invalid combination of arguments - expected one of: "
            "(int high, tuple of ints size, *, ...), (int low, int high, tuple of ints size, *, ...)"
        )
    for name, value in zip(names, args):
        if given[name] is not None:
            raise TypeError(f"randint() got multiple values for argument '{name}'")
        given[name] = value
    if given["high"] is None or given["size"] is None:
        raise TypeError("randint() missing required argument 'high' or 'size'")
    if not isinstance(given["size"], (tuple, list)):
        pos = 2 if len(args) < 3 else 3
        raise TypeError(
            f"randint(): argument 'size' (position {pos}) must be tuple of ints, not {type(given['size']).__name__}"
        )
    low = 0 if given["low"] is None else _int_arg(given["low"], "randint", "low", 1)
    return low, _int_arg(given["high"], "randint", "high", 1 if len(args) < 3 else 2), given["size"]


@_allocates
def randint(
    *args,
    low=None,
    high=None,
    size=None,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform integers in [low, high) (``low`` defaults to 0; int64 unless ``dtype`` is given)."""
    _check_options("randint", layout, device, pin_memory)
    low, high, size = _randint_args(args, low, high, size)
    dtype = _out_dtype(out, dtype, "randint")
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    _check_int_bounds(low, high, npdt)
    shape = _size_arg("randint", (size,), None)
    return _finish(rng(generator).integers(low, high, size=shape).astype(npdt), requires_grad, "randint", out)


def _like_random(name, x, draw, kernel, generator, dtype, layout, device, pin_memory, requires_grad, memory_format):
    _check_tensor_arg(x, name)
    _check_options(name, layout, device, pin_memory)
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else x._data.dtype
    if kernel is not None:
        _require_float(npdt, kernel)
    data = alloc_like(x._data, npdt, dt.check_memory_format(memory_format, name))
    data[...] = draw(rng(generator), data.shape)
    return _finish(data, requires_grad, name)


def rand_like(
    input: Tensor,  # noqa: A002
    *,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """Uniform samples on [0, 1) with ``input``'s shape and dtype."""
    return _like_random(
        "rand_like",
        input,
        lambda g, s: g.random(s),
        "check_uniform_bounds",
        generator,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
        memory_format,
    )


def randn_like(
    input: Tensor,  # noqa: A002
    *,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """Standard normal samples with ``input``'s shape and dtype."""
    return _like_random(
        "randn_like",
        input,
        lambda g, s: g.standard_normal(s),
        "normal_kernel_cpu",
        generator,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
        memory_format,
    )


def randint_like(
    input: Tensor,  # noqa: A002
    low=None,
    high=None,
    *,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """Uniform integers in [low, high) with ``input``'s shape and dtype (``randint_like(x, high)``)."""
    if high is None:
        if low is None:
            raise TypeError("randint_like() missing required argument 'high'")
        low, high = 0, low
    low = 0 if low is None else _int_arg(low, "randint_like", "low", 2)
    high = _int_arg(high, "randint_like", "high", 3)
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else input._data.dtype
    _check_int_bounds(low, high, npdt)
    return _like_random(
        "randint_like",
        input,
        lambda g, s: g.integers(low, high, size=s),
        None,
        generator,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
        memory_format,
    )


@_allocates
def randperm(
    n: int,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless ``dtype`` is given)."""
    _check_options("randperm", layout, device, pin_memory)
    n = _int_arg(n, "randperm", "n", 1)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype = _out_dtype(out, dtype, "randperm")
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    if npdt.kind in "iu" and n > 0 and n - 1 > np.iinfo(npdt).max:
        raise RuntimeError(f"value cannot be converted to type {_C_NAME[npdt.name]} without overflow")
    return _finish(rng(generator).permutation(n).astype(npdt), requires_grad, "randperm", out)


class _Sampled(Op):
    """Random draws whose distribution depends on the inputs: their gradient is zero (as PyTorch's)."""

    torch_name = "NormalBackward3"

    def forward(self, *inputs, values):
        self.metas = [(t._data.shape, t.dtype) for t in inputs]
        return values

    def backward(self, g):
        grads = tuple(g.new_zeros(shape, dtype=dtype) for shape, dtype in self.metas)
        return grads if len(grads) > 1 else grads[0]


class _BernoulliSampled(_Sampled):
    torch_name = "BernoulliBackward0"


def _sampled(values: np.ndarray, inputs: list, op=_Sampled) -> Tensor:
    """A tensor of ``values`` that takes part in the graph of the tensor ``inputs`` with zero gradient."""
    tensors = [t for t in inputs if isinstance(t, Tensor) and t._requires_grad]
    if not tensors or not _state.enabled:
        return Tensor._make(values)
    return op.apply(*tensors, values=values)


def _check_std(std) -> None:
    if isinstance(std, Tensor):
        if np.any(std._data < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


@_allocates
def normal(
    mean=0.0,
    std=1.0,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples: ``normal(mean, std)`` with tensor mean and/or std, or ``normal(mean, std, size)``."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got (float, float), but expected one of: "
                "(Tensor mean, Tensor std), (Tensor mean, float std), (float mean, Tensor std), "
                "(float mean, float std, tuple of ints size)"
            )
        _check_options("normal", layout, device, pin_memory)
        _check_std(std)
        shape = _size_arg("normal", (size,), None)
        npdt = _float_np(_out_dtype(out, dtype, "normal"))
        _require_float(npdt, "normal_kernel_cpu")
        values = (rng(generator).standard_normal(shape) * std + mean).astype(npdt)
        return _finish(values, requires_grad, "normal", out)
    if size is not None or dtype is not None or requires_grad or layout is not None or device is not None:
        raise TypeError("normal(): size, dtype, layout, device and requires_grad go only with a float mean and std")
    npdt = tensors[0]._data.dtype  # the mean's dtype when it is a tensor, else the std's (PyTorch's rule)
    _require_float(npdt, "normal_kernel_cpu")
    _check_std(std)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    except ValueError:
        a, b = np.shape(m), np.shape(s)
        raise RuntimeError(
            f"normal: The size of tensor a {list(a)} must match the size of tensor b {list(b)}"
        ) from None
    values = (rng(generator).standard_normal(shape) * s + m).astype(npdt)
    if out is not None:
        return _into_out(out, values, "normal")
    return _sampled(values, tensors)


def _check_probability(p: np.ndarray) -> None:
    if not np.all((p >= 0) & (p <= 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (or ``p`` for every element) elementwise, else 0 (``input``'s dtype)."""
    _check_tensor_arg(input, "bernoulli")
    if p is not None and out is not None:
        raise TypeError("bernoulli(): out= is not accepted together with a float p")
    npdt = input._data.dtype
    if p is None:
        _require_float(npdt, "bernoulli_tensor_cpu_p_")
        _check_probability(input._data)
        prob = input._data
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        prob = p
    values = (rng(generator).random(input.shape) < prob).astype(npdt)
    if out is not None:
        return _into_out(out, values, "bernoulli")
    return _sampled(values, [input], _BernoulliSampled)


_MAX_CATEGORIES = 2**24


def _check_multinomial(probs: Tensor, num_samples: int, replacement: bool) -> None:
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs._data.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {_scalar_name(probs._data.dtype)}"
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = probs.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n > _MAX_CATEGORIES:
        raise RuntimeError(f"number of categories cannot exceed 2^24, got {n}")


def _draw_categories(p: np.ndarray, num_samples: int, replacement: bool, gen) -> np.ndarray:
    """Category indices per row of ``p`` (rows x categories, valid probabilities)."""
    rows, n = p.shape
    if replacement:
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        offsets = np.arange(rows, dtype=np.float64)[:, None]
        u = gen.random((rows, num_samples)) + offsets
        idx = np.searchsorted((cdf + offsets).ravel(), u.ravel(), side="right").reshape(rows, num_samples)
        return np.minimum(idx - offsets.astype(np.int64) * n, n - 1)
    # without replacement: the top ``num_samples`` of p / Exp(1) (PyTorch's method); zero
    # probabilities come last, lowest index first
    keys = p / gen.exponential(size=p.shape)
    return np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]


@_allocates
def multinomial(
    input: Tensor,  # noqa: A002
    num_samples: int,
    replacement: bool = False,
    *,
    generator=None,
    out=None,
) -> Tensor:
    """Sample category indices in proportion to ``input`` (each row of a 2-D input independently)."""
    _check_tensor_arg(input, "multinomial")
    num_samples = _int_arg(num_samples, "multinomial", "num_samples", 2)
    _check_multinomial(input, num_samples, replacement)
    if out is not None and (not isinstance(out, Tensor) or out._data.dtype != np.int64):
        got = _scalar_name(out._data.dtype) if isinstance(out, Tensor) else type(out).__name__
        raise RuntimeError(f"multinomial expects Long tensor out, got: {got}")
    p = input._data.astype(np.float64).reshape(-1, input.shape[-1])
    if not np.all(np.isfinite(p) & (p >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if p.size and np.any(p.sum(axis=1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if p.shape[0] == 0:
        idx = np.zeros((0, num_samples), dtype=np.int64)
    else:
        idx = _draw_categories(p, num_samples, replacement, rng(generator)).astype(np.int64)
    result = idx.reshape(input.shape[:-1] + (num_samples,))
    return _finish(result, False, "multinomial", out)


# --- ranges ----------------------------------------------------------------------------------
def _number(value, op: str, name: str):
    """A Python number from a number or a one-element tensor."""
    if isinstance(value, Tensor):
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    if not isinstance(value, (int, float)):
        raise TypeError(f"{op}(): argument '{name}' must be Number, not {type(value).__name__}")
    return value


def _arange_values(start, end, step, npdt: np.dtype) -> np.ndarray:
    """PyTorch's CPU arange: bounds and step cast to the accumulation type (int64 for integer
    results); the length from those for int64, from the values as given for the other types."""
    integral = npdt.kind in "iu"
    first, last, stride = (int(start), int(end), int(step)) if integral else (start, end, float(step))
    if stride == 0:
        raise ValueError("arange: step must be nonzero")
    if (last - first) * stride < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    if npdt == np.int64:
        sign = 1 if stride > 0 else -1
        length = abs(last - first + stride - sign) // abs(stride)
    else:
        length = math.ceil((end - start) / step)
    if length >= 2**63:
        raise RuntimeError("arange: invalid size, possible overflow?")
    return (first + np.arange(max(length, 0)) * stride).astype(npdt)


@_allocates
def arange(
    start=None,
    end=None,
    step=1,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a float is given."""
    _check_options("arange", layout, device, pin_memory)
    if start is None and end is None:
        raise TypeError("arange() missing 1 required positional argument: 'end'")
    if end is None:
        start, end = 0, start
    elif start is None:
        start = 0
    start, end, step = (_number(v, "arange", n) for v, n in ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end}")
    dtype = _out_dtype(out, dtype, "arange")
    if dtype is None:
        ints = all(isinstance(v, int) for v in (start, end, step))
        npdt = np.dtype(np.int64) if ints else _float_np(None)
    else:
        npdt = dt.to_numpy_dtype(dtype)
    if npdt.kind == "b":
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    return _finish(_arange_values(start, end, step, npdt), requires_grad, "arange", out)


def _range_endpoint(value, op: str, name: str):
    if isinstance(value, Tensor) and value.ndim != 0:
        return None
    return _number(value, op, name)


def _check_steps(steps, op: str) -> int:
    if isinstance(steps, Tensor) and steps.ndim == 0 and steps._data.dtype.kind in "iu":
        steps = int(steps.item())
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(
            f"{op}() received an invalid combination of arguments - got steps of type {type(steps).__name__}, "
            "but expected one of: (Number start, Number end, int steps, ...)"
        )
    if steps < 0:
        raise RuntimeError(f"{op}: number of steps must be non-negative")
    return int(steps)


def _range_args(op: str, start, end, steps, out, dtype):
    """Checked (start, end, steps, result dtype) of linspace / logspace."""
    s, e = _range_endpoint(start, op, "start"), _range_endpoint(end, op, "end")
    if s is None or e is None:
        dims = [f"{n} with {v.ndim} dimension(s)" for n, v in (("start", start), ("end", end)) if isinstance(v, Tensor)]
        raise RuntimeError(f"{op} only supports 0-dimensional start and end tensors, but got {' and '.join(dims)}.")
    steps = _check_steps(steps, op)
    npdt = _float_np(_out_dtype(out, dtype, op))
    if npdt.kind == "b":
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for 'Bool'")
    if npdt.kind in "iu":
        s, e = int(s), int(e)
    return s, e, steps, npdt


def _symmetric_linspace(start, end, steps: int, npdt: np.dtype) -> np.ndarray:
    """PyTorch's linspace kernel: the first half counts up from ``start``, the second down from ``end``."""
    work = npdt if npdt.kind == "f" else np.dtype(np.float64)
    if steps == 1:
        return np.full(1, start, dtype=work)
    idx = np.arange(steps, dtype=work)
    step = (work.type(end) - work.type(start)) / work.type(max(steps - 1, 1))
    return np.where(idx < steps // 2, start + step * idx, end - step * (steps - 1 - idx)).astype(work)


@_allocates
def linspace(
    start,
    end,
    steps: int,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_options("linspace", layout, device, pin_memory)
    s, e, steps, npdt = _range_args("linspace", start, end, steps, out, dtype)
    values = _symmetric_linspace(s, e, steps, npdt)
    return _finish(values.astype(npdt), requires_grad, "linspace", out)


@_allocates
def logspace(
    start,
    end,
    steps: int,
    base: float = 10.0,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    _check_options("logspace", layout, device, pin_memory)
    s, e, steps, npdt = _range_args("logspace", start, end, steps, out, dtype)
    exponents = _symmetric_linspace(s, e, steps, np.dtype(np.float64))
    with np.errstate(over="ignore", invalid="ignore"):  # out-of-range integer results wrap as in PyTorch
        values = np.power(float(_number(base, "logspace", "base")), exponents).astype(npdt)
    return _finish(values, requires_grad, "logspace", out)


@_allocates
def eye(
    n: int,
    m: int | None = None,
    *,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The identity matrix (n x m)."""
    _check_options("eye", layout, device, pin_memory)
    n = _int_arg(n, "eye", "n", 1)
    if n < 0:
        raise RuntimeError(f"eye: n must be greater or equal to 0, got {n}")
    m = n if m is None else _int_arg(m, "eye", "m", 2)
    if m < 0:
        raise RuntimeError(f"eye: m must be greater or equal to 0, got {m}")
    npdt = _float_np(_out_dtype(out, dtype, "eye"))
    return _finish(np.eye(n, m, dtype=npdt), requires_grad, "eye", out)


# --- triangles -------------------------------------------------------------------------------
class Tril(Op):
    """Lower triangle of the last two dims; the gradient is the same triangle of the incoming one."""

    keep = staticmethod(np.tril)

    def forward(self, x, diagonal):
        self.diagonal = diagonal
        a = x._data
        return np.where(self.keep(np.ones(a.shape[-2:], dtype=bool), diagonal), a, a.dtype.type(0))

    def backward(self, g):
        return type(self).apply(g, diagonal=self.diagonal)


class Triu(Tril):
    """Upper triangle of the last two dims."""

    keep = staticmethod(np.triu)


def _triangle(name: str, x: Tensor, diagonal: int, keep, out) -> Tensor:
    _check_tensor_arg(x, name)
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    diagonal = _int_arg(diagonal, name, "diagonal", 2)
    result = (Tril if keep is np.tril else Triu).apply(x, diagonal=diagonal)
    if out is not None:
        return _into_out(out, result._data, name)
    return result


def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:  # noqa: A002
    """Lower triangle of the last two dims (the rest zeroed); differentiable."""
    return _triangle("tril", input, diagonal, np.tril, out)


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:  # noqa: A002
    """Upper triangle of the last two dims (the rest zeroed); differentiable."""
    return _triangle("triu", input, diagonal, np.triu, out)


@_allocates
def _triangle_indices(name: str, row, col, offset, lower, dtype, layout, device, pin_memory, requires_grad):
    _check_options(name, layout, device, pin_memory)
    row, col = _int_arg(row, name, "row", 1), _int_arg(col, name, "col", 2)
    offset = _int_arg(offset, name, "offset", 3)
    for label, value in (("row", row), ("col", col)):
        if value < 0:
            raise RuntimeError(f"{label} must be non-negative, got{value}")
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    if npdt not in (np.int32, np.int64):
        raise NotImplementedError(f"\"{name}\" not implemented for '{_scalar_name(npdt)}'")
    rows, cols = _triangle_coordinates(row, col, offset, lower)
    return _finish(np.stack([rows, cols]).astype(npdt), requires_grad, name)


def _triangle_coordinates(row: int, col: int, offset: int, lower: bool) -> tuple:
    """Row-major coordinates of a triangle, computed per row (the full matrix may be huge)."""
    if lower:
        first, stop = max(0, -offset), row if col else 0
    else:
        first, stop = 0, min(row, max(0, col - offset))
    i = np.arange(first, max(first, stop))
    low = np.zeros_like(i) if lower else np.maximum(i + offset, 0)
    high = np.minimum(i + offset + 1, col) if lower else np.full_like(i, col)
    counts = np.maximum(high - low, 0)
    starts = np.cumsum(counts) - counts
    rows = np.repeat(i, counts)
    cols = np.arange(counts.sum()) - np.repeat(starts - low, counts)
    return rows, cols


def tril_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a ``row`` x ``col`` matrix (diagonal ``offset``)."""
    return _triangle_indices("tril_indices", row, col, offset, True, dtype, layout, device, pin_memory, requires_grad)


def triu_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a ``row`` x ``col`` matrix (diagonal ``offset``)."""
    return _triangle_indices("triu_indices", row, col, offset, False, dtype, layout, device, pin_memory, requires_grad)


def zero_(input: Tensor) -> Tensor:  # noqa: A002
    """Fill ``input`` with zeros in place and return it."""
    _check_tensor_arg(input, "zero_")
    return input.zero_()
