"""microtorch.linalg: values against numpy/scipy, gradients by finite differences (first and
second order, float64), torch's errors for bad input, and torch itself when installed."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
import microtorch.linalg as LA
from microtorch.autograd import gradcheck, gradgradcheck


def _rand(shape, seed=0, kind="general"):
    """Well-conditioned test matrices: general, symmetric, or symmetric positive-definite."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if kind == "general" and len(shape) >= 2 and shape[-1] == shape[-2]:
        a = a + 3 * np.eye(shape[-1])
    if kind == "sym":
        a = a + np.swapaxes(a, -1, -2)
    if kind == "spd":
        a = a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])
    return a


def _t(a, grad=True):
    return mt.tensor(a, dtype=mt.float64, requires_grad=grad)


def _check_grads(fn, *arrays):
    inputs = tuple(_t(a) for a in arrays)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


batch = st.sampled_from([(), (2,), (2, 1)])
size = st.integers(1, 4)


# --- forward values against numpy / scipy --------------------------------------------


@given(batch, size, st.integers(0, 99))
def test_det_slogdet_inv_match_numpy(b, n, seed):
    a = _rand(b + (n, n), seed)
    x = _t(a, grad=False)
    np.testing.assert_allclose(LA.det(x).numpy(), np.linalg.det(a), rtol=1e-10, atol=1e-12)
    sign, logabs = LA.slogdet(x)
    ref_sign, ref_log = np.linalg.slogdet(a)
    np.testing.assert_array_equal(sign.numpy(), ref_sign)
    np.testing.assert_allclose(logabs.numpy(), ref_log, rtol=1e-10)
    np.testing.assert_allclose(LA.inv(x).numpy(), np.linalg.inv(a), rtol=1e-9, atol=1e-12)


@given(batch, size, st.integers(1, 3), st.integers(0, 99))
def test_solve_and_triangular_match_numpy(b, n, k, seed):
    a, rhs = _rand(b + (n, n), seed), _rand(b + (n, k), seed + 1)
    np.testing.assert_allclose(LA.solve(_t(a, False), _t(rhs, False)).numpy(), np.linalg.solve(a, rhs), rtol=1e-9)
    up = np.triu(a)
    got = LA.solve_triangular(_t(a, False), _t(rhs, False), upper=True).numpy()
    np.testing.assert_allclose(got, np.linalg.solve(up, rhs), rtol=1e-9, atol=1e-12)


@given(batch, size, size, st.integers(0, 99))
def test_svd_qr_reconstruct_and_singular_values(b, m, n, seed):
    a = _rand(b + (m, n), seed)
    u, s, vh = LA.svd(_t(a, False), full_matrices=False)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose((u.numpy() * s.numpy()[..., None, :]) @ vh.numpy(), a, atol=1e-10)
    q, r = LA.qr(_t(a, False))
    np.testing.assert_allclose(q.numpy() @ r.numpy(), a, atol=1e-10)
    np.testing.assert_allclose(r.numpy(), np.triu(r.numpy()))


@given(batch, size, st.integers(0, 99))
def test_eigh_cholesky_match_numpy(b, n, seed):
    a = _rand(b + (n, n), seed, "spd")
    w, v = LA.eigh(_t(a, False))
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    np.testing.assert_allclose(v.numpy() @ (w.numpy()[..., None] * np.swapaxes(v.numpy(), -1, -2)), a, atol=1e-9)
    np.testing.assert_allclose(LA.cholesky(_t(a, False)).numpy(), np.linalg.cholesky(a), rtol=1e-10)


@given(st.sampled_from([2, 1, 0.5, 3, math.inf, -math.inf, 0]), st.sampled_from([None, 0, -1, (0, 1)]))
def test_vector_norm_matches_numpy(p, dim):
    a = _rand((3, 4), 1)
    ref = np.linalg.norm(a.ravel(), p) if dim in (None, (0, 1)) else np.linalg.norm(a, p, axis=dim)
    np.testing.assert_allclose(LA.vector_norm(_t(a, False), p, dim).numpy(), ref, rtol=1e-12)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norm_matches_numpy(ord):  # noqa: A002
    a = _rand((2, 3, 4), 2)
    np.testing.assert_allclose(LA.matrix_norm(_t(a, False), ord).numpy(), np.linalg.norm(a, ord, axis=(-2, -1)))


def test_pinv_lstsq_rank_match_numpy():
    a = _rand((5, 3), 3)
    a[:, 2] = a[:, 0]  # rank 2
    b = _rand((5, 2), 4)
    np.testing.assert_allclose(LA.pinv(_t(a, False)).numpy(), np.linalg.pinv(a), atol=1e-10)
    assert LA.matrix_rank(_t(a, False)).item() == 2
    full = _rand((5, 3), 5)
    sol = LA.lstsq(_t(full, False), _t(b, False), driver="gelsd")
    ref = np.linalg.lstsq(full, b, rcond=None)
    np.testing.assert_allclose(sol.solution.numpy(), ref[0], rtol=1e-10)
    np.testing.assert_allclose(sol.residuals.numpy(), ref[1], rtol=1e-10)


def test_matrix_exp_power_lu_match_scipy():
    a = _rand((3, 3), 6) / 3
    np.testing.assert_allclose(LA.matrix_exp(_t(a, False)).numpy(), sla.expm(a), rtol=1e-12)
    np.testing.assert_allclose(LA.matrix_power(_t(a, False), 5).numpy(), np.linalg.matrix_power(a, 5), rtol=1e-12)
    np.testing.assert_allclose(LA.matrix_power(_t(a, False), -2).numpy(), np.linalg.matrix_power(a, -2), rtol=1e-9)
    p, low, up = LA.lu(_t(a, False))
    np.testing.assert_allclose(p.numpy() @ low.numpy() @ up.numpy(), a, atol=1e-12)
    lu_data, piv = LA.lu_factor(_t(a, False))
    rhs = _rand((3, 2), 7)
    np.testing.assert_allclose(LA.lu_solve(lu_data, piv, _t(rhs, False)).numpy(), np.linalg.solve(a, rhs), rtol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matrix_exp_follows_torch_algorithm(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for shape, scale in [((3, 3), 1e-5), ((3, 3), 0.3), ((4, 4), 3.0), ((3, 5, 5), 3.0), ((2, 3, 3), 0.01)]:
        a = (rng.standard_normal(shape) * scale).astype(dtype)
        ref = torch.linalg.matrix_exp(torch.tensor(a)).numpy()
        got = LA.matrix_exp(mt.tensor(a)).numpy()
        assert got.dtype == ref.dtype
        tol = 1e-14 if dtype == "float64" else 2e-6
        assert np.abs(got - ref).max() <= tol * np.abs(ref).max()


def test_products():
    a, b = _rand((4, 3), 1), _rand((4, 3), 2)
    np.testing.assert_allclose(LA.cross(_t(a, False), _t(b, False)).numpy(), np.cross(a, b))
    np.testing.assert_allclose(LA.vecdot(_t(a, False), _t(b, False)).numpy(), (a * b).sum(-1))
    np.testing.assert_allclose(LA.vander(_t(a[0], False)).numpy(), np.vander(a[0], increasing=True))
    mats = [_rand((2, 3), 1), _rand((3, 5), 2), _rand((5, 1), 3)]
    np.testing.assert_allclose(LA.multi_dot([_t(m, False) for m in mats]).numpy(), np.linalg.multi_dot(mats))
    np.testing.assert_allclose(LA.diagonal(_t(a, False), offset=1).numpy(), np.diagonal(a, 1, -2, -1))


# --- gradients: finite differences, first and second order ---------------------------


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_square_op_gradients(shape):
    a = _rand(shape, 11)
    _check_grads(LA.det, a)
    _check_grads(lambda x: LA.slogdet(x).logabsdet, a)
    _check_grads(LA.inv, a)
    _check_grads(LA.matrix_exp, a / 4)
    _check_grads(lambda x: LA.matrix_power(x, 3), a)
    _check_grads(lambda x: LA.solve(x, x[..., :2] * 2 + 1), a)
    _check_grads(lambda x: LA.solve_triangular(x, x[..., :2], upper=False), a)


def test_det_gradient_at_a_singular_matrix_is_the_adjugate():
    a = _t(np.array([[1.0, 2.0], [2.0, 4.0]]))
    (g,) = mt.autograd.grad(LA.det(a), a, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
def test_decomposition_gradients(shape):
    a = _rand(shape, 12)
    _check_grads(lambda x: LA.svd(x, full_matrices=False), a)
    _check_grads(LA.svdvals, a)
    _check_grads(LA.qr, a)
    _check_grads(LA.pinv, a)
    _check_grads(lambda x: tuple(LA.lu(x))[1:], a)
    _check_grads(lambda x: LA.matrix_norm(x, "nuc"), a)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_symmetric_gradients(shape):
    a = _rand(shape, 13, "spd")
    sym = lambda x: (x + x.mT) / 2  # noqa: E731
    _check_grads(lambda x: LA.eigh(sym(x)), a)
    _check_grads(lambda x: LA.eigvalsh(sym(x)), a)
    _check_grads(lambda x: LA.cholesky(sym(x)), a)
    _check_grads(lambda x: LA.cholesky(sym(x), upper=True), a)
    _check_grads(lambda x: mt.cholesky_inverse(LA.cholesky(sym(x))), a)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, math.inf])
def test_vector_norm_gradients(p):
    _check_grads(lambda x: LA.vector_norm(x, p, dim=-1), _rand((3, 4), 14))


def test_cross_gradients_with_broadcast():
    _check_grads(lambda x, y: LA.cross(x, y, dim=0), _rand((3, 1, 2), 17), _rand((3, 4, 2), 18))


def test_lstsq_gradients():
    a, b = _rand((5, 3), 15), _rand((5, 2), 16)
    _check_grads(lambda x, y: LA.lstsq(x, y).solution, a, b)


# --- bad input: torch's error classes ------------------------------------------------


def test_bad_input_raises_torch_errors():
    with pytest.raises(RuntimeError, match="must be batches of square matrices"):
        LA.inv(mt.ones(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        LA.det(mt.ones(3))
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        LA.cholesky(mt.ones(2, 2, dtype=mt.int64))
    with pytest.raises(LA.LinAlgError, match="singular"):
        LA.inv(mt.zeros(2, 2))
    with pytest.raises(LA.LinAlgError, match="singular"):
        LA.solve(mt.zeros(2, 2), mt.ones(2))
    with pytest.raises(LA.LinAlgError, match="positive-definite"):
        LA.cholesky(-mt.eye(2))
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        LA.matrix_norm(mt.ones(2, 2), 3)
    with pytest.raises(TypeError, match="complex"):
        from microtorch.linalg._common import check_float

        check_float(mt.Tensor._make(np.ones((2, 2), np.complex64)), "linalg.inv")
    assert issubclass(LA.LinAlgError, RuntimeError)


def test_failed_call_leaves_input_unchanged():
    a = mt.zeros(2, 2)
    with pytest.raises(LA.LinAlgError):
        LA.inv(a)
    assert (a.numpy() == 0).all()


# --- against torch ------------------------------------------------------------------

_TORCH_CASES = [
    ("det", lambda L, x: L.det(x), (3, 3)),
    ("inv", lambda L, x: L.inv(x), (2, 3, 3)),
    ("svd_tall", lambda L, x: L.svd(x, full_matrices=False), (4, 3)),
    ("svd_full", lambda L, x: L.svd(x)[1], (3, 5)),
    ("qr_wide", lambda L, x: L.qr(x), (2, 4)),
    ("qr_complete", lambda L, x: L.qr(x, mode="complete"), (2, 4)),
    ("eigh", lambda L, x: L.eigh(x + x.mT), (3, 3)),
    ("pinv", lambda L, x: L.pinv(x), (3, 5)),
    ("pinv_hermitian", lambda L, x: L.pinv(x + x.mT, hermitian=True), (4, 4)),
    ("norm_inf", lambda L, x: L.norm(x, math.inf), (3, 3)),
    ("cond", lambda L, x: L.cond(x), (3, 3)),
    ("lu_factor", lambda L, x: L.lu_factor(x)[0], (3, 4)),
    ("lu_tall", lambda L, x: L.lu(x)[1:], (4, 2)),
    ("householder", lambda L, x: L.householder_product(x, x[..., 0, :2]), (4, 3)),
    ("lstsq_residuals", lambda L, x: L.lstsq(x, x[..., :2] + 1, driver="gelsd")[:2], (5, 3)),
]


@pytest.mark.parametrize(("name", "fn", "shape"), _TORCH_CASES, ids=[c[0] for c in _TORCH_CASES])
def test_values_and_gradients_match_torch(name, fn, shape):
    torch = pytest.importorskip("torch")
    a = _rand(shape, 21)
    ta, ma = torch.tensor(a, requires_grad=True), _t(a)
    t_out, m_out = fn(torch.linalg, ta), fn(LA, ma)
    t_out = [t_out] if isinstance(t_out, torch.Tensor) else list(t_out)
    m_out = [m_out] if isinstance(m_out, mt.Tensor) else list(m_out)
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(tuple(o.shape)) for o in t_out]
    if name.startswith(("svd", "qr", "eigh")):  # gauge: compare through sign-free quantities
        t_out, m_out = [o.abs() for o in t_out], [o.abs() for o in m_out]
    for t, m in zip(t_out, m_out):
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-9, atol=1e-10)
    t_loss = sum((o * torch.tensor(w)).sum() for o, w in zip(t_out, weights))
    m_loss = sum((o * mt.tensor(w)).sum() for o, w in zip(m_out, weights))
    (tg,) = torch.autograd.grad(t_loss, ta, create_graph=True)
    (mg,) = mt.autograd.grad(m_loss, ma, create_graph=True)
    np.testing.assert_allclose(mg.detach().numpy(), tg.detach().numpy(), rtol=1e-7, atol=1e-9)
    w2 = rng.standard_normal(shape)
    (tgg,) = torch.autograd.grad((tg * torch.tensor(w2)).sum(), ta)
    (mgg,) = mt.autograd.grad((mg * mt.tensor(w2)).sum(), ma)
    np.testing.assert_allclose(mgg.numpy(), tgg.numpy(force=True), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "call",
    [
        lambda L, t: L.inv(t.zeros(3, 2, 2)),
        lambda L, t: L.solve(t.eye(2), t.ones(3)),
        lambda L, t: L.cholesky(-t.eye(2).expand(3, 2, 2)),
        lambda L, t: L.vector_norm(t.ones(0, 2), math.inf),
        lambda L, t: L.norm(t.ones(2, 2, 2), 2),
        lambda L, t: L.qr(t.ones(2, 2), mode="x"),
        lambda L, t: L.lu_factor(t.zeros(2, 2)),
        lambda L, t: L.multi_dot([t.ones(2, 2), t.ones(3, 2)]),
        lambda L, t: L.cross(t.ones(2, 2), t.ones(2, 2)),
        lambda L, t: L.eigh(t.ones(3, 3, dtype=t.int64)),
        lambda L, t: L.lu(t.ones(3, 3, dtype=t.int64)),
        lambda L, t: L.solve_triangular(t.ones(3, 3, dtype=t.int64), t.ones(3, 3, dtype=t.int64), upper=True),
        lambda L, t: L.lstsq(t.ones(3, 3, dtype=t.int64), t.ones(3, 3, dtype=t.int64)),
        lambda L, t: L.matrix_rank(t.ones(3)),
        lambda L, t: L.pinv(t.ones(3, 3, dtype=t.int64)),
        lambda L, t: L.pinv(t.ones(2, 3), hermitian=True),
        lambda L, t: L.cond(t.ones(2, 3), "fro"),
        lambda L, t: L.cond(t.ones(3)),
        lambda L, t: L.inv_ex(t.ones(2, 3)),
        lambda L, t: L.solve(t.ones(2, 3, 3), t.ones(3, 3, 1)),
        lambda L, t: L.solve(t.eye(2), t.ones(2), left=False),
        lambda L, t: L.solve(t.eye(1), t.ones(1), left=False),
        lambda L, t: L.householder_product(t.ones(3, 2), t.ones(3)),
        lambda L, t: L.tensorinv(t.ones(4, 2, 3), ind=1),
        lambda L, t: L.svd(t.tensor([[[1.0, 1.0], [0.0, 1.0]], [[1.0, math.nan], [0.0, 1.0]]])),
        lambda L, t: L.pinv(t.tensor([[1.0, math.nan], [0.0, 1.0]])),
        lambda L, t: L.matrix_norm(t.tensor([[1.0, math.nan], [0.0, 1.0]]), "nuc"),
    ],
)
def test_error_messages_match_torch(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as t_err:
        call(torch.linalg, torch)
    with pytest.raises(Exception) as m_err:
        call(LA, mt)
    expected = RuntimeError if isinstance(t_err.value, RuntimeError) else type(t_err.value)
    assert isinstance(m_err.value, expected)
    assert str(m_err.value) == str(t_err.value)


def test_out_argument_writes_and_refuses_autograd():
    a = _rand((3, 3), 30)
    out = mt.empty(3, 3, dtype=mt.float64)
    assert LA.inv(_t(a, False), out=out) is out
    np.testing.assert_allclose(out.numpy(), np.linalg.inv(a))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        LA.inv(_t(a), out=mt.empty(3, 3, dtype=mt.float64))
    with pytest.raises(TypeError):
        LA.svd(_t(a, False), out=(out, out, out))


def test_graph_constants_and_dtypes_as_torch():
    torch = pytest.importorskip("torch")
    a = _rand((3, 3), 31)
    for lib, x in ((torch, torch.tensor(a, requires_grad=True)), (mt, _t(a))):
        assert lib.linalg.matrix_power(x, 0).requires_grad
        assert lib.linalg.slogdet(x).sign.requires_grad
        assert lib.linalg.lstsq(x, x[:, :1]).residuals.requires_grad
    for dt in ("int8", "int32", "int64"):
        got = LA.vander(mt.tensor([1, 2, 3], dtype=getattr(mt, dt)))
        assert got.dtype == mt.int64
        assert got.dtype.name == str(torch.linalg.vander(torch.tensor([1, 2, 3], dtype=getattr(torch, dt))).dtype)[6:]
    for ord in (1, math.inf, 2, "nuc", "fro"):  # noqa: A001
        empty = mt.ones(2, 0, 3, dtype=mt.float64)
        ref = torch.linalg.matrix_norm(torch.ones(2, 0, 3, dtype=torch.float64), ord).numpy()
        np.testing.assert_array_equal(LA.matrix_norm(empty, ord).numpy(), ref)


def test_residuals_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    a, b = _rand((5, 3), 32), _rand((5, 2), 33)
    ta, ma = torch.tensor(a, requires_grad=True), _t(a)
    tr = torch.linalg.lstsq(ta, torch.tensor(b), driver="gelsd").residuals.sum()
    mr = LA.lstsq(ma, mt.tensor(b), driver="gelsd").residuals.sum()
    np.testing.assert_allclose(mr.item(), tr.item(), rtol=1e-10)
    (tg,) = torch.autograd.grad(tr, ta)
    (mg,) = mt.autograd.grad(mr, ma)
    np.testing.assert_allclose(mg.numpy(), tg.numpy(), rtol=1e-8, atol=1e-10)


def _lu3(t):
    """A 3x3 LU factorization and a right-hand side, in library ``t``."""
    lu, piv = t.linalg.lu_factor(t.eye(3, dtype=t.float64) * 2)
    return lu, piv, t.ones(3, 4, dtype=t.float64)


def _ldl5(t):
    """A 5x5 LDL factorization and a right-hand side, in library ``t``."""
    ld, piv = t.linalg.ldl_factor(t.eye(5, dtype=t.float64) * 2)
    return ld, piv, t.ones(5, 2, dtype=t.float64)


def _geqrf5(t):
    """geqrf's compact QR of a 5x5 matrix and an ``other`` for ormqr, in library ``t``."""
    a, tau = t.geqrf(t.eye(5, dtype=t.float64) * 2)
    return a, tau, t.ones(5, 5, dtype=t.float64)


def _m(t, *shape, dtype="float64"):
    """``ones(shape)`` of ``dtype`` in library ``t``."""
    return t.ones(*shape, dtype=getattr(t, dtype))


# Bad input found by the differential fuzzer (tests/conformance/_fuzz.py): torch's exception class
# and message (exact where ``True``), never numpy's or scipy's internal errors.
_BAD_INPUT = [
    (lambda t: t.linalg.lu(_m(t, 3, 5), pivot="yes"), True),
    (lambda t: t.linalg.lu_factor(_m(t, 3, 5), pivot=1), True),
    (lambda t: t.linalg.lu_factor_ex(_m(t, 3, 5), check_errors=None), True),
    (lambda t: t.linalg.svd(_m(t, 2, 2), full_matrices="yes"), True),
    (lambda t: t.svd(_m(t, 2, 2), some="yes"), True),
    (lambda t: t.svd(_m(t, 2, 2), compute_uv="yes"), True),
    (lambda t: t.qr(_m(t, 2, 2), some="yes"), True),
    (lambda t: t.linalg.cholesky_ex(t.eye(2), upper="yes"), True),
    (lambda t: t.linalg.cholesky(t.eye(2), upper=t.tensor(True)), True),
    (lambda t: t.cholesky(t.eye(2), upper="yes"), True),
    (lambda t: t.linalg.ldl_factor(t.eye(2), hermitian="yes"), True),
    (lambda t: t.linalg.ldl_factor_ex(t.eye(2), hermitian="yes"), True),
    (lambda t: t.linalg.matrix_rank(t.eye(2), hermitian="yes"), False),
    (lambda t: t.linalg.pinv(t.eye(2), hermitian="yes"), False),
    (lambda t: t.linalg.solve_triangular(t.eye(2), t.eye(2), upper="yes"), True),
    (lambda t: t.triangular_solve(t.eye(2), t.eye(2), transpose="yes"), True),
    (lambda t: t.ormqr(*_geqrf5(t), left="yes"), True),
    (lambda t: t.cholesky(_m(t, 5, 5, dtype="int64")), True),
    (lambda t: t.cholesky(_m(t, 5, 3, dtype="int64")), True),
    (lambda t: t.cholesky(-t.eye(3)), True),
    (lambda t: t.cholesky_inverse(_m(t, 0, 0, dtype="int64")), True),
    (lambda t: t.geqrf(_m(t, 5, 5, dtype="bool")), True),
    (lambda t: t.cross(_m(t, 5, 3, dtype="bool"), _m(t, 5, 3)), True),
    (lambda t: t.linalg.cross(_m(t, 3, dtype="bool"), _m(t, 3, dtype="bool")), True),
    (lambda t: t.linalg.cross(_m(t, 3), _m(t, 3, dtype="bool")), True),
    (lambda t: t.cross([1.0, 2.0, 3.0], _m(t, 3)), True),
    (lambda t: t.linalg.diagonal(_m(t, 5)), True),
    (lambda t: t.linalg.diagonal(t.tensor(1.0)), True),
    (lambda t: t.lu_solve(_lu3(t)[2], _lu3(t)[0], t.ones(5, dtype=t.int32)), True),
    (lambda t: t.linalg.lu_solve(_lu3(t)[0][None].expand(2, 3, 3), *_lu3(t)[1:]), True),
    (lambda t: t.linalg.lu_solve(_lu3(t)[0], _lu3(t)[1].long(), _lu3(t)[2]), True),
    (lambda t: t.linalg.lu_solve(_lu3(t)[0], t.tensor(1, dtype=t.int32), _lu3(t)[2]), True),
    (lambda t: t.linalg.lu_solve(_lu3(t)[0], t.tensor([4, 1, 3], dtype=t.int32), _lu3(t)[2]), True),
    (lambda t: t.linalg.lu_solve(*_lu3(t), left="yes"), True),
    (lambda t: t.linalg.ldl_solve(_ldl5(t)[0][None].expand(2, 5, 5), *_ldl5(t)[1:]), True),
    (lambda t: t.linalg.ldl_solve(_ldl5(t)[0], t.ones(8, dtype=t.int32), _ldl5(t)[2]), True),
    (lambda t: t.linalg.ldl_solve(_ldl5(t)[0], [1, 2, 3, 4, 5], _ldl5(t)[2]), True),
    (lambda t: t.linalg.ldl_solve(*_ldl5(t)[:2], _m(t, 5)), True),
    (lambda t: t.linalg.ldl_solve(*_ldl5(t)[:2], _m(t, 7, 2)), True),
    (lambda t: t.linalg.ldl_solve(_ldl5(t)[0], _ldl5(t)[1] * 0, _ldl5(t)[2]), True),
    (lambda t: t.ormqr(*_geqrf5(t)[:2], _m(t, 2, 5, 5)), True),
    (lambda t: t.ormqr(_geqrf5(t)[0], t.tensor(1.0, dtype=t.float64), _geqrf5(t)[2]), True),
    (lambda t: t.ormqr(_geqrf5(t)[0], _m(t, 7), _geqrf5(t)[2]), True),
    (lambda t: t.ormqr(*(x.long() for x in _geqrf5(t))), True),
    (lambda t: t.linalg.lstsq(_m(t, 2, 3), _m(t, 2, 2, 3), driver="gels"), True),
    (lambda t: t.linalg.lstsq(_m(t, 2, 3), _m(t, 2, 3), driver=3), True),
    (lambda t: t.linalg.lstsq(_m(t, 3, 2, 3), _m(t, 2, 2)), True),
    (lambda t: t.linalg.lstsq(_m(t, 2, 3), _m(t, 3)), True),
    (lambda t: t.linalg.lstsq(_m(t, 2, 3), t.tensor(1.0, dtype=t.float64)), True),
    (lambda t: t.linalg.matrix_rank(_m(t, 8, 5), hermitian=True), True),
    (lambda t: t.linalg.tensorinv(t.tensor(1.0), ind=3), True),
    (lambda t: t.linalg.tensorinv(_m(t, 4, 2, 2), ind=1.5), True),
    (lambda t: t.linalg.cond(_m(t, 3, 3, dtype="int64"), 1), True),
    (lambda t: t.cholesky_solve(_m(t, 3, 3, dtype="int64"), _m(t, 3, 3, dtype="int64")), True),
    (lambda t: t.cholesky_solve(_m(t, 3, 3, dtype="int64"), _m(t, 3, 3)), True),
    (lambda t: t.linalg.householder_product(_m(t, 3, 3, dtype="int64"), _m(t, 3)), True),
    (lambda t: t.linalg.householder_product(_m(t, 3, 3, dtype="int64"), _m(t, 3, dtype="int64")), True),
]


@pytest.mark.parametrize(("call", "same_message"), _BAD_INPUT)
def test_bad_input_raises_as_torch(call, same_message):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as t_err:
        call(torch)
    with pytest.raises(Exception) as m_err:
        call(mt)
    expected = RuntimeError if isinstance(t_err.value, RuntimeError) else type(t_err.value)
    assert isinstance(m_err.value, expected), repr(m_err.value)
    if same_message:
        assert str(m_err.value) == str(t_err.value)


_ACCEPTED = [
    lambda t: t.cholesky(_m(t, 0, 5)),
    lambda t: t.cholesky(_m(t, 2, 5, 0)),
    lambda t: t.linalg.lu(_m(t, 0, 5)),
    lambda t: t.linalg.lu(_m(t, 5, 0)),
    lambda t: t.linalg.lu(_m(t, 2, 0, 5)),
    lambda t: t.lu_unpack(*t.linalg.lu_factor(_m(t, 5, 0))),
    lambda t: t.linalg.cond(_m(t, 5, 0)),
    lambda t: t.linalg.cond(_m(t, 2, 0, 0), -2),
    lambda t: t.linalg.pinv(_m(t, 0, 5), hermitian=True),
    lambda t: t.linalg.pinv(_m(t, 2, 5, 0), hermitian=True),
    lambda t: t.linalg.solve_triangular(t.eye(3, dtype=t.float64) * 2, _m(t, 3, 1, dtype="bool"), upper=True),
    lambda t: t.triangular_solve(_m(t, 2, 5, 1), t.eye(5, dtype=t.float64) * 2),
    lambda t: t.linalg.solve_triangular(t.eye(3) * 2, _m(t, 3, 1), upper=True),  # computed in A's float32
    lambda t: t.linalg.lstsq(t.tensor(_rand((2, 2, 3), 40)), t.tensor(_rand((2, 3), 41)), driver="gels"),
    lambda t: t.linalg.lstsq(t.tensor(_rand((1, 2, 3), 42)), t.tensor(_rand((2, 2), 43))),
    lambda t: t.linalg.lstsq(t.tensor(_rand((2, 2, 3), 44)), t.tensor(_rand((2, 2), 45))),
    lambda t: t.linalg.ldl_solve(_ldl5(t)[0], _ldl5(t)[1].long(), _ldl5(t)[2]),
    lambda t: t.ormqr(*_geqrf5(t)[:2], _m(t, 5, 7)),
    lambda t: t.linalg.vector_norm(t.tensor(-4.82698, dtype=t.float64), ord=2**40),
    lambda t: t.linalg.vector_norm(_m(t, 2, 1, 3) * -3, ord=99, dim=1, keepdim=True),
]


@pytest.mark.parametrize("call", _ACCEPTED)
def test_edge_input_accepted_as_torch(call):
    torch = pytest.importorskip("torch")
    t_out, m_out = call(torch), call(mt)
    t_out = [t_out] if isinstance(t_out, torch.Tensor) else list(t_out)
    m_out = [m_out] if isinstance(m_out, mt.Tensor) else list(m_out)
    assert len(m_out) == len(t_out)
    for t, m in zip(t_out, m_out):
        assert tuple(m.shape) == tuple(t.shape)
        assert m.dtype.name == str(t.dtype)[6:]
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_vector_norm_of_one_element_is_its_magnitude():
    x = mt.tensor([[-4.82698], [0.0]], dtype=mt.float64, requires_grad=True)
    for p in (99.0, -99.0, 0.5, 2.0**40):
        np.testing.assert_array_equal(LA.vector_norm(x, p, dim=1).detach().numpy(), [4.82698, 0.0])
    assert gradcheck(
        lambda a: LA.vector_norm(a, 99.0, dim=1), (mt.tensor([[-4.8], [2.0]], dtype=mt.float64, requires_grad=True),)
    )
