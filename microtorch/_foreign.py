"""A clear TypeError when a real PyTorch tensor reaches a microtorch op (the two libraries do not mix).

Checked only on error and conversion paths, by the module name of the argument's class: torch is never
imported here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["is_torch_tensor", "foreign_tensor_error"]


def is_torch_tensor(x: Any) -> bool:
    """Whether ``x`` is a tensor of the real PyTorch (``torch.Tensor``, ``torch.nn.Parameter`` & co.)."""
    module = type(x).__module__
    if not module.startswith("torch") or module[5:6] not in ("", "."):
        return False
    return any(c.__name__ == "Tensor" and c.__module__.partition(".")[0] == "torch" for c in type(x).__mro__)


def foreign_tensor_error(op: str, *args: Any) -> TypeError | None:
    """The TypeError for a torch.Tensor among ``args`` (also inside lists and tuples), or None."""
    for a in args:
        if any(map(is_torch_tensor, a)) if type(a) in (list, tuple) else is_torch_tensor(a):
            return TypeError(
                f"{op}(): got a torch.Tensor (from the real PyTorch) where a microtorch Tensor is expected: the two "
                "libraries' tensors do not mix; convert it with microtorch.from_numpy(t.detach().numpy()), or run "
                "the whole script on microtorch with `microtorch run SCRIPT` (or microtorch.install_as_torch())"
            )
    return None
