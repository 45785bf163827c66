"""``import torch`` resolved to microtorch: the meta-path hook behind ``microtorch run`` and ``install_as_torch``.

Once installed, ``torch`` is microtorch itself and ``torch.X.Y`` is ``microtorch.X.Y`` (the same module
objects, aliased in ``sys.modules``). A ``torch.*`` module that microtorch lacks, and the PyTorch add-on
packages (torchvision & co., which need the real torch), raise one ``ModuleNotFoundError`` naming the
module; nothing ever falls back to the real PyTorch.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import re
import sys
import types
from typing import Any

__all__ = ["install_as_torch", "TorchVersion", "TORCH_API_VERSION"]

# the PyTorch release whose API microtorch follows (and is tested against)
TORCH_API_VERSION = "2.13.0"

# packages built on the real torch (compiled parts, downloads): refused under the hook
ADD_ONS = frozenset(
    (
        "torchvision",
        "torchaudio",
        "torchtext",
        "torchdata",
        "torchrec",
        "torchao",
        "torchtune",
        "torcharrow",
        "torchx",
        "torch_geometric",
        "torch_scatter",
        "torch_sparse",
        "functorch",
        "triton",
    )
)


class TorchVersion(str):
    """A version string that compares with strings and tuples as a version (as ``torch.torch_version``)."""

    __hash__ = str.__hash__

    def _cmp(self, other: Any) -> int | None:
        if isinstance(other, (str, tuple, list)):
            a, b = _version_key(self), _version_key(other)
        elif hasattr(other, "release"):  # a packaging.version.Version
            a, b = _version_key(self), _version_key(str(other))
        else:
            return None
        return (a > b) - (a < b)

    def __eq__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c == 0

    def __ne__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c != 0

    def __lt__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c < 0

    def __le__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c <= 0

    def __gt__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c > 0

    def __ge__(self, other: Any) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c >= 0


_VERSION = re.compile(r"\s*v?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview|dev)[-_.]?(\d*))?", re.I)


def _version_key(v: Any) -> tuple:
    """Release numbers (padded to 8) then a pre-release rank: ``2.0 == 2.0.0 > 2.0rc1 > 2.0a1 > 2.0.dev1``."""
    if isinstance(v, (tuple, list)):
        release, rank = tuple(int(x) for x in v), (0, 0)
    else:
        m = _VERSION.match(v)
        if m is None:
            raise ValueError(f"Invalid version: {v!r}")
        release = tuple(int(x) for x in m.group(1).split("."))
        tag = (m.group(2) or "").lower()
        order = {"dev": -4, "a": -3, "alpha": -3, "b": -2, "beta": -2}.get(tag, -1 if tag else 0)
        rank = (order, int(m.group(3) or 0))
    return (*release, *(0,) * (8 - len(release)), *rank)


def _missing_message(fullname: str) -> str:
    root = fullname.partition(".")[0]
    if root in ADD_ONS:
        return (
            f"No module named '{fullname}': microtorch does not provide {root} (it needs the real PyTorch); "
            "this script runs with microtorch in place of torch"
        )
    return (
        f"No module named '{fullname}': microtorch does not provide {fullname}; this script runs with microtorch "
        "in place of torch (see docs/api.md for what it provides)"
    )


def _missing(fullname: str) -> ModuleNotFoundError:
    """The error for a module microtorch lacks (``from torch import X`` never gets here: Python looks up
    ``microtorch.X`` and says ``cannot import name 'X' from 'microtorch'``)."""
    return ModuleNotFoundError(_missing_message(fullname), name=fullname)


def _resolve(fullname: str) -> Any:
    """The microtorch object that ``fullname`` (``torch`` or ``torch.X.Y``) stands for, or None."""
    import microtorch

    if fullname == "torch":
        return microtorch
    rest = fullname[len("torch.") :]
    ours = "microtorch." + rest
    try:
        return importlib.import_module(ours)
    except ModuleNotFoundError as err:
        missing = err.name or ""
        if not missing.startswith("microtorch.") or not (ours == missing or ours.startswith(missing + ".")):
            raise  # a dependency of an existing microtorch module is missing: report that, not a torch name
    obj: Any = microtorch
    for part in rest.split("."):
        obj = getattr(obj, part, None)
        if not isinstance(obj, (types.ModuleType, types.SimpleNamespace)):
            return None
    return obj


class _AliasLoader(importlib.abc.Loader):
    """Hands out an existing microtorch module (or namespace) under its torch name."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.spec = getattr(target, "__spec__", None)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        """The microtorch object itself."""
        return self.target

    def exec_module(self, module: Any) -> None:
        """Undo the import system's ``__spec__`` overwrite; let a namespace hold submodules (``backends.cudnn``)."""
        if self.spec is not None:
            module.__spec__ = self.spec
        if not isinstance(module, types.ModuleType) and not hasattr(module, "__path__"):
            module.__path__ = []


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch`` and ``torch.*`` to microtorch, and refuses the PyTorch add-on packages."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        """A spec aliasing the microtorch module for torch names; raises for names microtorch lacks."""
        root = fullname.partition(".")[0]
        if root in ADD_ONS:
            raise _missing(fullname)
        if root != "torch":
            return None
        obj = _resolve(fullname)
        if obj is None:
            raise _missing(fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(obj))


def _real_torch_loaded() -> str | None:
    """The name of a torch (or add-on) module already imported in this process, if any."""
    for name, mod in list(sys.modules.items()):
        if mod is not None and name.partition(".")[0] in ADD_ONS | {"torch"}:
            return name
    return None


def install_as_torch() -> None:
    """Make ``import torch`` (and every ``torch.*`` import) give microtorch in this process; idempotent."""
    import microtorch

    if any(isinstance(f, TorchAliasFinder) for f in sys.meta_path):
        return
    loaded = _real_torch_loaded()
    if loaded is not None:
        where = getattr(sys.modules[loaded], "__file__", None) or "a built-in module"
        raise RuntimeError(
            f"install_as_torch: the real PyTorch is already imported in this process ({loaded} from {where}); "
            "call microtorch.install_as_torch() before anything imports torch (restart the interpreter or "
            "notebook kernel first)"
        )
    from . import version

    microtorch.version = version
    microtorch.__version__ = version.__version__
    sys.meta_path.insert(0, TorchAliasFinder())
    sys.modules["torch"] = microtorch
    sys.modules["torch.version"] = version
