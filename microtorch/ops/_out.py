"""torch's calling conventions on the elementwise family: keyword names and ``out=``.

``torch_args`` wraps a public op so that it takes torch's keyword names for its leading
arguments (``input``, ``other`` ...) and an ``out=`` tensor written with torch's rules:
the result dtype must be castable to ``out``'s (or equal, for the ops whose kernels demand
it), ``out`` is resized with torch's deprecation warning when its shape differs, nothing
takes part in autograd, and an ``out`` that partially overlaps an input is refused (full
aliasing, ``torch.add(x, y, out=x)``, is allowed). The plain positional call goes straight
to the op.
"""

from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np

from .._tensor import Tensor

__all__ = ["can_cast", "torch_args", "write_out"]

# torch's ScalarType names, as its "result type Float can't be cast ..." messages print them
_SCALAR = {
    "float16": "Half",
    "bfloat16": "BFloat16",
    "float32": "Float",
    "float64": "Double",
    "int8": "Char",
    "uint8": "Byte",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}
_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2, "c": 3}  # bool < integral < floating < complex ("V": bfloat16)


def scalar_name(npdt: np.dtype) -> str:
    """torch's ScalarType name of a numpy dtype (``Float`` for float32)."""
    return _SCALAR.get(npdt.name, npdt.name)


def can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """torch's ``canCast``: never from floating to integral, complex to real, or non-bool to bool."""
    return _RANK.get(src.kind, 2) <= _RANK.get(dst.kind, 2) or (src.kind in "ui" and dst.kind in "ui")


def _cast_error(result: np.dtype, out: np.dtype) -> str | None:
    if can_cast(result, out):
        return None
    return f"result type {scalar_name(result)} can't be cast to the desired output type {scalar_name(out)}"


def _same_error(result: np.dtype, out: np.dtype) -> str | None:
    return None if result == out else f"Found dtype {scalar_name(out)} but expected {scalar_name(result)}"


def _where_error(result: np.dtype, out: np.dtype) -> str | None:
    return None if result == out else f"Expected out type to be {scalar_name(result)} but got {scalar_name(out)}"


def _mm_error(result: np.dtype, out: np.dtype) -> str | None:
    from ._index_common import _CPP_NAMES

    if result == out:
        return None
    return f"Expected out tensor to have dtype {_CPP_NAMES[result.name]}, but got {_CPP_NAMES[out.name]} instead"


def _dot_error(result: np.dtype, out: np.dtype) -> str | None:
    return (
        None if result == out else f"result dtype {scalar_name(out)} does not match input dtype {scalar_name(result)}"
    )


def _mv_error(result: np.dtype, out: np.dtype) -> str | None:
    if result == out:
        return None
    names = scalar_name(out), scalar_name(result)
    return f"addmv input tensors must have the same dtype, but got {names[0]}, {names[1]}, and {names[1]}"


_RULES = {
    "cast": _cast_error,
    "same": _same_error,
    "where": _where_error,
    "mm": _mm_error,
    "dot": _dot_error,
    "mv": _mv_error,
}
_NO_OVERLAP_CHECK = frozenset({"mm", "dot", "mv"})  # torch's BLAS kernels do not check out against the inputs


def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are exactly the same elements (full aliasing, which torch allows for ``out``)."""
    return (
        a.shape == b.shape
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def _check_overlap(op: str, target: np.ndarray, inputs: tuple) -> None:
    from ._index_common import _OVERLAP_INPUT

    for t in inputs:
        if np.shares_memory(target, t._data) and not _same_view(target, t._data):
            raise RuntimeError(f"{op}: {_OVERLAP_INPUT}")


def write_out(op: str, out, result: Tensor, inputs: tuple, rule: str = "cast") -> Tensor:
    """Copy ``result`` into ``out`` as torch's elementwise kernels do (dtype rule, resize, overlap)."""
    from ._index_common import _OVERLAP_SELF, _resized_storage

    data = result._data
    error = _RULES[rule](data.dtype, out._data.dtype)
    if error:
        raise RuntimeError(f"{op}: {error}")
    a = out._data
    if not a.flags.writeable or any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape)):
        raise RuntimeError(f"{op}: {_OVERLAP_SELF}")
    checked = () if rule in _NO_OVERLAP_CHECK else inputs
    _check_overlap(op, a, checked)  # before a resize, as torch
    target = a if a.shape == data.shape else _resized_storage(out, data.shape)
    if target is not a:
        _check_overlap(op, target, checked)
        if a.size:
            _warn_resized(a.shape, data.shape)
        out._data = target
    np.copyto(target, data, casting="unsafe")
    out._vc.value += 1
    return out


def _warn_resized(old: tuple, new: tuple) -> None:
    warnings.warn(
        f"An output with one or more elements was resized since it had shape {list(old)}, which does not match "
        f"the required output shape {list(new)}. This behavior is deprecated, and in a future PyTorch release "
        "outputs will not be resized unless they have zero elements. You can explicitly reuse an out tensor t by "
        "resizing it, inplace, to zero elements with t.resize_(0).",
        UserWarning,
        stacklevel=5,
    )


def _positional(names: tuple, args: tuple, kwargs: dict) -> tuple:
    """Move torch's keyword names of the leading arguments (``input=``, ``other=``) into ``args``."""
    args = list(args)
    for name in names[len(args) :]:
        if name not in kwargs:
            break
        args.append(kwargs.pop(name))
    return tuple(args)


def _call(fn, op: str, names: tuple, rule, args: tuple, kwargs: dict):
    out = kwargs.pop("out", None)
    if names:
        args = _positional(names, args, kwargs)
    if out is None:
        return fn(*args, **kwargs)
    from ._index_common import _check_out_grad

    inputs = tuple(a for a in (*args, *kwargs.values()) if isinstance(a, Tensor))
    _check_out_grad(op, out, inputs)
    result = fn(*args, **kwargs)
    return write_out(op, out, result, inputs, rule(out, *args, **kwargs) if callable(rule) else rule)


def _torch_signature(fn, names: tuple, has_out: bool) -> inspect.Signature:
    """``fn``'s signature as the wrapper takes it: torch's ``names`` for the leading parameters, ``out=``."""
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    for i, name in enumerate(names[: len(params)]):
        if params[i].kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            params[i] = params[i].replace(name=name, kind=inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if has_out and "out" not in sig.parameters and not any(p.kind == p.VAR_KEYWORD for p in params):
        out = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
        params.insert(next((i for i, p in enumerate(params) if p.kind == p.VAR_KEYWORD), len(params)), out)
    return sig.replace(parameters=params)


def torch_args(*names: str, rule="cast", has_out: bool = True):
    """Decorate an op with torch's keyword names ``names`` for its leading arguments and, if ``has_out``,
    torch's ``out=`` (``rule``: a key of ``_RULES``, or a function of ``out`` and the arguments
    choosing one)."""

    def decorate(fn):
        op = fn.__name__

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if not kwargs:
                return fn(*args)
            if not has_out and "out" in kwargs:
                raise TypeError(f"{op}() got an unexpected keyword argument 'out'")
            return _call(fn, op, names, rule, args, kwargs)

        wrapper.__signature__ = _torch_signature(fn, names, has_out)
        return wrapper

    return decorate
