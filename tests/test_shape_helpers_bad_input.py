"""Bad input to mT / mH, expand_as / view_as / reshape_as, pixel (un)shuffle and the padding
layers' constructors: microtorch raises (or accepts) exactly as torch does."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F


def _raises_as_torch(torch, run):
    """``run(lib)`` raises in microtorch exactly what (class and message) it raises in torch."""
    with pytest.raises(Exception) as want:
        run(torch)
    with pytest.raises(type(want.value)) as got:
        run(mt)
    assert type(got.value) is type(want.value)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("name", ["mT", "mH"])
def test_matrix_transpose_of_a_0d_tensor_is_the_tensor_itself_with_a_warning(name):
    x = mt.tensor(1.5, requires_grad=True)
    with pytest.warns(UserWarning, match=f"Tensor.{name} is deprecated on 0-D tensors"):
        y = getattr(x, name)
    assert y is x


@pytest.mark.parametrize("name", ["mT", "mH"])
def test_matrix_transpose_as_torch(name):
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: getattr(lib.ones(3), name))
    a = np.arange(24.0).reshape(2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert getattr(mt.tensor(2.0), name).item() == getattr(torch.tensor(2.0), name).item()
    np.testing.assert_array_equal(getattr(mt.tensor(a), name).numpy(), getattr(torch.tensor(a), name).numpy())


@pytest.mark.parametrize("method", ["expand_as", "view_as", "reshape_as"])
@pytest.mark.parametrize("bad", [[1, 2], "tensor", (2, 3), None])
def test_as_methods_with_a_non_tensor_raise_torchs_type_error(method, bad):
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: getattr(lib.ones(2, 3), method)(bad))


def test_as_methods_keep_working():
    x = mt.arange(6.0)
    assert x.view_as(mt.ones(2, 3)).shape == (2, 3)
    assert x.reshape_as(mt.ones(3, 2)).shape == (3, 2)
    assert mt.ones(1, 3).expand_as(mt.ones(4, 3)).shape == (4, 3)


@pytest.mark.parametrize("fn", ["pixel_shuffle", "pixel_unshuffle"])
@pytest.mark.parametrize("factor", [2**40, 99, -1, 0, 1.5, "1", None, True, 2.0])
def test_pixel_shuffle_bad_factors_raise_as_torch(fn, factor):
    torch = pytest.importorskip("torch")
    _raises_as_torch(torch, lambda lib: getattr(lib.nn.functional, fn)(lib.ones(1, 9, 4, 4), factor))


@pytest.mark.parametrize("fn", ["pixel_shuffle", "pixel_unshuffle"])
@pytest.mark.parametrize("bad", ["list", "str", "2d"])
def test_pixel_shuffle_bad_inputs_raise_as_torch(fn, bad):
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.ones(1, 9, 3, 3)
        x = x.tolist() if bad == "list" else "tensor" if bad == "str" else lib.ones(9, 3)
        return getattr(lib.nn.functional, fn)(x, 3)

    _raises_as_torch(torch, run)


@pytest.mark.parametrize(
    "fn, shape",
    [
        ("pixel_unshuffle", (1, 1, 0, 6)),
        ("pixel_unshuffle", (0, 1, 6, 6)),
        ("pixel_unshuffle", (1, 0, 6, 6)),
        ("pixel_shuffle", (1, 9, 0, 6)),
        ("pixel_shuffle", (0, 9, 2, 2)),
    ],
)
def test_pixel_shuffle_of_empty_inputs_as_torch(fn, shape):
    torch = pytest.importorskip("torch")
    want = getattr(torch.nn.functional, fn)(torch.ones(shape), 3)
    x = mt.ones(shape, requires_grad=True)
    got = getattr(F, fn)(x, 3)
    assert tuple(got.shape) == tuple(want.shape)
    got.sum().backward()
    assert x.grad.shape == x.shape


@pytest.mark.parametrize(
    "layer, extra",
    [
        ("ZeroPad1d", ()),
        ("ReflectionPad2d", ()),
        ("ReplicationPad2d", ()),
        ("ConstantPad1d", (1.0,)),
        ("CircularPad2d", ()),
    ],
)
@pytest.mark.parametrize("padding", [0.5, 1.5, (1, 1.5), [1, 2], (1,), "1", True, None])
def test_padding_layers_store_padding_as_torch_and_fail_in_forward(layer, extra, padding):
    torch = pytest.importorskip("torch")
    want = getattr(torch.nn, layer)(padding, *extra)
    got = getattr(mt.nn, layer)(padding, *extra)
    assert got.padding == want.padding
    try:
        expected = want(torch.ones(1, 3, 3))
    except Exception as e:  # torch's F.pad rejects it when the layer runs
        with pytest.raises(type(e)):
            got(mt.ones(1, 3, 3))
    else:
        assert tuple(got(mt.ones(1, 3, 3)).shape) == tuple(expected.shape)
