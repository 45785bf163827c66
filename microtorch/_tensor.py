"""The Tensor: a numpy array plus autograd metadata; its methods call the ops."""

from __future__ import annotations

import builtins
import weakref
from typing import Any

import numpy as np

from . import _dtype as dt
from ._backend import xp
from .autograd.grad_mode import _state as _grad_state

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


_new = object.__new__


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


class UninferableDtype(TypeError):
    """Data of no tensor dtype (None, objects): ``tensor()`` reports it as PyTorch's RuntimeError."""


def _data_of(x: Any, dtype=None, keep_numpy_scalars: bool = False) -> np.ndarray:
    """Turn nested lists, scalars, arrays and tensors into a numpy array (PyTorch's dtype rules).

    ``keep_numpy_scalars``: a numpy scalar keeps its dtype (``tensor(np.int32(3))``) instead of
    counting as a Python number (as it does as an operand of an op)."""
    if isinstance(x, Tensor):
        arr = x._data
    elif isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (list, tuple)) and any(isinstance(e, Tensor) for e in _flatten_items(x)):
        arr = np.array([_data_of(e) for e in x])
    else:
        arr = _python_numbers(np.asarray(x), dtype)
    kind = arr.dtype.kind
    if kind in "OUSc":
        _reject_kind(x, arr)
    if dtype is not None:
        return cast(arr, dt.to_numpy_dtype(dtype), copy=False)
    python_data = not isinstance(x, (np.ndarray, Tensor)) and not (keep_numpy_scalars and isinstance(x, np.generic))
    if kind == "f" and python_data:
        return arr.astype(dt.get_default_dtype().np, copy=False)
    if kind in "iu" and arr.dtype not in (np.uint8, np.int8, np.int16, np.int32, np.int64):
        return arr.astype(np.int64)
    if kind in "iu" and python_data:
        return arr.astype(np.int64, copy=False)
    if arr.dtype not in dt._FROM_NP:
        return arr.astype(dt.from_numpy_dtype(arr.dtype).np)
    return arr


def _reject_kind(x, arr: np.ndarray) -> None:
    """Raise as PyTorch for data of no tensor dtype: objects / None, strings, complex numbers."""
    kind = arr.dtype.kind
    if kind == "O":
        if isinstance(x, np.ndarray):
            raise TypeError(
                "can't convert np.ndarray of type numpy.object_. The only supported types are: float64, float32, "
                "float16, int64, int32, int16, int8, uint8, and bool."
            )
        bad = next((v for v in arr.flat if not isinstance(v, (builtins.int, builtins.float, np.generic))), x)
        raise UninferableDtype(f"Could not infer dtype of {type(bad).__name__}")
    if kind in "US":
        raise TypeError(f"new(): invalid data type '{'str' if kind == 'U' else 'bytes'}'")
    raise TypeError("tensor: complex tensors are not supported by microtorch")


def cast(arr: np.ndarray, npdt: np.dtype, copy: bool = True) -> np.ndarray:
    """``arr.astype(npdt)`` rounding float64 to float16 through float32, as PyTorch's conversion does."""
    if npdt == np.float16 and arr.dtype == np.float64:
        return arr.astype(np.float32).astype(npdt)
    return arr.astype(npdt, copy=copy)


def _python_numbers(arr: np.ndarray, dtype) -> np.ndarray:
    """Python numbers (as numpy read them) checked as PyTorch converts them to ``dtype``.

    Integers beyond int64 raise ValueError unless the target is floating; values out of an
    integer target's range raise RuntimeError (PyTorch lets negative integers wrap into an
    unsigned type down to -max, and truncates in-range floats)."""
    kind = arr.dtype.kind
    if dtype is None and kind in "fib" and arr.dtype != np.uint64:  # the common case: nothing to check
        return arr
    target = dt.to_numpy_dtype(dtype) if dtype is not None else None
    if arr.dtype == np.uint64 or (kind == "O" and arr.size and all(type(v) is builtins.int for v in arr.flat)):
        if target is None or target.kind not in "fb":
            raise ValueError("Overflow when unpacking long long")
        return arr.astype(np.float64)
    if target is None or target.kind not in "iu" or kind not in "iuf" or arr.size == 0:
        return arr
    info = np.iinfo(target)
    if arr.dtype.kind == "f":
        low = info.min
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(arr).all() and arr.min() >= low and arr.max() <= info.max
    else:
        low = -builtins.int(info.max) if target.kind == "u" else builtins.int(info.min)
        ok = arr.min() >= low and arr.max() <= info.max
    if not ok:
        raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")
    if target.kind == "u" and arr.dtype.kind == "i":
        return arr.astype(target)  # wraps the negative values, as PyTorch does
    return arr


def _legacy_data(x, npdt: np.dtype) -> np.ndarray:
    """The array of ``Tensor(data)``: a copy in the default dtype (a tensor keeps its own dtype)."""
    if isinstance(x, Tensor):
        return x._data.copy()
    if isinstance(x, str) or not isinstance(x, (list, tuple, np.ndarray)) and np.ndim(x) == 0:
        kind = "invalid data type 'str'" if isinstance(x, str) else f"data must be a sequence (got {type(x).__name__})"
        raise TypeError(f"new(): {kind}")
    return _data_of(x, npdt)


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
        "_view_ver",
        # set on views only, PyTorch's CreationMeta: False (default), True (made under no_grad) or
        # (op name, output nr) for an output of split/chunk/unbind (a multi-output view op)
        "_view_meta",
        "_hooks",
        "_retains_grad",
        "__dict__",
        "__weakref__",
    )
    __hash__ = object.__hash__
    __array_priority__ = 1000  # numpy defers to our reflected operators

    def __init__(self, *args, device=None) -> None:
        # PyTorch's legacy constructor: Tensor(data), Tensor(*sizes) or Tensor(Size) (uninitialised:
        # zero-filled here), Tensor() (empty); always the default dtype, except Tensor(tensor)
        from ._device import check_device

        check_device(device, "Tensor")
        npdt = dt.get_default_dtype().np
        if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer, Size)):
            data = _legacy_data(args[0], npdt)
        else:
            shape = _check_shape_args("Tensor", args)
            if any(n < 0 for n in shape):
                raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
            data = xp.zeros(shape if args else (0,), dtype=npdt)
        _init(self, data)

    # --- construction fast paths ------------------------------------------------------
    @staticmethod
    def _make(data, grad_fn=None, output_nr: int = 0) -> Tensor:
        t = _new(Tensor)
        # numpy returns scalars for 0-d results (np.multiply of two 0-d arrays): keep an array, so the
        # tensor stays writable in place and shares memory with its views, as every other tensor
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t._grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
        t._output_nr = output_nr
        t._grad = None
        vc = _new(_VersionCounter)  # as _VersionCounter(), without the __init__ call (hot path)
        vc.value = 0
        t._vc = vc
        t._base = None
        t._view_ver = None
        t._hooks = None
        t._retains_grad = False
        return t

    @staticmethod
    def _from_saved_output(saved, node) -> Tensor:
        t = Tensor._make(saved.array, node, saved.nr)
        t._vc = saved.counter
        return t

    def _alias(self) -> Tensor:
        """A view of this tensor covering all of it (shares storage and version counter)."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        t._base = self._base if self._base is not None else self
        t._view_ver = self._vc.value
        t._view_meta = not _grad_state.enabled
        return t

    def _sync_view(self) -> None:
        """Re-derive a view's grad_fn when its base (or a sibling view) was modified in place."""
        if self._base is not None and self._view_ver != self._vc.value:
            _refresh_view(self)

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
        if not self._data.size and not any(s):  # numpy's empty arrays: PyTorch reports contiguous strides
            s = _contiguous_strides(self._data.shape)
        return s if dim is None else s[_wrap_dim(dim, self.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements are laid out without gaps in ``memory_format``'s order (C order by default)."""
        fmt = dt.check_memory_format(memory_format, "is_contiguous")
        return is_contiguous_as(self._data, fmt)

    @property
    def layout(self) -> dt.layout:
        """Always ``torch.strided``: microtorch tensors are dense arrays."""
        return dt.strided

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
        if self._base is not None and self._view_ver != self._vc.value:
            return _refresh_view(self, strict=False)
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
        if self._base is not None and self._view_ver != self._vc.value:
            _refresh_view(self)
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op."""
        if self._base is not None and self._view_ver != self._vc.value:
            _refresh_view(self)
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
        self._sync_view()
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
        self._sync_view()
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
        """A tensor sharing storage and version counter with this one, cut from the graph."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        return t

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
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and value._data.dtype.kind != "f":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = value._data

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
        if not isinstance(self, Tensor):  # called unbound, as Tensor.item(x)
            raise TypeError(
                f"descriptor 'item' for 'torch._C.TensorBase' objects doesn't apply to a '{type(self).__name__}' object"
            )
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
    t._view_ver = None
    t._hooks = None
    t._retains_grad = False


_refresh_view = None  # set by microtorch._tensor_methods, which defines the view-replay op


def _wrap_dim(dim: int, ndim: int, op: str = "dim") -> int:
    """Normalise a possibly negative dimension, raising IndexError as PyTorch does."""
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n if ndim > 0 else 0


# --- memory formats ------------------------------------------------------------------------
# PyTorch's stride rules (c10/core/MemoryFormat.h, TensorImpl, empty_like), on numpy arrays.
_CHANNELS_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}


def element_strides(arr: np.ndarray) -> tuple:
    """``arr``'s strides in elements (as ``Tensor.stride()`` reports them)."""
    return tuple(st // arr.itemsize for st in arr.strides)


def _rank_of(fmt: dt.memory_format) -> int | None:
    return 4 if fmt is dt.channels_last else 5 if fmt is dt.channels_last_3d else None


def check_format_rank(fmt: dt.memory_format, ndim: int) -> None:
    """Raise as PyTorch when ``channels_last`` (``_3d``) is asked of a tensor not of rank 4 (5)."""
    rank = _rank_of(fmt)
    if rank is not None and ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt.name} format")


def is_contiguous_as(arr: np.ndarray, fmt: dt.memory_format) -> bool:
    """PyTorch's ``is_contiguous(memory_format=fmt)`` for a numpy array."""
    rank = _rank_of(fmt)
    if rank is None:
        return bool(arr.flags.c_contiguous)
    if arr.ndim != rank:
        return False
    expected, strides = 1, element_strides(arr)
    for d in _CHANNELS_ORDER[rank]:
        if arr.shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= arr.shape[d]
    return True


def _is_strides_like_channels_last(shape: tuple, strides: tuple) -> bool:
    order = _CHANNELS_ORDER.get(len(shape))
    if order is None or strides[1] == 0:
        return False
    low = 0
    for d in order:
        if shape[d] == 0 or strides[d] < low or (d == 0 and low == strides[1]):
            return False
        low = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def suggest_memory_format(arr: np.ndarray) -> dt.memory_format:
    """The format PyTorch reads off ``arr``'s strides (channels_last only for rank 4 / 5)."""
    if _is_strides_like_channels_last(arr.shape, element_strides(arr)):
        return dt.channels_last if arr.ndim == 4 else dt.channels_last_3d
    return dt.contiguous_format


def _is_non_overlapping_and_dense(shape: tuple, strides: tuple) -> bool:
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    perm = sorted(range(len(shape)), key=lambda d: (shape[d] < 2, strides[d] if shape[d] >= 2 else 0))
    need = 1
    for d in perm:
        if shape[d] < 2:
            return True
        if strides[d] != need:
            return False
        need *= shape[d]
    return True


def _infer_dense_strides(shape: tuple, strides: tuple) -> tuple:
    """Dense strides ordered as ``strides`` are (PyTorch's ``infer_dense_strides``; stride 0 is ambiguous)."""

    def should_swap(a: int, b: int) -> int:
        sa, sb = strides[a], strides[b]
        if sa == 0 or sb == 0:
            return 0
        if sa != sb:
            return -1 if sa < sb else 1
        return 1 if shape[a] > shape[b] else 0

    ndim = len(shape)
    perm = list(range(ndim - 1, -1, -1))
    for i in range(1, ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            cmp = should_swap(perm[d0], perm[d1])
            if cmp > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif cmp < 0:
                break
    out, step = [0] * ndim, 1
    for d in perm:
        out[d] = step
        step *= max(shape[d], 1)
    return tuple(out)


def _contiguous_strides(shape: tuple) -> tuple:
    out, step = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        out[d] = step
        step *= max(shape[d], 1)
    return tuple(out)


def _channels_last_strides(shape: tuple) -> tuple:
    out, step = [0] * len(shape), 1
    for d in _CHANNELS_ORDER[len(shape)]:
        out[d] = step
        step *= shape[d]
    return tuple(out)


def format_strides(arr: np.ndarray, fmt: dt.memory_format) -> tuple:
    """The element strides PyTorch gives a new tensor shaped like ``arr`` in format ``fmt``."""
    shape = arr.shape
    if fmt is dt.preserve_format:
        strides = element_strides(arr)
        if _is_non_overlapping_and_dense(shape, strides):
            return strides
        return _infer_dense_strides(shape, strides)
    check_format_rank(fmt, arr.ndim)
    if fmt is dt.contiguous_format:
        return _contiguous_strides(shape)
    return _channels_last_strides(shape)


def empty_strided_array(shape: tuple, strides: tuple, npdt: np.dtype) -> np.ndarray:
    """A zero-filled array of ``shape`` whose element strides are ``strides`` (dense, non-negative)."""
    size = 1 + builtins.sum((n - 1) * st for n, st in zip(shape, strides)) if all(shape) else 0
    buffer = np.zeros(size, dtype=npdt)
    return np.ndarray(shape, npdt, buffer=buffer, strides=tuple(st * buffer.itemsize for st in strides))


def _plain_c_order(arr: np.ndarray, fmt: dt.memory_format) -> bool:
    """Whether a copy of ``arr`` in ``fmt`` is plain numpy C order (numpy's own strides are PyTorch's)."""
    if fmt is dt.channels_last or fmt is dt.channels_last_3d or not arr.flags.c_contiguous:
        return False
    return fmt is dt.contiguous_format or (arr.size > 1 and 1 not in arr.shape)


def alloc_like(arr: np.ndarray, npdt: np.dtype, fmt: dt.memory_format) -> np.ndarray:
    """Zeros shaped like ``arr`` in memory format ``fmt`` (``preserve_format`` keeps ``arr``'s layout)."""
    if _plain_c_order(arr, fmt):
        return np.zeros(arr.shape, dtype=npdt)
    return empty_strided_array(arr.shape, format_strides(arr, fmt), npdt)


def copy_as(arr: np.ndarray, npdt: np.dtype, fmt: dt.memory_format) -> np.ndarray:
    """A copy of ``arr`` cast to ``npdt`` and laid out in memory format ``fmt``."""
    if _plain_c_order(arr, fmt):
        return cast(arr, npdt)
    out = alloc_like(arr, npdt, fmt)
    np.copyto(out, arr.astype(np.float32) if npdt == np.float16 and arr.dtype == np.float64 else arr, casting="unsafe")
    return out


def _register() -> None:
    from .autograd import engine, function

    function.Tensor = Tensor
    function._make = Tensor._make
    engine.Tensor = Tensor


_register()
