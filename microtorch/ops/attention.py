"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward`` (torch's math path).

Both are compositions of differentiable ops (matmul, softmax, masked_fill, dropout), so
gradients of any order come from autograd. torch's CPU flash kernel computes the same
values; where torch's dispatch picks it for a call that records a graph (4-d inputs, no
dropout, ...), the first derivative is the same and the second raises torch's error."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import autograd
from .._tensor import Tensor
from ..autograd.function import Op
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from .arithmetic import _C_TYPE
from .dropout import dropout
from .linalg import bmm, linear, matmul
from .padding import pad
from .reduction import softmax
from .shape import cat
from .special import _NoDerivative

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_SDPA = "scaled_dot_product_attention"


def _ctype(t: Tensor) -> str:
    return _C_TYPE.get(t.dtype.name, t.dtype.name)


def _tname(t: Tensor) -> str:
    """The scalar type as torch's kernel messages spell it (``Float``, ``Long``)."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int"}
    return names.get(t.dtype.name, t.dtype.name.capitalize())


def _type_error(name: str, want: str, value, pos: int | None = None) -> TypeError:
    where = f" (position {pos})" if pos is not None else ""
    return TypeError(f"{_SDPA}(): argument '{name}'{where} must be {want}, not {type(value).__name__}")


def _check_sdpa_types(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa) -> None:
    """torch's argument-parser TypeErrors."""
    for pos, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), start=1):
        if not isinstance(t, Tensor):
            raise _type_error(name, "Tensor", t, pos)
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise _type_error("attn_mask", "Tensor", attn_mask)
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, (int, float, np.integer, np.floating)):
        raise _type_error("dropout_p", "float", dropout_p)
    for name, flag in (("is_causal", is_causal), ("enable_gqa", enable_gqa)):
        if not isinstance(flag, bool):
            raise _type_error(name, "bool", flag)
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating))):
        raise _type_error("scale", "float", scale)


def _check_sdpa_inputs(query: Tensor, key: Tensor, value: Tensor, attn_mask, dropout_p: float) -> None:
    """torch's ``validate_sdpa_input`` checks and its dropout range check."""
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_ctype(query)} key.dtype: {_ctype(key)} and value.dtype: {_ctype(value)} instead."
        )
    if attn_mask is not None and attn_mask.dtype.name != "bool" and attn_mask.dtype != query.dtype:
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
            f"{_ctype(attn_mask)} and  query.dtype: {_ctype(query)} instead."
        )
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found {_tname(query)}")
    if dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def _additive_mask(query: Tensor, key: Tensor, attn_mask, is_causal: bool):
    """The mask as a float tensor added to the scores (bool: 0 where True, -inf where False), or None."""
    dtype = query._data.dtype
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"_{_SDPA}: Explicit attn_mask should not be set when is_causal=True")
        causal = np.tri(query.shape[-2], key.shape[-2], dtype=bool)
        return Tensor._make(np.where(causal, 0.0, -np.inf).astype(dtype))
    if attn_mask is not None and attn_mask.dtype.name == "bool":
        return Tensor._make(np.where(attn_mask._data, 0.0, -np.inf).astype(dtype))
    return attn_mask


def _size_error(dim: int, ndim: int) -> IndexError:
    return IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")


def _repeat_heads(t: Tensor, heads: int) -> Tensor:
    """``t.repeat_interleave(heads // t.size(-3), -3)`` (each key/value head serves a group of query heads)."""
    r = heads // t.shape[-3]
    if r == 1:
        return t
    lead, (h, s, e) = tuple(t.shape[:-3]), tuple(t.shape[-3:])
    return t.unsqueeze(-3).expand(*lead, h, r, s, e).reshape(*lead, h * r, s, e)


def _gqa(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Key and value with their heads repeated to the query's (``enable_gqa=True``)."""
    for t in (query, key, value):
        if t.ndim < 3:
            raise _size_error(-3, t.ndim)
    heads = query.shape[-3]
    if heads == key.shape[-3] and heads == value.shape[-3]:
        return key, value
    if key.shape[-3] == 0 or value.shape[-3] == 0 or heads % key.shape[-3] or heads % value.shape[-3]:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    return _repeat_heads(key, heads), _repeat_heads(value, heads)


def _safe_softmax(x: Tensor) -> Tensor:
    """Softmax over the last dim, 0 (and a 0 gradient) on rows that are all ``-inf`` (torch's ``_safe_softmax``)."""
    dead = np.all(x._data == -np.inf, axis=-1, keepdims=True)
    if x._data.size == 0 or not dead.any():
        return softmax(x, -1)
    dead_t = Tensor._make(dead)
    return softmax(x.masked_fill(dead_t, 0.0), -1).masked_fill(dead_t, 0.0)


def _add_mask(scores: Tensor, mask: Tensor) -> Tensor:
    """``scores += mask`` as torch's in-place add: the mask broadcasts to the scores, never widens them."""
    try:
        shape = np.broadcast_shapes(tuple(scores.shape), tuple(mask.shape))
    except ValueError:
        a, b = tuple(scores.shape), tuple(mask.shape)
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
        dim = next(i for i in range(n) if a[i] != b[i] and 1 not in (a[i], b[i]))
        raise RuntimeError(
            f"The size of tensor a ({a[dim]}) must match the size of tensor b ({b[dim]}) at non-singleton dimension {dim}"
        ) from None
    if tuple(shape) != tuple(scores.shape):
        raise RuntimeError(f"output with shape {list(scores.shape)} doesn't match the broadcast shape {list(shape)}")
    return scores + mask


def _math_attention(query: Tensor, key: Tensor, value: Tensor, mask, dropout_p: float, scale) -> Tensor:
    """torch's math kernel: q and k each scaled by sqrt(scale) (for stability), safe softmax, dropout."""
    if scale is None:
        e = query.shape[-1]
        scale = 1.0 / math.sqrt(e) if e > 0 else math.inf
    factor = math.sqrt(abs(float(scale)))
    scores = matmul(query * (-factor if scale < 0 else factor), key.transpose(-2, -1) * factor)
    if mask is not None:
        scores = _add_mask(scores, mask)
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return matmul(weights, value)


_FLASH_BACKWARD = "aten::_scaled_dot_product_flash_attention_for_cpu_backward"


class _FlashAttentionCPU(Op):
    """torch's CPU flash kernel: the math kernel's values, a first derivative, no second one."""

    torch_name = "ScaledDotProductFlashAttentionForCpuBackward0"

    def forward(self, query, key, value, mask, scale):
        self.mask, self.scale = mask, scale
        self.save_for_backward(query, key, value)
        with no_grad():
            return _math_attention(query, key, value, mask, 0.0, scale)._data

    def backward(self, g):
        saved = self.saved_tensors
        with enable_grad():
            leaves = [t.detach().requires_grad_() for t in saved]
            out = _math_attention(*leaves, self.mask, 0.0, self.scale)
            grads = autograd.grad(out, leaves, g.detach())
        return tuple(_NoDerivative.apply(*saved, g, result=gr, op=_FLASH_BACKWARD) for gr in grads)


def _uses_flash(query: Tensor, key: Tensor, value: Tensor, attn_mask, dropout_p: float, enable_gqa: bool) -> bool:
    """Whether torch's CPU dispatch picks its flash kernel (its sdp_utils_cpp checks) for a graph-recording call."""
    qkv = (query, key, value)
    if any(t.ndim != 4 for t in qkv) or dropout_p > 0.0 or not is_grad_enabled():
        return False
    if not any(t.requires_grad for t in qkv):
        return False
    if attn_mask is not None and (attn_mask.ndim == 3 or attn_mask.requires_grad):
        return False
    if not (query.shape[0] == key.shape[0] == value.shape[0]) or key.shape[1] != value.shape[1]:
        return False
    if query.shape[1] != key.shape[1] and not enable_gqa:
        return False
    if not (query.shape[-1] == key.shape[-1] == value.shape[-1]) or 0 in (query.shape[-2], key.shape[-2]):
        return False
    return all(t.stride(-1) == 1 for t in qkv)


def _flash_mask_check(query: Tensor, key: Tensor, value: Tensor, attn_mask) -> None:
    """torch's flash-kernel mask check reads ``attn_mask.size(-2)``: IndexError for a 0-d / 1-d mask on 4-d input."""
    if attn_mask is None or attn_mask.ndim >= 2 or not (query.ndim == key.ndim == value.ndim == 4):
        return
    if attn_mask.ndim == 0:
        raise IndexError("Dimension specified as -2 but tensor has no dimensions")
    raise _size_error(-2, 1)


def _empty_value_result(query: Tensor, key: Tensor, value: Tensor) -> Tensor:
    """torch's result when ``value`` has no elements: zeros of (..., L, Ev), in the graph of q, k and v."""
    shape = tuple(query.shape[:-1]) + (value.shape[-1],)
    link = query[..., :0].sum() + key[..., :0].sum() + value.sum()  # exactly 0, whatever q and k hold
    return link + Tensor._make(np.zeros(shape, dtype=query._data.dtype))


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(q k^T * scale + mask) v`` over the last two dims, with torch's masks, dropout and GQA."""
    _check_sdpa_types(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)
    dropout_p = float(dropout_p)
    _check_sdpa_inputs(query, key, value, attn_mask, dropout_p)
    _flash_mask_check(query, key, value, attn_mask)
    if value._data.size == 0:
        return _empty_value_result(query, key, value)
    mask = _additive_mask(query, key, attn_mask, is_causal)
    flash = _uses_flash(query, key, value, attn_mask, dropout_p, enable_gqa)
    if enable_gqa:
        key, value = _gqa(query, key, value)
    if flash:
        return _FlashAttentionCPU.apply(query, key, value, mask=mask, scale=scale)
    return _math_attention(query, key, value, mask, dropout_p, scale)


# --- multi_head_attention_forward ------------------------------------------------------


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads: int) -> bool:
    """Whether the input is batched; torch's AssertionErrors for ranks that do not fit."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                f" but found {key.dim()}-D and {value.dim()}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D"
                f" but found {key_padding_mask.dim()}-D tensor instead"
            )
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                f" but found {attn_mask.dim()}-D tensor instead"
            )
        return True
    if query.dim() == 2:
        _unbatched_check(query, key, value, key_padding_mask, attn_mask, num_heads)
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query tensor")


def _unbatched_check(query, key, value, key_padding_mask, attn_mask, num_heads: int) -> None:
    if key.dim() != 2 or value.dim() != 2:
        raise AssertionError(
            "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D"
            f" but found {key.dim()}-D and {value.dim()}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.dim() != 1:
        raise AssertionError(
            "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D"
            f" but found {key_padding_mask.dim()}-D tensor instead"
        )
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                f" but found {attn_mask.dim()}-D tensor instead"
            )
        expected = (num_heads, query.shape[0], key.shape[0])
        if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")


def _canonical_mask(mask, mask_name: str, other_type, other_name: str, target_type, check_other: bool = True):
    """A bool mask as an additive float mask of ``target_type`` (-inf where True); a float mask unchanged."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype.name != "bool" and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both instead.",
            stacklevel=2,
        )
    if is_float:
        return mask
    return Tensor._make(np.where(mask._data, -np.inf, 0.0).astype(target_type.np))


def _none_or_dtype(input):  # noqa: A002
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b=None) -> tuple:
    """q, k, v projected by the packed (3E, E) weight (one matmul when they are the same tensor)."""
    e = q.size(-1)
    if k is v:
        if q is k:
            proj = linear(q, w, b).unflatten(-1, (3, e)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([e, e * 2])
        b_q, b_kv = (None, None) if b is None else b.split([e, e * 2])
        kv = linear(k, w_kv, b_kv).unflatten(-1, (2, e)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None) -> tuple:
    """q, k, v projected by separate weights (kdim / vdim differ from embed_dim)."""
    eq, ek, ev = q.size(-1), k.size(-1), v.size(-1)
    for name, w, want in (("query", w_q, (eq, eq)), ("key", w_k, (eq, ek)), ("value", w_v, (eq, ev))):
        if tuple(w.shape) != want:
            raise AssertionError(f"expecting {name} weights shape of {want}, but got {w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (eq,):
            raise AssertionError(f"expecting {name} bias shape of {(eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _check_key_padding_mask(key_padding_mask: Tensor, src_len: int, bsz: int) -> None:
    if key_padding_mask.shape[0] != bsz:
        raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}")
    if key_padding_mask.shape[1] != src_len:
        raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got {key_padding_mask.shape[1]}")


def _project(query, key, value, in_proj_weight, in_proj_bias, use_separate, q_w, k_w, v_w) -> tuple:
    """The input projections of q, k, v (packed or separate weights), with torch's checks."""
    if not use_separate:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        return _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    if key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's {value.shape[:2]}")
    for name, w in (("q_proj_weight", q_w), ("k_proj_weight", k_w), ("v_proj_weight", v_w)):
        if w is None:
            raise AssertionError(f"use_separate_proj_weight is True but {name} is None")
    biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
    return _in_projection(query, key, value, q_w, k_w, v_w, *biases)


def _shape_attn_mask(attn_mask, tgt_len: int, src_len: int, bsz: int, num_heads: int):
    """A 2-D mask as (1, L, S); a 3-D one checked to be (N * heads, L, S)."""
    if attn_mask is None:
        return None
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(tgt_len, src_len)}."
            )
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                f"{(bsz * num_heads, tgt_len, src_len)}."
            )
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _heads(t: Tensor, static, bsz: int, num_heads: int, head_dim: int, name: str) -> Tensor:
    """(S, N, E) -> (N * heads, S, head_dim), or the given ``static_k`` / ``static_v``."""
    if static is None:
        return t.view(t.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.size(0) != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got {static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.size(2)}")
    return static


def _padded(mask):
    return None if mask is None else pad(mask, (0, 1))


def _zeros_row(t: Tensor, shape: tuple) -> Tensor:
    return Tensor._make(np.zeros(shape, dtype=t._data.dtype))


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention of (L, N, E) / unbatched (L, E) inputs, step for step as torch's function."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask", query.dtype
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint lets scaled_dot_product_attention build the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    q, k, v = _project(
        query,
        key,
        value,
        in_proj_weight,
        in_proj_bias,
        use_separate_proj_weight,
        q_proj_weight,
        k_proj_weight,
        v_proj_weight,
    )
    attn_mask = _shape_attn_mask(attn_mask, tgt_len, src_len, bsz, num_heads)
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _padded(attn_mask), _padded(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, bsz, num_heads, head_dim, "static_k")
    v = _heads(v, static_v, bsz, num_heads, head_dim, "static_v")
    if add_zero_attn:
        shape = (bsz * num_heads, 1, head_dim)
        k, v = cat([k, _zeros_row(k, shape)], dim=1), cat([v, _zeros_row(v, shape)], dim=1)
        attn_mask, key_padding_mask = _padded(attn_mask), _padded(key_padding_mask)
    src_len = k.size(1)
    if key_padding_mask is not None:
        _check_key_padding_mask(key_padding_mask, src_len, bsz)
        key_padding_mask = (
            key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        )
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    shapes = (tgt_len, bsz, embed_dim, num_heads, head_dim, src_len)
    if need_weights:
        out, weights = _attend_with_weights(q, k, v, attn_mask, dropout_p, is_causal, shapes, average_attn_weights)
    else:
        out, weights = _attend_sdpa(q, k, v, attn_mask, dropout_p, is_causal, shapes), None
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.size(1))
    if not is_batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights


def _attend_with_weights(q, k, v, attn_mask, dropout_p, is_causal, shapes, average) -> tuple:
    """Explicit attention weights (plain softmax: a fully masked row is NaN, as in torch)."""
    tgt_len, bsz, embed_dim, num_heads, _, src_len = shapes
    q_scaled = q * math.sqrt(1.0 / float(q.shape[-1]))
    if is_causal and attn_mask is None:  # torch's own error, word for word (its "FIXME" included)
        raise AssertionError("FIXME: is_causal not implemented for need_weights")
    scores = bmm(q_scaled, k.transpose(-2, -1))
    if attn_mask is not None:
        scores = attn_mask + scores
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, p=dropout_p)
    out = bmm(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    weights = weights.view(bsz, num_heads, tgt_len, src_len)
    return out, weights.mean(dim=1) if average else weights


def _attend_sdpa(q, k, v, attn_mask, dropout_p, is_causal, shapes) -> Tensor:
    """Attention through scaled_dot_product_attention (need_weights=False)."""
    tgt_len, bsz, embed_dim, num_heads, head_dim, src_len = shapes
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    return out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
