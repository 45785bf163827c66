"""MultiheadAttention and the Transformer family: against torch with copied weights (outputs and gradients)."""

import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch import nn


def _copy_weights(t_mod, m_mod) -> None:
    """torch's state dict loaded into the microtorch module (the keys must agree)."""
    t_state = t_mod.state_dict()
    assert sorted(t_state) == sorted(m_mod.state_dict())
    m_mod.load_state_dict({k: mt.tensor(v.detach().numpy().copy()) for k, v in t_state.items()})


def _build(torch, name, *args, **kwargs):
    """The same module in torch and microtorch, float64, torch's weights in ours."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_mod = getattr(torch.nn, name)(*args, **kwargs).double()
        m_mod = getattr(nn, name)(*args, **kwargs).double()
    _copy_weights(t_mod, m_mod)
    return t_mod, m_mod


def _inputs(torch, shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    return [torch.tensor(a, requires_grad=True) for a in arrays], [mt.tensor(a, requires_grad=True) for a in arrays]


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def _check(torch, t_mod, m_mod, t_in, m_in, t_kw=None, m_kw=None, training=True):
    """Outputs, and gradients of sum(out * w) for inputs and parameters, agree with torch's."""
    t_mod.train(training)
    m_mod.train(training)
    t_out, m_out = t_mod(*t_in, **(t_kw or {})), m_mod(*m_in, **(m_kw or {}))
    t_o, m_o = _first(t_out), _first(m_out)
    np.testing.assert_allclose(m_o.detach().numpy(), t_o.detach().numpy(), rtol=1e-9, atol=1e-11)
    if isinstance(t_out, tuple) and t_out[1] is not None:
        np.testing.assert_allclose(m_out[1].detach().numpy(), t_out[1].detach().numpy(), rtol=1e-9, atol=1e-11)
    w = np.random.default_rng(7).standard_normal(tuple(t_o.shape))
    names = [n for n, _ in t_mod.named_parameters()]
    m_params = dict(m_mod.named_parameters())
    t_grads = torch.autograd.grad(
        (t_o * torch.tensor(w)).sum(), t_in + [p for _, p in t_mod.named_parameters()], allow_unused=True
    )
    m_grads = mt.autograd.grad((m_o * mt.tensor(w)).sum(), m_in + [m_params[n] for n in names], allow_unused=True)
    for label, t, m in zip([f"input {i}" for i in range(len(t_in))] + names, t_grads, m_grads):
        t = np.zeros(1) if t is None else t.numpy()
        m = np.zeros(1) if m is None else m.numpy()
        np.testing.assert_allclose(m, t, rtol=1e-8, atol=1e-10, err_msg=label)


def _masks(torch, arrays: dict):
    return {k: torch.tensor(v) for k, v in arrays.items()}, {k: mt.tensor(v) for k, v in arrays.items()}


# --- MultiheadAttention -----------------------------------------------------------------

MHA_CASES = {
    "self": ({}, "self", {}),
    "cross kdim vdim": ({"kdim": 3, "vdim": 5}, "cross", {}),
    "batch_first": ({"batch_first": True}, "self", {}),
    "bias_kv zero_attn": ({"add_bias_kv": True, "add_zero_attn": True}, "cross", {}),
    "no bias": ({"bias": False}, "self", {}),
    "per-head weights": ({}, "self", {"average_attn_weights": False}),
    "no weights": ({}, "cross", {"need_weights": False}),
}


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("name", list(MHA_CASES))
def test_multihead_attention_matches_torch(name, training):
    torch = pytest.importorskip("torch")
    ctor, kind, call = MHA_CASES[name]
    t_mod, m_mod = _build(torch, "MultiheadAttention", 4, 2, dropout=0.0, **ctor)
    kdim, vdim = ctor.get("kdim", 4), ctor.get("vdim", 4)
    if kind == "self":
        t_in, m_in = _inputs(torch, [(3, 2, 4)])
        t_in, m_in = t_in * 3, m_in * 3
    else:
        t_in, m_in = _inputs(torch, [(3, 2, 4), (5, 2, kdim), (5, 2, vdim)])
    _check(torch, t_mod, m_mod, t_in, m_in, call, call, training)


@pytest.mark.parametrize("mask_dtype", [bool, np.float64])
def test_multihead_attention_masks_match_torch(mask_dtype):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _build(torch, "MultiheadAttention", 4, 2)
    rng = np.random.default_rng(3)
    kpm = rng.random((2, 5)) > 0.7
    attn = rng.random((2 * 2, 3, 5)) > 0.7
    if mask_dtype is not bool:
        kpm, attn = np.where(kpm, -np.inf, 0.0), rng.standard_normal((3, 5))
    t_kw, m_kw = _masks(torch, {"key_padding_mask": kpm, "attn_mask": attn})
    t_in, m_in = _inputs(torch, [(3, 2, 4), (5, 2, 4), (5, 2, 4)])
    _check(torch, t_mod, m_mod, t_in, m_in, t_kw, m_kw)
    _check(torch, t_mod, m_mod, t_in, m_in, dict(t_kw, need_weights=False), dict(m_kw, need_weights=False))


def test_multihead_attention_unbatched_and_causal_hint():
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _build(torch, "MultiheadAttention", 4, 2, batch_first=True)
    causal = np.triu(np.ones((3, 3), bool), 1)
    t_kw, m_kw = _masks(torch, {"attn_mask": causal})
    t_in, m_in = _inputs(torch, [(3, 4)])
    _check(torch, t_mod, m_mod, t_in * 3, m_in * 3, t_kw, m_kw)
    extra = {"is_causal": True, "need_weights": False}
    t_in, m_in = _inputs(torch, [(2, 3, 4)])
    _check(torch, t_mod, m_mod, t_in * 3, m_in * 3, dict(t_kw, **extra), dict(m_kw, **extra))


def test_multihead_attention_parameters_and_init():
    m = nn.MultiheadAttention(6, 3, kdim=2, vdim=5, add_bias_kv=True)
    assert (
        m.in_proj_weight is None and tuple(m.k_proj_weight.shape) == (6, 2) and tuple(m.v_proj_weight.shape) == (6, 5)
    )
    assert isinstance(m.out_proj, nn.Linear) and type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    bound = np.sqrt(6.0 / (6 + 2))  # xavier_uniform_ of the (6, 2) key projection
    assert np.abs(m.k_proj_weight.detach().numpy()).max() <= bound
    packed = nn.MultiheadAttention(4, 2, bias=False)
    assert (
        packed.in_proj_bias is None and packed.out_proj.bias is None and tuple(packed.in_proj_weight.shape) == (12, 4)
    )


def test_multihead_attention_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    for kwargs in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        assert sorted(torch.nn.MultiheadAttention(4, 2, **kwargs).state_dict()) == sorted(
            nn.MultiheadAttention(4, 2, **kwargs).state_dict()
        )


@pytest.mark.parametrize(("args", "cls"), [((0, 2), ValueError), ((4, 0), ValueError), ((5, 2), AssertionError)])
def test_multihead_attention_constructor_errors_as_torch(args, cls):
    torch = pytest.importorskip("torch")
    with pytest.raises(cls):
        torch.nn.MultiheadAttention(*args)
    with pytest.raises(cls):
        nn.MultiheadAttention(*args)


def test_multihead_attention_dropout_in_training_only():
    mt.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, dropout=0.5)
    x = mt.randn(6, 2, 4)
    m.eval()
    first, second = m(x, x, x)[1], m(x, x, x)[1]
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    m.train()
    assert not np.array_equal(m(x, x, x)[1].detach().numpy(), first.detach().numpy())


# --- encoder / decoder layers and stacks ---------------------------------------------------

LAYER_CASES = {
    "post-norm": {},
    "pre-norm gelu": {"norm_first": True, "activation": "gelu"},
    "batch_first no bias": {"batch_first": True, "bias": False},
    "callable activation eps": {"activation": "callable", "layer_norm_eps": 1e-3},
}


def _layer_kwargs(torch, lib, case):
    kwargs = dict(LAYER_CASES[case], dim_feedforward=8, dropout=0.0)
    if kwargs.get("activation") == "callable":
        kwargs["activation"] = lib.tanh
    return kwargs


def _build_pair(torch, name, case, *args):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_mod = getattr(torch.nn, name)(*args, **_layer_kwargs(torch, torch, case)).double()
        m_mod = getattr(nn, name)(*args, **_layer_kwargs(torch, mt, case)).double()
    _copy_weights(t_mod, m_mod)
    return t_mod, m_mod


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_encoder_layer_matches_torch(case, training):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _build_pair(torch, "TransformerEncoderLayer", case, 4, 2)
    t_in, m_in = _inputs(torch, [(2, 3, 4) if LAYER_CASES[case].get("batch_first") else (3, 2, 4)])
    kpm = np.array([[False, False, True], [False, True, False]])
    t_kw, m_kw = _masks(torch, {"src_key_padding_mask": kpm, "src_mask": np.triu(np.ones((3, 3), bool), 1)})
    _check(torch, t_mod, m_mod, t_in, m_in, training=training)
    _check(torch, t_mod, m_mod, t_in, m_in, t_kw, m_kw, training=training)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_decoder_layer_matches_torch(case, training):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = _build_pair(torch, "TransformerDecoderLayer", case, 4, 2)
    shapes = [(3, 2, 4), (5, 2, 4)] if not LAYER_CASES[case].get("batch_first") else [(2, 3, 4), (2, 5, 4)]
    t_in, m_in = _inputs(torch, shapes)
    masks = {
        "tgt_mask": np.triu(np.ones((3, 3), bool), 1),
        "memory_key_padding_mask": np.array([[False] * 4 + [True], [True] + [False] * 4]),
        "tgt_is_causal": True,
    }
    t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
    m_kw = {k: mt.tensor(v) if isinstance(v, np.ndarray) else v for k, v in masks.items()}
    _check(torch, t_mod, m_mod, t_in, m_in, training=training)
    _check(torch, t_mod, m_mod, t_in, m_in, t_kw, m_kw, training=training)


@pytest.mark.parametrize("norm", [False, True])
def test_encoder_and_decoder_stacks_match_torch(norm):
    torch = pytest.importorskip("torch")
    for name, layer_name, shapes in (
        ("TransformerEncoder", "TransformerEncoderLayer", [(3, 2, 4)]),
        ("TransformerDecoder", "TransformerDecoderLayer", [(3, 2, 4), (5, 2, 4)]),
    ):
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_layer = getattr(torch.nn, layer_name)(4, 2, 8, 0.0)
            m_layer = getattr(nn, layer_name)(4, 2, 8, 0.0)
            t_mod = getattr(torch.nn, name)(t_layer, 2, torch.nn.LayerNorm(4) if norm else None).double()
            m_mod = getattr(nn, name)(m_layer, 2, nn.LayerNorm(4) if norm else None).double()
        _copy_weights(t_mod, m_mod)
        assert m_mod.layers[0] is not m_mod.layers[1]
        t_in, m_in = _inputs(torch, shapes)
        causal = {"mask" if name == "TransformerEncoder" else "tgt_mask": np.triu(np.full((3, 3), -np.inf), 1)}
        t_kw, m_kw = _masks(torch, causal)
        _check(torch, t_mod, m_mod, t_in, m_in)
        _check(torch, t_mod, m_mod, t_in, m_in, t_kw, m_kw)


def test_encoder_enable_nested_tensor_warns_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.warns(
        UserWarning, match="use_nested_tensor is False because encoder_layer.self_attn.batch_first"
    ) as t_w:
        t_enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2), 1)
    with pytest.warns(UserWarning) as m_w:
        m_enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2), 1)
    assert str(m_w[0].message) == str(t_w[0].message)
    assert (m_enc.enable_nested_tensor, m_enc.use_nested_tensor) == (
        t_enc.enable_nested_tensor,
        t_enc.use_nested_tensor,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = nn.TransformerEncoderLayer(4, 2, batch_first=True)
        assert nn.TransformerEncoder(layer, 1).use_nested_tensor
        assert not nn.TransformerEncoder(layer, 1, enable_nested_tensor=False).use_nested_tensor


# --- Transformer ------------------------------------------------------------------------


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    torch = pytest.importorskip("torch")
    args = {"d_model": 4, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 1, "dim_feedforward": 8}
    t_mod, m_mod = _build(torch, "Transformer", **args, dropout=0.0, batch_first=batch_first)
    shapes = [(5, 2, 4), (3, 2, 4)] if not batch_first else [(2, 5, 4), (2, 3, 4)]
    t_in, m_in = _inputs(torch, shapes)
    masks = {
        "tgt_mask": torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64).numpy(),
        "src_key_padding_mask": np.array([[False] * 4 + [True], [False] * 5]),
        "memory_key_padding_mask": np.array([[False] * 4 + [True], [False] * 5]),
        "tgt_key_padding_mask": np.array([[False, False, True], [False] * 3]),
    }
    t_kw, m_kw = _masks(torch, masks)
    for training in (True, False):
        _check(torch, t_mod, m_mod, t_in, m_in, training=training)
        _check(torch, t_mod, m_mod, t_in, m_in, t_kw, m_kw, training=training)


def test_generate_square_subsequent_mask_as_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(ours.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())
    assert ours.dtype == mt.float32
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=mt.float64).dtype == mt.float64


def test_transformer_init_is_xavier_on_matrices():
    mt.manual_seed(0)
    m = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
    w = m.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6.0 / (8 + 16))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    assert sorted(m.state_dict()) == sorted(pytest.importorskip("torch").nn.Transformer(8, 2, 1, 1, 16).state_dict())


@pytest.mark.parametrize(("src", "tgt"), [((5, 2, 4), (3, 3, 4)), ((5, 2, 4), (3, 2, 6))])
def test_transformer_shape_errors_as_torch(src, tgt):
    torch = pytest.importorskip("torch")
    t_mod = torch.nn.Transformer(4, 2, 1, 1, 8)
    m_mod = nn.Transformer(4, 2, 1, 1, 8)
    with pytest.raises(RuntimeError, match="must be equal") as t_err:
        t_mod(torch.zeros(src), torch.zeros(tgt))
    with pytest.raises(RuntimeError) as m_err:
        m_mod(mt.zeros(src), mt.zeros(tgt))
    assert str(m_err.value) == str(t_err.value)


def test_bad_activation_name_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        torch.nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")


def test_transformer_trains():
    mt.manual_seed(0)
    model = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0)
    opt = mt.optim.Adam(model.parameters(), lr=1e-2)
    src, tgt = mt.randn(5, 4, 8), mt.randn(3, 4, 8)
    target = mt.randn(3, 4, 8)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = ((model(src, tgt) - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0]


def test_encoder_nested_path_zeroes_padding_as_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t_enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 8, 0.0, batch_first=True), 2).eval()
    m_enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, 0.0, batch_first=True), 2).eval()
    _copy_weights(t_enc, m_enc)
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    for kpm in ([[False, False, True], [False, False, False]], [[False, True, False], [False, False, False]]):
        kpm = np.array(kpm)  # the second is not left-aligned: torch keeps the plain path
        with torch.no_grad():
            expected = t_enc(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)).numpy()
        with mt.no_grad():
            got = m_enc(mt.tensor(x), src_key_padding_mask=mt.tensor(kpm)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        assert got[0, 2].any() != (kpm[0].tolist() == [False, False, True])


def test_factory_dtype_and_device_reach_every_parameter():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = nn.Transformer(8, 2, 1, 1, 16, device="cpu", dtype=mt.float64)
    attn = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, device="cpu", dtype=mt.float64)
    for module in (model, attn):
        assert {p.dtype for p in module.parameters()} == {mt.float64}
    with pytest.raises(RuntimeError, match="device"):
        nn.MultiheadAttention(4, 2, device="cuda")
