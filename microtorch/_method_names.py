"""Tensor methods take their method's name as ``__qualname__``, so that Python's own TypeError
for a keyword they lack (``x.index_select(0, i, out=t)``) names the method, as torch's does."""

from __future__ import annotations

from types import FunctionType

from ._tensor import Tensor


def _renamed_copy(fn: FunctionType, name: str) -> FunctionType:
    """A copy of ``fn`` (same code, defaults and closure) called ``name``: an alias's own function."""
    copy = FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__dict__.update(fn.__dict__)
    copy.__doc__, copy.__module__, copy.__annotations__ = fn.__doc__, fn.__module__, fn.__annotations__
    copy.__qualname__ = f"Tensor.{name}"
    return copy


def install() -> None:
    """Name every Tensor method after itself: lambdas and local or private functions in place, aliases
    of other methods (``ndimension`` of ``dim``) as copies."""
    for name, fn in list(vars(Tensor).items()):
        if name.startswith("__") or type(fn) is not FunctionType:
            continue
        if "<" in fn.__qualname__ or fn.__qualname__.startswith("_"):
            fn.__qualname__ = name
        elif fn.__qualname__ == f"Tensor.{fn.__name__}" and fn.__name__ != name:
            setattr(Tensor, name, _renamed_copy(fn, name))
