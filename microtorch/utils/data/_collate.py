"""``default_collate`` and ``default_convert``: turning samples into batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..._tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _stack(tensors: list[Tensor]) -> Tensor:
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise RuntimeError(
            f"default_collate: stack expects each tensor to be equal size, but got shapes {sorted(shapes)}"
        )
    if any(t._requires_grad for t in tensors):
        from ...ops.shape import stack

        return stack(tensors, 0)
    dtypes = {t._data.dtype for t in tensors}
    if len(dtypes) != 1:
        raise RuntimeError(f"default_collate: expected tensors of one dtype, got {sorted(str(d) for d in dtypes)}")
    return Tensor._make(np.stack([t._data for t in tensors]))


def _from_numpy(arr: np.ndarray) -> Tensor:
    from ..._tensor import _data_of

    return Tensor._make(np.array(_data_of(arr), copy=True))


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, recursing into dicts, tuples and lists (PyTorch's rules)."""
    if len(batch) == 0:
        raise IndexError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(list(batch))
    if isinstance(elem, np.ndarray) or (isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_))):
        if isinstance(elem, np.ndarray) and elem.dtype.kind in "OUSV":
            raise TypeError(_ERR.format(elem.dtype))
        return _stack([_from_numpy(np.asarray(b)) for b in batch])
    if isinstance(elem, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn numpy arrays (also inside dicts, tuples and lists) into tensors; leave the rest alone."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OUSV":
        return _from_numpy(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return _from_numpy(np.asarray(data))
    if isinstance(data, Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()}) if isinstance(data, dict) else data
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
