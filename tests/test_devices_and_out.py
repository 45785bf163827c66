"""Default device, ``torch.accelerator``, ``out=`` on the elementwise / matmul family, huge factory sizes, dropout p."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import microtorch as mt


@pytest.fixture(autouse=True)
def _restore_default_device():
    yield
    mt.set_default_device(None)


def _raises_like(torch_fn, mt_fn):
    """Both raise the same exception class with the same message (torch's, up to a ``op:`` prefix)."""
    with pytest.raises(Exception) as want:
        torch_fn()
    with pytest.raises(type(want.value)) as got:
        mt_fn()
    assert str(want.value).splitlines()[0] in str(got.value)


# --- default device ------------------------------------------------------------------------------
@pytest.mark.parametrize("d", ["cpu", "cpu:0", None])
def test_set_default_device_cpu(d):
    torch = pytest.importorskip("torch")
    try:
        torch.set_default_device(d)
        want = torch.get_default_device()
    finally:
        torch.set_default_device(None)
    mt.set_default_device(d if d is None or isinstance(d, str) else mt.device(d))
    assert str(mt.get_default_device()) == str(want)
    assert mt.zeros(2).device == mt.device("cpu")


def test_get_default_device_initially_cpu():
    assert mt.get_default_device() == mt.device("cpu")
    mt.set_default_device(mt.device("cpu", 0))
    assert mt.get_default_device() == mt.device("cpu", 0)
    mt.set_default_device(None)
    assert mt.get_default_device() == mt.device("cpu")


@pytest.mark.parametrize("d", [0, "xyz", 3.0, "cuda:-1"])
def test_set_default_device_invalid_raises_as_torch(d):
    torch = pytest.importorskip("torch")
    try:
        _raises_like(lambda: torch.set_default_device(d), lambda: mt.set_default_device(d))
    finally:
        torch.set_default_device(None)
    assert mt.get_default_device() == mt.device("cpu")


@pytest.mark.parametrize("d", ["cuda", "cuda:1", "mps", "xpu", "vulkan", "ipu"])
def test_default_device_without_backend_fails_as_torch(d):
    torch = pytest.importorskip("torch")
    try:
        torch.set_default_device(d)
        mt.set_default_device(d)
        if ":" in d:
            assert str(mt.get_default_device()) == str(torch.get_default_device()) == d
        else:
            _raises_like(torch.get_default_device, mt.get_default_device)
        with pytest.raises(Exception) as want:
            torch.zeros(2)
        for factory in (lambda: mt.zeros(2), lambda: mt.randn(2), lambda: mt.tensor([1.0])):
            with pytest.raises(type(want.value)):
                factory()
        assert mt.zeros(2, device="cpu").device == mt.device("cpu")  # an explicit device wins
    finally:
        torch.set_default_device(None)


def test_default_meta_is_refused_at_factories():
    mt.set_default_device("meta")
    assert mt.get_default_device() == mt.device("meta")
    with pytest.raises(NotImplementedError, match="meta"):
        mt.empty(3)


def test_device_as_context_manager_restores_the_previous_default():
    mt.set_default_device("cpu:0")
    with mt.device("cpu") as d:
        assert d == mt.device("cpu")
        assert mt.get_default_device() == mt.device("cpu")
        with mt.device("cuda:2"):
            assert mt.get_default_device() == mt.device("cuda", 2)
            with pytest.raises(AssertionError, match="CUDA"):
                mt.ones(1)
        assert mt.get_default_device() == mt.device("cpu")
        assert mt.ones(2).device == mt.device("cpu")
    assert mt.get_default_device() == mt.device("cpu", 0)


def test_device_context_restores_after_an_error():
    with pytest.raises(ValueError):
        with mt.device("cuda:0"):
            raise ValueError("inside")
    assert mt.get_default_device() == mt.device("cpu")


def test_device_context_with_cuda_without_index_fails_inside():
    with mt.device("cuda"):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            mt.get_default_device()
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            mt.zeros(1)
    assert mt.get_default_device() == mt.device("cpu")


def test_nn_modules_honour_the_default_device():
    with mt.device("cpu"):
        assert mt.nn.Linear(2, 3).weight.device == mt.device("cpu")
    mt.set_default_device("cuda:0")
    with pytest.raises(AssertionError):
        mt.nn.Linear(2, 3)


# --- torch.accelerator -----------------------------------------------------------------------
def test_accelerator_queries_as_torch_cpu_build():
    torch = pytest.importorskip("torch")
    assert mt.accelerator.is_available() is torch.accelerator.is_available() is False
    assert mt.accelerator.current_accelerator() is None
    assert mt.accelerator.current_accelerator(check_available=True) is None
    assert mt.accelerator.device_count() == torch.accelerator.device_count() == 0


_RAISING = [
    ("current_device_index", ()),
    ("set_device_index", (0,)),
    ("synchronize", ()),
    ("synchronize", (0,)),
    ("empty_cache", ()),
    ("empty_host_cache", ()),
    ("memory_allocated", ()),
    ("max_memory_allocated", ()),
    ("memory_reserved", ()),
    ("max_memory_reserved", ()),
    ("memory_stats", ()),
    ("reset_peak_memory_stats", ()),
    ("reset_accumulated_memory_stats", ()),
    ("get_memory_info", ()),
    ("get_device_capability", ()),
    ("current_stream", ()),
    ("set_stream", (None,)),
]


@pytest.mark.parametrize(("name", "args"), _RAISING)
def test_accelerator_device_functions_raise_as_torch(name, args):
    torch = pytest.importorskip("torch")
    _raises_like(lambda: getattr(torch.accelerator, name)(*args), lambda: getattr(mt.accelerator, name)(*args))


def test_accelerator_deprecated_names_warn_and_raise():
    with pytest.warns(FutureWarning, match="current_device_index"), pytest.raises(RuntimeError):
        mt.accelerator.current_device_idx()
    with pytest.warns(FutureWarning, match="set_device_index"), pytest.raises(RuntimeError):
        mt.accelerator.set_device_idx(0)


def test_accelerator_device_index_context():
    with mt.accelerator.device_index(None):
        pass
    with pytest.raises(RuntimeError, match="none is available"):
        with mt.accelerator.device_index(0):
            pass  # pragma: no cover


def test_accelerator_names_match_torch():
    torch = pytest.importorskip("torch")
    want = {n for n in dir(torch.accelerator) if not n.startswith("_") and callable(getattr(torch.accelerator, n))}
    want -= {"Any", "Graph", "torch", "deprecated", "cache"}  # imported helpers and graph capture, not API
    assert want <= set(mt.accelerator.__all__)


# --- factories of absurd sizes ---------------------------------------------------------------
_HUGE = [
    ("empty", (2**40,)),
    ("zeros", (2**40,)),
    ("ones", (2**31, 2**31)),
    ("empty", (2**62, 8)),
    ("empty", (2**63 - 1,)),
    ("randn", (2**40,)),
    ("rand", (2**62, 8)),
]


@pytest.mark.parametrize(("name", "size"), _HUGE)
def test_huge_factory_sizes_raise_runtime_error(name, size):
    with (
        pytest.raises(RuntimeError, match=str(size[0]))
        if math.prod(size) * 4 >= 2**63
        else pytest.raises(RuntimeError, match="allocate")
    ):
        getattr(mt, name)(*size)


def test_huge_full_and_strided_raise_runtime_error():
    with pytest.raises(
        RuntimeError, match="Storage size calculation overflowed with sizes=\\[4611686018427387904, 8\\]"
    ):
        mt.full((2**62, 8), 1.0)
    with pytest.raises(RuntimeError, match="overflowed"):
        mt.empty_strided((2**62, 8), (8, 1))
    with pytest.raises(RuntimeError, match="negative dimension"):
        mt.empty(-1)


# --- dropout with p = nan ------------------------------------------------------------------------
@pytest.mark.parametrize("p", [float("nan"), float("inf"), 2.0, -0.5])
@pytest.mark.parametrize("training", [True, False])
def test_dropout_bad_p_as_torch(p, training):
    torch = pytest.importorskip("torch")
    _raises_like(
        lambda: torch.nn.functional.dropout(torch.ones(3), p, training),
        lambda: mt.nn.functional.dropout(mt.ones(3), p, training),
    )


def test_dropout_module_with_nan_builds_and_fails_in_forward():
    m = mt.nn.Dropout(float("nan"))
    assert "p=nan" in repr(m)
    for mode in (m.train, m.eval):
        mode()
        with pytest.raises(RuntimeError, match="between 0 and 1, but got nan"):
            m(mt.ones(2))
    with pytest.raises(ValueError):
        mt.nn.Dropout(float("inf"))
    with pytest.raises(RuntimeError):
        mt.nn.functional.dropout2d(mt.ones(1, 2, 3, 3), float("nan"))


def test_dropout_p_zero_is_identity():
    x = mt.randn(5)
    np.testing.assert_array_equal(mt.nn.functional.dropout(x, -0.0).numpy(), x.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.nn.Dropout(0.0)(x)


# --- out= on the elementwise and matmul family ---------------------------------------------------
def _out_cases(T):
    """(name, call) pairs: each call takes ``out`` and runs one op of the family into it."""
    a, b = T.tensor([0.5, -2.0]), T.tensor([3.0, 4.0])
    i = T.tensor([3, -7])
    m, batch = T.tensor([[1.0, 2.0], [3.0, 4.0]]), T.ones(2, 2, 2)
    return [
        ("add", lambda o: T.add(a, b, alpha=2, out=o)),
        ("add_int", lambda o: T.add(i, 1, out=o)),
        ("sub", lambda o: T.sub(a, 1.5, out=o)),
        ("mul", lambda o: T.mul(a, b, out=o)),
        ("div", lambda o: T.div(i, 2, out=o)),
        ("div_floor", lambda o: T.div(i, 2, rounding_mode="floor", out=o)),
        ("true_divide", lambda o: T.true_divide(a, b, out=o)),
        ("floor_divide", lambda o: T.floor_divide(i, 2, out=o)),
        ("remainder", lambda o: T.remainder(i, 2, out=o)),
        ("fmod", lambda o: T.fmod(a, 1.5, out=o)),
        ("pow", lambda o: T.pow(a, 2, out=o)),
        ("pow_scalar_base", lambda o: T.pow(2, a, out=o)),
        ("square", lambda o: T.square(i, out=o)),
        ("reciprocal", lambda o: T.reciprocal(b, out=o)),
        ("lerp", lambda o: T.lerp(a, b, 0.25, out=o)),
        ("exp", lambda o: T.exp(a, out=o)),
        ("log", lambda o: T.log(b, out=o)),
        ("sqrt_int", lambda o: T.sqrt(T.tensor([4, 9]), out=o)),
        ("sigmoid", lambda o: T.sigmoid(a, out=o)),
        ("tanh", lambda o: T.tanh(a, out=o)),
        ("neg", lambda o: T.neg(a, out=o)),
        ("abs", lambda o: T.abs(a, out=o)),
        ("abs_int", lambda o: T.abs(i, out=o)),
        ("sign", lambda o: T.sign(a, out=o)),
        ("floor", lambda o: T.floor(a, out=o)),
        ("round", lambda o: T.round(a, decimals=1, out=o)),
        ("clamp", lambda o: T.clamp(a, -1, 1, out=o)),
        ("clamp_tensor", lambda o: T.clamp(a, min=T.zeros(2), out=o)),
        ("clamp_min", lambda o: T.clamp_min(a, 0.0, out=o)),
        ("maximum", lambda o: T.maximum(a, b, out=o)),
        ("minimum", lambda o: T.minimum(i, i - 1, out=o)),
        ("eq", lambda o: T.eq(a, 0.5, out=o)),
        ("lt", lambda o: T.lt(a, b, out=o)),
        ("logical_and", lambda o: T.logical_and(a, i, out=o)),
        ("logical_not", lambda o: T.logical_not(a, out=o)),
        ("where", lambda o: T.where(a > 0, a, b, out=o)),
        ("matmul_mm", lambda o: T.matmul(m, m, out=o)),
        ("matmul_mv", lambda o: T.matmul(m, a, out=o)),
        ("matmul_dot", lambda o: T.matmul(a, b, out=o)),
        ("matmul_batched", lambda o: T.matmul(batch, batch, out=o)),
        ("mm", lambda o: T.mm(m, m, out=o)),
        ("bmm", lambda o: T.bmm(batch, batch, out=o)),
        ("mv", lambda o: T.mv(m, b, out=o)),
        ("dot", lambda o: T.dot(a, b, out=o)),
        ("outer", lambda o: T.outer(a, b, out=o)),
    ]


_NAMES = [name for name, _ in _out_cases(mt)]
_OUT_DTYPES = ["float32", "float64", "float16", "int64", "int32", "bool"]


def _run_out(T, call, dtype: str, shape: tuple):
    """Run ``call`` into a fresh ``out``: ('ok', dtype, values, version, warned) or ('err', class, message)."""
    out = T.full(shape, 7, dtype=getattr(T, dtype))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            r = call(out)
        except Exception as e:  # noqa: BLE001 - compared with torch's
            return ("err", type(e).__name__, str(e).split(": ", 1)[-1])
    assert r is out
    resized = any("was resized" in str(w.message) for w in seen)
    return ("ok", str(out.dtype), out.double().tolist(), out._version, resized)


@pytest.mark.parametrize("dtype", _OUT_DTYPES)
@pytest.mark.parametrize("name", _NAMES)
def test_out_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    want_call = dict(_out_cases(torch))[name]
    got_call = dict(_out_cases(mt))[name]
    shape = tuple(want_call(None).shape)
    for out_shape in (shape, (0,), (5,)):
        want = _run_out(torch, want_call, dtype, out_shape)
        got = _run_out(mt, got_call, dtype, out_shape)
        if want[0] == "ok" and got[0] == "ok":
            np.testing.assert_allclose(got[2], want[2], rtol=1e-3, equal_nan=True)
            assert got[:2] + got[3:] == want[:2] + want[3:], out_shape
        else:
            assert got[:2] == want[:2], (out_shape, want, got)
            assert want[2] in got[2] or got[2].endswith(want[2]), (want, got)


def test_out_full_alias_allowed_partial_overlap_refused():
    torch = pytest.importorskip("torch")
    for T in (torch, mt):
        x, y = T.tensor([1.0, 2.0, 3.0]), T.tensor([1.0, 1.0, 1.0])
        assert T.add(x, y, out=x) is x
        assert x.tolist() == [2.0, 3.0, 4.0] and x._version == 1
        T.exp(x, out=x)
        np.testing.assert_allclose(x.tolist(), np.exp([2.0, 3.0, 4.0]), rtol=1e-6)
        z = T.arange(4.0)
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            T.add(z[:3], 1, out=z[1:])
        assert z.tolist() == [0.0, 1.0, 2.0, 3.0]
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            T.add(x, y, out=x[:1])


def test_out_into_a_view_writes_the_base():
    base = mt.zeros(2, 4)
    mt.mul(mt.ones(2, 2), 3, out=base[:, ::2])
    np.testing.assert_array_equal(base.numpy(), [[3, 0, 3, 0], [3, 0, 3, 0]])
    assert base._version == 1


def test_out_with_autograd_raises_and_leaves_out_unchanged():
    x = mt.ones(2, requires_grad=True)
    out = mt.zeros(2)
    with pytest.raises(RuntimeError, match=r"add\(\): functions with out=\.\.\. arguments don't support"):
        mt.add(x, 1, out=out)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        mt.exp(mt.ones(2), out=mt.zeros(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="matmul"):
        mt.matmul(x, x, out=mt.zeros(()))
    assert out.tolist() == [0.0, 0.0] and out._version == 0
    with mt.no_grad():
        mt.add(x, 1, out=out)
    assert out.tolist() == [2.0, 2.0]


def test_out_bad_type_and_failed_op_leave_out_unchanged():
    with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
        mt.add(mt.ones(2), 1, out=[0, 0])
    out = mt.zeros(3)
    with pytest.raises(RuntimeError):
        mt.add(mt.ones(2), mt.ones(3, 2), out=out[:1].expand(6).view(3, 2))  # overlapping out
    with pytest.raises(RuntimeError):
        mt.add(mt.ones(2), mt.ones(3), out=out)  # shapes do not broadcast
    assert out.tolist() == [0.0, 0.0, 0.0] and out._version == 0


def test_out_not_accepted_where_torch_has_none():
    torch = pytest.importorskip("torch")
    for T in (torch, mt):
        with pytest.raises(TypeError, match="out"):
            T.isnan(T.ones(2), out=T.zeros(2, dtype=T.bool))


# --- keyword names as torch's signatures ---------------------------------------------------------
def _keyword_cases(T):
    a, b = T.tensor([0.5, -2.0]), T.tensor([3.0, 4.0])
    m = T.tensor([[1.0, 2.0], [3.0, 4.0]])
    return [
        lambda: T.add(input=a, other=b, alpha=2),
        lambda: T.add(a, other=b),
        lambda: T.sub(input=a, other=1.0, alpha=3),
        lambda: T.mul(a, other=b),
        lambda: T.div(input=a, other=b, rounding_mode="trunc"),
        lambda: T.true_divide(input=a, other=b),
        lambda: T.pow(input=a, exponent=2),
        lambda: T.remainder(input=b, other=3),
        lambda: T.lerp(input=a, end=b, weight=0.5),
        lambda: T.exp(input=a),
        lambda: T.log1p(input=b),
        lambda: T.round(input=a, decimals=0),
        lambda: T.clamp(input=a, min=-1.0, max=0.0),
        lambda: T.clamp(a, max=0.0),
        lambda: T.clamp_min(input=a, min=0.0),
        lambda: T.maximum(input=a, other=b),
        lambda: T.eq(input=a, other=b),
        lambda: T.logical_not(input=a),
        lambda: T.isnan(input=a),
        lambda: T.where(condition=a > 0, input=a, other=b),
        lambda: T.matmul(input=m, other=m),
        lambda: T.mm(input=m, mat2=m),
        lambda: T.mv(input=m, vec=a),
        lambda: T.dot(input=a, tensor=b),
        lambda: a.add(other=b, alpha=2),
        lambda: a.mul(other=b),
        lambda: a.clamp(min=0.0),
    ]


@pytest.mark.parametrize("k", range(len(_keyword_cases(mt))))
def test_keyword_names_as_torch(k):
    torch = pytest.importorskip("torch")
    want, got = _keyword_cases(torch)[k](), _keyword_cases(mt)[k]()
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_allclose(got.double().tolist(), want.double().tolist(), rtol=1e-6)


def test_keyword_errors_are_type_errors():
    with pytest.raises(TypeError):
        mt.add(other=mt.ones(1))
    with pytest.raises(TypeError):
        mt.exp(mt.ones(1), input=mt.ones(1))
    with pytest.raises(TypeError):
        mt.mul(mt.ones(1), bogus=1)


def test_keyword_ops_keep_their_gradients():
    x = mt.tensor([0.3, -1.2], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: mt.add(input=t, other=t * t, alpha=0.5), (x,))
    assert mt.autograd.gradcheck(lambda t: mt.clamp(input=t, min=-1.0), (x,))
    assert mt.autograd.gradgradcheck(lambda t: mt.mul(t, other=mt.exp(input=t)), (x,))


_INPLACE_ACTIVATIONS = ["elu", "celu", "selu", "silu", "mish", "hardswish", "hardsigmoid"]


@pytest.mark.parametrize("name", _INPLACE_ACTIVATIONS)
def test_functional_activation_inplace_and_input_keyword_as_torch(name):
    torch = pytest.importorskip("torch")
    data = [-2.0, -0.5, 0.0, 0.7, 3.0]
    want_x, got_x = torch.tensor(data), mt.tensor(data)
    assert getattr(torch.nn.functional, name)(want_x, inplace=True) is want_x
    got = getattr(mt.nn.functional, name)(got_x, inplace=True)
    assert got is got_x and got_x._version == want_x._version == 1
    np.testing.assert_allclose(got_x.tolist(), want_x.tolist(), rtol=1e-6)
    by_keyword = getattr(mt.nn.functional, name)(input=mt.tensor(data))
    np.testing.assert_allclose(by_keyword.tolist(), want_x.tolist(), rtol=1e-6)


def test_functional_activation_inplace_autograd_as_torch():
    torch = pytest.importorskip("torch")
    for T in (torch, mt):
        leaf = T.tensor([-1.0, 0.5], requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            T.nn.functional.elu(leaf, 2.0, True)
    want_leaf = torch.tensor([-1.0, 0.5], dtype=torch.float64, requires_grad=True)
    got_leaf = mt.tensor([-1.0, 0.5], dtype=mt.float64, requires_grad=True)
    torch.nn.functional.silu(want_leaf * 1, inplace=True).sum().backward()
    mt.nn.functional.silu(got_leaf * 1, inplace=True).sum().backward()
    np.testing.assert_allclose(got_leaf.grad.tolist(), want_leaf.grad.tolist(), rtol=1e-12)
    x = mt.tensor([-0.3, 1.1], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: mt.nn.functional.celu(t * 1, 0.5, True), (x,))
    assert mt.autograd.gradgradcheck(lambda t: mt.nn.functional.elu(input=t, alpha=0.5), (x,))


# --- torch.dropout (the builtin behind F.dropout) ---------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [(2.0, True), (-1.0, False), (float("nan"), True), (0.5, 1), ("a", True)],
    ids=["p_above_1", "p_negative", "p_nan", "train_int", "p_str"],
)
def test_torch_dropout_bad_arguments_as_torch(args):
    torch = pytest.importorskip("torch")
    _raises_like(lambda: torch.dropout(torch.ones(3), *args), lambda: mt.dropout(mt.ones(3), *args))


def test_torch_dropout_signature_and_identity_cases():
    torch = pytest.importorskip("torch")
    for T in (torch, mt):
        x = T.ones(3)
        assert T.dropout(x, 0.5, False) is x
        assert T.dropout(x, 0.0, True) is x
        assert T.dropout(input=x, p=0.5, train=False) is x
        assert T.nn.functional.dropout(x, 0.0) is x
        with pytest.raises(TypeError):
            T.dropout(x, p=0.5)  # train is required
        assert T.dropout(x, 1.0, True).tolist() == [0.0, 0.0, 0.0]
    y = mt.ones(1000)
    assert mt.dropout_(y, 0.5, True) is y and y._version == 1
    kept = y.numpy()[y.numpy() != 0]
    np.testing.assert_array_equal(kept, np.full(kept.shape, 2.0))
    assert 350 < kept.size < 650


def _check_like_factories_on_cpu(T) -> None:
    """Under a CUDA default: ``*_like`` / ``new_*`` / ops follow their tensor, the constructors raise."""
    x = T.ones(2)
    T.set_default_device("cuda:0")
    follows = (
        lambda: x.new_zeros(2),
        lambda: x.new_full((2,), 1.0),
        lambda: x.new_tensor([1.0]),
        lambda: T.zeros_like(x),
        lambda: T.randn_like(x),
        lambda: T.full_like(x, 2),
        lambda: x.clone(),
        lambda: x + 1,
    )
    for make in follows:
        assert make().device == T.device("cpu")
    for make in (lambda: T.arange(3), lambda: T.eye(2), lambda: T.randperm(3), lambda: T.as_tensor(x)):
        with pytest.raises(AssertionError):
            make()


def test_like_and_new_factories_follow_their_tensor_not_the_default_device():
    torch = pytest.importorskip("torch")
    for T in (torch, mt):
        try:
            _check_like_factories_on_cpu(T)
        finally:
            T.set_default_device(None)


@pytest.mark.parametrize("name", ["dropout", "dropout1d", "dropout2d", "dropout3d"])
def test_functional_dropout_p_zero_or_empty_hands_back_input(name):
    torch = pytest.importorskip("torch")
    shape = {"dropout": (2, 3), "dropout1d": (2, 3, 4), "dropout2d": (2, 3, 4, 4), "dropout3d": (2, 3, 2, 2, 2)}[name]
    for T in (torch, mt):
        fn = getattr(T.nn.functional, name)
        x, empty = T.ones(shape), T.ones((0,) + shape[1:])
        assert fn(x, 0.0) is x
        assert fn(empty, 0.5) is empty
        assert fn(x, 0.5, training=False) is x
