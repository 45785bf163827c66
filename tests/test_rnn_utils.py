"""``nn.utils.rnn``: packing and padding of variable-length sequences, against torch."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
from microtorch.nn.utils import rnn as mrnn


def _sequences(rng, lengths, *trailing):
    arrays = [rng.standard_normal((n, *trailing)) for n in lengths]
    return arrays, [mt.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    torch = pytest.importorskip("torch")
    arrays, seqs = _sequences(np.random.default_rng(0), [3, 5, 1], 2)
    t_seqs = [torch.tensor(a, requires_grad=True) for a in arrays]
    t_out = torch.nn.utils.rnn.pad_sequence(t_seqs, batch_first, -1.0, padding_side)
    m_out = mrnn.pad_sequence(seqs, batch_first, -1.0, padding_side)
    np.testing.assert_array_equal(m_out.detach().numpy(), t_out.detach().numpy())
    weights = np.arange(t_out.numel(), dtype=np.float64).reshape(tuple(t_out.shape))
    t_grads = torch.autograd.grad((t_out * torch.tensor(weights)).sum(), t_seqs)
    m_grads = mt.autograd.grad((m_out * mt.tensor(weights)).sum(), seqs)
    for t, m in zip(t_grads, m_grads):
        np.testing.assert_array_equal(m.numpy(), t.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [[4, 2, 2, 1], [1, 4, 2, 3]])
def test_pack_and_pad_round_trip_matches_torch(batch_first, lengths):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 4, 3))  # (T, B, F), or (B, T, F) with batch_first
    t_x, m_x = torch.tensor(x, requires_grad=True), mt.tensor(x, requires_grad=True)
    sort = lengths == sorted(lengths, reverse=True)
    t_p = torch.nn.utils.rnn.pack_padded_sequence(t_x, lengths, batch_first, enforce_sorted=sort)
    m_p = mrnn.pack_padded_sequence(m_x, lengths, batch_first, enforce_sorted=sort)
    np.testing.assert_array_equal(m_p.data.detach().numpy(), t_p.data.detach().numpy())
    np.testing.assert_array_equal(m_p.batch_sizes.numpy(), t_p.batch_sizes.numpy())
    for name in ("sorted_indices", "unsorted_indices"):
        t_idx, m_idx = getattr(t_p, name), getattr(m_p, name)
        assert (t_idx is None) == (m_idx is None)
        if t_idx is not None:
            np.testing.assert_array_equal(m_idx.numpy(), t_idx.numpy())
    t_pad, t_len = torch.nn.utils.rnn.pad_packed_sequence(t_p, batch_first, 9.0, total_length=6)
    m_pad, m_len = mrnn.pad_packed_sequence(m_p, batch_first, 9.0, total_length=6)
    np.testing.assert_array_equal(m_pad.detach().numpy(), t_pad.detach().numpy())
    np.testing.assert_array_equal(m_len.numpy(), t_len.numpy())
    assert m_len.dtype == mt.int64
    weights = rng.standard_normal(tuple(t_pad.shape))
    (t_g,) = torch.autograd.grad((t_pad * torch.tensor(weights)).sum(), [t_x])
    (m_g,) = mt.autograd.grad((m_pad * mt.tensor(weights)).sum(), [m_x])
    np.testing.assert_allclose(m_g.numpy(), t_g.numpy(), rtol=1e-12)


def test_pack_sequence_unpack_and_unpad_match_torch():
    torch = pytest.importorskip("torch")
    arrays, seqs = _sequences(np.random.default_rng(2), [2, 4, 3], 2)
    t_seqs = [torch.tensor(a) for a in arrays]
    t_p = torch.nn.utils.rnn.pack_sequence(t_seqs, enforce_sorted=False)
    m_p = mrnn.pack_sequence(seqs, enforce_sorted=False)
    np.testing.assert_array_equal(m_p.data.detach().numpy(), t_p.data.numpy())
    for t, m in zip(torch.nn.utils.rnn.unpack_sequence(t_p), mrnn.unpack_sequence(m_p)):
        np.testing.assert_array_equal(m.detach().numpy(), t.numpy())
    t_pad = torch.nn.utils.rnn.pad_sequence(t_seqs)
    m_pad = mrnn.pad_sequence(seqs)
    lengths = [2, 4, 3]
    for t, m in zip(
        torch.nn.utils.rnn.unpad_sequence(t_pad, torch.tensor(lengths)),
        mrnn.unpad_sequence(m_pad, mt.tensor(lengths)),
    ):
        np.testing.assert_array_equal(m.detach().numpy(), t.numpy())


def test_packed_sequence_is_a_tuple_with_torch_fields():
    p = mrnn.pack_sequence([mt.ones(3, 2), mt.ones(1, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert tuple(data.shape) == (4, 2) and batch_sizes.tolist() == [2, 1, 1]
    assert sorted_indices is None and unsorted_indices is None
    assert p.double().data.dtype == mt.float64 and not p.is_cuda
    assert mrnn.invert_permutation(mt.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def _raises_like_torch(t_fn, m_fn):
    with pytest.raises(Exception) as t_info:
        t_fn()
    with pytest.raises(type(t_info.value)) as m_info:
        m_fn()
    assert str(m_info.value) == str(t_info.value)


@pytest.mark.parametrize("lengths", [[1, 3], [3, 0], [3, 2, 1]])
def test_pack_padded_sequence_errors_match_torch(lengths):
    torch = pytest.importorskip("torch")
    _raises_like_torch(
        lambda: torch.nn.utils.rnn.pack_padded_sequence(torch.zeros(3, 2, 4), lengths),
        lambda: mrnn.pack_padded_sequence(mt.zeros(3, 2, 4), lengths),
    )


def test_pad_errors_match_torch():
    torch = pytest.importorskip("torch")
    t_p = torch.nn.utils.rnn.pack_sequence([torch.ones(3), torch.ones(2)])
    m_p = mrnn.pack_sequence([mt.ones(3), mt.ones(2)])
    _raises_like_torch(
        lambda: torch.nn.utils.rnn.pad_packed_sequence(t_p, total_length=2),
        lambda: mrnn.pad_packed_sequence(m_p, total_length=2),
    )
    _raises_like_torch(lambda: torch.nn.utils.rnn.pad_sequence([]), lambda: mrnn.pad_sequence([]))
    _raises_like_torch(
        lambda: torch.nn.utils.rnn.pad_sequence([torch.ones(2)], padding_side="middle"),
        lambda: mrnn.pad_sequence([mt.ones(2)], padding_side="middle"),
    )


def test_lengths_longer_than_the_padding_raise():
    with pytest.raises(RuntimeError, match="exceeds the padded sequence length"):
        mrnn.pack_padded_sequence(mt.zeros(3, 2, 4), [4, 2])
