"""``save`` / ``load``: checkpoints as a zip of plain ``.npy`` arrays plus a JSON description.

No pickle is written, and none is executed on load. ``load`` also reads files written by
``torch.save`` (a zip holding ``data.pkl`` and raw storages) through a restricted unpickler
that admits only the tensor-rebuild functions, storage types, dtypes and plain containers.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
import zlib
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from . import _dtype as dt
from ._tensor import Size, Tensor

__all__ = ["save", "load"]

_MAGIC = "microtorch-checkpoint"
_VERSION = 1
_INDEX = "microtorch.json"
_ALLOWED_NP = {d.np.str for d in dt._ALL} | {np.dtype(np.bool_).str}

FileLike = str | os.PathLike | IO[bytes]


# --- writing ----------------------------------------------------------------------------
class _Encoder:
    """Turns a nested object into JSON-able nodes and a list of arrays."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.memo: dict[int, int] = {}

    def array(self, arr: np.ndarray, owner: Any) -> int:
        key = id(owner)
        if key not in self.memo:
            if arr.dtype.str not in _ALLOWED_NP:
                raise TypeError(f"save: unsupported array dtype {arr.dtype}")
            self.memo[key] = len(self.arrays)
            self.arrays.append(arr)
        return self.memo[key]

    def encode(self, obj: Any, depth: int = 0) -> Any:
        if depth > 200:
            raise ValueError("save: object nesting is too deep (or contains a cycle)")
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if np.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, np.generic):
            return self.encode(obj.item(), depth)
        if isinstance(obj, Tensor):
            node = {"tensor": self.array(obj._data, obj), "requires_grad": bool(obj._requires_grad)}
            if type(obj).__name__ == "Parameter":
                node["parameter"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.array(obj, obj)}
        if isinstance(obj, dt.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, (list, tuple)):
            tag = "tuple" if isinstance(obj, tuple) else "list"
            return {tag: [self.encode(v, depth + 1) for v in obj]}
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            return {tag: [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in obj.items()]}
        raise TypeError(
            f"save: cannot serialize an object of type {type(obj).__name__}; microtorch checkpoints hold only "
            "tensors, arrays, numbers, strings, None, dtypes and (nested) dicts, lists and tuples"
        )


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2, **kwargs: Any) -> None:
    """Write ``obj`` (nested containers of tensors, numbers, strings) to a path or binary file object."""
    enc = _Encoder()
    root = enc.encode(obj)
    index = {"format": _MAGIC, "version": _VERSION, "arrays": len(enc.arrays), "root": root}
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            _write_zip(fh, index, enc.arrays)
    elif hasattr(f, "write"):
        _write_zip(f, index, enc.arrays)
    else:
        raise TypeError(f"save: f must be a path or a writable binary file object, got {type(f).__name__}")


def _write_zip(fh: IO[bytes], index: dict, arrays: list[np.ndarray]) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(_INDEX, json.dumps(index))
        for i, arr in enumerate(arrays):
            buf = io.BytesIO()
            np.save(buf, arr if arr.flags.c_contiguous else np.array(arr, order="C"), allow_pickle=False)
            z.writestr(f"data/{i}.npy", buf.getvalue())


# --- reading ----------------------------------------------------------------------------
def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool = True, **kwargs: Any):
    """Read an object written by ``save`` (or a state dict written by ``torch.save``); never runs code."""
    _check_map_location(map_location)
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file object>")
    if isinstance(f, (str, os.PathLike)):
        if not os.path.exists(f):
            raise FileNotFoundError(f"load: no such file: '{name}'")
        with open(f, "rb") as fh:
            raw = fh.read()
    elif hasattr(f, "read"):
        raw = f.read()
        if not isinstance(raw, bytes):
            raise TypeError("load: the file object must be opened in binary mode")
    else:
        raise TypeError(f"load: f must be a path or a readable binary file object, got {type(f).__name__}")
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise RuntimeError(f"load: '{name}' is not a microtorch checkpoint (not a zip archive, or truncated)") from None
    with z:
        names = z.namelist()
        try:
            if _INDEX in names:
                return _load_own(z, name)
            pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
            if len(pkl) == 1:
                return _load_torch(z, pkl[0][: -len("data.pkl")], name)
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, zlib.error, RecursionError) as err:
            raise RuntimeError(f"load: '{name}' is corrupt: {type(err).__name__}: {err}") from None
    raise RuntimeError(f"load: '{name}' is not a microtorch checkpoint (no {_INDEX} and no torch data.pkl)")


def _check_map_location(map_location: Any) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    where = str(map_location)
    if not where.startswith("cpu"):
        raise RuntimeError(
            f"load: cannot map storages to '{where}': microtorch runs on the CPU only (use map_location='cpu')"
        )


def _load_own(z: zipfile.ZipFile, name: str) -> Any:
    try:
        index = json.loads(z.read(_INDEX).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RuntimeError(f"load: '{name}' is corrupt: unreadable {_INDEX} ({err})") from None
    if not isinstance(index, dict) or index.get("format") != _MAGIC:
        raise RuntimeError(f"load: '{name}' is not a microtorch checkpoint")
    if index.get("version") != _VERSION:
        raise RuntimeError(f"load: '{name}' has checkpoint version {index.get('version')!r}; expected {_VERSION}")
    count = index.get("arrays")
    if not isinstance(count, int) or count < 0:
        raise RuntimeError(f"load: '{name}' is corrupt: bad array count")
    arrays = []
    for i in range(count):
        member = f"data/{i}.npy"
        try:
            arr = np.load(io.BytesIO(z.read(member)), allow_pickle=False)
        except KeyError:
            raise RuntimeError(f"load: '{name}' is corrupt: missing {member}") from None
        except ValueError as err:
            raise RuntimeError(f"load: '{name}' is corrupt: {member}: {err}") from None
        if arr.dtype.str not in _ALLOWED_NP:
            raise RuntimeError(f"load: '{name}' is corrupt: {member} has unsupported dtype {arr.dtype}")
        arrays.append(arr)
    return _Decoder(arrays, name).decode(index.get("root"))


class _Decoder:
    """Rebuilds objects from the JSON nodes written by ``_Encoder``."""

    def __init__(self, arrays: list[np.ndarray], name: str) -> None:
        self.arrays = arrays
        self.name = name
        self.tensors: dict[int, Tensor] = {}

    def fail(self, what: str) -> RuntimeError:
        return RuntimeError(f"load: '{self.name}' is corrupt: {what}")

    def index(self, i: Any) -> int:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(self.arrays):
            raise self.fail(f"array reference {i!r} out of range")
        return i

    def decode(self, node: Any, depth: int = 0) -> Any:
        if depth > 200:
            raise self.fail("nesting too deep")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict) or len(node) == 0:
            raise self.fail(f"unexpected node {node!r:.80}")
        if "tensor" in node:
            i = self.index(node["tensor"])
            if i not in self.tensors:
                self.tensors[i] = _make_tensor(self.arrays[i], bool(node.get("requires_grad")), node.get("parameter"))
            return self.tensors[i]
        if len(node) != 1:
            raise self.fail(f"unexpected node {node!r:.80}")
        ((tag, value),) = node.items()
        if tag == "float" and value in ("inf", "-inf", "nan"):
            return float(value)
        if tag == "ndarray":
            return self.arrays[self.index(value)]
        if tag == "dtype":
            if value not in dt._NAMES:
                raise self.fail(f"unknown dtype {value!r}")
            return dt._NAMES[value]
        if tag in ("list", "tuple") and isinstance(value, list):
            items = [self.decode(v, depth + 1) for v in value]
            return items if tag == "list" else tuple(items)
        if tag in ("dict", "odict") and isinstance(value, list):
            out = OrderedDict() if tag == "odict" else {}
            for pair in value:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise self.fail("malformed dict entry")
                key = self.decode(pair[0], depth + 1)
                try:
                    out[key] = self.decode(pair[1], depth + 1)
                except TypeError:
                    raise self.fail(f"unhashable dict key {key!r:.80}") from None
            return out
        raise self.fail(f"unknown node type {tag!r}")


def _make_tensor(arr: np.ndarray, requires_grad: bool, parameter: Any = None) -> Tensor:
    if parameter:
        try:
            from .nn.parameter import Parameter
        except ImportError:
            Parameter = None
        if Parameter is not None:
            return Parameter(Tensor._make(arr), requires_grad=requires_grad)
    t = Tensor._make(arr)
    if requires_grad and arr.dtype.kind == "f":
        t._requires_grad = True
    return t


# --- reading torch.save files -----------------------------------------------------------
_STORAGES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16",
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
_TORCH_DTYPES = {
    "float32": "float32",
    "float": "float32",
    "float64": "float64",
    "double": "float64",
    "float16": "float16",
    "half": "float16",
    "bfloat16": "float32",
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


class _NoBuild:
    """Objects the restricted unpickler hands out: pickle's BUILD opcode may not modify them."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise pickle.UnpicklingError(f"Weights only load failed: BUILD on {type(self).__name__} is not allowed")


class _StorageType(_NoBuild):
    """Stands in for ``torch.FloatStorage`` & co. inside the restricted unpickler."""

    __slots__ = ("name", "np")

    def __init__(self, name: str) -> None:
        self.name = name
        self.np = _STORAGES[name]


class _Call(_NoBuild):
    """A fresh callable per global lookup, so a file cannot alter our functions' attributes."""

    __slots__ = ("fn",)

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


class _Ref(_NoBuild):
    """A rebuilt tensor or a dtype, swapped for the real object once unpickling is done."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    if not isinstance(storage, np.ndarray):
        raise pickle.UnpicklingError("_rebuild_tensor_v2: expected a storage")
    try:
        size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
        offset = int(storage_offset)
    except (TypeError, ValueError):
        raise pickle.UnpicklingError("_rebuild_tensor_v2: size, stride and offset must be integers") from None
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride) or offset < 0:
        raise pickle.UnpicklingError(f"_rebuild_tensor_v2: bad size {size} / stride {stride}")
    if all(size):
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.size:
            raise pickle.UnpicklingError("_rebuild_tensor_v2: tensor extends past the end of its storage")
    elif offset > storage.size:
        raise pickle.UnpicklingError("_rebuild_tensor_v2: storage offset out of range")
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:] if all(size) else storage[:0], size, tuple(s * item for s in stride), writeable=False
    )
    return _Ref(_make_tensor(np.array(view, copy=True), requires_grad is True))


def _rebuild_parameter(data, requires_grad=True, backward_hooks=None, state=None):
    if not isinstance(data, _Ref) or not isinstance(data.value, Tensor):
        raise pickle.UnpicklingError("_rebuild_parameter: expected a tensor")
    return _Ref(_make_tensor(data.value._data, requires_grad is True, parameter=True))


def _torch_size(*args):
    return Size(*args) if args else Size()


_ALLOWED_FUNCTIONS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): _torch_size,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Admits only tensor rebuilding, storages, dtypes and plain containers (PyTorch's ``weights_only``)."""

    def __init__(self, data: bytes, zf: zipfile.ZipFile, prefix: str, byteorder: str) -> None:
        super().__init__(io.BytesIO(data))
        self.zf = zf
        self.prefix = prefix
        self.byteorder = "<" if byteorder == "little" else ">"
        self.storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        fn = _ALLOWED_FUNCTIONS.get((module, name))
        if fn is not None:
            return _Call(fn)
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch" and name in _STORAGES:
            return _StorageType(name)
        if module == "torch" and name in _TORCH_DTYPES:
            return _Ref(dt._NAMES[_TORCH_DTYPES[name]])
        raise pickle.UnpicklingError(
            f"Weights only load failed: unsupported global {module}.{name}; microtorch.load admits only tensors, "
            "storages, dtypes and plain containers and never runs code from a file"
        )

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage" or not isinstance(pid[1], _StorageType):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.80}")
        stype, key, numel = pid[1], str(pid[2]), pid[4]
        if "/" in key or "\\" in key or key.startswith("."):
            raise pickle.UnpicklingError(f"bad storage key {key!r}")
        cached = self.storages.get(key)
        if cached is not None:
            return cached
        raw = self.zf.read(f"{self.prefix}data/{key}")
        if stype.np == "bfloat16":
            bits = np.frombuffer(raw, dtype=self.byteorder + "u2", count=len(raw) // 2).astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            dtype = np.dtype(stype.np).newbyteorder(self.byteorder)
            arr = np.frombuffer(raw, dtype=dtype, count=len(raw) // dtype.itemsize)
            arr = arr.astype(dtype.newbyteorder("="), copy=False)
        if isinstance(numel, int) and arr.size < numel:
            raise pickle.UnpicklingError(f"storage {key} is truncated ({arr.size} of {numel} elements)")
        self.storages[key] = arr
        return arr


def _resolve(obj: Any, memo: dict[int, Any], depth: int = 0) -> Any:
    """Swap the unpickler's stand-ins for tensors and dtypes; refuse anything else left over."""
    if depth > 200:
        raise RecursionError("nesting too deep")
    if isinstance(obj, _Ref):
        return obj.value
    if isinstance(obj, _NoBuild):
        raise pickle.UnpicklingError(f"Weights only load failed: a bare {type(obj).__name__} in the loaded object")
    if isinstance(obj, np.ndarray):
        raise pickle.UnpicklingError("Weights only load failed: a bare storage in the loaded object")
    if not isinstance(obj, (dict, list, tuple)):
        return obj
    key = id(obj)
    if key in memo:
        return memo[key]
    if isinstance(obj, dict):
        memo[key] = obj
        items = list(obj.items())
        obj.clear()
        for k, v in items:
            obj[_resolve(k, memo, depth + 1)] = _resolve(v, memo, depth + 1)
        return obj
    if isinstance(obj, list):
        memo[key] = obj
        obj[:] = [_resolve(v, memo, depth + 1) for v in obj]
        return obj
    items = tuple(_resolve(v, memo, depth + 1) for v in obj)
    out = Size(items) if isinstance(obj, Size) else items
    memo[key] = out
    return out


def _load_torch(z: zipfile.ZipFile, prefix: str, name: str) -> Any:
    names = set(z.namelist())
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = z.read(prefix + "byteorder").decode("ascii", "replace").strip()
        if byteorder not in ("little", "big"):
            raise RuntimeError(f"load: '{name}' is corrupt: unknown byteorder {byteorder!r}")
    unpickler = _RestrictedUnpickler(z.read(prefix + "data.pkl"), z, prefix, byteorder)
    try:
        return _resolve(unpickler.load(), {})
    except pickle.UnpicklingError:
        raise
    except (EOFError, IndexError, TypeError, AttributeError, RecursionError, pickle.PickleError) as err:
        raise RuntimeError(f"load: '{name}' is corrupt: {type(err).__name__}: {err}") from None
