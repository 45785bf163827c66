"""Tensor basics: creation, dtypes, conversion, repr, randomness."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt


def test_default_dtype_and_float64_stays():
    assert mt.tensor([1.0, 2.0]).dtype == mt.float32
    assert mt.tensor(np.array([1.0])).dtype == mt.float64
    assert mt.tensor([1, 2]).dtype == mt.int64
    assert mt.tensor([True]).dtype == mt.bool
    assert mt.zeros(2).dtype == mt.float32 and mt.arange(3).dtype == mt.int64
    assert mt.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    mt.set_default_dtype(mt.float64)
    try:
        assert mt.tensor([1.0]).dtype == mt.float64 and mt.get_default_dtype() == mt.float64
    finally:
        mt.set_default_dtype(mt.float32)


def test_shape_api():
    x = mt.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == mt.Size([2, 3, 4]) and x.size(-1) == 4
    assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert repr(x.shape) == "torch.Size([2, 3, 4])"
    assert x.device == mt.device("cpu") and str(x.device) == "cpu"


def test_from_numpy_and_numpy_share_memory():
    a = np.zeros(3, dtype=np.float32)
    t = mt.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    t.numpy()[1] = 7
    assert a[1] == 7
    assert np.asarray(t) is t.numpy()
    c = mt.tensor(a)
    a[2] = 9
    assert c[2].item() == 0  # tensor() copies


def test_numpy_on_requires_grad_raises():
    with pytest.raises(RuntimeError, match="detach"):
        mt.ones(2, requires_grad=True).numpy()


def test_item_tolist_iter():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x[1, 1].item() == 4.0 and float(x[0, 0]) == 1.0 and int(x[1, 0]) == 3
    assert [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda: mt.tensor([1.0, 2.0]), "tensor([1., 2.])"),
        (lambda: mt.tensor([1.5, 2.25]), "tensor([1.5000, 2.2500])"),
        (lambda: mt.tensor([1, 2]), "tensor([1, 2])"),
        (lambda: mt.tensor(3.5), "tensor(3.5000)"),
        (lambda: mt.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
        (lambda: mt.tensor([1.0], dtype=mt.float64), "tensor([1.], dtype=torch.float64)"),
        (lambda: mt.tensor([[1, 2], [3, 4]]), "tensor([[1, 2],\n        [3, 4]])"),
        (lambda: mt.tensor([True, False]), "tensor([ True, False])"),
        (lambda: mt.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
        (lambda: mt.zeros(0, 3), "tensor([], size=(0, 3))"),
        (lambda: mt.tensor([2.0], requires_grad=True) * 2, "tensor([4.], grad_fn=<MulBackward0>)"),
    ],
)
def test_repr_matches_pytorch(make, text):
    assert repr(make()) == text


def test_manual_seed_and_generator_reproducible():
    mt.manual_seed(0)
    a = mt.randn(5)
    mt.manual_seed(0)
    b = mt.randn(5)
    assert a.tolist() == b.tolist()
    g1, g2 = mt.Generator().manual_seed(3), mt.Generator().manual_seed(3)
    assert mt.rand(4, generator=g1).tolist() == mt.rand(4, generator=g2).tolist()
    r = mt.randint(0, 5, (100,))
    assert r.dtype == mt.int64 and 0 <= r.min().item() and r.max().item() < 5
    assert sorted(mt.randperm(6).tolist()) == list(range(6))


def test_factories():
    assert mt.full((2, 2), 3.0).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert mt.full((1,), 3).dtype == mt.int64
    assert mt.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert mt.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    x = mt.ones(2, 3, dtype=mt.float64)
    assert mt.zeros_like(x).dtype == mt.float64 and mt.ones_like(x).shape == (2, 3)
    assert mt.full_like(x, 7).tolist()[0] == [7.0] * 3
    assert mt.rand_like(x).shape == (2, 3) and mt.randn_like(x).dtype == mt.float64
    assert mt.empty(2, 3).shape == (2, 3)
    with pytest.raises(RuntimeError, match="negative dimension"):
        mt.zeros(-1)


def test_conversions():
    x = mt.tensor([1.7, -2.2])
    assert x.long().tolist() == [1, -2] and x.double().dtype == mt.float64
    assert x.int().dtype == mt.int32 and x.float() is x
    assert x.to(mt.float64).dtype == mt.float64 and x.to("cpu") is x
    y = x.clone()
    y[0] = 0
    assert x[0].item() != 0
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")
    assert not mt.cuda.is_available()


def test_backend_flags_scripts_set_are_accepted_and_report_no_accelerator():
    mt.backends.cudnn.benchmark = True
    mt.backends.cudnn.deterministic = True
    assert not mt.backends.cudnn.is_available() and not mt.backends.mps.is_available()
    mt.backends.cudnn.benchmark = mt.backends.cudnn.deterministic = False


def test_requires_grad_flags():
    x = mt.ones(2)
    assert x.is_leaf and not x.requires_grad
    x.requires_grad_()
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)


def test_inplace_ops_bump_version():
    x = mt.zeros(3)
    v0 = x._version
    x.add_(1).mul_(2).sub_(1).div_(2).clamp_(0, 0.4)
    x.fill_(3)
    x.zero_()
    x.copy_(mt.ones(3))
    x[0] = 2
    assert x._version == v0 + 9
    assert x.tolist() == [2.0, 1.0, 1.0]
    x.add_(mt.ones(3), alpha=2)
    assert x.tolist() == [4.0, 3.0, 3.0]
    x -= 1
    x *= 2
    assert x.tolist() == [6.0, 4.0, 4.0]


def test_torch_style_scalar_helpers():
    assert mt.isnan(mt.tensor([float("nan"), 1.0])).tolist() == [True, False]
    assert mt.isfinite(mt.tensor([float("inf"), 1.0])).tolist() == [False, True]
    assert mt.allclose(mt.ones(2), mt.ones(2) + 1e-9)
    assert mt.__version__


def test_reflected_dunders_called_with_a_non_tensor_self_decline_as_torch():
    """``Tensor.__rsub__(2.0, t)`` is NotImplemented in torch (its TypeError-to-NotImplemented wrapper)."""
    t = mt.ones(2)
    assert mt.Tensor.__rsub__(2.0, t) is NotImplemented
    assert mt.Tensor.__pow__(2.0, t) is NotImplemented
    assert mt.Tensor.__rmatmul__(2.0, t) is NotImplemented
    assert (2.0 - t).tolist() == [1.0, 1.0]
    assert (t**2).tolist() == [1.0, 1.0]


_SUMMARISED = [
    lambda: np.random.default_rng(0).standard_normal(5000).astype(np.float32),
    lambda: np.arange(20_000).reshape(10, 2000),
    lambda: np.random.default_rng(1).standard_normal((3, 400, 5)),
    lambda: np.arange(1001),
    lambda: np.random.default_rng(2).standard_normal((2, 2, 600)) * 1e5,
    lambda: np.random.default_rng(3).standard_normal(1001) > 0,
]


@pytest.mark.parametrize("make", _SUMMARISED)
def test_summarised_repr_matches_torch(make):
    torch = pytest.importorskip("torch")
    assert repr(mt.tensor(make())) == repr(torch.tensor(make()))


def test_summarised_repr_formats_only_the_printed_elements(monkeypatch):
    from microtorch import _printing

    calls = []
    original = _printing._Formatter.format
    monkeypatch.setattr(_printing._Formatter, "format", lambda self, x: calls.append(1) or original(self, x))
    text = repr(mt.arange(2_000_000).reshape(1000, 2000))
    assert len(calls) == 36 and text.count("...") == 7


def test_repr_with_no_edge_items_prints_the_size_as_torch():
    mt.set_printoptions(edgeitems=0)
    try:
        assert repr(mt.arange(2000.0).reshape(2, 1000)) == "tensor([...], size=(2, 1000))"
    finally:
        mt.set_printoptions(profile="default")


def test_indexing_a_0d_tensor_with_an_int_or_slice_says_what_torch_says():
    t = mt.tensor(3.0)
    with pytest.raises(IndexError, match=r"invalid index of a 0-dim tensor. Use `tensor.item\(\)`"):
        t[0]
    with pytest.raises(IndexError, match=r"slice\(\) cannot be applied to a 0-dim tensor"):
        t[1:]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 0"):
        t[(0,)]
    assert t[None].shape == (1,) and t[...].shape == ()


def test_0d_results_are_writable_in_place_and_share_memory_with_their_views():
    """numpy hands back scalars for 0-d results; a tensor holding one could not be written in place."""
    a = mt.tensor(1.0) * mt.tensor(2.0)
    a.add_(1)
    assert a.item() == 3.0
    c = mt.ones(3).sum()
    c.view(1).add_(1)
    assert c.item() == 4.0
    x = mt.tensor(2.0, requires_grad=True)
    y = x * 3
    y.mul_(2)
    y.backward()
    assert x.grad.item() == 6.0
