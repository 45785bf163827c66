"""``nn.Parameter``: a leaf tensor that a Module registers as trainable."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _init

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A Tensor that requires grad by default and is registered by the Module it is set on."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        t = object.__new__(cls)
        if data is None:
            arr = np.zeros(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = np.asarray(data)
        _init(t, arr)
        if isinstance(data, Tensor):
            t._vc = data._vc
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__  # print(param) shows the header too, as torch (Tensor's __str__ is its own __repr__)

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor._make(self._data.copy()), self._requires_grad))

    def __deepcopy__(self, memo):
        new = Parameter(Tensor._make(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            new._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = new
        return new


class Buffer(Tensor):
    """Marker type accepted by Module.__setattr__ for buffers (``nn.Buffer``)."""

    __slots__ = ()

    def __new__(cls, data: Tensor, persistent: bool = True):
        t = Tensor._make(data._data if isinstance(data, Tensor) else np.asarray(data))
        t.__dict__["_buffer_persistent"] = persistent
        return t


def __getattr__(name: str):
    # torch.nn.parameter also holds the lazy modules' placeholders; they live with those modules
    if name in ("UninitializedParameter", "UninitializedBuffer", "UninitializedTensorMixin", "is_lazy"):
        from .modules import lazy

        return getattr(lazy, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
