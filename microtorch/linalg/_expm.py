"""The matrix exponential as torch computes it (Bader, Blanes & Casas 2019: optimized Taylor
polynomials of degree 1, 2, 4, 8, 12, 18 with scaling and squaring), in the input's precision,
so float32 results round as torch's do."""

from __future__ import annotations

import numpy as np

_THETAS = {
    np.dtype(np.float32): (
        1.192092800768788e-07,
        5.978858893805233e-04,
        5.116619363445086e-02,
        5.800524627688768e-01,
        1.461661507209034e00,
        3.010066362817634e00,
    ),
    np.dtype(np.float64): (
        2.220446049250313e-16,
        2.580956802971767e-08,
        3.397168839976962e-04,
        4.991228871115323e-02,
        2.996158913811580e-01,
        1.090863719290036e00,
    ),
}

_B12 = (
    (9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
    (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031, 0.01108844528519167989),
    (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968, 0.00610700528898058230),
    (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079, -0.00675951846863086359),
)

_B18 = (
    (0.0, -1.00365581030144618291e-01, -8.02924648241156932449e-03, -8.92138498045729985177e-04, 0.0),
    (
        0.0,
        3.97849749499645077844e-01,
        1.36783778460411720168e00,
        4.98289622525382669416e-01,
        -6.37898194594723280150e-04,
    ),
    (
        -1.09676396052962061844e01,
        1.68015813878906206114e00,
        5.71779846478865511061e-02,
        -6.98210122488052056106e-03,
        3.34975017086070470649e-05,
    ),
    (
        -9.04316832390810593223e-02,
        -6.76404519071381882256e-02,
        6.75961301770459654925e-02,
        2.95552570429315521194e-02,
        -1.39180257516060693404e-05,
    ),
    (0.0, 0.0, -9.23364619367118555360e-02, -1.69364939002081722752e-02, -1.40086798182036094347e-05),
)


def _powers(a: np.ndarray, count: int) -> list:
    """The first ``count`` of ``I, A, A^2, A^3, A^6``."""
    eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    result = [eye, a]
    if count > 2:
        result.append(a @ a)
    if count > 3:
        result.append(a @ result[2])
    if count > 4:
        result.append(result[3] @ result[3])
    return result[:count]


def _combine(mats: list, coeffs, dtype) -> np.ndarray:
    out = np.zeros_like(mats[0])
    for m, c in zip(mats, coeffs):
        out = out + dtype.type(c) * m
    return out


def _t1(a):
    eye, x = _powers(a, 2)
    return eye + x


def _t2(a):
    eye, x, x2 = _powers(a, 3)
    return eye + x + x2 / a.dtype.type(2)


def _t4(a):
    p = _powers(a, 3)
    inner = p[2] @ _combine(p, (1 / 2.0, 1 / 6.0, 1 / 24.0), a.dtype)
    return _combine(p + [inner], (1.0, 1.0, 0.0, 1.0), a.dtype)


def _t8(a):
    d = a.dtype
    sqrt_177 = 0.1330413469565007072504e2
    x3 = 2.0 / 3.0
    x1 = x3 * ((1.0 + sqrt_177) / 88.0)
    x2 = x3 * ((1.0 + sqrt_177) / 352.0)
    x4 = (-271.0 + 29.0 * sqrt_177) / (315.0 * x3)
    x5 = (-11.0 + 11.0 * sqrt_177) / (1260.0 * x3)
    x6 = (-99.0 + 11.0 * sqrt_177) / (5040.0 * x3)
    x7 = (89.0 - sqrt_177) / (5040.0 * x3)
    y2 = (857.0 - 58.0 * sqrt_177) / 630.0
    p = _powers(a, 3)
    a4 = p[2] @ _combine(p[1:3], (x1, x2), d)
    a8 = _combine([p[2], a4], (x3, 1.0), d) @ _combine(p + [a4], (x4, x5, x6, x7), d)
    return _combine(p + [a4, a8], (1.0, 1.0, y2, 0.0, 1.0), d)


def _t12(a):
    p = _powers(a, 4)
    b = [_combine(p, row, a.dtype) for row in _B12]
    b[2] = b[2] + b[3] @ b[3]
    return b[0] + (b[1] + b[2]) @ b[2]


def _t18(a):
    p = _powers(a, 5)
    b = [_combine(p, row, a.dtype) for row in _B18]
    b[3] = b[3] + b[0] @ b[4]
    return b[1] + (b[2] + b[3]) @ b[3]


def _t18_scale_square(a: np.ndarray, norm: np.ndarray, theta: float) -> np.ndarray:
    s = np.maximum(0, np.ceil(np.log2(norm / a.dtype.type(theta)))).astype(np.int64)
    scaled = a / (2.0**s).astype(a.dtype)[:, None, None]
    out = _t18(scaled)
    for i in range(out.shape[0]):
        for _ in range(int(s[i])):
            out[i] = out[i] @ out[i]
    return out


def expm(x: np.ndarray) -> np.ndarray:
    """``exp(x)`` of each square matrix of a float32/float64 batch, by torch's algorithm."""
    if x.shape[-1] == 1:
        return np.exp(x)
    a = x.reshape((-1,) + x.shape[-2:])
    thetas = _THETAS[a.dtype]
    with np.errstate(all="ignore"):
        norm = np.abs(a).sum(axis=-2).max(axis=-1)
        if a.shape[0] > 1:
            return _t18_scale_square(a, norm, thetas[-1]).reshape(x.shape)
        res = np.full_like(a, np.nan)
        lower = -1.0
        for fn, upper in zip((_t1, _t2, _t4, _t8, _t12), thetas[:-1]):
            idx = np.flatnonzero((lower < norm) & (norm <= upper))
            if idx.size:
                res[idx] = fn(a[idx])
            lower = upper
        idx = np.flatnonzero(norm >= thetas[-2])
        if idx.size:
            res[idx] = _t18_scale_square(a[idx], norm[idx], thetas[-1])
    return res.reshape(x.shape)
