"""save / load: round trips, bad files, and reading torch.save files without running pickle code."""

from __future__ import annotations

import io
import json
import os
import pickle
import pickletools
import re
import struct
import zipfile
from collections import Counter, OrderedDict

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
        "npscalar": np.float32(1.5),
        "size": mt.Size([2, 3]),
        "counter": Counter({2: 1, 4: 3}),
        "set": {1, "a"},
        "complex": 1 - 2j,
        "bytes": b"\x00\xffab",
        "device": mt.device("cpu"),
    }
    out = _roundtrip(obj)
    assert out["epoch"] == 3 and isinstance(out["epoch"], int)
    assert out["loss"] == 0.125 and out["best"] == float("inf") and np.isnan(out["nan"])
    assert out["name"] == "run-1" and out["none"] is None and out["flag"] is True
    assert out["betas"] == (0.9, 0.999) and isinstance(out["betas"], tuple)
    assert out["milestones"] == [1, 2, [3, {"x": 4}]]
    assert out["dtype"] is mt.float64
    assert out[5] == "int key" and out[(1, 2)] == "tuple key"
    assert out["npscalar"] == 1.5 and type(out["npscalar"]) is float
    assert isinstance(out["size"], mt.Size) and out["size"] == (2, 3)
    assert isinstance(out["counter"], Counter) and out["counter"] == Counter({2: 1, 4: 3})
    assert out["set"] == {1, "a"} and out["complex"] == 1 - 2j and out["bytes"] == b"\x00\xffab"
    assert out["device"] == mt.device("cpu")


def test_numpy_arrays_are_refused_with_a_hint():
    """torch.load(weights_only=True) refuses numpy arrays, so save does not write them."""
    with pytest.raises(TypeError, match="numpy array.*from_numpy"):
        mt.save({"np": np.arange(3)}, io.BytesIO())


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


def test_failed_save_leaves_an_existing_file_untouched(tmp_path):
    path = tmp_path / "keep.pt"
    mt.save({"w": mt.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="cannot serialize"):
        mt.save({"w": mt.ones(2), "bad": object()}, path)
    assert path.read_bytes() == before and mt.load(path)["w"].tolist() == [1.0, 1.0]


def test_save_options_as_torch_or_refused():
    buf = io.BytesIO()
    mt.save(mt.ones(1), buf, pickle_protocol=2, _use_new_zipfile_serialization=True)
    assert mt.load(io.BytesIO(buf.getvalue())).tolist() == [1.0]
    with pytest.raises(ValueError, match="pickle_protocol=2"):
        mt.save(mt.ones(1), io.BytesIO(), pickle_protocol=4)
    with pytest.raises(ValueError, match="zip format"):
        mt.save(mt.ones(1), io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'compress'"):
        mt.save(mt.ones(1), io.BytesIO(), compress=True)
    with pytest.raises(TypeError, match="pickle_module"):
        mt.save(mt.ones(1), io.BytesIO(), pickle_module=json)
    with pytest.raises(TypeError, match="path or a writable binary file"):
        mt.save(mt.ones(1), 3)


def test_checkpoint_has_torch_layout(tmp_path):
    """One top-level folder named after the file, torch.save's records, storages 64-byte aligned."""
    path = tmp_path / "c.pt"
    mt.save(_state_dict(), path)
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert names[0] == "c/data.pkl" and all(n.startswith("c/") for n in names)
        assert z.read("c/version") == b"3\n" and z.read("c/byteorder") == b"little"
        assert re.fullmatch(rb"\d{40}", z.read("c/.data/serialization_id"))
        storages = [n for n in names if n.startswith("c/data/")]
        assert sorted(storages) == sorted(f"c/data/{i}" for i in range(len(_state_dict())))
        for n in storages:
            info = z.getinfo(n)
            name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
            assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0
        globals_ = {arg for op, arg, _ in pickletools.genops(z.read("c/data.pkl")) if op.name == "GLOBAL"}
    assert globals_ <= {
        "collections OrderedDict",
        "torch._utils _rebuild_tensor_v2",
        *(f"torch {s}Storage" for s in ("Float", "Double", "Half", "Long", "Int", "Short", "Char", "Byte", "Bool")),
    }
    buf = io.BytesIO()
    mt.save(mt.ones(1), buf)
    assert zipfile.ZipFile(buf).namelist()[0] == "archive/data.pkl"


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
    # flip bytes inside the first storage's data: the zip CRC check catches it
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo("archive/data/0")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 4
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


def test_torch_reads_what_we_save(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "ours.pt"
    mt.save({"w": mt.ones(2)}, path)
    assert torch.load(path, weights_only=True)["w"].tolist() == [1.0, 1.0]


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


def test_build_cannot_shadow_ordered_dict_methods():
    # OrderedDict() then BUILD with state {"items": OrderedDict, "_metadata": {"": {"version": 1}}, "x": tensor}
    od = b"ccollections\nOrderedDict\n)R"
    state = (
        b"}(X\x05\x00\x00\x00items"
        + b"ccollections\nOrderedDict\n"
        + b"X\t\x00\x00\x00_metadata}(X\x00\x00\x00\x00}(X\x07\x00\x00\x00versionK\x01uu"
    )
    state += b"X\x01\x00\x00\x00xctorch\nfloat64\nu"
    out = mt.load(_torch_zip_with_pickle(b"\x80\x02" + od + b"(X\x01\x00\x00\x00aK\x01u" + state + b"b."))
    assert isinstance(out, OrderedDict) and list(out.items()) == [("a", 1)]
    assert out._metadata == {"": {"version": 1}} and not hasattr(out, "x")


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


# --- hostile torch files, built by hand (no torch needed) ------------------------------------
class _Global:
    """A pickle GLOBAL reference, written as opcodes without importing the module."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name


class _Reduce:
    """A pickle REDUCE: ``fn(*args)``."""

    def __init__(self, fn, *args) -> None:
        self.fn, self.args = fn, args


class _Persist:
    """A pickle BINPERSID: ``persistent_load(value)``."""

    def __init__(self, value) -> None:
        self.value = value


def _ops(obj) -> bytes:
    """Protocol-2 pickle opcodes for plain values plus the three markers above."""
    if isinstance(obj, _Global):
        return b"c%s\n%s\n" % (obj.module.encode(), obj.name.encode())
    if isinstance(obj, _Reduce):
        return _ops(obj.fn) + _ops(tuple(obj.args)) + b"R"
    if isinstance(obj, _Persist):
        return _ops(obj.value) + b"Q"
    if obj is None:
        return b"N"
    if isinstance(obj, bool):
        return b"\x88" if obj else b"\x89"
    if isinstance(obj, int):
        return b"L%dL\n" % obj
    if isinstance(obj, str):
        raw = obj.encode()
        return b"X" + len(raw).to_bytes(4, "little") + raw
    if isinstance(obj, tuple):
        return b"(" + b"".join(_ops(v) for v in obj) + b"t"
    if isinstance(obj, list):
        return b"(" + b"".join(_ops(v) for v in obj) + b"l"
    if isinstance(obj, dict):
        return b"}(" + b"".join(_ops(k) + _ops(v) for k, v in obj.items()) + b"u"
    raise TypeError(type(obj))


def _tensor(key, size, stride, offset=0, numel=None, storage="FloatStorage", location="cpu"):
    """The pickle of ``torch._utils._rebuild_tensor_v2`` over storage ``key``."""
    numel = max(1, offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1) if numel is None else numel
    pid = _Persist(("storage", _Global("torch", storage), key, location, numel))
    hooks = _Reduce(_Global("collections", "OrderedDict"))
    return _Reduce(_Global("torch._utils", "_rebuild_tensor_v2"), pid, offset, tuple(size), tuple(stride), False, hooks)


def _torch_zip(obj, storages: dict, compression=zipfile.ZIP_STORED, byteorder="little") -> io.BytesIO:
    """A zip laid out as torch.save writes it: archive/data.pkl, archive/byteorder, archive/data/<key>."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        z.writestr("archive/data.pkl", b"\x80\x02" + _ops(obj) + b".")
        z.writestr("archive/byteorder", byteorder)
        for key, raw in storages.items():
            z.writestr(f"archive/data/{key}", raw)
        z.writestr("archive/version", "3\n")
    buf.seek(0)
    return buf


def _f32(*values) -> bytes:
    return np.array(values, dtype=np.float32).tobytes()


def test_hand_built_torch_file_loads():
    out = mt.load(_torch_zip({"w": _tensor("0", (2, 3), (3, 1))}, {"0": _f32(*range(6))}))
    assert out["w"].dtype == mt.float32 and out["w"].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_big_endian_and_bool_storages():
    big = np.array([1.5, -2.0, 3.0], dtype=">f8").tobytes()
    out = mt.load(_torch_zip({"w": _tensor("0", (3,), (1,), storage="DoubleStorage")}, {"0": big}, byteorder="big"))
    assert out["w"].dtype == mt.float64 and out["w"].tolist() == [1.5, -2.0, 3.0]
    out["w"].add_(1)
    assert out["w"].tolist() == [2.5, -1.0, 4.0]
    mask = mt.load(_torch_zip({"m": _tensor("0", (3,), (1,), storage="BoolStorage")}, {"0": bytes([0, 1, 7])}))["m"]
    assert mask.dtype == mt.bool and mask.tolist() == [False, True, True] and mask.numpy().view(np.uint8).max() == 1
    with pytest.raises(RuntimeError, match="unknown byteorder"):
        mt.load(_torch_zip({}, {}, byteorder="middle"))


def test_expanded_tensor_loads_as_a_view_of_its_one_element_storage():
    import tracemalloc

    obj = {"e": _tensor("0", (65536, 65536), (0, 0), numel=1)}  # torch.zeros(1).expand(65536, 65536)
    raw = _torch_zip(obj, {"0": _f32(2.5)}).getvalue()
    assert len(raw) < 2000
    tracemalloc.start()
    try:
        e = mt.load(io.BytesIO(raw))["e"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # the 16 GiB tensor was never materialised
    assert e.shape == (65536, 65536) and e.stride() == (0, 0) and e.dtype == mt.float32
    assert e[65535, 123].item() == 2.5 and e[:2, :3].tolist() == [[2.5] * 3] * 2
    small = mt.load(_torch_zip({"e": _tensor("0", (3, 4), (0, 1), numel=4)}, {"0": _f32(1, 2, 3, 4)}))["e"]
    assert (small + 1).tolist() == [[2, 3, 4, 5]] * 3
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        small.add_(1)  # as torch: an expanded tensor is not writable in place
    assert small.tolist() == [[1, 2, 3, 4]] * 3
    c = small.clone()
    c.add_(1)
    assert c.tolist() == [[2, 3, 4, 5]] * 3


def test_tensors_sharing_a_storage_load_as_views_of_one_array():
    obj = {
        "base": _tensor("0", (10,), (1,)),
        "every_other": _tensor("0", (3,), (2,), offset=2, numel=10),
        "matrix_t": _tensor("0", (5, 2), (1, 5), numel=10),
    }
    out = mt.load(_torch_zip(obj, {"0": _f32(*range(10))}))
    base, view, mat = out["base"], out["every_other"], out["matrix_t"]
    assert view.tolist() == [2, 4, 6] and mat.tolist() == np.arange(10.0).reshape(2, 5).T.tolist()
    assert np.shares_memory(base.numpy(), view.numpy()) and np.shares_memory(base.numpy(), mat.numpy())
    assert mat.stride() == (1, 5)
    base.add_(1)  # writable, and (as in torch) the other tensors see the change
    view.mul_(10)
    assert base.tolist() == [1, 2, 30, 4, 50, 6, 70, 8, 9, 10]
    assert mat[0].tolist() == [1, 6]


def test_tensor_outside_its_storage_is_a_clear_error_naming_the_key():
    cases = [
        ({"w": _tensor("0", (3,), (1,), offset=2, numel=4)}, "reaches element 4"),
        ({"w": _tensor("0", (2, 2), (1 << 40, 1), numel=4)}, "reaches element"),
        ({"w": _tensor("0", (1 << 40, 1 << 40), (0, 0), numel=4)}, "too large"),
        ({"w": _tensor("0", (0,), (1,), offset=9, numel=4)}, "past the end"),
    ]
    for obj, why in cases:
        with pytest.raises(RuntimeError, match=rf"\['w'\]: tensor of size .* {why}.* storage '0'"):
            mt.load(_torch_zip({"model": {"ok": _tensor("0", (4,), (1,))}, **obj}, {"0": _f32(1, 2, 3, 4)}))
    nested = {"model": {"layer.weight": _tensor("0", (5,), (1,), numel=4)}}
    with pytest.raises(RuntimeError, match=r"\['model'\]\['layer.weight'\]"):
        mt.load(_torch_zip(nested, {"0": _f32(1, 2, 3, 4)}))
    for size, stride, offset in (((2,), (-1,), 1), ((-2,), (1,), 0), ((2,), (1,), -1), ((2, 2), (1,), 0)):
        with pytest.raises(pickle.UnpicklingError, match="_rebuild_tensor"):
            mt.load(_torch_zip({"w": _tensor("0", size, stride, offset, numel=4)}, {"0": _f32(1, 2, 3, 4)}))


def test_storage_bytes_must_match_dtype_and_numel():
    for raw in (_f32(1, 2, 3), _f32(1, 2, 3, 4, 5), b""):
        with pytest.raises(
            RuntimeError, match=r"archive/data/0 holds \d+ bytes, but its 4 elements of float32 need 16"
        ):
            mt.load(_torch_zip({"w": _tensor("0", (4,), (1,))}, {"0": raw}))
    # a declared element count far beyond the data is refused before anything is allocated
    with pytest.raises(RuntimeError, match="need 4398046511104"):
        mt.load(_torch_zip({"w": _tensor("0", (4,), (1,), numel=1 << 40)}, {"0": _f32(1, 2, 3, 4)}))


def _headers(raw: bytes, member: str) -> tuple[int, int]:
    """Offsets of ``member``'s local header and central-directory entry."""
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        local = z.getinfo(member).header_offset
    at = raw.index(b"PK\x01\x02")
    while raw[at + 46 : at + 46 + int.from_bytes(raw[at + 28 : at + 30], "little")] != member.encode():
        at = raw.index(b"PK\x01\x02", at + 4)
    return local, at


def _patch_sizes(raw: bytes, member: str, file_size: int, crc: int | None = None) -> bytes:
    """Rewrite a member's uncompressed size (and CRC) in both its local and central headers."""
    out = bytearray(raw)
    local, central = _headers(raw, member)
    for at, size_at, crc_at in ((local, 22, 14), (central, 24, 16)):
        out[at + size_at : at + size_at + 4] = file_size.to_bytes(4, "little")
        if crc is not None:
            out[at + crc_at : at + crc_at + 4] = crc.to_bytes(4, "little")
    return bytes(out)


def test_zip_bombs_are_refused_before_inflating():
    import zlib

    zeros = bytes(16 << 20)
    obj = {"w": _tensor("0", (4,), (1,))}
    bomb = _torch_zip(obj, {"0": zeros}, compression=zipfile.ZIP_DEFLATED).getvalue()
    assert len(bomb) < 64 << 10
    # the member declares 16 MiB for a storage of 4 floats: refused from the headers alone
    with pytest.raises(RuntimeError, match="holds 16777216 bytes, but its 4 elements of float32 need 16"):
        mt.load(io.BytesIO(bomb))
    # declared 16 bytes (with a matching CRC), but the data inflates to 16 MiB
    lying = _patch_sizes(bomb, "archive/data/0", 16, zlib.crc32(zeros[:16]))
    with pytest.raises(RuntimeError, match="inflates beyond its declared size of 16 bytes"):
        mt.load(io.BytesIO(lying))
    # an absurd declared size: more than deflate can produce from the compressed bytes
    absurd = _patch_sizes(bomb, "archive/data/0", (1 << 32) - 1)
    with pytest.raises(RuntimeError, match="more than its compression can produce"):
        mt.load(io.BytesIO(absurd))
    # a stored member cannot be larger than its compressed bytes
    stored = _torch_zip(obj, {"0": _f32(1, 2, 3, 4)}).getvalue()
    with pytest.raises(RuntimeError, match="more than its compression can produce"):
        mt.load(io.BytesIO(_patch_sizes(stored, "archive/data/0", 1 << 30)))
    # a deflated, honest checkpoint still loads
    honest = _torch_zip(obj, {"0": _f32(1, 2, 3, 4)}, compression=zipfile.ZIP_DEFLATED)
    assert mt.load(honest)["w"].tolist() == [1, 2, 3, 4]


def _legacy_bytes(tensors: dict) -> bytes:
    """A checkpoint in microtorch's earlier format: ``.npy`` arrays described by ``microtorch.json``."""
    root = {"odict": [[k, {"tensor": i, "requires_grad": False}] for i, k in enumerate(tensors)]}
    index = {"format": "microtorch-checkpoint", "version": 1, "arrays": len(tensors), "root": root}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("microtorch.json", json.dumps(index))
        for i, t in enumerate(tensors.values()):
            b = io.BytesIO()
            np.save(b, t.numpy(), allow_pickle=False)
            z.writestr(f"data/{i}.npy", b.getvalue())
    return buf.getvalue()


def test_earlier_microtorch_format_still_loads():
    sd = _state_dict()
    out = mt.load(io.BytesIO(_legacy_bytes(sd)))
    assert isinstance(out, OrderedDict) and list(out) == list(sd)
    for k, v in sd.items():
        assert out[k].dtype == v.dtype and out[k].numpy().tobytes() == v.numpy().tobytes()


def test_own_format_members_are_bounded_too():
    raw = _legacy_bytes(_state_dict())
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        size = z.getinfo("data/0.npy").file_size
    with pytest.raises(RuntimeError, match="more than its compression can produce"):
        mt.load(io.BytesIO(_patch_sizes(raw, "data/0.npy", size * 5000)))
    # an .npy header that declares far more data than the member holds
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "microtorch.json", '{"format": "microtorch-checkpoint", "version": 1, "arrays": 1, "root": {"ndarray": 0}}'
        )
        z.writestr("data/0.npy", npy.getvalue() + np.ones(4).tobytes())
    buf.seek(0)
    with pytest.raises(RuntimeError, match="corrupt: data/0.npy holds 32 data bytes"):
        mt.load(buf)


def test_overlapping_or_other_compressed_members_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_BZIP2) as z:
        z.writestr("archive/data.pkl", b"\x80\x02N.")
    buf.seek(0)
    with pytest.raises(RuntimeError, match="compression method 12"):
        mt.load(buf)
    # a second storage whose directory entry points at the first one's bytes
    obj = {"a": _tensor("0", (4,), (1,)), "b": _tensor("1", (4,), (1,))}
    raw = _torch_zip(obj, {"0": _f32(1, 2, 3, 4), "1": _f32(5, 6, 7, 8)}).getvalue()
    first, _ = _headers(raw, "archive/data/0")
    _, central = _headers(raw, "archive/data/1")
    out = bytearray(raw)
    out[central + 42 : central + 46] = first.to_bytes(4, "little")
    with pytest.raises(RuntimeError, match="corrupt: the entry for archive/data/1 points at the data of"):
        mt.load(io.BytesIO(bytes(out)))
    # a member that claims more compressed bytes than the whole file (overlapping members add up to that)
    out = bytearray(raw)
    out[central + 20 : central + 24] = (len(raw) + 1).to_bytes(4, "little")
    with pytest.raises(RuntimeError, match="more compressed bytes than the file holds"):
        mt.load(io.BytesIO(bytes(out)))


def test_dtypes_numpy_lacks_are_a_clear_error_naming_dtype_and_key():
    for storage, dtype in (
        ("BFloat16Storage", "bfloat16"),
        ("ComplexFloatStorage", "complex64"),
        ("ComplexDoubleStorage", "complex128"),
        ("QInt8Storage", "qint8"),
    ):
        obj = {"model": {"emb.weight": _tensor("0", (2,), (1,), storage=storage)}}
        with pytest.raises(RuntimeError, match=rf"\['model'\]\['emb.weight'\]: tensor of dtype torch.{dtype}"):
            mt.load(_torch_zip(obj, {"0": bytes(64)}))
    # _rebuild_tensor_v3 (uint16, float8 and other newer dtypes) over an untyped storage
    v3 = _Reduce(
        _Global("torch._utils", "_rebuild_tensor_v3"),
        _Persist(("storage", _Global("torch.storage", "UntypedStorage"), "0", "cpu", 4)),
        0,
        (2,),
        (1,),
        False,
        _Reduce(_Global("collections", "OrderedDict")),
        _Global("torch", "uint16"),
    )
    with pytest.raises(RuntimeError, match=r"\['u'\]: tensor of dtype torch.uint16"):
        mt.load(_torch_zip({"u": v3}, {"0": bytes(4)}))
    v3.args = (*v3.args[:-1], _Global("torch", "int16"))  # a dtype microtorch has: reinterprets the bytes
    assert mt.load(_torch_zip({"u": v3}, {"0": np.array([7, -3], np.int16).tobytes()}))["u"].tolist() == [7, -3]
    with pytest.raises(RuntimeError, match=r"\['d'\]: dtype torch.complex64"):
        mt.load(_torch_zip({"d": _Global("torch", "complex64")}, {}))


def test_legacy_and_other_files_get_a_clear_message(tmp_path):
    # the first pickle of a pre-1.6 torch.save file is this magic number
    legacy = b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03." + pickle.dumps({"protocol_version": 1001})
    with pytest.raises(
        RuntimeError, match=r"legacy PyTorch checkpoint.*_use_new_zipfile_serialization=False.*torch\.save"
    ):
        mt.load(io.BytesIO(legacy))
    for data in (pickle.dumps({"a": 1}), b"PK\x03\x04" + bytes(100), bytes(range(256)) * 4):
        with pytest.raises(RuntimeError, match="not a microtorch checkpoint"):
            mt.load(io.BytesIO(data))
    script = io.BytesIO()
    with zipfile.ZipFile(script, "w") as z:
        for n in ("m/data.pkl", "m/constants.pkl", "m/code/__torch__.py"):
            z.writestr(n, b"")
    script.seek(0)
    with pytest.raises(RuntimeError, match="TorchScript archive"):
        mt.load(script)
    garbage = _torch_zip({"w": 1}, {})
    raw = garbage.getvalue().replace(b"\x80\x02}(X", b"\x80\x02}(\xff")
    with pytest.raises(RuntimeError, match="corrupt"):
        mt.load(io.BytesIO(raw))


def test_os_system_pickle_is_refused_with_weights_only_either_way(tmp_path):
    marker = tmp_path / "pwned"
    call = _Reduce(_Global("os", "system"), f"touch {marker}")
    for weights_only, message in ((True, "Weights only load failed"), (False, "not even with weights_only=False")):
        with pytest.raises(pickle.UnpicklingError, match=message):
            mt.load(_torch_zip({"w": call}, {}), weights_only=weights_only)
    posix = _Reduce(_Global("posix", "system"), f"touch {marker}")
    with pytest.raises(pickle.UnpicklingError, match="never runs code"):
        mt.load(_torch_zip([posix], {}), weights_only=False)
    assert not marker.exists()


def test_map_location_like_torch_but_cpu_only():
    def fresh():
        return _torch_zip({"w": _tensor("0", (2,), (1,))}, {"0": _f32(1, 2)})

    seen = []
    for ml in ("cpu", "cpu:0", mt.device("cpu"), {"cpu": "cpu"}, {"cuda:0": "cuda:1"}, lambda s, loc: s.cpu()):
        assert mt.load(fresh(), map_location=ml)["w"].tolist() == [1, 2]
    assert mt.load(fresh(), map_location=lambda s, loc: seen.append((s.nbytes(), loc)))["w"].tolist() == [1, 2]
    assert seen == [(8, "cpu")]
    for ml in ("cuda", "cuda:1", "mps", mt.device("cuda", 0), {"cpu": "cuda:0"}, lambda s, loc: s.cuda()):
        with pytest.raises(RuntimeError, match="microtorch runs on the CPU only"):
            mt.load(fresh(), map_location=ml)
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.load(fresh(), map_location=lambda s, loc: s.to("cuda:0"))
    with pytest.raises(TypeError, match="map_location"):
        mt.load(fresh(), map_location=5)
    with pytest.raises(TypeError, match="must return the storage"):
        mt.load(fresh(), map_location=lambda s, loc: 5)
    # a storage saved on a GPU: mapped to the CPU on request, a clear error otherwise (as torch without CUDA)
    gpu = {"w": _tensor("0", (2,), (1,), location="cuda:0")}
    with pytest.raises(RuntimeError, match="storage '0' on 'cuda:0'.*map_location='cpu'"):
        mt.load(_torch_zip(gpu, {"0": _f32(1, 2)}))
    for ml in ("cpu", {"cuda:0": "cpu"}, lambda s, loc: s):
        assert mt.load(_torch_zip(gpu, {"0": _f32(1, 2)}), map_location=ml)["w"].tolist() == [1, 2]
    with pytest.raises(TypeError, match="pickle_module"):
        mt.load(fresh(), pickle_module=object())
    assert mt.load(fresh(), None, pickle, weights_only=False)["w"].tolist() == [1, 2]


# --- the same against torch itself ---------------------------------------------------------------
def _torch_saved(torch, obj, **kwargs) -> io.BytesIO:
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    buf.seek(0)
    return buf


def test_torch_expanded_and_shared_tensors_stay_views():
    torch = pytest.importorskip("torch")
    base = torch.arange(12.0)
    obj = {
        "big": torch.zeros(1).expand(65536, 65536),
        "base": base,
        "t": base.view(3, 4).t(),
        "slice": base[1:9:3],
        "bcast": torch.tensor([1.0, 2.0]).expand(3, 2),
    }
    buf = _torch_saved(torch, obj)
    assert len(buf.getvalue()) < 4000
    out = mt.load(buf)
    theirs = torch.load(_torch_saved(torch, obj))
    for key in obj:
        assert tuple(out[key].shape) == tuple(theirs[key].shape) and out[key].stride() == theirs[key].stride(), key
    assert out["big"][7, 9].item() == 0.0 and out["big"].stride() == (0, 0)
    for key in ("t", "slice", "bcast"):
        np.testing.assert_array_equal(out[key].numpy(), theirs[key].numpy())
    for lib, d in ((mt, out), (torch, theirs)):
        d["base"].add_(1)
        assert d["t"][0].tolist() == [1.0, 5.0, 9.0] and d["slice"].tolist() == [2.0, 5.0, 8.0], lib
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            d["bcast"].add_(1)


def test_torch_bfloat16_and_complex_are_a_clear_error():
    torch = pytest.importorskip("torch")
    for dtype, name in ((torch.bfloat16, "bfloat16"), (torch.complex64, "complex64"), (torch.uint16, "uint16")):
        buf = _torch_saved(torch, {"ok": torch.ones(2), "layer": {"w": torch.ones(2, dtype=dtype)}})
        with pytest.raises(RuntimeError, match=rf"\['layer'\]\['w'\]: tensor of dtype torch.{name}"):
            mt.load(buf)


def test_torch_legacy_format_gets_a_message_saying_so():
    torch = pytest.importorskip("torch")
    buf = _torch_saved(torch, {"w": torch.ones(2)}, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy PyTorch checkpoint"):
        mt.load(buf)


def test_torch_map_location_and_weights_only_false():
    torch = pytest.importorskip("torch")
    sd = {"w": torch.arange(3.0)}
    for ml in ("cpu", torch.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s):
        assert mt.load(_torch_saved(torch, sd), map_location=ml)["w"].tolist() == [0.0, 1.0, 2.0]
        assert torch.load(_torch_saved(torch, sd), map_location=ml)["w"].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.load(_torch_saved(torch, sd), map_location=torch.device("cuda:0"))
    with pytest.raises(pickle.UnpicklingError, match="not even with weights_only=False"):
        mt.load(_torch_saved(torch, {"w": torch.ones(1), "f": _Evil("/nonexistent/x")}), weights_only=False)
