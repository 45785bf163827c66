"""``nn.utils.rnn``: PackedSequence and the pack / pad helpers of variable-length batches.

A packed sequence stores the rows of time step 0 of every sequence, then those of step 1
of the sequences still running, and so on (sequences sorted by decreasing length);
``batch_sizes[t]`` is how many sequences are still running at step ``t``. Packing and
padding are one ``index_select`` each, so their gradients are those of microtorch ops.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

import numpy as np

from ... import _creation as C
from ... import _dtype as dt
from ..._tensor import Tensor
from ...ops.shape import cat

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]

_PackedSequenceBase = namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a 1-D permutation tensor (None stays None)."""
    if permutation is None:
        return None
    inverse = np.empty_like(permutation._data)
    inverse[permutation._data] = np.arange(permutation._data.size, dtype=inverse.dtype)
    return Tensor._make(inverse)


class PackedSequence(_PackedSequenceBase):
    """A batch of variable-length sequences, packed as recurrent layers consume them."""

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            data, batch_sizes = data  # torch also accepts PackedSequence(data_and_batch_sizes_tuple)
        if batch_sizes.ndim != 1 or batch_sizes.dtype != dt.int64:
            raise ValueError("PackedSequence: batch_sizes should always be a 1-D int64 tensor")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data`` converted as ``Tensor.to``; the index tensors are kept."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self) -> PackedSequence:
        """This sequence (microtorch runs on the CPU)."""
        return self

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to(dtype=dt.float64)

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to(dtype=dt.float32)

    def half(self) -> PackedSequence:
        """``data`` as float16."""
        return self.to(dtype=dt.float16)

    @property
    def is_cuda(self) -> bool:
        """False: microtorch runs on the CPU."""
        return False

    def is_pinned(self) -> bool:
        """False: no pinned memory in microtorch."""
        return False


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        if lengths.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.ndim}D")
        return lengths._data.astype(np.int64)
    return np.asarray([int(n) for n in lengths], dtype=np.int64)


def _batch_sizes(lengths: np.ndarray) -> np.ndarray:
    """How many of the (decreasingly sorted) sequences are still running at each step."""
    steps = np.arange(int(lengths[0]) if lengths.size else 0)
    return (lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64)


def _check_lengths(lengths: np.ndarray, batch: int, time: int) -> None:
    if lengths.size != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} (batch_size={batch})"
        )
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if lengths.size and lengths.max() > time:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {int(lengths.max())} exceeds the padded sequence length {time}"
        )


def pack_padded_sequence(
    input: Tensor,  # noqa: A002
    lengths,
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded (T, B, *) batch (B, T, * with ``batch_first``) of sequences of ``lengths``."""
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {1})")
    lengths_arr = _lengths_array(lengths)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths_arr, kind="stable")
        lengths_arr = lengths_arr[order]
        sorted_indices = Tensor._make(order.astype(np.int64))
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    elif lengths_arr.size > 1 and np.any(np.diff(lengths_arr) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
            "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
            "if you do not need ONNX exportability."
        )
    if batch_first:
        input = input.transpose(0, 1)
    time, batch = input.shape[0], input.shape[1]
    _check_lengths(lengths_arr, batch, time)
    batch_sizes = _batch_sizes(lengths_arr)
    rows = np.concatenate([t * batch + np.arange(b) for t, b in enumerate(batch_sizes)]).astype(np.int64)
    flat = input.reshape(time * batch, *input.shape[2:])
    data = flat.index_select(0, Tensor._make(rows))
    return PackedSequence(data, Tensor._make(batch_sizes), sorted_indices, None)


def _padded_rows(batch_sizes: np.ndarray, total: int, pad_row: int) -> np.ndarray:
    """For each (t, b) of a (total, B) grid, the packed row holding it, or ``pad_row``."""
    batch = int(batch_sizes[0])
    rows = np.full((total, batch), pad_row, dtype=np.int64)
    start = 0
    for t, b in enumerate(batch_sizes.tolist()):
        rows[t, :b] = np.arange(start, start + b)
        start += b
    return rows.reshape(-1)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: the padded batch (in the original order) and the lengths."""
    data, batch_sizes = sequence.data, sequence.batch_sizes._data.astype(np.int64)
    max_len = batch_sizes.size
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {max_len}"
            )
        max_len = total_length
    batch = int(batch_sizes[0])
    pad = C.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    rows = Tensor._make(_padded_rows(batch_sizes, max_len, data.shape[0]))
    padded = cat([data, pad]).index_select(0, rows).reshape(max_len, batch, *data.shape[1:])
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1).astype(np.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices._data]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._make(lengths)


def pad_sequence(
    sequences,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack tensors of shape (L_i, *) into (max L, B, *) (B first with ``batch_first``), padded."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if any(s.ndim == 0 for s in sequences):
        raise RuntimeError("pad_sequence: expected every sequence to have at least one dimension, got a 0-d tensor")
    trailing = tuple(sequences[0].shape[1:])
    lengths = [s.shape[0] for s in sequences]
    max_len, batch = max(lengths), len(sequences)
    data = cat(list(sequences))
    pad = C.full((1, *trailing), padding_value, dtype=data.dtype)
    rows = np.full((batch, max_len), data.shape[0], dtype=np.int64)
    start = 0
    for b, n in enumerate(lengths):
        offset = max_len - n if padding_side == "left" else 0
        rows[b, offset : offset + n] = np.arange(start, start + n)
        start += n
    if not batch_first:
        rows = rows.T
    out_shape = (batch, max_len) if batch_first else (max_len, batch)
    return cat([data, pad]).index_select(0, Tensor._make(rows.reshape(-1))).reshape(*out_shape, *trailing)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    """Split a padded batch back into the list of its ``lengths``-long sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, : int(n)] for i, n in enumerate(_lengths_array(lengths).tolist())]


def pack_sequence(sequences: Iterable[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors (``pad_sequence`` then ``pack_padded_sequence``)."""
    sequences = list(sequences)
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
