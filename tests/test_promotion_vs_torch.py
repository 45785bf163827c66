"""PyTorch's type promotion over every dtype pair, 0-dim and Python-scalar operand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import microtorch as mt

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _make(lib, name, zero_dim):
    dtype = getattr(lib, name)
    data = 1 if zero_dim else [1, 1]
    return lib.tensor(data, dtype=dtype)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(NAMES, NAMES)))
@pytest.mark.parametrize("b_zero_dim", [False, True])
def test_tensor_tensor_promotion(a, b, b_zero_dim):
    torch = pytest.importorskip("torch")
    expected = (_make(torch, a, False) + _make(torch, b, b_zero_dim)).dtype if not (a == b == "bool") else torch.bool
    got = (_make(mt, a, False) + _make(mt, b, b_zero_dim)).dtype
    assert got.name == str(expected).split(".")[1]


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("scalar", [True, 2, 2.5])
@pytest.mark.parametrize("op", ["add", "mul", "div"])
def test_tensor_scalar_promotion(a, scalar, op):
    torch = pytest.importorskip("torch")
    if op == "add" and a == "bool" and isinstance(scalar, bool):
        return
    t = _make(torch, a, False)
    m = _make(mt, a, False)
    expected = getattr(torch, op)(t, scalar).dtype
    got = getattr(mt, op)(m, scalar).dtype
    assert got.name == str(expected).split(".")[1]


@pytest.mark.parametrize("a", ["int32", "int64", "float16", "float32", "float64"])
@pytest.mark.parametrize("fn", ["exp", "sqrt", "sigmoid", "tanh", "log"])
def test_unary_float_ops_on_integers(a, fn):
    torch = pytest.importorskip("torch")
    expected = getattr(torch, fn)(_make(torch, a, False)).dtype
    got = getattr(mt, fn)(_make(mt, a, False)).dtype
    assert got.name == str(expected).split(".")[1]
    assert np.isfinite(getattr(mt, fn)(_make(mt, a, False)).numpy()).all()


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", [*NAMES, "bfloat16"])
def test_promote_types_matches_torch(a, b):
    torch = pytest.importorskip("torch")
    expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert repr(mt.promote_types(getattr(mt, a), getattr(mt, b))) == repr(expected)


@pytest.mark.parametrize("python_type", [float, int, bool])
def test_python_types_as_dtypes_match_torch(python_type):
    torch = pytest.importorskip("torch")
    for call in (
        lambda lib: lib.zeros(2, dtype=python_type),
        lambda lib: lib.tensor([1, 0], dtype=python_type),
        lambda lib: lib.ones(2).to(python_type),
        lambda lib: lib.arange(3, dtype=python_type) if python_type is not bool else lib.ones(1, dtype=bool),
    ):
        assert repr(call(mt).dtype) == repr(call(torch).dtype)
