"""Statistics, scan, bucketing, incomplete gamma and masked reductions: values against numpy /
torch, torch's tie and NaN index choices, gradients by finite differences, numpy argument names."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck
from microtorch.testing.strategies import arrays, shapes


def _t(a, requires_grad: bool = False) -> mt.Tensor:
    return mt.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# --- order statistics ----------------------------------------------------------------------
def test_median_ties_and_nan_indices_follow_torch():
    x = _t([[2.0, 1, 2, 2, 3, 2], [5, 5, 5, 1, 1, 1]])
    r = mt.median(x, 1)
    assert r.values.tolist() == [2.0, 1.0] and r.indices.tolist() == [2, 5]
    r = mt.median(_t([1.0, np.nan, 2, np.nan]), 0)
    assert np.isnan(r.values.item()) and r.indices.item() == 1
    r = mt.nanmedian(_t([[np.nan, np.nan], [1.0, np.nan]]), 1)
    assert np.isnan(r.values[0].item()) and r.values[1].item() == 1.0 and r.indices.tolist() == [0, 0]


def test_mode_picks_smallest_most_frequent_at_last_index():
    r = mt.mode(_t([[2.0, 1, 2, 2, 3, 2], [5, 5, 5, 1, 1, 1]]), 1)
    assert r.values.tolist() == [2.0, 1.0] and r.indices.tolist() == [5, 5]


def test_kthvalue_errors_and_result_type():
    r = mt.kthvalue(_t([3.0, 1, 2]), 2)
    assert type(r).__name__ == "kthvalue" and r.values.item() == 2.0 and r.indices.item() == 2
    with pytest.raises(RuntimeError, match="out of range"):
        mt.kthvalue(_t([3.0, 1]), 3)
    with pytest.raises(IndexError, match="non-zero size"):
        mt.kthvalue(mt.ones(2, 0), 1, 1)


def test_whole_median_splits_gradient_among_ties():
    x = _t([1.0, 2, 2, 3], requires_grad=True)
    mt.median(x).backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


@given(st.data())
def test_quantile_matches_numpy_and_gradchecks(data):
    shape = data.draw(shapes(1, 3, 1, 5))
    a = data.draw(arrays(shape, "float64", -3, 3, min_gap=0.01))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    q = data.draw(st.lists(st.floats(0.01, 0.99), min_size=1, max_size=3))  # gradcheck steps stay in [0, 1]
    method = data.draw(st.sampled_from(["linear", "lower", "higher", "nearest", "midpoint"]))
    out = mt.quantile(_t(a), _t(q), dim, interpolation=method)
    np.testing.assert_allclose(out.numpy(), np.quantile(a, q, axis=dim, method=method), rtol=1e-10, atol=1e-12)
    last = shape[dim] - 1
    if method == "linear" and all(abs(v * last - round(v * last)) > 1e-3 for v in q):  # away from the kinks in q
        assert gradcheck(lambda x, qq: mt.quantile(x, qq, dim), (_t(a, True), _t(q, True)))


def test_quantile_errors():
    with pytest.raises(RuntimeError, match=r"range \[0, 1\]"):
        mt.quantile(_t([1.0, 2]), 1.5)
    with pytest.raises(RuntimeError, match="non-empty"):
        mt.quantile(mt.ones(0, dtype=mt.float64), 0.5)
    with pytest.raises(TypeError):
        mt.quantile(_t([1.0, 2]), 0.5, interpolation=3)


def test_nanquantile_ignores_nan_and_quantile_propagates_it():
    x = _t([1.0, np.nan, 3.0, 2.0])
    assert mt.nanquantile(x, 0.5).item() == 2.0
    assert np.isnan(mt.quantile(x, 0.5).item())


def test_nansum_nanmean_gradient_is_zero_at_nan():
    x = _t([1.0, np.nan, 3.0], requires_grad=True)
    mt.nanmean(x).backward()
    assert x.grad.tolist() == [0.5, 0.0, 0.5]
    assert mt.nansum(_t([np.nan, 2.0])).item() == 2.0


def test_cov_corrcoef_match_numpy_and_gradcheck():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 6))
    fw = rng.integers(1, 4, size=6)
    aw = rng.uniform(0.5, 2, size=6)
    got = mt.cov(_t(a), fweights=mt.tensor(fw), aweights=_t(aw))
    np.testing.assert_allclose(got.numpy(), np.cov(a, fweights=fw, aweights=aw), rtol=1e-10)
    np.testing.assert_allclose(mt.corrcoef(_t(a)).numpy(), np.corrcoef(a), rtol=1e-10)
    assert gradgradcheck(lambda x: mt.corrcoef(x), (_t(a, True),))


def test_aminmax_named_fields_and_out():
    x = _t([[1.0, 5], [3, 2]])
    r = mt.aminmax(x, dim=1)
    assert r.min.tolist() == [1.0, 2.0] and r.max.tolist() == [5.0, 3.0]
    lo, hi = mt.empty(2, dtype=mt.float64), mt.empty(2, dtype=mt.float64)
    mt.aminmax(x, dim=0, out=(lo, hi))
    assert lo.tolist() == [1.0, 2.0] and hi.tolist() == [3.0, 5.0]
    with pytest.raises(RuntimeError, match="dtype"):
        mt.aminmax(x, dim=0, out=(mt.empty(2), hi))


# --- scans ---------------------------------------------------------------------------------
def test_cumprod_gradient_exact_through_zeros():
    for a in ([2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 2.0], [1.5, -2.0, 0.5]):
        assert gradgradcheck(lambda x: mt.cumprod(x, 0), (_t(a, True),))
    x = mt.ones(3, dtype=mt.int32)
    assert mt.cumprod(x, 0).dtype == mt.int64
    y = _t([1.0, 2, 3])
    y.cumprod_(0)
    assert y.tolist() == [1.0, 2.0, 6.0]


def test_cummax_cummin_indices_and_gradient():
    r = mt.cummax(_t([1.0, 3, 3, 2, 5, np.nan, 1]), 0)
    assert r.indices.tolist() == [0, 1, 2, 2, 4, 5, 5]
    r = mt.cummin(_t([np.nan, 1.0, np.nan, 3]), 0)
    assert r.indices.tolist() == [0, 0, 2, 2]
    x = _t([1.0, 3, 2, 5], requires_grad=True)
    mt.cummax(x, 0).values.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 0.0, 1.0]


def test_logcumsumexp_stable_and_second_order():
    a = np.array([1000.0, 1000.0, -5.0])
    np.testing.assert_allclose(mt.logcumsumexp(_t(a), 0).numpy(), np.logaddexp.accumulate(a))
    assert gradgradcheck(lambda x: mt.logcumsumexp(x, 0), (_t([0.3, -1.2, 2.0], True),))


def test_diff_trapezoid_gradient_match_numpy():
    a = np.array([[1.0, 4, 9, 16], [2, 3, 5, 8]])
    x = np.array([0.0, 1, 3, 4])
    np.testing.assert_allclose(mt.diff(_t(a), 2, -1).numpy(), np.diff(a, 2, -1))
    np.testing.assert_allclose(mt.trapezoid(_t(a), _t(x)).numpy(), np.trapezoid(a, x))
    np.testing.assert_allclose(mt.trapz(_t(a), dx=0.5).numpy(), np.trapezoid(a, dx=0.5))
    for got, want in zip(mt.gradient(_t(a), spacing=[_t([0.0, 2]), _t(x)]), np.gradient(a, [0.0, 2], x)):
        np.testing.assert_allclose(got.numpy(), want)
    for got, want in zip(mt.gradient(_t(a), edge_order=2, dim=1), [np.gradient(a, axis=1, edge_order=2)]):
        np.testing.assert_allclose(got.numpy(), want)
    assert mt.diff(mt.tensor([True, False, False])).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.diff(_t(a), -1)


def test_renorm_and_frexp():
    x = _t([[3.0, 4.0], [0.3, 0.4]], requires_grad=True)
    out = mt.renorm(x, 2, 0, 1.0)
    np.testing.assert_allclose(out.detach().numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    assert gradgradcheck(lambda t: mt.renorm(t, 2, 0, 1.0), (x,))
    m, e = mt.frexp(_t([8.0, 0.3, -5.0]))
    assert e.dtype == mt.int32 and (m.numpy() * 2.0 ** e.numpy()).tolist() == [8.0, 0.3, -5.0]


# --- bucketing -----------------------------------------------------------------------------
def test_searchsorted_rows_sides_and_sorter():
    seq = mt.tensor([[1, 3, 5], [2, 4, 6]])
    assert mt.searchsorted(seq, mt.tensor([[3], [3]]), right=True).tolist() == [[2], [1]]
    assert mt.searchsorted(seq, mt.tensor([[3], [4]])).tolist() == [[1], [1]]
    assert mt.searchsorted(mt.tensor([5, 1, 3]), mt.tensor([2]), sorter=mt.tensor([1, 2, 0])).tolist() == [1]
    assert mt.bucketize(mt.tensor([[3]]), mt.tensor([1, 3, 5]), out_int32=True).dtype == mt.int32
    with pytest.raises(RuntimeError, match="opposites"):
        mt.searchsorted(seq, mt.tensor([[1], [1]]), right=True, side="left")


def test_histograms_match_numpy():
    a = np.array([0.1, 0.5, 0.5, 0.9, 1.0, 2.0])
    hist, edges = mt.histogram(_t(a), 4)
    want, want_edges = np.histogram(a, 4)
    np.testing.assert_allclose(hist.numpy(), want)
    np.testing.assert_allclose(edges.numpy(), want_edges)
    assert mt.histc(_t(a), bins=4, min=0, max=1).tolist() == [1.0, 0.0, 2.0, 2.0]
    pts = np.array([[0.1, 0.2], [0.4, 0.9], [0.8, 0.1]])
    h, _ = mt.histogramdd(_t(pts), [2, 2], range=[0.0, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(h.numpy(), np.histogramdd(pts, [2, 2], range=[(0, 1), (0, 1)])[0])
    assert mt.bincount(mt.tensor([1, 1, 3]), mt.tensor([1.0, 2, 3])).tolist() == [0.0, 3.0, 0.0, 3.0]


def test_isin_unique_consecutive():
    assert mt.isin(mt.tensor([1, 2, 3]), 2).tolist() == [False, True, False]
    out, inv, counts = mt.unique_consecutive(mt.tensor([1, 1, 2, 2, 3, 1, 1]), True, True)
    assert out.tolist() == [1, 2, 3, 1] and inv.tolist() == [0, 0, 1, 1, 2, 3, 3] and counts.tolist() == [2, 2, 1, 2]
    rows = mt.unique_consecutive(mt.tensor([[1, 1], [1, 1], [2, 3]]), dim=0)
    assert rows.tolist() == [[1, 1], [2, 3]]


# --- incomplete gamma, masked, numpy names ---------------------------------------------------
def test_igamma_values_special_cases_and_gradient():
    special = pytest.importorskip("scipy.special")
    a, x = np.array([1.0, 2.5, np.nan, np.nan]), np.array([0.5, 3.0, 0.0, np.inf])
    got = mt.igamma(_t(a), _t(x)).numpy()
    np.testing.assert_allclose(got[:2], special.gammainc(a[:2], x[:2]))
    assert got[2:].tolist() == [0.0, 1.0]
    assert gradcheck(lambda t: mt.igammac(_t([1.5, 2.0]), t), (_t([0.7, 1.3], True),))
    with pytest.raises(NotImplementedError, match="igamma: input"):
        mt.igamma(_t([1.0], True), _t([1.0])).sum().backward()


def test_masked_reductions_ignore_masked_out_elements():
    x = _t([[1.0, 5, 3], [4, 2, 6]], requires_grad=True)
    mask = mt.tensor([[True, False, True], [True, True, False]])
    assert mt.masked.sum(x, 1, mask=mask).tolist() == [4.0, 6.0]
    assert mt.masked.amax(x, 1, mask=mask).tolist() == [3.0, 4.0]
    assert mt.masked.mean(x, 1, mask=mask).tolist() == [2.0, 3.0]
    np.testing.assert_allclose(mt.masked.var(x, 1, mask=mask).detach().numpy(), [2.0, 2.0])
    mt.masked.softmax(x, 1, mask=mask).sum().backward()
    assert x.grad[0, 1].item() == 0.0 and x.grad[1, 2].item() == 0.0


def test_numpy_argument_names():
    x = _t([[1.0, 5, 3], [4, 2, 6]])
    assert x.sum(axis=0, keepdims=True).shape == (1, 3)
    assert mt.argmax(x, axis=1).tolist() == [1, 2]
    assert mt.median(x, axis=1).indices.tolist() == [2, 0]
    with pytest.raises(TypeError, match="axis"):
        mt.sum(x, dim=0, axis=0)
    with pytest.raises(TypeError):
        mt.mean(x, keepdim=True, keepdims=True)


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 5)).round(1)
    ties = rng.integers(0, 3, size=(6, 40)).astype(np.float64)  # slices past std::sort's insertion-sort size
    cases = [("median", (1,), a), ("kthvalue", (2, 1), a), ("mode", (0,), a), ("cummax", (1,), a), ("cummin", (0,), a)]
    cases += [("median", (1,), ties), ("kthvalue", (17, 1), ties), ("mode", (1,), ties), ("mode", (0,), ties)]
    for name, args, data in cases:
        got, want = getattr(mt, name)(_t(data), *args), getattr(torch, name)(torch.tensor(data), *args)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    for name, args in [("quantile", (0.3, 1)), ("logcumsumexp", (0,)), ("cumprod", (1,)), ("nanmean", (0,))]:
        np.testing.assert_allclose(
            getattr(mt, name)(_t(a), *args).numpy(), getattr(torch, name)(torch.tensor(a), *args).numpy(), rtol=1e-12
        )
    h, e = mt.histogram(_t(a), 7)
    th, te = torch.histogram(torch.tensor(a), 7)
    np.testing.assert_array_equal(h.numpy(), th.numpy())
    np.testing.assert_allclose(e.numpy(), te.numpy())


def test_cov_with_no_degrees_of_freedom_left_is_plus_inf_as_torch():
    """A negative norm (correction past the weights) was zeroed to -0.0, so the result was -inf."""
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        out = mt.cov(mt.tensor([0.0, 1.0]), correction=2, aweights=mt.tensor([0.7, 1.3]))
    assert out.item() == float("inf")
