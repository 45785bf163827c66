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
