"""save / load: round trips, bad files, and reading torch.save files without running pickle code."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import microtorch as mt
import microtorch.optim as optim


def _roundtrip(obj, tmp_path=None):
    if tmp_path is None:
        buf = io.BytesIO()
        mt.save(obj, buf)
        buf.seek(0)
        return mt.load(buf)
    path = tmp_path / "ckpt.pt"
    mt.save(obj, path)
    return mt.load(str(path))


def _state_dict():
    mt.manual_seed(0)
    return OrderedDict(
        [
            ("0.weight", mt.randn(4, 3)),
            ("0.bias", mt.randn(4)),
            ("1.weight", mt.randn(2, 4, dtype=mt.float64)),
            ("bn.num_batches_tracked", mt.tensor(7)),
            ("half", mt.randn(3).to(mt.float16)),
            ("mask", mt.tensor([True, False])),
            ("scalar", mt.tensor(3.5)),
            ("empty", mt.zeros(0, 3)),
            ("int32", mt.tensor([1, 2], dtype=mt.int32)),
            ("uint8", mt.tensor([1, 255], dtype=mt.uint8)),
        ]
    )


@pytest.mark.parametrize("use_path", [False, True])
def test_state_dict_round_trip_is_bit_identical(tmp_path, use_path):
    sd = _state_dict()
    out = _roundtrip(sd, tmp_path if use_path else None)
    assert isinstance(out, OrderedDict) and list(out) == list(sd)
    for k, v in sd.items():
        assert isinstance(out[k], mt.Tensor)
        assert out[k].dtype == v.dtype and out[k].shape == v.shape
        assert out[k].numpy().tobytes() == v.numpy().tobytes()
        assert not np.shares_memory(out[k].numpy(), v.numpy())


def test_nested_python_values_round_trip():
    obj = {
        "epoch": 3,
        "loss": 0.125,
        "best": float("inf"),
        "nan": float("nan"),
        "name": "run-1",
        "none": None,
        "flag": True,
        "betas": (0.9, 0.999),
        "milestones": [1, 2, [3, {"x": 4}]],
        "dtype": mt.float64,
        5: "int key",
        (1, 2): "tuple key",
        "np": np.arange(3, dtype=np.int32),
        "npscalar": np.float32(1.5),
    }
    out = _roundtrip(obj)
    assert out["epoch"] == 3 and isinstance(out["epoch"], int)
    assert out["loss"] == 0.125 and out["best"] == float("inf") and np.isnan(out["nan"])
    assert out["name"] == "run-1" and out["none"] is None and out["flag"] is True
    assert out["betas"] == (0.9, 0.999) and isinstance(out["betas"], tuple)
    assert out["milestones"] == [1, 2, [3, {"x": 4}]]
    assert out["dtype"] is mt.float64
    assert out[5] == "int key" and out[(1, 2)] == "tuple key"
    assert isinstance(out["np"], np.ndarray) and out["np"].tolist() == [0, 1, 2]
    assert out["npscalar"] == 1.5


def test_requires_grad_and_shared_tensors_preserved():
    w = mt.randn(3, requires_grad=True)
    out = _roundtrip({"a": w, "b": w, "c": w.detach()})
    assert out["a"].requires_grad and out["a"] is out["b"]
    assert out["c"] is not out["a"] and not out["c"].requires_grad


def test_non_contiguous_tensor_round_trip():
    t = mt.arange(12.0).reshape(3, 4).T
    out = _roundtrip(t)
    np.testing.assert_array_equal(out.numpy(), t.numpy())


def test_optimizer_state_dict_round_trip_continues_identically(tmp_path):
    mt.manual_seed(1)
    p = mt.randn(5, dtype=mt.float64, requires_grad=True)
    opt = optim.Adam([p], lr=0.1, amsgrad=True)
    grads = [mt.randn(5, dtype=mt.float64) for _ in range(6)]
    for g in grads[:3]:
        p.grad = g
        opt.step()
    mt.save({"param": p.detach(), "opt": opt.state_dict()}, tmp_path / "o.pt")
    ck = mt.load(tmp_path / "o.pt")
    p2 = ck["param"].clone().requires_grad_()
    opt2 = optim.Adam([p2], lr=0.5)
    opt2.load_state_dict(ck["opt"])
    for g in grads[3:]:
        p.grad, p2.grad = g, g.clone()
        opt.step()
        opt2.step()
    assert p.detach().numpy().tobytes() == p2.detach().numpy().tobytes()


def test_scheduler_state_dict_round_trip():
    p = mt.zeros(1, requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
    for _ in range(3):
        opt.step()
        sched.step()
    out = _roundtrip(sched.state_dict())
    opt2 = optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
    s2 = optim.lr_scheduler.MultiStepLR(opt2, milestones=[9])
    s2.load_state_dict(out)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    opt2.step()
    for _ in range(3):
        sched.step()
        s2.step()
        assert s2.get_last_lr() == sched.get_last_lr()


def test_save_rejects_unsupported_objects():
    class Thing:
        pass

    with pytest.raises(TypeError, match="cannot serialize"):
        mt.save({"x": Thing()}, io.BytesIO())
    with pytest.raises(TypeError, match="cannot serialize"):
        mt.save({"f": lambda: 1}, io.BytesIO())


def test_checkpoint_holds_only_npy_and_json(tmp_path):
    path = tmp_path / "c.pt"
    mt.save(_state_dict(), path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert "microtorch.json" in names
        assert all(n == "microtorch.json" or (n.startswith("data/") and n.endswith(".npy")) for n in names)
        for n in names:
            if n.endswith(".npy"):
                np.load(io.BytesIO(z.read(n)), allow_pickle=False)  # would raise on any pickled object


# --- bad files ------------------------------------------------------------------------------
def _saved_bytes():
    buf = io.BytesIO()
    mt.save(_state_dict(), buf)
    return buf.getvalue()


def test_foreign_and_garbage_files(tmp_path):
    cases = {
        "text.pt": b"hello, I am not a checkpoint\n",
        "empty.pt": b"",
        "npy.pt": (lambda b: (np.save(b, np.ones(3)), b.getvalue())[1])(io.BytesIO()),
    }
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("readme.txt", "just a zip")
    cases["zip.pt"] = zbuf.getvalue()
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(RuntimeError, match="is not a microtorch checkpoint"):
            mt.load(path)


def test_truncated_file_is_a_clear_error(tmp_path):
    raw = _saved_bytes()
    for cut in (len(raw) // 3, len(raw) - 10, 100):
        path = tmp_path / f"cut{cut}.pt"
        path.write_bytes(raw[:cut])
        with pytest.raises(RuntimeError, match="microtorch checkpoint|corrupt"):
            mt.load(path)


def test_corrupted_bytes_are_a_clear_error(tmp_path):
    raw = bytearray(_saved_bytes())
    # flip bytes inside the first stored array's data: the zip CRC check catches it
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo("data/0.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    raw[start : start + 8] = b"\xff" * 8
    with pytest.raises(RuntimeError, match="corrupt"):
        mt.load(io.BytesIO(bytes(raw)))


def test_tampered_index_is_rejected():
    def with_index(text):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("microtorch.json", text)
            b = io.BytesIO()
            np.save(b, np.ones(2))
            z.writestr("data/0.npy", b.getvalue())
        buf.seek(0)
        return buf

    good = '{"format": "microtorch-checkpoint", "version": 1, "arrays": 1, "root": %s}'
    with pytest.raises(RuntimeError, match="corrupt"):
        mt.load(with_index(good % '{"tensor": 5}'))
    with pytest.raises(RuntimeError, match="corrupt"):
        mt.load(with_index(good % '{"exec": "import os"}'))
    with pytest.raises(RuntimeError, match="corrupt"):
        mt.load(with_index(good % '{"dtype": "object"}'))
    with pytest.raises(RuntimeError, match="corrupt"):
        mt.load(with_index("{not json"))
    with pytest.raises(RuntimeError, match="not a microtorch checkpoint"):
        mt.load(with_index('{"format": "something-else"}'))
    assert mt.load(with_index(good % '{"tensor": 0, "requires_grad": false}')).tolist() == [1.0, 1.0]


def test_pickled_npy_inside_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "microtorch.json", '{"format": "microtorch-checkpoint", "version": 1, "arrays": 1, "root": {"ndarray": 0}}'
        )
        b = io.BytesIO()
        np.save(b, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        z.writestr("data/0.npy", b.getvalue())
    buf.seek(0)
    with pytest.raises(RuntimeError, match="corrupt"):
        mt.load(buf)


def test_load_errors():
    with pytest.raises(FileNotFoundError):
        mt.load("/nonexistent/dir/file.pt")
    with pytest.raises(TypeError):
        mt.load(12345)
    with pytest.raises(RuntimeError, match="CPU"):
        mt.load(io.BytesIO(_saved_bytes()), map_location="cuda:0")
    out = mt.load(io.BytesIO(_saved_bytes()), map_location="cpu", weights_only=True)
    assert "0.weight" in out


# --- torch.save files ------------------------------------------------------------------------
def _torch_zip_with_pickle(payload: bytes) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")
    buf.seek(0)
    return buf


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_malicious_pickle_is_refused_without_running_code(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"weight": _Evil(marker)}, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="unsupported global"):
        mt.load(_torch_zip_with_pickle(payload))
    assert not marker.exists()
    for evil in (
        pickle.dumps(_Evil(marker)),
        b"cbuiltins\neval\n(S'print(1)'\ntR.",
        b'c__builtin__\nexec\n(S\'open("x","w")\'\ntR.',
        b"cnumpy\nload\n(S'x'\ntR.",
    ):
        with pytest.raises(pickle.UnpicklingError):
            mt.load(_torch_zip_with_pickle(evil))
    assert not marker.exists()


def test_persistent_id_tricks_are_refused():
    # a persistent id naming a path outside the archive's data folder
    payload = (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
        b"X\x06\x00\x00\x00../x/yX\x03\x00\x00\x00cpuK\x01tQK\x00K\x01\x85K\x01\x85\x89NtR."
    )
    with pytest.raises(pickle.UnpicklingError):
        mt.load(_torch_zip_with_pickle(payload))


def test_reads_state_dicts_written_by_torch(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(), torch.nn.Linear(8, 3)
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(2, 1, 4, 4)).sum().backward()
    opt.step()
    path = tmp_path / "torch.pt"
    extra = {
        "double": torch.randn(2, 3, dtype=torch.float64),
        "view": torch.arange(10.0)[2:8:2],
        "transposed": torch.arange(6.0).reshape(2, 3).t(),
        "long": torch.tensor([1, -2, 3]),
        "bool": torch.tensor([True, False]),
        "half": torch.tensor([1.5, -2.0], dtype=torch.float16),
        "bf16_dtype": torch.bfloat16,
        "dtype": torch.float16,
        "size": torch.Size([2, 3]),
        "param": torch.nn.Parameter(torch.ones(2)),
        "nested": [1, 2.5, "s", None, (3, 4)],
    }
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "extra": extra, "epoch": 4}, path)
    ck = mt.load(path)
    assert ck["epoch"] == 4
    sd = model.state_dict()
    assert list(ck["model"]) == list(sd)
    for k, v in sd.items():
        got = ck["model"][k]
        assert isinstance(got, mt.Tensor) and list(got.shape) == list(v.shape)
        assert got.numpy().tobytes() == v.numpy().tobytes(), k
    tsd = opt.state_dict()
    assert ck["opt"]["param_groups"] == tsd["param_groups"]
    for i, entry in tsd["state"].items():
        np.testing.assert_array_equal(
            ck["opt"]["state"][i]["momentum_buffer"].numpy(), entry["momentum_buffer"].numpy()
        )
    e = ck["extra"]
    for key in ("double", "view", "transposed", "long", "bool", "half"):
        np.testing.assert_array_equal(e[key].numpy(), extra[key].numpy())
        assert str(e[key].dtype) == str(extra[key].dtype)
    assert e["bf16_dtype"] is mt.bfloat16  # microtorch's alias; bfloat16 tensors are refused (see below)
    assert e["dtype"] is mt.float16 and tuple(e["size"]) == (2, 3)
    assert e["param"].requires_grad and e["param"].tolist() == [1.0, 1.0]
    assert e["nested"] == [1, 2.5, "s", None, (3, 4)]
    # the same file through a file object
    with open(path, "rb") as fh:
        again = mt.load(fh)
    assert again["model"]["3.bias"].numpy().tobytes() == sd["3.bias"].numpy().tobytes()


def test_torch_file_with_a_hostile_global_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(2), "evil": _Evil(marker)}, path)
    with pytest.raises(pickle.UnpicklingError):
        mt.load(path)
    assert not marker.exists()


def test_truncated_torch_file_is_a_clear_error(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "t.pt"
    torch.save({"w": torch.randn(100)}, path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RuntimeError):
        mt.load(path)


def test_torch_reads_what_we_save_as_plain_arrays(tmp_path):
    """Not a torch file: torch.load refuses it, but the arrays are plain .npy inside a zip."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "ours.pt"
    mt.save({"w": mt.ones(2)}, path)
    with pytest.raises(Exception):
        torch.load(path, weights_only=True)


def test_build_opcode_cannot_modify_dtypes_or_functions():
    payloads = [
        b"\x80\x02ctorch\nfloat32\n}X\x02\x00\x00\x00npK\x01sb.",  # float32.__dict__/slots <- {'np': 1}
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nN}X\x0c\x00\x00\x00__defaults__)s\x86b.",
        b"\x80\x02ctorch\nFloatStorage\n}b.",
    ]
    for payload in payloads:
        with pytest.raises(pickle.UnpicklingError, match="BUILD"):
            mt.load(_torch_zip_with_pickle(payload))
    assert mt.float32.np == np.dtype(np.float32)
    assert mt.zeros(2).dtype == mt.float32


def test_bare_stand_ins_are_refused():
    with pytest.raises(pickle.UnpicklingError):
        mt.load(_torch_zip_with_pickle(b"\x80\x02ctorch\nFloatStorage\n."))
    # a dtype on its own is fine
    assert mt.load(_torch_zip_with_pickle(b"\x80\x02ctorch\nfloat64\n.")) is mt.float64


_HAS_NN = all(hasattr(mt.nn, n) for n in ("Sequential", "Linear", "ReLU"))


@pytest.mark.skipif(not _HAS_NN, reason="microtorch.nn layers are not available")
def test_module_state_dict_round_trip_gives_identical_outputs(tmp_path):
    def make():
        return mt.nn.Sequential(mt.nn.Linear(4, 3), mt.nn.ReLU(), mt.nn.Linear(3, 2))

    mt.manual_seed(0)
    model = make()
    mt.save(model.state_dict(), tmp_path / "m.pt")
    model2 = make()
    model2.load_state_dict(mt.load(tmp_path / "m.pt"))
    x = mt.randn(5, 4)
    assert model(x).detach().numpy().tobytes() == model2(x).detach().numpy().tobytes()


@pytest.mark.skipif(not _HAS_NN, reason="microtorch.nn layers are not available")
def test_torch_model_state_dict_loads_into_the_same_microtorch_model(tmp_path):
    torch = pytest.importorskip("torch")
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)).double()
    torch.save(tmodel.state_dict(), tmp_path / "t.pt")
    model = mt.nn.Sequential(mt.nn.Linear(4, 3), mt.nn.ReLU(), mt.nn.Linear(3, 2)).double()
    model.load_state_dict(mt.load(tmp_path / "t.pt"))
    x = np.random.default_rng(0).standard_normal((5, 4))
    ours = model(mt.tensor(x)).detach().numpy()
    theirs = tmodel(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_deeply_nested_index_is_a_clear_error():
    buf = io.BytesIO()
    root = '{"list": [' * 5000 + "]}" * 5000
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "microtorch.json", '{"format": "microtorch-checkpoint", "version": 1, "arrays": 0, "root": ' + root + "}"
        )
    buf.seek(0)
    with pytest.raises(RuntimeError, match="corrupt"):
        mt.load(buf)
    nested: list = []
    for _ in range(1000):
        nested = [nested]
    with pytest.raises(ValueError, match="too deep"):
        mt.save(nested, io.BytesIO())
