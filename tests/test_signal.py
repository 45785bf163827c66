"""microtorch.signal against numpy (1-D) and scipy.signal (N-D); gradients in both arguments."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.signal import convolve, correlate

FUNCS = {
    "convolve": (convolve, np.convolve, scipy.signal.convolve),
    "correlate": (correlate, np.correlate, scipy.signal.correlate),
}


@st.composite
def signal_pairs(draw, max_dims=3, max_side=5):
    d = draw(st.integers(1, max_dims))
    mode = draw(st.sampled_from(("full", "valid", "same")))
    xs = tuple(draw(st.integers(1, max_side)) for _ in range(d))
    if mode == "valid":  # one argument at least as large as the other in every dim (either order)
        small = tuple(draw(st.integers(1, n)) for n in xs)
        xs, ks = (xs, small) if draw(st.booleans()) else (small, xs)
    else:
        ks = tuple(draw(st.integers(1, max_side)) for _ in range(d))
    return xs, ks, mode, draw(st.sampled_from(tuple(FUNCS))), draw(st.integers(0, 2**16))


@given(signal_pairs())
def test_matches_scipy_and_numpy(case):
    xs, ks, mode, name, seed = case
    rng = np.random.default_rng(seed)
    x, k = rng.standard_normal(xs), rng.standard_normal(ks)
    ours, np_fn, sp_fn = FUNCS[name]
    out = ours(mt.tensor(x), mt.tensor(k), mode).numpy()
    np.testing.assert_allclose(out, sp_fn(x, k, mode, method="direct"), rtol=1e-10, atol=1e-10)
    if len(xs) == 1 and (mode != "same" or ks[0] <= xs[0]):
        np.testing.assert_allclose(out, np_fn(x, k, mode), rtol=1e-10, atol=1e-10)


@given(signal_pairs(max_dims=2, max_side=4))
def test_gradients_in_both_arguments(case):
    xs, ks, mode, name, seed = case
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.standard_normal(xs), requires_grad=True)
    k = mt.tensor(rng.standard_normal(ks), requires_grad=True)
    fn = FUNCS[name][0]
    assert gradcheck(lambda a, b: fn(a, b, mode), (x, k))
    assert gradgradcheck(lambda a, b: fn(a, b, mode), (x, k))


def test_float32_stays_float32():
    assert convolve(mt.randn(5), mt.randn(2)).dtype == mt.float32


@pytest.mark.parametrize(
    ("x", "k", "mode", "message"),
    [
        ((3, 4), (2, 5), "valid", "at least as large"),
        ((3,), (2, 2), "full", "same dimensionality"),
        ((3,), (2,), "middle", "mode"),
    ],
)
def test_bad_input(x, k, mode, message):
    with pytest.raises(ValueError, match=message):
        convolve(mt.randn(*x), mt.randn(*k), mode)
