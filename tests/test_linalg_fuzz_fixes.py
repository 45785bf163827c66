"""Bad-input and edge-case behaviour of linalg found by the thorough fuzz: eigh/eigvalsh's UPLO type and empty
integer input, householder_product's tau checks, tensorsolve's dims, lstsq's gels driver, matrix_norm's dim and
pinv's tolerance types; each as torch (error class and message, values)."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
from microtorch.linalg import LinAlgError


def _outcome(lib, fn):
    """``("ok", [(dtype name, shape, values)])`` of ``fn(lib)``, or ``(error class name, message)``."""
    try:
        result = fn(lib)
    except Exception as exc:  # noqa: BLE001 - the class and message are what is compared
        name = type(exc).__name__
        return ("LinAlgError" if name == "_LinAlgError" else name, str(exc))
    result = result if isinstance(result, tuple) else (result,)
    return ("ok", [(str(r.dtype).split(".")[-1], tuple(r.shape), np.round(np.asarray(r.tolist()), 6)) for r in result])


def _same_as_torch(fn) -> None:
    torch = pytest.importorskip("torch")
    theirs, ours = _outcome(torch, fn), _outcome(mt, fn)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] != "ok":
        # torch's "got (...)" lists the call's arguments as written (positional or keyword, in order),
        # which a Python signature cannot see: compared up to it, and the overloads it expects
        ours_head, _, ours_tail = ours[1].partition(" - got (")
        theirs_head, _, theirs_tail = theirs[1].partition(" - got (")
        assert ours_head == theirs_head
        assert ours_tail.partition("), ")[2] == theirs_tail.partition("), ")[2]
        return
    for (od, os, ov), (td, ts, tv) in zip(ours[1], theirs[1]):
        assert (od, os) == (td, ts)
        np.testing.assert_allclose(ov, tv, rtol=1e-6, atol=1e-9)


def _m(lib, a):
    return lib.tensor(np.asarray(a, dtype=np.float64))


EIGH_CASES = [
    lambda L: L.linalg.eigh(L.zeros(3, 3, dtype=L.float64), UPLO=3),
    lambda L: L.linalg.eigvalsh(L.zeros(3, 3, dtype=L.float64), UPLO=None),
    lambda L: L.linalg.eigh(L.zeros(0, 0, dtype=L.int64)),
    lambda L: L.linalg.eigh(L.zeros(2, 0, 0, dtype=L.bool)),
    lambda L: L.linalg.eigvalsh(L.zeros(0, 4, 4, dtype=L.int32)),
    lambda L: L.linalg.eigh(L.zeros(0, 0, dtype=L.float16)),
    lambda L: L.linalg.eigh(L.zeros(2, 2, dtype=L.int64)),
    lambda L: L.linalg.eigh(L.zeros(2, 2, dtype=L.int64), UPLO="X"),
    lambda L: L.linalg.eigh(L.zeros(2, 2, dtype=L.float16)),
    lambda L: L.linalg.eigh(L.zeros(0, 2, dtype=L.int64), UPLO="X"),
    lambda L: L.linalg.eigh([[1.0]], UPLO=3),
]


@pytest.mark.parametrize("case", range(len(EIGH_CASES)))
def test_eigh_checks_as_torch(case):
    _same_as_torch(EIGH_CASES[case])


def test_eigh_of_an_empty_integer_matrix_is_empty_of_its_dtype():
    w, v = mt.linalg.eigh(mt.zeros(3, 0, 0, dtype=mt.int64))
    assert (w.dtype, tuple(w.shape), v.dtype, tuple(v.shape)) == (mt.int64, (3, 0), mt.int64, (3, 0, 0))
    with pytest.raises(TypeError, match="argument 'UPLO' must be str, not int"):
        mt.linalg.eigvalsh(mt.eye(2), UPLO=1)


HOUSEHOLDER_CASES = [
    lambda L: L.linalg.householder_product(L.ones(5, 5, dtype=L.float64), L.tensor(1.0, dtype=L.float64)),
    lambda L: L.linalg.householder_product(L.ones(2, 1, 5, 5, dtype=L.float64), L.tensor(1.0, dtype=L.float64)),
    lambda L: L.linalg.householder_product(L.ones(2, 1, 5, 5, dtype=L.float64), L.ones(2, 0, 5, dtype=L.float64)),
    lambda L: L.linalg.householder_product(L.ones(2, 0, 5, 5, dtype=L.float64), L.ones(2, 1, 5, dtype=L.float64)),
    lambda L: L.linalg.householder_product(L.ones(3, 4, 2, dtype=L.float64), L.ones(3, 2, dtype=L.float64) * 0.5),
]


@pytest.mark.parametrize("case", range(len(HOUSEHOLDER_CASES)))
def test_householder_product_checks_as_torch(case):
    _same_as_torch(HOUSEHOLDER_CASES[case])


def test_householder_product_tau_errors():
    with pytest.raises(IndexError, match="Dimension specified as -1 but tensor has no dimensions"):
        mt.linalg.householder_product(mt.ones(3, 3, dtype=mt.float64), mt.tensor(1.0, dtype=mt.float64))
    with pytest.raises(RuntimeError, match=r"Expected batch dimensions of tau .* but got \[2, 0\]"):
        mt.linalg.householder_product(mt.ones(2, 1, 3, 3, dtype=mt.float64), mt.ones(2, 0, 3, dtype=mt.float64))


_A = np.random.RandomState(0).randn(2, 3, 6)
_B = np.random.RandomState(1).randn(2, 3)
TENSORSOLVE_CASES = [
    lambda L: L.linalg.tensorsolve(_m(L, _A[0]).reshape(3, 6), _m(L, _B), dims=(0, 2)),
    lambda L: L.linalg.tensorsolve(_m(L, _A), _m(L, _B), dims=(-1000, 2)),
    lambda L: L.linalg.tensorsolve(_m(L, 1.0), _m(L, _B), dims=(0, 2)),
    lambda L: L.linalg.tensorsolve(_m(L, _A), _m(L, _B), dims=(0, 0)),
    lambda L: L.linalg.tensorsolve(_m(L, _A.reshape(6, 2, 3)), _m(L, _B.reshape(6)), dims=(-3,)),
]


@pytest.mark.parametrize("case", range(len(TENSORSOLVE_CASES)))
def test_tensorsolve_dims_as_torch(case):
    _same_as_torch(TENSORSOLVE_CASES[case])


def test_tensorsolve_dims_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got 2"):
        mt.linalg.tensorsolve(_m(mt, 1.0), _m(mt, _B), dims=(0, 2))


_R = np.random.RandomState(2)
LSTSQ_CASES = [
    ((2, 0), (2, 3)),
    ((4, 0), (4,)),
    ((2, 4, 0), (2, 4, 3)),
    ((5, 3), (5, 2)),
    ((2, 5, 3), (2, 5, 2)),
    ((3, 5), (3,)),
    ((0, 3), (0, 2)),
]


@pytest.mark.parametrize("driver", ["gels", "gelsd", None])
@pytest.mark.parametrize("shapes", LSTSQ_CASES)
def test_lstsq_as_torch(shapes, driver):
    a, b = _R.randn(*shapes[0]), _R.randn(*shapes[1])
    _same_as_torch(lambda L: tuple(L.linalg.lstsq(_m(L, a), _m(L, b), driver=driver)))


def test_lstsq_gels_is_lapack_gels():
    # rank-deficient input: gels does no rank check and returns LAPACK's (huge) numbers, or its error code
    b = _R.randn(2, 3)
    _same_as_torch(lambda L: L.linalg.lstsq(L.ones(2, 5, dtype=L.float64), _m(L, b), driver="gels").solution)
    _same_as_torch(
        lambda L: L.linalg.lstsq(L.ones(4, 4, dtype=L.float64), L.ones(4, 3, dtype=L.float64), driver="gels")
    )
    _same_as_torch(
        lambda L: L.linalg.lstsq(L.ones(2, 4, 4, dtype=L.float64), L.ones(2, 4, 1, dtype=L.float64), driver="gels")
    )
    with pytest.raises(LinAlgError, match=r"does not have full rank \(error code: 2\)"):
        mt.linalg.lstsq(mt.ones(4, 4, dtype=mt.float64), mt.ones(4, 3, dtype=mt.float64), driver="gels")
    residuals = mt.linalg.lstsq(mt.ones(4, 0, dtype=mt.float64), mt.ones(4, 3, dtype=mt.float64), driver="gels")[1]
    assert residuals.tolist() == [0.0, 0.0, 0.0]


def test_lstsq_gels_gradient():
    a = mt.tensor(_R.randn(5, 3), requires_grad=True)
    b = mt.tensor(_R.randn(5, 2), requires_grad=True)
    assert mt.autograd.gradcheck(lambda a, b: mt.linalg.lstsq(a, b, driver="gels").solution, (a, b))


_X = np.random.RandomState(3).randn(2, 3, 3)
MATRIX_NORM_DIMS = [
    (-2, 1.5),
    (-1, 1.5),
    ("a", 1),
    [0, 1.5],
    1,
    (1,),
    (0, 1, 2),
    (True, 0),
    (0, True),
    (1, 1),
    (0, 2),
    (),
]


@pytest.mark.parametrize("dim", MATRIX_NORM_DIMS)
def test_matrix_norm_dim_as_torch(dim):
    _same_as_torch(lambda L: L.linalg.matrix_norm(_m(L, _X), "fro", dim))
    _same_as_torch(lambda L: L.linalg.matrix_norm(_m(L, _X), 2, dim, True))


PINV_TOLERANCES = [
    ((), dict(rtol="0.5")),
    ((), dict(atol="0.5")),
    ((), dict(rcond="0.5")),
    ((), dict(rtol=True)),
    ((), dict(rtol=1)),
    ((), dict(atol=0.1, rtol=0.2)),
    ((0.1,), dict()),
    ((), dict(atol=[0.1])),
    ((), dict(rcond=0.1, atol=0.1)),
]


@pytest.mark.parametrize("args, kwargs", PINV_TOLERANCES)
def test_pinv_tolerance_types_as_torch(args, kwargs):
    x = np.random.RandomState(4).randn(4, 4)
    _same_as_torch(lambda L: L.linalg.pinv(_m(L, x), *args, **kwargs))


def test_matmul_with_a_list_or_number_is_a_type_error():
    torch = pytest.importorskip("torch")
    t = mt.ones(3, 2, dtype=mt.float64)
    for bad in ([[1.0, 2.0]], (1.0, 2.0), 2, 2.5):
        with pytest.raises(TypeError, match="unsupported operand type"):
            t @ bad
        with pytest.raises(TypeError, match="unsupported operand type"):
            bad @ t
        with pytest.raises(TypeError):
            torch.ones(3, 2) @ bad
    _same_as_torch(lambda L: L.linalg.pinv([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]] @ _m(L, np.ones((3, 2))).mT))
    assert (t @ np.ones((2, 2))).shape == (3, 2)


VECDOT_DIAGONAL_CASES = [
    lambda L: L.linalg.vecdot(L.ones(3, dtype=L.float64), L.ones(1, dtype=L.float64)),
    lambda L: L.linalg.vecdot(L.ones(0, dtype=L.float64), L.ones(1, dtype=L.float64)),
    lambda L: L.linalg.vecdot(L.ones(3, dtype=L.float64), L.ones(3, dtype=L.float64) * 2, dim=7),
    lambda L: L.linalg.vecdot(L.ones(0, dtype=L.float64), L.ones(0, dtype=L.float64), dim=2**40),
    lambda L: L.linalg.vecdot(L.ones(3, dtype=L.float64), L.ones(2, 1, dtype=L.float64)),
    lambda L: L.linalg.diagonal(L.ones(5, 5), offset=2**40),
    lambda L: L.linalg.diagonal(L.ones(2, 5, 4), offset=-(2**40)),
    lambda L: L.linalg.diagonal(L.arange(40.0).reshape(2, 5, 4), offset=-4),
    lambda L: L.linalg.diagonal(L.arange(40.0).reshape(2, 5, 4), offset=3),
]


@pytest.mark.parametrize("case", range(len(VECDOT_DIAGONAL_CASES)))
def test_vecdot_of_vectors_and_far_diagonals_as_torch(case):
    _same_as_torch(VECDOT_DIAGONAL_CASES[case])


def test_vecdot_of_vectors_gradient():
    x = mt.tensor(_R.randn(4), requires_grad=True)
    y = mt.tensor(_R.randn(4), requires_grad=True)
    assert mt.autograd.gradcheck(lambda x, y: mt.linalg.vecdot(x, y), (x, y))
    assert mt.autograd.gradgradcheck(lambda x, y: mt.linalg.vecdot(x, y), (x, y))
