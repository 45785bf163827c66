"""The Tensor: a numpy array plus autograd metadata; its methods call the ops."""

from __future__ import annotations

import builtins
import weakref
from typing import Any

import numpy as np

from . import _dtype as dt
from ._backend import xp

__all__ = ["Tensor", "Size"]


class Size(tuple):
    """A tensor's shape, printed as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        """Number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n


class _VersionCounter:
    """Counts in-place modifications; shared by a tensor and all its views."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, registry: dict) -> None:
        self._registry = weakref.ref(registry) if False else registry
        _HookHandle._next_id += 1
        self.id = _HookHandle._next_id

    def remove(self) -> None:
        self._registry.pop(self.id, None)


def _data_of(x: Any, dtype=None) -> np.ndarray:
    """Turn nested lists, scalars, arrays and tensors into a numpy array (PyTorch's dtype rules)."""
    if isinstance(x, Tensor):
        arr = x._data
    elif isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (list, tuple)) and any(isinstance(e, Tensor) for e in _flatten_items(x)):
        arr = np.array([_data_of(e) for e in x])
    else:
        arr = np.asarray(x)
    if dtype is not None:
        return arr.astype(dt.to_numpy_dtype(dtype), copy=False)
    kind = arr.dtype.kind
    if kind == "f" and not isinstance(x, (np.ndarray, Tensor)):
        return arr.astype(dt.get_default_dtype().np, copy=False)
    if kind in "iu" and arr.dtype not in (np.uint8, np.int8, np.int16, np.int32, np.int64):
        return arr.astype(np.int64)
    if kind in "iu" and not isinstance(x, (np.ndarray, Tensor)):
        return arr.astype(np.int64, copy=False)
    if kind == "O":
        raise TypeError(f"tensor: could not infer dtype of {type(x).__name__}")
    if kind in "US":
        raise TypeError(f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str' or 'bytes'}'")
    if kind == "c":
        raise TypeError("tensor: complex tensors are not supported by microtorch")
    if arr.dtype not in dt._FROM_NP:
        return arr.astype(dt.from_numpy_dtype(arr.dtype).np)
    return arr


def _flatten_items(x):
    stack = [x]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            yield item


def _check_shape_args(name: str, size) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])`` / ``f(Size)`` and return a tuple."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(
                f"{name}(): argument 'size' must be tuple of ints, but found element of type {type(s).__name__}"
            )
        out.append(int(s))
    return tuple(out)


class Tensor:
    """A multi-dimensional array that records operations for automatic differentiation."""

    __slots__ = (
        "_data",
        "_requires_grad",
        "_grad_fn",
        "_output_nr",
        "_grad",
        "_vc",
        "_base",
        "_hooks",
        "_retains_grad",
        "__dict__",
        "__weakref__",
    )
    __hash__ = object.__hash__
    __array_priority__ = 1000  # numpy defers to our reflected operators

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False) -> None:
        # torch.Tensor(data) or torch.Tensor(2, 3) (uninitialised, default dtype)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = _data_of(args[0], dtype or dt.get_default_dtype())
            if data is getattr(args[0], "_data", None):
                data = data.copy()
        else:
            shape = _check_shape_args("Tensor", args)
            data = xp.zeros(shape, dtype=dt.to_numpy_dtype(dtype or dt.get_default_dtype()))
        _init(self, data)
        if requires_grad:
            self.requires_grad_(True)

    # --- construction fast paths ------------------------------------------------------
    @staticmethod
    def _make(data, grad_fn=None, output_nr: int = 0) -> Tensor:
        t = object.__new__(Tensor)
        t._data = data
        t._grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
        t._output_nr = output_nr
        t._grad = None
        t._vc = _VersionCounter()
        t._base = None
        t._hooks = None
        t._retains_grad = False
        return t

    @staticmethod
    def _from_saved_output(saved, node) -> Tensor:
        t = Tensor._make(saved.array, node, saved.nr)
        t._vc = saved.counter
        return t

    def _alias(self) -> Tensor:
        """A new Tensor object sharing this one's storage and version counter."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        t._base = self._base if self._base is not None else self
        return t

    # --- basic properties -----------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The tensor's shape as a ``torch.Size``."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    nelement = numel

    @property
    def dtype(self) -> dt.dtype:
        """The element type (``torch.float32``, ...)."""
        return dt._FROM_NP[self._data.dtype]

    @property
    def device(self):
        """Always the CPU."""
        from ._device import cpu

        return cpu

    @property
    def is_cuda(self) -> bool:
        """Always False: microtorch runs on the CPU."""
        return False

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self._data.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        """Strides in elements, as PyTorch reports them."""
        s = tuple(st // self._data.itemsize for st in self._data.strides)
        return s if dim is None else s[_wrap_dim(dim, self.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements are laid out in C order without gaps."""
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> int:
        """Address of the first element."""
        return self._data.__array_interface__["data"][0]

    @property
    def _version(self) -> int:
        return self._vc.value

    # --- autograd metadata ------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only, floating point only)."""
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point and complex dtype can require gradients (got {self.dtype})"
            )
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (leaves, or tensors that called ``retain_grad``)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: {list(value.shape)} vs {list(self.shape)}"
                )
            if value.dtype != self.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: {value.dtype} vs {self.dtype}")
        self._grad = value

    @property
    def grad_fn(self):
        """The node that produced this tensor (None for leaves)."""
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op."""
        return self._grad_fn is None

    @property
    def retains_grad(self) -> bool:
        """Whether a non-leaf keeps its ``.grad`` (see ``retain_grad``)."""
        return self._retains_grad

    @property
    def output_nr(self) -> int:
        return self._output_nr

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor during backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        node = self._grad_fn
        if node._retained is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a replacement."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            registry = self._hooks
        else:
            node = self._grad_fn
            if node._pre_hooks is None:
                node._pre_hooks = {}
            registry = node._pre_hooks.setdefault(self._output_nr, {})
        handle = _HookHandle(registry)
        registry[handle.id] = hook
        return handle

    def backward(
        self, gradient: Tensor | None = None, retain_graph: bool | None = None, create_graph: bool = False, inputs=None
    ) -> None:
        """Accumulate the gradient of this tensor into the leaves' ``.grad``."""
        from .autograd import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing storage with this one, cut from the graph."""
        return self._alias()

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place."""
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """A detached alias of this tensor (PyTorch's ``.data``): same storage, but its own
        version counter, so in-place changes through it are invisible to autograd."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    # --- conversion -------------------------------------------------------------------
    def numpy(self, force: bool = False) -> np.ndarray:
        """The underlying array (shared memory); errors if the tensor requires grad."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None:
            return self._data.astype(dtype, copy=False)
        return self._data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        """The values as (nested) Python lists."""
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __repr__(self) -> str:
        from ._printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return builtins.format(repr(self), spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment."
            )
        new = type(self).__new__(type(self))
        _init(new, self._data.copy())
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = Tensor._make(self._grad._data.copy())
        if self.__dict__:
            import copy

            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[id(self)] = new
        return new

    def __copy__(self):
        return self.__deepcopy__({})


def _rebuild(data, requires_grad):
    t = Tensor._make(data)
    if requires_grad:
        t._requires_grad = True
    return t


def _init(t: Tensor, data: np.ndarray) -> None:
    t._data = data
    t._grad_fn = None
    t._requires_grad = False
    t._output_nr = 0
    t._grad = None
    t._vc = _VersionCounter()
    t._base = None
    t._hooks = None
    t._retains_grad = False


def _wrap_dim(dim: int, ndim: int, op: str = "dim") -> int:
    """Normalise a possibly negative dimension, raising IndexError as PyTorch does."""
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n if ndim > 0 else 0


def _register() -> None:
    from .autograd import engine, function

    function.Tensor = Tensor
    engine.Tensor = Tensor


_register()
