"""``save`` / ``load``: checkpoints as a zip of plain ``.npy`` arrays plus a JSON description.

No pickle is written, and none is executed on load. ``load`` also reads files written by
``torch.save`` (a zip holding ``data.pkl`` and raw storages) through a restricted unpickler
that admits only the tensor-rebuild functions, storage types, dtypes and plain containers.
Hostile files are refused before they can exhaust memory: zip members are read only up to
sizes their compressed bytes can produce and their dtype and element count require, and
tensors are views of their storages (an expanded tensor stays a view of one element).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import pickle
import struct
import zipfile
import zlib
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from . import _dtype as dt
from ._device import cpu as _cpu
from ._device import device as _Device
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
def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool | None = True) -> Any:
    """Read an object written by ``save`` or by ``torch.save``; never runs code from the file."""
    placement = _Placement(map_location)
    if pickle_module is not None and pickle_module is not pickle:
        raise TypeError(
            "load: pickle_module is not supported: microtorch reads files with its own restricted unpickler"
        )
    if weights_only not in (True, False, None):
        raise TypeError(f"load: weights_only must be a bool, got {type(weights_only).__name__}")
    with _open_source(f) as (fh, name, size):
        _refuse_legacy(fh, name)
        try:
            z = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            raise RuntimeError(
                f"load: '{name}' is not a microtorch checkpoint (not a zip archive, or truncated)"
            ) from None
        with z:
            try:
                return _load_zip(_Archive(z, fh, name, size), placement, weights_only is not False)
            except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as err:
                raise RuntimeError(f"load: '{name}' is corrupt: {type(err).__name__}: {err}") from None


@contextlib.contextmanager
def _open_source(f: FileLike):
    """Yield a seekable binary file for ``f``, its name for messages, and its size in bytes."""
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        if not os.path.exists(f):
            raise FileNotFoundError(f"load: no such file: '{name}'")
        with open(f, "rb") as fh:
            yield fh, name, os.fstat(fh.fileno()).st_size
        return
    if not hasattr(f, "read"):
        raise TypeError(f"load: f must be a path or a readable binary file object, got {type(f).__name__}")
    name = str(getattr(f, "name", "<file object>"))
    if getattr(f, "seekable", lambda: False)():
        start = f.tell()
        size = f.seek(0, io.SEEK_END) - start
        f.seek(start)
        yield f, name, size
        return
    raw = f.read()
    if not isinstance(raw, bytes):
        raise TypeError("load: the file object must be opened in binary mode")
    yield io.BytesIO(raw), name, len(raw)


_LEGACY_MAGIC = (0x1950A86A20F9469CFC6C).to_bytes(10, "little")  # first pickle of a pre-1.6 torch.save


def _refuse_legacy(fh: IO[bytes], name: str) -> None:
    """Refuse, with a message saying how to convert it, a torch.save file in the pre-1.6 format."""
    start = fh.tell()
    head = fh.read(16)
    fh.seek(start)
    if not isinstance(head, bytes):
        raise TypeError("load: the file object must be opened in binary mode")
    if _LEGACY_MAGIC in head:
        raise RuntimeError(
            f"load: '{name}' is a legacy PyTorch checkpoint (written by torch.save before PyTorch 1.6 or with "
            "_use_new_zipfile_serialization=False), a raw pickle stream that microtorch does not read; re-save it "
            "in PyTorch's zip format: torch.save(torch.load(path, weights_only=True), new_path)"
        )


def _load_zip(archive: _Archive, placement: _Placement, weights_only: bool) -> Any:
    names = archive.names
    if _INDEX in names:
        return _load_own(archive, placement)
    pkl = [n for n in names if n.count("/") == 1 and n.split("/")[1] == "data.pkl"]
    if len(pkl) != 1:
        raise RuntimeError(f"load: '{archive.name}' is not a microtorch checkpoint (no {_INDEX} and no torch data.pkl)")
    prefix = pkl[0][: -len("data.pkl")]
    if prefix + "constants.pkl" in names or any(n.startswith(prefix + "code/") for n in names):
        raise RuntimeError(
            f"load: '{archive.name}' is a TorchScript archive (torch.jit.save), not a checkpoint; in PyTorch, save "
            "its state dict instead: torch.save(torch.jit.load(path).state_dict(), new_path)"
        )
    return _load_torch(archive, prefix, placement, weights_only)


# --- bounded reading of zip members -------------------------------------------------------
_CHUNK = 1 << 20
_DEFLATE_MAX_RATIO = 1032  # deflate cannot expand its input by more than this factor


class _Archive:
    """A checkpoint zip whose members are read only up to sizes that their compressed bytes can hold."""

    def __init__(self, z: zipfile.ZipFile, fh: IO[bytes], name: str, size: int) -> None:
        self.z = z
        self.fh = fh
        self.compressed = 0  # compressed bytes of the members read so far: at most the file's size
        self.name = name
        self.size = size
        self.names = set(z.namelist())

    def fail(self, what: str) -> RuntimeError:
        return RuntimeError(f"load: '{self.name}' is corrupt: {what}")

    def info(self, member: str) -> zipfile.ZipInfo:
        try:
            return self.z.getinfo(member)
        except KeyError:
            raise self.fail(f"missing {member}") from None

    def read(self, member: str, need: tuple[int, int] | None = None, what: str = "") -> np.ndarray:
        """The bytes of ``member`` as a writable uint8 array; ``need`` is the (low, high) size it must have."""
        info = self.info(member)
        self._check_sizes(info, need, what)
        buf = np.empty(info.file_size, np.uint8)  # pages are only committed as the data arrives
        pos, crc = 0, 0
        for piece in self._inflate(info):
            if pos + len(piece) > info.file_size:
                raise RuntimeError(
                    f"load: '{self.name}': {member} inflates beyond its declared size of {info.file_size} bytes "
                    "(a zip bomb?); refused"
                )
            buf[pos : pos + len(piece)] = np.frombuffer(piece, np.uint8)
            crc = zlib.crc32(piece, crc)
            pos += len(piece)
        if pos != info.file_size:
            raise self.fail(f"{member} is truncated ({pos} of {info.file_size} bytes)")
        if crc != info.CRC:
            raise self.fail(f"{member} fails its CRC-32 check")
        return buf

    def _inflate(self, info: zipfile.ZipInfo):
        """Yield the member's uncompressed bytes in chunks of at most ``_CHUNK``."""
        self.fh.seek(info.header_offset)
        head = self.fh.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise self.fail(f"bad local header of {info.filename}")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        local_name = self.fh.read(name_len).decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
        if local_name != info.orig_filename:
            raise self.fail(f"the entry for {info.filename} points at the data of {local_name!r}")
        self.fh.seek(extra_len, io.SEEK_CUR)
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        left = info.compress_size
        while left > 0:
            chunk = self.fh.read(min(_CHUNK, left))
            if not chunk:
                raise self.fail(f"{info.filename} is truncated")
            left -= len(chunk)
            if inflater is None:
                yield chunk
                continue
            while chunk and not inflater.eof:
                piece = inflater.decompress(chunk, _CHUNK)
                chunk = inflater.unconsumed_tail
                yield piece

    def _check_sizes(self, info: zipfile.ZipInfo, need: tuple[int, int] | None, what: str) -> None:
        member = info.filename
        if info.flag_bits & 0x1:
            raise RuntimeError(f"load: '{self.name}': {member} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RuntimeError(
                f"load: '{self.name}': {member} uses zip compression method {info.compress_type}; checkpoints "
                "are stored uncompressed or deflated"
            )
        self.compressed += info.compress_size
        if self.compressed > self.size:
            raise self.fail(f"{member} declares more compressed bytes than the file holds (or members overlap)")
        ratio = 1 if info.compress_type == zipfile.ZIP_STORED else _DEFLATE_MAX_RATIO
        if info.file_size > info.compress_size * ratio + (ratio > 1) * 1024:
            raise RuntimeError(
                f"load: '{self.name}': {member} declares {info.file_size} bytes from {info.compress_size} compressed "
                "bytes, more than its compression can produce (a zip bomb?); refused"
            )
        if need is not None and not need[0] <= info.file_size <= need[1]:
            raise self.fail(f"{member} holds {info.file_size} bytes, but {what} need {need[0]}")


# --- reading microtorch's own format ------------------------------------------------------
def _load_own(archive: _Archive, placement: _Placement) -> Any:
    name = archive.name
    try:
        index = json.loads(archive.read(_INDEX).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise archive.fail(f"unreadable {_INDEX} ({err})") from None
    if not isinstance(index, dict) or index.get("format") != _MAGIC:
        raise RuntimeError(f"load: '{name}' is not a microtorch checkpoint")
    if index.get("version") != _VERSION:
        raise RuntimeError(f"load: '{name}' has checkpoint version {index.get('version')!r}; expected {_VERSION}")
    count = index.get("arrays")
    if not isinstance(count, int) or count < 0:
        raise archive.fail("bad array count")
    arrays = []
    for i in range(count):
        member = f"data/{i}.npy"
        arr = _read_npy(archive, member)
        placement.restore("cpu", member, arr.nbytes)
        arrays.append(arr)
    return _Decoder(arrays, name).decode(index.get("root"))


def _read_npy(archive: _Archive, member: str) -> np.ndarray:
    """An ``.npy`` member as a writable array over its own bytes; refused unless its header fits its data."""
    buf = archive.read(member)
    head = io.BytesIO(buf[:20000].tobytes())
    try:
        version = np.lib.format.read_magic(head)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(head)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except ValueError as err:
        raise archive.fail(f"{member}: {err}") from None
    if dtype.str not in _ALLOWED_NP:
        raise archive.fail(f"{member} has unsupported dtype {dtype}")
    offset, need = head.tell(), math.prod(shape) * dtype.itemsize
    if buf.size - offset != need:
        raise archive.fail(f"{member} holds {buf.size - offset} data bytes, but its shape {shape} needs {need}")
    return buf[offset:].view(dtype).reshape(shape, order="F" if fortran else "C")


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


# --- map_location -----------------------------------------------------------------------
class _Placement:
    """Where ``map_location`` sends each storage: the CPU, or a clear error for any other device."""

    def __init__(self, map_location: Any) -> None:
        if map_location is None or isinstance(map_location, dict) or callable(map_location):
            self.how = map_location
        elif isinstance(map_location, (str, _Device)) or type(map_location).__name__ == "device":
            self.how = str(map_location)
            self.check(self.how, None)
        else:
            raise TypeError(
                "load: map_location must be a string, a device, a dict or a callable, got "
                f"{type(map_location).__name__}"
            )

    def restore(self, location: str, key: str, nbytes: int) -> None:
        """Check that a storage saved at ``location`` lands on the CPU (calling a callable map_location)."""
        how = self.how
        if isinstance(how, str):
            return
        if isinstance(how, dict):
            self.check(how.get(location, location), key)
            return
        if how is None:
            self.check(location, key)
            return
        given = _MappedStorage(key, nbytes)
        result = how(given, location)
        if result is None:
            self.check(location, key)
        elif result is not given:
            raise TypeError(
                f"load: map_location returned a {type(result).__name__} for storage '{key}'; it must return the "
                "storage it was given (or None)"
            )

    @staticmethod
    def check(target: Any, key: str | None) -> None:
        """Raise unless ``target`` names the CPU."""
        if not isinstance(target, (str, _Device)) and type(target).__name__ != "device":
            raise TypeError(f"load: map_location must map locations to devices, got {type(target).__name__}")
        if str(target).split(":")[0] != "cpu":
            what = f"storage '{key}'" if key is not None else "storages"
            raise RuntimeError(
                f"load: cannot load {what} on '{target}': microtorch runs on the CPU only; use "
                "map_location='cpu' (or torch.device('cpu')) to map storages to the CPU"
            )


class _MappedStorage:
    """What a callable ``map_location`` receives: a CPU storage that cannot move to another device."""

    __slots__ = ("key", "_nbytes")
    device = _cpu

    def __init__(self, key: str, nbytes: int) -> None:
        self.key = key
        self._nbytes = nbytes

    def nbytes(self) -> int:
        """Size of the storage in bytes."""
        return self._nbytes

    def cpu(self) -> _MappedStorage:
        """This storage (it is on the CPU already)."""
        return self

    def to(self, target: Any, non_blocking: bool = False) -> _MappedStorage:
        """This storage if ``target`` is the CPU; raises for any other device."""
        _Placement.check(target, self.key)
        return self

    def cuda(self, target: Any = None, non_blocking: bool = False) -> _MappedStorage:
        """Raises: microtorch has no CUDA."""
        _Placement.check("cuda" if target is None else f"cuda:{target}", self.key)
        return self


# --- reading torch.save files -----------------------------------------------------------
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


_ALLOWED_FUNCTIONS = {
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
    if not isinstance(obj, (dict, list, tuple)):
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
        return obj
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
