"""scaled_dot_product_attention and multi_head_attention_forward: against torch, finite differences, errors."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck


def _pair(shape, seed, dtype="float64", requires_grad=True):
    """The same random values as a numpy array and a microtorch tensor."""
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return a, mt.tensor(a, requires_grad=requires_grad)


def _to_torch(torch, arrays, requires_grad=True):
    return [torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]


def _sdpa_both(torch, shapes, mask=None, **kwargs):
    """Outputs and q/k/v gradients of sum(out * w) from torch and microtorch."""
    arrays, ours = zip(*[_pair(s, i) for i, s in enumerate(shapes)])
    theirs = _to_torch(torch, arrays)
    m_mask = None if mask is None else mt.tensor(mask)
    t_mask = None if mask is None else torch.tensor(mask)
    t_out = torch.nn.functional.scaled_dot_product_attention(*theirs, attn_mask=t_mask, **kwargs)
    m_out = F.scaled_dot_product_attention(*ours, attn_mask=m_mask, **kwargs)
    w = np.random.default_rng(9).standard_normal(tuple(t_out.shape))
    t_grads = torch.autograd.grad((t_out * torch.tensor(w)).sum(), theirs)
    m_grads = mt.autograd.grad((m_out * mt.tensor(w)).sum(), list(ours))
    return (t_out, m_out), list(zip(t_grads, m_grads))


CASES = {
    "3d": ([(2, 3, 4), (2, 5, 4), (2, 5, 6)], None, {}),
    "4d": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], None, {}),
    "causal L<S": ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], None, {"is_causal": True}),
    "causal 4d": ([(1, 2, 5, 4), (1, 2, 3, 4), (1, 2, 3, 4)], None, {"is_causal": True}),
    "bool mask": ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], np.random.default_rng(3).random((3, 5)) > 0.4, {}),
    "float mask": (
        [(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)],
        np.random.default_rng(4).standard_normal((2, 1, 3, 5)),
        {},
    ),
    "scale": ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], None, {"scale": 0.3}),
    "negative scale": ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], None, {"scale": -2.0}),
    "gqa": ([(2, 4, 3, 4), (2, 2, 5, 4), (2, 1, 5, 4)], None, {"enable_gqa": True}),
    "broadcast batch": ([(3, 4), (2, 5, 4), (2, 5, 4)], None, {}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_sdpa_matches_torch(name):
    torch = pytest.importorskip("torch")
    shapes, mask, kwargs = CASES[name]
    (t_out, m_out), grads = _sdpa_both(torch, shapes, mask, **kwargs)
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for t_g, m_g in grads:
        np.testing.assert_allclose(m_g.numpy(), t_g.numpy(), rtol=1e-9, atol=1e-12)


def test_sdpa_fully_masked_row_is_zero_with_zero_gradient():
    torch = pytest.importorskip("torch")
    mask = np.ones((3, 5), dtype=bool)
    mask[1] = False
    (t_out, m_out), grads = _sdpa_both(torch, [(2, 3, 4), (2, 5, 4), (2, 5, 4)], mask)
    assert np.all(m_out.detach().numpy()[:, 1] == 0)
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), atol=1e-12)
    for t_g, m_g in grads:
        assert np.isfinite(m_g.numpy()).all()
        np.testing.assert_allclose(m_g.numpy(), t_g.numpy(), atol=1e-12)


def test_sdpa_float32_stays_float32():
    q = mt.randn(2, 3, 4)
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=mt.ones(3, 3, dtype=mt.bool))
    assert out.dtype == mt.float32 and tuple(out.shape) == (2, 3, 4)


def test_sdpa_matches_softmax_formula():
    q, k, v = (_pair(s, i)[0] for i, s in enumerate([(3, 4), (5, 4), (5, 2)]))
    scores = q @ k.T / math.sqrt(4)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v))
    np.testing.assert_allclose(out.numpy(), weights @ v, rtol=1e-12)


def test_sdpa_gradcheck_and_gradgradcheck():
    q, k, v = (_pair(s, i)[1] for i, s in enumerate([(2, 3, 4), (2, 5, 4), (2, 5, 3)]))
    mask = mt.tensor(np.random.default_rng(5).standard_normal((3, 5)), requires_grad=True)

    def fn(q, k, v, m):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m)

    assert gradcheck(fn, (q, k, v, mask))
    assert gradgradcheck(fn, (q, k, v, mask))


def test_sdpa_flash_path_has_no_second_derivative_as_torch():
    torch = pytest.importorskip("torch")
    arrays, ours = zip(*[_pair((1, 2, 3, 4), i) for i in range(3)])
    theirs = _to_torch(torch, arrays)
    t_grads = torch.autograd.grad(
        torch.nn.functional.scaled_dot_product_attention(*theirs).sum(), theirs, create_graph=True
    )
    m_grads = mt.autograd.grad(F.scaled_dot_product_attention(*ours).sum(), list(ours), create_graph=True)
    for t_g, m_g in zip(t_grads, m_grads):
        np.testing.assert_allclose(m_g.detach().numpy(), t_g.detach().numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="not implemented"):
        torch.autograd.grad(sum(g.sum() for g in t_grads), theirs)
    with pytest.raises(RuntimeError, match="_scaled_dot_product_flash_attention_for_cpu_backward"):
        mt.autograd.grad(sum(g.sum() for g in m_grads), list(ours))


def test_sdpa_empty_value_gives_zeros_in_the_graph():
    q = mt.randn(4, 3, 8, requires_grad=True)
    out = F.scaled_dot_product_attention(q, mt.randn(0, 6, 8), mt.randn(0, 6, 5))
    assert tuple(out.shape) == (4, 3, 5) and out.requires_grad
    assert not out.detach().numpy().any()


def test_sdpa_dropout_one_and_negative():
    q = mt.randn(2, 3, 4)
    assert not F.scaled_dot_product_attention(q, q, q, dropout_p=1.0).numpy().any()
    no_drop = F.scaled_dot_product_attention(q, q, q)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, q, q, dropout_p=-0.5).numpy(), no_drop.numpy())


def test_sdpa_dropout_keeps_or_rescales_weights():
    mt.manual_seed(0)
    q = mt.zeros(1, 200, 1)
    v = mt.ones(1, 200, 1)
    out = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5).numpy()
    # uniform weights 1/200 each, kept ones scaled by 2: the row sum is 2 * (kept fraction)
    assert 0.7 < out.mean() < 1.3 and out.std() > 0


SDPA_ERRORS = {
    "dtype mismatch": lambda L, q, k, v: (q, k.double(), v),
    "mask dtype": lambda L, q, k, v: (q, k, v, L.zeros(3, 5, dtype=L.float64)),
    "int mask": lambda L, q, k, v: (q, k, v, L.zeros(3, 5, dtype=L.int64)),
    "1-d": lambda L, q, k, v: (q[0, 0], k[0, 0], v[0, 0]),
    "mask widens": lambda L, q, k, v: (q, k, v, L.zeros(1, 1, 1, 3, 5)),
    "mask not broadcastable": lambda L, q, k, v: (q, k, v, L.zeros(3, 4)),
    "integer inputs": lambda L, q, k, v: (q.long(), k.long(), v.long()),
    "query not a tensor": lambda L, q, k, v: ([1.0], k, v),
}


@pytest.mark.parametrize("name", list(SDPA_ERRORS))
def test_sdpa_errors_as_torch(name):
    torch = pytest.importorskip("torch")
    tq, tk, tv = torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 6)
    mq, mk, mv = (mt.tensor(t.numpy()) for t in (tq, tk, tv))
    with pytest.raises(Exception) as t_err:
        torch.nn.functional.scaled_dot_product_attention(*SDPA_ERRORS[name](torch, tq, tk, tv))
    with pytest.raises(type(t_err.value)):
        F.scaled_dot_product_attention(*SDPA_ERRORS[name](mt, mq, mk, mv))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"is_causal": True, "attn_mask": "mask"},
        {"dropout_p": 1.5},
        {"is_causal": 1},
        {"scale": "a"},
        {"dropout_p": "x"},
        {"enable_gqa": True},
    ],
)
def test_sdpa_argument_errors_as_torch(kwargs):
    torch = pytest.importorskip("torch")
    for lib, fn in ((torch, torch.nn.functional.scaled_dot_product_attention), (mt, F.scaled_dot_product_attention)):
        q = lib.zeros(3, 4)
        kw = {k: (lib.ones(3, 3, dtype=lib.bool) if v == "mask" else v) for k, v in kwargs.items()}
        with pytest.raises((TypeError, RuntimeError, IndexError)) as err:
            fn(q, q, q, **kw)
        if lib is torch:
            expected = type(err.value)
        else:
            assert type(err.value) is expected


def test_sdpa_gqa_head_count_error():
    torch = pytest.importorskip("torch")
    for lib, fn in ((torch, torch.nn.functional.scaled_dot_product_attention), (mt, F.scaled_dot_product_attention)):
        with pytest.raises(RuntimeError, match="Number of heads in key and value must divide"):
            fn(lib.zeros(1, 4, 2, 3), lib.zeros(1, 3, 2, 3), lib.zeros(1, 3, 2, 3), enable_gqa=True)


def test_sdpa_failed_call_leaves_inputs_unchanged():
    q = mt.randn(2, 3, 4)
    before = q.numpy().copy()
    with pytest.raises(RuntimeError):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mt.zeros(3, 3, dtype=mt.float64))
    np.testing.assert_array_equal(q.numpy(), before)


# --- multi_head_attention_forward -------------------------------------------------------


def _mha_args(lib, arrays, separate=False, bias_kv=False):
    t = [lib.tensor(a, requires_grad=True) for a in arrays]
    q, k, v, w_in, b_in, w_out, b_out, bk, bv, wq, wk, wv = t
    return (
        (q, k, v, 4, 2, None if separate else w_in, b_in, bk if bias_kv else None, bv if bias_kv else None),
        {
            "out_proj_weight": w_out,
            "out_proj_bias": b_out,
            "q_proj_weight": wq,
            "k_proj_weight": wk,
            "v_proj_weight": wv,
        },
        t,
    )


def _mha_arrays(kdim=4, vdim=4):
    shapes = [(3, 2, 4), (5, 2, kdim), (5, 2, vdim), (12, 4), (12,), (4, 4), (4,), (1, 1, 4), (1, 1, 4)]
    shapes += [(4, 4), (4, kdim), (4, vdim)]
    return [_pair(s, 20 + i)[0] for i, s in enumerate(shapes)]


MHA_CASES = {
    "weights": {},
    "no weights": {"need_weights": False},
    "per-head weights": {"average_attn_weights": False},
    "bias_kv zero_attn": {"bias_kv": True, "add_zero_attn": True},
    "masks": {"key_padding_mask": "kpm", "attn_mask": "mask"},
    "masks no weights": {"key_padding_mask": "kpm", "attn_mask": "mask", "need_weights": False},
    "separate": {"separate": True, "kdim": 3, "vdim": 5},
    "causal hint": {"attn_mask": "causal", "is_causal": True, "need_weights": False},
}


@pytest.mark.parametrize("name", list(MHA_CASES))
def test_multi_head_attention_forward_matches_torch(name):
    torch = pytest.importorskip("torch")
    opts = dict(MHA_CASES[name])
    separate, bias_kv = opts.pop("separate", False), opts.pop("bias_kv", False)
    arrays = _mha_arrays(opts.pop("kdim", 4), opts.pop("vdim", 4))
    kpm = np.array([[False, False, True, False, True], [False, True, False, False, False]])
    masks = {
        "kpm": kpm,
        "mask": np.random.default_rng(2).random((3, 5)) > 0.7,
        "causal": np.triu(np.ones((3, 5), bool), 1),
    }
    results = []
    for lib, fn in ((torch, torch.nn.functional.multi_head_attention_forward), (mt, F.multi_head_attention_forward)):
        args, kwargs, leaves = _mha_args(lib, arrays, separate, bias_kv)
        kw = {k: (lib.tensor(masks[v]) if isinstance(v, str) else v) for k, v in opts.items()}
        out, weights = fn(
            *args,
            opts.get("add_zero_attn", False),
            0.0,
            training=False,
            use_separate_proj_weight=separate,
            **kwargs,
            **{k: v for k, v in kw.items() if k != "add_zero_attn"},
        )
        grads = lib.autograd.grad(out.sum(), leaves, allow_unused=True)
        results.append((out, weights, grads))
    (t_out, t_w, t_g), (m_out, m_w, m_g) = results
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert (t_w is None) == (m_w is None)
    if t_w is not None:
        np.testing.assert_allclose(m_w.detach().numpy(), t_w.detach().numpy(), rtol=1e-10, atol=1e-12)
    for t, m in zip(t_g, m_g):
        assert (t is None) == (m is None)
        if t is not None:
            np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-9, atol=1e-12)


def test_multi_head_attention_forward_unbatched_and_nan_rows_as_torch():
    torch = pytest.importorskip("torch")
    arrays = _mha_arrays()
    arrays[0], arrays[1], arrays[2] = arrays[0][:, 0], arrays[1][:, 0], arrays[2][:, 0]
    mask = np.zeros((3, 5), bool)
    mask[0] = True  # a fully masked query row: NaN weights with need_weights, as torch's plain softmax
    outs = []
    for lib, fn in ((torch, torch.nn.functional.multi_head_attention_forward), (mt, F.multi_head_attention_forward)):
        args, kwargs, _ = _mha_args(lib, arrays)
        outs.append(fn(*args, False, 0.0, training=False, attn_mask=lib.tensor(mask), **kwargs))
    for t, m in zip(*outs):
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12, equal_nan=True)
    assert np.isnan(outs[1][1].detach().numpy()[0]).all()


MHA_ERRORS = {
    "embed dim": ({"embed_dim_to_check": 5}, AssertionError),
    "4-d query": ({"query": (1, 3, 2, 4)}, AssertionError),
    "kpm rank": ({"key_padding_mask": np.zeros(5, bool)}, AssertionError),
    "attn_mask shape": ({"attn_mask": np.zeros((3, 4), bool)}, RuntimeError),
    "int mask": ({"attn_mask": np.zeros((3, 5), np.int64)}, AssertionError),
    "causal without mask": ({"is_causal": True}, RuntimeError),
    "heads": ({"num_heads": 3}, AssertionError),
}


@pytest.mark.parametrize("name", list(MHA_ERRORS))
def test_multi_head_attention_forward_errors_as_torch(name):
    torch = pytest.importorskip("torch")
    change, cls = MHA_ERRORS[name]
    arrays = _mha_arrays()
    for lib, fn in ((torch, torch.nn.functional.multi_head_attention_forward), (mt, F.multi_head_attention_forward)):
        args, kwargs, _ = _mha_args(lib, arrays)
        q, k, v, e, h, *rest = args
        if "query" in change:
            q = lib.zeros(*change["query"], dtype=lib.float64)
        e, h = change.get("embed_dim_to_check", e), change.get("num_heads", h)
        extra = {n: lib.tensor(change[n]) for n in ("key_padding_mask", "attn_mask") if n in change}
        if "is_causal" in change:
            extra["is_causal"] = True
        with pytest.raises(cls):
            fn(q, k, v, e, h, *rest, False, 0.0, training=False, **kwargs, **extra)


SECOND_ORDER = {
    "3-d": ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], {}),
    "4-d": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], {}),
    "broadcast heads": ([(2, 2, 3, 4), (2, 1, 5, 4), (2, 1, 5, 4)], {}),
    "gqa": ([(2, 2, 3, 4), (2, 1, 5, 4), (2, 1, 5, 4)], {"enable_gqa": True}),
    "gqa k, v differ": ([(2, 4, 3, 4), (2, 2, 5, 4), (2, 1, 5, 4)], {"enable_gqa": True}),
    "value dim": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6)], {}),
    "3-d mask": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], {"attn_mask": (2, 3, 5)}),
    "2-d mask": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], {"attn_mask": (3, 5)}),
    "mask with grad": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], {"attn_mask": (3, 5), "grad": True}),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_sdpa_second_derivative_where_torch_has_one(name):
    torch = pytest.importorskip("torch")
    shapes, opts = SECOND_ORDER[name]
    opts = dict(opts)
    mask_shape, mask_grad = opts.pop("attn_mask", None), opts.pop("grad", False)
    outcomes = []
    for lib, fn in ((torch, torch.nn.functional.scaled_dot_product_attention), (mt, F.scaled_dot_product_attention)):
        qkv = [lib.tensor(_pair(s, i)[0], requires_grad=True) for i, s in enumerate(shapes)]
        mask = None
        if mask_shape is not None:
            mask = lib.tensor(_pair(mask_shape, 7)[0], requires_grad=mask_grad)
        grads = lib.autograd.grad(fn(*qkv, attn_mask=mask, **opts).sum(), qkv, create_graph=True)
        try:
            lib.autograd.grad(sum((g * g).sum() for g in grads), qkv, allow_unused=True)
            outcomes.append("second order")
        except RuntimeError:
            outcomes.append("raises")
    assert outcomes[1] == outcomes[0]


def _numpy_attention(q, k, v, keep, scale):
    """Reference: softmax over the kept keys (a row with none kept gives 0), times v."""
    scores = np.where(keep, q @ np.swapaxes(k, -1, -2) * scale, -np.inf)
    alive = keep.any(-1, keepdims=True)
    scores = np.where(alive, scores, 0.0)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights = np.where(keep | ~alive, weights, 0.0)
    weights = np.where(alive, weights / weights.sum(-1, keepdims=True), 0.0)
    return weights @ v


@given(
    lsev=st.tuples(*[st.integers(1, 4)] * 4),
    batch=st.lists(st.integers(1, 3), max_size=2),
    causal=st.booleans(),
    scale=st.one_of(st.none(), st.floats(-2.0, 2.0)),
    seed=st.integers(0, 2**16),
)
def test_sdpa_matches_numpy_reference(lsev, batch, causal, scale, seed):
    (length, source, e, ev), batch = lsev, tuple(batch)
    rng = np.random.default_rng(seed)
    q, k, v = (rng.standard_normal(batch + s) for s in ((length, e), (source, e), (source, ev)))
    keep = np.tri(length, source, dtype=bool) if causal else rng.random((length, source)) > 0.3
    mask = None if causal else mt.tensor(keep)
    out = F.scaled_dot_product_attention(
        mt.tensor(q), mt.tensor(k), mt.tensor(v), attn_mask=mask, is_causal=causal, scale=scale
    )
    expected = _numpy_attention(q, k, v, keep, 1 / math.sqrt(e) if scale is None else scale)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
