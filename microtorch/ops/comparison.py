"""Comparisons, logical ops, NaN/inf tests and ``where`` (bool results, no gradient but ``where``'s)."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ..autograd.function import Op
from ..kernels.select import select
from ._out import torch_args
from ._promote import TYPE_WORD, _align, _py, _pyscalar, invalid_arguments, not_a_tensor
from ._util import broadcast_error
from .shape import sum_to_size

__all__ = [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_and",
    "logical_or",
    "logical_not",
    "logical_xor",
    "isnan",
    "isinf",
    "isfinite",
    "where",
    "isclose",
]


def _operands(a, b, name: str, logical: bool):
    """The arrays a comparison runs on: ``a`` a Tensor, ``b`` a Tensor (or a number, unless logical)."""
    if not isinstance(a, Tensor):
        raise not_a_tensor(name, a, "input", 1) if logical else invalid_arguments(name, a, b)
    if isinstance(b, Tensor):
        ad, bd = a._data, b._data
        if ad.dtype != bd.dtype:
            target = dt.result_type(a, b).np
            ad, bd = ad.astype(target, copy=False), bd.astype(target, copy=False)
        return ad, bd
    if isinstance(b, np.ndarray):  # internal callers compare with constant arrays
        return a._data, b
    if logical or not isinstance(b, _pyscalar):
        raise not_a_tensor(name, b, "other", 2) if logical else invalid_arguments(name, a, b)
    return a._data, _py(b)


def _compare(ufunc, name: str, logical: bool = False):
    def fn(a, b) -> Tensor:
        ad, bd = _operands(a, b, name, logical)
        try:
            return Tensor._make(np.asarray(ufunc(ad, bd)))
        except ValueError:
            raise broadcast_error(name, np.shape(ad), np.shape(bd)) from None

    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}``, as a bool tensor."
    return fn


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and", logical=True)
logical_or = _compare(np.logical_or, "logical_or", logical=True)
logical_xor = _compare(np.logical_xor, "logical_xor", logical=True)


def logical_not(x: Tensor) -> Tensor:
    """Elementwise logical negation, as a bool tensor."""
    if not isinstance(x, Tensor):
        raise not_a_tensor("logical_not", x, "input", 1)
    return Tensor._make(np.logical_not(x._data))


def isnan(x: Tensor) -> Tensor:
    """Where the values are NaN."""
    if not isinstance(x, Tensor):
        raise not_a_tensor("isnan", x, "input", 1)
    return Tensor._make(np.isnan(x._data) if x._data.dtype.kind == "f" else np.zeros(x.shape, bool))


def isinf(x: Tensor) -> Tensor:
    """Where the values are +-inf."""
    if not isinstance(x, Tensor):
        raise not_a_tensor("isinf", x, "input", 1)
    return Tensor._make(np.isinf(x._data) if x._data.dtype.kind == "f" else np.zeros(x.shape, bool))


def isfinite(x: Tensor) -> Tensor:
    """Where the values are neither NaN nor infinite."""
    if not isinstance(x, Tensor):
        raise not_a_tensor("isfinite", x, "input", 1)
    return Tensor._make(np.isfinite(x._data) if x._data.dtype.kind == "f" else np.ones(x.shape, bool))


class Where(Op):
    def forward(self, a, b, cond):
        self.cond = cond
        self.shapes = (a._data.shape, b._data.shape)
        return select(cond, a._data, b._data)

    def backward(self, g):
        zero = Tensor._make(np.zeros((), g._data.dtype))
        c = Tensor._make(self.cond)
        na, nb = self.needs_input_grad
        return (
            sum_to_size(where(c, g, zero), self.shapes[0]) if na else None,
            sum_to_size(where(c, zero, g), self.shapes[1]) if nb else None,
        )


def where(condition, input=None, other=None) -> Tensor:  # noqa: A002
    """Pick ``input`` where ``condition`` holds, else ``other`` (broadcasting all three)."""
    if input is None and other is None:
        from .reduction import nonzero

        return nonzero(condition, as_tuple=True)
    for x in (input, other):
        if not isinstance(x, (Tensor, np.ndarray, *_pyscalar)):
            raise invalid_arguments("where", condition, input, other)
    if isinstance(condition, Tensor):
        cond = condition._data
    elif isinstance(condition, np.ndarray):  # internal callers pass constant masks
        cond = condition
    else:
        raise invalid_arguments("where", condition, input, other)
    if cond.dtype != bool:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {dt.from_numpy_dtype(cond.dtype)}"
        )
    a, b = _align(input, other, "where")
    try:
        return Where.apply(a, b, cond=cond)
    except ValueError:
        raise broadcast_error("where", a.shape, cond.shape if a.ndim <= b.ndim else b.shape) from None


def _tolerances(op: str, a: np.ndarray, b: np.ndarray, rtol, atol, equal_nan) -> None:
    """PyTorch's checks of ``isclose`` / ``allclose`` arguments: equal dtypes, tolerances >= 0, a bool flag."""
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not isinstance(tol, _pyscalar):
            raise TypeError(f"{op}(): argument '{name}' must be float, not {type(tol).__name__}")
    if type(equal_nan) is not bool:
        raise TypeError(f"{op}(): argument 'equal_nan' must be bool, not {type(equal_nan).__name__}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{TYPE_WORD[a.dtype.name]} did not match {TYPE_WORD[b.dtype.name]}")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not tol >= 0:  # NaN fails too
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {float(tol):g}")


def close_mask(op: str, input: Tensor, other: Tensor, rtol, atol, equal_nan) -> np.ndarray:  # noqa: A002
    """The checked elementwise ``|input - other| <= atol + rtol * |other|`` as a bool array."""
    if not isinstance(input, Tensor):
        raise not_a_tensor(op, input, "input", 1)
    if not isinstance(other, Tensor):
        raise not_a_tensor(op, other, "other", 2)
    a, b = input._data, other._data
    _tolerances(op, a, b, rtol, atol, equal_nan)
    if a.dtype.kind == "b":
        a, b = a.astype(np.int64), b.astype(np.int64)
    try:
        return np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise broadcast_error(op, a.shape, b.shape) from None


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:  # noqa: A002
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (equal values, infinities included, are close)."""
    return Tensor._make(close_mask("isclose", input, other, rtol, atol, equal_nan))


# torch's keyword names and out= (ops/_out.py); positional calls go straight to the ops
for _name in ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"):
    globals()[_name] = torch_args("input", "other")(globals()[_name])
logical_not = torch_args("input")(logical_not)
isnan, isinf, isfinite = (torch_args("input", has_out=False)(f) for f in (isnan, isinf, isfinite))
where = torch_args(rule="where")(where)
