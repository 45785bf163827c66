"""Tensor factories, dtype conversion, memory formats and random factories, against PyTorch."""

import pickle

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import gradcheck


def _raises_as_torch(torch, t_call, m_call):
    """Both calls raise, microtorch an instance of torch's exception class."""
    with pytest.raises(Exception) as t_info:
        t_call(torch)
    with pytest.raises(type(t_info.value)):
        m_call(mt)


def _same_call(torch, call):
    """``call(lib)`` in both libraries: both raise the same class, or agree in dtype, shape and values."""
    try:
        expected = call(torch)
    except Exception as exc:  # noqa: BLE001 - the class is what is compared
        with pytest.raises(type(exc)):
            call(mt)
        return
    got = call(mt)
    assert str(got.dtype).replace("torch.", "") == str(expected.dtype).replace("torch.", "")
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


# --- memory formats --------------------------------------------------------------------------
def test_memory_format_and_layout_objects():
    for name in ("preserve_format", "contiguous_format", "channels_last", "channels_last_3d"):
        fmt = getattr(mt, name)
        assert isinstance(fmt, mt.memory_format)
        assert repr(fmt) == f"torch.{name}"
        assert pickle.loads(pickle.dumps(fmt)) is fmt
    assert repr(mt.strided) == "torch.strided" and isinstance(mt.strided, mt.layout)
    assert pickle.loads(pickle.dumps(mt.strided)) is mt.strided
    assert mt.zeros(2).layout is mt.strided


_LAYOUTS = {
    "contiguous": lambda lib: lib.arange(120.0).reshape(2, 3, 4, 5),
    "transposed": lambda lib: lib.arange(12.0).reshape(3, 4).t(),
    "permuted": lambda lib: lib.arange(120.0).reshape(2, 3, 4, 5).permute(0, 2, 3, 1),
    "permuted_sliced": lambda lib: lib.arange(120.0).reshape(2, 3, 4, 5).permute(0, 2, 3, 1)[:, ::2],
    "sliced_transposed": lambda lib: lib.arange(12.0).reshape(3, 4).t()[::2],
    "stepped": lambda lib: lib.arange(48.0).reshape(6, 8)[::2, ::3],
    "expanded_last": lambda lib: lib.arange(3.0).reshape(3, 1).expand(3, 4),
    "expanded_first": lambda lib: lib.arange(4.0).reshape(1, 4).expand(3, 4),
    "size_one": lambda lib: lib.arange(4.0).reshape(1, 4).t(),
    "size_one_permuted": lambda lib: lib.arange(24.0).reshape(4, 3, 1, 2).permute(1, 2, 0, 3)[::2],
    "empty": lambda lib: lib.zeros(0, 3, 2),
    "channels_last": lambda lib: lib.arange(120.0).reshape(2, 3, 4, 5).contiguous(memory_format=lib.channels_last),
    "channels_last_sliced": lambda lib: (
        lib.arange(120.0).reshape(2, 3, 4, 5).contiguous(memory_format=lib.channels_last)[:, :, ::2]
    ),
    "channels_last_3d": lambda lib: (
        lib.arange(720.0).reshape(2, 3, 4, 5, 6).contiguous(memory_format=lib.channels_last_3d)
    ),
}
_FORMATS = ("preserve_format", "contiguous_format", "channels_last", "channels_last_3d")


@pytest.mark.parametrize("layout", sorted(_LAYOUTS))
def test_preserve_format_strides_match_torch(layout):
    torch = pytest.importorskip("torch")
    make = _LAYOUTS[layout]
    t, m = make(torch), make(mt)
    assert m.stride() == t.stride()
    for op in (
        lambda x: x.to(torch_or_mt(x).float32),
        lambda x: x.float(),
        lambda x: x.half(),
        lambda x: x.int(),
        lambda x: x.to(torch_or_mt(x).float64, copy=True),
        lambda x: torch_or_mt(x).zeros_like(x),
        lambda x: torch_or_mt(x).empty_like(x),
        lambda x: torch_or_mt(x).ones_like(x, dtype=torch_or_mt(x).int64),
        lambda x: torch_or_mt(x).full_like(x, 2.5),
        lambda x: torch_or_mt(x).rand_like(x),
        lambda x: x.clone(),
    ):
        t_out, m_out = op(t), op(m)
        assert m_out.stride() == t_out.stride(), (layout, m_out.stride(), t_out.stride())
        assert tuple(m_out.shape) == tuple(t_out.shape)


def torch_or_mt(x):
    """The library a tensor belongs to."""
    return mt if isinstance(x, mt.Tensor) else __import__("torch")


@pytest.mark.parametrize("layout", sorted(_LAYOUTS))
@pytest.mark.parametrize("fmt", _FORMATS)
def test_memory_format_conversions_match_torch(layout, fmt):
    torch = pytest.importorskip("torch")
    make = _LAYOUTS[layout]
    t, m = make(torch), make(mt)
    t_fmt, m_fmt = getattr(torch, fmt), getattr(mt, fmt)
    assert m.is_contiguous(memory_format=m_fmt) == t.is_contiguous(memory_format=t_fmt)
    calls = [
        lambda x, f: x.to(memory_format=f),
        lambda x, f: x.double(memory_format=f),
        lambda x, f: x.to(torch_or_mt(x).int64, memory_format=f),
        lambda x, f: x.contiguous(memory_format=f),
        lambda x, f: x.clone(memory_format=f),
        lambda x, f: torch_or_mt(x).zeros_like(x, memory_format=f),
        lambda x, f: torch_or_mt(x).empty_like(x, memory_format=f),
    ]
    for call in calls:
        try:
            t_out = call(t, t_fmt)
        except RuntimeError:
            with pytest.raises(RuntimeError):
                call(m, m_fmt)
            continue
        m_out = call(m, m_fmt)
        assert m_out.stride() == t_out.stride(), (layout, fmt, m_out.stride(), t_out.stride())
        assert (m_out is m) == (t_out is t)
        for f in _FORMATS:
            assert m_out.is_contiguous(memory_format=getattr(mt, f)) == t_out.is_contiguous(
                memory_format=getattr(torch, f)
            )
        if call is not calls[5] and call is not calls[6]:
            np.testing.assert_array_equal(m_out.numpy(), t_out.numpy())


def test_channels_last_is_a_real_nhwc_layout():
    x = mt.arange(120.0).reshape(2, 3, 4, 5)
    y = x.to(memory_format=mt.channels_last)
    assert y.stride() == (60, 1, 15, 3)
    assert not y.is_contiguous() and y.is_contiguous(memory_format=mt.channels_last)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    # the storage really holds NHWC order
    assert np.shares_memory(y.numpy(), y.numpy().transpose(0, 2, 3, 1))
    assert y.numpy().transpose(0, 2, 3, 1).flags.c_contiguous
    assert y.contiguous().stride() == (60, 20, 5, 1)
    assert y.to(memory_format=mt.channels_last) is y
    assert mt.empty(2, 3, 4, 5, memory_format=mt.channels_last).stride() == (60, 1, 15, 3)
    assert mt.empty(2, 3, 4, 5, 6, memory_format=mt.channels_last_3d).stride() == (360, 1, 90, 18, 3)


def test_memory_format_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: lib.ones(3, 4).contiguous(memory_format=lib.channels_last),
        lambda lib: lib.ones(3, 4, 5, 6).contiguous(memory_format=lib.channels_last_3d),
        lambda lib: lib.ones(3, 4).t().contiguous(memory_format=lib.preserve_format),
        lambda lib: lib.ones(3, 4).float(memory_format=lib.channels_last),
        lambda lib: lib.ones(3).to(lib.float64, memory_format=lib.channels_last),
        lambda lib: lib.empty(2, 3, 4, memory_format=lib.channels_last),
        lambda lib: lib.empty(2, 3, memory_format=lib.preserve_format),
        lambda lib: lib.zeros_like(lib.ones(2, 3), memory_format=lib.channels_last),
        lambda lib: lib.ones(3).to(memory_format=1),
        lambda lib: lib.ones(3).double(lib.channels_last),
    ]
    for call in cases:
        _raises_as_torch(torch, call, call)


def test_channels_last_copy_is_differentiable():
    x = mt.randn(2, 3, 2, 2, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda t: t.to(memory_format=mt.channels_last) * 2, (x,))
    assert gradcheck(lambda t: t.contiguous(memory_format=mt.channels_last).sum(1), (x,))
    y = x.float(memory_format=mt.channels_last)
    assert y.stride() == (12, 1, 6, 3) and y.grad_fn.name() == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype == mt.float64
    np.testing.assert_array_equal(x.grad.numpy(), 1.0)
    assert x.to(memory_format=mt.channels_last).grad_fn.name() == "ToCopyBackward0"


# --- Tensor.to -------------------------------------------------------------------------------
_TO_CALLS = [
    lambda x, lib: x.to(lib.float64),
    lambda x, lib: x.to(lib.float32),
    lambda x, lib: x.to("cpu"),
    lambda x, lib: x.to(lib.device("cpu"), lib.int64),
    lambda x, lib: x.to("cpu", lib.float64, False, True),
    lambda x, lib: x.to(lib.float32, False, True),
    lambda x, lib: x.to(lib.float64, True, False),
    lambda x, lib: x.to(lib.ones(2, dtype=lib.int16)),
    lambda x, lib: x.to(lib.ones(2, dtype=lib.float32), False, True),
    lambda x, lib: x.to(device="cpu", dtype=lib.float64, non_blocking=True, copy=False),
    lambda x, lib: x.to(dtype=lib.int8, copy=True, memory_format=lib.contiguous_format),
    lambda x, lib: x.to(None, lib.float64),
    lambda x, lib: x.to(None),
    lambda x, lib: x.to(),
    lambda x, lib: x.to(float),
    lambda x, lib: x.to(int),
    lambda x, lib: x.to(bool),
    lambda x, lib: x.to(lib.ones(2), memory_format=lib.preserve_format),
    lambda x, lib: x.to("cpu", "cpu"),
    lambda x, lib: x.to(lib.float64, lib.float64),
    lambda x, lib: x.to(lib.float64, dtype=lib.float64),
    lambda x, lib: x.to(lib.float64, 1),
    lambda x, lib: x.to(lib.float64, non_blocking=1),
    lambda x, lib: x.to("cpuu"),
    lambda x, lib: x.to(5),
    lambda x, lib: x.to(lib.float64, False, True, False),
    lambda x, lib: x.to(lib.float64, bogus=True),
]


@pytest.mark.parametrize("i", range(len(_TO_CALLS)))
def test_to_call_forms_match_torch(i):
    torch = pytest.importorskip("torch")
    call = _TO_CALLS[i]
    t_x, m_x = torch.tensor([[1.5, -2.0, 3.0]]), mt.tensor([[1.5, -2.0, 3.0]])
    try:
        t_out = call(t_x, torch)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            call(m_x, mt)
        return
    m_out = call(m_x, mt)
    assert str(m_out.dtype) == str(t_out.dtype)
    assert (m_out is m_x) == (t_out is t_x)
    np.testing.assert_array_equal(m_out.numpy(), t_out.numpy())


def test_to_copy_keeps_the_graph_and_casts_the_gradient():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = x.to(mt.float32, copy=True)
    assert y.grad_fn.name() == "ToCopyBackward0" and y.dtype == mt.float32
    y.sum().backward()
    assert x.grad.dtype == mt.float64
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    assert not x.to(mt.int64).requires_grad


def test_conversion_methods():
    x = mt.tensor([1.7, -2.2, 300.0])
    for name, dtype in [
        ("float", mt.float32),
        ("double", mt.float64),
        ("half", mt.float16),
        ("long", mt.int64),
        ("int", mt.int32),
        ("short", mt.int16),
        ("char", mt.int8),
        ("byte", mt.uint8),
        ("bool", mt.bool),
    ]:
        assert getattr(x, name)().dtype is dtype
    assert x.float() is x
    assert x.cpu() is x
    assert x.type() == "torch.FloatTensor"


def test_float64_to_float16_rounds_as_torch():
    torch = pytest.importorskip("torch")
    values = np.random.RandomState(0).standard_normal(200000)
    expected = torch.from_numpy(values).half().numpy()
    np.testing.assert_array_equal(mt.from_numpy(values).half().numpy(), expected)
    np.testing.assert_array_equal(mt.tensor(values, dtype=mt.float16).numpy(), expected)
    np.testing.assert_array_equal(mt.tensor(values.tolist(), dtype=mt.float16).numpy(), expected)


# --- bfloat16 --------------------------------------------------------------------------------
def test_bfloat16_dtype_object_is_torchs_but_storage_raises():
    torch = pytest.importorskip("torch")
    assert repr(mt.bfloat16) == "torch.bfloat16"
    assert mt.bfloat16 is not mt.float32
    for attr in ("is_floating_point", "is_signed", "itemsize", "is_complex"):
        assert getattr(mt.bfloat16, attr) == getattr(torch.bfloat16, attr)
    for other in ("float16", "float32", "float64", "int64", "bool", "bfloat16"):
        got = mt.promote_types(mt.bfloat16, getattr(mt, other))
        assert repr(got) == repr(torch.promote_types(torch.bfloat16, getattr(torch, other)))
    for call in (
        lambda: mt.ones(2).bfloat16(),
        lambda: mt.ones(2).to(mt.bfloat16),
        lambda: mt.zeros(2, dtype=mt.bfloat16),
        lambda: mt.tensor([1.0], dtype=mt.bfloat16),
        lambda: mt.set_default_dtype(mt.bfloat16),
        lambda: mt.arange(3, dtype=mt.bfloat16),
        lambda: mt.ones(2).new_zeros(2, dtype=mt.bfloat16),
    ):
        with pytest.raises(NotImplementedError, match="numpy has no bfloat16"):
            call()


# --- .data -----------------------------------------------------------------------------------
def test_data_setter_matches_torch():
    torch = pytest.importorskip("torch")
    for value in (5, None, [1.0, 2.0], np.zeros(3)):
        _raises_as_torch(
            torch,
            lambda lib, v=value: setattr(lib.randn(3), "data", v),
            lambda lib, v=value: setattr(lib.randn(3), "data", v),
        )
    _raises_as_torch(
        torch,
        lambda lib: setattr(lib.randn(3, requires_grad=True), "data", lib.arange(3)),
        lambda lib: setattr(lib.randn(3, requires_grad=True), "data", lib.arange(3)),
    )
    x = mt.randn(3, requires_grad=True)
    before = x.numpy(force=True).copy()
    with pytest.raises(RuntimeError):
        x.data = mt.arange(3)
    np.testing.assert_array_equal(x.numpy(force=True), before)  # a failed assignment changes nothing
    x.data = mt.zeros(5, dtype=mt.float64)
    assert x.shape == (5,) and x.dtype == mt.float64 and x.requires_grad
    y = mt.randn(3)
    y.data = mt.arange(3)
    assert y.dtype == mt.int64


# --- tensor() --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data,dtype",
    [
        ([2**31], "int32"),
        (2**31, "int32"),
        ([2**31 - 1, -(2**31)], "int32"),
        ([-(2**31) - 1], "int32"),
        ([2**63], None),
        ([-(2**63) - 1], None),
        ([2**64], "float32"),
        ([300], "uint8"),
        ([-1], "uint8"),
        ([-129], "uint8"),
        ([-257], "uint8"),
        ([128], "int8"),
        ([2**15], "int16"),
        ([3.7], "int32"),
        ([3e9], "int32"),
        ([-1.5], "uint8"),
        ([float("nan")], "int32"),
        ([float("inf")], "int64"),
        ([70000.0], "float16"),
        ([2**40], "bool"),
        ([True, 2], None),
        ([1, None], None),
        ([1, None], "float32"),
        (None, None),
        ({}, None),
        ([[1], [None]], None),
        (np.array([1, None], dtype=object), None),
        (np.int32(3), None),
        (np.float64(2.5), None),
        (np.float16(2.5), None),
        (np.bool_(True), None),
        ([np.float32(1), 2.0], None),
        ([np.int32(1), 2], None),
    ],
)
def test_tensor_integer_overflow_matches_torch(data, dtype):
    torch = pytest.importorskip("torch")
    _same_call(torch, lambda lib: lib.tensor(data, dtype=None if dtype is None else getattr(lib, dtype)))


# --- factories -------------------------------------------------------------------------------
_FACTORY_CALLS = [
    lambda lib: lib.zeros(2, 3, dtype=lib.int8),
    lambda lib: lib.zeros(size=(2,)),
    lambda lib: lib.zeros(),
    lambda lib: lib.zeros(2.0),
    lambda lib: lib.zeros(2, -1),
    lambda lib: lib.ones(2, 3, device="cpu", layout=lib.strided, pin_memory=False),
    lambda lib: lib.ones(2, pin_memory=True),
    lambda lib: lib.ones(2, requires_grad=1),
    lambda lib: lib.zeros(2, dtype=lib.int64, requires_grad=True),
    lambda lib: lib.empty(2, 3, dtype=lib.int64, requires_grad=True),
    lambda lib: lib.full((2,), 3),
    lambda lib: lib.full((2,), True),
    lambda lib: lib.full((2,), 3.5, dtype=lib.int64),
    lambda lib: lib.full((2,), 300, dtype=lib.uint8),
    lambda lib: lib.full((2,), -1, dtype=lib.uint8),
    lambda lib: lib.full((2,), float("nan"), dtype=lib.int64),
    lambda lib: lib.full((2,), 2**70),
    lambda lib: lib.full(2, 3.0),
    lambda lib: lib.full((2,), "a"),
    lambda lib: lib.full((2,), lib.tensor(3.0)),
    lambda lib: lib.full((2,), lib.tensor([3.0])),
    lambda lib: lib.full_like(lib.zeros(2, dtype=lib.int64), 2.5),
    lambda lib: lib.zeros_like([1, 2]),
    lambda lib: lib.zeros_like(lib.zeros(2), dtype=lib.int64, requires_grad=True),
    lambda lib: lib.ones_like(lib.zeros(2, 3), dtype=lib.int16),
    lambda lib: lib.eye(3, dtype=lib.bool),
    lambda lib: lib.eye(3, 2, dtype=lib.int64),
    lambda lib: lib.eye(-1),
    lambda lib: lib.eye(2, -3),
    lambda lib: lib.eye(2.0),
    lambda lib: lib.eye(3, requires_grad="yes"),
    lambda lib: lib.scalar_tensor(-5, dtype=lib.uint8),
    lambda lib: lib.scalar_tensor(300, dtype=lib.uint8),
    lambda lib: lib.scalar_tensor(2.5),
    lambda lib: lib.empty_strided((2, 3), (1, 2)),
    lambda lib: lib.zeros(2, 3).new_zeros(4, dtype=lib.int32),
    lambda lib: lib.zeros(2, 3).new_ones((2, 2)),
    lambda lib: lib.zeros(2, dtype=lib.int16).new_full((3,), 7),
    lambda lib: lib.zeros(2, dtype=lib.uint8).new_full((3,), 300),
    lambda lib: lib.zeros(2, dtype=lib.int16).new_tensor([1, 2]),
    lambda lib: lib.zeros(2).new_empty(3, 1),
    lambda lib: lib.zeros(2).new_zeros(3, requires_grad=True),
    lambda lib: lib.zero_(lib.ones(3)),
    lambda lib: lib.empty_permuted((2, 3, 5, 7), (0, 2, 3, 1)),
    lambda lib: lib.empty_permuted((2, 0, 5), (2, 0, 1), dtype=lib.int16),
    lambda lib: lib.empty_permuted((2, 3), (0,)),
    lambda lib: lib.empty_permuted((2, 3), (0, 0)),
    lambda lib: lib.empty_permuted((2, 3), (0, 2)),
    lambda lib: lib.empty_permuted((2, -3), (0, 1)),
]


_FACTORY_SOURCE = [c.__code__.co_names for c in _FACTORY_CALLS]


@pytest.mark.parametrize("i", range(len(_FACTORY_CALLS)))
def test_factories_match_torch(i):
    torch = pytest.importorskip("torch")
    call = _FACTORY_CALLS[i]
    if not any("empty" in name for name in _FACTORY_SOURCE[i]):  # uninitialised values are not compared
        _same_call(torch, lambda lib: call(lib).detach())
    try:
        expected = call(torch)
    except Exception:  # noqa: BLE001
        return
    got = call(mt)
    assert got.requires_grad == expected.requires_grad
    assert got.stride() == expected.stride()


@pytest.mark.filterwarnings("ignore:.*resized:UserWarning")
@pytest.mark.filterwarnings("ignore:The number of elements in the out tensor:UserWarning")
def test_factory_out_argument_matches_torch():
    torch = pytest.importorskip("torch")
    for call in (
        lambda lib, out: lib.arange(0, 3, out=out),
        lambda lib, out: lib.arange(0, 3, 0.5, out=out),
        lambda lib, out: lib.zeros(2, 2, out=out),
        lambda lib, out: lib.ones(3, out=out),
        lambda lib, out: lib.linspace(0, 1, 5, out=out),
        lambda lib, out: lib.eye(2, out=out),
        lambda lib, out: lib.full((2,), 4.0, out=out),
    ):
        t_out, m_out = torch.tensor([1.0, 2.0, 3.0]), mt.tensor([1.0, 2.0, 3.0])
        t_res, m_res = call(torch, t_out), call(mt, m_out)
        assert m_res is m_out and t_res is t_out
        assert m_out.shape == tuple(t_out.shape)
        np.testing.assert_array_equal(m_out.numpy(), t_out.numpy())
        assert m_out._version > 0
    _raises_as_torch(
        torch,
        lambda lib: lib.arange(0, 3, dtype=lib.int32, out=lib.zeros(4)),
        lambda lib: lib.arange(0, 3, dtype=lib.int32, out=lib.zeros(4)),
    )
    _raises_as_torch(
        torch,
        lambda lib: lib.arange(0, 3, out=lib.zeros(3, requires_grad=True)),
        lambda lib: lib.arange(0, 3, out=lib.zeros(3, requires_grad=True)),
    )
    with pytest.raises(RuntimeError, match="single memory location"):
        mt.zeros(6, out=mt.zeros(1).expand(6))
    with pytest.warns(UserWarning, match="was resized"):
        mt.zeros(2, out=mt.zeros(3))
    empty = mt.zeros(0)
    mt.ones(2, out=empty)  # resizing an empty out is silent
    assert empty.tolist() == [1.0, 1.0]


def test_tensor_of_a_tensor_warns_as_torch():
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        y = mt.tensor(mt.ones(2))
    assert y.tolist() == [1.0, 1.0]


_DEVICE_CALLS = [
    lambda lib: lib.device("cpu:0"),
    lambda lib: lib.device("cpu", 0),
    lambda lib: lib.device("cpu:x"),
    lambda lib: lib.device("cpu:-1"),
    lambda lib: lib.device("cpu", -1),
    lambda lib: lib.device(0),
    lambda lib: lib.device("cuda"),
    lambda lib: lib.device("cuda:1").index,
    lambda lib: lib.device("cpu:0") == lib.device("cpu"),
    lambda lib: str(lib.device("cpu:0")),
    lambda lib: lib.device(lib.device("cpu")),
    lambda lib: lib.device("cpu", "0"),
    lambda lib: lib.device("foo"),
    lambda lib: lib.device("cpu:0:1"),
    lambda lib: lib.device(1.5),
    lambda lib: lib.device("cpu:0", 1),
    lambda lib: lib.zeros(2).device == "cpu",
    lambda lib: lib.device("CPU"),
    lambda lib: lib.zeros(2, device="cpu:0").device,
]


@pytest.mark.parametrize("i", range(len(_DEVICE_CALLS)))
def test_device_parsing_matches_torch(i):
    torch = pytest.importorskip("torch")
    try:
        expected = repr(_DEVICE_CALLS[i](torch))
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            _DEVICE_CALLS[i](mt)
        return
    assert repr(_DEVICE_CALLS[i](mt)) == expected


def test_pin_memory_raises_as_torch_without_accelerator():
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: lib.ones(2).pin_memory(), lambda lib: lib.ones(2).pin_memory())
    _raises_as_torch(
        torch, lambda lib: lib.tensor([1.0], pin_memory=True), lambda lib: lib.tensor([1.0], pin_memory=True)
    )
    assert mt.ones(2).is_pinned() is False


def test_factory_device_layout_keywords():
    with pytest.raises(RuntimeError):
        mt.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="Expected one of"):
        mt.zeros(2, device="cpuu")
    with pytest.raises(TypeError):
        mt.zeros(2, layout="strided")
    assert mt.zeros(2, device="cpu:0").device == mt.device("cpu")
    for factory in (mt.logspace, mt.linspace):
        assert factory(0, 1, 3, device="cpu", layout=mt.strided).shape == (3,)
    assert mt.randn_like(mt.zeros(2), device="cpu").shape == (2,)


# --- ranges ----------------------------------------------------------------------------------
_RANGE_CALLS = [
    lambda lib: lib.arange(5),
    lambda lib: lib.arange(1, 2.5, 0.5),
    lambda lib: lib.arange(0.0, 1.0, 0.1),
    lambda lib: lib.arange(0, 1, 0.1, dtype=lib.float16),
    lambda lib: lib.arange(True, 3),
    lambda lib: lib.arange(lib.tensor(3)),
    lambda lib: lib.arange(lib.tensor(3.5)),
    lambda lib: lib.arange(0.0, -8.000001, -4.0, dtype=lib.int64),
    lambda lib: lib.arange(0.0, -8.000001, -4.0, dtype=lib.int32),
    lambda lib: lib.arange(-0.9, 2.1, 2.0, dtype=lib.int16),
    lambda lib: lib.arange(-3.5, 2.9, 1.5, dtype=lib.int64),
    lambda lib: lib.arange(-3.5, 2.9, 2.5, dtype=lib.int32),
    lambda lib: lib.arange(3.1, dtype=lib.int64),
    lambda lib: lib.arange(3.1, dtype=lib.int8),
    lambda lib: lib.arange(-1, 3, dtype=lib.uint8),
    lambda lib: lib.arange(0, 3, 0),
    lambda lib: lib.arange(-3, 2, 0.7, dtype=lib.int64),
    lambda lib: lib.arange(0, -3, 2),
    lambda lib: lib.arange(0, float("inf"), 2),
    lambda lib: lib.arange(float("nan")),
    lambda lib: lib.arange(10, dtype=lib.bool),
    lambda lib: lib.arange(3, requires_grad=True),
    lambda lib: lib.linspace(-2.0, 3, 7, dtype=lib.int64),
    lambda lib: lib.linspace(-2.0, -3, 50, dtype=lib.int64),
    lambda lib: lib.linspace(0, 10, 4, dtype=lib.uint8),
    lambda lib: lib.linspace(lib.tensor(0), lib.tensor(3.0), 3),
    lambda lib: lib.linspace(0, 3, lib.tensor(3)),
    lambda lib: lib.linspace(0, 3, 1),
    lambda lib: lib.linspace(2, 3, 0),
    lambda lib: lib.linspace(0, 3, 1.0),
    lambda lib: lib.linspace(0, 3, True),
    lambda lib: lib.linspace(0, 3, -1),
    lambda lib: lib.linspace(lib.tensor([0, 1]), 3, 3),
    lambda lib: lib.linspace(0, 3, 3, dtype=lib.bool),
    lambda lib: lib.linspace(0, 3, 3, dtype=lib.int64, requires_grad=True),
    lambda lib: lib.logspace(-3, 0, 5, 2.0, dtype=lib.int64),
    lambda lib: lib.logspace(-3, 1, 5, 1.1, dtype=lib.int64),
    lambda lib: lib.logspace(0, 10, 11, 2, dtype=lib.int64),
    lambda lib: lib.logspace(0, 10, 11, dtype=lib.int64),
    lambda lib: lib.logspace(0, 3, 4, base=-2, dtype=lib.int64),
    lambda lib: lib.logspace(lib.tensor(0), 3, 4),
    lambda lib: lib.logspace(0, 3, -1),
    lambda lib: lib.logspace(0, 3, 2.0),
]


@pytest.mark.parametrize("i", range(len(_RANGE_CALLS)))
def test_ranges_match_torch(i):
    torch = pytest.importorskip("torch")
    _same_call(torch, lambda lib: _RANGE_CALLS[i](lib).detach())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_float_ranges_close_to_torch(dtype):
    torch = pytest.importorskip("torch")
    for args in [(-2.0, 3.0, 50), (0.0, 1.0, 7), (5.0, -5.0, 101), (1.5, 1.5, 3)]:
        for fn in ("linspace", "logspace"):
            t = getattr(torch, fn)(*args, dtype=getattr(torch, dtype)).numpy()
            m = getattr(mt, fn)(*args, dtype=getattr(mt, dtype)).numpy()
            assert m.dtype == t.dtype
            # torch's vectorised kernel rounds differently per CPU vector width: last bits only
            tol = (2e-6, 1e-7) if dtype == "float32" else (1e-13, 1e-15)
            np.testing.assert_allclose(m, t, rtol=tol[0], atol=tol[1])


# --- tril / triu -----------------------------------------------------------------------------
def test_tril_triu_match_torch():
    torch = pytest.importorskip("torch")
    data = [[float("inf"), 1.0, float("nan")], [2.0, 3.0, 4.0]]
    for fn in ("tril", "triu"):
        for diagonal in (-2, -1, 0, 1, 5):
            _same_call(torch, lambda lib, f=fn, d=diagonal: getattr(lib, f)(lib.tensor(data), d))
            _same_call(torch, lambda lib, f=fn, d=diagonal: getattr(lib.tensor(data), f)(d))
            _same_call(
                torch, lambda lib, f=fn, d=diagonal: getattr(lib, f)(lib.tensor([[True, False], [True, True]]), d)
            )
        _same_call(torch, lambda lib, f=fn: getattr(lib, f)(lib.ones(3)))
        _same_call(torch, lambda lib, f=fn: getattr(lib, f)(lib.ones(())))


@pytest.mark.parametrize(
    "args",
    [
        (3, 4, 1),
        (3, 2, -1),
        (0, 3),
        (3, 0),
        (3, 3, 10),
        (3, 3, -10),
        (20, 21, -7),
        (21, 20, 7),
        (5, 9, -2),
        (9, 5, 3),
        (-1, 3),
        (3, -1),
        (3.0, 3),
        (20, 2**40, 0),
        (2**40, 0, 0),
    ],
)
@pytest.mark.parametrize("fn", ["tril_indices", "triu_indices"])
def test_triangle_indices_match_torch(fn, args):
    torch = pytest.importorskip("torch")
    _same_call(torch, lambda lib: getattr(lib, fn)(*args))
    _same_call(torch, lambda lib: getattr(lib, fn)(4, 5, 1, dtype=lib.int32))
    for dtype in ("float32", "int16"):
        _same_call(torch, lambda lib, d=dtype: getattr(lib, fn)(3, 3, dtype=getattr(lib, d)))
    _same_call(torch, lambda lib: getattr(lib, fn)(3, 3, requires_grad=True))


def test_tril_triu_in_place_and_gradients():
    x = mt.arange(9.0).reshape(3, 3)
    before = x._version
    assert x.tril_(-1) is x and x._version > before
    np.testing.assert_array_equal(x.numpy(), np.tril(np.arange(9.0).reshape(3, 3), -1))
    assert mt.ones(2, 2).triu_().numpy().tolist() == [[1.0, 1.0], [0.0, 1.0]]
    with pytest.raises(RuntimeError):
        mt.ones(3).tril_()
    leaf = mt.randn(3, 3, dtype=mt.float64, requires_grad=True)
    assert gradcheck(lambda t: mt.tril(t, 1), (leaf,))
    assert gradcheck(lambda t: mt.triu(t, -1), (leaf,))
    y = leaf * 1
    y.triu_()
    y.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), np.triu(np.ones((3, 3))))


# --- sum_to_size -----------------------------------------------------------------------------
def test_sum_to_size_sums_integers_as_int64():
    torch = pytest.importorskip("torch")
    for dtype in ("bool", "int32", "uint8", "int64", "float32"):
        for shape, size in [((3,), (1,)), ((3,), (3,)), ((), ()), ((2, 3), (1, 3)), ((2, 3), ())]:
            _same_call(torch, lambda lib, d=dtype, s=shape, z=size: lib.ones(s, dtype=getattr(lib, d)).sum_to_size(z))


# --- random factories ------------------------------------------------------------------------
_SEEDED = {
    "rand": lambda g: mt.rand(3, 4, generator=g),
    "randn": lambda g: mt.randn(3, 4, generator=g),
    "randint": lambda g: mt.randint(0, 10, (3, 4), generator=g),
    "rand_like": lambda g: mt.rand_like(mt.zeros(3, 4), generator=g),
    "randn_like": lambda g: mt.randn_like(mt.zeros(3, 4), generator=g),
    "randint_like": lambda g: mt.randint_like(mt.zeros(3, 4), 10, generator=g),
    "randperm": lambda g: mt.randperm(12, generator=g),
    "normal_tensors": lambda g: mt.normal(mt.zeros(3, 4), mt.ones(3, 4), generator=g),
    "normal_float_std": lambda g: mt.normal(mt.zeros(3, 4), 2.0, generator=g),
    "normal_float_mean": lambda g: mt.normal(1.0, mt.ones(3, 4), generator=g),
    "normal_size": lambda g: mt.normal(0.0, 1.0, (3, 4), generator=g),
    "bernoulli": lambda g: mt.bernoulli(mt.full((3, 4), 0.5), generator=g),
    "bernoulli_p": lambda g: mt.bernoulli(mt.zeros(3, 4), 0.5, generator=g),
    "multinomial": lambda g: mt.multinomial(mt.ones(3, 4), 2, generator=g),
    "multinomial_replacement": lambda g: mt.multinomial(mt.ones(3, 4), 6, True, generator=g),
    "uniform_": lambda g: mt.zeros(3, 4).uniform_(-1, 1, generator=g),
    "normal_": lambda g: mt.zeros(3, 4).normal_(2, 3, generator=g),
    "bernoulli_": lambda g: mt.zeros(3, 4).bernoulli_(0.3, generator=g),
    "exponential_": lambda g: mt.zeros(3, 4).exponential_(2.0, generator=g),
    "cauchy_": lambda g: mt.zeros(3, 4).cauchy_(1.0, 2.0, generator=g),
    "log_normal_": lambda g: mt.zeros(3, 4).log_normal_(0.0, 0.5, generator=g),
    "geometric_": lambda g: mt.zeros(3, 4).geometric_(0.3, generator=g),
    "random_": lambda g: mt.zeros(3, 4, dtype=mt.int64).random_(generator=g),
    "random_to": lambda g: mt.zeros(3, 4).random_(2, 1000, generator=g),
}


@pytest.mark.parametrize("name", sorted(_SEEDED))
def test_random_factories_are_reproducible(name):
    draw = _SEEDED[name]
    first = draw(mt.Generator().manual_seed(7)).numpy()
    again = draw(mt.Generator().manual_seed(7)).numpy()
    other = draw(mt.Generator().manual_seed(8)).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    mt.manual_seed(3)
    a = draw(None).numpy()
    mt.manual_seed(3)
    np.testing.assert_array_equal(draw(None).numpy(), a)


def test_seeds_and_fork_rng_as_torch():
    torch = pytest.importorskip("torch")
    for seed in (-1, 0, 2**63, 2**64 - 1):
        assert mt.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()
    for bad in (2**64, -(2**63) - 1, "a"):
        _raises_as_torch(torch, lambda lib, b=bad: lib.manual_seed(b), lambda lib, b=bad: lib.manual_seed(b))
    mt.manual_seed(0)
    expected = mt.rand(3).numpy()
    mt.manual_seed(0)
    with mt.random.fork_rng():
        mt.rand(5)
    np.testing.assert_array_equal(mt.rand(3).numpy(), expected)
    with pytest.raises(RuntimeError):
        mt.Generator(device="cuda")
    with pytest.raises(RuntimeError):
        with mt.random.fork_rng(devices=[0]):
            pass


_N = 200_000


def _close(value, expected, tol):
    assert abs(value - expected) < tol, (value, expected)


def test_uniform_statistics():
    g = mt.Generator().manual_seed(0)
    for x in (mt.rand(_N, generator=g), mt.rand_like(mt.zeros(_N, dtype=mt.float64), generator=g)):
        a = x.numpy().astype(np.float64)
        assert a.min() >= 0 and a.max() < 1
        _close(a.mean(), 0.5, 0.01)
        _close(a.var(), 1 / 12, 0.005)
    a = mt.zeros(_N).uniform_(-2, 4, generator=g).numpy()
    assert a.min() >= -2 and a.max() < 4
    _close(a.mean(), 1.0, 0.05)
    _close(a.var(), 3.0, 0.1)


def test_normal_statistics():
    g = mt.Generator().manual_seed(1)
    cases = [
        (mt.randn(_N, generator=g), 0.0, 1.0),
        (mt.randn_like(mt.zeros(_N), generator=g), 0.0, 1.0),
        (mt.normal(mt.full((_N,), 2.0), mt.full((_N,), 3.0), generator=g), 2.0, 9.0),
        (mt.normal(mt.full((_N,), -1.0), 0.5, generator=g), -1.0, 0.25),
        (mt.normal(4.0, mt.full((_N,), 2.0), generator=g), 4.0, 4.0),
        (mt.normal(1.6, 0.3, (_N,), generator=g), 1.6, 0.09),
        (mt.zeros(_N).normal_(5, 2, generator=g), 5.0, 4.0),
    ]
    for x, mean, var in cases:
        a = x.numpy().astype(np.float64)
        _close(a.mean(), mean, 0.02 + 0.01 * var)
        _close(a.var(), var, 0.03 * var)


def test_integer_random_statistics():
    g = mt.Generator().manual_seed(2)
    for x in (mt.randint(2, 10, (_N,), generator=g), mt.randint_like(mt.zeros(_N), 2, 10, generator=g)):
        a = x.numpy()
        assert a.min() == 2 and a.max() == 9
        _close(a.mean(), 5.5, 0.03)
        _close(a.var(), (8**2 - 1) / 12, 0.1)
    p = mt.randperm(1000, generator=g).numpy()
    assert sorted(p.tolist()) == list(range(1000)) and p.tolist() != list(range(1000))


def test_other_distribution_statistics():
    g = mt.Generator().manual_seed(5)
    a = mt.zeros(_N, dtype=mt.float64).exponential_(2.0, generator=g).numpy()
    assert a.min() >= 0
    _close(a.mean(), 0.5, 0.01)
    _close(a.var(), 0.25, 0.01)
    a = mt.zeros(_N, dtype=mt.float64).log_normal_(0.0, 0.5, generator=g).numpy()
    _close(a.mean(), np.exp(0.125), 0.01)
    _close(np.log(a).std(), 0.5, 0.01)
    a = mt.zeros(_N, dtype=mt.int64).geometric_(0.25, generator=g).numpy()
    assert a.min() == 1
    _close(a.mean(), 4.0, 0.05)
    _close(a.var(), 12.0, 0.5)
    a = mt.zeros(_N, dtype=mt.float64).cauchy_(1.0, 2.0, generator=g).numpy()
    _close(np.median(a), 1.0, 0.05)
    _close(np.subtract(*np.percentile(a, [75, 25])), 4.0, 0.1)  # IQR of Cauchy is 2 sigma
    a = mt.zeros(_N).random_(2, 12, generator=g).numpy()
    assert a.min() == 2 and a.max() == 11 and a.dtype == np.float32
    _close(a.mean(), 6.5, 0.05)
    assert mt.zeros(_N, dtype=mt.float16).random_(generator=g).numpy().max() <= 2048
    b = mt.zeros(_N, dtype=mt.bool).random_(generator=g).numpy()
    _close(b.mean(), 0.5, 0.01)


def test_bernoulli_statistics():
    g = mt.Generator().manual_seed(3)
    probs = mt.tensor([0.0, 0.2, 0.9, 1.0], dtype=mt.float64).expand(_N // 4, 4).contiguous()
    a = mt.bernoulli(probs, generator=g).numpy()
    assert set(np.unique(a)) <= {0.0, 1.0}
    np.testing.assert_allclose(a.mean(0), [0.0, 0.2, 0.9, 1.0], atol=0.01)
    b = mt.zeros(_N, dtype=mt.int64).bernoulli_(0.3, generator=g).numpy()
    assert b.dtype == np.int64
    _close(b.mean(), 0.3, 0.01)
    _close(mt.bernoulli(mt.zeros(_N), 0.7, generator=g).numpy().mean(), 0.7, 0.01)


def test_multinomial_statistics():
    g = mt.Generator().manual_seed(4)
    probs = mt.tensor([[1.0, 2.0, 0.0, 7.0], [0.0, 0.0, 5.0, 5.0]])
    draws = mt.multinomial(probs, 50_000, replacement=True, generator=g).numpy()
    assert draws.shape == (2, 50_000) and draws.dtype == np.int64
    np.testing.assert_allclose(np.bincount(draws[0], minlength=4) / 50_000, [0.1, 0.2, 0.0, 0.7], atol=0.01)
    np.testing.assert_allclose(np.bincount(draws[1], minlength=4) / 50_000, [0.0, 0.0, 0.5, 0.5], atol=0.01)
    # without replacement: distinct indices; the first draw follows the probabilities
    rows = mt.multinomial(mt.tensor([0.1, 0.2, 0.7]).expand(20_000, 3).contiguous(), 3, generator=g).numpy()
    assert (np.sort(rows, axis=1) == [0, 1, 2]).all()
    np.testing.assert_allclose(np.bincount(rows[:, 0], minlength=3) / 20_000, [0.1, 0.2, 0.7], atol=0.015)
    # zero-probability categories come only after the others, lowest index first (as torch)
    assert mt.multinomial(mt.tensor([1.0, 0.0, 0.0]), 2).tolist() == [0, 1]
    assert mt.multinomial(mt.ones(0, 3), 2).shape == (0, 2)


_RANDOM_ERRORS = [
    lambda lib: lib.rand(2, dtype=lib.int64),
    lambda lib: lib.randn(2, dtype=lib.bool),
    lambda lib: lib.rand_like(lib.zeros(3, dtype=lib.int64)),
    lambda lib: lib.randn_like(lib.zeros(3, dtype=lib.int32)),
    lambda lib: lib.randint(10),
    lambda lib: lib.randint(0, 10),
    lambda lib: lib.randint(0, 10, (2,), size=(2,)),
    lambda lib: lib.randint(0, 10, high=3, size=(2,)),
    lambda lib: lib.randint(low=2, size=(3,)),
    lambda lib: lib.randint(5, 2, (3,)),
    lambda lib: lib.randint(0, 10, (2,), dtype=lib.bool),
    lambda lib: lib.randint(-1, 2, (2,), dtype=lib.uint8),
    lambda lib: lib.randint(0, 300, (2,), dtype=lib.uint8),
    lambda lib: lib.randint(0, 10, (2,), requires_grad=True),
    lambda lib: lib.randint_like(lib.zeros(3)),
    lambda lib: lib.randint_like(lib.zeros(3, dtype=lib.bool), 10),
    lambda lib: lib.randperm(-1),
    lambda lib: lib.randperm(300, dtype=lib.uint8),
    lambda lib: lib.multinomial(lib.ones(1, 2, 3), 2),
    lambda lib: lib.multinomial(lib.ones(()), 1),
    lambda lib: lib.multinomial(lib.ones(2, dtype=lib.int64), 1),
    lambda lib: lib.multinomial(lib.ones(3), 0),
    lambda lib: lib.multinomial(lib.ones(3), -1),
    lambda lib: lib.multinomial(lib.ones(3), 4),
    lambda lib: lib.multinomial(lib.ones(3), 2.0),
    lambda lib: lib.multinomial(lib.tensor([1.0, float("nan"), 1.0]), 2),
    lambda lib: lib.multinomial(lib.tensor([1.0, float("inf"), 1.0]), 2, True),
    lambda lib: lib.multinomial(lib.tensor([1.0, -2.0, 1.0]), 2),
    lambda lib: lib.multinomial(lib.zeros(3), 2),
    lambda lib: lib.multinomial(lib.tensor([[1.0, 1.0], [0.0, 0.0]]), 1, True),
    lambda lib: lib.multinomial(lib.ones(3), 2, out=lib.zeros(2)),
    lambda lib: lib.normal(lib.zeros(3), -1.0),
    lambda lib: lib.normal(lib.zeros(3), lib.tensor([1.0, -1.0, 1.0])),
    lambda lib: lib.normal(0.0, -1.0, (3,)),
    lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(3, 2)),
    lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(6)),
    lambda lib: lib.normal(lib.zeros(2, dtype=lib.int64), 1.0),
    lambda lib: lib.normal(1.6, 0.3, [2], dtype=lib.int64),
    lambda lib: lib.normal(1.6, 0.3),
    lambda lib: lib.zeros(3, dtype=lib.int64).normal_(),
    lambda lib: lib.zeros(3).normal_(0, -1),
    lambda lib: lib.zeros(3).uniform_(3, -1),
    lambda lib: lib.zeros(3, dtype=lib.int64).uniform_(0, 10),
    lambda lib: lib.zeros(3).uniform_(0, float("inf")),
    lambda lib: lib.zeros(3).bernoulli_(1.5),
    lambda lib: lib.zeros(3).bernoulli_(lib.tensor([0.5, 2.0, 0.1])),
    lambda lib: lib.bernoulli(lib.tensor([0.5, 1.5])),
    lambda lib: lib.bernoulli(lib.tensor([0.5, float("nan")])),
    lambda lib: lib.bernoulli(lib.tensor([0, 1])),
    lambda lib: lib.zeros(3, requires_grad=True).normal_(),
    lambda lib: lib.zeros(3).exponential_(0),
    lambda lib: lib.zeros(3, dtype=lib.int64).exponential_(),
    lambda lib: lib.zeros(3).cauchy_(0, -1),
    lambda lib: lib.zeros(3, dtype=lib.int64).cauchy_(),
    lambda lib: lib.zeros(3).log_normal_(1, 0),
    lambda lib: lib.zeros(3, dtype=lib.int64).log_normal_(),
    lambda lib: lib.zeros(3).geometric_(1),
    lambda lib: lib.zeros(3, dtype=lib.bool).geometric_(0.5),
    lambda lib: lib.zeros(3).random_(5, 2),
    lambda lib: lib.zeros(3).random_(0),
    lambda lib: lib.zeros(3).random_(None),
    lambda lib: lib.zeros(3, dtype=lib.int8).random_(0, 300),
    lambda lib: lib.zeros(3, requires_grad=True).random_(),
]


@pytest.mark.parametrize("i", range(len(_RANDOM_ERRORS)))
def test_random_factory_errors_match_torch(i):
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, _RANDOM_ERRORS[i], _RANDOM_ERRORS[i])


def test_failed_random_fill_leaves_the_tensor_unchanged():
    x = mt.arange(3.0)
    for call in (lambda: x.uniform_(3, -1), lambda: x.normal_(0, -1), lambda: x.bernoulli_(2.0)):
        with pytest.raises(RuntimeError):
            call()
        np.testing.assert_array_equal(x.numpy(), [0.0, 1.0, 2.0])
        assert x._version == 0


def test_random_shapes_and_dtypes_match_torch():
    torch = pytest.importorskip("torch")
    calls = [
        lambda lib: lib.randint(10, (2, 3)),
        lambda lib: lib.randint(2, 10, lib.Size([5])),
        lambda lib: lib.randint(size=(2,), high=5),
        lambda lib: lib.randint(0, 10, size=(3,)),
        lambda lib: lib.randint(10, size=(3, 1)),
        lambda lib: lib.randint(low=2, high=10, size=(3,)),
        lambda lib: lib.randint(0, 10, (2,), dtype=lib.float32, requires_grad=True),
        lambda lib: lib.randint_like(lib.zeros(3), 10),
        lambda lib: lib.randint_like(lib.zeros(3, dtype=lib.int16), low=2, high=10),
        lambda lib: lib.randint_like(lib.zeros(3), high=10, dtype=lib.float64),
        lambda lib: lib.rand(2, 3, dtype=lib.float64, requires_grad=True),
        lambda lib: lib.randn(2, 3, layout=lib.strided, pin_memory=False, device="cpu", requires_grad=True),
        lambda lib: lib.rand_like(lib.zeros(2, 3), requires_grad=True),
        lambda lib: lib.randperm(4, dtype=lib.float32),
        lambda lib: lib.normal(lib.zeros(1, 2, 3), lib.ones(5, 2, 3)),
        lambda lib: lib.normal(lib.zeros(3, dtype=lib.float64), lib.ones(3)),
        lambda lib: lib.normal(lib.zeros(3), lib.ones(3, dtype=lib.float64)),
        lambda lib: lib.normal(1.0, lib.ones(3, dtype=lib.float16)),
        lambda lib: lib.normal(lib.zeros(1), lib.ones(2, 3)),
        lambda lib: lib.normal(1.0, lib.ones(4, 3)),
        lambda lib: lib.normal(1.6, 0.3, [2, 3], dtype=lib.float64),
        lambda lib: lib.normal(lib.zeros(3, requires_grad=True), 1.0),
        lambda lib: lib.bernoulli(lib.full((3,), 0.5, requires_grad=True)),
        lambda lib: lib.ones(3).bernoulli(0.1),
        lambda lib: lib.ones(2, 3).multinomial(2),
        lambda lib: lib.multinomial(lib.ones(3, dtype=lib.float16), 2),
    ]
    for call in calls:
        t, m = call(torch), call(mt)
        assert tuple(m.shape) == tuple(t.shape) and str(m.dtype) == str(t.dtype)
        assert m.requires_grad == t.requires_grad


@pytest.mark.parametrize(
    "args",
    [(2, 3), ([1, 2],), ([[1.5]],), ("size",), (), ((2, 3),), ([],), (2.5,), (-1,), ("a",), (2, 3.0), ([True],)],
)
def test_legacy_tensor_constructor_matches_torch(args):
    torch = pytest.importorskip("torch")
    _same_call(torch, lambda lib: (lib.Tensor(lib.Size([2, 3])) if args == ("size",) else lib.Tensor(*args)).zero_())


def test_from_numpy_shares_memory_or_raises():
    a = np.arange(3, dtype=np.int16)
    t = mt.from_numpy(a)
    a[0] = 7
    assert t.dtype == mt.int16 and t[0].item() == 7
    for dtype in (np.uint16, np.complex64):
        with pytest.raises(TypeError, match="can't convert np.ndarray"):
            mt.from_numpy(np.zeros(2, dtype=dtype))


def test_numpy_scalars_as_operands_count_as_python_numbers():
    assert (mt.tensor(1.0) * np.float64(2.0)).dtype == mt.float32
    assert (mt.tensor(1, dtype=mt.int32) + np.int64(1)).dtype == mt.int32
    with pytest.raises(TypeError):
        mt.ones(2) + None


def test_type_and_unbound_item_match_torch():
    torch = pytest.importorskip("torch")
    for call in (
        lambda lib: lib.ones(2).type("torch.DoubleTensor"),
        lambda lib: lib.ones(2).type(lib.int16),
        lambda lib: lib.ones(2).type("torch.Foo"),
        lambda lib: lib.ones(2).type(3),
        lambda lib: lib.Tensor.item("s"),
    ):
        _same_call(torch, call)
    assert mt.ones(2).type() == "torch.FloatTensor"
    x = mt.ones(2)
    assert x.type(mt.float32) is x


_KEYWORD_CALLS = [
    "lib.arange(end=5)",
    "lib.arange(start=1, end=5)",
    "lib.arange(1, 5, step=2)",
    "lib.arange()",
    "lib.linspace(start=0, end=1, steps=3)",
    "lib.logspace(0, 1, steps=3, base=2)",
    "lib.eye(n=3, m=2)",
    "lib.full(size=(2,), fill_value=3)",
    "lib.zeros(size=[2, 3])",
    "lib.rand(size=(2,))",
    "lib.randperm(n=3)",
    "lib.normal(mean=lib.zeros(2), std=1.0)",
    "lib.normal(0.0, 1.0, size=(3,))",
    "lib.multinomial(input=lib.ones(3), num_samples=2)",
    "lib.bernoulli(input=lib.ones(3) / 2)",
    "lib.zeros_like(input=lib.ones(2))",
    "lib.full_like(lib.ones(2), fill_value=2)",
    "lib.tril(input=lib.ones(2, 2), diagonal=1)",
    "lib.ones(2, 2).tril(diagonal=-1)",
    "lib.randint_like(lib.ones(2), high=5)",
    "lib.tensor(data=[1, 2])",
    "lib.ones(3).new_full(size=(2,), fill_value=1)",
    "lib.ones(3).new_zeros(size=(2,))",
    "lib.ones(3).to(dtype=lib.int64)",
    "lib.ones(3).uniform_(**{'from': 0, 'to': 2})",
    "lib.ones(3).uniform_(0, to=2)",
    "lib.ones(3).normal_(mean=1, std=2)",
    "lib.ones(3).bernoulli_(p=0.5)",
    "lib.ones(3).random_(to=5)",
    "lib.ones(3).exponential_(lambd=2)",
    "lib.ones(3).geometric_(p=0.5)",
    "lib.ones(3).cauchy_(median=0, sigma=1)",
    "lib.ones(3).log_normal_(mean=0, std=1)",
    "lib.ones(3).normal_(mean=1, bogus=2)",
    "lib.tril_indices(row=3, col=3, offset=0)",
    "lib.empty_strided(size=(2,), stride=(1,))",
]


@pytest.mark.parametrize("code", _KEYWORD_CALLS)
def test_keyword_call_forms_match_torch(code):
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (torch, mt):
        try:
            result = eval(code, {"lib": lib})  # noqa: S307 - a fixed table of calls
            outcomes.append((str(result.dtype).replace("torch.", ""), tuple(result.shape)))
        except Exception as exc:  # noqa: BLE001
            outcomes.append(type(exc).__name__)
    assert outcomes[0] == outcomes[1]


def test_random_draws_have_zero_gradient_as_torch():
    mean = mt.zeros(3, requires_grad=True)
    std = mt.full((3,), 2.0, requires_grad=True)
    mt.normal(mean, std).sum().backward()
    np.testing.assert_array_equal(mean.grad.numpy(), 0.0)
    np.testing.assert_array_equal(std.grad.numpy(), 0.0)
    p = mt.full((3,), 0.5, requires_grad=True)
    out = mt.bernoulli(p)
    assert out.grad_fn.name() == "BernoulliBackward0"
    out.sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), 0.0)
