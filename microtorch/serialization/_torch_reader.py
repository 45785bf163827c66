"""Reading ``torch.save`` archives through a restricted unpickler (PyTorch's ``weights_only``): only tensor
rebuilding, storages, dtypes and plain containers are admitted, and nothing from a file ever runs. Tensors are
views of their storages, read only up to the sizes their declared element counts need.
"""

from __future__ import annotations

import io
import math
import pickle
import zipfile
import zlib
from collections import Counter, OrderedDict
from typing import Any

import numpy as np

from .. import _dtype as dt
from .._device import device as _Device
from .._tensor import Size, Tensor
from ._archive import _Archive
from ._placement import _Placement

_STORAGES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
# storages of dtypes that numpy (and so microtorch) lacks: their tensors load as a clear error
_LACKING_STORAGES = {
    "BFloat16Storage": ("bfloat16", 2),
    "ComplexHalfStorage": ("complex32", 4),
    "ComplexFloatStorage": ("complex64", 8),
    "ComplexDoubleStorage": ("complex128", 16),
    "QInt8Storage": ("qint8", 1),
    "QUInt8Storage": ("quint8", 1),
    "QInt32Storage": ("qint32", 4),
    "QUInt4x2Storage": ("quint4x2", 1),
    "QUInt2x4Storage": ("quint2x4", 1),
}
_TORCH_DTYPES = {
    "float32": "float32",
    "float": "float32",
    "float64": "float64",
    "double": "float64",
    "float16": "float16",
    "half": "float16",
    "int64": "int64",
    "long": "int64",
    "int32": "int32",
    "int": "int32",
    "int16": "int16",
    "short": "int16",
    "int8": "int8",
    "uint8": "uint8",
    "bool": "bool",
}
_LACKING_DTYPES = {
    "bfloat16": "bfloat16",
    "complex32": "complex32",
    "chalf": "complex32",
    "complex64": "complex64",
    "cfloat": "complex64",
    "complex128": "complex128",
    "cdouble": "complex128",
    **{n: n for n in ("uint16", "uint32", "uint64", "qint8", "quint8", "qint32", "quint4x2", "quint2x4")},
    **{n: n for n in ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu")},
    **{n: n for n in ("float4_e2m1fn_x2", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16")},
    **{f"{s}int{b}": f"{s}int{b}" for s in ("", "u") for b in range(1, 8)},
}


class _Refused(pickle.UnpicklingError):
    """The file asks for something the restricted unpickler does not admit."""


class _NoBuild:
    """Objects the restricted unpickler hands out: pickle's BUILD opcode may not modify them."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise _Refused(f"Weights only load failed: BUILD on {type(self).__name__} is not allowed")


class _StorageType(_NoBuild):
    """Stands in for ``torch.FloatStorage`` & co.: the torch dtype name and numpy dtype (None where lacking)."""

    __slots__ = ("torch_name", "np", "itemsize")

    def __init__(self, name: str) -> None:
        if name in _LACKING_STORAGES:
            self.torch_name, self.itemsize = _LACKING_STORAGES[name]
            self.np = None
        else:
            self.np = np.dtype(_STORAGES.get(name, np.uint8))  # UntypedStorage: bytes
            self.torch_name, self.itemsize = str(self.np), self.np.itemsize


class _TorchDtype(_NoBuild):
    """Stands in for ``torch.float32`` & co.: the torch name, microtorch's dtype for tensors (None where
    lacking) and the dtype a bare mention loads as (``torch.bfloat16`` is microtorch's alias of float32)."""

    __slots__ = ("torch_name", "value", "bare")

    def __init__(self, torch_name: str, value: dt.dtype | None, bare: dt.dtype | None) -> None:
        self.torch_name = torch_name
        self.value = value
        self.bare = bare


class _Call(_NoBuild):
    """A fresh callable per global lookup, so a file cannot alter our functions' attributes."""

    __slots__ = ("fn",)

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


class _Ref(_NoBuild):
    """A rebuilt tensor, swapped for the real object once unpickling is done."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Bad(_NoBuild):
    """A tensor that cannot be loaded: the error is raised once its place in the object is known."""

    __slots__ = ("why",)

    def __init__(self, why: str) -> None:
        self.why = why


class _Storage(_NoBuild):
    """A storage of the archive, read (bounded by its declared element count) when a tensor first uses it."""

    __slots__ = ("reader", "key", "stype", "numel", "bytes", "typed")

    def __init__(self, reader: _RestrictedUnpickler, key: str, stype: _StorageType, numel: int) -> None:
        self.reader = reader
        self.key = key
        self.stype = stype
        self.numel = numel  # in elements of stype (bytes for an UntypedStorage)
        self.bytes: np.ndarray | None = None
        self.typed: dict[np.dtype, np.ndarray] = {}

    @property
    def member(self) -> str:
        return f"{self.reader.prefix}data/{self.key}"

    def array(self, dtype: np.dtype) -> np.ndarray:
        """The storage's elements as a 1-d array of ``dtype`` (native byte order), one array per dtype."""
        arr = self.typed.get(dtype)
        if arr is not None:
            return arr
        if self.bytes is None:
            need = self.numel * self.stype.itemsize
            what = f"its {self.numel} elements of {self.stype.torch_name}"
            self.bytes = self.reader.archive.read(self.member, (need, need + self.stype.itemsize - 1), what)
        raw = self.bytes[: self.numel * self.stype.itemsize // dtype.itemsize * dtype.itemsize]
        if dtype == np.bool_:
            arr = raw.view(np.bool_) if not (raw > 1).any() else raw != 0
        else:
            arr = raw.view(dtype.newbyteorder(self.reader.byteorder))
            if not arr.dtype.isnative:
                arr = arr.astype(dtype)
        self.typed[dtype] = arr
        return arr


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    return _rebuild(storage, storage_offset, size, stride, requires_grad, None)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype=None, metadata=None):
    if not isinstance(dtype, _TorchDtype):
        raise _Refused("_rebuild_tensor_v3: expected a dtype")
    return _rebuild(storage, storage_offset, size, stride, requires_grad, dtype)


def _rebuild(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any, dtype: _TorchDtype | None):
    """A tensor viewing ``storage`` (no copy), or a ``_Bad`` that says why it cannot be loaded."""
    if not isinstance(storage, _Storage):
        raise _Refused("_rebuild_tensor: expected a storage")
    offset, size, stride = _geometry(offset, size, stride)
    where = f"storage '{storage.key}'"
    if dtype is None:
        torch_name, np_dtype = storage.stype.torch_name, storage.stype.np
    else:
        torch_name, np_dtype = dtype.torch_name, None if dtype.value is None else dtype.value.np
    if np_dtype is None:
        return _Bad(
            f"tensor of dtype torch.{torch_name} ({where}), which microtorch (built on numpy) does not support; "
            "convert it in PyTorch before saving (e.g. t.float(), or t.real / t.imag for complex)"
        )
    if storage.stype.np is None:
        return _Bad(f"tensor of dtype {torch_name} over a storage of torch.{storage.stype.torch_name} ({where})")
    elements = storage.numel * storage.stype.itemsize // np_dtype.itemsize
    problem = _out_of_bounds(offset, size, stride, elements, np_dtype.itemsize)
    if problem:
        return _Bad(f"{problem} of {where}, which holds {elements} elements")
    arr = _strided(storage.array(np_dtype), offset, size, stride)
    return _Ref(_make_tensor(arr, requires_grad is True))


def _geometry(offset: Any, size: Any, stride: Any) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    def ints(v: Any) -> tuple[int, ...]:
        if not isinstance(v, (tuple, list)) or not all(type(s) is int for s in v):
            raise _Refused(f"_rebuild_tensor: size and stride must be tuples of integers, got {v!r:.80}")
        return tuple(v)

    size, stride = ints(size), ints(stride)
    if type(offset) is not int or offset < 0 or len(size) != len(stride) or len(size) > 64:
        raise _Refused(
            f"_rebuild_tensor: bad storage offset {offset!r:.40}, size {size!r:.80} or stride {stride!r:.80}"
        )
    if any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise _Refused(f"_rebuild_tensor: negative size {list(size)} or stride {list(stride)}")
    return offset, size, stride


def _out_of_bounds(offset: int, size: tuple[int, ...], stride: tuple[int, ...], elements: int, item: int) -> str:
    """Why a tensor of this geometry does not fit its storage ('' when it does)."""
    geometry = f"tensor of size {list(size)}, stride {list(stride)} and storage offset {offset}"
    if math.prod(size) * item >= 1 << 62:
        return f"{geometry} is too large"
    if math.prod(size) == 0:
        return f"{geometry} starts past the end" if offset > elements else ""
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    return f"{geometry} reaches element {last}" if last >= elements else ""


def _strided(arr: np.ndarray, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> np.ndarray:
    """A view of ``arr``; read-only where elements share memory (stride 0), like an expanded tensor."""
    if math.prod(size) == 0:
        return arr[:0].reshape(size)
    overlap = any(n > 1 and s == 0 for n, s in zip(size, stride))
    strides = tuple(s * arr.itemsize for s in stride)
    return np.lib.stride_tricks.as_strided(arr[offset:], size, strides, writeable=not overlap)


def _rebuild_parameter(data, requires_grad=True, backward_hooks=None, state=None):
    if isinstance(data, _Bad):
        return data
    if not isinstance(data, _Ref) or not isinstance(data.value, Tensor):
        raise _Refused("_rebuild_parameter: expected a tensor")
    return _Ref(_make_tensor(data.value._data, requires_grad is True, parameter=True))


def _torch_size(*args):
    return Size(*args) if args else Size()


def _counter(items: Any = None) -> Counter:
    if items is not None and not isinstance(items, dict):
        raise _Refused("collections.Counter: expected a dict")
    return Counter(items or {})


def _set(items: Any = ()) -> set:
    if not isinstance(items, (list, tuple)):
        raise _Refused("builtins.set: expected a list")
    return set(items)


def _complex(real: Any = 0.0, imag: Any = 0.0) -> complex:
    if not all(type(v) in (int, float) for v in (real, imag)):
        raise _Refused("builtins.complex: expected two numbers")
    return complex(real, imag)


def _latin1(text: Any, encoding: Any = "latin1") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _Refused("_codecs.encode: only the latin-1 encoding of a str (pickle's bytes) is admitted")
    return text.encode("latin-1")


def _torch_device(kind: Any, index: Any = None) -> _Device:
    if not isinstance(kind, str) or not (index is None or type(index) is int):
        raise _Refused("torch.device: expected a device string and an optional index")
    return _Device(kind) if index is None else _Device(kind, index)


_ALLOWED_FUNCTIONS = {
    ("collections", "Counter"): _counter,
    ("builtins", "set"): _set,
    ("builtins", "complex"): _complex,
    ("_codecs", "encode"): _latin1,
    ("torch", "device"): _torch_device,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): _torch_size,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Admits only tensor rebuilding, storages, dtypes and plain containers (PyTorch's ``weights_only``)."""

    def __init__(self, archive: _Archive, prefix: str, byteorder: str, placement: _Placement, weights_only: bool):
        super().__init__(io.BytesIO(archive.read(prefix + "data.pkl").tobytes()))
        self.archive = archive
        self.prefix = prefix
        self.byteorder = "<" if byteorder == "little" else ">"
        self.placement = placement
        self.weights_only = weights_only
        self.storages: dict[str, _Storage] = {}
        self.user_error: BaseException | None = None

    def find_class(self, module: str, name: str) -> Any:
        if module == "__builtin__":  # protocol 2's name of builtins, as torch.save writes it
            module = "builtins"
        fn = _ALLOWED_FUNCTIONS.get((module, name))
        if fn is not None:
            return _Call(fn)
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module == "torch" and (name in _STORAGES or name in _LACKING_STORAGES)) or (
            (module, name) == ("torch.storage", "UntypedStorage")
        ):
            return _StorageType(name)
        if module == "torch" and name in _TORCH_DTYPES:
            value = dt._NAMES[_TORCH_DTYPES[name]]
            return _TorchDtype(name, value, value)
        if module == "torch" and name in _LACKING_DTYPES:
            torch_name = _LACKING_DTYPES[name]
            return _TorchDtype(torch_name, None, dt.bfloat16 if torch_name == "bfloat16" else None)
        if self.weights_only:
            raise _Refused(
                f"Weights only load failed: unsupported global {module}.{name}; microtorch.load admits only "
                "tensors, storages, dtypes and plain containers and never runs code from a file"
            )
        raise _Refused(
            f"load failed: unsupported global {module}.{name}: microtorch.load never runs code from a file, not "
            "even with weights_only=False, and this file needs arbitrary code to load; it admits only tensors, "
            "storages, dtypes and plain containers"
        )

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage" or not isinstance(pid[1], _StorageType):
            raise _Refused(f"unsupported persistent id {pid!r:.80}")
        stype, key, location, numel = pid[1], pid[2], pid[3], pid[4]
        if not isinstance(key, str) or not key or "/" in key or "\\" in key or key.startswith("."):
            raise _Refused(f"bad storage key {key!r:.80}")
        if type(numel) is not int or numel < 0 or not isinstance(location, str):
            raise _Refused(f"bad size {numel!r:.40} or location {location!r:.40} of storage {key!r}")
        cached = self.storages.get(key)
        if cached is not None:
            return cached
        try:
            self.placement.restore(location, key, numel * stype.itemsize)
        except BaseException as err:
            self.user_error = err
            raise
        storage = self.storages[key] = _Storage(self, key, stype, numel)
        return storage


def _resolve(obj: Any, memo: dict[int, Any], name: str, path: tuple = (), depth: int = 0) -> Any:
    """Swap the unpickler's stand-ins for tensors and dtypes; refuse anything else left over."""
    if depth > 200:
        raise RecursionError("nesting too deep")
    if isinstance(obj, _Ref):
        return obj.value
    if isinstance(obj, _TorchDtype):
        if obj.bare is None:
            raise _unloadable(name, path, f"dtype torch.{obj.torch_name}, which microtorch does not support")
        return obj.bare
    if isinstance(obj, _Bad):
        raise _unloadable(name, path, obj.why)
    if isinstance(obj, _NoBuild):
        raise _Refused(f"Weights only load failed: a bare {type(obj).__name__} in the loaded object")
    if not isinstance(obj, (dict, list, tuple, set)):
        return obj
    key = id(obj)
    if key in memo:
        return memo[key]
    if isinstance(obj, dict):
        memo[key] = obj
        items = list(dict.items(obj))  # not obj.items: BUILD may have set instance attributes
        dict.clear(obj)
        for k, v in items:
            k = _resolve(k, memo, name, path, depth + 1)
            dict.__setitem__(obj, k, _resolve(v, memo, name, (*path, k), depth + 1))
        if isinstance(obj, OrderedDict) and vars(obj):
            _keep_metadata(obj, memo, name, path, depth)
        elif type(obj) is not dict:
            vars(obj).clear()  # BUILD may have set attributes shadowing a Counter's methods
        return obj
    if isinstance(obj, set):
        memo[key] = out = {_resolve(v, memo, name, path, depth + 1) for v in obj}
        return out
    if isinstance(obj, list):
        memo[key] = obj
        obj[:] = [_resolve(v, memo, name, (*path, i), depth + 1) for i, v in enumerate(obj)]
        return obj
    items = tuple(_resolve(v, memo, name, (*path, i), depth + 1) for i, v in enumerate(obj))
    out = Size(items) if isinstance(obj, Size) else items
    memo[key] = out
    return out


def _keep_metadata(obj: OrderedDict, memo: dict[int, Any], name: str, path: tuple, depth: int) -> None:
    """Of the attributes a file set on an OrderedDict, keep only a state dict's ``_metadata``."""
    meta = vars(obj).pop("_metadata", None)
    vars(obj).clear()
    if isinstance(meta, dict):
        obj._metadata = _resolve(meta, memo, name, path, depth + 1)


def _unloadable(name: str, path: tuple, why: str) -> RuntimeError:
    where = "".join(f"[{k!r}]" for k in path) or "the loaded object"
    return RuntimeError(f"load: '{name}': {where}: {why}")


_CORRUPT = (
    EOFError,
    IndexError,
    TypeError,
    AttributeError,
    KeyError,
    ValueError,
    RecursionError,
    OverflowError,
    UnicodeDecodeError,
    zipfile.BadZipFile,
    zlib.error,
    pickle.UnpicklingError,
)


def _load_torch(archive: _Archive, prefix: str, placement: _Placement, weights_only: bool) -> Any:
    byteorder = "little"
    if prefix + "byteorder" in archive.names:
        byteorder = archive.read(prefix + "byteorder").tobytes().decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise archive.fail(f"unknown byteorder {byteorder[:20]!r}")
    unpickler = _RestrictedUnpickler(archive, prefix, byteorder, placement, weights_only)
    try:
        return _resolve(unpickler.load(), {}, archive.name)
    except _Refused:
        raise
    except _CORRUPT as err:
        if err is unpickler.user_error:
            raise
        raise archive.fail(f"{type(err).__name__}: {err}") from None


def _make_tensor(arr: np.ndarray, requires_grad: bool, parameter: Any = None) -> Tensor:
    """A tensor over ``arr`` (no copy); an ``nn.Parameter`` when ``parameter``."""
    if parameter:
        from ..nn.parameter import Parameter

        return Parameter(Tensor._make(arr), requires_grad=requires_grad)
    t = Tensor._make(arr)
    if requires_grad and arr.dtype.kind == "f":
        t._requires_grad = True
    return t
