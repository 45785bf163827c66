"""Testing helpers mirroring ``torch.testing`` plus gradient-check helpers.

Hypothesis strategies live in ``microtorch.testing.strategies`` (imported lazily so
that hypothesis stays a test-only dependency).
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor

__all__ = ["assert_close", "make_tensor", "assert_gradients_match", "assert_gradgrads_match"]

_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _array(x) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    if hasattr(x, "detach") and hasattr(x, "numpy"):  # a torch tensor
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_close(
    actual,
    expected,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_dtype: bool = True,
    msg: str | None = None,
) -> None:
    """Assert two tensors (or arrays/numbers) are close, with dtype-based default tolerances."""
    a, e = _array(actual), _array(expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor) and a.dtype != e.dtype:
        raise AssertionError(
            msg or f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}."
        )
    if rtol is None or atol is None:
        name = np.result_type(a.dtype, e.dtype).name
        rtol_d, atol_d = _TOLERANCES.get(name, (0.0, 0.0))
        rtol = rtol_d if rtol is None else rtol
        atol = atol_d if atol is None else atol
    ok = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not ok.all():
        bad = np.argwhere(~ok)
        first = tuple(int(i) for i in bad[0]) if a.ndim else ()
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
        raise AssertionError(
            msg
            or (
                f"Tensor-likes are not close!\n\nMismatched elements: {len(bad)} / {a.size}\n"
                f"Greatest absolute difference: {np.nanmax(diff)}\nFirst mismatch at index {first}: "
                f"{a[first] if a.ndim else a} vs {e[first] if e.ndim else e} (up to {atol} allowed absolute, {rtol} relative)"
            )
        )


def make_tensor(
    *shape,
    dtype=dt.float32,
    device=None,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    generator=None,
) -> Tensor:
    """A random tensor of ``shape`` with values in [low, high) (PyTorch's defaults: [-9, 9])."""
    from ..random import rng

    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    d = dt.to_dtype(dtype)
    lo = -9 if low is None else low
    hi = 9 if high is None else high
    r = rng(generator)
    if d is dt.bool_:
        data = r.random(shape) < 0.5
    elif not d.is_floating_point:
        data = r.integers(int(lo), int(hi), size=shape)
    else:
        data = r.uniform(lo, hi, size=shape)
    t = Tensor._make(np.asarray(data).astype(d.np))
    return t.requires_grad_(True) if requires_grad else t


def _as_double_inputs(inputs):
    out = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.is_floating_point:
            y = Tensor._make(x._data.astype(np.float64))
            out.append(y.requires_grad_(x.requires_grad or True))
        else:
            out.append(x)
    return tuple(out)


def assert_gradients_match(
    fn, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, double: bool = True
) -> None:
    """Assert ``fn``'s analytical gradients equal central finite differences.

    Floating-point inputs are copied to float64 and made to require grad (unless
    ``double=False``, where they are used as given). Raises ``GradcheckError`` naming
    the input, the element and both values on a mismatch.
    """
    from ..autograd import gradcheck

    ins = _as_double_inputs(inputs) if double else inputs
    gradcheck(fn, ins, eps=eps, atol=atol, rtol=rtol)


def assert_gradgrads_match(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """Assert ``fn``'s second derivatives (double backward) equal finite differences of its gradient."""
    from ..autograd import gradgradcheck

    gradgradcheck(fn, _as_double_inputs(inputs), eps=eps, atol=atol, rtol=rtol)
