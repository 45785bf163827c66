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
]


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, printed and compared as PyTorch's (``torch.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_dtype: type, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = category == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize
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
# numpy has no bfloat16; it is an alias of float32 storage-wise, kept only so code that
# names it imports. It is not a separate type.
bfloat16 = float32
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

_ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool_)
_FROM_NP = {d.np: d for d in _ALL}
_NAMES = {d.name: d for d in _ALL}


def _by_name(name: str) -> dtype:
    return _NAMES[name]


_default = [float32]


def get_default_dtype() -> dtype:
    """Return the dtype of new floating-point tensors (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of new floating-point tensors (float32 or float64, as in PyTorch)."""
    d = to_dtype(d)
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
    """Accept a microtorch dtype, a numpy dtype, or a Python type and return a microtorch dtype."""
    if isinstance(d, dtype):
        return d
    if d is _pyfloat:
        return get_default_dtype()
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
    return to_dtype(d).np


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types: the higher category wins, then numpy's size rule within it."""
    if a._category != b._category:
        return a if a._category > b._category else b
    return _FROM_NP[np.promote_types(a.np, b.np)]


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
