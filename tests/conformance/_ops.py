"""Running one OpInfo entry of PyTorch's ``op_db`` against microtorch.

Each (entry, dtype, sample, check) is a case with a stable key, e.g.
``add float64 3 grad``; ``run_entry`` returns every case it ran with whether it passed and,
if not, why. Checks: ``value`` (function variant), ``method`` (Tensor method), ``inplace``
(values and version counter), ``grad`` / ``gradgrad`` (float64, of ``sum(out * R)``) and
``error`` (an ``error_inputs`` case: microtorch must raise an instance of torch's class).
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np

import microtorch as mt

from ._convert import (
    Unconvertible,
    as_numpy,
    dtype_name,
    flat_outputs,
    note_shared_storages,
    rebind,
    recording_module_constructors,
    resolve,
    to_mt,
    torch_leaves,
)

# Ops whose values are random or undefined: compared in shape and dtype only (their
# distributions are tested by their own seeded / statistical tests).
RANDOM_ENTRIES = {
    "bernoulli",
    "cauchy",
    "exponential",
    "geometric",
    "log_normal",
    "multinomial",
    "normal",
    "normal.in_place",
    "normal.number_mean",
    "uniform",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "empty",
    "empty_like",
    "empty_strided",
    "empty_permuted",
    "new_empty",
    "new_empty_strided",
    "nn.functional.dropout",
    "nn.functional.dropout2d",
    "nn.functional.dropout3d",
    "nn.functional.alpha_dropout",
    "nn.functional.feature_alpha_dropout.with_train",
    "nn.functional.rrelu",
    "nn.functional.fractional_max_pool2d",
    "nn.functional.fractional_max_pool3d",
    "svd_lowrank",
    "pca_lowrank",
}

FLOAT_TOL = {"float64": (1e-7, 1e-7), "float32": (1e-5, 1e-5), "float16": (1e-3, 1e-3)}
GRAD_TOL = (1e-6, 1e-7)
EXACT_DTYPES = ("int64", "int32", "int16", "int8", "uint8", "bool")


@dataclass
class Case:
    key: str
    ok: bool
    detail: str = ""


def entry_name(op) -> str:
    """The entry's name with its variant, as the expected-failure file spells it."""
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


def _is_suite_function(fn) -> bool:
    mod = getattr(getattr(fn, "func", fn), "__module__", "") or ""
    return mod.startswith("torch.testing")


def microtorch_function(op):
    """microtorch's function variant of an entry (rebinding a test-suite lambda), or None."""
    if _is_suite_function(op.op):
        last = op.name.rsplit(".", 1)[-1]
        if resolve(op.name) is None and not hasattr(mt.Tensor, last) and not hasattr(mt.Tensor, last + "_"):
            return None
        return rebind(op.op)
    return resolve(op.name)


def microtorch_method(op):
    """microtorch's ``Tensor`` method of an entry, or None."""
    if op.method_variant is None or _is_suite_function(op.method_variant):
        return None
    return getattr(mt.Tensor, op.method_variant.__name__, None)


def is_present(op) -> bool:
    """Whether microtorch has this entry at all (function or method)."""
    return microtorch_function(op) is not None or microtorch_method(op) is not None


def _dtypes_to_run(op, thorough: bool) -> list:
    import torch

    supported = op.supported_dtypes("cpu")
    wanted = [torch.float64, torch.float32]
    wanted += [torch.int64, torch.bool] + ([torch.int32, torch.int16, torch.int8, torch.uint8] if thorough else [])
    return [d for d in wanted if d in supported]


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield


def _call(fn, args, kwargs):
    with _quiet():
        try:
            return fn(*args, **kwargs), None
        except Exception as exc:  # noqa: BLE001 - the exception is the result being compared
            return None, exc


# Entries whose result depends on the storage around a view (its offset and the memory past it): their
# sample tensors are converted together with their whole storage.
STORAGE_ENTRIES = {"as_strided", "as_strided.partial_views", "as_strided_copy", "as_strided_scatter"}

# Entries returning indices where equal elements may be chosen in another order: the position of
# their ``dim`` argument in ``sample.args`` (torch's CPU selection order among ties is an
# implementation detail: topk's partial sort returns tied indices in heap order).
TIE_INDEX_ENTRIES = {"topk": 1, "kthvalue": 1, "sort": 0, "argsort": 0, "median": 0, "nanmedian": 0, "mode": 0}


def _dim_of(name: str, sample) -> int:
    pos, args = TIE_INDEX_ENTRIES[name], sample.args
    if len(args) > pos and isinstance(args[pos], int) and not isinstance(args[pos], bool):
        return args[pos]
    return sample.kwargs.get("dim", -1)


def ties_only(name: str, sample, t_out, m_out) -> bool:
    """Whether microtorch's indices differ from torch's only by choosing other equal elements."""
    import torch

    if name not in TIE_INDEX_ENTRIES or not isinstance(sample.input, torch.Tensor) or sample.input.ndim == 0:
        return False
    x, dim = sample.input.detach().numpy(), _dim_of(name, sample)
    t_flat, m_flat = flat_outputs(t_out), flat_outputs(m_out)
    if len(t_flat) != len(m_flat) or not all(isinstance(m, mt.Tensor) for m in m_flat):
        return False
    if name == "argsort":
        t_sel = np.take_along_axis(x, t_flat[0].numpy(), dim)
        return t_sel.shape == tuple(m_flat[0].shape) and np.array_equal(
            t_sel, np.take_along_axis(x, m_flat[0].numpy(), dim), equal_nan=x.dtype.kind == "f"
        )
    t_values, m_values, m_idx = t_flat[0].numpy(), m_flat[0].numpy(), m_flat[1].numpy()
    if t_values.shape != m_values.shape or not np.array_equal(t_values, m_values, equal_nan=x.dtype.kind == "f"):
        return False
    if m_idx.ndim < x.ndim:  # keepdim=False removed the reduced dim
        m_idx = np.expand_dims(m_idx, dim)
        t_values = np.expand_dims(t_values, dim)
    return np.array_equal(np.take_along_axis(x, m_idx, dim), t_values, equal_nan=x.dtype.kind == "f")


def random_sample(name: str, sample) -> bool:
    """A sample whose result is random though its entry is not: dropout inside attention."""
    if name == "nn.functional.scaled_dot_product_attention":
        return sample.kwargs.get("dropout_p", 0.0) > 0
    if name == "nn.functional.multi_head_attention_forward":
        return bool(sample.kwargs.get("training", True)) and len(sample.args) > 9 and sample.args[9] > 0
    return False


def compare(t_out, m_out, shape_only: bool = False, tol=None) -> str | None:
    """None when microtorch's result equals torch's (structure, dtype, shape, values), else why.

    ``shape_only`` (random ops) skips the tensors' values; integer and bool values are always
    compared exactly, floating ones to ``tol`` or the dtype's tolerance."""
    import torch

    if isinstance(t_out, tuple) and hasattr(t_out, "_fields") and hasattr(type(t_out), "n_fields"):
        for name in t_out._fields if hasattr(t_out, "_fields") else ():
            if not hasattr(m_out, name):
                return f"result has no field {name!r}"
    t_flat, m_flat = flat_outputs(t_out), flat_outputs(m_out)
    if len(t_flat) != len(m_flat):
        return f"{len(m_flat)} outputs, torch has {len(t_flat)}"
    for i, (t, m) in enumerate(zip(t_flat, m_flat)):
        where = f"output {i}: " if len(t_flat) > 1 else ""
        if t is None or m is None:
            if (t is None) != (m is None):
                return f"{where}{type(m).__name__}, torch gives {type(t).__name__}"
            continue
        if isinstance(t, torch.Tensor):
            if not isinstance(m, mt.Tensor):
                return f"{where}got {type(m).__name__}, torch gives a Tensor"
            if tuple(t.shape) != tuple(m.shape):
                return f"{where}shape {tuple(m.shape)}, torch {tuple(t.shape)}"
            if dtype_name(t) != dtype_name(m):
                return f"{where}dtype {dtype_name(m)}, torch {dtype_name(t)}"
            if shape_only:
                continue
        elif isinstance(m, mt.Tensor) and not isinstance(t, (bool, int, float)):
            return f"{where}got a Tensor, torch gives {type(t).__name__}"
        if isinstance(t, (torch.dtype, torch.device, str, torch.Size)):
            if str(t).replace("torch.", "") != str(m).replace("torch.", "").replace("microtorch.", ""):
                return f"{where}{m!r}, torch {t!r}"
            continue
        if not isinstance(t, (torch.Tensor, bool, int, float, np.ndarray, np.generic)):
            if type(t).__name__ != type(m).__name__:
                return f"{where}got {type(m).__name__}, torch gives {type(t).__name__}"
            continue
        a, b = as_numpy(m), as_numpy(t)
        if a.shape != b.shape:
            return f"{where}shape {a.shape}, torch {b.shape}"
        if b.dtype.kind in "biu" or b.dtype == np.bool_:
            if not np.array_equal(a, b):
                return f"{where}values differ (exact dtype), e.g. {_first_diff(a, b)}"
            continue
        rtol, atol = tol or FLOAT_TOL.get(dtype_name(t) or "float64", (1e-7, 1e-7))
        with np.errstate(all="ignore"):
            ok = np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
        if not ok:
            return f"{where}values differ, e.g. {_first_diff(a, b, rtol, atol)}"
    return None


def _first_diff(a, b, rtol=0.0, atol=0.0) -> str:
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(all="ignore"):
        bad = ~np.isclose(a64, b64, rtol=rtol, atol=atol, equal_nan=True)
    idx = np.argwhere(bad)
    if idx.size == 0 and a64.ndim == 0:
        return f"{a64.item():.6g} vs torch {b64.item():.6g}"
    at = tuple(int(i) for i in idx[0]) if idx.size else ()
    return f"at {list(at)}: {float(a64[at]):.6g} vs torch {float(b64[at]):.6g} ({int(bad.sum())} of {bad.size})"


def _describe(exc) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__module__}.{type(exc).__name__}: {text[:160]}"


def same_class(t_exc, m_exc) -> bool:
    """microtorch's exception is an instance of torch's class (or of microtorch's counterpart of a torch class
    that lives in torch's C module: torch.linalg.LinAlgError is torch._C._LinAlgError)."""
    import torch

    if isinstance(m_exc, type(t_exc)):
        return True
    return isinstance(t_exc, torch.linalg.LinAlgError) and isinstance(m_exc, mt.linalg.LinAlgError)


def _raise_check(t_exc, m_exc, m_out) -> tuple[bool, str]:
    """Both raised (microtorch an instance of torch's class) or torch raised and we did not."""
    if m_exc is None:
        return False, f"torch raises {_describe(t_exc)}; microtorch returned a result"
    if not same_class(t_exc, m_exc):
        return False, f"torch raises {type(t_exc).__name__}; microtorch raised {_describe(m_exc)}"
    return True, ""


class _Runner:
    def __init__(self, op, thorough: bool, max_samples: int | None) -> None:
        self.op = op
        self.name = entry_name(op)
        self.thorough = thorough
        self.max_samples = max_samples
        self.cases: list[Case] = []
        self.random = self.name in RANDOM_ENTRIES
        self.m_fn = microtorch_function(op)
        self.m_method = microtorch_method(op)
        self.suite_op = _is_suite_function(op.op)
        inplace = op.inplace_variant
        self.inplace_name = None
        if inplace is not None and not _is_suite_function(inplace) and hasattr(inplace, "__name__"):
            self.inplace_name = inplace.__name__

    def add(self, key: str, ok: bool, detail: str = "") -> None:
        self.cases.append(Case(f"{self.name} {key}", ok, detail))

    # --- one check ------------------------------------------------------------------
    def check_call(self, key, t_fn, m_fn, sample, exact, dtype) -> tuple:
        """Run both; record the comparison; return (torch result, microtorch result, memo)."""
        memo: dict = {"__whole_storage__": self.name in STORAGE_ENTRIES}
        note_shared_storages([sample.input, sample.args, sample.kwargs], memo)
        try:
            m_args = to_mt([sample.input, *sample.args], memo)
            m_kwargs = to_mt(sample.kwargs, memo)
        except Unconvertible as exc:
            self.add(key, False, f"sample not expressible in microtorch: {exc}")
            return None, None, None
        t_out, t_exc = _call(t_fn, [sample.input, *sample.args], sample.kwargs)
        m_out, m_exc = _call(m_fn, m_args, m_kwargs)
        if t_exc is not None:
            ok, why = _raise_check(t_exc, m_exc, m_out)
            self.add(key, ok, why)
            return None, None, None
        if m_exc is not None:
            self.add(key, False, f"microtorch raised {_describe(m_exc)}")
            return None, None, None
        why = compare(t_out, m_out, shape_only=self.random, tol=None)
        if why is not None and ties_only(self.name, sample, t_out, m_out):
            why = None
        self.add(key, why is None, why or "")
        return t_out, m_out, memo

    def check_inplace(self, key, sample, dtype):
        import torch

        inplace_name = self.inplace_name
        m_inplace = getattr(mt.Tensor, inplace_name, None)
        if m_inplace is None:
            self.add(key, False, f"microtorch has no Tensor.{inplace_name}")
            return
        if not isinstance(sample.input, torch.Tensor):
            return
        t_self = sample.input.detach().clone()
        memo: dict = {}
        try:
            m_self = to_mt(t_self, memo)
            m_args = to_mt(list(sample.args), memo)
            m_kwargs = to_mt(sample.kwargs, memo)
        except Unconvertible as exc:
            self.add(key, False, f"sample not expressible in microtorch: {exc}")
            return
        t_args = [a.detach() if isinstance(a, torch.Tensor) else a for a in sample.args]
        version_before = m_self._version
        t_out, t_exc = _call(getattr(torch.Tensor, inplace_name), [t_self, *t_args], sample.kwargs)
        m_out, m_exc = _call(m_inplace, [m_self, *m_args], m_kwargs)
        if t_exc is not None:
            ok, why = _raise_check(t_exc, m_exc, m_out)
            self.add(key, ok, why)
            return
        if m_exc is not None:
            self.add(key, False, f"microtorch raised {_describe(m_exc)}")
            return
        if m_out is not m_self:
            self.add(key, False, "in-place variant did not return self")
            return
        why = compare(t_self, m_self, shape_only=self.random)
        if why is None and m_self._version == version_before and t_self._version != 0:
            why = "version counter not bumped"
        self.add(key, why is None, why or "")

    @staticmethod
    def _grad_tol(sample) -> tuple:
        """float64 gradients' tolerance, or float32's where a float32 tensor takes part (cov's aweights)."""
        import torch

        low = any(
            isinstance(t, torch.Tensor) and t.dtype in (torch.float32, torch.float16)
            for t in torch_leaves([sample.input, sample.args, sample.kwargs])
        )
        return FLOAT_TOL["float32"] if low else GRAD_TOL

    def check_grads(self, sample, t_out, m_out, memo, gradgrad: bool):
        import torch

        # a leaf that is a view made under no_grad has no gradient in torch (torch quirk): not compared
        t_inputs = [
            t
            for t in torch_leaves([sample.input, sample.args, sample.kwargs])
            if t.requires_grad and not (t.is_leaf and t._is_view())
        ]
        if not t_inputs:
            return
        m_inputs = [memo[id(t)] for t in t_inputs]
        process = sample.output_process_fn_grad
        t_outs = [o for o in flat_outputs(process(t_out)) if isinstance(o, torch.Tensor) and o.requires_grad]
        if not t_outs:
            return
        try:
            m_processed = rebind(process)(m_out) if _is_suite_function(process) else process(m_out)
        except Exception as exc:  # noqa: BLE001
            self.add(self._grad_key, False, f"output_process_fn_grad failed on microtorch's result: {_describe(exc)}")
            return
        m_all = flat_outputs(m_processed)
        t_all = flat_outputs(process(t_out))
        m_outs = []
        for t, m in zip(t_all, m_all):
            if isinstance(t, torch.Tensor) and t.requires_grad:
                if not isinstance(m, mt.Tensor) or not m.requires_grad:
                    self.add(self._grad_key, False, "an output that requires grad in torch does not in microtorch")
                    return
                m_outs.append(m)
        rng = np.random.RandomState(1234)
        weights = [rng.standard_normal(tuple(t.shape)) for t in t_outs]
        t_loss = sum((o * torch.from_numpy(w).to(o.dtype)).sum() for o, w in zip(t_outs, weights))
        t_grads, t_exc = _call(
            torch.autograd.grad, [t_loss, t_inputs], {"allow_unused": True, "create_graph": gradgrad}
        )

        def m_backward():
            m_loss = sum((o * mt.tensor(w, dtype=o.dtype)).sum() for o, w in zip(m_outs, weights))
            return mt.autograd.grad(m_loss, m_inputs, allow_unused=True, create_graph=gradgrad)

        m_grads, m_exc = _call(m_backward, [], {})
        if t_exc is not None:  # e.g. "derivative for aten::remainder is not implemented": raise too
            self.add(self._grad_key, *_raise_check(t_exc, m_exc, m_grads))
            return
        if m_exc is not None:
            self.add(self._grad_key, False, f"microtorch backward raised {_describe(m_exc)}")
            return
        t_dense = [torch.zeros_like(t) if g is None else g for t, g in zip(t_inputs, t_grads)]
        m_dense = [mt.zeros_like(t) if g is None else g for t, g in zip(m_inputs, m_grads)]
        tol = self._grad_tol(sample)
        why = compare(tuple(t_dense), tuple(m_dense), tol=tol)
        self.add(self._grad_key, why is None, why or "")
        if why is not None or not gradgrad:
            return
        rng = np.random.RandomState(4321)
        second = [rng.standard_normal(tuple(g.shape)) for g in t_dense]
        t_terms = [
            (g * torch.from_numpy(w)).sum() for g, w in zip(t_grads, second) if g is not None and g.requires_grad
        ]
        m_terms = [
            (g * mt.tensor(w, dtype=g.dtype)).sum()
            for g, w in zip(m_grads, second)
            if g is not None and g.requires_grad
        ]
        t_gg, t_exc = (
            _call(torch.autograd.grad, [sum(t_terms), t_inputs], {"allow_unused": True})
            if t_terms
            else ([None] * len(t_inputs), None)
        )
        m_gg, m_exc = (
            _call(mt.autograd.grad, [sum(m_terms), m_inputs], {"allow_unused": True})
            if m_terms
            else ([None] * len(m_inputs), None)
        )
        if t_exc is not None:
            self.add(self._gradgrad_key, *_raise_check(t_exc, m_exc, m_gg))
            return
        if m_exc is not None:
            self.add(self._gradgrad_key, False, f"microtorch double backward raised {_describe(m_exc)}")
            return
        t_gg = [torch.zeros_like(t) if g is None else g for t, g in zip(t_inputs, t_gg)]
        m_gg = [mt.zeros_like(t) if g is None else g for t, g in zip(m_inputs, m_gg)]
        why = compare(tuple(t_gg), tuple(m_gg), tol=tol)
        self.add(self._gradgrad_key, why is None, why or "")

    # --- the entry ------------------------------------------------------------------
    def run(self) -> list[Case]:
        import torch

        op = self.op
        for dtype in _dtypes_to_run(op, self.thorough):
            dname = str(dtype).rsplit(".", 1)[-1]
            exact = dname in EXACT_DTYPES
            grad = dtype == torch.float64 and op.supports_autograd and self.name not in RANDOM_ENTRIES
            torch.manual_seed(0)
            with _quiet(), recording_module_constructors():
                try:
                    samples = list(op.sample_inputs("cpu", dtype, requires_grad=grad))
                    if self.thorough and op.reference_inputs_func is not None:
                        samples += list(op.reference_inputs("cpu", dtype, requires_grad=grad))
                except Exception:  # noqa: BLE001 - torch's own generator failing is not ours
                    continue
            if self.max_samples is not None:
                samples = samples[: self.max_samples]
            for i, sample in enumerate(samples):
                prefix = f"{dname} {i}"
                t_fn = op.op
                self.random = self.name in RANDOM_ENTRIES or random_sample(self.name, sample)
                if self.m_fn is not None:
                    t_out, m_out, memo = self.check_call(f"{prefix} value", t_fn, self.m_fn, sample, exact, dtype)
                    if self.m_method is not None and self.m_method is not self.m_fn and not self.suite_op:
                        self.check_call(f"{prefix} method", op.method_variant, self.m_method, sample, exact, dtype)
                else:
                    t_out, m_out, memo = self.check_call(
                        f"{prefix} method", op.method_variant, self.m_method, sample, exact, dtype
                    )
                if self.inplace_name is not None and not sample.broadcasts_input:
                    self.check_inplace(f"{prefix} inplace", sample, dtype)
                if grad and memo is not None and not self.random:
                    self._grad_key = f"{prefix} grad"
                    self._gradgrad_key = f"{prefix} gradgrad"
                    self.check_grads(sample, t_out, m_out, memo, gradgrad=op.supports_gradgrad)
        self.run_error_inputs()
        return self.cases

    def run_error_inputs(self) -> None:
        fn = self.m_fn
        if fn is None:
            return
        torch_fn = self.op.op
        with _quiet():
            try:
                error_inputs = list(self.op.error_inputs("cpu"))
            except Exception:  # noqa: BLE001
                return
        for j, ei in enumerate(error_inputs):
            sample = ei.sample_input
            memo: dict = {}
            note_shared_storages([sample.input, sample.args, sample.kwargs], memo)
            try:
                m_args = to_mt([sample.input, *sample.args], memo)
                m_kwargs = to_mt(sample.kwargs, memo)
            except Unconvertible:
                continue  # e.g. a complex or sparse input: out of scope, not counted
            _, t_exc = _call(torch_fn, [sample.input, *sample.args], sample.kwargs)
            if t_exc is None:
                continue  # torch itself accepts it on the CPU
            m_out, m_exc = _call(fn, m_args, m_kwargs)
            ok, why = _raise_check(t_exc, m_exc, m_out)
            self.add(f"error {j}", ok, why)


def run_entry(op, thorough: bool = False, max_samples: int | None = 6) -> list[Case]:
    """Every case of one op_db entry, run against torch on the same inputs."""
    return _Runner(op, thorough, None if thorough else max_samples).run()
