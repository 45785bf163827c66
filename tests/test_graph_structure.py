"""The autograd graph's nodes as PyTorch records them: ``grad_fn.name()`` and the whole
``next_functions`` tree of linear, matmul and the losses, compared with torch's own."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt

_STATE = {"rng": np.random.default_rng(0), "leaves": []}


def _build(name, lib):
    """Build graph ``name`` with ``lib`` from the same random data every time; return it and its leaves."""
    _STATE["rng"], _STATE["leaves"] = np.random.default_rng(0), []
    return GRAPHS[name](lib), _STATE["leaves"]


def _tree(fn):
    """``(name, children)`` of a node, recursively; ``None`` for an input needing no gradient."""
    if fn is None:
        return None
    return (fn.name(), tuple(_tree(child) for child, _ in fn.next_functions))


def _leaf(lib, shape, grad=True):
    t = lib.tensor(_STATE["rng"].standard_normal(shape), requires_grad=grad)
    _STATE["leaves"].append(t)
    return t


def _probs(lib, shape):
    t = lib.tensor(_STATE["rng"].uniform(0.05, 0.95, shape))
    _STATE["leaves"].append(t)
    return t


def _linear(lib, xshape, bias_shape=None, x_grad=True, w_grad=True, transpose=None):
    F = lib.nn.functional
    x = _leaf(lib, xshape, x_grad)
    if transpose is not None:
        x = x.transpose(*transpose)
    w = _leaf(lib, (4, xshape[-1] if transpose is None else x.shape[-1]), w_grad)
    b = _leaf(lib, bias_shape) if bias_shape is not None else None
    return F.linear(x, w, b)


GRAPHS = {
    "linear_2d_bias": lambda lib: _linear(lib, (5, 3), (4,)),
    "linear_2d": lambda lib: _linear(lib, (5, 3)),
    "linear_3d_bias": lambda lib: _linear(lib, (2, 5, 3), (4,)),
    "linear_3d": lambda lib: _linear(lib, (2, 5, 3)),
    "linear_4d_bias": lambda lib: _linear(lib, (2, 2, 5, 3), (4,)),
    "linear_1d_bias": lambda lib: _linear(lib, (3,), (4,)),
    "linear_1d": lambda lib: _linear(lib, (3,)),
    "linear_1d_scalar_bias": lambda lib: _linear(lib, (3,), ()),
    "linear_2d_scalar_bias": lambda lib: _linear(lib, (5, 3), ()),
    "linear_3d_scalar_bias": lambda lib: _linear(lib, (2, 5, 3), ()),
    "linear_2d_matrix_bias": lambda lib: _linear(lib, (5, 3), (5, 4)),
    "linear_input_no_grad": lambda lib: _linear(lib, (5, 3), (4,), x_grad=False),
    "linear_weight_no_grad": lambda lib: _linear(lib, (2, 5, 3), (4,), w_grad=False),
    "linear_empty_batch": lambda lib: _linear(lib, (2, 0, 3), (4,)),
    "linear_vector_weight": lambda lib: lib.nn.functional.linear(_leaf(lib, (5, 3)), _leaf(lib, (3,))),
    "mm": lambda lib: lib.mm(_leaf(lib, (2, 3)), _leaf(lib, (3, 4))),
    "bmm": lambda lib: lib.bmm(_leaf(lib, (2, 2, 3)), _leaf(lib, (2, 3, 4))),
    "mv": lambda lib: lib.mv(_leaf(lib, (2, 3)), _leaf(lib, (3,))),
    "dot": lambda lib: lib.dot(_leaf(lib, (3,)), _leaf(lib, (3,))),
    "outer": lambda lib: lib.outer(_leaf(lib, (3,)), _leaf(lib, (2,))),
    "matmul_1d_2d": lambda lib: _leaf(lib, (3,)) @ _leaf(lib, (3, 4)),
    "matmul_3d_2d": lambda lib: _leaf(lib, (2, 5, 3)) @ _leaf(lib, (3, 4)),
    "matmul_3d_1d": lambda lib: _leaf(lib, (2, 5, 3)) @ _leaf(lib, (3,)),
    "matmul_3d_3d": lambda lib: _leaf(lib, (2, 4, 3)) @ _leaf(lib, (2, 3, 5)),
    "matmul_4d_3d": lambda lib: _leaf(lib, (2, 2, 4, 3)) @ _leaf(lib, (2, 3, 5)),
    "matmul_4d_4d_copy": lambda lib: _leaf(lib, (2, 2, 4, 3)) @ _leaf(lib, (2, 1, 3, 5)),
    "matmul_3d_batch1": lambda lib: _leaf(lib, (2, 4, 3)) @ _leaf(lib, (1, 3, 5)),
    "matmul_batch1_3d": lambda lib: _leaf(lib, (1, 4, 3)) @ _leaf(lib, (2, 3, 5)),
    "matmul_3d_batch1_no_grad": lambda lib: _leaf(lib, (2, 4, 3)) @ _leaf(lib, (1, 3, 5), False),
    "matmul_2d_3d": lambda lib: _leaf(lib, (4, 3)) @ _leaf(lib, (2, 3, 5)),
    "matmul_2d_no_grad_3d": lambda lib: _leaf(lib, (4, 3), False) @ _leaf(lib, (2, 3, 5)),
    "matmul_1d_3d": lambda lib: _leaf(lib, (3,)) @ _leaf(lib, (2, 3, 5)),
    "matmul_1d_4d": lambda lib: _leaf(lib, (3,)) @ _leaf(lib, (2, 2, 3, 5)),
    "matmul_4d_1d": lambda lib: _leaf(lib, (2, 2, 4, 3)) @ _leaf(lib, (3,)),
    "matmul_3d_4d": lambda lib: _leaf(lib, (2, 4, 3)) @ _leaf(lib, (2, 2, 3, 5)),
    "matmul_3d_2d_no_grad": lambda lib: _leaf(lib, (2, 4, 3)) @ _leaf(lib, (3, 5), False),
    "matmul_empty_batch": lambda lib: _leaf(lib, (0, 4, 3)) @ _leaf(lib, (3, 5), False),
    "mse": lambda lib: lib.nn.functional.mse_loss(_leaf(lib, (4, 3)), _leaf(lib, (4, 3), False)),
    "mse_none_target_grad": lambda lib: lib.nn.functional.mse_loss(
        _leaf(lib, (4, 3)), _leaf(lib, (4, 3)), reduction="none"
    ),
    "mse_broadcast": lambda lib: lib.nn.functional.mse_loss(_leaf(lib, (3,)), _leaf(lib, (4, 3), False)),
    "mse_weight": lambda lib: lib.nn.functional.mse_loss(
        _leaf(lib, (4, 3)), _leaf(lib, (4, 3), False), weight=_leaf(lib, (4, 3), False)
    ),
    "l1": lambda lib: lib.nn.functional.l1_loss(_leaf(lib, (4, 3)), _leaf(lib, (4, 3))),
    "smooth_l1": lambda lib: lib.nn.functional.smooth_l1_loss(_leaf(lib, (4, 3)), _leaf(lib, (4, 3), False)),
    "smooth_l1_beta0": lambda lib: lib.nn.functional.smooth_l1_loss(
        _leaf(lib, (4, 3)), _leaf(lib, (4, 3), False), beta=0.0
    ),
    "huber": lambda lib: lib.nn.functional.huber_loss(_leaf(lib, (4, 3)), _leaf(lib, (4, 3)), reduction="sum"),
    "huber_weight": lambda lib: lib.nn.functional.huber_loss(
        _leaf(lib, (4, 3)), _leaf(lib, (4, 3), False), weight=_leaf(lib, (4, 3), False)
    ),
    "nll": lambda lib: lib.nn.functional.nll_loss(_leaf(lib, (4, 5)), lib.tensor([0, 1, 4, 2])),
    "nll_none": lambda lib: lib.nn.functional.nll_loss(_leaf(lib, (4, 5)), lib.tensor([0, 1, 4, 2]), reduction="none"),
    "nll_1d": lambda lib: lib.nn.functional.nll_loss(_leaf(lib, (5,)), lib.tensor(3)),
    "nll_3d": lambda lib: lib.nn.functional.nll_loss(_leaf(lib, (2, 5, 3)), lib.tensor([[0, 1, 4], [2, 2, 0]])),
    "nll_4d": lambda lib: lib.nn.functional.nll_loss(_leaf(lib, (2, 5, 2, 1)), lib.tensor([[[0], [1]], [[4], [2]]])),
    "nll_5d_none": lambda lib: lib.nn.functional.nll_loss(
        _leaf(lib, (1, 5, 2, 1, 1)), lib.tensor([[[[0]], [[3]]]]), reduction="none"
    ),
    "cross_entropy": lambda lib: lib.nn.functional.cross_entropy(_leaf(lib, (4, 5)), lib.tensor([0, 1, 4, 2])),
    "cross_entropy_weight": lambda lib: lib.nn.functional.cross_entropy(
        _leaf(lib, (4, 5)), lib.tensor([0, 1, 4, 2]), weight=lib.tensor(np.arange(1.0, 6.0))
    ),
    "cross_entropy_1d": lambda lib: lib.nn.functional.cross_entropy(_leaf(lib, (5,)), lib.tensor(2)),
    "cross_entropy_3d": lambda lib: lib.nn.functional.cross_entropy(
        _leaf(lib, (2, 5, 3)), lib.tensor([[0, 1, 4], [2, 2, 0]])
    ),
    "cross_entropy_probs": lambda lib: lib.nn.functional.cross_entropy(_leaf(lib, (4, 5)), _probs(lib, (4, 5))),
    "cross_entropy_probs_sum": lambda lib: lib.nn.functional.cross_entropy(
        _leaf(lib, (4, 5)), _probs(lib, (4, 5)), reduction="sum"
    ),
    "cross_entropy_probs_weight": lambda lib: lib.nn.functional.cross_entropy(
        _leaf(lib, (4, 5)), _probs(lib, (4, 5)), weight=lib.tensor(np.arange(1.0, 6.0))
    ),
    "bce": lambda lib: lib.nn.functional.binary_cross_entropy(
        _probs(lib, (4, 3)).requires_grad_(), _probs(lib, (4, 3)), weight=_probs(lib, (4, 3))
    ),
    "bce_target_grad": lambda lib: lib.nn.functional.binary_cross_entropy(
        _probs(lib, (4, 3)).requires_grad_(), _probs(lib, (4, 3)).requires_grad_()
    ),
    "bce_sigmoid": lambda lib: lib.nn.functional.binary_cross_entropy(lib.sigmoid(_leaf(lib, (4,))), _probs(lib, (4,))),
    "bce_with_logits": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        _leaf(lib, (4, 3)), _probs(lib, (4, 3))
    ),
    "bce_with_logits_weights": lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        _leaf(lib, (4, 3)), _probs(lib, (4, 3)).requires_grad_(), weight=_probs(lib, (3,)), pos_weight=_probs(lib, (3,))
    ),
    "kl_div_batchmean": lambda lib: lib.nn.functional.kl_div(
        _leaf(lib, (4, 3)), _probs(lib, (4, 3)), reduction="batchmean"
    ),
    "kl_div_target_grad": lambda lib: lib.nn.functional.kl_div(
        _leaf(lib, (4, 3)), _probs(lib, (4, 3)).requires_grad_(), reduction="sum"
    ),
    "kl_div_log_target": lambda lib: lib.nn.functional.kl_div(
        _leaf(lib, (4, 3)), _leaf(lib, (4, 3)), reduction="sum", log_target=True
    ),
    "kl_div_none": lambda lib: lib.nn.functional.kl_div(_leaf(lib, (4, 3)), _probs(lib, (4, 3)), reduction="none"),
}


@pytest.mark.parametrize("name", list(GRAPHS))
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_graph_matches_torch(name):
    torch = pytest.importorskip("torch")
    (ours, _), (theirs, _) = _build(name, mt), _build(name, torch)
    assert _tree(ours.grad_fn) == _tree(theirs.grad_fn)


def test_linear_node_names_and_edges():
    x, w, b = (mt.randn(5, 3, requires_grad=True), mt.randn(4, 3, requires_grad=True), mt.randn(4, requires_grad=True))
    out = mt.nn.functional.linear(x, w, b)
    assert out.grad_fn.name() == "AddmmBackward0"
    (bias_node, _), (x_node, _), (t_node, _) = out.grad_fn.next_functions
    assert bias_node.variable is b and x_node.variable is x
    assert t_node.name() == "TBackward0" and t_node.next_functions[0][0].variable is w
    assert mt.nn.functional.linear(x, w).grad_fn.name() == "MmBackward0"


def test_leaves_are_accumulate_grad_nodes_holding_the_leaf():
    x, t = mt.randn(4, 3, requires_grad=True), mt.randn(4, 3, requires_grad=True)
    loss = mt.nn.functional.mse_loss(x, t)
    (nx, nrx), (nt, nrt) = loss.grad_fn.next_functions
    assert loss.grad_fn.name() == "MseLossBackward0"
    assert nx.name() == nt.name() == "torch::autograd::AccumulateGrad"
    assert nx.variable is x and nt.variable is t and nrx == nrt == 0


def test_cross_entropy_is_two_nodes():
    x = mt.randn(4, 5, requires_grad=True)
    loss = mt.nn.functional.cross_entropy(x, mt.tensor([0, 1, 4, 2]))
    assert loss.grad_fn.name() == "NllLossBackward0"
    ((inner, _),) = loss.grad_fn.next_functions
    assert inner.name() == "LogSoftmaxBackward0"
    assert inner.next_functions[0][0].variable is x


@pytest.mark.parametrize("name", list(GRAPHS))
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_graph_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    (ours, our_leaves), (theirs, their_leaves) = _build(name, mt), _build(name, torch)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    ours.sum().backward()
    theirs.sum().backward()
    for a, b in zip(our_leaves, their_leaves):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)
