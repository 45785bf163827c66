"""``microtorch.signal.windows``: every window against scipy.signal.windows (and torch when
installed), symmetric and periodic, with torch's argument checks."""

import numpy as np
import pytest

import microtorch as mt
from microtorch.signal import windows as W

scipy_windows = pytest.importorskip("scipy.signal.windows")

CASES = [
    ("bartlett", {}, {}),
    ("blackman", {}, {}),
    ("cosine", {}, {}),
    ("hamming", {}, {}),
    ("hann", {}, {}),
    ("nuttall", {}, {}),
    ("gaussian", {"std": 1.7}, {"std": 1.7}),
    ("kaiser", {"beta": 5.0}, {"beta": 5.0}),
    ("general_hamming", {"alpha": 0.6}, {"alpha": 0.6}),
    ("general_cosine", {"a": [0.5, 0.3, 0.2]}, {"a": [0.5, 0.3, 0.2]}),
    ("exponential", {"tau": 2.5}, {"tau": 2.5}),
]


@pytest.mark.parametrize("name,ours,theirs", CASES)
@pytest.mark.parametrize("M", [0, 1, 2, 7, 10])
@pytest.mark.parametrize("sym", [True, False])
def test_window_matches_scipy(name, ours, theirs, M, sym):
    got = getattr(W, name)(M, sym=sym, dtype=mt.float64, **ours)
    fn = getattr(scipy_windows, name)
    args = [theirs["a"]] if name == "general_cosine" else []
    want = fn(M, *args, sym=sym, **{k: v for k, v in theirs.items() if k != "a"})
    assert got.dtype == mt.float64 and got.shape == (M,)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)


def test_default_dtype_requires_grad_and_errors():
    w = W.hann(5, requires_grad=True)
    assert w.dtype == mt.float32 and w.requires_grad and w.is_leaf
    with pytest.raises(ValueError, match="requires non-negative window length"):
        W.hamming(-1)
    with pytest.raises(ValueError, match="expects float32 or float64 dtypes"):
        W.cosine(3, dtype=mt.int64)
    with pytest.raises(ValueError, match="Center must be None for symmetric windows"):
        W.exponential(3, center=1.0)
    with pytest.raises(TypeError, match="Coefficients must be a list/tuple"):
        W.general_cosine(3, a=None)
    with pytest.raises(TypeError, match="argument 'M' must be int"):
        W.gaussian(3.0)


def test_kaiser_large_beta_overflows_in_float32_like_torch():
    torch = pytest.importorskip("torch")
    want = torch.signal.windows.kaiser(64, beta=100).numpy()
    got = W.kaiser(64, beta=100).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=1e-5, atol=1e-30)
