"""The lean per-op path: Op.apply's one pass over inputs, saved-version records, the engine loop,
and linear/addmm's array-level backward, each checked against the plain Tensor-op route and torch."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import engine
from microtorch.autograd.function import Op
from microtorch.autograd.gradcheck import gradcheck, gradgradcheck
from microtorch.ops import linalg


def _linear_grads(x, w, b, create_graph: bool):
    out = mt.nn.functional.linear(x, w, b)
    r = mt.tensor(np.arange(out.numel(), dtype=np.float64).reshape(out.shape) / 7 - 1)
    return mt.autograd.grad((out * r).sum(), (x, w, b), create_graph=create_graph)


@pytest.mark.parametrize("shape", [(1, 4), (5, 4), (3, 1)])
def test_addmm_array_backward_matches_the_recorded_formula(shape):
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal(shape), requires_grad=True)
    w = mt.tensor(rng.standard_normal((3, shape[1])), requires_grad=True)
    b = mt.tensor(rng.standard_normal(3), requires_grad=True)
    plain = _linear_grads(x, w, b, create_graph=False)  # array route
    recorded = _linear_grads(x, w, b, create_graph=True)  # Tensor-op route (graph recorded)
    assert all(g.grad_fn is None for g in plain)
    assert all(g.grad_fn is not None for g in recorded[:2])  # the bias gradient is r summed: a constant
    for p, r in zip(plain, recorded):
        np.testing.assert_array_equal(p.numpy(), r.detach().numpy())
        assert p.dtype == r.dtype and p.shape == r.shape


def test_addmm_backward_against_torch_and_finite_differences():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xs, ws, bs = rng.standard_normal((2, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    x, w, b = (mt.tensor(a, requires_grad=True) for a in (xs, ws, bs))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xs, ws, bs))
    mt.nn.functional.linear(x, w, b).sigmoid().sum().backward()
    torch.nn.functional.linear(tx, tw, tb).sigmoid().sum().backward()
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert gradcheck(mt.nn.functional.linear, (x, w, b))
    assert gradgradcheck(mt.nn.functional.linear, (x, w, b))


def test_addmm_only_needed_gradients_are_computed():
    x = mt.randn(2, 4, dtype=mt.float64)  # no gradient wanted
    w = mt.randn(3, 4, dtype=mt.float64, requires_grad=True)
    b = mt.randn(3, dtype=mt.float64)
    out = mt.nn.functional.linear(x, w, b)
    assert out.grad_fn.name() == "AddmmBackward0"
    assert out.grad_fn.needs_input_grad == (False, False, True)
    out.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.ones((3, 2)) @ x.numpy())


def test_linear_fast_case_keeps_torch_nodes_and_other_cases_still_checked():
    x = mt.randn(2, 4, requires_grad=True)
    w = mt.randn(3, 4, requires_grad=True)
    b = mt.randn(3, requires_grad=True)
    out = mt.nn.functional.linear(x, w, b)
    node = out.grad_fn
    assert node.name() == "AddmmBackward0"
    assert [f.name() if f is not None else None for f, _ in node.next_functions] == [
        "torch::autograd::AccumulateGrad",
        "torch::autograd::AccumulateGrad",
        "TBackward0",
    ]
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        mt.nn.functional.linear(mt.randn(2, 5), w, b)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        mt.nn.functional.linear(x.double(), w, b)
    with pytest.raises(RuntimeError, match="self and mat2 must have the same dtype"):
        mt.nn.functional.linear(x, w, b.double())
    with pytest.raises(TypeError, match="argument 'input'"):
        mt.nn.functional.linear([1.0], w, b)


def test_t_backward_is_t_and_differentiates_twice():
    w = mt.randn(3, 2, dtype=mt.float64, requires_grad=True)
    wt = linalg._t(w)
    assert wt.grad_fn.name() == "TBackward0"
    (g,) = mt.autograd.grad((wt * wt).sum(), w, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), 2 * w.detach().numpy())
    assert g.grad_fn.name() == "TBackward0"  # torch's formula for t: grad.t()
    assert gradgradcheck(lambda a: linalg._t(a) * linalg._t(a), (w,))


def test_profiled_backward_still_records_the_formula_ops():
    from microtorch.profiler import profile

    x = mt.randn(2, 4, requires_grad=True)
    lin = mt.nn.Linear(4, 3)
    with profile() as prof:
        lin(x).sum().backward()
    (node,) = [e for e in prof.events() if e.name == "AddmmBackward0"]
    assert [c.name for c in node.cpu_children].count("aten::mm") == 2
    assert engine._instrument is None  # off again after the block


def test_saved_input_modified_in_place_is_still_detected():
    a = mt.randn(3, requires_grad=True)
    b = a * 1.0
    c = b * b  # saves b twice
    b.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0 instead"):
        c.sum().backward()


def test_saved_output_modified_in_place_is_still_detected():
    a = mt.randn(3, requires_grad=True)
    y = a.sigmoid()  # saves its own output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="output 0 of Sigmoid, is at version 1"):
        y.sum().backward()


def test_saved_tensor_that_is_also_an_output_of_a_multi_output_node():
    class TwoOut(Op):
        def forward(self, x):
            self.save_for_backward(x)
            return x._data * 2, x._data * 3

        def backward(self, g1, g2):
            (x,) = self.saved_tensors
            return g1 * 2 + g2 * 3 + 0 * x

    x = mt.randn(4, dtype=mt.float64, requires_grad=True)
    y1, y2 = TwoOut.apply(x)
    (y1.sum() + y2.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(4, 5.0))
    y1, y2 = TwoOut.apply(x)
    (g,) = mt.autograd.grad(y2.sum(), x)  # y1 gets no gradient: zeros materialised
    np.testing.assert_allclose(g.numpy(), np.full(4, 3.0))


def test_view_of_an_empty_view_shares_the_version_counter_as_torch():
    torch = pytest.importorskip("torch")
    base = mt.zeros(4)
    v = base[0:0]
    w = v.view(0)
    tb = torch.zeros(4)
    tw = tb[0:0].view(0)
    base.add_(1)
    tb.add_(1)
    assert w._version == tw._version
    assert w._base is base


def test_engine_diamond_and_shared_leaf_sum_gradients():
    torch = pytest.importorskip("torch")
    data = np.linspace(-1, 1, 5)
    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    for t in (x, tx):
        a = t * 2.0
        b = a.sin() * t + a.exp()  # a used twice, t used three times
        (b * b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_retain_graph_keeps_and_default_frees_saved_tensors():
    x = mt.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.detach().numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


@pytest.mark.parametrize("maximize", [False, True])
def test_plain_sgd_step_matches_torch_and_bumps_versions(maximize):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    w0, x0 = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    w, tw = mt.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    skipped, tskipped = mt.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)  # never gets a grad
    opt = mt.optim.SGD([w, skipped], lr=0.1, maximize=maximize)
    topt = torch.optim.SGD([tw, tskipped], lr=0.1, maximize=maximize)
    for _ in range(3):
        for o, p, x in ((opt, w, mt.tensor(x0)), (topt, tw, torch.tensor(x0))):
            o.zero_grad()
            (x @ p.T).tanh().sum().backward()
            o.step()
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert w._version == tw._version and skipped._version == tskipped._version == 0


def test_gradients_from_two_paths_sum_on_arrays_or_recorded_under_create_graph():
    x = mt.tensor([0.5, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad((x * x + x.sin()).sum(), x)  # x's three gradients summed, nothing recorded
    np.testing.assert_allclose(g.numpy(), 2 * x.detach().numpy() + np.cos(x.detach().numpy()))
    assert g.grad_fn is None
    (g2,) = mt.autograd.grad((x * x + x.sin()).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g2.detach().numpy(), g.numpy())
    assert g2.grad_fn is not None and g2.grad_fn.name() == "AddBackward0"
    assert gradgradcheck(lambda t: (t * t + t.sin()).sum(), (x,))
