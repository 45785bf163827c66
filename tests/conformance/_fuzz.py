"""Differential bad-input fuzzing: perturbed calls run side by side in torch and microtorch.

Valid calls come from the databases (the first samples of every op_db entry microtorch
has, module_db constructor and forward inputs) and from a small table for optim and
utils.data. Each call is perturbed in seeded ways: wrong rank, wrong shape, wrong dtype,
out-of-range value or index, wrong type, empty and 0-d inputs. For each perturbed call:

- torch raises: microtorch must raise too (else ``silent``), an instance of torch's class
  (else ``class``), and never an internal error (``internal``: numpy's or Python's own
  exceptions of another class); a failed call must leave every input tensor and its
  ``.grad`` (and a module's or optimizer's state) as it was (else ``state``);
- torch accepts: microtorch must accept (else ``rejected``) and agree (else ``mismatch``).

Case keys: ``<entry> <perturbation> <n>``; the check that failed is the detail.
"""

from __future__ import annotations

import zlib

import numpy as np

import microtorch as mt

from ._convert import Unconvertible, recording_module_constructors, to_mt
from ._ops import (
    RANDOM_ENTRIES,
    Case,
    _call,
    _describe,
    _quiet,
    compare,
    entry_name,
    microtorch_function,
    random_sample,
    same_class,
)

PERTURBATIONS = ("rank_up", "rank_down", "shape", "dtype", "value", "type", "empty", "zero_dim")
INTERNAL_MODULES = ("numpy",)
INTERNAL_CLASSES = (AttributeError, KeyError, ZeroDivisionError, OverflowError, AssertionError, UnboundLocalError)


def _rng(name: str) -> np.random.RandomState:
    return np.random.RandomState(zlib.crc32(name.encode()) % (2**31))


def _slots(call_args: list, kwargs: dict) -> list:
    """Places in a call that can be perturbed: ('arg', i) and ('kw', name)."""
    return [("arg", i) for i in range(len(call_args))] + [("kw", k) for k in sorted(kwargs)]


def _get(call_args, kwargs, slot):
    return call_args[slot[1]] if slot[0] == "arg" else kwargs[slot[1]]


def _set(call_args, kwargs, slot, value):
    call_args, kwargs = list(call_args), dict(kwargs)
    if slot[0] == "arg":
        call_args[slot[1]] = value
    else:
        kwargs[slot[1]] = value
    return call_args, kwargs


def _perturb_value(kind: str, value, rng):
    """A bad version of one argument for the given kind of perturbation, or None."""
    import torch

    if isinstance(value, torch.Tensor):
        t = value.detach()
        if kind == "rank_up":
            return t.unsqueeze(0).expand(2, *t.shape).clone()
        if kind == "rank_down":
            return t[0].clone() if t.ndim > 0 and t.shape[0] > 0 else None
        if kind == "shape":
            if t.ndim == 0:
                return None
            d = int(rng.randint(t.ndim))
            shape = list(t.shape)
            shape[d] += 1 + int(rng.randint(3))
            return torch.ones(shape, dtype=t.dtype)
        if kind == "dtype":
            if t.dtype.is_floating_point:
                return t.to(torch.int64) if rng.rand() < 0.5 else t.to(torch.bool)
            return t.to(torch.float64)
        if kind == "empty":
            if t.ndim == 0:
                return torch.empty(0, dtype=t.dtype)
            shape = list(t.shape)
            shape[int(rng.randint(t.ndim))] = 0
            return torch.empty(shape, dtype=t.dtype)
        if kind == "zero_dim":
            return torch.tensor(1, dtype=t.dtype) if t.ndim > 0 else None
        if kind == "type":
            return t.tolist() if rng.rand() < 0.5 else "tensor"
        return None
    if isinstance(value, bool):
        return "yes" if kind == "type" else None
    if isinstance(value, int):
        if kind == "value":
            return [99, -99, -1, 0, 2**40][int(rng.randint(5))]
        if kind == "type":
            return [1.5, "1", None][int(rng.randint(3))]
        return None
    if isinstance(value, float):
        if kind == "value":
            return [float("nan"), -1.0, float("inf")][int(rng.randint(3))]
        if kind == "type":
            return "0.5"
        return None
    if (
        isinstance(value, (tuple, list))
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        kind_of = tuple if isinstance(value, tuple) else list
        if kind == "value":
            return kind_of(v - 1000 if i == 0 else v for i, v in enumerate(value))
        if kind == "rank_up":
            return kind_of([*value, 1])
        if kind == "rank_down":
            return kind_of(value[:-1])
        if kind == "type":
            return kind_of([*value[:-1], 1.5])
        return None
    if isinstance(value, str) and kind in ("value", "type"):
        return "not-an-option" if kind == "value" else 3
    return None


def _snapshot(objs) -> list:
    return [(t, t._data.copy(), None if t.grad is None else t.grad._data.copy()) for t in objs]


def _unchanged(snapshot) -> bool:
    for t, data, grad in snapshot:
        if t._data.shape != data.shape or not np.array_equal(t._data, data, equal_nan=True):
            return False
        if (grad is None) != (t.grad is None) or (grad is not None and not np.array_equal(t.grad._data, grad)):
            return False
    return True


def _mt_tensors(obj, out=None) -> list:
    out = [] if out is None else out
    if isinstance(obj, mt.Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _mt_tensors(v, out)
    elif isinstance(obj, dict):
        for v in obj.values():
            _mt_tensors(v, out)
    return out


def is_internal(exc) -> bool:
    """An exception that is numpy's or Python's own rather than an API error."""
    module = type(exc).__module__ or ""
    return module.startswith(INTERNAL_MODULES) or isinstance(exc, INTERNAL_CLASSES)


# Ops whose result among equal values is unspecified in torch (unstable sorts): a perturbed call
# full of ties is compared in structure, shape and dtype only.
TIE_ORDER_ENTRIES = {"sort", "argsort", "topk", "msort", "kthvalue", "median", "nanmedian", "mode"}
# Ops that may grow a tensor into memory torch leaves uninitialised (whatever the allocator
# hands back, zeros or garbage from run to run): compared in structure, shape and dtype only.
UNINITIALISED_ENTRIES = {"resize_", "resize_as_"}
SHAPE_ONLY_ENTRIES = TIE_ORDER_ENTRIES | UNINITIALISED_ENTRIES


def judge(t_out, t_exc, m_out, m_exc, snapshot, shape_only: bool = False) -> str | None:
    """None when microtorch behaved as torch on this call, else the failed check and why."""
    if t_exc is not None:
        if m_exc is None:
            return f"silent: torch raises {_describe(t_exc)}; microtorch returned a result"
        if not _unchanged(snapshot):
            return "state: a failed call changed an input tensor or its .grad"
        if is_internal(t_exc):
            # torch's own Python code leaked an internal error (AttributeError on .size() in a wrapper, or
            # a test-suite lambda calling a method on a str): the same, or a clear API error, is right
            if isinstance(m_exc, (TypeError, ValueError, RuntimeError, type(t_exc))):
                return None
            return f"class: torch raises {type(t_exc).__name__}; microtorch {_describe(m_exc)}"
        if is_internal(m_exc):
            return f"internal: torch raises {type(t_exc).__name__}; microtorch {_describe(m_exc)}"
        if not same_class(t_exc, m_exc):
            return f"class: torch raises {type(t_exc).__name__}; microtorch {_describe(m_exc)}"
        return None
    if m_exc is not None:
        return f"rejected: torch accepts; microtorch raised {_describe(m_exc)}"
    why = compare(t_out, m_out, shape_only=shape_only)
    return None if why is None else f"mismatch: {why}"


def _module_state(module) -> dict:
    return {k: v._data.copy() for k, v in module.state_dict().items()} if module is not None else {}


def _module_unchanged(module, before: dict) -> bool:
    now = module.state_dict() if module is not None else {}
    return all(np.array_equal(now[k]._data, v, equal_nan=True) for k, v in before.items())


def fuzz_call(label: str, t_fn, m_fn, call_args: list, kwargs: dict, per_call: int, module=None) -> list[Case]:
    """Perturb one valid call in several ways and judge each perturbed call.

    Each kind of perturbation draws from its own generator seeded by the label, so the
    first calls of a kind are the same whatever ``per_call`` is (stable case keys)."""
    cases = []
    slots = _slots(call_args, kwargs)
    if not slots:
        return cases
    for kind in PERTURBATIONS:
        rng = _rng(f"{label} {kind}")
        made = 0
        for slot in [slots[i] for i in rng.permutation(len(slots))]:
            if made >= per_call:
                break
            bad = _perturb_value(kind, _get(call_args, kwargs, slot), rng)
            hangs = label.split("#")[0] in TORCH_HANGS_ON_HUGE
            if bad is None or (hangs and isinstance(bad, int) and bad >= 2**31):
                continue
            t_args, t_kwargs = _set(call_args, kwargs, slot, bad)
            try:
                memo: dict = {}
                m_args, m_kwargs = to_mt(t_args, memo), to_mt(t_kwargs, memo)
            except Unconvertible:
                continue
            snapshot = _snapshot(_mt_tensors([m_args, m_kwargs]))
            state_before = _module_state(module)
            with _quiet():
                t_out, t_exc = _call(t_fn, t_args, t_kwargs)
                m_out, m_exc = _call(m_fn, m_args, m_kwargs)
            why = judge(t_out, t_exc, m_out, m_exc, snapshot, shape_only=label.split("#")[0] in SHAPE_ONLY_ENTRIES)
            if why is None and m_exc is not None and not _module_unchanged(module, state_before):
                why = "state: a failed forward changed the module's state"
            key = f"{label} {kind} {made}"
            cases.append(Case(key, why is None, why or ("raises" if t_exc is not None else "accepts")))
            made += 1
    return cases


# Entries torch itself crashes on under perturbation (lu_unpack with out-of-range pivots corrupts
# torch's heap; embedding_bag with offsets of shape (0,) and native_batch_norm with unchecked parameter sizes
# segfault): not fuzzed, so that the run survives.
# Calls torch never returns from with a huge integer (nn.RNN(2, 2, num_layers=2**40) loops building
# layers; max_pool1d with a 2**40 kernel loops in its CPU kernel): those perturbations are skipped.
TORCH_HANGS_ON_HUGE = {"nn.RNN.__init__", "nn.GRU.__init__", "nn.LSTM.__init__", "nn.functional.max_pool1d"}
TORCH_CRASHES = {"lu_unpack", "nn.functional.embedding_bag", "native_batch_norm"}


def fuzz_op(op, per_call: int = 1, samples: int = 1) -> list[Case]:
    """Perturbed calls built from the first float64 samples of one op_db entry."""
    import torch

    name = entry_name(op)
    if name in RANDOM_ENTRIES or name in TORCH_CRASHES:
        return []
    m_fn = microtorch_function(op)
    if m_fn is None:
        return []
    cases = []
    torch.manual_seed(0)
    with _quiet():
        try:
            dtype = torch.float64 if torch.float64 in op.supported_dtypes("cpu") else torch.int64
            base = list(op.sample_inputs("cpu", dtype, requires_grad=False))[:samples]
        except Exception:  # noqa: BLE001 - torch's own generator failing is not ours
            return []
    for i, sample in enumerate(base):
        label = name if i == 0 else f"{name}#{i}"
        if random_sample(name, sample):
            continue  # dropout inside attention: no value to compare, and errors are fuzzed on the other samples
        cases += fuzz_call(label, op.op, m_fn, [sample.input, *sample.args], dict(sample.kwargs), per_call)
    return cases


def fuzz_module(info, per_call: int = 1) -> list[Case]:
    """Perturbed constructor and forward calls of one module_db entry."""
    import torch

    name = "nn." + info.module_cls.__name__
    m_cls = getattr(mt.nn, info.module_cls.__name__, None)
    if m_cls is None or info.module_cls.__name__.startswith(("Dropout", "AlphaDropout", "FeatureAlpha", "RReLU")):
        return []
    torch.manual_seed(0)
    with _quiet(), recording_module_constructors():
        try:
            inputs = info.module_inputs_func(
                info, device="cpu", dtype=torch.float64, requires_grad=False, training=True
            )
        except Exception:  # noqa: BLE001
            return []
    if not inputs:
        return []
    module_input = inputs[0]
    cargs, ckwargs = list(module_input.constructor_input.args), dict(module_input.constructor_input.kwargs)
    cases = fuzz_call(f"{name}.__init__", info.module_cls, m_cls, cargs, ckwargs, per_call)
    torch.manual_seed(0)
    try:
        with _quiet():
            t_mod = info.module_cls(*cargs, **ckwargs).to(torch.float64)
            m_mod = m_cls(*to_mt(cargs), **to_mt(ckwargs))
            m_mod.to(mt.float64)
            m_mod.load_state_dict({k: to_mt(v.detach().clone()) for k, v in t_mod.state_dict().items()})
    except Exception:  # noqa: BLE001 - construction differences are the module conformance test's
        return cases
    fargs, fkwargs = list(module_input.forward_input.args), dict(module_input.forward_input.kwargs)
    return cases + fuzz_call(f"{name}.forward", t_mod, m_mod, fargs, fkwargs, per_call, module=m_mod)


def _optim_calls():
    """Valid optimizer and data-loading calls: (label, torch callable, microtorch callable, args, kwargs)."""
    import torch

    calls = []
    params_t = [torch.nn.Parameter(torch.ones(2, dtype=torch.float64))]
    for name in ("SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop", "NAdam", "RAdam", "Adamax", "Rprop", "ASGD"):
        t_cls, m_cls = getattr(torch.optim, name), getattr(mt.optim, name, None)
        if m_cls is None:
            continue
        kwargs = {"lr": 0.01, "weight_decay": 0.1}
        if name in ("SGD", "RMSprop"):
            kwargs["momentum"] = 0.9
        if name in ("Adam", "AdamW", "NAdam", "RAdam", "Adamax"):
            kwargs["betas"] = (0.9, 0.99)
            kwargs["eps"] = 1e-8
        calls.append((f"optim.{name}", t_cls, m_cls, [params_t], kwargs))
    data = torch.arange(12.0, dtype=torch.float64).reshape(6, 2)
    labels = torch.arange(6)
    calls.append(
        ("utils.data.TensorDataset", torch.utils.data.TensorDataset, mt.utils.data.TensorDataset, [data, labels], {})
    )
    dataset_t = torch.utils.data.TensorDataset(data, labels)

    def loader(lib):
        def make(dataset, batch_size=2, shuffle=False, drop_last=False):
            real = lib.utils.data.TensorDataset(*[lib.tensor(t.numpy()) for t in dataset.tensors])
            return list(lib.utils.data.DataLoader(real, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last))

        return make

    calls.append(
        ("utils.data.DataLoader", loader(torch), loader(mt), [dataset_t], {"batch_size": 2, "drop_last": False})
    )
    return calls


def fuzz_optim_and_data(per_call: int = 1) -> list[Case]:
    """Perturbed optimizer constructions and data-loading calls."""
    cases = []
    for label, t_fn, m_fn, call_args, kwargs in _optim_calls():
        cases += fuzz_call(label, t_fn, m_fn, call_args, kwargs, per_call)
    return cases


def summarise(cases) -> dict:
    """Counts of calls torch rejects and how microtorch handled them."""
    raised = [
        c
        for c in cases
        if c.detail == "raises" or c.detail.split(":", 1)[0] in ("silent", "class", "internal", "state")
    ]
    counts = {"calls": len(cases), "torch_raises": len(raised)}
    for kind in ("silent", "class", "internal", "state", "rejected", "mismatch"):
        counts[kind] = sum(1 for c in cases if not c.ok and c.detail.startswith(kind + ":"))
    counts["same_class"] = sum(1 for c in raised if c.ok)
    return counts
