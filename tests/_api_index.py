"""The index of every public name that ends docs/api.md, built from the live package.

    python tests/_api_index.py          # print the index
    python tests/_api_index.py --write  # rewrite it in docs/api.md

``tests/test_api_doc.py`` checks that the index in docs/api.md equals this one, so every
public name is documented and every documented name exists.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
API_MD = ROOT / "docs" / "api.md"
START, END = "<!-- api-index:start -->", "<!-- api-index:end -->"

#: the namespaces a user imports, in the order the index shows them
NAMESPACES = (
    "microtorch",
    "microtorch.Tensor",
    "microtorch.nn",
    "microtorch.nn.functional",
    "microtorch.nn.init",
    "microtorch.nn.utils",
    "microtorch.nn.utils.rnn",
    "microtorch.optim",
    "microtorch.optim.lr_scheduler",
    "microtorch.autograd",
    "microtorch.autograd.functional",
    "microtorch.autograd.graphviz",
    "microtorch.linalg",
    "microtorch.special",
    "microtorch.masked",
    "microtorch.signal",
    "microtorch.signal.windows",
    "microtorch.utils.data",
    "microtorch.testing",
    "microtorch.profiler",
    "microtorch.models",
    "microtorch.datasets",
)
#: submodules of microtorch that hold implementation, not API
INTERNAL = {"builtins", "kernels", "ops", "random", "cli", "benchmarks", "annotations", "version", "serialization"}


def _namespace(path: str):
    """The module or class a dotted name points to (None when this build lacks it)."""
    if path == "microtorch.Tensor":
        import microtorch

        return microtorch.Tensor
    try:
        return importlib.import_module(path)
    except ImportError:
        return None


def public_names(path: str) -> list[str]:
    """The public names of one namespace: ``__all__`` where it has one, else what ``dir`` shows."""
    space = _namespace(path)
    if space is None:
        return []
    if inspect.isclass(space):
        return sorted(n for n in dir(space) if not n.startswith("_"))
    names = getattr(space, "__all__", None)
    if names is None:
        names = [n for n in dir(space) if not n.startswith("_")]
    result = []
    for name in names:
        value = getattr(space, name, None)
        if name in INTERNAL or isinstance(value, types.ModuleType):
            continue  # submodules have sections of their own
        if name == "annotations" and not callable(value):
            continue  # ``from __future__ import annotations``
        result.append(name)
    return sorted(set(result))


def index_text() -> str:
    """The index as Markdown: one paragraph of names per namespace."""
    parts = [START, "", "## Every public name", ""]
    parts.append(
        "Generated from the package by `python tests/_api_index.py --write`; `tests/test_api_doc.py` checks "
        "that it is current. PyTorch's documentation describes each name; the sections above say where "
        "microtorch differs."
    )
    for path in NAMESPACES:
        names = public_names(path)
        if not names:
            continue
        parts += ["", f"### `{path}` ({len(names)})", "", ", ".join(f"`{n}`" for n in names)]
    parts += ["", END]
    return "\n".join(parts) + "\n"


def documented_index(text: str) -> dict[str, list[str]]:
    """The names per namespace that the index in ``text`` lists."""
    body = text.split(START, 1)[-1].split(END, 1)[0]
    result: dict[str, list[str]] = {}
    for heading, names in re.findall(r"^### `([\w.]+)` \(\d+\)\n\n(.*)$", body, re.M):
        result[heading] = re.findall(r"`([^`]+)`", names)
    return result


def write() -> None:
    """Replace the index in docs/api.md (or append it)."""
    text = API_MD.read_text()
    if START in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + index_text() + (("\n" + tail) if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + index_text()
    API_MD.write_text(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite the index in docs/api.md")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.write:
        write()
    else:
        print(index_text())
