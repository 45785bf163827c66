"""Embedding / EmbeddingBag: lookups, padding, max_norm renormalisation, bag modes and their
gradients, against torch when installed and against numpy / finite differences."""

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck

F = mt.nn.functional


def _weight(rows=5, cols=3, seed=0):
    return mt.tensor(np.random.default_rng(seed).standard_normal((rows, cols)), dtype=mt.float64, requires_grad=True)


def test_embedding_lookup_padding_and_freq_gradient():
    w = _weight()
    idx = mt.tensor([[0, 2], [2, 4]])
    out = F.embedding(idx, w, padding_idx=2, scale_grad_by_freq=True)
    np.testing.assert_allclose(out.detach().numpy(), w.detach().numpy()[idx.numpy()])
    out.sum().backward()
    assert w.grad[2].tolist() == [0.0] * 3  # the padding row gets no gradient
    assert w.grad[0].tolist() == [1.0] * 3 and w.grad[1].tolist() == [0.0] * 3
    assert gradgradcheck(lambda w: F.embedding(idx, w, scale_grad_by_freq=True), (_weight(),))


def test_embedding_max_norm_renormalises_rows_in_place():
    w = mt.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    F.embedding(mt.tensor([0, 1]), w, max_norm=1.0)
    np.testing.assert_allclose(w[0].numpy(), [0.6, 0.8], rtol=1e-5)
    assert w[2].tolist() == [6.0, 8.0]  # not looked up: untouched
    np.testing.assert_allclose(w[1].numpy(), [0.3, 0.4])


def test_embedding_errors():
    with pytest.raises(RuntimeError, match="'weight' must be 2-D"):
        F.embedding(mt.tensor([0]), mt.ones(3))
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding(mt.tensor([5]), mt.ones(5, 2))
    with pytest.raises(RuntimeError, match="scalar types: Long, Int"):
        F.embedding(mt.tensor([1.0]), mt.ones(5, 2))
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(mt.tensor([1]), _weight(), sparse=True)
    assert F.embedding(mt.tensor([1]), mt.ones(5, 2), sparse=True).shape == (1, 2)  # no gradient asked: dense result


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_against_torch(mode):
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(1).standard_normal((5, 3))
    idx, off = [0, 2, 2, 4, 1, 2], [0, 3, 3]
    tw, mw = torch.tensor(w, requires_grad=True), mt.tensor(w, requires_grad=True)
    t_out = torch.nn.functional.embedding_bag(torch.tensor(idx), tw, torch.tensor(off), mode=mode, padding_idx=2)
    m_out = F.embedding_bag(mt.tensor(idx), mw, mt.tensor(off), mode=mode, padding_idx=2)
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy())
    r = np.random.default_rng(2).standard_normal(t_out.shape)
    (t_out * torch.tensor(r)).sum().backward()
    (m_out * mt.tensor(r)).sum().backward()
    np.testing.assert_allclose(mw.grad.numpy(), tw.grad.numpy())


def test_embedding_bag_per_sample_weights_and_last_offset():
    w, psw = _weight(), mt.tensor([0.5, 2.0, -1.0, 1.0], dtype=mt.float64, requires_grad=True)
    idx, off = mt.tensor([1, 3, 3, 0]), mt.tensor([0, 1, 4])
    out = F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=psw, include_last_offset=True)
    wn = w.detach().numpy()
    want = np.stack([0.5 * wn[1], 2.0 * wn[3] - wn[3] + wn[0]])
    np.testing.assert_allclose(out.detach().numpy(), want)
    assert gradcheck(lambda w, p: F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=p), (w, psw))
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(idx, w, off, mode="mean", per_sample_weights=psw)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(idx, w)
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(idx, w, mt.tensor([1, 2]))


def test_embedding_modules():
    torch = pytest.importorskip("torch")
    emb = mt.nn.Embedding(10, 4, padding_idx=-1)
    assert emb.padding_idx == 9 and emb.weight[9].tolist() == [0.0] * 4
    assert repr(emb) == repr(torch.nn.Embedding(10, 4, padding_idx=-1))
    table = mt.ones(3, 2)
    frozen = mt.nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen(mt.tensor([2])).tolist() == [[1.0, 1.0]]
    assert mt.nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    bag = mt.nn.EmbeddingBag(10, 3, mode="max")
    assert bag(mt.tensor([[1, 2], [3, 3]])).shape == (2, 3)
    assert repr(bag) == repr(torch.nn.EmbeddingBag(10, 3, mode="max"))
    assert not mt.nn.EmbeddingBag.from_pretrained(table).weight.requires_grad
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        mt.nn.Embedding(3, 2, padding_idx=3)


def test_max_norm_matches_torch_and_bumps_the_version():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(4).standard_normal((6, 3)) * 3
    tw, mw = torch.tensor(w), mt.tensor(w)
    idx = [[0, 5], [5, 2]]
    torch.nn.functional.embedding(torch.tensor(idx), tw, max_norm=1.5, norm_type=1.0)
    before = mw._version
    out = F.embedding(mt.tensor(idx), mw, max_norm=1.5, norm_type=1.0)
    np.testing.assert_allclose(mw.numpy(), tw.numpy())
    np.testing.assert_allclose(out.numpy(), mw.numpy()[np.array(idx)])
    assert mw._version > before
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.nn.Embedding(3, 2, device="cuda")


@pytest.mark.parametrize(
    "idx,off,mode,pad",
    [
        ([0, 2, 2, 4, 1, 2], [0, 3, 3], "sum", None),
        ([4, 1, 1], [0], "sum", None),
        ([0, 2, 2, 4, 1, 2], [0, 3, 3], "mean", 1),
    ],
)
def test_embedding_bag_freq_scaling_as_torchs_kernel(idx, off, mode, pad):
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (torch, mt):
        w = lib.zeros(6, 1, dtype=lib.float64, requires_grad=True)
        out = lib.nn.functional.embedding_bag(
            lib.tensor(idx), w, lib.tensor(off), mode=mode, scale_grad_by_freq=True, padding_idx=pad
        )
        out.sum().backward()
        grads.append(w.grad.numpy().ravel())
    np.testing.assert_allclose(grads[1], grads[0])  # e.g. [4, 1, 1]: torch divides index 4's gradient by 2
