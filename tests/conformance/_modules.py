"""Running one ModuleInfo entry of PyTorch's ``module_db`` against microtorch.

Both modules are built from the same constructor arguments, torch's state (parameters
and buffers) is copied into ours, and then, in train and in eval mode: the outputs, the
float64 gradients of ``sum(out * R)`` for inputs and parameters, and the buffers after
forward are compared. Case keys: ``nn.<Class> <train|eval> <dtype> <sample#> <check>``
with checks ``state`` (state_dict keys and shapes), ``value``, ``grad``, ``buffers``, and
``nn.<Class> error <#>`` for ``module_error_inputs``.
"""

from __future__ import annotations

import numpy as np

import microtorch as mt

from ._convert import Unconvertible, flat_outputs, recording_module_constructors, to_mt, torch_leaves
from ._ops import GRAD_TOL, Case, _call, _describe, _quiet, _raise_check, compare

RANDOM_MODULES = {
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "AlphaDropout",
    "FeatureAlphaDropout",
    "RReLU",
    "FractionalMaxPool2d",
    "FractionalMaxPool3d",
}


def module_name(info) -> str:
    """The entry's name as the expected-failure file spells it (``nn.Linear``)."""
    return "nn." + info.module_cls.__name__


def microtorch_module_class(info):
    """microtorch's class of the same name, or None."""
    return getattr(mt.nn, info.module_cls.__name__, None)


class _ModuleRunner:
    def __init__(self, info, thorough: bool, max_samples: int | None) -> None:
        self.info = info
        self.name = module_name(info)
        self.m_cls = microtorch_module_class(info)
        self.thorough = thorough
        self.max_samples = max_samples
        self.cases: list[Case] = []
        self.random = info.module_cls.__name__ in RANDOM_MODULES

    def add(self, key: str, ok: bool, detail: str = "") -> None:
        self.cases.append(Case(f"{self.name} {key}", ok, detail))

    def run(self) -> list[Case]:
        import torch

        dtypes = [torch.float64, torch.float32]
        for training in (True, False):
            mode = "train" if training else "eval"
            for dtype in dtypes:
                if dtype not in self.info.supported_dtypes("cpu"):
                    continue
                dname = str(dtype).rsplit(".", 1)[-1]
                torch.manual_seed(0)
                with _quiet(), recording_module_constructors():
                    try:
                        inputs = self.info.module_inputs_func(
                            self.info,
                            device="cpu",
                            dtype=dtype,
                            requires_grad=dtype == torch.float64,
                            training=training,
                        )
                    except Exception:  # noqa: BLE001 - torch's own generator failing is not ours
                        continue
                if self.max_samples is not None:
                    inputs = inputs[: self.max_samples]
                for i, module_input in enumerate(inputs):
                    self.run_one(f"{mode} {dname} {i}", module_input, dtype, training)
        self.run_errors()
        return self.cases

    def build(self, key, module_input, dtype, training):
        """Both modules, torch's state copied into ours; None (and a failed case) if impossible."""
        import torch

        cargs, ckwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
        torch.manual_seed(0)
        with _quiet():
            t_mod = self.info.module_cls(*cargs, **ckwargs)
        t_mod.to(dtype=dtype)
        t_mod.train(training)
        try:
            m_cargs, m_ckwargs = to_mt(list(cargs)), to_mt(dict(ckwargs))
        except Unconvertible as exc:
            self.add(f"{key} value", False, f"constructor arguments not expressible in microtorch: {exc}")
            return None
        m_mod, exc = _call(self.m_cls, m_cargs, m_ckwargs)
        if exc is not None:
            self.add(f"{key} value", False, f"constructor raised {_describe(exc)}")
            return None
        with _quiet():
            m_mod.to(to_mt(dtype))
        m_mod.train(training)
        if not self._materialise_lazy(t_mod, m_mod, module_input):
            return None
        t_state = t_mod.state_dict()
        m_state = m_mod.state_dict()
        t_shapes = {k: tuple(v.shape) for k, v in t_state.items()}
        m_shapes = {k: tuple(v.shape) for k, v in m_state.items()}
        if t_shapes != m_shapes:
            self.add(f"{key} state", False, f"state_dict {m_shapes}, torch {t_shapes}")
            return None
        self.add(f"{key} state", True)
        try:
            with _quiet():
                m_mod.load_state_dict({k: to_mt(v.detach().clone()) for k, v in t_state.items()})
        except Exception as exc:  # noqa: BLE001
            self.add(f"{key} value", False, f"load_state_dict of torch's state raised {_describe(exc)}")
            return None
        return t_mod, m_mod

    def _materialise_lazy(self, t_mod, m_mod, module_input) -> bool:
        """Run one forward on lazy modules (torch's shapes exist only after it); False if ours fails."""
        import torch

        if not isinstance(t_mod, torch.nn.modules.lazy.LazyModuleMixin) or not t_mod.has_uninitialized_params():
            return True
        fargs, fkwargs = module_input.forward_input.args, module_input.forward_input.kwargs
        with torch.no_grad(), _quiet():
            t_mod(*fargs, **fkwargs)
        with mt.no_grad(), _quiet():
            _, exc = _call(m_mod, to_mt(list(fargs)), to_mt(dict(fkwargs)))
        if exc is not None:
            self.add(f"{self.info.module_cls.__name__} lazy", False, f"first forward raised {_describe(exc)}")
            return False
        return True

    def run_one(self, key, module_input, dtype, training) -> None:
        import torch

        built = self.build(key, module_input, dtype, training)
        if built is None:
            return
        t_mod, m_mod = built
        fargs, fkwargs = module_input.forward_input.args, module_input.forward_input.kwargs
        memo: dict = {}
        try:
            m_fargs, m_fkwargs = to_mt(list(fargs), memo), to_mt(dict(fkwargs), memo)
        except Unconvertible as exc:
            self.add(f"{key} value", False, f"forward input not expressible in microtorch: {exc}")
            return
        t_out, t_exc = _call(t_mod, list(fargs), dict(fkwargs))
        m_out, m_exc = _call(m_mod, m_fargs, m_fkwargs)
        if t_exc is not None:
            ok, why = _raise_check(t_exc, m_exc, m_out)
            self.add(f"{key} value", ok, why)
            return
        if m_exc is not None:
            self.add(f"{key} value", False, f"forward raised {_describe(m_exc)}")
            return
        random = self.random and training
        why = compare(t_out, m_out, shape_only=random)
        self.add(f"{key} value", why is None, why or "")
        if why is not None:
            return
        t_buffers = dict(t_mod.named_buffers())
        m_buffers = dict(m_mod.named_buffers())
        if t_buffers:
            if sorted(t_buffers) != sorted(m_buffers):
                self.add(f"{key} buffers", False, f"buffers {sorted(m_buffers)}, torch {sorted(t_buffers)}")
            else:
                names = sorted(t_buffers)
                why = compare(tuple(t_buffers[n] for n in names), tuple(m_buffers[n] for n in names))
                self.add(f"{key} buffers", why is None, why or "")
        if dtype == torch.float64 and not random:
            self.check_grads(key, fargs, fkwargs, memo, t_mod, m_mod, t_out, m_out)

    def check_grads(self, key, fargs, fkwargs, memo, t_mod, m_mod, t_out, m_out) -> None:
        import torch

        t_outs = [o for o in flat_outputs(t_out) if isinstance(o, torch.Tensor) and o.requires_grad]
        if not t_outs:
            return
        m_all = flat_outputs(m_out)
        m_outs = []
        for t, m in zip(flat_outputs(t_out), m_all):
            if isinstance(t, torch.Tensor) and t.requires_grad:
                if not isinstance(m, mt.Tensor) or not m.requires_grad:
                    self.add(f"{key} grad", False, "an output that requires grad in torch does not in microtorch")
                    return
                m_outs.append(m)
        t_inputs = [t for t in torch_leaves([fargs, fkwargs]) if t.requires_grad]
        m_inputs = [memo[id(t)] for t in t_inputs]
        t_params = dict(t_mod.named_parameters())
        m_params = dict(m_mod.named_parameters())
        names = [n for n in t_params if t_params[n].requires_grad]
        if any(n not in m_params for n in names):
            self.add(f"{key} grad", False, f"parameters {sorted(m_params)}, torch {sorted(t_params)}")
            return
        rng = np.random.RandomState(1234)
        weights = [rng.standard_normal(tuple(o.shape)) for o in t_outs]
        with _quiet():
            t_loss = sum((o * torch.from_numpy(w).to(o.dtype)).sum() for o, w in zip(t_outs, weights))
            t_grads = torch.autograd.grad(t_loss, t_inputs + [t_params[n] for n in names], allow_unused=True)
        try:
            with _quiet():
                m_loss = sum((o * mt.tensor(w, dtype=o.dtype)).sum() for o, w in zip(m_outs, weights))
                m_grads = mt.autograd.grad(m_loss, m_inputs + [m_params[n] for n in names], allow_unused=True)
        except Exception as exc:  # noqa: BLE001
            self.add(f"{key} grad", False, f"backward raised {_describe(exc)}")
            return
        targets_t = t_inputs + [t_params[n] for n in names]
        targets_m = m_inputs + [m_params[n] for n in names]
        t_dense = tuple(torch.zeros_like(t) if g is None else g for t, g in zip(targets_t, t_grads))
        m_dense = tuple(mt.zeros_like(t) if g is None else g for t, g in zip(targets_m, m_grads))
        why = compare(t_dense, m_dense, tol=GRAD_TOL)
        if why is not None:
            labels = [f"input {i}" for i in range(len(t_inputs))] + names
            for label, t, m in zip(labels, t_dense, m_dense):
                if compare(t, m, tol=GRAD_TOL) is not None:
                    why = f"gradient of {label}: {compare(t, m, tol=GRAD_TOL)}"
                    break
        self.add(f"{key} grad", why is None, why or "")

    def run_errors(self) -> None:
        import torch

        func = self.info.module_error_inputs_func
        if func is None:
            return
        with _quiet():
            try:
                errors = func(self.info, device="cpu", dtype=torch.float64, requires_grad=False, training=True)
            except Exception:  # noqa: BLE001
                return
        for j, error in enumerate(errors):
            module_input = error.module_error_input
            cargs, ckwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
            try:
                m_cargs, m_ckwargs = to_mt(list(cargs)), to_mt(dict(ckwargs))
                forward = module_input.forward_input
                fargs, fkwargs = (forward.args, forward.kwargs) if forward is not None else ((), {})
                m_fargs, m_fkwargs = to_mt(list(fargs)), to_mt(dict(fkwargs))
            except Unconvertible:
                continue
            t_mod, t_exc = _call(self.info.module_cls, list(cargs), dict(ckwargs))
            if t_exc is None:
                _, t_exc = _call(t_mod, list(fargs), dict(fkwargs))
            if t_exc is None:
                continue
            m_mod, m_exc = _call(self.m_cls, m_cargs, m_ckwargs)
            m_out = None
            if m_exc is None:
                m_out, m_exc = _call(m_mod, m_fargs, m_fkwargs)
            ok, why = _raise_check(t_exc, m_exc, m_out)
            self.add(f"error {j}", ok, why)


def run_module_entry(info, thorough: bool = False, max_samples: int | None = 4) -> list[Case]:
    """Every case of one module_db entry, against torch on the same inputs and state."""
    return _ModuleRunner(info, thorough, None if thorough else max_samples).run()
