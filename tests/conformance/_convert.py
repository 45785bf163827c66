"""Moving PyTorch test-database inputs to microtorch, and microtorch results back to numpy.

Everything here is called only when torch is installed; torch is imported by the caller.
"""

from __future__ import annotations

import contextlib
import functools
import types

import numpy as np

import microtorch as mt


class Unconvertible(Exception):
    """A sample holds something microtorch has no counterpart of (a torch.Generator, sparse layout, ...)."""


def mt_dtype(torch_dtype):
    """microtorch's dtype of the same name as a torch dtype, or Unconvertible."""
    name = str(torch_dtype).rsplit(".", 1)[-1]
    found = getattr(mt, name, None)
    if not isinstance(found, mt.dtype):
        raise Unconvertible(f"dtype {torch_dtype}")
    return found


def translate_callable(fn):
    """The microtorch counterpart of a torch function or Tensor method (by qualified name)."""
    import torch

    if isinstance(fn, functools.partial):
        return functools.partial(translate_callable(fn.func), *to_mt(fn.args), **to_mt(fn.keywords))
    if isinstance(fn, types.FunctionType) and (fn.__module__ or "").startswith("torch.testing"):
        return rebind(fn)
    owner = getattr(fn, "__objclass__", None)
    name = getattr(fn, "__name__", None)
    if owner is not None and name is not None and issubclass(owner, torch._C.TensorBase):
        found = getattr(mt.Tensor, name, None)
        if found is None:
            raise Unconvertible(f"Tensor.{name}")
        return found
    module = getattr(fn, "__module__", None) or ""
    if name is None or not (module.startswith("torch") or module == "builtins"):
        return fn
    if module in ("torch", "torch._C._VariableFunctions", "torch.functional", "torch._C", "builtins"):
        path = name
    elif module == "torch._C._nn":  # torch's C bindings behind nn.functional (F.gelu is torch._C._nn.gelu)
        path = "nn.functional." + name
    elif module.startswith("torch."):
        path = module[len("torch.") :] + "." + name
    else:
        path = name
    if module.startswith("torch._refs") or module.startswith("torch._prims"):
        raise Unconvertible(f"{module}.{name}")
    found = resolve(path)
    if found is None:
        raise Unconvertible(f"torch.{path}")
    return found


def resolve(path: str):
    """``microtorch.<path>`` (dots are submodules / attributes), or None when it does not exist."""
    obj = mt
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def rebind(fn):
    """A copy of a function of torch's test suite whose global ``torch`` is microtorch."""
    import torch

    if isinstance(fn, functools.partial):
        return functools.partial(rebind(fn.func), *to_mt(fn.args), **to_mt(fn.keywords))
    if not isinstance(fn, types.FunctionType):
        return translate_callable(fn)
    new_globals = dict(fn.__globals__)
    for key, value in fn.__globals__.items():
        if value is torch:
            new_globals[key] = mt
        elif isinstance(value, types.ModuleType) and value.__name__.startswith("torch."):
            sub = resolve(value.__name__[len("torch.") :])
            if sub is not None:
                new_globals[key] = sub
    closure = None
    if fn.__closure__:
        closure = tuple(types.CellType(_closure_value(c)) for c in fn.__closure__)
    new = types.FunctionType(fn.__code__, new_globals, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = fn.__kwdefaults__
    return new


def _closure_value(cell):
    try:
        value = cell.cell_contents
    except ValueError:
        return None
    if callable(value) and not isinstance(value, type):
        try:
            return translate_callable(value)
        except Unconvertible:
            return value
    return to_mt(value)


_CTOR_ARGS = "_conformance_constructor_args"


@contextlib.contextmanager
def recording_module_constructors():
    """While active, every torch.nn module built remembers its constructor arguments.

    module_db passes modules as constructor arguments (``TransformerEncoder(encoder_layer)``);
    ``to_mt`` rebuilds them as microtorch's class of the same name from those arguments.
    """
    import torch

    original = torch.nn.Module.__init__

    def record_builtin(cls):
        init = cls.__dict__.get("__init__")
        if init is None or getattr(init, "_records", False):
            return None

        @functools.wraps(init)
        def recording(self, *args, **kwargs):
            if type(self) is cls:
                object.__setattr__(self, _CTOR_ARGS, (args, kwargs))
            return init(self, *args, **kwargs)

        recording._records = True
        cls.__init__ = recording
        return init

    patched = {}
    for name in dir(torch.nn):
        cls = getattr(torch.nn, name)
        if isinstance(cls, type) and issubclass(cls, torch.nn.Module) and cls is not torch.nn.Module:
            init = record_builtin(cls)
            if init is not None:
                patched[cls] = init
    try:
        yield
    finally:
        for cls, init in patched.items():
            cls.__init__ = init
        torch.nn.Module.__init__ = original


def _module_to_mt(obj, memo: dict):
    """microtorch's module of the same class, built from the recorded constructor arguments."""
    recorded = getattr(obj, _CTOR_ARGS, None)
    m_cls = getattr(mt.nn, type(obj).__name__, None)
    if m_cls is None:
        raise Unconvertible(f"torch module {type(obj).__name__}")
    if recorded is not None:
        args, kwargs = recorded
        module = m_cls(*to_mt(list(args), memo), **to_mt(dict(kwargs), memo))
    else:  # built before recording (at import time): default-construct, then copy its plain settings
        try:
            module = m_cls()
        except TypeError:
            raise Unconvertible(f"torch module {type(obj).__name__} built with unknown arguments") from None
        for key, value in vars(obj).items():
            if not key.startswith("_") and hasattr(module, key) and isinstance(value, (bool, int, float, str, tuple)):
                setattr(module, key, value)
    module.load_state_dict({k: to_mt(v.detach().clone()) for k, v in obj.state_dict().items()})
    module.train(obj.training)
    return module


def to_mt(obj, memo: dict | None = None):
    """Convert torch tensors (and dtypes, sizes, devices) inside ``obj`` to microtorch's, recursively.

    The same torch tensor maps to the same microtorch tensor, so aliasing in a sample is kept."""
    import torch

    if memo is None:
        memo = {}
    if isinstance(obj, torch.Tensor):
        key = id(obj)
        if key in memo:
            return memo[key]
        if obj.layout != torch.strided or obj.is_complex() or obj.dtype == torch.bfloat16:
            raise Unconvertible(f"tensor of {obj.dtype} / {obj.layout}")
        if obj.ndim > 32:
            raise Unconvertible(f"tensor of {obj.ndim} dims (numpy holds at most 64)")
        try:
            if memo.get("__whole_storage__") and _partial_view(obj):
                result = _view_of_whole_storage(obj, memo)
            elif _aliased(obj, memo):
                result = mt.from_numpy(_storage_view(obj, memo))
            else:
                result = mt.tensor(obj.detach().cpu().numpy(force=True).copy(), dtype=mt_dtype(obj.dtype))
        except Unconvertible:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a dtype microtorch cannot hold
            raise Unconvertible(f"tensor of {obj.dtype}: {exc!r}") from None
        if obj.requires_grad:
            result.requires_grad_()
        memo[key] = result
        if obj.is_leaf and obj.grad is not None:
            result.grad = to_mt(obj.grad, memo)
        return result
    if isinstance(obj, torch.nn.Module):
        return _module_to_mt(obj, memo)
    if isinstance(obj, torch.dtype):
        return mt_dtype(obj)
    if isinstance(obj, torch.Size):
        return mt.Size(obj)
    if isinstance(obj, torch.device):
        return mt.device(str(obj))
    if isinstance(obj, torch.memory_format):
        found = getattr(mt, str(obj).rsplit(".", 1)[-1], None)
        if found is None:
            raise Unconvertible(str(obj))
        return found
    if isinstance(obj, torch.layout):
        found = getattr(mt, str(obj).rsplit(".", 1)[-1], None)
        if found is None:
            raise Unconvertible(str(obj))
        return found
    if isinstance(obj, torch.Generator):
        raise Unconvertible(type(obj).__name__)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*[to_mt(v, memo) for v in obj])
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_mt(v, memo) for v in obj)
    if isinstance(obj, dict):
        return {k: to_mt(v, memo) for k, v in obj.items()}
    if isinstance(obj, slice):
        return slice(to_mt(obj.start, memo), to_mt(obj.stop, memo), to_mt(obj.step, memo))
    if callable(obj) and not isinstance(obj, type) and (getattr(obj, "__module__", None) or "").startswith("torch"):
        return translate_callable(obj)
    return obj


def note_shared_storages(obj, memo: dict) -> None:
    """Record in ``memo`` which storages several tensors of ``obj`` share (their aliasing is kept)."""
    import torch

    seen: dict = {}
    for t in torch_leaves(obj):
        if t.layout == torch.strided and not t.is_complex() and t.untyped_storage().nbytes() > 0:
            ptr = t.untyped_storage().data_ptr()
            seen[ptr] = seen.get(ptr, 0) + 1
    memo["__shared__"] = {ptr for ptr, n in seen.items() if n > 1}


def _aliased(t, memo: dict) -> bool:
    """A tensor whose elements overlap (expanded) or whose storage another sample tensor shares."""
    if t.numel() == 0:
        return False
    overlapping = any(st == 0 and n > 1 for st, n in zip(t.stride(), t.shape))
    return overlapping or t.untyped_storage().data_ptr() in memo.get("__shared__", ())


def _partial_view(t) -> bool:
    """A tensor that is not its whole storage (a slice of a larger one, or offset into it)."""
    return t.numel() > 0 and t.untyped_storage().nbytes() != t.numel() * t.element_size()


def _view_of_whole_storage(t, memo: dict):
    """A microtorch view of a microtorch tensor holding ``t``'s whole storage (for ops that read around views)."""
    import torch

    storages = memo.setdefault("__bases__", {})
    key = (t.untyped_storage().data_ptr(), t.dtype)
    if key not in storages:
        whole = torch.empty(0, dtype=t.dtype).set_(t.untyped_storage())
        storages[key] = mt.tensor(whole.numpy(force=True).copy())
    return mt.as_strided(storages[key], tuple(t.shape), tuple(t.stride()), t.storage_offset())


def _storage_view(t, memo: dict) -> np.ndarray:
    """A numpy view with ``t``'s geometry over one numpy copy per torch storage."""
    import torch

    storages = memo.setdefault("__storages__", {})
    key = (t.untyped_storage().data_ptr(), t.untyped_storage().nbytes(), t.dtype)
    if key not in storages:
        whole = torch.empty(0, dtype=t.dtype).set_(t.untyped_storage())
        storages[key] = whole.numpy(force=True).copy()
    flat = storages[key]
    last = t.storage_offset() + sum((n - 1) * st for n, st in zip(t.shape, t.stride()) if n > 0)
    if t.numel() == 0 or last >= flat.size or min(t.stride(), default=0) < 0:
        return t.detach().numpy(force=True).copy()  # nothing to alias, or a geometry numpy cannot hold
    item = flat.itemsize
    view = np.lib.stride_tricks.as_strided(
        flat[t.storage_offset() :], tuple(t.shape), tuple(st * item for st in t.stride())
    )
    if any(st == 0 and n > 1 for st, n in zip(t.stride(), t.shape)):
        view.flags.writeable = False
    return view


def torch_leaves(obj, out: list | None = None) -> list:
    """The torch tensors inside ``obj``, in a fixed order (input, args, kwargs by key)."""
    import torch

    if out is None:
        out = []
    if isinstance(obj, torch.Tensor):
        if not any(t is obj for t in out):
            out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            torch_leaves(v, out)
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            torch_leaves(obj[k], out)
    return out


def flat_outputs(obj, out: list | None = None) -> list:
    """Tensors, numbers and nested sequences of an op's result, flattened in order."""
    if out is None:
        out = []
    if isinstance(obj, (list, tuple)) and not isinstance(obj, mt.Size) and type(obj).__name__ != "Size":
        for v in obj:
            flat_outputs(v, out)
    else:
        out.append(obj)
    return out


def as_numpy(value):
    """A torch or microtorch tensor / number as a numpy array (bool, int or float)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy(force=True)
    if isinstance(value, mt.Tensor):
        return np.asarray(value.detach().numpy())
    return np.asarray(value)


def dtype_name(value) -> str | None:
    """The torch-style dtype name of a tensor of either library, None for a non-tensor."""
    import torch

    if isinstance(value, (torch.Tensor, mt.Tensor)):
        return str(value.dtype).rsplit(".", 1)[-1]
    return None
