"""BLAS-style products (addmm family, inner, vdot, kron, tensordot) and distances:
values against numpy / torch, gradients by finite differences, torch's errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck


def _rand(*shape, seed=0):
    return mt.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=mt.float64, requires_grad=True)


def test_addmm_matches_numpy_and_beta_zero_ignores_nan():
    x, a, b = _rand(2, 3), _rand(2, 4, seed=1), _rand(4, 3, seed=2)
    out = mt.addmm(x, a, b, beta=0.5, alpha=2.0)
    np.testing.assert_allclose(
        out.detach().numpy(), 0.5 * x.detach().numpy() + 2 * a.detach().numpy() @ b.detach().numpy()
    )
    nan = mt.tensor([float("nan")], dtype=mt.float64, requires_grad=True)
    out = mt.addmm(nan, a, b, beta=0)
    assert not mt.isnan(out).any()
    out.sum().backward()
    assert nan.grad.tolist() == [0.0]


def test_addmm_family_gradients():
    x, a, b = _rand(3), _rand(2, 4, seed=1), _rand(4, 3, seed=2)
    assert gradgradcheck(lambda x, a, b: mt.addmm(x, a, b, beta=0.3, alpha=0.7), (x, a, b))
    v, m, w = _rand(2), _rand(2, 4, seed=3), _rand(4, seed=4)
    assert gradgradcheck(lambda v, m, w: mt.addmv(v, m, w, beta=0.2), (v, m, w))
    assert gradgradcheck(lambda x, p, q: mt.addr(x, p, q, alpha=2), (_rand(2, 4), v, w))
    b1, b2 = _rand(2, 3, 4, seed=5), _rand(2, 4, 5, seed=6)
    assert gradgradcheck(lambda i, p, q: mt.baddbmm(i, p, q, beta=0.5), (_rand(3, 5), b1, b2))
    assert gradgradcheck(lambda i, p, q: mt.addbmm(i, p, q, alpha=0.5), (_rand(5), b1, b2))


def test_integer_coefficients_truncate_like_torch():
    a = mt.full((2, 3), 3, dtype=mt.int64)
    m = mt.ones(2, 2, dtype=mt.int64)
    assert mt.addmm(a, m, a, beta=0.5, alpha=1.7).tolist() == [[6] * 3] * 2
    with pytest.raises(RuntimeError, match="must not be a floating point number"):
        mt.addr(a, mt.ones(2, dtype=mt.int64), mt.ones(3, dtype=mt.int64), beta=0.5)
    out = mt.addbmm(mt.ones(2, 2, dtype=mt.int8), mt.ones(2, 2, 2, dtype=mt.int8), mt.ones(2, 2, 2, dtype=mt.int8))
    assert out.dtype == mt.int8


def test_inplace_addmm_and_errors():
    x = mt.ones(2, 3)
    x.addmm_(mt.ones(2, 2), mt.ones(2, 3), beta=0)
    assert x.tolist() == [[2.0] * 3] * 2
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        mt.addmm(mt.ones(2, 3), mt.ones(2, 2), mt.ones(1, 3))
    with pytest.raises(RuntimeError, match="same dtype"):
        mt.addmm(mt.ones(2, 3, dtype=mt.float64), mt.ones(2, 2), mt.ones(2, 3))
    with pytest.raises(RuntimeError, match="must have same number of batches"):
        mt.addbmm(mt.ones(3), mt.ones(2, 2, 2), mt.ones(3, 2, 3))


def test_kron_inner_tensordot_match_numpy():
    a, b = _rand(2, 3), _rand(3, 4, seed=1)
    np.testing.assert_allclose(mt.kron(a, b).detach().numpy(), np.kron(a.detach().numpy(), b.detach().numpy()))
    np.testing.assert_allclose(
        mt.inner(a, _rand(5, 3)).detach().numpy(), np.inner(a.detach().numpy(), _rand(5, 3).detach().numpy())
    )
    np.testing.assert_allclose(
        mt.tensordot(a, b, dims=([1], [0])).detach().numpy(), np.tensordot(a.detach().numpy(), b.detach().numpy(), 1)
    )
    assert gradgradcheck(lambda p, q: mt.kron(p, q), (a, b))
    assert gradgradcheck(lambda p, q: mt.tensordot(p, q, dims=1), (a, b))


def test_tensordot_contracts_against_size_one_like_torch():
    torch = pytest.importorskip("torch")
    a, b = np.random.default_rng(0).standard_normal((1, 1, 1)), np.random.default_rng(1).standard_normal((2, 1, 2))
    want = torch.tensordot(torch.tensor(a), torch.tensor(b), dims=([0, 1], [2, 0])).numpy()
    got = mt.tensordot(mt.tensor(a), mt.tensor(b), dims=([0, 1], [2, 0])).numpy()
    np.testing.assert_allclose(got, want)
    with pytest.raises(RuntimeError, match="tensordot expects dims >= 0"):
        mt.tensordot(mt.ones(2, 3), mt.ones(3, 4), dims=-1)


def test_cdist_pdist_against_torch_with_gradients():
    torch = pytest.importorskip("torch")
    x1, x2 = np.random.default_rng(0).standard_normal((2, 4, 3)), np.random.default_rng(1).standard_normal((2, 5, 3))
    for p in (0.0, 1.0, 2.0, 3.0, float("inf")):
        for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
            want = torch.cdist(torch.tensor(x1), torch.tensor(x2), p, mode).numpy()
            got = mt.cdist(mt.tensor(x1), mt.tensor(x2), p, mode).numpy()
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert gradcheck(
        lambda a, b: mt.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), (_rand(4, 3), _rand(5, 3, seed=1))
    )
    np.testing.assert_allclose(
        mt.nn.functional.pdist(mt.tensor(x1[0]), 1.5).numpy(),
        torch.nn.functional.pdist(torch.tensor(x1[0]), 1.5).numpy(),
    )
    with pytest.raises(RuntimeError, match="cdist only supports at least 2D"):
        mt.cdist(mt.ones(3), mt.ones(3))


def test_cosine_similarity_normalize_pairwise_against_torch():
    torch = pytest.importorskip("torch")
    F, TF = mt.nn.functional, torch.nn.functional
    a, b = np.random.default_rng(0).standard_normal((1, 2, 3)), np.random.default_rng(1).standard_normal((2, 1, 3))
    b[0, 0] = 0.0  # a zero vector: the norm is clamped, its gradient is the unclamped one (as torch)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ma, mb = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    TF.cosine_similarity(ta, tb, dim=-1, eps=0.5).sum().backward()
    F.cosine_similarity(ma, mb, dim=-1, eps=0.5).sum().backward()
    np.testing.assert_allclose(ma.grad.numpy(), ta.grad.numpy())
    np.testing.assert_allclose(mb.grad.numpy(), tb.grad.numpy())
    np.testing.assert_allclose(
        F.normalize(ma, p=1.0, dim=2).detach().numpy(), TF.normalize(ta, p=1.0, dim=2).detach().numpy()
    )
    np.testing.assert_allclose(
        F.pairwise_distance(ma, mb, p=3.0).detach().numpy(), TF.pairwise_distance(ta, tb, p=3.0).detach().numpy()
    )
    with pytest.raises(RuntimeError, match="expected common dtype to be floating point"):
        F.cosine_similarity(mt.ones(2, 3, dtype=mt.int64), mt.ones(3, dtype=mt.int64))


def test_bilinear_and_dist():
    x1, x2, w, b = _rand(4, 3), _rand(4, 2, seed=1), _rand(5, 3, 2, seed=2), _rand(5, seed=3)
    want = np.einsum("bi,oij,bj->bo", x1.detach().numpy(), w.detach().numpy(), x2.detach().numpy()) + b.detach().numpy()
    np.testing.assert_allclose(mt.nn.functional.bilinear(x1, x2, w, b).detach().numpy(), want)
    assert gradgradcheck(mt.nn.functional.bilinear, (x1, x2, w, b))
    with pytest.raises(RuntimeError, match="input1 size does not match weight size"):
        mt.nn.functional.bilinear(mt.ones(4, 2), mt.ones(4, 2), mt.ones(5, 3, 2))
    d = mt.dist(x1, x2[:, :1], 3)
    np.testing.assert_allclose(
        d.item(), np.sum(np.abs(x1.detach().numpy() - x2.detach().numpy()[:, :1]) ** 3) ** (1 / 3)
    )
    assert gradgradcheck(lambda p, q: mt.dist(p, q, 3), (x1, _rand(3, seed=7)))


def test_distance_modules_and_bilinear_init():
    torch = pytest.importorskip("torch")
    layer = mt.nn.Bilinear(3, 2, 4)
    assert layer.weight.shape == (4, 3, 2) and float(layer.weight.abs().max()) <= 1 / np.sqrt(3)
    assert repr(layer) == repr(torch.nn.Bilinear(3, 2, 4))
    assert layer(mt.ones(5, 3), mt.ones(5, 2)).shape == (5, 4)
    assert mt.nn.Bilinear(3, 2, 4, bias=False).bias is None
    a, b = mt.tensor([[3.0, 4.0]]), mt.tensor([[0.0, 0.0]])
    np.testing.assert_allclose(mt.nn.PairwiseDistance(p=1.0, eps=0.0)(a, b).numpy(), [7.0])
    np.testing.assert_allclose(mt.nn.CosineSimilarity(dim=1)(a, a * 2).numpy(), [1.0], rtol=1e-6)


def test_lowrank_reconstructs_a_low_rank_matrix():
    rng = np.random.default_rng(0)
    a = mt.tensor(rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5)))
    u, s, v = mt.svd_lowrank(a, q=3)
    assert u.shape == (6, 3) and s.shape == (3,) and v.shape == (5, 3)
    np.testing.assert_allclose((u * s) @ v.mT, a.numpy(), atol=1e-10)
    u, s, v = mt.pca_lowrank(a.mT, q=2)  # wide input, centred columns
    centred = a.mT.numpy() - a.mT.numpy().mean(0)
    np.testing.assert_allclose(((u * s) @ v.mT).numpy(), centred, atol=1e-10)
    x = mt.tensor(a.numpy(), requires_grad=True)
    u, s, v = mt.svd_lowrank(x, q=2)
    s.sum().backward()  # differentiable through qr and svd
    assert x.grad.shape == (6, 5) and bool(mt.isfinite(x.grad).all())
    with pytest.raises(ValueError, match="must be non-negative integer and not greater than"):
        mt.pca_lowrank(a, q=7)


def test_products_take_torchs_keyword_names():
    x, v = mt.ones(2, 2), mt.ones(2)
    assert mt.matmul(input=x, other=x).tolist() == [[2.0, 2.0]] * 2
    assert mt.mm(input=x, mat2=x).shape == (2, 2) and x.mm(mat2=x).shape == (2, 2)
    assert mt.bmm(input=x[None], mat2=x[None]).shape == (1, 2, 2)
    assert mt.mv(input=x, vec=v).tolist() == [2.0, 2.0]
    assert mt.dot(input=v, tensor=v).item() == 2.0 and mt.outer(input=v, vec2=v).shape == (2, 2)
    assert mt.addmm(input=x, mat1=x, mat2=x, beta=0).tolist() == [[2.0, 2.0]] * 2
    assert mt.cdist(x1=x, x2=x).shape == (2, 2) and mt.inner(input=v, other=v).item() == 2.0


def test_alpha_follows_torchs_blas_calls():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, b, c, v = (
        rng.standard_normal((2, 3, 4)),
        rng.standard_normal((2, 4, 3)),
        rng.standard_normal((3, 3)),
        rng.standard_normal(4),
    )
    a[0, 0, 0] = np.nan
    T, M = (lambda x: torch.tensor(x)), (lambda x: mt.tensor(x))
    cases = [
        ("addmm", (c, a[1], b[1])),
        ("addmm", (c, a[0], b[0])),
        ("addmv", (c[:, 0], a[1], v)),
        ("addmv", (c[:, 0], a[0], v)),
    ]
    cases += [("addbmm", (c, a, b)), ("baddbmm", (c[None], a, b)), ("addr", (c, v[:3], b[0, 0]))]
    for alpha in (float("inf"), 0, -1.0):
        for name, args in cases:
            want = getattr(torch, name)(*map(T, args), alpha=alpha).numpy()
            got = getattr(mt, name)(*map(M, args), alpha=alpha).numpy()
            np.testing.assert_allclose(got, want, equal_nan=True, err_msg=f"{name} alpha={alpha}")
    x = mt.tensor(a[0], requires_grad=True)
    mt.addmm(M(c), x, M(b[0]), alpha=0).sum().backward()
    assert x.grad.tolist() == [[0.0] * 4] * 3  # the skipped product still gets grad * 0


def test_bad_arguments_raise_torchs_classes():
    with pytest.raises(RuntimeError, match="non-negative p values"):
        mt.cdist(mt.ones(2, 3), mt.ones(2, 3), p=float("nan"))
    with pytest.raises(RuntimeError, match="tensordot expects dims to be int or tuple"):
        mt.tensordot(mt.ones(2, 3), mt.ones(3, 2), dims="1")
    with pytest.raises(TypeError, match="argument 'dim' must be int"):
        mt.nn.functional.cosine_similarity(mt.ones(5), mt.ones(5), dim=1.5)
    with pytest.raises(RuntimeError, match="Order 0.5 not supported"):
        mt.nn.functional.normalize(mt.ones(2, 3), p="0.5")
    np.testing.assert_allclose(mt.nn.functional.normalize(mt.ones(2, 4), p=None).numpy(), np.full((2, 4), 0.5))
    with pytest.raises(RuntimeError, match="indexing axis dim should be positive"):
        mt.nn.functional.embedding(mt.tensor([1]), mt.ones(0, 3))


def test_inf_norm_distances_give_every_tied_entry_the_gradient():
    x = mt.tensor([[0.0, 0.0, 0.0], [1.0, -1.0, 1.0]], requires_grad=True)
    mt.nn.functional.pdist(x, float("inf")).backward()
    assert x.grad.tolist() == [[-1.0, 1.0, -1.0], [1.0, -1.0, 1.0]]  # torch's kernel: not split among ties
    x.grad = None
    mt.cdist(x[:1], x[1:], float("inf")).sum().backward()
    assert x.grad.tolist() == [[-1.0, 1.0, -1.0], [1.0, -1.0, 1.0]]


def test_beta_zero_keeps_the_promoted_dtype_and_bool_kernels_are_refused():
    nan = mt.full((2, 2), float("nan"), dtype=mt.float64)
    out = mt.addr(nan, mt.ones(2), mt.ones(2), beta=0)
    assert out.dtype == mt.float64 and out.tolist() == [[1.0, 1.0]] * 2
    b = mt.ones(2, 2, dtype=mt.bool)
    with pytest.raises(NotImplementedError, match="baddbmm"):
        mt.baddbmm(b[None], b[None], b[None])


@given(st.integers(1, 4), st.integers(0, 4), st.integers(1, 4), st.integers(1, 3), st.sampled_from([0.0, 0.5, 1.0]))
def test_fused_products_match_numpy_property(n, k, p, b, beta):
    rng = np.random.default_rng(n * 100 + k * 10 + p)
    m1, m2 = rng.standard_normal((b, n, k)), rng.standard_normal((b, k, p))
    c, alpha = rng.standard_normal((n, p)), 1.5
    got = mt.addmm(mt.tensor(c), mt.tensor(m1[0]), mt.tensor(m2[0]), beta=beta, alpha=alpha).numpy()
    np.testing.assert_allclose(got, beta * c + alpha * m1[0] @ m2[0], atol=1e-12)
    got = mt.baddbmm(mt.tensor(c), mt.tensor(m1), mt.tensor(m2), beta=beta, alpha=alpha).numpy()
    np.testing.assert_allclose(got, beta * c + alpha * m1 @ m2, atol=1e-12)
    got = mt.addbmm(mt.tensor(c), mt.tensor(m1), mt.tensor(m2), beta=beta, alpha=alpha).numpy()
    np.testing.assert_allclose(got, beta * c + alpha * (m1 @ m2).sum(0), atol=1e-12)
    a, bb = rng.standard_normal((n, k)), rng.standard_normal((p, b))
    np.testing.assert_allclose(mt.kron(mt.tensor(a), mt.tensor(bb)).numpy(), np.kron(a, bb))


@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 4), st.sampled_from([1.0, 2.0, 3.0, float("inf")]))
def test_cdist_matches_scipy_property(rows, cols, m, p):
    spatial = pytest.importorskip("scipy.spatial.distance")
    rng = np.random.default_rng(rows * 100 + cols * 10 + m)
    x1, x2 = rng.standard_normal((rows, m)), rng.standard_normal((cols, m))
    want = (
        np.zeros((rows, cols))
        if m == 0
        else spatial.cdist(
            x1, x2, "chebyshev" if p == float("inf") else "minkowski", **({} if p == float("inf") else {"p": p})
        )
    )
    for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        np.testing.assert_allclose(mt.cdist(mt.tensor(x1), mt.tensor(x2), p, mode).numpy(), want, atol=1e-10)


def test_tensordot_dims_forms_as_torch():
    a, b = mt.ones(2, 3), mt.ones(3, 2)
    for dims in (([1], [0]), [[1], [0]], ((1,), (0,)), mt.tensor([[1], [0]]), mt.tensor(1), True):
        assert mt.tensordot(a, b, dims=dims).shape == (2, 2)
    for dims in ((1, 0), mt.tensor([1, 0]), ([1.5], [0])):
        with pytest.raises(TypeError, match="argument 'dims_self'"):
            mt.tensordot(a, b, dims=dims)
    with pytest.raises(ValueError):
        mt.tensordot(a, b, dims=[[1], [0], [0]])
