"""The case table's record type, and how a public form such as ``Tensor.exp`` is resolved to a callable."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# the namespaces a form may name, and the modules they stand for
NAMESPACES = {
    "torch": "microtorch",
    "F": "microtorch.nn.functional",
    "linalg": "microtorch.linalg",
    "special": "microtorch.special",
    "fft": "microtorch.fft",
    "signal": "microtorch.signal",
}


@dataclass(frozen=True)
class GradOp:
    """One checked op: name, family, builder, the public forms it checks, second-order flag and step.

    ``build(rng, f) -> (fn, inputs)`` gets ``f``, one of ``forms`` resolved to a callable; a
    builder of an op without ``forms`` is called as ``build(rng)``.
    """

    name: str
    family: str
    build: Callable
    forms: tuple[str, ...] = ()
    second_order: bool = True
    eps: float = 1e-6  # finite-difference step


def op(
    name: str, family: str, build: Callable, where: str = "torch Tensor", *, order2: bool = True, eps: float = 1e-6
) -> GradOp:
    """A ``GradOp`` whose forms are ``name`` in each namespace ``where`` lists.

    ``"torch Tensor"`` gives ``torch.name`` and ``Tensor.name``; a token with a dot is a form
    as is (an alias, an operator); ``name`` up to a ``(`` is the attribute (``max(dim)``: ``max``).
    """
    base = name.split("(")[0]
    forms = tuple(tok if "." in tok else f"{tok}.{base}" for tok in where.split())
    return GradOp(name, family, build, forms, order2, eps)


def family(name: str) -> Callable:
    """A shorthand for ``op`` with the family filled in: ``E = family("elementwise"); E("exp", build)``."""

    def make(op_name: str, build: Callable, where: str = "torch Tensor", **kw) -> GradOp:
        return op(op_name, name, build, where, **kw)

    return make


def resolve(form: str) -> Callable:
    """The callable of a public form: a function, or ``Tensor.name`` as ``f(x, *args)`` (a property as ``f(x)``)."""
    ns, _, name = form.partition(".")
    if ns == "Tensor":
        from microtorch import Tensor

        attr = inspect.getattr_static(Tensor, name)  # AttributeError: not part of this build
        if isinstance(attr, property):
            return lambda x: getattr(x, name)
        return lambda x, *a, **k: getattr(x, name)(*a, **k)
    try:
        module = importlib.import_module(NAMESPACES[ns])
    except ModuleNotFoundError as e:
        raise ImportError(str(e)) from e
    return getattr(module, name)


def case_rng(seed: int, k: int, name: str) -> np.random.Generator:
    """The generator of case ``k`` of op ``name`` under ``seed`` (the CLI's and the tests' cases agree)."""
    return np.random.default_rng([seed, k, sum(map(ord, name))])


def swapped(build: Callable) -> Callable:
    """``build`` with the op's two tensor arguments passed in reverse: for reflected operators ``b.__rop__(a)``."""

    def make(rng, f):
        _, inputs = build(rng, lambda a, b: None)
        return (lambda a, b: f(b, a)), inputs

    return make


def build_case(op: GradOp, rng, form: int = 0):
    """The function and float64 inputs of one generated case of ``op``, calling it through ``op.forms[form]``."""
    if not op.forms:
        return op.build(rng)
    return op.build(rng, resolve(op.forms[form % len(op.forms)]))
