"""The benchmark suite shared by ``microtorch bench`` and the scripts in ``benchmarks/``.

Each library is timed alone, in a fresh worker process per (library, case), so that no
library's timing depends on what the other loaded or allocated (see ``harness``).

This package imports nothing but the standard library: a worker loads it by path, without
the ``microtorch`` package, so that a torch worker never imports microtorch. Each family
module (``core``, ``conv``, ``pool``, ``training``, ``sweep``) defines
``cases(quick: bool) -> list[Case]``; a case holds, per library, a small function that
imports that library, builds the inputs and returns the callable to time.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Case", "FAMILIES", "LIBRARIES", "family_cases", "find_case"]

FAMILIES = ("core", "conv", "pool", "training")
LIBRARIES = ("microtorch", "torch", "numpy")


@dataclass
class Case:
    """One benchmark: a name and, per library, a builder returning the callable to time."""

    name: str
    builders: dict[str, Callable[[], Callable[[], object]]]
    note: str = ""
    extra: dict = field(default_factory=dict)
    # per library, a call run before a memory baseline: the library's one-time state (thread pools,
    # kernel caches) is then in the baseline, not counted as the case's memory
    prime: dict[str, Callable[[], object]] = field(default_factory=dict)

    def built(self, library: str) -> Callable[[], object] | None:
        """The callable of ``library`` built in this process (for smoke tests; timing uses workers)."""
        builder = self.builders.get(library)
        if builder is None or (library == "torch" and importlib.util.find_spec("torch") is None):
            return None
        return builder()

    @property
    def microtorch(self) -> Callable[[], object]:
        """microtorch's callable, built in this process (never timed here)."""
        return self.built("microtorch")

    @property
    def torch(self) -> Callable[[], object] | None:
        """torch's callable built in this process, or None without torch or a torch builder."""
        return self.built("torch")


def family_cases(name: str, quick: bool = False) -> list[Case]:
    """The cases of one family module (``<this package>.<name>``)."""
    module = importlib.import_module(f"{__name__}.{name}")
    return module.cases(quick)


def find_case(family: str, name: str, quick: bool) -> Case:
    """The case called ``name`` in ``family``; KeyError naming the family when there is none."""
    for case in family_cases(family, quick):
        if case.name == name:
            return case
    raise KeyError(f"no benchmark case {name!r} in family {family!r}")
