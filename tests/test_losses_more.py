"""Margin, embedding and likelihood losses: values against torch, gradients by finite differences, errors."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def _t(a, grad=False):
    return mt.tensor(np.asarray(a), requires_grad=grad)


def _cases():
    """(name, positional arrays, keyword options, indices of the differentiable arrays)."""
    x, y = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    z = RNG.standard_normal((4, 5))
    sign = np.array([1.0, -1.0, 1.0, -1.0])
    labels = np.array([1, 0, 4, 2])
    ml = np.array([[3, 0, -1, 1, 2], [1, -1, 0, 0, 0], [0, 1, 2, 3, 4], [-1, 2, 0, 0, 0]])
    return [
        ("cosine_embedding_loss", (x, y, sign), {"margin": 0.2}, (0, 1)),
        ("hinge_embedding_loss", (x, np.sign(y)), {"margin": 0.7}, (0,)),
        ("margin_ranking_loss", (x[:, 0], y[:, 0], sign), {"margin": 0.1}, (0, 1)),
        ("soft_margin_loss", (x, np.sign(y)), {}, (0,)),
        ("multi_margin_loss", (x, labels), {"p": 2, "margin": 0.8, "weight": np.arange(1.0, 6.0)}, (0,)),
        ("multi_margin_loss", (x, labels), {}, (0,)),
        ("multilabel_margin_loss", (x, ml), {}, (0,)),
        ("multilabel_soft_margin_loss", (x, (y > 0).astype(float)), {}, (0,)),
        ("triplet_margin_loss", (x, y, z), {"swap": True, "p": 1.0}, (0, 1, 2)),
        ("triplet_margin_with_distance_loss", (x, y, z), {"swap": True}, (0, 1, 2)),
        ("poisson_nll_loss", (x, np.abs(y) * 3), {"full": True}, (0, 1)),
        ("poisson_nll_loss", (np.abs(x) + 0.1, np.abs(y)), {"log_input": False}, (0, 1)),
        ("gaussian_nll_loss", (x, y, np.abs(z) + 0.1), {"full": True}, (0, 1, 2)),
    ]


CASES = _cases()
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _kwargs(kw, conv):
    return {k: conv(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch(case, reduction):
    torch = pytest.importorskip("torch")
    name, arrays, kw, diff = case
    t_args = [torch.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    m_args = [_t(a, i in diff) for i, a in enumerate(arrays)]
    t_out = getattr(torch.nn.functional, name)(*t_args, reduction=reduction, **_kwargs(kw, torch.tensor))
    m_out = getattr(F, name)(*m_args, reduction=reduction, **_kwargs(kw, mt.tensor))
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    t_out.sum().backward()
    m_out.sum().backward()
    for i in diff:
        np.testing.assert_allclose(m_args[i].grad.numpy(), t_args[i].grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_by_finite_differences(case):
    name, arrays, kw, diff = case
    fn = getattr(F, name)
    kw = _kwargs(kw, mt.tensor)
    fixed = [_t(a) for a in arrays]

    def f(*ins):
        args = list(fixed)
        for i, v in zip(diff, ins):
            args[i] = v
        return fn(*args, reduction="sum", **kw)

    inputs = tuple(_t(arrays[i], True) for i in diff)
    assert gradcheck(f, inputs)
    if "margin_loss" not in name or "soft" in name:  # torch has no double backward for the hinge kernels
        assert gradgradcheck(f, inputs)


def test_multi_margin_gradient_is_zero_at_the_kink():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1.0, 0.0]])  # margin - x[y] + x[i] == 0 exactly for i = 0, 2
    t_in = torch.tensor(x, requires_grad=True)
    m_in = _t(x, True)
    torch.nn.functional.multi_margin_loss(t_in, torch.tensor([1])).backward()
    F.multi_margin_loss(m_in, mt.tensor([1])).backward()
    np.testing.assert_array_equal(m_in.grad.numpy(), t_in.grad.numpy())


def test_multilabel_margin_counts_repeated_labels_and_stops_at_minus_one():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 4))
    t = np.array([[1, 1, -1, 3], [2, -1, 0, 0]])
    want = torch.nn.functional.multilabel_margin_loss(torch.tensor(x), torch.tensor(t), reduction="none")
    got = F.multilabel_margin_loss(_t(x), _t(t), reduction="none")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_integer_inputs_follow_torch_dtypes():
    torch = pytest.importorskip("torch")
    x, t = np.array([-1, 2, 0]), np.array([1, -1, -1])
    want = torch.nn.functional.hinge_embedding_loss(torch.tensor(x), torch.tensor(t), 1.5, reduction="none")
    got = F.hinge_embedding_loss(_t(x), _t(t), 1.5, reduction="none")
    assert got.dtype == mt.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    got = F.margin_ranking_loss(_t(x), _t(x), _t(t), margin=2, reduction="none")
    assert got.dtype == mt.float32
    np.testing.assert_array_equal(got.numpy(), [2.0, 2.0, 2.0])


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: F.multi_margin_loss(_t(np.ones((3, 4))), _t(np.array([1, 0, 5]))), RuntimeError, "out of range"),
        (lambda: F.multi_margin_loss(_t(np.ones((3, 4))), _t(np.array([1, 0]))), RuntimeError, "target tensor"),
        (lambda: F.multi_margin_loss(_t(np.ones((3, 4))), _t(np.array([1, 0, 1])), p=3), ValueError, "p == 1"),
        (lambda: F.multi_margin_loss(_t(np.ones((3, 0))), _t(np.array([1, 0, 1]))), RuntimeError, "non-empty"),
        (lambda: F.multilabel_margin_loss(_t(np.ones((2, 3))), _t(np.ones((2, 2), int))), RuntimeError, "inconsis"),
        (lambda: F.multilabel_margin_loss(_t(np.ones((1, 3))), _t(np.array([[5, 0, 0]]))), RuntimeError, "range"),
        (lambda: F.cosine_embedding_loss(_t(np.ones(3)), _t(np.ones(3)), _t(np.ones(3))), RuntimeError, "2D input"),
        (lambda: F.margin_ranking_loss(_t(np.ones(3)), _t(np.ones(3)), _t(np.ones((1, 3)))), RuntimeError, "same"),
        (lambda: F.soft_margin_loss(_t(np.ones(3)), _t(np.ones((2, 3)))), RuntimeError, "broadcast shape"),
        (lambda: F.soft_margin_loss(_t(np.ones(3)), 1.0), TypeError, "target"),
        (lambda: F.triplet_margin_loss(_t(np.ones(3)), _t(np.ones(3)), _t(np.ones(3)), margin=0), ValueError, "0"),
        (lambda: F.gaussian_nll_loss(_t(np.ones((2, 3))), _t(np.ones((2, 3))), _t(np.ones(3))), ValueError, "size"),
        (lambda: F.gaussian_nll_loss(_t(np.ones(2)), _t(np.ones(2)), _t(-np.ones(2))), ValueError, "negative"),
        (lambda: F.poisson_nll_loss(_t(np.ones(2)), _t(np.ones(2)), reduction="bad"), ValueError, "bad"),
    ],
)
def test_bad_input_raises_like_torch(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_gaussian_nll_clamped_variance_passes_the_gradient():
    torch = pytest.importorskip("torch")
    var = np.array([1e-9, 0.5, 2.0])
    t_var = torch.tensor(var, requires_grad=True)
    m_var = _t(var, True)
    x, y = np.array([0.1, 0.2, 0.3]), np.zeros(3)
    torch.nn.functional.gaussian_nll_loss(torch.tensor(x), torch.tensor(y), t_var).backward()
    F.gaussian_nll_loss(_t(x), _t(y), m_var).backward()
    np.testing.assert_allclose(m_var.grad.numpy(), t_var.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    "cls, kwargs, n_in",
    [
        ("CosineEmbeddingLoss", {"margin": 0.3}, 3),
        ("MarginRankingLoss", {"margin": 0.3}, 3),
        ("HingeEmbeddingLoss", {"margin": 0.5}, 2),
        ("SoftMarginLoss", {}, 2),
        ("MultiLabelSoftMarginLoss", {}, 2),
        ("TripletMarginLoss", {"margin": 0.5}, 3),
        ("PoissonNLLLoss", {"log_input": True}, 2),
    ],
)
def test_modules_match_functional(cls, kwargs, n_in):
    x = [RNG.standard_normal((3, 4)) for _ in range(n_in)]
    if cls == "MarginRankingLoss":
        x = [a[:, 0] for a in x]
    if cls in ("CosineEmbeddingLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss"):
        x[-1] = np.sign(x[-1][:, 0] if cls == "CosineEmbeddingLoss" else x[-1])
    module = getattr(mt.nn, cls)(reduction="sum", **kwargs)
    fn = {"CosineEmbeddingLoss": F.cosine_embedding_loss, "MarginRankingLoss": F.margin_ranking_loss}.get(cls)
    out = module(*[_t(a) for a in x])
    if fn is not None:
        want = fn(*[_t(a) for a in x], reduction="sum", **kwargs)
        assert float(out) == float(want)
    assert out.shape == ()


@pytest.mark.parametrize("chunk", [None, 1, 3])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_linear_cross_entropy_chunked_equals_the_reference(chunk, reduction):
    x, w, b = RNG.standard_normal((7, 4)), RNG.standard_normal((5, 4)), RNG.standard_normal(5)
    t = np.array([0, 4, 2, -100, 1, 1, 3])
    cw = np.arange(1.0, 6.0)
    grads = []
    for options in (None, mt.nn.LinearCrossEntropyOptions(batch_chunk_size=chunk, chunking_method=None)):
        ins = [_t(x, True), _t(w, True), _t(b, True)]
        out = F.linear_cross_entropy(
            ins[0], ins[1], _t(t), linear_bias=ins[2], weight=_t(cw), reduction=reduction, options=options
        )
        out.sum().backward()
        grads.append([out.detach().numpy()] + [v.grad.numpy() for v in ins])
    for ref, got in zip(*grads):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def test_linear_cross_entropy_against_torch_and_second_order():
    torch = pytest.importorskip("torch")
    x, w, t = RNG.standard_normal((6, 3)), RNG.standard_normal((2, 4, 3)), RNG.integers(0, 2, (6, 4))
    want = torch.nn.functional.linear_cross_entropy(torch.tensor(x), torch.tensor(w), torch.tensor(t))
    got = F.linear_cross_entropy(_t(x), _t(w), _t(t))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    assert gradgradcheck(
        lambda a, b: F.linear_cross_entropy(a, b, _t(t), label_smoothing=0.1), (_t(x, True), _t(w, True))
    )


def test_linear_cross_entropy_chunked_gradient_is_not_differentiable_as_torch():
    x, w = _t(RNG.standard_normal((4, 3)), True), _t(RNG.standard_normal((5, 3)), True)
    opts = mt.nn.LinearCrossEntropyOptions(batch_chunk_size=2)
    loss = F.linear_cross_entropy(x, w, _t(np.array([0, 1, 2, 3])), options=opts)
    (gx,) = mt.autograd.grad(loss, x, create_graph=True)
    assert not gx.requires_grad  # torch's chunked op precomputes its gradients


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: F.linear_cross_entropy(_t(np.ones((2, 3))), _t(np.ones(3)), _t(np.array([0, 1]))), RuntimeError),
        (lambda: F.linear_cross_entropy(_t(np.ones((2, 3))), _t(np.ones((4, 2))), _t(np.array([0, 1]))), RuntimeError),
        (lambda: F.linear_cross_entropy(_t(np.ones((2, 2, 3))), _t(np.ones((4, 3))), _t(np.array([0]))), RuntimeError),
        (lambda: mt.nn.LinearCrossEntropyOptions(batch_chunk_size=0), ValueError),
        (lambda: mt.nn.LinearCrossEntropyLoss(3, 4, label_smoothing=2.0), RuntimeError),
    ],
)
def test_linear_cross_entropy_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_linear_cross_entropy_loss_module():
    layer = mt.nn.LinearCrossEntropyLoss(3, 4, bias=True, dtype=mt.float64)
    x, t = _t(RNG.standard_normal((5, 3))), _t(np.array([0, 1, 2, 3, 0]))
    want = F.cross_entropy(layer.linear(x), t)
    np.testing.assert_allclose(float(layer(x, t)), float(want), rtol=1e-6)


def test_linear_cross_entropy_chunked_second_backward_needs_allow_retain_graph():
    x, w, t = _t(RNG.standard_normal((4, 3)), True), _t(RNG.standard_normal((5, 3)), True), _t(np.array([0, 1, 2, 3]))
    loss = F.linear_cross_entropy(x, w, t, options=mt.nn.LinearCrossEntropyOptions(batch_chunk_size=2))
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="called twice"):
        loss.backward()
    opts = mt.nn.LinearCrossEntropyOptions(batch_chunk_size=2, allow_retain_graph=True)
    loss = F.linear_cross_entropy(x, w, t, options=opts)
    loss.backward(retain_graph=True)
    loss.backward()
    none = F.linear_cross_entropy(x, w, t, reduction="none", options=mt.nn.LinearCrossEntropyOptions())
    none.sum().backward(retain_graph=True)
    none.sum().backward()  # 'none' recomputes its gradients: any number of backward passes


@pytest.mark.parametrize("policy", ["auto", "compact", "accurate", "balanced"])
@pytest.mark.parametrize("acc", [None, "float32", "float16"])
def test_linear_cross_entropy_float16_accumulation_options_as_torch(policy, acc):
    """acc_policy / acc_dtype decide the chunks' logits dtype and the gradient sums' dtype (float16 input)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 8)).astype(np.float16)
    w = rng.standard_normal((50, 8)).astype(np.float16)
    t = rng.integers(0, 50, 16)
    t_opts = torch.nn.LinearCrossEntropyOptions(
        acc_policy=policy, acc_dtype=None if acc is None else getattr(torch, acc), batch_chunk_size=4
    )
    m_opts = mt.nn.LinearCrossEntropyOptions(
        acc_policy=policy, acc_dtype=None if acc is None else getattr(mt, acc), batch_chunk_size=4
    )
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    torch.nn.functional.linear_cross_entropy(tx, tw, torch.tensor(t), options=t_opts).backward()
    mx, mw = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
    mt.nn.functional.linear_cross_entropy(mx, mw, mt.tensor(t), options=m_opts).backward()
    assert mw.grad.dtype == mt.float16
    np.testing.assert_allclose(mw.grad.numpy().astype(np.float32), tw.grad.float().numpy(), atol=3e-4)
    np.testing.assert_allclose(mx.grad.numpy().astype(np.float32), tx.grad.float().numpy(), atol=3e-4)


def test_linear_cross_entropy_options_refuse_an_integer_acc_dtype():
    with pytest.raises(ValueError, match="acc_dtype must be one of"):
        mt.nn.LinearCrossEntropyOptions(acc_dtype=mt.int64)
