"""Attention: scaled dot-product attention (masks, causal, scale, grouped heads) and multi-head attention's
functional forward (packed or separate projections, bias_k/v, zero attention, masks), dropout off."""

from __future__ import annotations

import numpy as np

from ._core import family
from ._gen import t, ten

A = family("attention")


def _sdpa_mask(rng, lq, s):
    """No mask, a bool mask with every query row keeping a key, or a float (additive, differentiable) one."""
    r = rng.random()
    if r < 0.4:
        return None
    if r < 0.7:
        keep = rng.random(size=(lq, s)) < 0.6
        keep[np.arange(lq), rng.integers(0, s, size=lq)] = True
        return ten(keep, False).bool()
    return t(rng, (lq, s))


def _sdpa(rng, f):
    n, h, lq, s, e, ev = (int(v) for v in rng.integers(1, 4, size=6))
    gqa = bool(rng.random() < 0.3)
    hk = h
    if gqa:
        hk, h = h, h * int(rng.integers(1, 3))
    q, k, v = t(rng, (n, h, lq, e)), t(rng, (n, hk, s, e)), t(rng, (n, hk, s, ev))
    kw = dict(enable_gqa=gqa) if gqa else {}
    if rng.random() < 0.3:
        kw["scale"] = float(rng.uniform(0.3, 1.5))
    mask = None if rng.random() < 0.3 else _sdpa_mask(rng, lq, s)
    if mask is None and rng.random() < 0.4:
        kw["is_causal"] = True
    if mask is not None and mask.requires_grad:
        return (lambda q, k, v, m: f(q, k, v, attn_mask=m, **kw)), (q, k, v, mask)
    return (lambda q, k, v: f(q, k, v, attn_mask=mask, **kw)), (q, k, v)


def _mha_projections(rng, e, separate: bool):
    """The projection weights (and biases) as named arguments, and which of them are checked inputs."""
    named = dict(out_proj_weight=t(rng, (e, e)), out_proj_bias=t(rng, (e,)) if rng.random() < 0.7 else None)
    if separate:
        named.update(q_proj_weight=t(rng, (e, e)), k_proj_weight=t(rng, (e, e)), v_proj_weight=t(rng, (e, e)))
        named["in_proj_weight"] = None
    else:
        named["in_proj_weight"] = t(rng, (3 * e, e))
    named["in_proj_bias"] = t(rng, (3 * e,)) if rng.random() < 0.7 else None
    kv = rng.random() < 0.3
    named.update(bias_k=t(rng, (1, 1, e)) if kv else None, bias_v=t(rng, (1, 1, e)) if kv else None)
    return named


def _mha(need_weights: bool):
    """``multi_head_attention_forward``; with ``need_weights`` torch takes its math path (twice differentiable)."""

    def build(rng, f):
        return _mha_case(rng, f, need_weights)

    return build


def _mha_case(rng, f, need_weights: bool):
    heads = int(rng.integers(1, 3))
    e = heads * int(rng.integers(1, 3))
    lq, s, n = (int(v) for v in rng.integers(1, 4, size=3))
    batched = bool(rng.random() < 0.7)
    side = (n, e) if batched else (e,)
    q, k, v = t(rng, (lq, *side)), t(rng, (s, *side)), t(rng, (s, *side))
    separate = bool(rng.random() < 0.3)
    named = _mha_projections(rng, e, separate)
    fixed = dict(
        add_zero_attn=bool(rng.random() < 0.3),
        need_weights=need_weights,
        use_separate_proj_weight=separate,
        average_attn_weights=bool(rng.random() < 0.5),
    )
    if batched and rng.random() < 0.3:
        pad = rng.random(size=(n, s)) < 0.3
        pad[:, 0] = False  # every query keeps a key
        fixed["key_padding_mask"] = ten(pad, False).bool()
    names = tuple(k for k, p in named.items() if p is not None)
    absent = {k: None for k, p in named.items() if p is None}

    def fn(q, k, v, *params):
        out, w = f(q, k, v, e, heads, dropout_p=0.0, training=False, **dict(zip(names, params)), **absent, **fixed)
        return (out, w) if w is not None else out

    return fn, (q, k, v, *(named[k] for k in names))


# torch's CPU kernel of scaled_dot_product_attention (flash attention) has no second derivative:
# "derivative for aten::_scaled_dot_product_flash_attention_for_cpu_backward is not implemented"
OPS = [
    A("scaled_dot_product_attention", _sdpa, "F", order2=False),
    A("multi_head_attention_forward", _mha(True), "F"),
    A("multi_head_attention_forward(need_weights=False)", _mha(False), "F.multi_head_attention_forward", order2=False),
]
