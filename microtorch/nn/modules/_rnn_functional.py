"""The recurrences of RNN (tanh / relu), LSTM and GRU, written in differentiable microtorch ops.

A sequence is handled as a flat (N, features) tensor plus ``batch_sizes`` (the rows of
each time step, as in a PackedSequence; a padded batch has ``[B] * T``). The input
projection ``x W_ih^T + b_ih`` of every time step is one matmul; only the hidden
projection runs step by step, on the rows of the sequences still running.
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops.activations import relu
from ...ops.dropout import dropout as _dropout
from ...ops.linalg import linear
from ...ops.shape import cat, chunk, split, stack
from ...ops.unary import sigmoid, tanh

__all__ = ["rnn_tanh_step", "rnn_relu_step", "lstm_step", "gru_step", "run_layers", "STEPS"]


def rnn_tanh_step(gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None, w_hr=None) -> tuple:
    """``h' = tanh(gi + h W_hh^T + b_hh)`` (``gi`` is the input projection)."""
    return (tanh(gi + linear(state[0], w_hh, b_hh)),)


def rnn_relu_step(gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None, w_hr=None) -> tuple:
    """``h' = relu(gi + h W_hh^T + b_hh)``."""
    return (relu(gi + linear(state[0], w_hh, b_hh)),)


def lstm_step(gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None = None) -> tuple:
    """One LSTM step, gates in torch's order (input, forget, cell, output); ``w_hr`` projects h."""
    h, c = state
    i, f, g, o = chunk(gi + linear(h, w_hh, b_hh), 4, 1)
    c_new = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h_new = sigmoid(o) * tanh(c_new)
    if w_hr is not None:
        h_new = linear(h_new, w_hr)
    return h_new, c_new


def gru_step(gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None, w_hr=None) -> tuple:
    """One GRU step (reset, update, new gates): ``h' = n + z (h - n)``."""
    h = state[0]
    r_i, z_i, n_i = chunk(gi, 3, 1)
    r_h, z_h, n_h = chunk(linear(h, w_hh, b_hh), 3, 1)
    r = sigmoid(r_i + r_h)
    z = sigmoid(z_i + z_h)
    n = tanh(n_i + r * n_h)
    return (n + z * (h - n),)


STEPS = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "LSTM": lstm_step, "GRU": gru_step}


def _merge(new: tuple, state: tuple, rows: int) -> tuple:
    """The state after a step that updated only its first ``rows`` rows."""
    if rows == state[0].shape[0]:
        return new
    return tuple(cat([n, s[rows:]]) for n, s in zip(new, state))


def run_direction(step, flat: Tensor, batch_sizes: list, state: tuple, weights: tuple, reverse: bool) -> tuple:
    """Run one layer in one direction: (flat outputs (N, H_out), final state tuple)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    steps = split(linear(flat, w_ih, b_ih), batch_sizes, 0)
    outs = [None] * len(batch_sizes)
    for t in reversed(range(len(batch_sizes))) if reverse else range(len(batch_sizes)):
        rows = batch_sizes[t]
        current = state if rows == state[0].shape[0] else tuple(s[:rows] for s in state)
        new = step(steps[t], current, w_hh, b_hh, w_hr)
        outs[t] = new[0]
        state = _merge(new, state, rows)
    return cat(outs), state


def run_layers(
    mode: str,
    flat: Tensor,
    batch_sizes: list,
    hx: tuple,
    layer_weights: list,
    num_directions: int,
    dropout: float,
    training: bool,
) -> tuple:
    """Every layer and direction: (flat output, final states, one (L*D, B, H) tensor per state)."""
    step = STEPS[mode]
    num_layers = len(layer_weights) // num_directions
    finals = []
    for layer in range(num_layers):
        outs = []
        for direction in range(num_directions):
            index = layer * num_directions + direction
            state = tuple(h[index] for h in hx)
            out, state = run_direction(step, flat, batch_sizes, state, layer_weights[index], direction == 1)
            outs.append(out)
            finals.append(state)
        flat = outs[0] if num_directions == 1 else cat(outs, 1)
        if dropout and training and layer < num_layers - 1:
            flat = _dropout(flat, dropout, True)
    return flat, tuple(stack([f[k] for f in finals]) for k in range(len(hx)))
