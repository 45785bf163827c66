"""microtorch.autograd.graphviz: the DOT text of an autograd graph (the notes' network against torch's
graph), rendering through Graphviz when it is there, and ``microtorch demo --graph``."""

from __future__ import annotations

import re
import sys
import types
from collections import Counter

import pytest

import microtorch as mt
from microtorch.autograd import graphviz as gv
from microtorch.models import SimpleCNN

NODE = re.compile(r'^\t(n\d+) \[label="((?:[^"\\]|\\.)*)"(?: fillcolor=(\w+))?\]$', re.M)
EDGE = re.compile(r"^\t(n\d+) -> (n\d+)$", re.M)


def parse(dot: str):
    """(labels by id, fill colour by id, Counter of (source label, target label) edges)."""
    labels, colors = {}, {}
    for nid, label, color in NODE.findall(dot):
        labels[nid] = label.replace("\\n", "\n")
        colors[nid] = color
    edges = Counter((labels[a], labels[b]) for a, b in EDGE.findall(dot))
    return labels, colors, edges


def notes_loss():
    mt.manual_seed(0)
    model = SimpleCNN().double()
    x = mt.rand(1, 1, 5, 5, dtype=mt.float64)
    loss = ((model(x) - mt.tensor([[1.0, 0.0]], dtype=mt.float64)) ** 2).sum()
    return model, loss


def test_dot_of_the_notes_network_has_its_nodes_and_edges():
    model, loss = notes_loss()
    dot = gv.to_dot(loss, params=dict(model.named_parameters()))
    assert dot.startswith("digraph {\n") and dot.endswith("}\n")
    labels, colors, edges = parse(dot)
    names = Counter(labels.values())
    assert names["AccumulateGrad"] == 6 and names["AddmmBackward0"] == 2 and names["SigmoidBackward0"] == 2
    for name, shape in [
        ("conv.weight", "(1, 1, 2, 2)"),
        ("conv.bias", "(1)"),
        ("fc1.weight", "(3, 4)"),
        ("fc2.bias", "(2)"),
    ]:
        nid = next(k for k, v in labels.items() if v == f"{name}\n{shape}")
        assert colors[nid] == "lightblue"
    assert colors[next(k for k, v in labels.items() if v == "()")] == "darkolivegreen1"
    chain = ["ConvolutionBackward0", "ReluBackward0", "MaxPool2DWithIndicesBackward0", "ViewBackward0"]
    chain += ["AddmmBackward0", "SigmoidBackward0", "AddmmBackward0", "SigmoidBackward0", "SubBackward0"]
    chain += ["PowBackward0", "SumBackward0", "()"]
    for a, b in zip(chain, chain[1:]):  # edges run from the input side toward the output
        assert edges[(a, b)] >= 1, (a, b)
    assert edges[("conv.weight\n(1, 1, 2, 2)", "AccumulateGrad")] == 1
    assert edges[("AccumulateGrad", "ConvolutionBackward0")] == 2
    assert edges[("TBackward0", "AddmmBackward0")] == 2
    assert sum(edges.values()) == len(labels) - 1  # a tree here: every node but the output feeds one node


def _torch_edges(torch, loss, params):
    """The same (source label, target label) edges, walked on torch's own graph as torchviz walks it."""
    names = {id(p): n for n, p in params.items()}

    def leaf_label(t):
        return f"{names[id(t)]}\n({', '.join(str(s) for s in t.shape)})"

    edges, seen, stack = Counter([(loss.grad_fn.name(), "()")]), {loss.grad_fn}, [loss.grad_fn]
    while stack:
        fn = stack.pop()
        for child, _ in fn.next_functions:
            if child is None:
                continue
            if hasattr(child, "variable"):
                edges[("AccumulateGrad", fn.name())] += 1
                edges[(leaf_label(child.variable), "AccumulateGrad")] += 1
                continue
            edges[(child.name(), fn.name())] += 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return edges


def test_edges_match_torchs_graph_of_the_same_network():
    torch = pytest.importorskip("torch")
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.pool, self.flatten = nn.Conv2d(1, 1, 2), nn.MaxPool2d(2), nn.Flatten()
            self.fc1, self.fc2 = nn.Linear(4, 3), nn.Linear(3, 2)

        def forward(self, x):
            h = self.flatten(self.pool(torch.relu(self.conv(x))))
            return torch.sigmoid(self.fc2(torch.sigmoid(self.fc1(h))))

    net = Net().double()
    t_loss = ((net(torch.rand(1, 1, 5, 5, dtype=torch.float64)) - torch.tensor([[1.0, 0.0]])) ** 2).sum()
    model, loss = notes_loss()
    _, _, ours = parse(gv.to_dot(loss, params=dict(model.named_parameters())))
    assert ours == _torch_edges(torch, t_loss, dict(net.named_parameters()))


def test_unnamed_leaves_shared_nodes_and_several_outputs():
    a = mt.randn(2, 3, requires_grad=True)
    b = a * 2
    labels, _, edges = parse(gv.to_dot([b.sum(), b.mean()]))
    assert Counter(labels.values())["MulBackward0"] == 1  # shared by both outputs, drawn once
    assert edges[("(2, 3)", "AccumulateGrad")] == 1 and edges[("AccumulateGrad", "MulBackward0")] == 1
    assert edges[("MulBackward0", "SumBackward0")] == 1 and edges[("MulBackward0", "MeanBackward0")] == 1
    labels, colors, edges = parse(gv.to_dot(a, params={"a": a}))  # a leaf output: one node
    assert list(labels.values()) == ["a\n(2, 3)"] and not edges


def test_labels_are_quoted_and_deep_graphs_do_not_recurse():
    w = mt.randn(2, requires_grad=True)
    y = w
    for _ in range(3000):
        y = y + 1
    dot = gv.to_dot(y, params={'odd "name"\\': w})
    assert 'label="odd \\"name\\"\\\\\\n(2)"' in dot
    assert dot.count("AddBackward0") == 3000


def test_bad_arguments():
    with pytest.raises(TypeError, match="Tensor"):
        gv.to_dot([1.0])
    with pytest.raises(ValueError, match="unknown format 'txt'"):
        gv.render(mt.ones(1, requires_grad=True) * 2, "graph.txt")


def test_render_dot_needs_nothing(tmp_path):
    model, loss = notes_loss()
    params = dict(model.named_parameters())
    path = tmp_path / "graph.dot"
    assert gv.render(loss, path, params=params) == str(path)
    assert path.read_text() == gv.to_dot(loss, params=params)
    assert gv.render(loss, tmp_path / "g", format="gv") == str(tmp_path / "g")


def test_render_image_without_graphviz_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # as if not installed
    with pytest.raises(ImportError, match=r"pip install 'microtorch\[graph\]'"):
        gv.render(mt.ones(1, requires_grad=True) * 2, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_render_image_without_dot_program(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", types.ModuleType("graphviz"))
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(RuntimeError, match="dot program"):
        gv.render(mt.ones(1, requires_grad=True) * 2, tmp_path / "g.png")


def test_render_image_through_graphviz(monkeypatch, tmp_path):
    calls = []

    class Source:
        def __init__(self, text):
            self.text = text

        def pipe(self, format):
            calls.append((self.text, format))
            return b"<svg/>"

    fake = types.ModuleType("graphviz")
    fake.Source = Source
    monkeypatch.setitem(sys.modules, "graphviz", fake)
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/dot")
    y = mt.ones(2, requires_grad=True) * 3
    gv.render(y, tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_bytes() == b"<svg/>" and calls == [(gv.to_dot(y), "svg")]


def test_demo_draws_the_notes_network(tmp_path, capsys):
    from microtorch.cli import main

    path = tmp_path / "net.dot"
    assert main(["demo", "--graph", str(path)]) == 0
    assert f"is in {path}" in capsys.readouterr().out
    labels, _, _ = parse(path.read_text())
    assert "conv.weight\n(1, 1, 2, 2)" in labels.values() and "SumBackward0" in labels.values()


def test_demo_graph_problems_stop_before_the_run(tmp_path, capsys, monkeypatch):
    from microtorch.cli import main

    assert main(["demo", "--graph", str(tmp_path / "missing" / "net.dot")]) == 2
    assert "not writable" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "graphviz", None)
    assert main(["demo", "--graph", str(tmp_path / "net.svg")]) == 2
    captured = capsys.readouterr()
    assert "needs Graphviz" in captured.err and "Input layer" not in captured.out
