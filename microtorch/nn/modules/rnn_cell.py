"""Single-step recurrent cells ``RNNCell``, ``LSTMCell`` and ``GRUCell``, as torch's."""

from __future__ import annotations

import math

from ... import _creation as C
from ..._device import check_device
from ..._tensor import Tensor
from ...ops.linalg import linear
from .. import init
from ..parameter import Parameter
from ._rnn_functional import gru_step, lstm_step, rnn_relu_step, rnn_tanh_step
from .module import Module

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """Parameters ``weight_ih`` (chunks*hidden, input), ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None) -> None:
        super().__init__()
        check_device(device, type(self).__name__)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(C.empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(C.empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(C.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(C.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.__dict__.get("nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _check_rank(self, input: Tensor, hx) -> None:
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        states = hx if isinstance(hx, (tuple, list)) else (hx,)
        for i, h in enumerate(states):
            if h is not None and h.ndim not in (1, 2):
                what = f"hx[{i}]" if isinstance(hx, (tuple, list)) else "hidden"
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {h.ndim}D instead")

    def _check_shapes(self, input: Tensor, states: tuple) -> None:
        """The checks of torch's cell kernels (input size, then each state's batch and size)."""
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        for i, h in enumerate(states):
            if input.shape[0] != h.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{i} has inconsistent hidden_size: got {h.shape[1]}, expected {self.hidden_size}"
                )

    def _step(self, step, input: Tensor, states: tuple) -> tuple:
        """Batch the inputs, check them, run ``step`` once and unbatch the result as the input was."""
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
            states = tuple(s.unsqueeze(0) for s in states) if states[0] is not None else states
        if states[0] is None:
            zeros = C.zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
            states = (zeros,) * len(states)
        self._check_shapes(input, states)
        out = step(linear(input, self.weight_ih, self.bias_ih), states, self.weight_hh, self.bias_hh)
        return out if batched else tuple(o.squeeze(0) for o in out)


class RNNCell(RNNCellBase):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu) for one time step."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", device=None, dtype=None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state (zeros when ``hx`` is None)."""
        self._check_rank(input, hx)
        steps = {"tanh": rnn_tanh_step, "relu": rnn_relu_step}
        if self.nonlinearity not in steps:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._step(steps[self.nonlinearity], input, (hx,))[0]


class LSTMCell(RNNCellBase):
    """One LSTM step: returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        """``(h', c')`` from ``hx = (h, c)`` (zeros when None)."""
        self._check_rank(input, hx)
        states = (None, None) if hx is None else tuple(hx)
        return self._step(lstm_step, input, states)


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state (zeros when ``hx`` is None)."""
        self._check_rank(input, hx)
        return self._step(gru_step, input, (hx,))[0]
