"""Writing PyTorch's own checkpoint layout (``torch.save``'s zip format) without needing torch.

The archive holds one top-level folder ``<name>/`` with ``data.pkl`` (a protocol-2 pickle whose tensors are
``torch._utils._rebuild_tensor_v2`` calls on persistent-id storages), ``data/<key>`` (each storage's raw
little-endian bytes, 64-byte aligned), ``version``, ``byteorder``, ``.format_version``,
``.storage_alignment`` and ``.data/serialization_id``, so real ``torch.load(path, weights_only=True)``
reads it. The pickle is emitted opcode by opcode: the globals it names (``torch FloatStorage`` & co.)
are written as text and never imported.
"""

from __future__ import annotations

import os
import pickle
import secrets
import struct
import zipfile
from collections import Counter, OrderedDict
from typing import IO, Any

import numpy as np

from .. import _dtype as dt
from .._device import device as _Device
from .._tensor import Size, Tensor

__all__ = ["archive_name", "pickle_checkpoint", "write_archive"]

_STORAGE_NAMES = {
    np.dtype(np.float32): "FloatStorage",
    np.dtype(np.float64): "DoubleStorage",
    np.dtype(np.float16): "HalfStorage",
    np.dtype(np.int64): "LongStorage",
    np.dtype(np.int32): "IntStorage",
    np.dtype(np.int16): "ShortStorage",
    np.dtype(np.int8): "CharStorage",
    np.dtype(np.uint8): "ByteStorage",
    np.dtype(np.bool_): "BoolStorage",
}
_ALIGNMENT = 64
_MAX_DEPTH = 200


class _StorageRecord:
    """One storage of the archive: a flat array whose bytes become ``data/<key>``."""

    __slots__ = ("key", "flat")

    def __init__(self, key: str, flat: np.ndarray) -> None:
        self.key = key
        self.flat = flat


def _root(arr: np.ndarray) -> np.ndarray:
    """The array that owns ``arr``'s memory (through numpy views and ``as_strided`` wrappers)."""
    root = arr
    while True:
        nxt = root.base
        if not isinstance(nxt, np.ndarray):
            nxt = getattr(nxt, "base", None)  # as_strided keeps its source behind a wrapper object
        if not isinstance(nxt, np.ndarray):
            return root
        root = nxt


class _Storages:
    """Maps tensors to storage records, one per block of memory, so views keep sharing one storage."""

    def __init__(self) -> None:
        self.records: list[_StorageRecord] = []
        self.by_memory: dict[tuple[int, int, str], _StorageRecord] = {}
        self.keep: list[np.ndarray] = []  # holds the roots so their ids stay unique while writing

    def locate(self, arr: np.ndarray) -> tuple[_StorageRecord, int, tuple[int, ...], tuple[int, ...]]:
        """The storage of ``arr`` and its offset, size and stride there (in elements)."""
        found = self._shared(arr)
        if found is not None:
            return found
        flat = np.ascontiguousarray(arr).reshape(-1)
        record = self._new(flat)
        return record, 0, arr.shape, _contiguous_strides(arr.shape)

    def _new(self, flat: np.ndarray) -> _StorageRecord:
        record = _StorageRecord(str(len(self.records)), flat)
        self.records.append(record)
        return record

    def _shared(self, arr: np.ndarray):
        """Locate ``arr`` inside the memory block of its root array, or None where it cannot be expressed."""
        item = arr.dtype.itemsize
        root = _root(arr)
        if arr.size == 0 or not (root.flags.c_contiguous or root.flags.f_contiguous) or root.nbytes % item:
            return None
        if any(s < 0 or s % item for s in arr.strides):
            return None
        start = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        if start < 0 or start % item:
            return None
        offset = start // item
        last = offset + sum((n - 1) * s // item for n, s in zip(arr.shape, arr.strides))
        if last >= root.nbytes // item:
            return None
        key = (id(root), root.__array_interface__["data"][0], arr.dtype.str)
        record = self.by_memory.get(key)
        if record is None:
            record = self.by_memory[key] = self._new(root.reshape(-1, order="A").view(np.uint8).view(arr.dtype))
            self.keep.append(root)
        return record, offset, arr.shape, tuple(s // item for s in arr.strides)


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


class _PickleWriter:
    """Emits the protocol-2 pickle of a checkpoint object, the way ``torch.save`` pickles it."""

    def __init__(self) -> None:
        self.out = bytearray(pickle.PROTO + b"\x02")
        self.memo: dict[Any, int] = {}
        self.alive: list[Any] = []  # objects memoized by id stay referenced
        self.storages = _Storages()

    def finish(self) -> bytes:
        """The pickle's bytes."""
        self.out += pickle.STOP
        return bytes(self.out)

    # memo
    def _put(self, key: Any) -> None:
        index = self.memo[key] = len(self.memo)
        self.out += pickle.BINPUT + bytes([index]) if index < 256 else pickle.LONG_BINPUT + struct.pack("<I", index)

    def _get(self, key: Any) -> bool:
        index = self.memo.get(key)
        if index is None:
            return False
        self.out += pickle.BINGET + bytes([index]) if index < 256 else pickle.LONG_BINGET + struct.pack("<I", index)
        return True

    def global_(self, module: str, name: str) -> None:
        """A GLOBAL opcode naming ``module.name`` (memoized, never imported)."""
        if not self._get(("global", module, name)):
            self.out += pickle.GLOBAL + f"{module}\n{name}\n".encode("ascii")
            self._put(("global", module, name))

    # values
    def save(self, obj: Any, depth: int = 0) -> None:
        """Append the opcodes that rebuild ``obj``."""
        if depth > _MAX_DEPTH:
            raise ValueError("save: object nesting is too deep (or contains a cycle)")
        if obj is None:
            self.out += pickle.NONE
        elif obj is True or obj is False:
            self.out += pickle.NEWTRUE if obj else pickle.NEWFALSE
        elif isinstance(obj, int) and type(obj) is not bool:
            self._int(int(obj))
        elif isinstance(obj, float):
            self.out += pickle.BINFLOAT + struct.pack(">d", obj)
        elif isinstance(obj, str):
            self._str(str(obj))
        elif isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            self.save(obj.item(), depth)
        elif isinstance(obj, complex):
            self._call("__builtin__", "complex", (obj.real, obj.imag), depth)
        elif isinstance(obj, bytes):  # protocol 2 has no bytes opcode: pickle's own latin-1 round trip
            self._call("_codecs", "encode", (obj.decode("latin-1"), "latin1"), depth)
        elif isinstance(obj, dt.dtype):
            self.global_("torch", obj.name)
        elif isinstance(obj, _Device):
            self._call("torch", "device", (str(obj),), depth)
        else:
            self._object(obj, depth)

    def _object(self, obj: Any, depth: int) -> None:
        """Objects that are memoized by identity: tensors and containers."""
        if self._get(id(obj)):
            return
        if isinstance(obj, Tensor):
            self._tensor(obj, depth)
        elif isinstance(obj, Size):
            self.global_("torch", "Size")
            self._tuple(tuple(obj), depth)
            self.out += pickle.TUPLE1 + pickle.REDUCE
        elif isinstance(obj, tuple):
            self._tuple(obj, depth)
        elif isinstance(obj, Counter):
            self._call("collections", "Counter", (dict(obj),), depth)
        elif type(obj) is set:
            self._call("__builtin__", "set", (list(obj),), depth)
        elif isinstance(obj, list):
            self.out += pickle.EMPTY_LIST
            self._memoize(obj)
            self._batched(obj, pickle.APPENDS, lambda v: self.save(v, depth + 1))
            return
        elif isinstance(obj, dict):
            self._dict(obj, depth)
            return
        else:
            raise TypeError(_unsupported(obj))
        self._memoize(obj)

    def _call(self, module: str, name: str, args: tuple, depth: int) -> None:
        """``module.name(*args)`` as GLOBAL, the argument tuple and REDUCE."""
        self.global_(module, name)
        self._tuple(args, depth)
        self.out += pickle.REDUCE

    def _memoize(self, obj: Any) -> None:
        self.alive.append(obj)
        self._put(id(obj))

    def _int(self, v: int) -> None:
        if 0 <= v < 256:
            self.out += pickle.BININT1 + bytes([v])
        elif 0 <= v < 65536:
            self.out += pickle.BININT2 + struct.pack("<H", v)
        elif -(2**31) <= v < 2**31:
            self.out += pickle.BININT + struct.pack("<i", v)
        else:
            raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            size = bytes([len(raw)]) if len(raw) < 256 else None
            self.out += pickle.LONG1 + size + raw if size else pickle.LONG4 + struct.pack("<i", len(raw)) + raw

    def _str(self, v: str) -> None:
        """A string, memoized by value (torch's pickle repeats ``'storage'`` and ``'cpu'`` by BINGET)."""
        if self._get(("str", v)):
            return
        raw = v.encode("utf-8", "surrogatepass")
        self.out += pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw
        self._put(("str", v))

    def _tuple(self, items: tuple, depth: int) -> None:
        if not items:
            self.out += pickle.EMPTY_TUPLE
            return
        if len(items) > 3:
            self.out += pickle.MARK
        for v in items:
            self.save(v, depth + 1)
        self.out += {1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}.get(len(items), pickle.TUPLE)

    def _batched(self, items: Any, opcode: bytes, each) -> None:
        items = list(items)
        for start in range(0, len(items), 1000):
            self.out += pickle.MARK
            for v in items[start : start + 1000]:
                each(v)
            self.out += opcode

    def _dict(self, obj: dict, depth: int) -> None:
        ordered = isinstance(obj, OrderedDict)
        if ordered:
            self._empty_ordered_dict()
        else:
            if type(obj) is not dict:
                raise TypeError(_unsupported(obj))
            self.out += pickle.EMPTY_DICT
        self._memoize(obj)

        def pair(kv: tuple) -> None:
            self.save(kv[0], depth + 1)
            self.save(kv[1], depth + 1)

        self._batched(obj.items(), pickle.SETITEMS, pair)
        state = vars(obj) if ordered else None
        if state:  # a state dict's _metadata, set with BUILD as torch does
            self.save(dict(state), depth + 1)
            self.out += pickle.BUILD

    def _empty_ordered_dict(self) -> None:
        self.global_("collections", "OrderedDict")
        self.out += pickle.EMPTY_TUPLE + pickle.REDUCE

    def _tensor(self, t: Tensor, depth: int) -> None:
        from ..nn.parameter import Parameter

        if isinstance(t, Parameter):  # torch: _rebuild_parameter(data, requires_grad, OrderedDict())
            self.global_("torch._utils", "_rebuild_parameter")
            self.out += pickle.MARK
            self._plain_tensor(t._data, False)
            self.save(bool(t.requires_grad))
            self._empty_ordered_dict()
            self.out += pickle.TUPLE + pickle.REDUCE
            return
        self._plain_tensor(t._data, bool(t.requires_grad))

    def _plain_tensor(self, arr: np.ndarray, requires_grad: bool) -> None:
        """``_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())``."""
        name = _STORAGE_NAMES.get(arr.dtype.newbyteorder("="))
        if name is None:
            raise TypeError(f"save: cannot save a tensor of numpy dtype {arr.dtype}")
        record, offset, size, stride = self.storages.locate(arr)
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.out += pickle.MARK
        self.out += pickle.MARK
        self._str("storage")
        self.global_("torch", name)
        self._str(record.key)
        self._str("cpu")
        self._int(record.flat.size)
        self.out += pickle.TUPLE + pickle.BINPERSID
        self._int(offset)
        self._tuple(tuple(int(n) for n in size), 0)
        self._tuple(tuple(int(s) for s in stride), 0)
        self.out += pickle.NEWTRUE if requires_grad else pickle.NEWFALSE
        self._empty_ordered_dict()
        self.out += pickle.TUPLE + pickle.REDUCE


def _unsupported(obj: Any) -> str:
    if isinstance(obj, np.ndarray):
        return (
            "save: cannot save a numpy array (torch.load(weights_only=True) refuses numpy objects); save "
            "microtorch.from_numpy(array) instead"
        )
    return (
        f"save: cannot serialize an object of type {type(obj).__name__}; checkpoints hold only tensors, numbers, "
        "strings, bytes, None, dtypes, devices, torch.Size and (nested) dicts, OrderedDicts, Counters, sets, lists and "
        "tuples"
    )


def archive_name(f: Any) -> str:
    """The top-level folder torch.save uses: the file's name without its extension, else ``archive``."""
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        if stem and all(c.isalnum() or c in "_-." for c in stem):
            return stem
    return "archive"


def pickle_checkpoint(obj: Any) -> tuple[bytes, list[_StorageRecord]]:
    """The ``data.pkl`` bytes of ``obj`` and the storages they refer to (raises before anything is written)."""
    writer = _PickleWriter()
    writer.save(obj)
    return writer.finish(), writer.storages.records


def write_archive(data: bytes, storages: list[_StorageRecord], fh: IO[bytes], name: str) -> None:
    """Write a torch.save archive with top-level folder ``name`` to the binary file ``fh``."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as z:
        _member(z, f"{name}/data.pkl", data)
        _member(z, f"{name}/.format_version", b"1")
        _member(z, f"{name}/.storage_alignment", str(_ALIGNMENT).encode())
        _member(z, f"{name}/byteorder", b"little")
        for record in storages:
            flat = record.flat
            if flat.dtype.byteorder == ">":
                flat = flat.astype(flat.dtype.newbyteorder("<"))
            _member(z, f"{name}/data/{record.key}", memoryview(np.ascontiguousarray(flat).view(np.uint8)))
        _member(z, f"{name}/version", b"3\n")
        _member(z, f"{name}/.data/serialization_id", _serialization_id().encode())


def _member(z: zipfile.ZipFile, member: str, data: bytes | memoryview) -> None:
    """Store ``data`` uncompressed, its first byte aligned to ``_ALIGNMENT`` in the file (as torch does)."""
    info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = len(data)
    start = z.fp.tell() + 30 + len(member.encode("utf-8"))
    pad = -(start + 4) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with z.open(info, "w") as out:
        out.write(data)


def _serialization_id() -> str:
    """A random 40-digit id, as torch 2.x writes in ``.data/serialization_id``."""
    return str(secrets.randbits(128)).zfill(40)[:40]
