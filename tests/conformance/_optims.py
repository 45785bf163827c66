"""Running one OptimizerInfo entry of PyTorch's ``optim_db`` against microtorch.

Each configuration (``optim_inputs_func``), in each implementation flag torch supports on
the CPU (default, ``foreach=True``, ``fused=True``, ``differentiable=True``), takes five
steps on the same small float64 problem in both libraries; the parameters must be equal
after every step (or both libraries raise the same class). Keys:
``<Optimizer> <config#> <impl> steps`` and ``<Optimizer> error <#>``.
"""

from __future__ import annotations

import numpy as np

import microtorch as mt

from ._convert import Unconvertible, to_mt
from ._ops import Case, _call, _describe, _quiet, _raise_check

STEPS = 5
TOL = (1e-9, 1e-10)


def _problem(lib):
    """Parameters and a closure computing a small smooth loss (tanh layer, squared error)."""
    rng = np.random.RandomState(7)
    w0, b0 = rng.standard_normal((3, 2)), rng.standard_normal(3)
    x, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 3))
    weight = lib.nn.Parameter(lib.tensor(w0, dtype=lib.float64))
    bias = lib.nn.Parameter(lib.tensor(b0, dtype=lib.float64))
    xs, ys = lib.tensor(x, dtype=lib.float64), lib.tensor(y, dtype=lib.float64)

    def loss_fn():
        return (((xs @ weight.T + bias).tanh() - ys) ** 2).sum()

    return [weight, bias], loss_fn


def _train(lib, optim_cls, kwargs, needs_closure: bool):
    """Parameter values (numpy) after each step, or the exception raised.

    With ``differentiable=True`` the optimizer works on non-leaf copies of the parameters
    whose ``.grad`` is set from a create_graph gradient, so that the result of all steps is
    differentiable with respect to the original leaves: their gradient is the last entry."""
    if kwargs.get("differentiable"):
        return _train_differentiable(lib, optim_cls, kwargs)
    params, loss_fn = _problem(lib)
    optimizer, exc = _call(optim_cls, [params], kwargs)
    if exc is not None:
        return None, exc
    history = []
    for _ in range(STEPS):

        def closure():
            optimizer.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        if needs_closure:
            _, exc = _call(optimizer.step, [closure], {})
        else:
            with _quiet():
                closure()
            _, exc = _call(optimizer.step, [], {})
        if exc is not None:
            return None, exc
        history.append([p.detach().numpy().copy() for p in params])
    return history, None


def _train_differentiable(lib, optim_cls, kwargs):
    leaves, loss_fn = _problem(lib)
    params = [p.clone() for p in leaves]
    rng = np.random.RandomState(11)

    def loss_of(current):
        weight, bias = current
        xs = lib.tensor(rng.standard_normal((4, 2)), dtype=lib.float64)
        return ((xs @ weight.T + bias).tanh() ** 2).sum()

    optimizer, exc = _call(optim_cls, [params], kwargs)
    if exc is not None:
        return None, exc
    history = []
    for _ in range(STEPS):
        grads, exc = _call(lib.autograd.grad, [loss_of(params), params], {"create_graph": True})
        if exc is not None:
            return None, exc
        for p, g in zip(params, grads):
            p.grad = g
        _, exc = _call(optimizer.step, [], {})
        if exc is not None:
            return None, exc
        history.append([p.detach().numpy().copy() for p in params])
    total = sum((p * (i + 1.0)).sum() for i, p in enumerate(params))
    leaf_grads, exc = _call(lib.autograd.grad, [total, leaves], {"allow_unused": True})
    if exc is not None:
        return None, exc
    history.append(
        [np.zeros(leaf.shape) if g is None else g.detach().numpy().copy() for leaf, g in zip(leaves, leaf_grads)]
    )
    return history, None


def _impls(info) -> list[str]:
    supported = set(info.supported_impls)
    return ["default"] + [impl for impl in ("foreach", "fused", "differentiable") if impl in supported]


class _OptimRunner:
    def __init__(self, info) -> None:
        self.info = info
        self.name = info.optim_cls.__name__
        self.m_cls = getattr(mt.optim, self.name, None)
        self.cases: list[Case] = []

    def add(self, key: str, ok: bool, detail: str = "") -> None:
        self.cases.append(Case(f"{self.name} {key}", ok, detail))

    def run(self) -> list[Case]:
        import torch

        with _quiet():
            configs = self.info.optim_inputs_func(device="cpu", dtype=torch.float64)
        for i, config in enumerate(configs):
            if config.params is not None:
                continue  # param-group layouts are exercised by error inputs and our own tests
            for impl in _impls(self.info):
                kwargs = dict(config.kwargs)
                if impl != "default":
                    kwargs[impl] = True
                self.run_config(f"{i} {impl} steps", kwargs)
        self.run_errors()
        return self.cases

    def run_config(self, key: str, kwargs: dict) -> None:
        import torch

        needs_closure = self.info.step_requires_closure
        t_hist, t_exc = _train(torch, self.info.optim_cls, kwargs, needs_closure)
        try:
            m_kwargs = to_mt(kwargs)
        except Unconvertible as exc:
            self.add(key, False, f"arguments not expressible in microtorch: {exc}")
            return
        m_hist, m_exc = _train(mt, self.m_cls, m_kwargs, needs_closure)
        if t_exc is not None:
            ok, why = _raise_check(t_exc, m_exc, m_hist)
            self.add(key, ok, why)
            return
        if m_exc is not None:
            self.add(key, False, f"microtorch raised {_describe(m_exc)}")
            return
        for step, (t_params, m_params) in enumerate(zip(t_hist, m_hist), 1):
            for name, t, m in zip(("weight", "bias"), t_params, m_params):
                if not np.allclose(m, t, rtol=TOL[0], atol=TOL[1], equal_nan=True):
                    worst = float(np.max(np.abs(m - t)))
                    self.add(key, False, f"{name} differs after step {step} (max abs diff {worst:.3g})")
                    return
        self.add(key, True)

    def run_errors(self) -> None:
        import torch

        func = self.info.optim_error_inputs_func
        if func is None:
            return
        with _quiet():
            errors = func(device="cpu", dtype=torch.float64)
        for j, error in enumerate(errors):
            given = error.optimizer_error_input
            try:
                m_params, m_kwargs = to_mt(given.params), to_mt(dict(given.kwargs))
            except Unconvertible:
                continue
            t_exc = self.attempt(self.info.optim_cls, given.params, dict(given.kwargs), torch)
            if t_exc is None:
                continue
            m_exc = self.attempt(self.m_cls, m_params, m_kwargs, mt)
            ok, why = _raise_check(t_exc, m_exc, None)
            self.add(f"error {j}", ok, why)

    def attempt(self, cls, params, kwargs, lib):
        """Build the optimizer and take one step; the exception raised, or None."""
        optimizer, exc = _call(cls, [params], kwargs)
        if exc is not None:
            return exc
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    p.grad = lib.ones_like(p)
        closure = (lambda: lib.tensor(0.0)) if self.info.step_requires_closure else None
        _, exc = _call(optimizer.step, [closure] if closure else [], {})
        return exc


def run_optim_entry(info) -> list[Case]:
    """Every case of one optim_db entry, against torch on the same problem."""
    return _OptimRunner(info).run()
