"""Draw an output's autograd graph as torchviz does: Graphviz DOT text, or SVG/PNG/PDF through Graphviz.

``to_dot(loss, params=dict(model.named_parameters()))`` needs nothing but microtorch.
``render(loss, "graph.svg", params=...)`` writes DOT itself for a ``.dot``/``.gv`` path and
otherwise needs the optional ``graphviz`` Python package (``pip install microtorch[graph]``)
and Graphviz's ``dot`` program. The layout is torchviz's ``make_dot``: the output in green,
leaves (parameters and inputs that require grad) in blue with their names and shapes, one
box per backward node named as PyTorch names it (``AddmmBackward0``, ``AccumulateGrad``),
edges in the direction the forward pass runs (from each input toward the output).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

__all__ = ["to_dot", "render", "check_render", "RENDER_FORMATS"]

#: output formats that need Graphviz; ``dot`` and ``gv`` are written without it
RENDER_FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps", "bmp", "tif", "tiff", "webp")

_HEADER = (
    "digraph {",
    '\tgraph [size="12,12"]',
    "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]",
)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _size(t) -> str:
    return "(" + ", ".join(str(int(n)) for n in t.shape) + ")"


class _Builder:
    """Walks the graph once, giving each tensor and node a stable id (``n0``, ``n1``, ...) in visit order."""

    def __init__(self, params: Mapping | None) -> None:
        self.names = {id(p): name for name, p in (params or {}).items()}
        self.ids: dict = {}
        self.keep: list = []  # the objects whose ids are keys, alive until the walk ends
        self.lines: list = list(_HEADER)

    def node_id(self, obj, label: str, fill: str | None = None, key=None) -> tuple[str, bool]:
        """The id of ``obj``'s DOT node (or ``key``'s), declaring it on first sight; also whether it is new."""
        key = id(obj) if key is None else key
        if key in self.ids:
            return self.ids[key], False
        nid = self.ids[key] = f"n{len(self.ids)}"
        self.keep.append(obj)
        color = f" fillcolor={fill}" if fill else ""
        self.lines.append(f"\t{nid} [label={_quote(label)}{color}]")
        return nid, True

    def tensor_label(self, t) -> str:
        name = self.names.get(id(t))
        return f"{name}\n{_size(t)}" if name else _size(t)

    def edge(self, src: str, dst: str) -> None:
        self.lines.append(f"\t{src} -> {dst}")

    def add_output(self, t) -> None:
        out_id, _ = self.node_id(t, self.tensor_label(t), "darkolivegreen1")
        if t.grad_fn is not None:
            self.edge(self.add_graph(t.grad_fn), out_id)

    def add_graph(self, root) -> str:
        """Declare every node reachable from ``root`` (explicit stack: no recursion limit); ``root``'s id."""
        root_id, new = self.node_id(root, root.name())
        stack = [(root, root_id)] if new else []
        while stack:
            node, nid = stack.pop()
            for e in node.next_edges:
                if e is None:
                    continue
                if type(e) is tuple:
                    child_id, new = self.node_id(e[0], e[0].name())
                    if new:
                        stack.append((e[0], child_id))
                else:
                    child_id = self.add_leaf(e)
                self.edge(child_id, nid)
        return root_id

    def add_leaf(self, leaf) -> str:
        """A leaf's AccumulateGrad node, fed by the leaf itself (blue, with its name)."""
        acc_id, new = self.node_id(leaf, "AccumulateGrad", key=("acc", id(leaf)))
        if new:
            leaf_id, _ = self.node_id(leaf, self.tensor_label(leaf), "lightblue")
            self.edge(leaf_id, acc_id)
        return acc_id


def _outputs(output) -> list:
    from .._tensor import Tensor

    items = list(output) if isinstance(output, Sequence) and not isinstance(output, Tensor) else [output]
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"to_dot: expected a Tensor or a sequence of Tensors, got {type(t).__name__}")
    return items


def to_dot(output, params: Mapping | None = None) -> str:
    """Graphviz DOT text of the autograd graph that produced ``output`` (a Tensor or several).

    ``params`` maps names to tensors (e.g. ``dict(model.named_parameters())``) to label the leaves.
    """
    builder = _Builder(params)
    for t in _outputs(output):
        builder.add_output(t)
    return "\n".join(builder.lines + ["}"]) + "\n"


def _format_of(path: str, format: str | None) -> str:
    fmt = (format or os.path.splitext(path)[1].lstrip(".") or "dot").lower()
    if fmt not in ("dot", "gv") + RENDER_FORMATS:
        raise ValueError(
            f"render: unknown format {fmt!r}; choose from dot, gv, {', '.join(RENDER_FORMATS)} (or name the file so)"
        )
    return fmt


def check_render(path: str | os.PathLike, format: str | None = None) -> str:
    """The format ``render`` would write ``path`` in; raises (as ``render`` would) if it cannot."""
    fmt = _format_of(os.fspath(path), format)
    if fmt in RENDER_FORMATS:
        _graphviz_module()
        _dot_program()
    return fmt


def render(output, path: str | os.PathLike, format: str | None = None, params: Mapping | None = None) -> str:
    """Write the graph of ``output`` to ``path``: DOT text for ``.dot``/``.gv``, else rendered by Graphviz.

    ``format`` defaults to the file's suffix. Returns the path written.
    """
    path = os.fspath(path)
    fmt = check_render(path, format)
    text = to_dot(output, params)
    if fmt in ("dot", "gv"):
        with open(path, "w") as f:
            f.write(text)
        return path
    graphviz = _graphviz_module()
    data = graphviz.Source(text).pipe(format=fmt)
    with open(path, "wb") as f:
        f.write(data)
    return path


_INSTALL_HINT = (
    "install the Python package (pip install 'microtorch[graph]', i.e. graphviz) and Graphviz's dot program "
    "(e.g. apt-get install graphviz); a .dot path needs neither"
)


def _graphviz_module():
    try:
        import graphviz
    except ImportError:
        raise ImportError(f"render: drawing to an image needs Graphviz: {_INSTALL_HINT}") from None
    return graphviz


def _dot_program() -> None:
    import shutil

    if shutil.which("dot") is None:
        raise RuntimeError(f"render: Graphviz's dot program is not on PATH: {_INSTALL_HINT}")
