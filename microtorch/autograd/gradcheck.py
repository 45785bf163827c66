"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck`` as in PyTorch.

The analytical Jacobian is built one output element at a time with ``autograd.grad``;
the numerical one by central differences, perturbing the inputs' storage in place.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients differ."""


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    from .._tensor import Tensor

    out = func(*inputs)
    outs = _tuple(out)
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.is_floating_point]


def _numerical_jacobians(func, inputs, diff_idx, eps):
    """Per (output, input) pair: a (numel_in, numel_out) numerical Jacobian."""
    # grad mode stays on: ``func`` may itself differentiate (gradgradcheck)
    if True:
        base = _outputs(func, inputs)
        jac = {}
        for j in diff_idx:
            x = inputs[j]
            flat = x._data.reshape(-1) if x._data.flags.c_contiguous else None
            if flat is None:
                raise GradcheckError(f"gradcheck: input {j} must be contiguous")
            cols = [np.zeros((flat.size, o.numel()), dtype=np.float64) for o in base]
            for k in range(flat.size):
                orig = flat[k].item()
                flat[k] = orig + eps
                plus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(func, inputs)]
                flat[k] = orig - eps
                minus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(func, inputs)]
                flat[k] = orig
                for i, (p, m) in enumerate(zip(plus, minus)):
                    cols[i][k] = (p - m) / (2 * eps)
            for i in range(len(base)):
                jac[(i, j)] = cols[i]
    return base, jac


def _analytical_jacobians(func, inputs, diff_idx):
    from .._tensor import Tensor
    from . import grad

    outs = _outputs(func, inputs)
    jac = {}
    diff_inputs = [inputs[j] for j in diff_idx]
    for i, out in enumerate(outs):
        for j in diff_idx:
            jac[(i, j)] = np.zeros((inputs[j].numel(), out.numel()), dtype=np.float64)
        if not out.requires_grad:
            continue
        flat_n = out.numel()
        for k in range(flat_n):
            g = np.zeros(out.shape, dtype=out._data.dtype)
            g.reshape(-1)[k] = 1
            grads = grad(out, diff_inputs, Tensor._make(g), retain_graph=True, allow_unused=True)
            for j, gj in zip(diff_idx, grads):
                if gj is not None:
                    if gj.shape != inputs[j].shape:
                        raise GradcheckError(
                            f"Gradient for input {j} has shape {list(gj.shape)} but the input has shape {list(inputs[j].shape)}"
                        )
                    jac[(i, j)][:, k] = gj._data.astype(np.float64).reshape(-1)
    return outs, jac


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
    masked=None,
) -> bool:
    """Compare analytical gradients of ``func`` at ``inputs`` with central finite differences.

    Returns True on success. On a mismatch raises ``GradcheckError`` naming the output,
    the input, the element index and both values (or returns False when
    ``raise_exception=False``).
    """
    from .._tensor import Tensor

    inputs = _tuple(inputs)
    diff_idx = [j for j, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True."
        )
    for j in diff_idx:
        if inputs[j].dtype.name != "float64":
            warnings.warn(
                f"Input #{j} requires gradient and is not a double precision floating point. This check will likely "
                "fail if all the inputs are not of double precision floating point. ",
                UserWarning,
                stacklevel=2,
            )
    outs, analytical = _analytical_jacobians(func, inputs, diff_idx)
    _, numerical = _numerical_jacobians(func, inputs, diff_idx, eps)
    for (i, j), a in analytical.items():
        n = numerical[(i, j)]
        bad = ~(np.abs(a - n) <= atol + rtol * np.abs(n))
        # NaN on both sides counts as agreement
        bad &= ~(np.isnan(a) & np.isnan(n))
        if bad.any():
            k_in, k_out = (int(v[0]) for v in np.nonzero(bad))
            idx_in = np.unravel_index(k_in, inputs[j].shape) if inputs[j].ndim else ()
            idx_out = np.unravel_index(k_out, outs[i].shape) if outs[i].ndim else ()
            msg = (
                f"Jacobian mismatch for output {i} with respect to input {j}: at input element "
                f"{tuple(int(v) for v in idx_in)} and output element {tuple(int(v) for v in idx_out)}, "
                f"analytical={a[k_in, k_out]!r}, numerical={n[k_in, k_out]!r} "
                f"({int(bad.sum())} of {bad.size} entries differ beyond atol={atol}, rtol={rtol}).\n"
                f"numerical:{n}\nanalytical:{a}\n"
            )
            if raise_exception:
                raise GradcheckError(msg)
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
    masked=None,
) -> bool:
    """Check second derivatives: gradcheck of the (create_graph) gradient of ``func``."""
    from .._tensor import Tensor
    from ..random import Generator
    from . import grad

    inputs = _tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        gen = Generator().manual_seed(0)
        grad_outputs = tuple(
            Tensor._make(gen._rng.standard_normal(o.shape).astype(o._data.dtype)).requires_grad_(True) for o in outs
        )
    else:
        grad_outputs = _tuple(grad_outputs)
    n_in = len(inputs)

    def first_grad(*args):
        ins, gos = args[:n_in], args[n_in:]
        pairs = [(o, g) for o, g in zip(_outputs(func, ins), gos) if o.requires_grad]
        d = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        gs = grad([o for o, _ in pairs], d, [g for _, g in pairs], create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(
        first_grad, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )
