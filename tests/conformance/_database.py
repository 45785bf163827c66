"""Lazy access to PyTorch's test databases (op_db, module_db, optim_db).

Importing ``torch.testing._internal`` loads torch's own hypothesis profile and calls
``torch.backends.disable_global_flags()``; ``load`` re-loads our profile right after."""

from __future__ import annotations

import functools


def _restore_our_profile() -> None:
    from _profiles import load_profile

    load_profile()


@functools.cache
def _databases():
    from torch.testing._internal import common_methods_invocations, common_modules, common_optimizers

    _restore_our_profile()
    return common_methods_invocations.op_db, common_modules.module_db, common_optimizers.optim_db


def op_entries() -> list:
    """The op_db entries microtorch has (function or Tensor method of the same name)."""
    from ._ops import is_present

    return [op for op in _databases()[0] if is_present(op)]


def all_op_entries() -> list:
    """Every op_db entry."""
    return list(_databases()[0])


def module_entries() -> list:
    """Every module_db entry."""
    return list(_databases()[1])


def optim_entries() -> list:
    """Every optim_db entry."""
    return list(_databases()[2])
