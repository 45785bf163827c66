"""Recurrent layers ``RNN`` (tanh / relu), ``LSTM`` (with ``proj_size``) and ``GRU``, as torch's.

Parameters carry torch's names (``weight_ih_l0``, ``bias_hh_l1_reverse``, ``weight_hr_l0``)
and shapes, initialised U(-1/sqrt(hidden), 1/sqrt(hidden)). Inputs are (T, B, F), (B, T, F)
with ``batch_first``, unbatched (T, F), or a PackedSequence.
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import _creation as C
from ..._device import check_device
from ..._tensor import Tensor
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ._rnn_functional import run_layers
from .module import Module
from .rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _check_sizes(input_size, hidden_size, num_layers, proj_size, dropout, bias, batch_first) -> None:
    """torch's constructor checks, in torch's order."""
    if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
            stacklevel=3,
        )
    for name, value in (("bias", bias), ("batch_first", batch_first)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(value, int):
            raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


class RNNBase(Module):
    """Shared construction, checks and running of RNN, LSTM and GRU."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        _check_sizes(input_size, hidden_size, num_layers, proj_size, dropout, bias, batch_first)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        self._flat_weights_names: list = []
        self._all_weights: list = []
        for layer in range(num_layers):
            for direction in range(self._num_directions):
                self._add_layer_params(layer, direction, dtype)
        self.reset_parameters()

    @property
    def _num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _real_hidden_size(self) -> int:
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def _add_layer_params(self, layer: int, direction: int, dtype) -> None:
        gate_size = _GATES[self.mode] * self.hidden_size
        real = self._real_hidden_size
        in_size = self.input_size if layer == 0 else real * self._num_directions
        shapes = {"weight_ih": (gate_size, in_size), "weight_hh": (gate_size, real)}
        if self.bias:
            shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
        if self.proj_size > 0:
            shapes["weight_hr"] = (self.proj_size, self.hidden_size)
        suffix = "_reverse" if direction == 1 else ""
        names = []
        for stem, shape in shapes.items():
            name = f"{stem}_l{layer}{suffix}"
            setattr(self, name, Parameter(C.empty(*shape, dtype=dtype)))
            names.append(name)
        self._flat_weights_names.extend(names)
        self._all_weights.append(names)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction, as lists in torch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """No-op: torch's only repacks weights for cuDNN and is a no-op on the CPU as well."""

    def reset_parameters(self) -> None:
        """Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _layer_weights(self) -> list:
        """Per layer and direction: (w_ih, w_hh, b_ih, b_hh, w_hr), absent ones None."""
        out = []
        for names in self._all_weights:
            params = {name.split("_l")[0]: getattr(self, name) for name in names}
            out.append(tuple(params.get(k) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")))
        return out

    # --- checks -------------------------------------------------------------------------
    def check_input(self, input: Tensor, batch_sizes) -> None:
        """torch's checks of the input's dtype, rank and feature size."""
        w_dtype = self.weight_ih_l0.dtype
        if input.dtype != w_dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({w_dtype}). Convert input: "
                f"input.to({w_dtype}), or convert model: model.to({input.dtype})"
            )
        expected = 2 if batch_sizes is not None else 3
        if input.ndim != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.ndim}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )

    def _mini_batch(self, input: Tensor, batch_sizes) -> int:
        if batch_sizes is not None:
            return batch_sizes[0]
        return input.shape[0] if self.batch_first else input.shape[1]

    def get_expected_hidden_size(self, input: Tensor, batch_sizes) -> tuple:
        """(num_layers * num_directions, batch, hidden or proj size)."""
        return (self.num_layers * self._num_directions, self._mini_batch(input, batch_sizes), self._real_hidden_size)

    def check_hidden_size(self, hx: Tensor, expected: tuple, msg: str = "Expected hidden size {}, got {}") -> None:
        """Raise torch's RuntimeError when ``hx`` does not have the ``expected`` shape."""
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.shape)))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes) -> None:
        """Check the input and the initial hidden state."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    # --- running --------------------------------------------------------------------------
    def _zeros(self, input: Tensor, batch: int, size: int) -> Tensor:
        return C.zeros(self.num_layers * self._num_directions, batch, size, dtype=input.dtype)

    def _unpack(self, input):
        """(data, batch_sizes list or None, sorted_indices, unsorted_indices, is_batched)."""
        if isinstance(input, PackedSequence):
            data, sizes, sorted_idx, unsorted_idx = input
            return data, [int(b) for b in sizes._data.tolist()], sorted_idx, unsorted_idx, True
        if not isinstance(input, Tensor):  # torch fails on ``input.dim()`` with this AttributeError
            raise AttributeError(f"'{type(input).__name__}' object has no attribute 'dim'")
        if input.ndim not in (2, 3):
            tail = "tensor instead" if self.mode.startswith("RNN") else "instead"
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D {tail}")
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        return input, None, None, None, batched

    def _run(self, input: Tensor, batch_sizes, hx: tuple) -> tuple:
        """Run the stack on checked inputs: (output like the input's layout, final states)."""
        padded = batch_sizes is None
        if padded:
            seq = input.transpose(0, 1) if self.batch_first else input
            time, batch = seq.shape[0], seq.shape[1]
            if time == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            flat, batch_sizes = seq.reshape(time * batch, seq.shape[2]), [batch] * time
        else:
            flat = input
        out, finals = run_layers(
            self.mode, flat, batch_sizes, hx, self._layer_weights(), self._num_directions, self.dropout, self.training
        )
        if padded:
            out = out.reshape(time, batch, out.shape[-1])
            if self.batch_first:
                out = out.transpose(0, 1)
        return out, finals

    def _forward_single(self, input, hx):
        """forward of RNN and GRU (one state tensor)."""
        orig = input
        data, batch_sizes, sorted_idx, unsorted_idx, batched = self._unpack(input)
        if hx is not None and not isinstance(orig, PackedSequence):
            if not batched and hx.ndim != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.ndim}-D tensor")
            if batched and hx.ndim != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.ndim}-D tensor")
            if not batched:
                hx = hx.unsqueeze(1)
        if hx is None:
            hx = self._zeros(data, self._mini_batch(data, batch_sizes), self.hidden_size)
        self.check_forward_args(data, hx, batch_sizes)  # before the permutation, which keeps the shape
        if sorted_idx is not None:
            hx = hx.index_select(1, sorted_idx)
        out, (h_n,) = self._run(data, batch_sizes, (hx,))
        if isinstance(orig, PackedSequence):
            out = PackedSequence(out, orig.batch_sizes, sorted_idx, unsorted_idx)
        elif not batched:
            out, h_n = out.squeeze(0 if self.batch_first else 1), h_n.squeeze(1)
        if unsorted_idx is not None:
            h_n = h_n.index_select(1, unsorted_idx)
        return out, h_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _pop_positional(args: tuple, kwargs: dict, index: int, name: str, default):
    """Take argument ``name`` (positional ``index``) out of args / kwargs."""
    if len(args) > index:
        return args[index], args[:index] + args[index + 1 :]
    return kwargs.pop(name, default), args


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        nonlinearity, args = _pop_positional(args, kwargs, 3, "nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.__dict__["nonlinearity"] = nonlinearity
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        """(output, h_n) for a (batched or unbatched) tensor or a PackedSequence input."""
        return self._forward_single(input, hx)


class GRU(RNNBase):
    """Gated recurrent unit layers (reset, update, new gates as torch)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        """(output, h_n) for a (batched or unbatched) tensor or a PackedSequence input."""
        return self._forward_single(input, hx)


class LSTM(RNNBase):
    """Long short-term memory layers, optionally with a projection of h (``proj_size``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes) -> tuple:
        """(num_layers * num_directions, batch, hidden_size)."""
        return (self.num_layers * self._num_directions, self._mini_batch(input, batch_sizes), self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden: tuple, batch_sizes) -> None:
        """Check the input, h_0 and c_0."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(
            hidden[0], self.get_expected_hidden_size(input, batch_sizes), "Expected hidden[0] size {}, got {}"
        )
        self.check_hidden_size(
            hidden[1], self.get_expected_cell_size(input, batch_sizes), "Expected hidden[1] size {}, got {}"
        )

    def _initial_state(self, data: Tensor, batch_sizes, hx, batched: bool, packed: bool) -> tuple:
        if hx is None:
            batch = self._mini_batch(data, batch_sizes)
            return self._zeros(data, batch, self._real_hidden_size), self._zeros(data, batch, self.hidden_size)
        if not packed:
            want = 3 if batched else 2
            if hx[0].ndim != want or hx[1].ndim != want:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RuntimeError(
                    f"For {kind} input, hx and cx should also be {want}-D but got "
                    f"({hx[0].ndim}-D, {hx[1].ndim}-D) tensors"
                )
            if not batched:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        return tuple(hx)

    def forward(self, input, hx: tuple | None = None):
        """(output, (h_n, c_n)) for a (batched or unbatched) tensor or a PackedSequence input."""
        orig = input
        packed = isinstance(orig, PackedSequence)
        data, batch_sizes, sorted_idx, unsorted_idx, batched = self._unpack(input)
        hx = self._initial_state(data, batch_sizes, hx, batched, packed)
        self.check_forward_args(data, hx, batch_sizes)
        if sorted_idx is not None:
            hx = (hx[0].index_select(1, sorted_idx), hx[1].index_select(1, sorted_idx))
        out, (h_n, c_n) = self._run(data, batch_sizes, hx)
        if packed:
            out = PackedSequence(out, orig.batch_sizes, sorted_idx, unsorted_idx)
        elif not batched:
            out, h_n, c_n = out.squeeze(0 if self.batch_first else 1), h_n.squeeze(1), c_n.squeeze(1)
        if unsorted_idx is not None:
            h_n, c_n = h_n.index_select(1, unsorted_idx), c_n.index_select(1, unsorted_idx)
        return out, (h_n, c_n)
