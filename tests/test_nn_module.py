"""nn.Module mechanics: registration, iteration, modes, state dicts, hooks, repr."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3)
        self.fc = nn.Linear(8, 3)
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.ReLU()])
        self.register_buffer("steps", mt.zeros(1))
        self.register_buffer("scratch", mt.zeros(2), persistent=False)
        self.scale = nn.Parameter(mt.ones(1))

    def forward(self, x):
        h = self.conv1(x).relu().flatten(1)
        h = self.fc(h)
        for b in self.blocks:
            h = b(h)
        return h * self.scale


def test_registration_and_names_match_pytorch_layout():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "conv1.weight", "conv1.bias", "fc.weight", "fc.bias", "blocks.0.weight", "blocks.0.bias"]
    assert list(net.state_dict()) == ["scale", "steps"] + names[1:]
    assert "scratch" not in net.state_dict()
    assert [n for n, _ in net.named_children()] == ["conv1", "fc", "blocks"]
    assert len(list(net.modules())) == 6
    assert sum(p.numel() for p in net.parameters()) == 1 + 2 * 9 + 2 + 8 * 3 + 3 + 9 + 3


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2


def test_train_eval_and_zero_grad():
    net = Net()
    net.eval()
    assert not net.training and not net.blocks[0].training
    net.train()
    assert net.fc.training
    net(mt.randn(1, 1, 4, 4)).sum().backward()
    assert net.fc.weight.grad is not None
    net.zero_grad()
    assert net.fc.weight.grad is None


def test_state_dict_roundtrip_and_errors_leave_model_unchanged():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    x = mt.randn(2, 1, 4, 4)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    before = {k: v.numpy().copy() for k, v in b.state_dict().items()}
    bad = OrderedDict(a.state_dict())
    bad["fc.weight"] = mt.zeros(3, 9)
    bad["extra"] = mt.zeros(1)
    del bad["fc.bias"]
    with pytest.raises(RuntimeError) as err:
        b.load_state_dict(bad)
    msg = str(err.value)
    assert 'Missing key(s) in state_dict: "fc.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra"' in msg
    assert "size mismatch for fc.weight" in msg
    for k, v in b.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    del bad["fc.weight"]
    result = b.load_state_dict(bad, strict=False)
    assert result.missing_keys == ["fc.weight", "fc.bias"] and result.unexpected_keys == ["extra"]


def test_save_load_gives_bit_identical_outputs(tmp_path):
    net = Net()
    path = tmp_path / "net.pt"
    mt.save(net.state_dict(), path)
    other = Net()
    other.load_state_dict(mt.load(path))
    x = mt.randn(3, 1, 4, 4)
    np.testing.assert_array_equal(net(x).detach().numpy(), other(x).detach().numpy())


def test_hooks_apply_and_dtype_conversion():
    net = nn.Linear(2, 2)
    seen = []
    h1 = net.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = net.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    out = net(mt.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), net.bias.detach().numpy()[None])
    assert seen == [(1, 2)]
    h1.remove()
    h2.remove()
    net(mt.ones(1, 2))
    assert len(seen) == 1
    net.double()
    assert net.weight.dtype == mt.float64
    names = []
    nn.Sequential(nn.Linear(1, 1), nn.ReLU()).apply(lambda m: names.append(type(m).__name__))
    assert names == ["Linear", "ReLU", "Sequential"]


def test_containers():
    seq = nn.Sequential(OrderedDict([("a", nn.Linear(2, 3)), ("b", nn.ReLU())]))
    assert isinstance(seq.a, nn.Linear) and isinstance(seq[-1], nn.ReLU) and len(seq) == 2
    assert isinstance(seq[:1], nn.Sequential) and len(seq[:1]) == 1
    seq.append(nn.Linear(3, 1))
    assert seq(mt.ones(4, 2)).shape == (4, 1)
    d = nn.ModuleDict({"x": nn.Linear(1, 1)})
    d["y"] = nn.Tanh()
    assert list(d.keys()) == ["x", "y"] and len(list(d.parameters())) == 2
    with pytest.raises(IndexError):
        seq[5]


def test_parameter_repr_and_assignment_errors():
    p = nn.Parameter(mt.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign"):
        lin.weight = mt.zeros(2, 2)


def test_repr_matches_pytorch():
    torch = pytest.importorskip("torch")
    for build in (
        lambda m: m.Sequential(m.Conv2d(1, 6, 5, padding=2), m.ReLU(), m.MaxPool2d(2), m.Flatten(), m.Linear(10, 2)),
        lambda m: m.Sequential(
            m.Conv1d(2, 4, 3, stride=2, bias=False, padding_mode="reflect", padding=1), m.Dropout(0.2)
        ),
        lambda m: m.ModuleList([m.BatchNorm2d(3), m.AvgPool2d(2), m.LeakyReLU(0.2), m.Softmax(dim=1)]),
        lambda m: m.Sequential(m.ConvTranspose2d(3, 2, 3, stride=2, output_padding=1), m.Tanh(), m.Sigmoid()),
        lambda m: m.Sequential(m.AdaptiveAvgPool2d((1, 1)), m.LPPool2d(2, 3), m.Identity(), m.CrossEntropyLoss()),
        lambda m: m.Sequential(
            m.Conv1d(2, 2, 3, padding="same", padding_mode="reflect"),
            m.BatchNorm1d(3, momentum=None, affine=False),
            m.ModuleDict({"a": m.ELU(), "b": m.GELU()}),
            m.Unflatten(1, (2, 5)),
        ),
    ):
        assert repr(build(nn)) == repr(build(torch.nn))


def test_load_state_dict_error_text_matches_pytorch():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (torch, mt):
        m = lib.nn.Linear(2, 3)
        with pytest.raises(RuntimeError) as err:
            m.load_state_dict({"weight": lib.zeros(3, 3), "extra": lib.zeros(1)})
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def test_registration_name_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    calls = [
        lambda m: m.register_buffer("a.b", None),
        lambda m: m.register_parameter("", None),
        lambda m: m.add_module("a.b", None),
        lambda m: m.add_module("", None),
    ]
    for call in calls:
        got = []
        for lib in (torch, mt):
            module = lib.nn.Module()
            with pytest.raises(KeyError) as err:
                call(module)
            got.append(str(err.value))
            assert module.state_dict() == {} or len(module.state_dict()) == 0
        assert got[0] == got[1]
    with pytest.raises(ValueError, match=r"Mode bad not supported, please use one of \['fan_in', 'fan_out'\]"):
        nn.init.kaiming_uniform_(mt.empty(3, 4), mode="bad")


def test_layers_are_reachable_at_torchs_module_paths():
    """Scripts import from torch.nn.modules.<file> (nn.modules.loss.CTCLoss, nn.modules.conv.LazyConv2d)."""
    pytest.importorskip("torch")
    import importlib

    for sub in ("activation", "conv", "dropout", "linear", "loss", "normalization", "pooling", "batchnorm", "rnn"):
        ours = importlib.import_module(f"microtorch.nn.modules.{sub}")
        theirs = importlib.import_module(f"torch.nn.modules.{sub}")
        for name in getattr(theirs, "__all__", []):
            if hasattr(mt.nn, name):
                assert getattr(ours, name) is getattr(mt.nn, name), f"nn.modules.{sub}.{name}"
