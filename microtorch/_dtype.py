"""PyTorch-style dtype objects and PyTorch's type-promotion rule."""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype",
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "int8",
    "uint8",
    "int16",
    "int32",
    "int64",
    "bool_",
    "half",
    "float",
    "double",
    "short",
    "int",
    "long",
    "get_default_dtype",
    "set_default_dtype",
    "to_numpy_dtype",
    "from_numpy_dtype",
    "result_type",
    "promote_types",
    "memory_format",
    "preserve_format",
    "contiguous_format",
    "channels_last",
    "channels_last_3d",
    "layout",
    "strided",
]


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, printed and compared as PyTorch's (``torch.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_dtype: type | None, category: int, itemsize: int = 0) -> None:
        self.name = name
        self.np = np.dtype(np_dtype) if np_dtype is not None else None
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or (self.np is not None and self.np.kind == "i")
        self.itemsize = self.np.itemsize if self.np is not None else itemsize
        self._category = category

    @property
    def is_complex(self) -> bool:
        """Whether the dtype is complex (never, in microtorch)."""
        return False

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
int8 = dtype("int8", np.int8, 1)
uint8 = dtype("uint8", np.uint8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bool_ = dtype("bool", np.bool_, 0)
# numpy has no bfloat16 element type, so tensors of it cannot exist here: the dtype object
# exists (it compares, prints and promotes as torch's), but asking for storage raises.
bfloat16 = dtype("bfloat16", None, 2, itemsize=2)
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

_ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool_)
_FROM_NP = {d.np: d for d in _ALL}
_NAMES = {d.name: d for d in (*_ALL, bfloat16)}


class memory_format:  # noqa: N801 - PyTorch's name
    """How a tensor's elements are laid out in memory (``torch.channels_last``, ...)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name  # pickled as the module-level singleton of that name


preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


class layout:  # noqa: N801 - PyTorch's name
    """A tensor storage layout; microtorch has only ``torch.strided`` (dense arrays)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name  # pickled as the module-level singleton of that name


strided = layout("strided")


def check_layout(value, op: str) -> None:
    """Accept ``layout=None`` / ``torch.strided``; raise for anything else (no sparse tensors here)."""
    if value is None or value is strided:
        return
    if isinstance(value, layout):
        raise NotImplementedError(f"{op}: layout {value} is not supported by microtorch (only torch.strided)")
    raise TypeError(f"{op}(): argument 'layout' must be torch.layout, not {type(value).__name__}")


def check_memory_format(value, op: str) -> memory_format:
    """``value`` as a memory format (None meaning ``preserve_format``); TypeError for anything else."""
    if value is None:
        return preserve_format
    if not isinstance(value, memory_format):
        raise TypeError(f"{op}(): argument 'memory_format' must be torch.memory_format, not {type(value).__name__}")
    return value


def _by_name(name: str) -> dtype:
    return _NAMES[name]


_default = [float32]


def get_default_dtype() -> dtype:
    """Return the dtype of new floating-point tensors (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of new floating-point tensors (float32 or float64, as in PyTorch)."""
    d = to_dtype(d)
    if d is bfloat16:
        to_numpy_dtype(d)  # raises: no storage for it
    if d not in (float32, float64, float16):
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    """Map a numpy dtype to microtorch's dtype object."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        d = np.dtype(np_dtype)
        if d in _FROM_NP:
            return _FROM_NP[d]
        raise TypeError(
            f"can't convert np.ndarray of type {d}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d) -> dtype:
    """Accept a microtorch dtype, a numpy dtype, or a Python type and return a microtorch dtype.

    As in PyTorch, ``float`` names float64 (not the default dtype) and ``int`` int64."""
    if isinstance(d, dtype):
        return d
    if d is _pyfloat:
        return float64
    if d is _pyint:
        return int64
    if d is _pybool:
        return bool_
    return from_numpy_dtype(np.dtype(d))


_pyfloat = (0.0).__class__
_pyint = (0).__class__
_pybool = True.__class__


def to_numpy_dtype(d) -> np.dtype:
    """Return the numpy dtype behind a microtorch dtype (or dtype-like)."""
    found = to_dtype(d).np
    if found is None:
        raise NotImplementedError(
            "torch.bfloat16 is not supported by microtorch: numpy has no bfloat16 dtype to store it "
            "(use torch.float16 or torch.float32)"
        )
    return found


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """PyTorch's promote_types: the higher category wins, then numpy's size rule within it."""
    type1, type2 = to_dtype(type1), to_dtype(type2)
    if type1._category != type2._category:
        return type1 if type1._category > type2._category else type2
    if type1 is bfloat16 or type2 is bfloat16:
        other = type2 if type1 is bfloat16 else type1
        return bfloat16 if other is bfloat16 else (float32 if other is float16 else other)
    return _FROM_NP[np.promote_types(type1.np, type2.np)]


def _promote_many(dtypes) -> dtype | None:
    result = None
    for d in dtypes:
        result = d if result is None else promote_types(result, d)
    return result


def _scalar_category(x) -> int:
    if isinstance(x, _pybool) or isinstance(x, np.bool_):
        return 0
    if isinstance(x, (_pyint, np.integer)):
        return 1
    return 2


def result_type(*operands) -> dtype:
    """PyTorch's type promotion over tensors and Python scalars.

    Dimensioned tensors decide the dtype; a zero-dim tensor only when its category
    (bool < integer < float) is higher; a Python scalar only when its category is
    higher still, and then it contributes the default dtype of its category.
    """
    dims, zeros, scalar_cat = [], [], -1
    for x in operands:
        data = getattr(x, "_data", None)
        if data is not None:
            (dims if data.ndim else zeros).append(_FROM_NP[data.dtype])
        elif isinstance(x, np.ndarray):
            (dims if x.ndim else zeros).append(from_numpy_dtype(x.dtype))
        else:
            scalar_cat = max(scalar_cat, _scalar_category(x))
    result = _promote_many(dims)
    zero = _promote_many(zeros)
    if zero is not None and (result is None or zero._category > result._category):
        result = zero
    if result is None or scalar_cat > result._category:
        result = (bool_, int64, get_default_dtype())[scalar_cat] if scalar_cat >= 0 else result
    return result if result is not None else get_default_dtype()
