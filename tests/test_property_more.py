"""Hypothesis properties of the forward of the statistics/scan ops, the margin/likelihood losses and the
BLAS-like products and distances, against plain numpy/scipy references (float64, small shapes)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate
from scipy.spatial import distance

import microtorch as mt
import microtorch.nn.functional as F

REDUCTION = st.sampled_from(["mean", "sum", "none"])


@st.composite
def arrays(draw, min_dims=1, max_dims=3, min_side=1, max_side=4, nan=False, low=-2.0, high=2.0):
    """A float64 array of a drawn shape; with ``nan`` some elements are NaN."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    a = draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64)))
    if nan:
        mask = draw(hnp.arrays(np.bool_, shape))
        a = np.where(mask, np.nan, a)
    return a


def ten(a, dtype=mt.float64):
    """A microtorch tensor of ``a``."""
    return mt.tensor(np.asarray(a), dtype=dtype)


def close(ours, ref, rtol=1e-10, atol=1e-12):
    """``ours`` (a tensor) equals ``ref`` in shape and value, NaN where ``ref`` is NaN."""
    got = ours.detach().numpy()
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol, equal_nan=True)


def _dim(draw, ndim):
    return draw(st.integers(-ndim, ndim - 1))


def _quiet(fn, *args, **kw):
    """A numpy reference call with its all-NaN-slice / empty warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


# --- order statistics ---------------------------------------------------------------------------


def _lower_median(a, axis):
    """torch's median: the lower of the two middle values (NaN if any is NaN)."""
    s = np.sort(a, axis=axis)  # NaNs sort last
    n = a.shape[axis]
    m = np.take(s, (n - 1) // 2, axis=axis)
    return np.where(np.isnan(a).any(axis=axis), np.nan, m)


def _lower_nanmedian(a, axis):
    """torch's nanmedian: the lower middle value of the non-NaN ones (NaN if all are NaN)."""
    s = np.sort(a, axis=axis)
    k = (np.sum(~np.isnan(a), axis=axis, keepdims=True) - 1) // 2
    m = np.take_along_axis(s, np.maximum(k, 0), axis=axis).squeeze(axis)
    return np.where(np.isnan(a).all(axis=axis), np.nan, m)


@given(arrays(), st.data())
def test_median_is_the_lower_middle_value(a, data):
    close(mt.median(ten(a)), _lower_median(a.ravel(), 0))
    dim, keepdim = _dim(data.draw, a.ndim), data.draw(st.booleans())
    ref = _lower_median(a, dim)
    close(mt.median(ten(a), dim, keepdim).values, np.expand_dims(ref, dim) if keepdim else ref)
    values, indices = mt.median(ten(a), dim)
    assert np.array_equal(np.take_along_axis(a, np.expand_dims(indices.numpy(), dim), dim).squeeze(dim), values.numpy())


@given(arrays(nan=True), st.data())
def test_nanmedian_skips_nans(a, data):
    close(mt.nanmedian(ten(a)), _lower_nanmedian(a.ravel(), 0))
    dim = _dim(data.draw, a.ndim)
    close(mt.nanmedian(ten(a), dim).values, _lower_nanmedian(a, dim))


@given(arrays(), st.data())
def test_kthvalue_is_the_kth_smallest(a, data):
    dim = _dim(data.draw, a.ndim)
    k = data.draw(st.integers(1, a.shape[dim]))
    values, indices = mt.kthvalue(ten(a), k, dim)
    close(values, np.take(np.sort(a, axis=dim), k - 1, axis=dim))
    assert np.array_equal(np.take_along_axis(a, np.expand_dims(indices.numpy(), dim), dim).squeeze(dim), values.numpy())


def _mode_ref(a, axis):
    """The most frequent value of each slice, the smallest of them on ties."""
    moved = np.moveaxis(a, axis, -1)
    out = np.empty(moved.shape[:-1])
    for i in np.ndindex(out.shape):
        vals, counts = np.unique(moved[i], return_counts=True)
        out[i] = vals[np.argmax(counts)]  # unique sorts: argmax gives the smallest of the most frequent
    return out


@given(arrays(), st.data())
def test_mode_is_the_smallest_most_frequent_value(a, data):
    a = np.round(a)  # few distinct values: ties in the counts
    dim = _dim(data.draw, a.ndim)
    values, indices = mt.mode(ten(a), dim)
    close(values, _mode_ref(a, dim))
    assert np.array_equal(np.take_along_axis(a, np.expand_dims(indices.numpy(), dim), dim).squeeze(dim), values.numpy())


@given(arrays(), st.data())
def test_msort_and_aminmax(a, data):
    close(mt.msort(ten(a)), np.sort(a, axis=0))
    dim = _dim(data.draw, a.ndim)
    lo, hi = mt.aminmax(ten(a), dim=dim)
    close(lo, a.min(axis=dim))
    close(hi, a.max(axis=dim))
    lo, hi = mt.aminmax(ten(a))
    close(lo, a.min())
    close(hi, a.max())


QUANTILE_METHODS = st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"])


@given(arrays(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3), QUANTILE_METHODS, st.data())
def test_quantile_matches_numpy(a, qs, method, data):
    close(mt.quantile(ten(a), qs[0], interpolation=method), np.quantile(a, qs[0], method=method))
    dim, keepdim = _dim(data.draw, a.ndim), data.draw(st.booleans())
    ours = mt.quantile(ten(a), ten(qs), dim, keepdim, interpolation=method)
    close(ours, np.quantile(a, qs, axis=dim, keepdims=keepdim, method=method))


@given(arrays(nan=True), st.floats(0.0, 1.0), QUANTILE_METHODS, st.data())
def test_nanquantile_matches_numpy(a, q, method, data):
    dim = _dim(data.draw, a.ndim)
    close(mt.nanquantile(ten(a), q, dim, interpolation=method), _quiet(np.nanquantile, a, q, axis=dim, method=method))


@given(arrays(nan=True), st.data())
def test_nansum_nanmean_match_numpy(a, data):
    close(mt.nansum(ten(a)), np.nansum(a))
    close(mt.nanmean(ten(a)), _quiet(np.nanmean, a))
    dim, keepdim = _dim(data.draw, a.ndim), data.draw(st.booleans())
    close(mt.nansum(ten(a), dim, keepdim), np.nansum(a, axis=dim, keepdims=keepdim))
    close(mt.nanmean(ten(a), dim, keepdim), _quiet(np.nanmean, a, axis=dim, keepdims=keepdim))


# --- scans, differences, integration ---------------------------------------------------------------


@given(arrays(), st.data())
def test_cumulative_ops_match_numpy(a, data):
    dim = _dim(data.draw, a.ndim)
    close(mt.cumprod(ten(a), dim), np.cumprod(a, axis=dim))
    close(mt.logcumsumexp(ten(a), dim), np.logaddexp.accumulate(a, axis=dim))
    for fn, ref in ((mt.cummax, np.maximum), (mt.cummin, np.minimum)):
        values, indices = fn(ten(a), dim)
        close(values, ref.accumulate(a, axis=dim))
        assert np.array_equal(np.take_along_axis(a, indices.numpy(), dim), values.numpy())


@given(arrays(), st.integers(0, 3), st.data())
def test_diff_matches_numpy(a, n, data):
    dim = _dim(data.draw, a.ndim)
    side = list(a.shape)
    side[dim] = data.draw(st.integers(1, 2))
    extra = {
        k: data.draw(hnp.arrays(np.float64, tuple(side), elements=st.floats(-2, 2)))
        for k in ("prepend", "append")
        if data.draw(st.booleans())
    }
    ours = mt.diff(ten(a), n, dim, **{k: ten(v) for k, v in extra.items()})
    close(ours, np.diff(a, n, axis=dim, **extra))


@given(arrays(min_side=2), st.data())
def test_trapezoid_and_cumulative_trapezoid_match_numpy_scipy(a, data):
    dim = _dim(data.draw, a.ndim)
    dx = data.draw(st.floats(0.1, 3.0))
    close(mt.trapezoid(ten(a), dx=dx, dim=dim), np.trapezoid(a, dx=dx, axis=dim))
    close(mt.trapz(ten(a), dim=dim), np.trapezoid(a, axis=dim))
    close(mt.cumulative_trapezoid(ten(a), dx=dx, dim=dim), integrate.cumulative_trapezoid(a, dx=dx, axis=dim))
    x = np.cumsum(data.draw(hnp.arrays(np.float64, a.shape[dim], elements=st.floats(0.1, 2.0))))
    close(mt.trapezoid(ten(a), ten(x), dim=dim), np.trapezoid(a, x, axis=dim))
    close(mt.cumulative_trapezoid(ten(a), ten(x), dim=dim), integrate.cumulative_trapezoid(a, x, axis=dim))


@given(arrays(min_side=3), st.integers(1, 2), st.floats(0.2, 3.0), st.data())
def test_gradient_matches_numpy(a, edge_order, h, data):
    ours = mt.gradient(ten(a), spacing=h, edge_order=edge_order)
    ref = np.gradient(a, h, edge_order=edge_order)
    for o, r in zip(ours, ref if a.ndim > 1 else [ref]):
        close(o, r, rtol=1e-9, atol=1e-10)
    dim = _dim(data.draw, a.ndim)
    coords = np.cumsum(data.draw(hnp.arrays(np.float64, a.shape[dim], elements=st.floats(0.3, 2.0))))
    (ours,) = mt.gradient(ten(a), spacing=(ten(coords),), dim=dim, edge_order=edge_order)
    close(ours, np.gradient(a, coords, axis=dim, edge_order=edge_order), rtol=1e-9, atol=1e-9)


@given(arrays(min_dims=2), st.sampled_from([1.0, 2.0, 3.0]), st.floats(0.1, 3.0), st.data())
def test_renorm_caps_each_slice_norm(a, p, maxnorm, data):
    dim = _dim(data.draw, a.ndim)
    moved = np.moveaxis(a, dim, 0)
    norms = np.linalg.norm(moved.reshape(moved.shape[0], -1), ord=p, axis=1)
    scale = np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    ref = np.moveaxis(moved * scale.reshape(-1, *([1] * (a.ndim - 1))), 0, dim)
    close(mt.renorm(ten(a), p, dim, maxnorm), ref)


# correction <= 1 with >= 2 observations keeps the degrees of freedom positive (see the report on dof <= 0)
@given(arrays(min_dims=1, max_dims=2, min_side=2), st.integers(0, 1), st.booleans(), st.booleans())
def test_cov_corrcoef_match_numpy(a, correction, use_fw, use_aw):
    n = a.shape[-1]
    rng = np.random.default_rng(n)
    fw = rng.integers(1, 4, size=n) if use_fw else None
    aw = rng.uniform(0.5, 2.0, size=n) if use_aw else None
    ours = mt.cov(
        ten(a),
        correction=correction,
        fweights=None if fw is None else ten(fw, mt.int64),
        aweights=None if aw is None else ten(aw),
    )
    close(ours, _quiet(np.cov, a, ddof=correction, fweights=fw, aweights=aw), rtol=1e-9, atol=1e-12)
    close(mt.corrcoef(ten(a)), _quiet(np.corrcoef, a), rtol=1e-9, atol=1e-12)


# --- losses ---------------------------------------------------------------------------------------


def _reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](loss)


def _signs(draw, shape):
    return draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0])))


@given(arrays(), REDUCTION, st.data())
def test_soft_margin_loss(x, reduction, data):
    y = _signs(data.draw, x.shape)
    close(F.soft_margin_loss(ten(x), ten(y), reduction=reduction), _reduce(np.log1p(np.exp(-y * x)), reduction))


@given(arrays(min_dims=2, max_dims=2), REDUCTION, st.booleans(), st.data())
def test_multilabel_soft_margin_loss(x, reduction, weighted, data):
    y = data.draw(hnp.arrays(np.float64, x.shape, elements=st.sampled_from([0.0, 1.0])))
    w = np.linspace(0.5, 1.5, x.shape[1]) if weighted else np.ones(x.shape[1])
    logsig = -np.logaddexp(0, -x)
    ref = -(w * (y * logsig + (1 - y) * (logsig - x))).mean(axis=1)
    kw = dict(weight=ten(w)) if weighted else {}
    close(F.multilabel_soft_margin_loss(ten(x), ten(y), reduction=reduction, **kw), _reduce(ref, reduction))


@given(arrays(), st.floats(-1.0, 2.0), REDUCTION, st.data())
def test_hinge_embedding_loss(x, margin, reduction, data):
    y = _signs(data.draw, x.shape)
    ref = np.where(y > 0, x, np.maximum(0, margin - x))
    close(F.hinge_embedding_loss(ten(x), ten(y), margin=margin, reduction=reduction), _reduce(ref, reduction))


@given(arrays(max_dims=1), st.floats(-1.0, 1.0), REDUCTION, st.data())
def test_margin_ranking_loss(a, margin, reduction, data):
    b = data.draw(hnp.arrays(np.float64, a.shape, elements=st.floats(-2, 2)))
    y = _signs(data.draw, a.shape)
    ref = np.maximum(0, -y * (a - b) + margin)
    close(F.margin_ranking_loss(ten(a), ten(b), ten(y), margin=margin, reduction=reduction), _reduce(ref, reduction))


@given(arrays(min_dims=2, max_dims=2, low=0.1), st.floats(-0.5, 0.5), REDUCTION, st.data())
def test_cosine_embedding_loss(a, margin, reduction, data):
    b = data.draw(hnp.arrays(np.float64, a.shape, elements=st.floats(-2, 2)))
    y = _signs(data.draw, a.shape[:1])
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    ref = np.where(y > 0, 1 - cos, np.maximum(0, cos - margin))
    close(
        F.cosine_embedding_loss(ten(a), ten(b), ten(y), margin=margin, reduction=reduction),
        _reduce(ref, reduction),
        rtol=1e-9,
        atol=1e-10,
    )


@given(
    arrays(min_dims=2, max_dims=2), st.sampled_from([1, 2]), st.floats(0.0, 2.0), st.booleans(), REDUCTION, st.data()
)
def test_multi_margin_loss(x, p, margin, weighted, reduction, data):
    n, c = x.shape
    y = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    w = np.linspace(0.5, 1.5, c) if weighted else np.ones(c)
    z = np.maximum(0, margin - x[np.arange(n), y][:, None] + x) ** p
    z[np.arange(n), y] = 0
    ref = (w[y][:, None] * z).sum(1) / c
    kw = dict(weight=ten(w)) if weighted else {}
    close(
        F.multi_margin_loss(ten(x), ten(y, mt.int64), p=p, margin=margin, reduction=reduction, **kw),
        _reduce(ref, reduction),
    )


@given(arrays(min_dims=2, max_dims=2), REDUCTION, st.data())
def test_multilabel_margin_loss(x, reduction, data):
    n, c = x.shape
    target = np.full((n, c), -1)
    ref = np.zeros(n)
    for i in range(n):
        labels = data.draw(st.lists(st.integers(0, c - 1), unique=True, max_size=c))
        target[i, : len(labels)] = labels
        others = [j for j in range(c) if j not in labels]
        ref[i] = sum(max(0.0, 1 - (x[i, j] - x[i, k])) for j in labels for k in others) / c
    close(F.multilabel_margin_loss(ten(x), ten(target, mt.int64), reduction=reduction), _reduce(ref, reduction))


@given(arrays(), st.booleans(), st.booleans(), REDUCTION, st.data())
def test_poisson_nll_loss(x, log_input, full, reduction, data):
    y = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(0.0, 4.0)))
    if not log_input:
        x = np.abs(x)
    ref = np.exp(x) - y * x if log_input else x - y * np.log(x + 1e-8)
    if full:
        safe = np.where(y > 1, y, 2.0)
        ref = ref + np.where(y > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0.0)
    ours = F.poisson_nll_loss(ten(x), ten(y), log_input=log_input, full=full, reduction=reduction)
    close(ours, _reduce(ref, reduction), rtol=1e-9, atol=1e-10)


@given(arrays(min_dims=2, max_dims=2), st.sampled_from(["same", "one", "drop"]), st.booleans(), REDUCTION, st.data())
def test_gaussian_nll_loss(x, var_form, full, reduction, data):
    y = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-2, 2)))
    var_shape = {"same": x.shape, "one": (x.shape[0], 1), "drop": x.shape[:1]}[var_form]
    var = data.draw(hnp.arrays(np.float64, var_shape, elements=st.floats(0.0, 2.0)))
    v = np.maximum(var if var_form != "drop" else var[:, None], 1e-6)
    ref = 0.5 * (np.log(v) + (x - y) ** 2 / v) + (0.5 * np.log(2 * np.pi) if full else 0.0)
    ours = F.gaussian_nll_loss(ten(x), ten(y), ten(var), full=full, reduction=reduction)
    close(ours, _reduce(ref, reduction), rtol=1e-9, atol=1e-10)


def _pdist(a, b, p, eps=1e-6):
    d = np.abs(a - b + eps)
    return d.max(-1) if p == np.inf else (d**p).sum(-1) ** (1 / p)


@given(
    arrays(min_dims=2, max_dims=2),
    st.sampled_from([1.0, 2.0, 3.0]),
    st.floats(0.01, 2.0),  # torch: "margin must be greater than 0"
    st.booleans(),
    REDUCTION,
    st.data(),
)
def test_triplet_margin_loss(a, p, margin, swap, reduction, data):
    pos, neg = (data.draw(hnp.arrays(np.float64, a.shape, elements=st.floats(-2, 2))) for _ in range(2))
    d_neg = _pdist(a, neg, p)
    if swap:
        d_neg = np.minimum(d_neg, _pdist(pos, neg, p))
    ref = np.maximum(margin + _pdist(a, pos, p) - d_neg, 0)
    ours = F.triplet_margin_loss(ten(a), ten(pos), ten(neg), margin=margin, p=p, swap=swap, reduction=reduction)
    close(ours, _reduce(ref, reduction), rtol=1e-9, atol=1e-10)


def _ctc_ref(log_probs, target, blank):
    """-log of the total probability of the CTC alignments of ``target`` (log-space forward recursion)."""
    ext = [blank]
    for s in target:
        ext += [int(s), blank]
    alpha = np.full(len(ext), -np.inf)
    alpha[0] = log_probs[0, blank]
    if len(ext) > 1:
        alpha[1] = log_probs[0, ext[1]]
    for t in range(1, len(log_probs)):
        prev = alpha.copy()
        for s in range(len(ext)):
            terms = [prev[s]] + ([prev[s - 1]] if s >= 1 else [])
            if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                terms.append(prev[s - 2])
            alpha[s] = np.logaddexp.reduce(terms) + log_probs[t, ext[s]]
    return -np.logaddexp.reduce(alpha[-2:]) if len(ext) > 1 else -alpha[-1]


@given(st.integers(1, 3), st.integers(2, 4), REDUCTION, st.booleans(), st.data())
def test_ctc_loss_matches_the_forward_recursion(n, c, reduction, zero_infinity, data):
    blank = data.draw(st.integers(0, c - 1))
    labels = [v for v in range(c) if v != blank]
    targets = [data.draw(st.lists(st.sampled_from(labels), max_size=3)) for _ in range(n)]
    in_lens = [data.draw(st.integers(1, 6)) for _ in range(n)]
    logits = data.draw(hnp.arrays(np.float64, (max(in_lens), n, c), elements=st.floats(-2, 2)))
    lp = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
    ref = np.array([_ctc_ref(lp[: in_lens[i], i], targets[i], blank) for i in range(n)])
    if zero_infinity:
        ref = np.where(np.isinf(ref), 0.0, ref)
    tl = [len(t) for t in targets]
    if reduction == "mean":
        ref = np.mean(ref / np.maximum(tl, 1))
    padded = np.zeros((n, max(max(tl), 1)), dtype=np.int64)
    for i, t in enumerate(targets):
        padded[i, : len(t)] = t
    ours = F.ctc_loss(
        ten(lp), ten(padded, mt.int64), in_lens, tl, blank=blank, reduction=reduction, zero_infinity=zero_infinity
    )
    close(ours, ref if reduction != "sum" else ref.sum(), rtol=1e-9, atol=1e-10)


def test_ctc_loss_of_all_empty_targets_as_torch():
    """Regression: every target empty (one extended state) raised numpy's ValueError from a mask of 2 states."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(3, 2, 3))
    for targets in (np.array([[1], [2]]), np.zeros(0, dtype=np.int64)):
        ours = mt.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        a = F.ctc_loss(ours.log_softmax(2), ten(targets, mt.int64), [3, 2], [0, 0])
        b = torch.nn.functional.ctc_loss(theirs.log_softmax(2), torch.tensor(targets), [3, 2], [0, 0])
        a.backward()
        b.backward()
        close(a, b.detach().numpy())
        close(ours.grad, theirs.grad.numpy())


# --- counting and bucketing (integer results) ---------------------------------------------------


@given(st.lists(st.integers(0, 6), max_size=8), st.integers(0, 9), st.booleans(), st.data())
def test_bincount_matches_numpy(values, minlength, weighted, data):
    x = np.array(values, dtype=np.int64)
    w = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-2, 2))) if weighted else None
    ours = mt.bincount(ten(x, mt.int64), None if w is None else ten(w), minlength)
    ref = np.bincount(x, w, minlength)
    assert ours.dtype == (mt.float64 if weighted else mt.int64)
    close(ours, ref)


@given(arrays(), st.integers(1, 6), st.floats(-2.5, 0.0), st.floats(0.1, 2.5))
def test_histc_and_histogram_match_numpy(a, bins, lo, hi):
    ref, edges = np.histogram(a, bins, range=(lo, hi))
    # torch bins a value within an ulp of an edge by its own edges (its linspace), not numpy's
    assume(np.abs(a[..., None] - edges).min() > 1e-9)
    close(mt.histc(ten(a), bins, lo, hi), ref)
    hist, ours_edges = mt.histogram(ten(a), bins, range=(lo, hi))
    close(hist, ref)
    close(ours_edges, edges)


@given(arrays(), st.lists(st.floats(-2, 2), max_size=5), st.booleans())
def test_bucketize_and_searchsorted_match_numpy(a, bounds, right):
    b = np.sort(np.array(bounds, dtype=np.float64))
    side = "right" if right else "left"
    assert np.array_equal(mt.bucketize(ten(a), ten(b), right=right).numpy(), np.searchsorted(b, a, side=side))
    assert np.array_equal(mt.searchsorted(ten(b), ten(a), right=right).numpy(), np.searchsorted(b, a, side=side))


@given(arrays(), st.lists(st.floats(-2, 2), max_size=4), st.booleans())
def test_isin_matches_numpy(a, test, invert):
    a = np.round(a)  # repeated values: some of them are in ``test``
    t = np.round(np.array(test, dtype=np.float64))
    assert np.array_equal(mt.isin(ten(a), ten(t), invert=invert).numpy(), np.isin(a, t, invert=invert))


@given(st.lists(st.integers(-2, 2), max_size=10))
def test_unique_consecutive_collapses_runs(values):
    x = np.array(values, dtype=np.float64)
    out, inverse, counts = mt.unique_consecutive(ten(x), return_inverse=True, return_counts=True)
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]]) if len(x) else np.array([], dtype=int)
    close(out, x[starts])
    assert np.array_equal(counts.numpy(), np.diff(np.r_[starts, len(x)]))
    assert np.array_equal(inverse.numpy(), np.cumsum(np.r_[True, x[1:] != x[:-1]])[: len(x)] - 1)


# --- products and distances -----------------------------------------------------------------------


def _mat(draw, shape):
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2)))


@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 3),
    st.integers(1, 3),
    st.floats(-2, 2),
    st.floats(-2, 2),
    st.data(),
)
def test_add_products_match_numpy(b, n, k, m, beta, alpha, data):
    x1, x2 = _mat(data.draw, (b, n, k)), _mat(data.draw, (b, k, m))
    i_nm, i_bnm = _mat(data.draw, (n, m)), _mat(data.draw, (b, n, m))
    close(mt.addmm(ten(i_nm), ten(x1[0]), ten(x2[0]), beta=beta, alpha=alpha), beta * i_nm + alpha * x1[0] @ x2[0])
    close(mt.baddbmm(ten(i_bnm), ten(x1), ten(x2), beta=beta, alpha=alpha), beta * i_bnm + alpha * x1 @ x2)
    close(mt.addbmm(ten(i_nm), ten(x1), ten(x2), beta=beta, alpha=alpha), beta * i_nm + alpha * (x1 @ x2).sum(0))
    v = _mat(data.draw, (k,))
    close(mt.addmv(ten(i_nm[:, 0]), ten(x1[0]), ten(v), beta=beta, alpha=alpha), beta * i_nm[:, 0] + alpha * x1[0] @ v)
    u, w = _mat(data.draw, (n,)), _mat(data.draw, (m,))
    close(mt.addr(ten(i_nm), ten(u), ten(w), beta=beta, alpha=alpha), beta * i_nm + alpha * np.outer(u, w))


@given(arrays(min_dims=0, max_dims=3, max_side=3), arrays(min_dims=0, max_dims=3, max_side=3))
def test_kron_matches_numpy(a, b):
    close(mt.kron(ten(a), ten(b)), np.kron(a, b))


@given(arrays(min_dims=1, max_dims=3, max_side=3), st.data())
def test_inner_vdot_tensordot_match_numpy(a, data):
    b = _mat(data.draw, (*data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)), a.shape[-1]))
    close(mt.inner(ten(a), ten(b)), np.inner(a, b))
    close(mt.vdot(ten(a.ravel()), ten(a.ravel()[::-1].copy())), np.vdot(a.ravel(), a.ravel()[::-1]))
    k = data.draw(st.integers(0, a.ndim))
    c = _mat(data.draw, (*a.shape[a.ndim - k :], 2))
    close(mt.tensordot(ten(a), ten(c), dims=k), np.tensordot(a, c, axes=k))


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.sampled_from([1.0, 2.0, 3.0, np.inf]), st.data())
def test_cdist_pdist_match_scipy(p1, p2, d, p, data):
    x, y = _mat(data.draw, (p1, d)), _mat(data.draw, (p2, d))
    metric = ("chebyshev", {}) if p == np.inf else ("minkowski", dict(p=p))
    close(mt.cdist(ten(x), ten(y), p), distance.cdist(x, y, metric[0], **metric[1]), rtol=1e-9, atol=1e-10)
    close(mt.pdist(ten(x), p), distance.pdist(x, metric[0], **metric[1]), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("p", [1.0, 2.0, np.inf])
def test_pairwise_distance_adds_eps_to_the_difference(p):
    x, y = np.array([[0.5, -1.0], [2.0, 0.0]]), np.array([[0.5, 1.0], [1.0, 0.0]])
    close(F.pairwise_distance(ten(x), ten(y), p), _pdist(x, y, p))


@given(st.integers(2, 5), st.integers(2, 5), st.data())
def test_lowrank_svd_and_pca_recover_a_matrix_of_rank_q(m, n, data):
    q = data.draw(st.integers(1, min(m, n)))
    a = _mat(data.draw, (m, q)) @ _mat(data.draw, (q, n))
    mt.manual_seed(0)
    u, s, v = mt.svd_lowrank(ten(a), q=q)
    close((u * s) @ v.mT, a, rtol=1e-7, atol=1e-9)
    close(s, np.linalg.svd(a, compute_uv=False)[:q], rtol=1e-7, atol=1e-9)
    centered = a - a.mean(0)
    u, s, v = mt.pca_lowrank(ten(a), q=q)
    close(s, np.linalg.svd(centered, compute_uv=False)[:q], rtol=1e-7, atol=1e-9)


@given(arrays(), st.sampled_from([0.0, 1.0, 2.0, 3.0, np.inf, -np.inf]), st.data())
def test_dist_is_the_p_norm_of_the_difference(a, p, data):
    b = _mat(data.draw, a.shape)
    d = np.abs(a - b).ravel()
    ref = {0.0: np.count_nonzero(d), np.inf: d.max(), -np.inf: d.min()}.get(p)
    close(mt.dist(ten(a), ten(b), p), ref if ref is not None else (d**p).sum() ** (1 / p), rtol=1e-9)
