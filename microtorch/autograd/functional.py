"""Higher-order helpers built on ``grad``: vector-Jacobian, Jacobian, Hessian and
Hessian-vector products (``torch.autograd.functional``)."""

from __future__ import annotations

__all__ = ["vjp", "jacobian", "hessian", "hvp"]


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _prep(inputs):
    return tuple(t.detach().requires_grad_(True) for t in _tuple(inputs))


def vjp(func, inputs, v=None, create_graph: bool = False):
    """``(func(inputs), v^T J)``."""
    from . import grad

    ins = _prep(inputs)
    out = func(*ins)
    grads = grad(out, ins, v, create_graph=create_graph, allow_unused=True, materialize_grads=True)
    return out, grads if isinstance(inputs, (tuple, list)) else grads[0]


def jacobian(func, inputs, create_graph: bool = False):
    """The Jacobian of ``func`` at ``inputs`` (one block per input)."""
    from .. import _creation as C
    from . import grad

    ins = _prep(inputs)
    out = func(*ins)
    rows = []
    flat = out.reshape(-1)
    for i in range(flat.numel()):
        gs = grad(flat[i], ins, retain_graph=True, create_graph=create_graph, allow_unused=True, materialize_grads=True)
        rows.append(gs)
    blocks = []
    for k, t in enumerate(ins):
        stacked = C.zeros(0) if not rows else __import__("microtorch").stack([r[k] for r in rows])
        blocks.append(stacked.reshape(tuple(out.shape) + tuple(t.shape)))
    return tuple(blocks) if isinstance(inputs, (tuple, list)) else blocks[0]


def hessian(func, inputs, create_graph: bool = False):
    """The Hessian of scalar ``func`` at a single tensor input."""
    from . import grad

    def first(x):
        (g,) = grad(func(x), (x,), create_graph=True)
        return g

    return jacobian(first, inputs, create_graph=create_graph)


def hvp(func, inputs, v, create_graph: bool = False):
    """``(func(inputs), H v)`` for scalar ``func`` (a Hessian-vector product by double backward)."""
    from . import grad

    ins = _prep(inputs)
    out = func(*ins)
    gs = grad(out, ins, create_graph=True)
    vs = _tuple(v)
    dot = sum((g * vi).sum() for g, vi in zip(gs, vs))
    hv = grad(dot, ins, create_graph=create_graph, allow_unused=True, materialize_grads=True)
    return out, hv if isinstance(inputs, (tuple, list)) else hv[0]
