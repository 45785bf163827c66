"""Views see in-place changes to their base (and to sibling views) in their gradients.

Each scenario is written once against a module ``T`` (microtorch or torch) and returns
the leaf gradient; microtorch's result is checked against a hand-derived value and, when
torch is installed, against torch on the same scenario.
"""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import gradcheck, gradgradcheck


def _zero_base(T):
    x = T.ones(4, dtype=T.float64, requires_grad=True)
    a = x.clone()
    v = a[0:2]
    a.zero_()
    v.sum().backward()
    return x.grad


def _setitem_base(T):
    x = T.arange(4.0, dtype=T.float64).requires_grad_()
    a = x.clone()
    v = a.view(2, 2)
    a[1] = 7
    (v * T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float64)).sum().backward()
    return x.grad


def _transpose_mul(T):
    x = T.arange(4.0, dtype=T.float64).requires_grad_()
    a = x.clone().view(2, 2)
    t = a.t()
    a.mul_(2)
    (t * T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float64)).sum().backward()
    return x.grad


def _slice_add(T):
    x = T.arange(4.0, dtype=T.float64).requires_grad_()
    y = T.tensor([5.0, 6.0, 7.0, 8.0], dtype=T.float64, requires_grad=True)
    a = x.clone()
    v = a[1:]
    a.add_(y * y)
    (v * T.tensor([1.0, 2.0, 3.0], dtype=T.float64)).sum().backward()
    return T.cat([x.grad, y.grad])


def _chain_of_views(T):
    x = T.arange(6.0, dtype=T.float64).requires_grad_()
    a = x.clone()
    v = a.view(2, 3)
    vv = v[1]
    vt = v.t()
    a.mul_(3)
    (vv.sum() + (vt * T.arange(6.0, dtype=T.float64).view(3, 2)).sum()).backward()
    return x.grad


def _sibling_view(T):
    x = T.arange(4.0, dtype=T.float64).requires_grad_()
    a = x.clone()
    v1 = a[:2]
    v2 = a[1:]
    v1.mul_(2)
    (v2 * T.tensor([1.0, 2.0, 3.0], dtype=T.float64)).sum().backward()
    return x.grad


def _sibling_then_base_root(T):
    x = T.arange(4.0, dtype=T.float64).requires_grad_()
    a = x.clone()
    v1 = a[:2]
    v2 = a[2:]
    v1.mul_(x[:2])
    v2.exp_()
    (a * T.tensor([1.0, 2.0, 3.0, 4.0], dtype=T.float64)).sum().backward()
    return x.grad


def _base_without_grad(T):
    a = T.zeros(4, dtype=T.float64)
    v = a[:2]
    w = T.tensor([1.0, 2.0, 3.0, 4.0], dtype=T.float64, requires_grad=True)
    a.add_(w * w)
    assert v.requires_grad
    (v * 3).sum().backward()
    return w.grad


def _expand_view(T):
    x = T.arange(2.0, dtype=T.float64).requires_grad_()
    a = x.clone()
    e = a.expand(3, 2)
    a.mul_(2)
    e.sum().backward()
    return x.grad


def _no_grad_inplace_on_leaf(T):
    w = T.ones(4, dtype=T.float64, requires_grad=True)
    v = w[:2]
    with T.no_grad():
        w.mul_(2)
    v.sum().backward()
    return w.grad


def _view_kept_before_and_after(T):
    x = T.arange(4.0, dtype=T.float64).requires_grad_()
    a = x.clone().view(2, 2)
    t = a.t()
    y = t * 1  # recorded before the in-place: sees the old values
    a.mul_(2)
    z = t * 1
    (y.sum() + z.sum()).backward()
    return x.grad


def _retained_view(T):
    x = T.ones(4, dtype=T.float64, requires_grad=True)
    a = x.clone()
    v = a[:2]
    v.retain_grad()
    a.mul_(3)
    (v * T.tensor([1.0, 2.0], dtype=T.float64)).sum().backward()
    return T.cat([x.grad, v.grad])


def _non_contiguous_base(T):
    x = T.arange(6.0, dtype=T.float64).requires_grad_()
    a = x.view(2, 3).t() * 1  # the base of the views below is laid out transposed
    v = a[1:]
    a.mul_(T.arange(6.0, dtype=T.float64).view(3, 2))
    (v * T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float64)).sum().backward()
    return x.grad


SCENARIOS = {
    "zero_base": (_zero_base, [0, 0, 0, 0]),
    "setitem_base": (_setitem_base, [1, 0, 3, 4]),
    "transpose_mul": (_transpose_mul, [2, 6, 4, 8]),
    "slice_add": (_slice_add, [0, 1, 2, 3, 0, 12, 28, 48]),
    "chain_of_views": (_chain_of_views, [0, 6, 12, 6, 12, 18]),
    "sibling_view": (_sibling_view, [0, 2, 2, 3]),
    "sibling_then_base_root": (_sibling_then_base_root, [0, 4, 3 * np.exp(2.0), 4 * np.exp(3.0)]),
    "base_without_grad": (_base_without_grad, [6, 12, 0, 0]),
    "expand_view": (_expand_view, [6, 6]),
    "no_grad_inplace_on_leaf": (_no_grad_inplace_on_leaf, [1, 1, 0, 0]),
    "view_kept_before_and_after": (_view_kept_before_and_after, [3, 3, 3, 3]),
    "retained_view": (_retained_view, [3, 6, 0, 0, 1, 2]),
    "non_contiguous_base": (_non_contiguous_base, [0, 1 * 2, 3 * 4, 0, 2 * 3, 4 * 5]),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_views_see_inplace_changes(name):
    fn, expected = SCENARIOS[name]
    np.testing.assert_allclose(fn(mt).numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_views_see_inplace_changes_vs_torch(name):
    torch = pytest.importorskip("torch")
    fn, _ = SCENARIOS[name]
    np.testing.assert_allclose(fn(mt).numpy(), fn(torch).numpy(), rtol=1e-12)


def test_stale_view_grad_fn_is_as_strided():
    x = mt.ones(4, requires_grad=True)
    a = x.clone()
    v = a[0:2]
    before = v.grad_fn
    assert v.grad_fn is before  # no change without an in-place op
    a.zero_()
    assert v.grad_fn.name() == "AsStridedBackward0"
    assert v.grad_fn is v.grad_fn  # re-derived once per version
    assert a.grad_fn.name() != "AsStridedBackward0"


def test_inplace_on_view_names_copy_slices():
    x = mt.ones(4, requires_grad=True)
    a = x.clone()
    v1, v2 = a[:2], a[2:]
    v1.mul_(2)
    assert a.grad_fn.name() == "CopySlices"
    assert v1.grad_fn.name() == "AsStridedBackward0"
    assert v2.grad_fn.name() == "AsStridedBackward0"


def test_detach_is_not_a_view():
    x = mt.ones(3, requires_grad=True)
    a = x * 2
    d = a.detach()
    assert d._base is None
    a.mul_(2)
    assert d._version == a._version == 1
    assert d.grad_fn is None and not d.requires_grad


def test_no_grad_view_modified_with_grad_raises():
    torch = pytest.importorskip("torch")
    for T in (mt, torch):
        a = T.zeros(4)
        with T.no_grad():
            v = a[:2]
        a.add_(T.ones(4, requires_grad=True))
        assert v.requires_grad
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
            v.grad_fn  # noqa: B018


def test_no_grad_view_modified_with_grad_raises_without_torch():
    a = mt.zeros(4)
    with mt.no_grad():
        v = a[:2]
    a.add_(mt.ones(4, requires_grad=True))
    with pytest.raises(RuntimeError, match="A view was created in no_grad mode"):
        (v * 2).sum()


def test_views_without_inplace_keep_their_nodes():
    x = mt.ones(2, 3, requires_grad=True)
    v = x.t()
    assert v.grad_fn.name() == "PermuteBackward0"
    (v * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


def _inplace_on_view_of_nonleaf(x, y):
    a = x * 1
    v = a[1:]
    v.mul_(y)
    w = a.view(2, 2)[0]
    w.exp_()
    return a * a


def test_gradcheck_inplace_on_view_of_nonleaf():
    x = mt.tensor([0.3, -0.2, 0.5, 0.1], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([1.5, -0.7, 0.4], dtype=mt.float64, requires_grad=True)
    assert gradcheck(_inplace_on_view_of_nonleaf, (x, y))
    assert gradgradcheck(_inplace_on_view_of_nonleaf, (x, y))


def test_gradgradcheck_stale_view_of_nonleaf():
    def fn(x):
        a = x * x
        v = a[:, 1]
        a.mul_(x)
        return v.exp()

    x = mt.tensor([[0.3, -0.2], [0.5, 0.1]], dtype=mt.float64, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_double_backward_through_view_matches_torch():
    torch = pytest.importorskip("torch")

    def run(T):
        x = T.tensor([0.3, -0.2, 0.5, 0.1], dtype=T.float64, requires_grad=True)
        y = T.tensor([1.5, -0.7, 0.4], dtype=T.float64, requires_grad=True)
        out = _inplace_on_view_of_nonleaf(x, y).sum()
        gx, gy = T.autograd.grad(out, (x, y), create_graph=True)
        (gx.pow(2).sum() + gy.pow(3).sum()).backward()
        return np.concatenate([x.grad.detach().numpy(), y.grad.detach().numpy()])

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-12)


def _no_grad_view_inplace_errors(T):
    """The error (or 'ok') of in-place ops on views made under no_grad, then run with grad on."""
    x = T.ones(4, requires_grad=True)
    a = x * 2
    b = T.zeros(4)
    with T.no_grad():
        of_nonleaf, of_leaf, of_plain = a[:2], x[:2], b[:2]
    cases = {
        "mul_of_nonleaf": lambda: of_nonleaf.mul_(2),
        "zero_of_nonleaf": lambda: of_nonleaf.zero_(),
        "copy_grad_src": lambda: of_nonleaf.copy_(x[:2]),
        "mul_of_leaf": lambda: of_leaf.mul_(2),
        "plain_mul": lambda: of_plain.mul_(2),
        "plain_add_grad": lambda: of_plain.add_(x[:2]),
    }
    out = {}
    for name, fn in cases.items():
        try:
            fn()
            out[name] = "ok"
        except RuntimeError as err:
            out[name] = str(err)[:60]
    return out


def test_inplace_on_no_grad_view_with_grad_raises():
    got = _no_grad_view_inplace_errors(mt)
    assert got["plain_mul"] == "ok"
    assert all(v.startswith("A view was created in no_grad mode") for k, v in got.items() if k != "plain_mul")


def test_inplace_on_no_grad_view_with_grad_raises_vs_torch():
    torch = pytest.importorskip("torch")
    assert _no_grad_view_inplace_errors(mt) == _no_grad_view_inplace_errors(torch)


def test_inplace_on_stale_view_of_base_that_now_requires_grad():
    # torch raises here ("a leaf Variable ...": its view has no grad_fn yet when checked);
    # microtorch records the op, giving the gradient the out-of-place program has
    w = mt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    a = mt.zeros(4)
    v = a[:2]
    a.add_(w * 1)
    v.mul_(2)
    (a * mt.arange(4.0)).sum().backward()
    assert w.grad.tolist() == [0.0, 2.0, 2.0, 3.0]
