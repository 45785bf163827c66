"""Regression tests for thorough-fuzz failures: bad arguments raise torch's exception class (interpolate's
scale_factor, pad's value, max_unpool's sequences and indices, mvlgamma's p)."""

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as MF

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _both(t_fn, m_fn):
    """Run both; return (torch exception or None, microtorch exception or None, torch out, mt out)."""
    t_exc = m_exc = t_out = m_out = None
    try:
        t_out = t_fn()
    except Exception as exc:  # noqa: BLE001
        t_exc = exc
    try:
        m_out = m_fn()
    except Exception as exc:  # noqa: BLE001
        m_exc = exc
    return t_exc, m_exc, t_out, m_out


def _same_error(t_fn, m_fn):
    t_exc, m_exc, _, _ = _both(t_fn, m_fn)
    assert t_exc is not None and m_exc is not None, (t_exc, m_exc)
    assert isinstance(m_exc, type(t_exc)), (t_exc, m_exc)


def _pair(shape, dtype=np.float64, seed=0):
    a = np.random.RandomState(seed).randn(*shape).astype(dtype)
    return torch.tensor(a), mt.tensor(a)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "area"])
@pytest.mark.parametrize("sf", [float("nan"), float("inf"), 1e30, (float("nan"), 2.0), ".", (".", 2.0)])
@pytest.mark.parametrize("recompute", [None, True])
def test_interpolate_bad_scale_factor(mode, sf, recompute):
    t, m = _pair((1, 2, 3, 3))
    _same_error(
        lambda: F.interpolate(t, scale_factor=sf, mode=mode, recompute_scale_factor=recompute),
        lambda: MF.interpolate(m, scale_factor=sf, mode=mode, recompute_scale_factor=recompute),
    )


def test_interpolate_good_scale_factor_still_works():
    t, m = _pair((1, 2, 3, 3))
    for sf in (2, 1.5, (2.0, 3), np.float64(2.0)):
        a = F.interpolate(t, scale_factor=sf, mode="bilinear")
        b = MF.interpolate(m, scale_factor=sf, mode="bilinear")
        np.testing.assert_allclose(b.numpy(), a.numpy(), atol=1e-12)


def test_upsample_bad_scale_factor():
    t, m = _pair((1, 2, 3, 3))
    _same_error(
        lambda: F.upsample_nearest(t, scale_factor=float("nan")),
        lambda: MF.upsample_nearest(m, scale_factor=float("nan")),
    )
    _same_error(lambda: F.upsample_bilinear(t, scale_factor="."), lambda: MF.upsample_bilinear(m, scale_factor="."))


@pytest.mark.parametrize("value", ["0.5", 1 + 2j])
def test_pad_value_type(value):
    t, m = _pair((2, 3))
    _same_error(lambda: F.pad(t, (1, 1), value=value), lambda: MF.pad(m, (1, 1), value=value))


def test_pad_value_accepted():
    t, m = _pair((2, 3))
    for value in (2, 1.5, True, None):
        np.testing.assert_array_equal(MF.pad(m, (1, 1), value=value).numpy(), F.pad(t, (1, 1), value=value).numpy())


def _unpool_inputs(shape, seed=0):
    t, m = _pair(shape, seed=seed)
    idx = np.zeros(shape, dtype=np.int64)
    return t, m, torch.tensor(idx), mt.tensor(idx)


@pytest.mark.parametrize(
    "k, kwargs",
    [
        (1, dict(kernel_size=3, stride=2, padding=())),  # padding too short: IndexError
        (3, dict(kernel_size=(3, 2, 3, 1), stride=2, padding=0, output_size=(1, 2, 3, 6, 5))),  # IndexError
        (3, dict(kernel_size=(3, 2), stride=2, padding=0, output_size=(1, 2, 3, 6, 5))),  # ValueError
        (3, dict(kernel_size=3, stride=1.5, padding=1, output_size=(1, 2, 3, 6, 5))),  # TypeError
    ],
)
def test_max_unpool_bad_sequences(k, kwargs):
    shape = {1: (1, 2, 2), 3: (1, 2, 2, 4, 3)}[k]
    t, m, ti, mi = _unpool_inputs(shape)
    fn_t, fn_m = getattr(F, f"max_unpool{k}d"), getattr(MF, f"max_unpool{k}d")
    _same_error(lambda: fn_t(t, ti, **kwargs), lambda: fn_m(m, mi, **kwargs))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("bad", ["tensor", "list"])
def test_max_unpool_indices_not_tensor(k, bad):
    shape = (1, 2, 2, 4) if k == 2 else (1, 2, 2, 4, 3)
    t, m, ti, _ = _unpool_inputs(shape)
    idx = "tensor" if bad == "tensor" else ti.tolist()
    fn_t, fn_m = getattr(F, f"max_unpool{k}d"), getattr(MF, f"max_unpool{k}d")
    _same_error(lambda: fn_t(t, idx, kernel_size=2), lambda: fn_m(m, idx, kernel_size=2))


def test_max_unpool_valid_still_works():
    t, m = _pair((1, 2, 4, 4))
    tp, ti = F.max_pool2d(t, 2, return_indices=True)
    mp, mi = MF.max_pool2d(m, 2, return_indices=True)
    np.testing.assert_array_equal(MF.max_unpool2d(mp, mi, 2).numpy(), F.max_unpool2d(tp, ti, 2).numpy())


@pytest.mark.parametrize("p", [1.5, True, 2**40, 0])
def test_mvlgamma_bad_p(p):
    a = np.random.RandomState(0).rand(3) + 5
    _same_error(lambda: torch.mvlgamma(torch.tensor(a), p), lambda: mt.mvlgamma(mt.tensor(a), p))


def test_mvlgamma_bool_input_with_float_p():
    a = np.array([True, False])
    _same_error(lambda: torch.mvlgamma(torch.tensor(a), 1.5), lambda: mt.mvlgamma(mt.tensor(a), 1.5))


def test_mvlgamma_valid():
    a = np.random.RandomState(0).rand(3) + 5
    np.testing.assert_allclose(mt.mvlgamma(mt.tensor(a), 5).numpy(), torch.mvlgamma(torch.tensor(a), 5).numpy())
