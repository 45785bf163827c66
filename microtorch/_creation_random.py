"""Random factories: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``, ``multinomial``."""

from __future__ import annotations

import numpy as np

from . import _dtype as dt
from ._creation import (  # noqa: I001
    _C_NAME,
    _allocates,
    _check_options,
    _check_tensor_arg,
    _finish,
    _float_np,
    _into_out,
    _only_size,
    _out_dtype,
    _require_float,
    _scalar_name,
    _size_arg,
)
from ._tensor import (
    Tensor,
    alloc_like,
)
from .autograd.function import Op
from .autograd.grad_mode import _state
from .random import rng


# --- random ----------------------------------------------------------------------------------
def _random(name, kernel, draw, size, kw, generator, out, dtype, layout, device, pin_memory, requires_grad):
    _check_options(name, layout, device, pin_memory)
    shape = _size_arg(name, size, _only_size(kw, name))
    npdt = _float_np(_out_dtype(out, dtype, name))
    _require_float(npdt, kernel)
    return _finish(draw(rng(generator), shape).astype(npdt), requires_grad, name, out)


@_allocates
def rand(
    *size,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kw,
) -> Tensor:
    """Uniform samples on [0, 1)."""
    return _random(
        "rand",
        "check_uniform_bounds",
        lambda g, s: g.random(s),
        size,
        kw,
        generator,
        out,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
    )


@_allocates
def randn(
    *size,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    **kw,
) -> Tensor:
    """Standard normal samples."""
    return _random(
        "randn",
        "normal_kernel_cpu",
        lambda g, s: g.standard_normal(s),
        size,
        kw,
        generator,
        out,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
    )


# PyTorch's C++ names of the integer types, as its random_ bound errors spell them.
_BOUND_NAME = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short",
    "int32": "int",
    "int64": "long",
}


def _check_int_bounds(low: int, high: int, npdt: np.dtype) -> None:
    """PyTorch's ``random_(from, to)`` checks: from < to, both within the dtype."""
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if npdt.kind in "biu":
        lo, hi = (0, 1) if npdt.kind == "b" else (int(np.iinfo(npdt).min), int(np.iinfo(npdt).max))
        name = _BOUND_NAME[npdt.name if npdt.kind != "b" else "bool"]
        if not lo <= low <= hi:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not lo <= high - 1 <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")


def _int_arg(value, op: str, name: str, pos: int) -> int:
    if isinstance(value, Tensor) and value.ndim == 0 and value._data.dtype.kind in "iu":
        return int(value.item())
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be int, not {type(value).__name__}")
    return int(value)


def _randint_args(args: tuple, low, high, size) -> tuple:
    """``randint(high, size)``, ``randint(low, high, size)`` or keywords -> (low, high, size)."""
    given = {"low": low, "high": high, "size": size}
    if size is not None:  # randint(high, size=...), randint(low, high, size=...)
        names = {0: (), 1: ("high",), 2: ("low", "high")}.get(len(args))
    else:
        names = {0: (), 2: ("high", "size"), 3: ("low", "high", "size")}.get(len(args))
    if names is None:
        raise TypeError(
            "randint() received an invalid combination of arguments - expected one of: "
            "(int high, tuple of ints size, *, ...), (int low, int high, tuple of ints size, *, ...)"
        )
    for name, value in zip(names, args):
        if given[name] is not None:
            raise TypeError(f"randint() got multiple values for argument '{name}'")
        given[name] = value
    if given["high"] is None or given["size"] is None:
        raise TypeError("randint() missing required argument 'high' or 'size'")
    if not isinstance(given["size"], (tuple, list)):
        pos = 2 if len(args) < 3 else 3
        raise TypeError(
            f"randint(): argument 'size' (position {pos}) must be tuple of ints, not {type(given['size']).__name__}"
        )
    low = 0 if given["low"] is None else _int_arg(given["low"], "randint", "low", 1)
    return low, _int_arg(given["high"], "randint", "high", 1 if len(args) < 3 else 2), given["size"]


@_allocates
def randint(
    *args,
    low=None,
    high=None,
    size=None,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform integers in [low, high) (``low`` defaults to 0; int64 unless ``dtype`` is given)."""
    _check_options("randint", layout, device, pin_memory)
    low, high, size = _randint_args(args, low, high, size)
    dtype = _out_dtype(out, dtype, "randint")
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    _check_int_bounds(low, high, npdt)
    shape = _size_arg("randint", (size,), None)
    return _finish(rng(generator).integers(low, high, size=shape).astype(npdt), requires_grad, "randint", out)


def _like_random(name, x, draw, kernel, generator, dtype, layout, device, pin_memory, requires_grad, memory_format):
    _check_tensor_arg(x, name)
    _check_options(name, layout, device, pin_memory)
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else x._data.dtype
    if kernel is not None:
        _require_float(npdt, kernel)
    data = alloc_like(x._data, npdt, dt.check_memory_format(memory_format, name))
    data[...] = draw(rng(generator), data.shape)
    return _finish(data, requires_grad, name)


def rand_like(
    input: Tensor,  # noqa: A002
    *,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """Uniform samples on [0, 1) with ``input``'s shape and dtype."""
    return _like_random(
        "rand_like",
        input,
        lambda g, s: g.random(s),
        "check_uniform_bounds",
        generator,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
        memory_format,
    )


def randn_like(
    input: Tensor,  # noqa: A002
    *,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """Standard normal samples with ``input``'s shape and dtype."""
    return _like_random(
        "randn_like",
        input,
        lambda g, s: g.standard_normal(s),
        "normal_kernel_cpu",
        generator,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
        memory_format,
    )


def randint_like(
    input: Tensor,  # noqa: A002
    low=None,
    high=None,
    *,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    memory_format=None,
) -> Tensor:
    """Uniform integers in [low, high) with ``input``'s shape and dtype (``randint_like(x, high)``)."""
    if high is None:
        if low is None:
            raise TypeError("randint_like() missing required argument 'high'")
        low, high = 0, low
    low = 0 if low is None else _int_arg(low, "randint_like", "low", 2)
    high = _int_arg(high, "randint_like", "high", 3)
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else input._data.dtype
    _check_int_bounds(low, high, npdt)
    return _like_random(
        "randint_like",
        input,
        lambda g, s: g.integers(low, high, size=s),
        None,
        generator,
        dtype,
        layout,
        device,
        pin_memory,
        requires_grad,
        memory_format,
    )


@_allocates
def randperm(
    n: int,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless ``dtype`` is given)."""
    _check_options("randperm", layout, device, pin_memory)
    n = _int_arg(n, "randperm", "n", 1)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype = _out_dtype(out, dtype, "randperm")
    npdt = dt.to_numpy_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    if npdt.kind in "iu" and n > 0 and n - 1 > np.iinfo(npdt).max:
        raise RuntimeError(f"value cannot be converted to type {_C_NAME[npdt.name]} without overflow")
    return _finish(rng(generator).permutation(n).astype(npdt), requires_grad, "randperm", out)


class _Sampled(Op):
    """Random draws whose distribution depends on the inputs: their gradient is zero (as PyTorch's)."""

    torch_name = "NormalBackward3"

    def forward(self, *inputs, values):
        self.metas = [(t._data.shape, t.dtype) for t in inputs]
        return values

    def backward(self, g):
        grads = tuple(g.new_zeros(shape, dtype=dtype) for shape, dtype in self.metas)
        return grads if len(grads) > 1 else grads[0]


class _BernoulliSampled(_Sampled):
    torch_name = "BernoulliBackward0"


def _sampled(values: np.ndarray, inputs: list, op=_Sampled) -> Tensor:
    """A tensor of ``values`` that takes part in the graph of the tensor ``inputs`` with zero gradient."""
    tensors = [t for t in inputs if isinstance(t, Tensor) and t._requires_grad]
    if not tensors or not _state.enabled:
        return Tensor._make(values)
    return op.apply(*tensors, values=values)


def _check_std(std) -> None:
    if isinstance(std, Tensor):
        if np.any(std._data < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


@_allocates
def normal(
    mean=0.0,
    std=1.0,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples: ``normal(mean, std)`` with tensor mean and/or std, or ``normal(mean, std, size)``."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got (float, float), but expected one of: "
                "(Tensor mean, Tensor std), (Tensor mean, float std), (float mean, Tensor std), "
                "(float mean, float std, tuple of ints size)"
            )
        _check_options("normal", layout, device, pin_memory)
        _check_std(std)
        shape = _size_arg("normal", (size,), None)
        npdt = _float_np(_out_dtype(out, dtype, "normal"))
        _require_float(npdt, "normal_kernel_cpu")
        values = (rng(generator).standard_normal(shape) * std + mean).astype(npdt)
        return _finish(values, requires_grad, "normal", out)
    if size is not None or dtype is not None or requires_grad or layout is not None or device is not None:
        raise TypeError("normal(): size, dtype, layout, device and requires_grad go only with a float mean and std")
    npdt = tensors[0]._data.dtype  # the mean's dtype when it is a tensor, else the std's (PyTorch's rule)
    _require_float(npdt, "normal_kernel_cpu")
    _check_std(std)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    except ValueError:
        a, b = np.shape(m), np.shape(s)
        raise RuntimeError(
            f"normal: The size of tensor a {list(a)} must match the size of tensor b {list(b)}"
        ) from None
    values = (rng(generator).standard_normal(shape) * s + m).astype(npdt)
    if out is not None:
        return _into_out(out, values, "normal")
    return _sampled(values, tensors)


def _check_probability(p: np.ndarray) -> None:
    if not np.all((p >= 0) & (p <= 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (or ``p`` for every element) elementwise, else 0 (``input``'s dtype)."""
    _check_tensor_arg(input, "bernoulli")
    if p is not None and out is not None:
        raise TypeError("bernoulli(): out= is not accepted together with a float p")
    npdt = input._data.dtype
    if p is None:
        _require_float(npdt, "bernoulli_tensor_cpu_p_")
        _check_probability(input._data)
        prob = input._data
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        prob = p
    values = (rng(generator).random(input.shape) < prob).astype(npdt)
    if out is not None:
        return _into_out(out, values, "bernoulli")
    return _sampled(values, [input], _BernoulliSampled)


_MAX_CATEGORIES = 2**24


def _check_multinomial(probs: Tensor, num_samples: int, replacement: bool) -> None:
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs._data.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {_scalar_name(probs._data.dtype)}"
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = probs.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n > _MAX_CATEGORIES:
        raise RuntimeError(f"number of categories cannot exceed 2^24, got {n}")


def _draw_categories(p: np.ndarray, num_samples: int, replacement: bool, gen) -> np.ndarray:
    """Category indices per row of ``p`` (rows x categories, valid probabilities)."""
    rows, n = p.shape
    if replacement:
        cdf = np.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        cdf[:, -1] = 1.0
        offsets = np.arange(rows, dtype=np.float64)[:, None]
        u = gen.random((rows, num_samples)) + offsets
        idx = np.searchsorted((cdf + offsets).ravel(), u.ravel(), side="right").reshape(rows, num_samples)
        return np.minimum(idx - offsets.astype(np.int64) * n, n - 1)
    # without replacement: the top ``num_samples`` of p / Exp(1) (PyTorch's method); zero
    # probabilities come last, lowest index first
    keys = p / gen.exponential(size=p.shape)
    return np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]


@_allocates
def multinomial(
    input: Tensor,  # noqa: A002
    num_samples: int,
    replacement: bool = False,
    *,
    generator=None,
    out=None,
) -> Tensor:
    """Sample category indices in proportion to ``input`` (each row of a 2-D input independently)."""
    _check_tensor_arg(input, "multinomial")
    num_samples = _int_arg(num_samples, "multinomial", "num_samples", 2)
    _check_multinomial(input, num_samples, replacement)
    if out is not None and (not isinstance(out, Tensor) or out._data.dtype != np.int64):
        got = _scalar_name(out._data.dtype) if isinstance(out, Tensor) else type(out).__name__
        raise RuntimeError(f"multinomial expects Long tensor out, got: {got}")
    p = input._data.astype(np.float64).reshape(-1, input.shape[-1])
    if not np.all(np.isfinite(p) & (p >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if p.size and np.any(p.sum(axis=1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if p.shape[0] == 0:
        idx = np.zeros((0, num_samples), dtype=np.int64)
    else:
        idx = _draw_categories(p, num_samples, replacement, rng(generator)).astype(np.int64)
    result = idx.reshape(input.shape[:-1] + (num_samples,))
    return _finish(result, False, "multinomial", out)
