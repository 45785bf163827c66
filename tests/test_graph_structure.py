"""The autograd graph's nodes as PyTorch records them: ``grad_fn.name()`` and the whole
``next_functions`` tree of linear, matmul, the losses, indexing, shape ops and reductions,
compared with torch's own."""

from __future__ import annotations

import gc
import weakref

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


def _x(lib, shape=(4, 3, 5)):
    return _leaf(lib, shape)


def _mask(lib):
    return lib.tensor(_STATE["rng"].standard_normal((4, 3)) > 0)


# torch's applySlicing: one select / slice / unsqueeze per index entry (full slices of a
# multi-entry index skipped, nothing left: an alias), then one advanced index
INDEX_GRAPHS = {
    "index_int": lambda lib: _x(lib)[0],
    "index_negative_int": lambda lib: _x(lib)[-1],
    "index_int_dim1": lambda lib: _x(lib)[:, 1],
    "index_ellipsis_int": lambda lib: _x(lib)[..., 0],
    "index_slice": lambda lib: _x(lib)[:2],
    "index_step": lambda lib: _x(lib)[::2],
    "index_full_slice": lambda lib: _x(lib)[:],
    "index_full_slice_past_end": lambda lib: _x(lib)[0:100],
    "index_ellipsis": lambda lib: _x(lib)[...],
    "index_full_slices": lambda lib: _x(lib)[:, :, :],
    "index_full_slice_clamped": lambda lib: _x(lib)[:, 0:100],
    "index_negative_start_full": lambda lib: _x(lib)[:, -100:100],
    "index_ellipsis_slice": lambda lib: _x(lib)[..., :],
    "index_slice_int": lambda lib: _x(lib)[1:3, 0],
    "index_int_int": lambda lib: _x(lib)[0, 1],
    "index_all_ints": lambda lib: _x(lib)[0, 1, 2],
    "index_int_ellipsis_int": lambda lib: _x(lib)[0, ..., 1],
    "index_none": lambda lib: _x(lib)[None],
    "index_none_none": lambda lib: _x(lib)[None, None],
    "index_none_slice": lambda lib: _x(lib)[:, None, 1:],
    "index_none_int": lambda lib: _x(lib)[None, 0],
    "index_int_none": lambda lib: _x(lib)[0, None],
    "index_ellipsis_none": lambda lib: _x(lib)[..., None],
    "index_slices": lambda lib: _x(lib)[1:, :2],
    "index_last_slice": lambda lib: _x(lib)[:, :, 1:3],
    "index_empty_slice": lambda lib: _x(lib)[2:2],
    "index_vector_slice": lambda lib: _x(lib, (6,))[1:4],
    "index_vector_int": lambda lib: _x(lib, (6,))[2],
    "index_0d_tensor": lambda lib: _x(lib)[lib.tensor(1)],
    "index_0d_tensor_slice": lambda lib: _x(lib)[lib.tensor(1), 1:],
    "index_tuple_of_one": lambda lib: _x(lib)[(0,)],
    "index_chained": lambda lib: _x(lib)[1:3][0],
    "index_list": lambda lib: _x(lib)[[0, 1]],
    "index_tensor": lambda lib: _x(lib)[lib.tensor([0, 2])],
    "index_mask": lambda lib: _x(lib)[_mask(lib)],
    "index_int_list": lambda lib: _x(lib)[0, [0, 1]],
    "index_list_slice": lambda lib: _x(lib)[:, [0, 1], 1:],
    "index_list_int_list": lambda lib: _x(lib)[[0, 1], 0, [1, 2]],
    "index_list_none": lambda lib: _x(lib)[[0, 1], None],
    "index_none_list_none_slice": lambda lib: _x(lib)[None, [0, 1], None, 1:],
    "index_true": lambda lib: _x(lib)[True],
    "index_false": lambda lib: _x(lib)[False],
    "index_0d_bool_tensor": lambda lib: _x(lib)[lib.tensor(True)],
    "index_int_true": lambda lib: _x(lib)[0, True],
    "index_none_true": lambda lib: _x(lib)[None, True],
    "select": lambda lib: _x(lib).select(1, -1),
    "narrow": lambda lib: _x(lib).narrow(1, 1, 2),
    "narrow_whole": lambda lib: _x(lib).narrow(0, 0, 4),
}

SHAPE_GRAPHS = {
    "t": lambda lib: _x(lib, (3, 4)).t(),
    "t_1d": lambda lib: _x(lib, (6,)).t(),
    "transpose": lambda lib: _x(lib).transpose(0, 1),
    "torch_transpose": lambda lib: lib.transpose(_x(lib), 0, 2),
    "swapaxes": lambda lib: _x(lib).swapaxes(0, 2),
    "mT": lambda lib: _x(lib).mT,
    "T": lambda lib: _x(lib, (3, 4)).T,
    "permute": lambda lib: _x(lib).permute(2, 0, 1),
    "movedim": lambda lib: lib.movedim(_x(lib), 0, 2),
    "squeeze_all": lambda lib: _x(lib)[:, :1].squeeze(),
    "squeeze_dim": lambda lib: _x(lib)[:, :1].squeeze(1),
    "squeeze_dim_not_one": lambda lib: _x(lib).squeeze(0),
    "squeeze_dims": lambda lib: _x(lib)[:, :1].squeeze((1,)),
    "squeeze_two_dims": lambda lib: _x(lib)[:1, :1].squeeze((0, 1)),
    "squeeze_nothing": lambda lib: _x(lib).squeeze(),
    "unsqueeze": lambda lib: _x(lib).unsqueeze(0),
    "unsqueeze_last": lambda lib: _x(lib).unsqueeze(-1),
    "unsqueeze_squeeze": lambda lib: _x(lib).unsqueeze(0).squeeze(0),
    "flatten": lambda lib: _x(lib).flatten(),
    "flatten_start": lambda lib: _x(lib).flatten(1),
    "flatten_copy": lambda lib: _x(lib).transpose(0, 1).flatten(0, 1),
    "reshape_view": lambda lib: _x(lib).reshape(12, 5),
    "reshape_same": lambda lib: _x(lib).reshape(4, 3, 5),
    "reshape_copy": lambda lib: _x(lib).transpose(0, 1).reshape(12, 5),
    "reshape_copy_flat": lambda lib: _x(lib).transpose(0, 1).reshape(-1),
    "view": lambda lib: _x(lib).view(12, 5),
    "unflatten": lambda lib: _x(lib).unflatten(0, (2, 2)),
    "expand": lambda lib: _x(lib).expand(2, 4, 3, 5),
    "expand_same": lambda lib: _x(lib).expand(4, 3, 5),
    "expand_slice": lambda lib: _x(lib)[:, :1].expand(4, 3, 5),
    "contiguous_copy": lambda lib: _x(lib).transpose(0, 1).contiguous(),
    "clone": lambda lib: _x(lib).clone(),
    "split": lambda lib: _x(lib).split(2)[1],
    "split_dim": lambda lib: _x(lib).split(2, dim=1)[0],
    "split_sizes": lambda lib: _x(lib).split([1, 3])[1],
    "chunk": lambda lib: _x(lib).chunk(3, 1)[2],
    "unbind": lambda lib: _x(lib).unbind()[2],
    "unbind_dim": lambda lib: _x(lib).unbind(1)[0],
    "split_used_twice": lambda lib: (lambda p: p[0] * p[1])(_x(lib).split(2)),
    "unbind_used_twice": lambda lib: (lambda p: p[0] + p[3])(_x(lib).unbind()),
    "cat": lambda lib: lib.cat([_x(lib), _x(lib)], 1),
    "stack": lambda lib: lib.stack([_x(lib), _x(lib)]),
    "stack_dim": lambda lib: lib.stack([_x(lib), _x(lib, (4, 3, 5)).detach()], 2),
    "cat_skips_legacy_empty": lambda lib: lib.cat([_x(lib), lib.zeros(0)]),
    "cat_legacy_empty_grad": lambda lib: lib.cat([_x(lib, (0,)), _x(lib), _x(lib)]),
    "cat_only_empties": lambda lib: lib.cat([_x(lib, (0,)), _x(lib, (0,))]),
    "cat_promotes_inside": lambda lib: lib.cat([_x(lib).float(), _x(lib)]),
    "cat_promotes_vectors": lambda lib: lib.cat([_x(lib, (6,)), _x(lib, (0,)).float()]),
    "stack_promotes_inside": lambda lib: lib.stack([_x(lib), _x(lib).float()], 1),
    "squeeze_inplace": lambda lib: _x(lib)[:, :1].clone().squeeze_(),
    "squeeze_inplace_dim": lambda lib: _x(lib)[:, :1].clone().squeeze_(1),
    "squeeze_inplace_dims": lambda lib: _x(lib)[:, :1].clone().squeeze_((1,)),
    "unsqueeze_inplace": lambda lib: _x(lib).clone().unsqueeze_(0),
    "transpose_inplace": lambda lib: _x(lib).clone().transpose_(0, 1),
    "swapaxes_inplace": lambda lib: _x(lib).clone().swapaxes_(0, 2),
    "t_inplace": lambda lib: _x(lib, (3, 4)).clone().t_(),
    "flip": lambda lib: _x(lib).flip(0, 1),
    "roll": lambda lib: _x(lib).roll(1, 0),
    "roll_flat": lambda lib: _x(lib).roll(7),
    "roll_dims": lambda lib: _x(lib).roll((1, 2), (0, -1)),
    "repeat": lambda lib: _x(lib).repeat(2, 1, 1),
    "repeat_lead": lambda lib: _x(lib, (3, 2)).repeat(2, 1, 3),
    "repeat_ones": lambda lib: _x(lib).repeat(1, 1, 1),
    "tile": lambda lib: lib.tile(_x(lib), (2,)),
    "unfold": lambda lib: _x(lib).unfold(0, 2, 1),
    "sum_to_size": lambda lib: _x(lib).sum_to_size(1, 3, 5),
    "sum_to_size_lead": lambda lib: _x(lib).sum_to_size(3, 1),
}

REDUCTION_GRAPHS = {
    "sum": lambda lib: _x(lib).sum(),
    "sum_dim": lambda lib: _x(lib).sum(0),
    "sum_dims_keepdim": lambda lib: _x(lib).sum((0, 1), keepdim=True),
    "sum_empty_dims": lambda lib: lib.sum(_x(lib), dim=()),
    "mean": lambda lib: _x(lib).mean(),
    "mean_dim": lambda lib: _x(lib).mean(0),
    "mean_dims_keepdim": lambda lib: _x(lib).mean((0, 1), keepdim=True),
    "prod": lambda lib: _x(lib).prod(),
    "prod_dim": lambda lib: _x(lib).prod(1),
    "max": lambda lib: _x(lib).max(),
    "max_dim": lambda lib: _x(lib).max(0)[0],
    "min_dim": lambda lib: _x(lib).min(1, keepdim=True)[0],
    "amax": lambda lib: _x(lib).amax(0),
    "amin": lambda lib: _x(lib).amin((0, 1)),
    "std": lambda lib: _x(lib).std(),
    "std_dim": lambda lib: _x(lib).std(0, keepdim=True),
    "std_correction": lambda lib: _x(lib).std((0, 2), correction=0),
    "var": lambda lib: _x(lib).var(1),
    "logsumexp": lambda lib: _x(lib).logsumexp(0),
    "logsumexp_dims": lambda lib: _x(lib).logsumexp((0, 1)),
    "softmax": lambda lib: _x(lib).softmax(0),
    "log_softmax": lambda lib: lib.nn.functional.log_softmax(_x(lib), 1),
    "norm": lambda lib: _x(lib).norm(dim=0),
    "cumsum": lambda lib: _x(lib).cumsum(0),
    "sort": lambda lib: _x(lib).sort(0)[0],
    "topk": lambda lib: _x(lib).topk(2)[0],
    "std_0d": lambda lib: _x(lib, ()).std(),
    "std_no_dof": lambda lib: _x(lib, (2, 3)).std(correction=6),
    "std_one_element": lambda lib: _x(lib, (1,)).std(),
    "sort_0d": lambda lib: _x(lib, ()).sort()[0],
    "topk_0d": lambda lib: _x(lib, ()).topk(1)[0],
    "cumsum_0d": lambda lib: _x(lib, ()).cumsum(0),
    "max_dim_0d": lambda lib: _x(lib, ()).max(0)[0],
    "min_dim_0d": lambda lib: _x(lib, ()).min(0, keepdim=True)[0],
    "index_select_0d": lambda lib: _x(lib, ()).index_select(0, lib.tensor([0])),
    "roll_empty": lambda lib: _x(lib, (0, 3)).roll(1),
}


def _idx(lib, *values):
    return lib.tensor(list(values))


def _scatter_reduce(lib, reduce, include_self, src_shape=(2, 3)):
    """Positions hit 0, 1 or 2 times (a larger source: only its leading block is read)."""
    index = lib.tensor([[0, 0, 2], [1, 2, 2]])
    return _x(lib, (2, 4)).scatter_reduce(1, index, _x(lib, src_shape), reduce, include_self=include_self)


INDEX_OP_GRAPHS = {
    "index_select": lambda lib: _x(lib).index_select(1, _idx(lib, 2, 0)),
    "index_select_of_select": lambda lib: _x(lib)[0].index_select(0, _idx(lib, 0)),
    "take": lambda lib: lib.take(_x(lib), lib.tensor([[0, -1], [7, 3]])),
    "masked_fill": lambda lib: _x(lib, (4, 3)).masked_fill(_mask(lib), 0.5),
    "masked_fill_broadcast": lambda lib: _x(lib, (3,)).masked_fill(_mask(lib), 0.5),
    "masked_fill_tensor": lambda lib: _x(lib, (4, 3)).masked_fill(_mask(lib), lib.tensor(2.0)),
    "masked_fill_grad_tensor": lambda lib: _x(lib, (4, 3)).masked_fill(_mask(lib), _x(lib, ())),
    "masked_select": lambda lib: _x(lib, (4, 3)).masked_select(_mask(lib)),
    "masked_select_broadcast": lambda lib: _x(lib, (3,)).masked_select(_mask(lib)),
    "masked_scatter": lambda lib: _x(lib, (4, 3)).masked_scatter(_mask(lib), _x(lib, (4, 3))),
    "masked_scatter_broadcast": lambda lib: _x(lib, (3,)).masked_scatter(_mask(lib), _x(lib, (4, 3))),
    "scatter_value": lambda lib: _x(lib, (4, 3)).scatter(1, lib.zeros(4, 1, dtype=lib.long), 2.0),
    "scatter_src": lambda lib: _x(lib, (4, 3)).scatter(1, lib.zeros(4, 1, dtype=lib.long), _x(lib, (4, 1))),
    "scatter_empty_index_value": lambda lib: _x(lib, (4, 3)).scatter(1, lib.zeros(0, dtype=lib.long), 2.0),
    "scatter_reduce_sum": lambda lib: _scatter_reduce(lib, "sum", True),
    "scatter_reduce_sum_exclude": lambda lib: _scatter_reduce(lib, "sum", False),
    "scatter_reduce_mean": lambda lib: _scatter_reduce(lib, "mean", True),
    "scatter_reduce_mean_exclude": lambda lib: _scatter_reduce(lib, "mean", False),
    "scatter_reduce_prod": lambda lib: _scatter_reduce(lib, "prod", True),
    "scatter_reduce_prod_exclude": lambda lib: _scatter_reduce(lib, "prod", False),
    "scatter_reduce_amax_exclude": lambda lib: _scatter_reduce(lib, "amax", False),
    "index_add": lambda lib: _x(lib).index_add(0, _idx(lib, 0, 1), _x(lib)[:2], alpha=2),
    "index_copy": lambda lib: _x(lib).index_copy(0, _idx(lib, 0, 1), _x(lib)[:2]),
    "index_fill": lambda lib: _x(lib).index_fill(0, _idx(lib, 0, 2), 2.0),
    "index_fill_tensor": lambda lib: _x(lib).index_fill(1, _idx(lib, 1), lib.tensor(2.0)),
    "index_fill_grad_tensor": lambda lib: _x(lib).index_fill(1, _idx(lib, 1), _x(lib, ())),
    "diag_of_matrix": lambda lib: lib.diag(_x(lib, (3, 4))),
    "diag_of_matrix_offset": lambda lib: lib.diag(_x(lib, (3, 4)), -1),
    "diag_of_vector": lambda lib: lib.diag(_x(lib, (3,))),
    "diag_of_vector_offset": lambda lib: lib.diag(_x(lib, (3,)), 2),
    "var_mean": lambda lib: (lambda o: o[0] * o[1])(lib.var_mean(_x(lib), 0)),
    "var_mean_all": lambda lib: lib.var_mean(_x(lib))[1],
    "std_mean": lambda lib: (lambda o: o[0] + o[1])(lib.std_mean(_x(lib), (0, 2), keepdim=True)),
    "std_mean_all": lambda lib: lib.std_mean(_x(lib), correction=0)[0],
}

GRAPHS.update(INDEX_GRAPHS)
GRAPHS.update(INDEX_OP_GRAPHS)
GRAPHS.update(SHAPE_GRAPHS)
GRAPHS.update(REDUCTION_GRAPHS)


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


@pytest.mark.parametrize("name", [*INDEX_GRAPHS, *INDEX_OP_GRAPHS, *SHAPE_GRAPHS, *REDUCTION_GRAPHS])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_graph_gradgrad_matches_torch(name):
    """Second derivatives through the new nodes: grad of <grad(sum(out * R)), S> against torch's."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        out, leaves = _build(name, lib)
        leaves = [t for t in leaves if t.requires_grad]
        r = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
        grads = lib.autograd.grad((out * r).sum(), leaves, create_graph=True, allow_unused=True)
        total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
        if not isinstance(total, lib.Tensor):
            results.append(None)
            continue
        results.append([None if g is None else g.numpy() for g in lib.autograd.grad(total, leaves, allow_unused=True)])
    # no second-order graph at all (None) counts as zero second derivatives
    ours, theirs = ([None] * len(leaves) if r is None else r for r in results)
    for a, b in zip(ours, theirs):
        if a is None or b is None:
            assert not np.any(a if b is None else b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_one_accumulate_grad_node_per_leaf():
    x = mt.randn(3, requires_grad=True)
    a, b = x * 2, x.exp()
    assert a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0]
    assert a.grad_fn.next_functions[0][0].variable is x


def test_accumulate_grad_node_keeps_no_cycle_with_its_leaf():
    x = mt.randn(3, requires_grad=True)
    node = (x * 2).grad_fn.next_functions[0][0]
    ref = weakref.ref(x)
    del node, x
    gc.disable()
    try:
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_accumulate_grad_node_of_a_copied_leaf_is_its_own():
    import copy

    x = mt.randn(3, requires_grad=True)
    node = (x * 2).grad_fn.next_functions[0][0]
    y = copy.deepcopy(x)
    assert (y * 2).grad_fn.next_functions[0][0].variable is y
    assert node.variable is x


def test_split_outputs_share_one_node():
    x = mt.randn(4, 3, requires_grad=True)
    a, b = x.split(2)
    assert a.grad_fn is b.grad_fn and (a.output_nr, b.output_nr) == (0, 1)
    (b * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.repeat([[0.0], [3.0]], 2, axis=0).repeat(3, axis=1))


def test_select_slice_backward_writes_one_slice():
    x = mt.zeros(4, 3, dtype=mt.float64, requires_grad=True)
    g = mt.autograd.grad(x[1:3, 2].sum() * 1.0, x)[0]
    expect = np.zeros((4, 3))
    expect[1:3, 2] = 1
    np.testing.assert_array_equal(g.numpy(), expect)


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t[1:3, 0],
        lambda t: t[None, -1, ::2],
        lambda t: t[..., None, 1],
        lambda t: t[:, [0, 2], 1:],
        lambda t: t[True, 0],
        lambda t: t.split(2)[1] * t.split(2)[0],
        lambda t: t.unbind(2)[1],
        lambda t: mt.stack([t, t * 2], 1),
        lambda t: t[:, :1].squeeze(),
        lambda t: t.transpose(0, 2).reshape(-1),
        lambda t: t.roll((1, -2), (0, 2)),
        lambda t: t.repeat(2, 1, 1, 2),
        lambda t: t.std(1),
        lambda t: t.sum_to_size(3, 1),
    ],
)
def test_new_nodes_gradcheck(fn):
    x = mt.tensor(np.random.default_rng(0).standard_normal((4, 3, 5)), requires_grad=True)
    assert mt.autograd.gradcheck(fn, (x,))
    assert mt.autograd.gradgradcheck(fn, (x,))


@pytest.mark.parametrize("reduce", ["sum", "mean", "prod", "amax"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_larger_source_gradcheck(reduce, include_self):
    """Only the source's leading block is read (torch's own backward fails on such a source)."""
    x = mt.tensor(np.random.default_rng(0).standard_normal((2, 4)), requires_grad=True)
    src = mt.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    index = mt.tensor([[0, 0, 2], [1, 2, 2]])

    def fn(a, b):
        return a.scatter_reduce(1, index, b, reduce, include_self=include_self)

    assert mt.autograd.gradcheck(fn, (x, src))
    assert mt.autograd.gradgradcheck(fn, (x, src))


_DTYPE_REDUCTIONS = {
    "sum": lambda t, d: t.sum(dtype=d),
    "sum_dim": lambda t, d: t.sum(1, dtype=d),
    "mean": lambda t, d: t.mean(dtype=d),
    "mean_dims": lambda t, d: t.mean((0, 1), dtype=d),
    "cumsum": lambda t, d: t.cumsum(1, dtype=d),
    "prod_dim": lambda t, d: t.prod(1, dtype=d),
    "prod": lambda t, d: t.prod(dtype=d),
}


@pytest.mark.parametrize("name", list(_DTYPE_REDUCTIONS))
@pytest.mark.parametrize("src, dst", [("float32", "float64"), ("float64", "float32")])
def test_reduction_dtype_argument_casts_inside_the_node(name, src, dst):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        x = lib.tensor(np.random.default_rng(0).uniform(0.5, 1.5, (3, 4)), dtype=getattr(lib, src), requires_grad=True)
        out = _DTYPE_REDUCTIONS[name](x, getattr(lib, dst))
        (g,) = lib.autograd.grad((out * out).sum(), x)
        results.append(
            (_tree(out.grad_fn), str(out.dtype), str(g.dtype), out.detach().double().numpy(), g.double().numpy())
        )
    (t1, d1, gd1, v1, g1), (t2, d2, gd2, v2, g2) = results
    assert (d1, gd1) == (d2, gd2)
    assert t1 == t2
    tol = 1e-6 if "float32" in (src, dst) else 1e-12
    np.testing.assert_allclose(v1, v2, rtol=tol)
    np.testing.assert_allclose(g1, g2, rtol=tol * 10)


@pytest.mark.parametrize("op, name", [("scatter", "ScatterBackward0"), ("scatter_add", "ScatterAddBackward0")])
def test_scatter_with_an_empty_index_is_the_ops_node(op, name):
    x, src = mt.randn(4, 3, requires_grad=True), mt.randn(2, requires_grad=True)
    out = getattr(x, op)(1, mt.zeros(0, dtype=mt.int64), src)
    assert out.grad_fn.name() == name and out.grad_fn.next_functions[1][0].variable is src
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((4, 3)))
    np.testing.assert_array_equal(src.grad.numpy(), np.zeros(2))  # torch's own backward fails here


@pytest.mark.parametrize("dim", [None, 1])
@pytest.mark.filterwarnings("ignore:Input #0 requires gradient and is not a double")
def test_prod_with_dtype_second_derivative_reaches_the_input(dim):
    x = mt.tensor(np.random.default_rng(0).uniform(0.5, 1.5, (3, 4)), dtype=mt.float32, requires_grad=True)

    def fn(t):
        return (t.prod(dtype=mt.float64) if dim is None else t.prod(dim, dtype=mt.float64)).to(mt.float32)

    assert mt.autograd.gradgradcheck(fn, (x,), eps=1e-3, atol=1e-2, rtol=1e-2)


def _setitem_graph(lib, key_of, value_of):
    x = _leaf(lib, (3, 4)).clone()
    x[key_of(lib)] = value_of(lib)
    return x


SETITEM_GRAPHS = {
    "setitem_int": lambda lib: _setitem_graph(lib, lambda L: 0, lambda L: 2.0),
    "setitem_partial_slice": lambda lib: _setitem_graph(lib, lambda L: slice(0, 2), lambda L: 2.0),
    "setitem_full_slice_scalar": lambda lib: _setitem_graph(lib, lambda L: slice(None), lambda L: 2.0),
    "setitem_full_slice_0d": lambda lib: _setitem_graph(lib, lambda L: Ellipsis, lambda L: _leaf(L, ())),
    "setitem_full_slice_tensor": lambda lib: _setitem_graph(lib, lambda L: slice(0, 9), lambda L: _leaf(L, (3, 4))),
    "setitem_index": lambda lib: _setitem_graph(lib, lambda L: L.tensor([0, 2]), lambda L: 2.0),
    "setitem_mask": lambda lib: _setitem_graph(lib, lambda L: L.tensor([True, False, True]), lambda L: 2.0),
    "setitem_colon_index": lambda lib: _setitem_graph(lib, lambda L: (slice(None), L.tensor([1])), lambda L: 2.0),
    "setitem_none": lambda lib: _setitem_graph(lib, lambda L: (None, slice(None)), lambda L: 2.0),
    "minimum": lambda lib: lib.minimum(_leaf(lib, (3,)), _leaf(lib, (3,))),
    "tril": lambda lib: lib.tril(_leaf(lib, (3, 4)), 1),
    "triu": lambda lib: lib.triu(_leaf(lib, (3, 4)), -1),
}


@pytest.mark.parametrize("name", list(SETITEM_GRAPHS))
def test_setitem_and_triangle_nodes_match_torch(name):
    torch = pytest.importorskip("torch")
    _STATE["rng"], _STATE["leaves"] = np.random.default_rng(0), []
    ours = SETITEM_GRAPHS[name](mt)
    _STATE["rng"], _STATE["leaves"] = np.random.default_rng(0), []
    theirs = SETITEM_GRAPHS[name](torch)
    assert _tree(ours.grad_fn) == _tree(theirs.grad_fn)
    assert repr(ours).endswith(repr(theirs).rsplit("grad_fn=", 1)[-1])


def test_triangles_zero_nan_outside_and_gradcheck():
    x = mt.tensor([[1.0, float("nan")], [float("inf"), 2.0]])
    assert mt.tril(x).tolist()[0][1] == 0.0 and mt.triu(x).tolist()[1][0] == 0.0
    a = mt.randn(3, 4, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: mt.tril(t, -1), (a,))
    assert mt.autograd.gradgradcheck(lambda t: mt.triu(t, 1), (a,))
