"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck`` as in PyTorch.

Slow mode compares full Jacobians: the analytical one built one output element at a time
with ``autograd.grad`` (twice, to catch a backward that is not reentrant), the numerical
one by central differences, perturbing the inputs' storage in place. Fast mode compares
``v^T J u`` for random unit vectors ``u`` (inputs) and ``v`` (outputs) instead. Then, as
PyTorch does: batched gradients (``check_batched_grad``), that the backward is multiplied
by the output gradient, and that undefined output gradients are handled
(``check_undefined_grad``). There is no forward-mode AD in microtorch, so the
forward-mode options raise ``NotImplementedError``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .function import Op

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients differ."""


_NO_FORWARD_AD = "gradcheck: {} needs forward-mode AD (torch.autograd.forward_ad), which microtorch does not implement"

_UNDEFINED_NOTE = 'Please look at "Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"'

_FAILED_BATCHED_GRAD_MSG = (
    "gradcheck or gradgradcheck failed while testing batched gradient computation. microtorch has no vmap: "
    "the batched gradient (autograd.grad with is_grads_batched=True) is compared with separate "
    "vector-Jacobian products. Call gradcheck/gradgradcheck "
    "with `check_batched_grad=False` to skip this test."
)

_FAST_MODE_NOTE = (
    "The above quantities relating the numerical and analytical jacobians are computed \n"
    "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
    "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
)


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _tensor_cls():
    from .._tensor import Tensor

    return Tensor


def _outputs(func, inputs):
    """The differentiable (requires_grad) Tensor outputs of ``func(*inputs)``."""
    Tensor = _tensor_cls()
    return [o for o in _tuple(func(*inputs)) if isinstance(o, Tensor) and o.requires_grad]


def _as_f64(t) -> np.ndarray:
    return t._data.astype(np.float64).reshape(-1)


# --- numerical side -------------------------------------------------------------------
def _numerical_jacobians(func, inputs, diff_idx, eps):
    """Per (output, input) pair: a (numel_in, numel_out) numerical Jacobian."""
    # grad mode stays on: ``func`` may itself differentiate (gradgradcheck)
    base = _outputs(func, inputs)
    jac = {}
    for j in diff_idx:
        a = inputs[j]._data
        cols = [np.zeros((a.size, o.numel()), dtype=np.float64) for o in base]
        for k in range(a.size):
            idx = np.unravel_index(k, a.shape)
            orig = a[idx].item()
            a[idx] = orig + eps
            plus = [_as_f64(o) for o in _outputs(func, inputs)]
            a[idx] = orig - eps
            minus = [_as_f64(o) for o in _outputs(func, inputs)]
            a[idx] = orig
            for i, (p, m) in enumerate(zip(plus, minus)):
                cols[i][k] = (p - m) / (2 * eps)
        for i in range(len(base)):
            jac[(i, j)] = cols[i]
    return base, jac


def _numerical_jvps(func, inputs, diff_idx, eps, us):
    """Per (output, input) pair: the directional derivative ``J u`` (flat, float64)."""
    jvps = {}
    for j, u in zip(diff_idx, us):
        a = inputs[j]._data
        orig = a.copy()
        step = (eps * u).reshape(a.shape).astype(a.dtype)
        np.copyto(a, orig + step)
        plus = [_as_f64(o) for o in _outputs(func, inputs)]
        np.copyto(a, orig - step)
        minus = [_as_f64(o) for o in _outputs(func, inputs)]
        np.copyto(a, orig)
        for i, (p, m) in enumerate(zip(plus, minus)):
            jvps[(i, j)] = (p - m) / (2 * eps)
    return jvps


# --- analytical side ------------------------------------------------------------------
def _vjp(out, inputs, diff_idx, g: np.ndarray, check_grad_dtypes: bool):
    """``g^T J`` for each differentiable input (flat float64), with PyTorch's attribute checks."""
    from . import grad

    Tensor = _tensor_cls()
    grads = grad(out, [inputs[j] for j in diff_idx], Tensor._make(g), retain_graph=True, allow_unused=True)
    result = []
    for j, gj in zip(diff_idx, grads):
        x = inputs[j]
        if gj is None:
            result.append(np.zeros(x.numel(), dtype=np.float64))
            continue
        if gj.shape != x.shape:
            raise GradcheckError("Analytical gradient has incorrect size")
        if check_grad_dtypes and gj.dtype != x.dtype:
            raise GradcheckError("Gradient has dtype mismatch")
        result.append(_as_f64(gj))
    return result


def _check_reentrant(first, second, nondet_tol: float) -> None:
    for a, b in zip(first, second):
        if a.size and not np.all(np.abs(a - b) <= nondet_tol):
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                "times gives different values, although analytical gradient matches numerical gradient."
                f"The tolerance for nondeterminism was {nondet_tol}."
            )


def _analytical_jacobians(func, inputs, diff_idx, nondet_tol: float = 0.0, check_grad_dtypes: bool = False):
    """Per (output, input) pair: a (numel_in, numel_out) Jacobian from ``autograd.grad``."""
    outs = _outputs(func, inputs)
    jac = {}
    for i, out in enumerate(outs):
        for j in diff_idx:
            jac[(i, j)] = np.zeros((inputs[j].numel(), out.numel()), dtype=np.float64)
        for k in range(out.numel()):
            g = np.zeros(out.shape, dtype=out._data.dtype)
            g.reshape(-1)[k] = 1
            rows = _vjp(out, inputs, diff_idx, g, check_grad_dtypes)
            _check_reentrant(rows, _vjp(out, inputs, diff_idx, g, False), nondet_tol)
            for j, row in zip(diff_idx, rows):
                jac[(i, j)][:, k] = row
    return outs, jac


# --- comparison -----------------------------------------------------------------------
def _close(a, n, atol: float, rtol: float) -> np.ndarray:
    """Elementwise ``|a - n| <= atol + rtol |n|``; NaN on both sides counts as agreement."""
    a, n = np.asarray(a), np.asarray(n)
    return (np.abs(a - n) <= atol + rtol * np.abs(n)) | (np.isnan(a) & np.isnan(n))


def _as_tensor_text(a: np.ndarray) -> str:
    return repr(_tensor_cls()._make(np.asarray(a, dtype=np.float64)))


def _mismatch_message(i, j, a, n, outs, inputs, atol, rtol) -> str:
    """PyTorch's ``Jacobian mismatch`` text, with the first differing element in plain numbers."""
    bad = ~_close(a, n, atol, rtol)
    k_in, k_out = (int(v[0]) for v in np.nonzero(bad))
    idx_in = tuple(int(v) for v in np.unravel_index(k_in, inputs[j].shape)) if inputs[j].ndim else ()
    idx_out = tuple(int(v) for v in np.unravel_index(k_out, outs[i].shape)) if outs[i].ndim else ()
    return (
        f"Jacobian mismatch for output {i} with respect to input {j},\n"
        f"numerical:{_as_tensor_text(n)}\nanalytical:{_as_tensor_text(a)}\n\n"
        f"First difference at input element {idx_in} and output element {idx_out}: "
        f"analytical={float(a[k_in, k_out])}, numerical={float(n[k_in, k_out])} "
        f"({int(bad.sum())} of {bad.size} entries differ beyond atol={atol}, rtol={rtol})."
    )


def _slow_check(func, inputs, diff_idx, eps, atol, rtol, nondet_tol, check_grad_dtypes) -> None:
    outs, analytical = _analytical_jacobians(func, inputs, diff_idx, nondet_tol, check_grad_dtypes)
    if not outs:
        return _check_no_differentiable_outputs(func, inputs, diff_idx, eps)
    _, numerical = _numerical_jacobians(func, inputs, diff_idx, eps)
    for (i, j), a in analytical.items():
        n = numerical[(i, j)]
        if not _close(a, n, atol, rtol).all():
            raise GradcheckError(_mismatch_message(i, j, a, n, outs, inputs, atol, rtol))


def _check_no_differentiable_outputs(func, inputs, diff_idx, eps) -> None:
    """With no output requiring grad, every numerical derivative must be zero (as PyTorch)."""
    Tensor = _tensor_cls()

    def all_float_outputs(*args):
        return [o for o in _tuple(func(*args)) if isinstance(o, Tensor) and o.dtype.is_floating_point]

    _, numerical = _numerical_jacobians(all_float_outputs, inputs, diff_idx, eps)
    for n in numerical.values():
        if not np.all(n == 0):
            raise GradcheckError("Numerical gradient for function expected to be zero")


def _unit_vector(rng, n: int) -> np.ndarray:
    v = rng.random(n)
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


def _fast_check(func, inputs, diff_idx, eps, atol, rtol, nondet_tol, check_grad_dtypes) -> None:
    """Compare ``v^T J u`` (random unit ``u``, ``v``) from autograd and from one central difference."""
    outs = _outputs(func, inputs)
    if not outs:
        return _check_no_differentiable_outputs(func, inputs, diff_idx, eps)
    rng = np.random.default_rng(0)
    us = [_unit_vector(rng, inputs[j].numel()) for j in diff_idx]
    vs = [_unit_vector(rng, o.numel()) for o in outs]
    jvps = _numerical_jvps(func, inputs, diff_idx, eps, us)
    for i, (out, v) in enumerate(zip(outs, vs)):
        g = v.reshape(out.shape).astype(out._data.dtype)
        vjs = _vjp(out, inputs, diff_idx, g, check_grad_dtypes)
        _check_reentrant(vjs, _vjp(out, inputs, diff_idx, g, False), nondet_tol)
        for j, u, vj in zip(diff_idx, us, vjs):
            a, n = float(vj @ u), float(v @ jvps[(i, j)])
            if not _close(a, n, atol, rtol):
                raise GradcheckError(
                    f"Jacobian mismatch for output {i} with respect to input {j},\nnumerical:{n}\nanalytical:{a}\n\n"
                    + _FAST_MODE_NOTE
                    + _slow_mode_detail(func, inputs, diff_idx, eps, i, j, atol, rtol)
                )


def _slow_mode_detail(func, inputs, diff_idx, eps, i, j, atol, rtol) -> str:
    outs, analytical = _analytical_jacobians(func, inputs, diff_idx)
    _, numerical = _numerical_jacobians(func, inputs, diff_idx, eps)
    a, n = analytical[(i, j)], numerical[(i, j)]
    text = f"Numerical:\n {_as_tensor_text(n)}\nAnalytical:\n{_as_tensor_text(a)}\n\n"
    diff = np.abs(a - n)
    text += f"The max per-element difference (slow mode) is: {float(diff.max()) if diff.size else 0.0}.\n"
    return text


# --- the other checks -----------------------------------------------------------------
def _test_batched_grad(inputs, out, i: int, diff_idx) -> None:
    """``autograd.grad(..., is_grads_batched=True)`` must agree with separate VJPs (PyTorch
    compares ``vmap`` of the VJP with a loop of them; microtorch's batched gradient has no vmap)."""
    from .. import _creation as C
    from ..ops.shape import stack
    from . import grad

    Tensor = _tensor_cls()
    diff = [inputs[j] for j in diff_idx]

    def vjp(v):
        gs = grad(out, diff, v, retain_graph=True, allow_unused=True)
        return [g if g is not None else C.zeros_like(x) for g, x in zip(gs, diff)]

    gen = np.random.default_rng(i)
    vs = [Tensor._make(gen.standard_normal(out.shape).astype(out._data.dtype)) for _ in range(2)]
    expected = [stack(list(shards)) for shards in zip(*[vjp(v) for v in vs])]
    try:
        batched = grad(out, diff, stack(vs), retain_graph=True, allow_unused=True, is_grads_batched=True)
    except RuntimeError as err:
        raise GradcheckError(f"While computing batched gradients, got: {err}\n\n{_FAILED_BATCHED_GRAD_MSG}") from err
    for k, (res, exp) in enumerate(zip(batched, expected)):
        res = res if res is not None else C.zeros_like(exp)
        if not np.allclose(res._data, exp._data):
            raise GradcheckError(
                f"For output {i} and input {diff_idx[k]}:\n\n{_FAILED_BATCHED_GRAD_MSG}\n\nGot:\n{res}\n\nExpected:\n{exp}"
            )


def _test_backward_mul_by_grad_output(outs, inputs, diff_idx) -> None:
    """Zero output gradients must give zero input gradients of the inputs' dtype and shape."""
    from .. import _creation as C
    from . import grad

    diff = [inputs[j] for j in diff_idx]
    grads = grad(outs, diff, [C.zeros_like(o) for o in outs], retain_graph=True, allow_unused=True)
    for gi, x in zip(grads, diff):
        if gi is None:
            continue
        if not np.all(gi._data == 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != x.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.shape != x.shape:
            raise GradcheckError("grad is incorrect size")


class _UndefinedGrad(Op):
    """Identity whose backward sends an undefined (None) gradient on, whatever it receives."""

    torch_name = "UndefinedGradBackward"

    def forward(self, x):
        return x._data

    def backward(self, g):
        return None


def _test_undefined_backward_mode(func, inputs, diff_idx) -> None:
    """Backward must accept undefined output gradients (all, or one at a time) as zeros."""
    from .. import _creation as C
    from . import grad

    diff = [inputs[j] for j in diff_idx]
    to_check = [[_UndefinedGrad.apply(o) for o in _outputs(func, inputs)]]
    n_out = len(to_check[0])
    if n_out > 1:
        for k in range(n_out):
            outs = _outputs(func, inputs)
            to_check.append([_UndefinedGrad.apply(o) if idx == k else o for idx, o in enumerate(outs)])
    for outs in to_check:
        try:
            grads = grad(outs, diff, [C.zeros_like(o) for o in outs], allow_unused=True)
        except RuntimeError as err:
            _warn_undefined_check()
            raise GradcheckError(
                f"Expected backward function to handle undefined output grads. {_UNDEFINED_NOTE}"
            ) from err
        for gi in grads:
            if gi is not None and not np.all(gi._data == 0):
                _warn_undefined_check()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are undefined "
                    f"or zero. {_UNDEFINED_NOTE}"
                )


def _warn_undefined_check() -> None:
    warnings.warn(
        "Backwards compatibility: New undefined gradient support checking feature is enabled by default, but it "
        "may break existing callers of this function. If this is true for you, you can call this function with "
        '"check_undefined_grad=False" to disable the feature',
        UserWarning,
        stacklevel=5,
    )


def _check_inputs(inputs) -> list:
    """Indices of the inputs that require grad (PyTorch's warnings and errors about them)."""
    Tensor = _tensor_cls()
    diff_idx = []
    for j, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        if x.dtype.name != "float64":
            warnings.warn(
                f"Input #{j} requires gradient and is not a double precision floating point or complex. This check "
                "will likely fail if all the inputs are not of double precision floating point or complex. ",
                UserWarning,
                stacklevel=4,
            )
        if not all(st > 0 or sz <= 1 for st, sz in zip(x.stride(), x.shape)):  # torch's strides (empty: not 0)
            raise RuntimeError(
                f"The {j}th input has a dimension with stride 0. gradcheck only supports inputs that are "
                "non-overlapping to be able to compute the numerical gradients correctly. You should call "
                ".contiguous on the input before passing it to gradcheck."
            )
        diff_idx.append(j)
    if not diff_idx:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad=True."
        )
    return diff_idx


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Compare analytical gradients of ``func`` at ``inputs`` with central finite differences.

    Returns True on success. On a mismatch raises ``GradcheckError`` naming the output,
    the input, the element index and both values (or returns False when
    ``raise_exception=False``).
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_forward_ad:
        raise NotImplementedError(_NO_FORWARD_AD.format("check_forward_ad=True"))
    if masked:
        raise NotImplementedError("gradcheck: masked=True is for sparse tensors, which microtorch does not have")
    try:
        inputs = _tuple(inputs)
        diff_idx = _check_inputs(inputs)
        check = _fast_check if fast_mode else _slow_check
        check(func, inputs, diff_idx, eps, atol, rtol, nondet_tol, check_grad_dtypes)
        outs = _outputs(func, inputs)
        if check_batched_grad:
            for i, o in enumerate(outs):
                _test_batched_grad(inputs, o, i, diff_idx)
        if outs:
            _test_backward_mul_by_grad_output(outs, inputs, diff_idx)
        if check_undefined_grad:
            _test_undefined_backward_mode(func, inputs, diff_idx)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives: gradcheck of the (create_graph) gradient of ``func``."""
    from . import grad

    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    if check_fwd_over_rev:
        raise NotImplementedError(_NO_FORWARD_AD.format("check_fwd_over_rev=True"))
    inputs = _tuple(inputs)
    if grad_outputs is None:
        grad_outputs = _random_grad_outputs(_outputs(func, inputs), gen_non_contig_grad_outputs)
    else:
        grad_outputs = _tuple(grad_outputs)
    n_in = len(inputs)
    Tensor = _tensor_cls()

    def first_grad(*args):
        ins, gos = args[:n_in], args[n_in:]
        pairs = [(o, g) for o, g in zip(_outputs(func, ins), gos)]
        d = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        gs = grad([o for o, _ in pairs], d, [g for _, g in pairs], create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(
        first_grad,
        inputs + tuple(grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad,
        fast_mode=fast_mode,
        masked=masked,
    )


def _random_grad_outputs(outs, noncontiguous: bool) -> tuple:
    """Uniform(-1, 1) output gradients that require grad (non-contiguous on request), as PyTorch."""
    Tensor = _tensor_cls()
    gen = np.random.default_rng(0)
    result = []
    for o in outs:
        npdt = o._data.dtype if o._data.dtype.kind == "f" else np.float64
        if noncontiguous and o.numel() > 1:
            wide = gen.uniform(-1, 1, o.shape[:-1] + (o.shape[-1] * 2,)).astype(npdt)
            data = wide[..., ::2]
        else:
            data = gen.uniform(-1, 1, o.shape).astype(npdt)
        result.append(Tensor._make(data).requires_grad_(True))
    return tuple(result)
