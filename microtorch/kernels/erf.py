"""The error function on arrays, as fdlibm's s_erf.c computes it (pure numpy, no autograd).

The rational approximations of libm's erf, within 1 ulp in float64, vectorised: every
branch is evaluated and the right one selected. ``ops.unary.erf`` wraps it.
"""

from __future__ import annotations

import numpy as np

from .._backend import xp

__all__ = ["erf_array"]


# erf as fdlibm's s_erf.c computes it (the rational approximations of libm's erf, within
# 1 ulp in float64), vectorised: every branch is evaluated and the right one selected
_PP = (
    1.28379167095512558561e-01,
    -3.25042107247001499370e-01,
    -2.84817495755985104766e-02,
    -5.77027029648944159157e-03,
    -2.37630166566501626084e-05,
)
_QQ = (
    1.0,
    3.97917223959155352819e-01,
    6.50222499887672944485e-02,
    5.08130628187576562776e-03,
    1.32494738004321644526e-04,
    -3.96022827877536812320e-06,
)
_PA = (
    -2.36211856075265944077e-03,
    4.14856118683748331666e-01,
    -3.72207876035701323847e-01,
    3.18346619901161753674e-01,
    -1.10894694282396677476e-01,
    3.54783043256182359371e-02,
    -2.16637559486879084300e-03,
)
_QA = (
    1.0,
    1.06420880400844228286e-01,
    5.40397917702171048937e-01,
    7.18286544141962662868e-02,
    1.26171219808761642112e-01,
    1.36370839120290507362e-02,
    1.19844998467991074170e-02,
)
_RA = (
    -9.86494403484714822705e-03,
    -6.93858572707181764372e-01,
    -1.05586262253232909814e01,
    -6.23753324503260060396e01,
    -1.62396669462573470355e02,
    -1.84605092906711035994e02,
    -8.12874355063065934246e01,
    -9.81432934416914548592e00,
)
_SA = (
    1.0,
    1.96512716674392571292e01,
    1.37657754143519042600e02,
    4.34565877475229228821e02,
    6.45387271733267880336e02,
    4.29008140027567833386e02,
    1.08635005541779435134e02,
    6.57024977031928170135e00,
    -6.04244152148580987438e-02,
)
_RB = (
    -9.86494292470009928597e-03,
    -7.99283237680523006574e-01,
    -1.77579549177547519889e01,
    -1.60636384855821916062e02,
    -6.37566443368389627722e02,
    -1.02509513161107724954e03,
    -4.83519191608651397019e02,
)
_SB = (
    1.0,
    3.03380607434824582924e01,
    3.25792512996573918826e02,
    1.53672958608443695994e03,
    3.19985821950859553908e03,
    2.55305040643316442583e03,
    4.74528541206955367215e02,
    -2.24409524465858183362e01,
)
_ERX = 8.45062911510467529297e-01


def _poly(c: tuple, z: np.ndarray) -> np.ndarray:
    """``c[0] + c[1] z + ...`` by Horner's rule, in place after the first product."""
    out = z * c[-1]
    out += c[-2]
    for k in c[-3::-1]:
        out *= z
        out += k
    return out


def _erf_tail(ax: np.ndarray, r: tuple, s: tuple) -> np.ndarray:
    t = 1.0 / (ax * ax)
    # exp(-x*x) split as exp(-zt*zt) * exp((zt - x)(zt + x)), zt = x with its low 32 bits cleared
    zt = (ax.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
    e = xp.exp(-zt * zt - 0.5625) * xp.exp((zt - ax) * (zt + ax) + _poly(r, t) / _poly(s, t))
    return 1.0 - e / ax


def erf_array(a: np.ndarray) -> np.ndarray:
    """erf in float64, each element through the one fdlibm range it falls in."""
    x = a.astype(np.float64).ravel()
    ax = xp.abs(x)
    out = xp.copysign(np.ones_like(x), x)  # |x| >= 6 (and NaN, fixed below)
    small = ax < 0.84375
    i = np.flatnonzero(small)
    if i.size:
        xs = x[i]
        z = xs * xs
        out[i] = xs + xs * (_poly(_PP, z) / _poly(_QQ, z))
    j = np.flatnonzero(~small & (ax < 6))
    if j.size:
        axr = ax[j]
        v = np.empty_like(axr)
        mid = axr < 1.25
        near = ~mid & (axr < 1 / 0.35)
        for rows, fn in (
            (mid, lambda t: _ERX + _poly(_PA, t - 1.0) / _poly(_QA, t - 1.0)),
            (near, lambda t: _erf_tail(t, _RA, _SA)),
            (~mid & ~near, lambda t: _erf_tail(t, _RB, _SB)),
        ):
            k = np.flatnonzero(rows)
            if k.size:
                v[k] = fn(axr[k])
        out[j] = xp.copysign(v, x[j])
    nan = np.isnan(x)
    if nan.any():
        out[nan] = np.nan
    return out.reshape(a.shape).astype(a.dtype, copy=False)
