"""Adaptive average and max pooling: PyTorch's window rule (start = floor(i*In/Out),
end = ceil((i+1)*In/Out)) against naive loops, gradients, errors, and torch."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck

AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}


def naive_adaptive(a, out, reduce):
    k = len(out)
    spatial = a.shape[-k:]
    lead = a.shape[:-k]
    res = np.zeros(lead + tuple(out), a.dtype)
    idx = np.zeros(lead + tuple(out), np.int64)
    for pos in itertools.product(*[range(o) for o in out]):
        ranges = [range(math.floor(i * n / o), math.ceil((i + 1) * n / o)) for i, n, o in zip(pos, spatial, out)]
        cells = list(itertools.product(*ranges))
        for li in np.ndindex(*lead):
            vals = [a[li + c] for c in cells]
            if reduce == "avg":
                res[li + pos] = sum(vals) / len(vals)
            else:
                j = int(np.argmax(vals))
                res[li + pos] = vals[j]
                idx[li + pos] = np.ravel_multi_index(cells[j], spatial)
    return res, idx


@st.composite
def configs(draw, dims=(1, 2, 3)):
    k = draw(st.sampled_from(dims))
    spatial = tuple(draw(st.integers(1, 7)) for _ in range(k))
    out = tuple(draw(st.integers(1, 5)) for _ in range(k))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + spatial
    return shape, out


def distinct(shape, seed=0):
    n = int(np.prod(shape))
    return ((np.random.default_rng(seed).permutation(n) - n / 2) * 0.29).reshape(shape)


@given(configs(), st.integers(0, 2**16))
def test_adaptive_avg_matches_naive(cfg, seed):
    shape, out = cfg
    a = np.random.default_rng(seed).standard_normal(shape)
    y = AVG[len(out)](mt.tensor(a), out)
    np.testing.assert_allclose(y.numpy(), naive_adaptive(a, out, "avg")[0], rtol=1e-12, atol=1e-12)


@given(configs(), st.integers(0, 2**16))
def test_adaptive_max_matches_naive_with_ties(cfg, seed):
    shape, out = cfg
    a = np.random.default_rng(seed).integers(-2, 3, size=shape).astype(np.float32)
    y, idx = MAX[len(out)](mt.tensor(a), out, return_indices=True)
    ref, ref_idx = naive_adaptive(a, out, "max")
    np.testing.assert_array_equal(y.numpy(), ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)
    assert y.dtype == mt.float32


@settings(max_examples=10)
@given(configs())
def test_adaptive_gradcheck(cfg):
    shape, out = cfg
    x = mt.tensor(distinct(shape), requires_grad=True)
    assert gradcheck(lambda t: AVG[len(out)](t, out), (x,))
    assert gradcheck(lambda t: MAX[len(out)](t, out), (x,))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_adaptive_gradgradcheck(k):
    x = mt.tensor(distinct((1, 2) + (5,) * k, seed=k), requires_grad=True)
    assert gradgradcheck(lambda t: AVG[k](t, 3), (x,))
    assert gradgradcheck(lambda t: MAX[k](t, 3), (x,))


def test_overlapping_adaptive_max_windows_accumulate_on_ties():
    # 3 -> 2: windows [0, 2) and [1, 3) share element 1; all equal -> first of each window
    x = mt.ones(1, 1, 3, requires_grad=True)
    y, idx = F.adaptive_max_pool1d(x, 2, return_indices=True)
    assert idx.tolist() == [[[0, 1]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[1.0, 1.0, 0.0]]]
    x = mt.ones(1, 1, 3, requires_grad=True)
    F.adaptive_max_pool1d(x, 4).sum().backward()  # windows [0,1) [0,2) [1,3) [2,3)
    assert x.grad.tolist() == [[[2.0, 1.0, 1.0]]]


def test_none_in_output_size_keeps_input_size_and_unbatched():
    x = mt.randn(3, 5, 7)
    assert F.adaptive_avg_pool2d(x, (None, 2)).shape == (3, 5, 2)
    assert F.adaptive_max_pool2d(x, (4, None)).shape == (3, 4, 7)
    assert F.adaptive_avg_pool1d(x, 1).shape == (3, 5, 1)
    y = F.adaptive_avg_pool2d(x, (5, 7))
    np.testing.assert_allclose(y.numpy(), x.numpy())
    assert F.adaptive_avg_pool2d(mt.randn(2, 3, 4, 4), 0).shape == (2, 3, 0, 0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: F.adaptive_avg_pool2d(mt.randn(4), 2), r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor"),
        (lambda: F.adaptive_max_pool1d(mt.randn(2, 3, 4, 4), 2), r"adaptive_max_pool1d\(\): Expected 2D or 3D"),
        (lambda: F.adaptive_max_pool2d(mt.randn(1, 0, 4, 4), 2), r"adaptive_max_pool2d\(\): .*dimension 1 being empty"),
        (lambda: F.adaptive_avg_pool2d(mt.randn(1, 2, 4, 4), (1, 2, 3)), r"adaptive_avg_pool2d: output_size must be 2"),
        (lambda: F.adaptive_max_pool2d(mt.randn(1, 2, 4, 4), -1), r"adaptive_max_pool2d\(\): elements of output_size"),
    ],
)
def test_adaptive_bad_input(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@settings(max_examples=20)
@given(configs(), st.integers(0, 2**16))
def test_adaptive_matches_torch(cfg, seed):
    torch = pytest.importorskip("torch")
    shape, out = cfg
    k = len(out)
    a = np.random.default_rng(seed).integers(-2, 3, size=shape).astype(np.float64)  # ties for max
    go = np.random.default_rng(seed + 1).standard_normal(shape[:2] + out)
    tf = torch.nn.functional
    x = mt.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y = AVG[k](x, out)
    ty = getattr(tf, f"adaptive_avg_pool{k}d")(tx, out)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    x.grad = None
    tx.grad = None
    y, idx = MAX[k](x, out, return_indices=True)
    ty, tidx = getattr(tf, f"adaptive_max_pool{k}d")(tx, out, return_indices=True)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    y.backward(mt.tensor(go))
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "name", ["adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool2d", "adaptive_max_pool3d"]
)
@pytest.mark.parametrize("shape", [(2,), (2, 2), (2, 2, 2), (2, 3, 2, 2, 2, 2)])
@pytest.mark.parametrize("kind", ["one", "ones", "nones", "two"])
def test_output_size_and_rank_rules_as_torch(name, shape, kind):
    """PyTorch's rules: a sequence output_size needs more input dims (ValueError); average
    pooling to all ones is a mean over the last dims at any rank; otherwise 3D-5D only."""
    torch = pytest.importorskip("torch")
    k = int(name[-2])
    output_size = {"one": 1, "ones": (1,) * k, "nones": (None,) * k, "two": 2}[kind]
    a = np.random.default_rng(0).standard_normal(shape)

    def call(lib, fn):
        return fn(lib.tensor(a, requires_grad=True), output_size)

    try:
        theirs = call(torch, getattr(torch.nn.functional, name))
    except Exception as exc:  # noqa: BLE001 - the class is compared
        with pytest.raises(type(exc)):
            call(mt, getattr(F, name))
        return
    ours = call(mt, getattr(F, name))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["adaptive_avg_pool2d", "adaptive_max_pool3d"])
@pytest.mark.parametrize("output_size", [(), (1,), (2,)])
def test_output_size_of_wrong_length_raises_as_torch(name, output_size):
    """Only a plain int is expanded to every dim; a shorter sequence is an error, as in PyTorch."""
    x = mt.ones(*(2, 3) + (4,) * int(name[-2]))
    with pytest.raises(RuntimeError, match="output_size must be"):
        getattr(F, name)(x, output_size)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.nn.functional.adaptive_avg_pool1d(lib.ones(2, 8, 8), (1.5,)),
        lambda lib: lib.nn.functional.adaptive_avg_pool3d(lib.ones(1, 2, 8, 8, 8), (5, 7, 1.5)),
        lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.ones(1, 8, 8, 8, dtype=lib.int64), (5, 7)),
        lambda lib: lib.nn.functional.adaptive_avg_pool3d(lib.ones(1, 2, 8, 8, 8, dtype=lib.bool), 2),
        lambda lib: lib.nn.functional.adaptive_max_pool1d(lib.ones(3, 4, 4, dtype=lib.int64), 3),
        lambda lib: lib.nn.functional.adaptive_max_pool3d(lib.ones(1, 4, 4, 3, 5, dtype=lib.bool), 2),
    ],
)
def test_bad_output_size_types_and_dtypes_raise_as_torch(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(mt)


@pytest.mark.parametrize("shape, dtype", [((0, 8, 8), "int64"), ((1, 0, 8, 8), "float64"), ((2, 0, 8), "float64")])
def test_adaptive_avg_pool_of_empty_input_as_torch(shape, dtype):
    """Empty non-pooled dims are fine for 1-D / 2-D average pooling, and no kernel (so no dtype check) runs."""
    torch = pytest.importorskip("torch")
    fn = "adaptive_avg_pool2d" if len(shape) == 4 else "adaptive_avg_pool1d"
    ours = getattr(F, fn)(mt.zeros(*shape, dtype=getattr(mt, dtype)), 2)
    theirs = getattr(torch.nn.functional, fn)(torch.zeros(*shape, dtype=getattr(torch, dtype)), 2)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
