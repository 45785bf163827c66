"""Checkpoints both ways with real PyTorch: microtorch.save -> torch.load(weights_only=True) and back."""

from __future__ import annotations

import io
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtorch as mt

torch = pytest.importorskip("torch")


def _net(lib):
    """The same small CNN in either library (state-dict keys match)."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4, 3),
    )


def _trained_mt_net():
    mt.manual_seed(0)
    net = _net(mt)
    opt = mt.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(2):  # moves the batch-norm running statistics and num_batches_tracked
        opt.zero_grad()
        net(mt.randn(5, 1, 8, 8)).square().sum().backward()
        opt.step()
    return net.eval()


def _mt_to_torch(obj, **kwargs):
    buf = io.BytesIO()
    mt.save(obj, buf, **kwargs)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def _torch_to_mt(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return mt.load(buf)


def test_model_state_dict_loads_in_torch_with_the_same_outputs(tmp_path):
    net = _trained_mt_net()
    mt.save(net.state_dict(), tmp_path / "net.pt")
    sd = torch.load(tmp_path / "net.pt", weights_only=True)
    assert isinstance(sd, OrderedDict) and list(sd) == list(net.state_dict())
    assert sd["1.num_batches_tracked"].dtype == torch.int64 and int(sd["1.num_batches_tracked"]) == 2
    theirs = _net(torch).eval()
    theirs.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net(mt.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_torch_model_state_dict_loads_here_with_the_same_outputs():
    torch.manual_seed(0)
    theirs = _net(torch).eval()
    theirs[1].running_mean.uniform_()
    ours = _net(mt).eval()
    ours.load_state_dict(_torch_to_mt(theirs.state_dict()))
    x = np.random.default_rng(1).standard_normal((2, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(mt.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def _adam_steps(lib, params, opt, grads):
    for g in grads:
        for p, gp in zip(params, g):
            p.grad = lib.tensor(gp)
        opt.step()


@pytest.mark.parametrize("direction", ["mt->torch", "torch->mt"])
def test_optimizer_state_dict_both_ways_continues_identically(direction):
    rng = np.random.default_rng(2)
    start = [rng.standard_normal(4), rng.standard_normal((2, 3))]
    grads = [[rng.standard_normal(4), rng.standard_normal((2, 3))] for _ in range(6)]
    src_lib, dst_lib = (mt, torch) if direction == "mt->torch" else (torch, mt)
    src = [src_lib.tensor(a, requires_grad=True) for a in start]
    opt = src_lib.optim.Adam(src, lr=0.1, amsgrad=True)
    _adam_steps(src_lib, src, opt, grads[:3])
    ckpt = {"params": [p.detach() for p in src], "opt": opt.state_dict()}
    moved = _mt_to_torch(ckpt) if direction == "mt->torch" else _torch_to_mt(ckpt)
    dst = [p.clone().requires_grad_() for p in moved["params"]]
    opt2 = dst_lib.optim.Adam(dst, lr=0.5)
    opt2.load_state_dict(moved["opt"])
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.param_groups[0]["amsgrad"] is True
    _adam_steps(src_lib, src, opt, grads[3:])
    _adam_steps(dst_lib, dst, opt2, grads[3:])
    for a, b in zip(src, dst):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_plain_and_nested_values_both_ways():
    obj = {
        "t": mt.arange(6, dtype=mt.int32).reshape(2, 3),
        "nested": [mt.tensor([True, False]), (mt.tensor(2.5, dtype=mt.float64), 3, "x"), {"h": mt.ones(2).half()}],
        "epoch": 7,
        "loss": float("nan"),
        "dtype": mt.float16,
        "size": mt.Size([1, 2]),
        "empty": mt.zeros(0, 3),
    }
    theirs = _mt_to_torch(obj)
    assert theirs["t"].dtype == torch.int32 and theirs["t"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert theirs["nested"][0].tolist() == [True, False] and theirs["nested"][1][0].dtype == torch.float64
    assert theirs["nested"][2]["h"].dtype == torch.float16 and theirs["dtype"] is torch.float16
    assert theirs["size"] == torch.Size([1, 2]) and theirs["empty"].shape == (0, 3) and np.isnan(theirs["loss"])
    back = _torch_to_mt(theirs)
    assert back["t"].dtype == mt.int32 and back["t"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert back["nested"][1][1:] == (3, "x") and back["dtype"] is mt.float16 and back["epoch"] == 7
    assert back["nested"][2]["h"].dtype == mt.float16 and back["empty"].shape == (0, 3)


def test_shared_storages_and_views_are_kept_both_ways():
    base = mt.arange(12.0).reshape(3, 4)
    obj = {"base": base, "row": base[1], "col": base[:, 2], "t": base.t(), "same": base, "e": mt.ones(1).expand(4)}
    theirs = _mt_to_torch(obj)
    ptr = theirs["base"].untyped_storage().data_ptr()
    for k in ("row", "col", "t"):
        assert theirs[k].untyped_storage().data_ptr() == ptr
    assert theirs["row"].storage_offset() == 4 and theirs["col"].stride() == (4,) and theirs["t"].stride() == (1, 4)
    assert theirs["same"] is theirs["base"] and theirs["e"].stride() == (0,)
    theirs["base"][1, 2] = 100.0  # one storage: every view sees the write
    assert theirs["row"][2] == 100.0 and theirs["col"][1] == 100.0 and theirs["t"][2, 1] == 100.0
    back = _torch_to_mt(theirs)
    assert np.shares_memory(back["base"].numpy(), back["row"].numpy())
    assert np.shares_memory(back["base"].numpy(), back["t"].numpy()) and back["same"] is back["base"]
    assert back["col"].tolist() == [2.0, 100.0, 10.0]


def test_parameters_and_requires_grad_as_torch_writes_them():
    w = mt.nn.Parameter(mt.ones(2, 2))
    g = mt.ones(3, requires_grad=True)
    theirs = _mt_to_torch({"w": w, "g": g, "frozen": mt.nn.Parameter(mt.ones(1), requires_grad=False)})
    assert type(theirs["w"]) is torch.nn.Parameter and theirs["w"].requires_grad
    assert type(theirs["g"]) is torch.Tensor and theirs["g"].requires_grad
    assert type(theirs["frozen"]) is torch.nn.Parameter and not theirs["frozen"].requires_grad
    back = _torch_to_mt(theirs)
    assert isinstance(back["w"], mt.nn.Parameter) and back["w"].requires_grad and back["g"].requires_grad
    assert not back["frozen"].requires_grad


def test_our_pickle_matches_what_torch_writes():
    """Same opcodes as torch.save for a state dict (only the memo indices may differ)."""
    import pickletools
    import zipfile

    def ops(raw: bytes) -> list:
        return [(op.name, arg) for op, arg, _ in pickletools.genops(raw) if op.name not in ("BINPUT", "BINGET")]

    sd = OrderedDict([("w", mt.arange(4.0).reshape(2, 2)), ("b", mt.zeros(2))])
    ours, theirs = io.BytesIO(), io.BytesIO()
    mt.save(sd, ours)
    torch.save(OrderedDict((k, torch.from_numpy(v.numpy().copy())) for k, v in sd.items()), theirs)
    a = zipfile.ZipFile(ours).read("archive/data.pkl")
    b = zipfile.ZipFile(theirs).read("archive/data.pkl")
    assert [o for o in ops(a) if o[0] != "GLOBAL"] == [o for o in ops(b) if o[0] != "GLOBAL"]
    assert {o for o in ops(a) if o[0] == "GLOBAL"} == {o for o in ops(b) if o[0] == "GLOBAL"}


@st.composite
def _views(draw):
    """A base tensor of some dtype and a few strided views of it (slices with steps, transposes, expands)."""
    dtype = draw(st.sampled_from([mt.float32, mt.float64, mt.float16, mt.int64, mt.int32, mt.int8, mt.uint8, mt.bool]))
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    base = (mt.arange(int(np.prod(shape))) % 7).to(dtype).reshape(shape)
    views = [base]
    for _ in range(draw(st.integers(1, 3))):
        v = base
        for d, n in enumerate(shape):
            start = draw(st.integers(0, n - 1))
            step = draw(st.integers(1, 2))
            v = v.narrow(d, start, n - start)[(slice(None),) * d + (slice(None, None, step),)]
        if v.ndim > 1 and draw(st.booleans()):
            v = v.transpose(0, v.ndim - 1)
        if draw(st.booleans()):
            v = v.unsqueeze(0).expand(2, *v.shape)
        views.append(v)
    return views


@given(_views())
@settings(max_examples=25, deadline=None)
def test_strided_views_round_trip_exactly_both_ways(views):
    theirs = _mt_to_torch(views)
    for ours, t in zip(views, theirs):
        assert t.shape == tuple(ours.shape) and t.stride() == ours.stride()
        np.testing.assert_array_equal(t.numpy(), ours.numpy())
        assert t.untyped_storage().data_ptr() == theirs[0].untyped_storage().data_ptr()
    back = _torch_to_mt(theirs)
    for ours, b in zip(views, back):
        assert b.dtype == ours.dtype and b.stride() == ours.stride()
        np.testing.assert_array_equal(b.numpy(), ours.numpy())
        assert np.shares_memory(b.numpy(), back[0].numpy())
