"""``torch.version`` under the import hook: the PyTorch API version microtorch follows, and no CUDA."""

from __future__ import annotations

from . import __version__ as _own_version
from ._torch_alias import TORCH_API_VERSION, TorchVersion

microtorch = str(_own_version)  # microtorch's own release (``microtorch.__version__`` outside the hook)
__version__ = TorchVersion(f"{TORCH_API_VERSION}+microtorch{microtorch}")
cuda: str | None = None
hip: str | None = None
git_version = "unknown"
debug = False
