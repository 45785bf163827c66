"""Views see in-place changes to their base (and to sibling views) in their gradients.

Each scenario is written once against a module ``T`` (microtorch or torch) and returns
the leaf gradient; microtorch's result is checked against a hand-derived value and, when
torch is installed, against torch on the same scenario.
"""

from __future__ import annotations

import re

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
    assert a.grad_fn.name() == "torch::autograd::CopySlices"
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
    assert v.grad_fn.name() == "TBackward0"  # as torch
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


# --- differential fuzz: random programs of views and in-place ops ------------------------
_VIEW_OPS = ("slice0", "slice1", "step", "t", "flat", "select", "narrow", "unsqueeze", "transpose", "chunk", "unbind")
_INPLACE_OPS = ("mul_", "add_y", "zero_", "setitem", "exp_", "copy_y", "div_", "mul_y", "fill_")


def _random_program(rng, n_steps: int = 6) -> list:
    prog, n_tensors = [], 1
    for _ in range(n_steps):
        kind = "view" if rng.random() < 0.55 else "inplace"
        ops = _VIEW_OPS if kind == "view" else _INPLACE_OPS
        prog.append((kind, int(rng.integers(n_tensors)), ops[int(rng.integers(len(ops)))], int(rng.integers(1 << 30))))
        n_tensors += kind == "view"
    return prog


def _apply_view(t, op: str, seed: int):
    r = np.random.default_rng(seed)
    if t.ndim == 0 or op == "unsqueeze":
        return t.unsqueeze(int(r.integers(t.ndim + 1)))
    if op == "slice0":
        a = int(r.integers(t.shape[0]))
        return t[a : int(r.integers(a + 1, t.shape[0] + 1))]
    if op == "slice1" and t.ndim >= 2:
        a = int(r.integers(t.shape[1]))
        return t[:, a : int(r.integers(a + 1, t.shape[1] + 1))]
    if op == "t" and t.ndim == 2:
        return t.t()
    if op == "flat" and t.is_contiguous():
        return t.view(-1)
    if op == "select" and t.ndim >= 1:
        return t.select(0, int(r.integers(t.shape[0])))
    if op == "narrow":
        d = int(r.integers(t.ndim))
        s = int(r.integers(t.shape[d]))
        return t.narrow(d, s, int(r.integers(1, t.shape[d] - s + 1)))
    if op == "transpose":
        return t.transpose(0, -1)
    if op == "chunk":
        return t.chunk(2, 0)[int(r.integers(min(2, t.shape[0])))]
    if op == "unbind":
        return t.unbind(0)[int(r.integers(t.shape[0]))]
    return t[::2]


def _apply_inplace(T, t, op: str, seed: int, y) -> None:
    k = float(np.random.default_rng(seed).uniform(0.5, 1.5))
    yv = y.reshape(-1)[: t.numel()].reshape(t.shape) if t.numel() <= y.numel() else None
    if op == "add_y" and yv is not None:
        t.add_(yv * yv)
    elif op == "copy_y" and yv is not None:
        t.copy_(yv.sin())
    elif op == "mul_y" and yv is not None:
        t.mul_(yv)
    elif op == "zero_":
        t.zero_()
    elif op == "fill_":
        t.fill_(k)
    elif op == "setitem":
        t[0 if t.ndim else ...] = k
    elif op == "exp_":
        t.mul_(0.1).exp_()
    elif op == "div_":
        t.div_(k + 1)
    else:
        t.mul_(k)


def _run_program(T, prog: list, seed: int, order: int):
    """Leaf gradients (first or second order) and final values, or the error's first words."""
    r = np.random.default_rng(seed)
    x = T.tensor(r.standard_normal((4, 6)), dtype=T.float64, requires_grad=True)
    y = T.tensor(r.standard_normal(24), dtype=T.float64, requires_grad=True)
    try:
        ts = [x * 1]
        for kind, i, op, s in prog:
            if kind == "view":
                ts.append(_apply_view(ts[i], op, s))
            else:
                _apply_inplace(T, ts[i], op, s, y)
        loss = sum((t * T.tensor(r.standard_normal(tuple(t.shape)), dtype=T.float64)).sum() for t in ts)
        if order == 2:
            grads = T.autograd.grad(loss, (x, y), create_graph=True, allow_unused=True)
            loss = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
        if isinstance(loss, T.Tensor):
            loss.backward()
    except RuntimeError as err:
        # node names differ (microtorch's IndexBackward0 is torch's Select/Slice): compare the rest
        return re.sub(r"^Output \d+ of \w+ is a view", "Output of a view", str(err))[:60]
    grads = [np.zeros(v.shape) if v.grad is None else v.grad.detach().numpy() for v in (x, y)]
    return np.concatenate([g.ravel() for g in grads] + [t.detach().numpy().ravel() for t in ts])


@pytest.mark.parametrize("order", [1, 2])
def test_random_view_programs_match_torch(order):
    torch = pytest.importorskip("torch")
    for seed in range(150):
        prog = _random_program(np.random.default_rng(seed))
        ours, theirs = _run_program(mt, prog, seed, order), _run_program(torch, prog, seed, order)
        if isinstance(theirs, str) or isinstance(ours, str):
            assert ours == theirs, (seed, prog)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=str((seed, prog)))


def test_inplace_after_output_saving_inplace_op_raises():
    x = mt.ones(3, dtype=mt.float64, requires_grad=True)
    a = (x * 1).exp_()
    a.mul_(2)
    with pytest.raises(RuntimeError, match=r"output 0 of Exp, is at version 2; expected version 1 instead"):
        a.sum().backward()
    b = (x * 1).sin_()  # sin_ keeps its input, not its output: nothing to invalidate
    b.mul_(2)
    b.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(1.0) * np.ones(3))


def test_saved_input_error_names_its_current_node():
    x = mt.ones(3, dtype=mt.float64, requires_grad=True)
    a = x * 1
    v = a[1:]
    c = v.sin()
    a.mul_(2)
    with pytest.raises(RuntimeError, match=r"^one of .*\[torch.DoubleTensor \[2\]\], which is output 0 of AsStrided,"):
        c.sum().backward()


def test_fill_and_zero_nodes():
    x = mt.ones(3, requires_grad=True)
    v = mt.tensor(3.0, requires_grad=True)
    a = x * 1
    assert a.fill_(2.0).grad_fn.name() == "FillBackward2"
    assert a.zero_().grad_fn.name() == "ZeroBackward0"
    a.fill_(v)
    assert a.grad_fn.name() == "FillBackward3"
    (a * mt.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert v.grad.item() == 6.0 and x.grad.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        a.fill_(mt.ones(2))
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        mt.zeros(1).expand(3).fill_(1.0)
    assert mt.zeros(3, dtype=mt.int64).fill_(2.5).tolist() == [2, 2, 2]


def test_zero_cuts_second_order_graph_as_torch():
    torch = pytest.importorskip("torch")

    def run(T):
        x = T.tensor([0.5, 1.5], dtype=T.float64, requires_grad=True)
        a = x * x
        b = a * 1
        b.zero_()
        (g,) = T.autograd.grad((a * b).sum() + (a * 3).sum(), x, create_graph=True)
        return g.requires_grad, g.detach().numpy()

    (ours_rg, ours), (theirs_rg, theirs) = run(mt), run(torch)
    assert ours_rg == theirs_rg
    np.testing.assert_allclose(ours, theirs)


def test_full_integer_index_is_a_zero_dim_view():
    a = mt.arange(4.0)
    e = a[1]
    assert e._base is a and e.shape == ()
    e.add_(10)
    assert a.tolist() == [0.0, 11.0, 2.0, 3.0]
    x = mt.ones(4, requires_grad=True)
    b = x * 1
    s = b[2]
    b.mul_(3)
    s.backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 0.0]


def _multi_output_view_errors(T):
    x = T.ones(4, 2, requires_grad=True)

    def split_inplace():
        x.mul(1).split(2)[0].mul_(2)

    def chunk_stale():
        a = x * 1
        p = a.chunk(2)
        a.mul_(2)
        return p[1] * 1

    def unbind_inplace():
        (x * 1).unbind(0)[1].mul_(2)

    def sizes_inplace():
        (x * 1).split([1, 3])[0].mul_(2)

    def without_grad():
        a = T.ones(4, 2)
        a.split(2)[0].mul_(2)
        return a

    out = {}
    for name, fn in [
        ("split_inplace", split_inplace),
        ("chunk_stale", chunk_stale),
        ("unbind_inplace", unbind_inplace),
        ("sizes_inplace", sizes_inplace),
        ("without_grad", without_grad),
    ]:
        try:
            fn()
            out[name] = "ok"
        except RuntimeError as err:
            out[name] = str(err)
    return out


def test_multi_output_views_cannot_be_modified_in_place():
    got = _multi_output_view_errors(mt)
    assert got["split_inplace"].startswith("Output 0 of Split is a view and is being modified inplace.")
    assert got["chunk_stale"].startswith("Output 1 of Split is a view and its base or another view of its base")
    assert got["unbind_inplace"].startswith("Output 1 of Unbind is a view")
    assert got["sizes_inplace"].startswith("Output 0 of SplitWithSizes is a view")
    assert got["without_grad"] == "ok"


def test_multi_output_views_match_torch():
    torch = pytest.importorskip("torch")
    assert _multi_output_view_errors(mt) == _multi_output_view_errors(torch)


def test_in_place_on_an_expanded_tensor_refuses_before_computing():
    x = mt.zeros(1).expand(20000, 20000)  # 400M elements if the result were computed first
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.add_(1)
