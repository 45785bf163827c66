"""microtorch.linalg and the legacy top-level matrix functions: inputs well conditioned, with separated
spectra; decompositions checked through gauge-free outputs (squared singular/eigen vectors)."""

from __future__ import annotations

from ._core import family
from ._gen import t

D = family("linalg")


def _batch(rng) -> tuple[int, ...]:
    return () if rng.random() < 0.6 else (2,)


def _square(rng, n=None):
    """A well-conditioned square matrix (diagonally dominant) of side 2..3, maybe batched."""
    import microtorch as mt

    n = n or int(rng.integers(2, 4))
    a = t(rng, (*_batch(rng), n, n), -0.5, 0.5, grad=False) + 2.0 * mt.eye(n, dtype=mt.float64)
    return a.detach().requires_grad_(True)


def _spd(x):
    """A symmetric positive definite function of ``x``: perturbations stay symmetric and definite."""
    import microtorch as mt

    return x @ x.mT + mt.eye(x.shape[-1], dtype=x.dtype)


def _lower(x):
    """A lower-triangular matrix of ``x`` with a diagonal well off zero."""
    import microtorch as mt

    return x.tril() + 2.0 * mt.eye(x.shape[-1], dtype=x.dtype)


def _on_square(post=None):
    """``f(A)`` on a well-conditioned square matrix; ``post`` picks / transforms the outputs."""

    def build(rng, f):
        a = _square(rng)
        return ((lambda a: post(f(a))) if post else f), (a,)

    return build


def _on_spd(post=None):
    """``f`` of a symmetric positive definite function of the input; ``post`` picks / transforms the outputs."""

    def build(rng, f):
        x = t(rng, (*_batch(rng), int(rng.integers(1, 4)), 3))
        if x.shape[-2] != 3:
            x = t(rng, (*x.shape[:-2], 3, 3))
        return (lambda x: (post or (lambda y: y))(f(_spd(x)))), (x,)

    return build


def _squared_vectors(outs):
    """(values, vectors**2): eigenvector signs are arbitrary, their squares are not."""
    values, vectors = outs
    return values, vectors * vectors


def _svd_gauge_free(outs):
    u, s, v = outs
    return u * u, s, v * v


def _first(outs):
    return outs[0]


def _solve_left(rng, f):
    a = _square(rng)
    left = bool(rng.random() < 0.5)
    b = t(rng, (*a.shape[:-2], a.shape[-1], 2) if left else (*a.shape[:-2], 2, a.shape[-1]))
    return (lambda a, b: f(a, b, left=left)), (a, b)


def _solve_ex(rng, f):
    return _solve_left(rng, lambda a, b, left: f(a, b, left=left)[0])


def _solve_triangular(rng, f):
    a = _square(rng)
    upper, left, unit = bool(rng.random() < 0.5), bool(rng.random() < 0.5), bool(rng.random() < 0.3)
    b = t(rng, (*a.shape[:-2], a.shape[-1], 2) if left else (*a.shape[:-2], 2, a.shape[-1]))
    tri = (lambda a: a.triu()) if upper else (lambda a: a.tril())
    return (lambda a, b: f(tri(a), b, upper=upper, left=left, unitriangular=unit)), (a, b)


def _triangular_solve(rng, f):
    a = _square(rng)
    upper, transpose = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    b = t(rng, (*a.shape[:-1], 2))
    tri = (lambda a: a.triu()) if upper else (lambda a: a.tril())
    return (lambda b, a: f(b, tri(a), upper, transpose)[0]), (b, a)


def _cholesky(rng, f):
    upper = bool(rng.random() < 0.5)
    x = t(rng, (*_batch(rng), 3, 3))
    return (lambda x: f(_spd(x), upper=upper)), (x,)


def _cholesky_legacy(rng, f):
    upper = bool(rng.random() < 0.5)
    return (lambda x: f(_spd(x), upper)), (t(rng, (*_batch(rng), 3, 3)),)


def _cholesky_inverse(rng, f):
    upper = bool(rng.random() < 0.5)
    tri = (lambda x: _lower(x).mT) if upper else _lower
    return (lambda x: f(tri(x), upper)), (t(rng, (3, 3)),)


def _cholesky_solve(rng, f):
    upper = bool(rng.random() < 0.5)
    tri = (lambda x: _lower(x).mT) if upper else _lower
    return (lambda b, x: f(b, tri(x), upper)), (t(rng, (3, 2)), t(rng, (3, 3)))


def _qr(rng, f):
    m, n = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    a = t(rng, (*_batch(rng), max(m, n), n))
    return f, (a,)


def _svd(full_matrices_kw: bool):
    def build(rng, f):
        m, n = int(rng.integers(2, 4)), int(rng.integers(1, 4))
        a = t(rng, (*_batch(rng), m, n))
        call = (lambda a: f(a, full_matrices=False)) if full_matrices_kw else (lambda a: f(a, some=True))
        return (lambda a: _svd_gauge_free(call(a))), (a,)

    return build


def _rectangular(rng, f):
    m, n = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    return f, (t(rng, (*_batch(rng), m, n)),)


def _pinv(rng, f):
    m, n = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    return f, (t(rng, (m, n)) if m != n else _square(rng, m),)


def _lstsq(rng, f):
    a = _square(rng)
    return (lambda a, b: f(a, b)[0]), (a, t(rng, (*a.shape[:-1], 2)))


def _cond(rng, f):
    p = [None, "fro", "nuc", 1, float("inf"), 2, -2, -1][int(rng.integers(8))]
    return (lambda a: f(a, p)), (_square(rng),)


def _matrix_power(rng, f):
    n = int(rng.integers(-2, 4))
    return (lambda a: f(a, n)), (_square(rng),)


def _matrix_exp(rng, f):
    return f, (t(rng, (*_batch(rng), 3, 3), -0.5, 0.5),)


def _lu_solve(rng, f):
    import microtorch.linalg as LA

    a = _square(rng)
    left, adjoint = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    b = t(rng, (*a.shape[:-2], a.shape[-1], 2) if left else (*a.shape[:-2], 2, a.shape[-1]))
    return (lambda a, b: f(*LA.lu_factor(a), b, left=left, adjoint=adjoint)), (a, b)


def _lu_solve_legacy(rng, f):
    import microtorch.linalg as LA

    a = _square(rng)
    return (lambda b, a: f(b, *LA.lu_factor(a))), (t(rng, (*a.shape[:-1], 2)), a)


def _lu_unpack(rng, f):
    import microtorch.linalg as LA

    return (lambda a: f(*LA.lu_factor(a))), (_square(rng),)


def _householder(rng, f):
    m = int(rng.integers(2, 4))
    n = int(rng.integers(1, m + 1))
    k = int(rng.integers(1, n + 1))
    return f, (t(rng, (m, n)), t(rng, (k,)))


def _ormqr(rng, f):
    m = int(rng.integers(2, 4))
    n = int(rng.integers(1, m + 1))
    left, transpose = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
    other = t(rng, (m, 2) if left else (2, m))
    return (lambda a, tau, c: f(a, tau, c, left, transpose)), (t(rng, (m, n)), t(rng, (n,)), other)


def _cross(dim_kw: bool):
    def build(rng, f):
        s = [int(rng.integers(1, 3)), 3] if rng.random() < 0.5 else [3]
        d = len(s) - 1
        return ((lambda a, b: f(a, b, dim=d)) if dim_kw else f), (t(rng, tuple(s)), t(rng, tuple(s)))

    return build


def _vecdot(rng, f):
    s = (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
    d = int(rng.integers(-2, 2))
    return (lambda a, b: f(a, b, dim=d)), (t(rng, s), t(rng, s))


def _vander(rng, f):
    n = int(rng.integers(1, 4))
    N = [None, 2, 4][int(rng.integers(3))]  # torch rejects N < 2
    return (lambda x: f(x, N=N)), (t(rng, (n,)),)


def _multi_dot(rng, f):
    sides = [int(v) for v in rng.integers(1, 4, size=int(rng.integers(3, 5)))]
    shapes = [(sides[i], sides[i + 1]) for i in range(len(sides) - 1)]
    if rng.random() < 0.3:
        shapes[0] = shapes[0][1:]
    return (lambda *xs: f(list(xs))), tuple(t(rng, s) for s in shapes)


def _tensorinv(rng, f):
    import microtorch as mt

    a = t(rng, (6, 6), -0.3, 0.3, grad=False) + 2.0 * mt.eye(6, dtype=mt.float64)
    return (lambda a: f(a, ind=1)), (a.reshape(6, 2, 3).detach().requires_grad_(True),)


def _tensorsolve(rng, f):
    import microtorch as mt

    a = t(rng, (6, 6), -0.3, 0.3, grad=False) + 2.0 * mt.eye(6, dtype=mt.float64)
    return f, (a.reshape(2, 3, 6).detach().requires_grad_(True), t(rng, (2, 3)))


def _matrix_norm(rng, f):
    ord_ = ["fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")][int(rng.integers(8))]
    keepdim = bool(rng.random() < 0.5)
    return (lambda a: f(a, ord_, keepdim=keepdim)), (_square(rng),)


def _vector_norm(rng, f):
    from ._gen import distinct

    s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    ord_ = [2, 1, 3, 0.5, float("inf"), float("-inf")][int(rng.integers(6))]
    dim = [None, 0, -1, (0, 1)][int(rng.integers(4))]
    x = distinct(rng, s, 0.3, 1.3, grad=False) * t(rng, s, grad=False).sign()  # no zeros, no ties of |x|
    return (lambda x: f(x, ord_, dim)), (x.detach().requires_grad_(True),)


def _linalg_norm(rng, f):
    if rng.random() < 0.5:
        return _matrix_norm(rng, lambda a, o, keepdim: f(a, o, (-2, -1), keepdim))
    return _vector_norm(rng, lambda x, o, dim: f(x, o if dim is None or isinstance(dim, int) else None, dim))


def _diagonal(rng, f):
    s = (2, 3, int(rng.integers(2, 4)))
    offset = int(rng.integers(-1, 2))
    d1, d2 = [(-2, -1), (0, 2), (2, 0)][int(rng.integers(3))]
    return (lambda x: f(x, offset=offset, dim1=d1, dim2=d2)), (t(rng, s),)


OPS = [
    D("det", _on_square(), "torch linalg"),
    D("slogdet", _on_square(lambda o: o[1]), "torch linalg"),
    D("logdet", _on_spd(), "torch"),
    D("inv", _on_square(), "linalg torch.inverse"),
    D("inv_ex", _on_square(_first), "linalg"),
    D("matrix_exp", _matrix_exp, "torch linalg"),
    D("matrix_power", _matrix_power, "torch linalg"),
    D("solve", _solve_left, "linalg"),
    D("solve_ex", _solve_ex, "linalg"),
    D("solve_triangular", _solve_triangular, "linalg"),
    D("triangular_solve", _triangular_solve, "torch"),
    D("cholesky", _cholesky, "linalg"),
    D("cholesky(legacy)", _cholesky_legacy, "torch.cholesky"),
    D("cholesky_ex", _on_spd(_first), "linalg"),
    D("cholesky_inverse", _cholesky_inverse, "torch"),
    D("cholesky_solve", _cholesky_solve, "torch"),
    D("qr", _qr, "torch linalg"),
    D("svd", _svd(True), "linalg"),
    D("svd(legacy)", _svd(False), "torch.svd"),
    D("svdvals", _rectangular, "linalg"),
    D("pinv", _pinv, "linalg torch.pinverse"),
    D("eigh", _on_spd(_squared_vectors), "linalg"),
    D("eigvalsh", _on_spd(), "linalg"),
    D("lu", _on_square(lambda o: o[1:]), "linalg"),
    D("lu(legacy)", _on_square(_first), "torch.lu"),
    D("lu_factor", _on_square(_first), "linalg"),
    D("lu_factor_ex", _on_square(_first), "linalg"),
    D("lu_solve", _lu_solve, "linalg"),
    D("lu_solve(legacy)", _lu_solve_legacy, "torch.lu_solve"),
    D("lu_unpack", _lu_unpack, "torch"),
    D("lstsq", _lstsq, "linalg"),
    D("cond", _cond, "linalg"),
    D("householder_product", _householder, "linalg torch.orgqr"),
    D("ormqr", _ormqr, "torch"),
    D("cross", _cross(True), "linalg torch"),
    D("vecdot", _vecdot, "linalg"),
    D("vander", _vander, "linalg"),
    D("multi_dot", _multi_dot, "linalg"),
    D("tensorinv", _tensorinv, "linalg"),
    D("tensorsolve", _tensorsolve, "linalg"),
    D("matrix_norm", _matrix_norm, "linalg"),
    D("vector_norm", _vector_norm, "linalg"),
    D("norm(linalg)", _linalg_norm, "linalg.norm"),
    D("diagonal", _diagonal, "linalg"),
]
