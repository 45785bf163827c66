"""Reading microtorch's earlier checkpoint format: a zip of ``.npy`` arrays described by ``microtorch.json``."""

from __future__ import annotations

import io
import json
import math
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor
from ._archive import _Archive
from ._placement import _Placement
from ._torch_reader import _make_tensor

_MAGIC = "microtorch-checkpoint"
_VERSION = 1
INDEX = "microtorch.json"
_ALLOWED_NP = {d.np.str for d in dt._ALL} | {np.dtype(np.bool_).str}


def _load_own(archive: _Archive, placement: _Placement) -> Any:
    name = archive.name
    try:
        index = json.loads(archive.read(INDEX).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise archive.fail(f"unreadable {INDEX} ({err})") from None
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
