"""Recurrent layers and cells against torch (weights copied) and finite differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import microtorch as mt
from microtorch.nn.utils import rnn as mrnn


def _copy_from_torch(t_mod, m_mod) -> None:
    m_mod.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})


def _pair(torch, cls_name: str, *args, **kwargs):
    torch.manual_seed(0)
    t_mod = getattr(torch.nn, cls_name)(*args, **kwargs).double()
    m_mod = getattr(mt.nn, cls_name)(*args, **kwargs).double()
    _copy_from_torch(t_mod, m_mod)
    return t_mod, m_mod


def _leaf(rng, *shape):
    arr = rng.standard_normal(shape)
    return arr, mt.tensor(arr, requires_grad=True)


def _flat(out) -> list:
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    return [out]


def _check_same(torch, t_mod, m_mod, t_args, m_args) -> None:
    """Outputs and the gradients of inputs and parameters of sum(out * w) agree with torch."""
    t_out, m_out = _flat(t_mod(*t_args)), _flat(m_mod(*m_args))
    assert len(t_out) == len(m_out)
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal(tuple(o.shape)) for o in t_out]
    for t, m in zip(t_out, m_out):
        assert tuple(m.shape) == tuple(t.shape)
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    t_loss = sum((o * torch.from_numpy(w)).sum() for o, w in zip(t_out, weights))
    m_loss = sum((o * mt.tensor(w)).sum() for o, w in zip(m_out, weights))
    t_leaves = [a for a in _flat(t_args) if a.requires_grad] + list(t_mod.parameters())
    m_leaves = [a for a in _flat(m_args) if a.requires_grad] + list(m_mod.parameters())
    t_grads = torch.autograd.grad(t_loss, t_leaves)
    m_grads = mt.autograd.grad(m_loss, m_leaves)
    for t, m in zip(t_grads, m_grads):
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-9, atol=1e-11)


def _inputs(torch, rng, *shape):
    arr, m = _leaf(rng, *shape)
    return torch.tensor(arr, requires_grad=True), m


OPTIONS = list(itertools.product([1, 2], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("cls_name,extra", [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("GRU", {}), ("LSTM", {})])
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias", OPTIONS)
def test_layers_match_torch(cls_name, extra, num_layers, bidirectional, batch_first, bias):
    torch = pytest.importorskip("torch")
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias, **extra)
    t_mod, m_mod = _pair(torch, cls_name, 3, 4, **kwargs)
    rng = np.random.default_rng(0)
    tx, mx = _inputs(torch, rng, *((2, 5, 3) if batch_first else (5, 2, 3)))
    _check_same(torch, t_mod, m_mod, (tx,), (mx,))
    states = 2 if cls_name == "LSTM" else 1
    h = [_inputs(torch, rng, num_layers * (2 if bidirectional else 1), 2, 4) for _ in range(states)]
    t_h = tuple(p[0] for p in h) if states == 2 else h[0][0]
    m_h = tuple(p[1] for p in h) if states == 2 else h[0][1]
    _check_same(torch, t_mod, m_mod, (tx, t_h), (mx, m_h))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_proj_size_matches_torch(bidirectional):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _pair(torch, "LSTM", 3, 5, num_layers=2, proj_size=2, bidirectional=bidirectional)
    names = [n for n, _ in m_mod.named_parameters()]
    assert names == [n for n, _ in t_mod.named_parameters()]
    assert "weight_hr_l1" in names and tuple(m_mod.weight_hh_l0.shape) == (20, 2)
    rng = np.random.default_rng(1)
    tx, mx = _inputs(torch, rng, 4, 2, 3)
    d = 2 if bidirectional else 1
    (th, mh), (tc, mc) = _inputs(torch, rng, 2 * d, 2, 2), _inputs(torch, rng, 2 * d, 2, 5)
    _check_same(torch, t_mod, m_mod, (tx, (th, tc)), (mx, (mh, mc)))


@pytest.mark.parametrize("cls_name", ["RNN", "GRU", "LSTM"])
def test_unbatched_input_matches_torch(cls_name):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _pair(torch, cls_name, 3, 4, num_layers=2, bidirectional=True)
    tx, mx = _inputs(torch, np.random.default_rng(2), 5, 3)
    _check_same(torch, t_mod, m_mod, (tx,), (mx,))


@pytest.mark.parametrize("cls_name", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequence_matches_torch(cls_name, enforce_sorted):
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    t_mod, m_mod = _pair(torch, cls_name, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(3)
    lengths = [5, 3, 2] if enforce_sorted else [2, 5, 3]
    tx, mx = _inputs(torch, rng, 5, 3, 3)
    t_packed = trnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    m_packed = mrnn.pack_padded_sequence(mx, lengths, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(m_packed.batch_sizes.numpy(), t_packed.batch_sizes.numpy())
    t_out, t_h = t_mod(t_packed)
    m_out, m_h = m_mod(m_packed)
    assert isinstance(m_out, mrnn.PackedSequence)
    np.testing.assert_allclose(m_out.data.detach().numpy(), t_out.data.detach().numpy(), rtol=1e-10)
    t_pad, t_len = trnn.pad_packed_sequence(t_out, batch_first=True)
    m_pad, m_len = mrnn.pad_packed_sequence(m_out, batch_first=True)
    np.testing.assert_array_equal(m_len.numpy(), t_len.numpy())
    t_all, m_all = [t_pad] + _flat(t_h), [m_pad] + _flat(m_h)
    for t, m in zip(t_all, m_all):
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    t_loss = sum((o * (i + 1)).sum() for i, o in enumerate(t_all))
    m_loss = sum((o * (i + 1)).sum() for i, o in enumerate(m_all))
    (t_gx,) = torch.autograd.grad(t_loss, [tx])
    (m_gx,) = mt.autograd.grad(m_loss, [mx])
    np.testing.assert_allclose(m_gx.numpy(), t_gx.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "cls_name,extra", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("GRUCell", {}), ("LSTMCell", {})]
)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(cls_name, extra, bias, batched):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _pair(torch, cls_name, 3, 4, bias=bias, **extra)
    rng = np.random.default_rng(4)
    lead = (2,) if batched else ()
    tx, mx = _inputs(torch, rng, *lead, 3)
    _check_same(torch, t_mod, m_mod, (tx,), (mx,))
    if cls_name == "LSTMCell":
        (th, mh), (tc, mc) = _inputs(torch, rng, *lead, 4), _inputs(torch, rng, *lead, 4)
        _check_same(torch, t_mod, m_mod, (tx, (th, tc)), (mx, (mh, mc)))
    else:
        th, mh = _inputs(torch, rng, *lead, 4)
        _check_same(torch, t_mod, m_mod, (tx, th), (mx, mh))


def test_parameter_names_shapes_and_init():
    m = mt.nn.GRU(3, 4, num_layers=2, bidirectional=True, bias=False)
    shapes = {n: tuple(p.shape) for n, p in m.named_parameters()}
    assert shapes == {
        "weight_ih_l0": (12, 3),
        "weight_hh_l0": (12, 4),
        "weight_ih_l0_reverse": (12, 3),
        "weight_hh_l0_reverse": (12, 4),
        "weight_ih_l1": (12, 8),
        "weight_hh_l1": (12, 4),
        "weight_ih_l1_reverse": (12, 8),
        "weight_hh_l1_reverse": (12, 4),
    }
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert np.abs(values).max() <= 0.5 and np.abs(values).max() > 0.4
    assert len(m.all_weights) == 4 and m.all_weights[1][0] is m.weight_ih_l0_reverse
    m.flatten_parameters()


def test_gradcheck_lstm_gru_rnn():
    rng = np.random.default_rng(5)
    for cls in (mt.nn.LSTM, mt.nn.GRU, mt.nn.RNN):
        m = cls(2, 2, num_layers=2, bidirectional=True).double()
        x = mt.tensor(rng.standard_normal((2, 1, 2)), requires_grad=True)
        assert mt.autograd.gradcheck(lambda x, m=m: m(x)[0], (x,))
        if cls is mt.nn.LSTM:
            assert mt.autograd.gradgradcheck(lambda x, m=m: m(x)[1][1], (x,))


def test_dropout_between_layers():
    mt.manual_seed(0)
    m = mt.nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = mt.randn(6, 2, 3)
    out_train = m(x)[0]
    m.eval()
    out_eval1, out_eval2 = m(x)[0], m(x)[0]
    np.testing.assert_array_equal(out_eval1.detach().numpy(), out_eval2.detach().numpy())
    assert not np.allclose(out_train.detach().numpy(), out_eval1.detach().numpy())
    with pytest.warns(UserWarning, match="dropout option adds dropout"):
        mt.nn.RNN(3, 4, dropout=0.5)


def _raises_like_torch(torch, t_fn, m_fn):
    with pytest.raises(Exception) as t_info:
        t_fn()
    with pytest.raises(type(t_info.value)) as m_info:
        m_fn()
    assert str(m_info.value) == str(t_info.value)


@pytest.mark.parametrize(
    "args,kwargs",
    [
        ((3, 0), {}),
        ((3, 4, 0), {}),
        ((3.0, 4), {}),
        ((3, 4), {"bias": 1}),
        ((3, 4), {"batch_first": "no"}),
        ((3, 4), {"dropout": 2}),
        ((3, 4), {"nonlinearity": "gelu"}),
        ((3, 4), {"proj_size": 2}),
    ],
)
def test_constructor_errors_match_torch(args, kwargs):
    torch = pytest.importorskip("torch")
    _raises_like_torch(torch, lambda: torch.nn.RNN(*args, **kwargs), lambda: mt.nn.RNN(*args, **kwargs))


def test_lstm_proj_size_errors_match_torch():
    torch = pytest.importorskip("torch")
    _raises_like_torch(torch, lambda: torch.nn.LSTM(3, 4, proj_size=4), lambda: mt.nn.LSTM(3, 4, proj_size=4))
    _raises_like_torch(torch, lambda: torch.nn.LSTM(3, 4, proj_size=-1), lambda: mt.nn.LSTM(3, 4, proj_size=-1))


@pytest.mark.parametrize("cls_name", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize(
    "x_shape,h_shape",
    [
        ((5, 2, 4), None),
        ((5, 2, 3, 1), None),
        ((5,), None),
        ((5, 2, 3), (1, 3, 4)),
        ((5, 2, 3), (2, 4)),
        ((5, 3), (1, 1, 4)),
    ],
)
def test_forward_errors_match_torch(cls_name, x_shape, h_shape):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _pair(torch, cls_name, 3, 4)
    x = np.zeros(x_shape)
    h = None if h_shape is None else np.zeros(h_shape)
    if cls_name == "LSTM" and h is not None:
        t_h, m_h = (torch.tensor(h), torch.tensor(h)), (mt.tensor(h), mt.tensor(h))
    else:
        t_h, m_h = (None, None) if h is None else (torch.tensor(h), mt.tensor(h))
    _raises_like_torch(torch, lambda: t_mod(torch.tensor(x), t_h), lambda: m_mod(mt.tensor(x), m_h))


def test_dtype_mismatch_matches_torch():
    torch = pytest.importorskip("torch")
    _raises_like_torch(
        torch,
        lambda: torch.nn.LSTM(3, 4, dtype=torch.float64)(torch.zeros(2, 1, 3)),
        lambda: mt.nn.LSTM(3, 4, dtype=mt.float64)(mt.zeros(2, 1, 3)),
    )


@pytest.mark.parametrize("cls_name", ["RNNCell", "GRUCell", "LSTMCell"])
@pytest.mark.parametrize("x_shape,h_shape", [((3, 5), (3, 4)), ((3, 3), (3, 5)), ((3, 3), (2, 4)), ((3, 3), (3, 1, 4))])
def test_cell_errors_match_torch(cls_name, x_shape, h_shape):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _pair(torch, cls_name, 3, 4)
    x, h = np.zeros(x_shape), np.zeros(h_shape)
    if cls_name == "LSTMCell":
        t_h, m_h = (torch.tensor(h), torch.tensor(h)), (mt.tensor(h), mt.tensor(h))
    else:
        t_h, m_h = torch.tensor(h), mt.tensor(h)
    _raises_like_torch(torch, lambda: t_mod(torch.tensor(x), t_h), lambda: m_mod(mt.tensor(x), m_h))


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    for name, kwargs in [
        ("LSTM", dict(num_layers=2, proj_size=2, bidirectional=True)),
        ("GRU", dict(batch_first=True)),
    ]:
        assert repr(getattr(mt.nn, name)(3, 4, **kwargs)) == repr(getattr(torch.nn, name)(3, 4, **kwargs))
    assert repr(mt.nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(3, 4, bias=False, nonlinearity="relu")
    )


def test_non_tensor_input_raises_as_torch():
    torch = pytest.importorskip("torch")
    _raises_like_torch(torch, lambda: torch.nn.GRU(3, 4)([1, 2]), lambda: mt.nn.GRU(3, 4)([1, 2]))


def test_empty_sequence_raises_as_torch():
    torch = pytest.importorskip("torch")
    _raises_like_torch(
        torch, lambda: torch.nn.LSTM(2, 3)(torch.zeros(0, 2, 2)), lambda: mt.nn.LSTM(2, 3)(mt.zeros(0, 2, 2))
    )
    out, h = mt.nn.RNN(2, 3)(mt.zeros(4, 0, 2))  # an empty batch is fine
    assert tuple(out.shape) == (4, 0, 3) and tuple(h.shape) == (1, 0, 3)


def test_packed_input_with_a_wrong_hidden_shape_raises_as_torch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    t_p = trnn.pack_padded_sequence(torch.zeros(4, 3, 3), [2, 4, 1], enforce_sorted=False)
    m_p = mrnn.pack_padded_sequence(mt.zeros(4, 3, 3), [2, 4, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError):
        torch.nn.GRU(3, 5)(t_p, torch.zeros(1, 2, 5))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 5\), got \[1, 2, 5\]"):
        mt.nn.GRU(3, 5)(m_p, mt.zeros(1, 2, 5))
