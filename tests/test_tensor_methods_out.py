"""Tensor methods refuse ``out=`` (only torch's functions take it) with torch's TypeError naming the method."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pytest

import microtorch as mt

# (method, positional arguments) on a 3x3 float tensor; torch's own message for most of these is
# "<method>() got an unexpected keyword argument 'out'" (for overloaded ones it lists the overloads)
_CALLS = [
    ("add", (1,)),
    ("add", ("self",)),
    ("sub", ("self",)),
    ("mul", (2.0,)),
    ("div", ("self",)),
    ("pow", (2,)),
    ("remainder", (2,)),
    ("maximum", ("self",)),
    ("eq", ("self",)),
    ("sum", (0,)),
    ("mean", (0,)),
    ("max", (0,)),
    ("amax", (0,)),
    ("cumsum", (0,)),
    ("reshape", (9,)),
    ("matmul", ("self",)),
    ("mm", ("self",)),
    ("index_select", (0, "index")),
    ("gather", (0, "index2d")),
    ("atan2", ("self",)),
    ("hypot", ("self",)),
    ("xlogy", ("self",)),
    ("add_", (1,)),
    ("mul_", ("self",)),
    ("sin_", ()),
    ("tril_", ()),
    ("squeeze_", ()),
    ("swapaxes_", (0, 1)),
]


def _args(x, args):
    named = {"self": x, "index": mt.tensor([0, 2]), "index2d": mt.zeros(3, 3, dtype=mt.int64)}
    return [named[a] if isinstance(a, str) else a for a in args]


@pytest.mark.parametrize(("name", "args"), _CALLS, ids=[f"{n}{i}" for i, (n, _) in enumerate(_CALLS)])
def test_method_refuses_out(name, args):
    x = mt.arange(9.0).reshape(3, 3)
    out = mt.full((3, 3), -1.0)
    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'out'$"):
        getattr(x, name)(*_args(x, args), out=out)
    assert np.array_equal(x.numpy(), np.arange(9.0).reshape(3, 3))  # neither self ...
    assert np.array_equal(out.numpy(), np.full((3, 3), -1.0))  # ... nor out was written
    assert x._version == 0 and out._version == 0


def test_method_refuses_out_with_numpy_names_and_keywords():
    x = mt.ones(2, 3)
    with pytest.raises(TypeError, match=r"^sum\(\) got an unexpected keyword argument 'out'$"):
        x.sum(axis=0, keepdims=True, out=mt.empty(1, 3))
    with pytest.raises(TypeError, match=r"^add\(\) got an unexpected keyword argument 'out'$"):
        x.add(x, alpha=2, out=mt.empty(2, 3))


def _methods():
    """Every plain-function method of Tensor that torch also has (dunders and properties left out)."""
    for name, fn in sorted(vars(mt.Tensor).items()):
        if not name.startswith("__") and type(fn) is types.FunctionType and name != "cuda":  # cuda: no device here
            yield name


def test_every_method_refuses_out_naming_itself():
    bad = []
    for name in _methods():
        x, out = mt.randn(3, 3), mt.empty(3, 3)
        before = x.numpy().copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                getattr(x, name)(out=out)
            except TypeError as e:
                if f"{name}()" not in str(e):
                    bad.append(f"{name}: {e}")
            except Exception as e:  # noqa: BLE001  (any other class is the failure being looked for)
                bad.append(f"{name}: {type(e).__name__}: {e}")
            else:
                bad.append(f"{name}: accepted out=")
        if not np.array_equal(x.numpy(), before, equal_nan=True):
            bad.append(f"{name}: changed self")
    assert not bad, bad


def test_aliases_keep_working():
    x = mt.zeros(2, 3)
    assert x.ndimension() == x.dim() == 2
    assert x.nelement() == x.numel() == 6


def test_functions_still_take_out():
    a, b = mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0])
    out = mt.empty(2)
    assert mt.add(a, b, out=out) is out
    assert out.tolist() == [4.0, 6.0]
    mt.mul(a, b, out=out)
    assert out.tolist() == [3.0, 8.0]
    mt.exp(mt.zeros(2), out=out)
    assert out.tolist() == [1.0, 1.0]
    m = mt.empty(2, 2)
    mt.matmul(mt.eye(2), mt.ones(2, 2), out=m)
    assert m.tolist() == [[1.0, 1.0], [1.0, 1.0]]


@pytest.mark.parametrize(("name", "args"), _CALLS, ids=[f"{n}{i}" for i, (n, _) in enumerate(_CALLS)])
def test_method_refuses_out_like_torch(name, args):
    torch = pytest.importorskip("torch")
    tx = torch.arange(9.0).reshape(3, 3)
    targs = [
        {"self": tx, "index": torch.tensor([0, 2]), "index2d": torch.zeros(3, 3, dtype=torch.int64)}[a]
        if isinstance(a, str)
        else a
        for a in args
    ]
    with pytest.raises(TypeError) as want:
        getattr(tx, name)(*targs, out=torch.empty(3, 3))
    x = mt.arange(9.0).reshape(3, 3)
    with pytest.raises(TypeError) as got:
        getattr(x, name)(*_args(x, args), out=mt.empty(3, 3))
    assert f"{name}()" in str(want.value)
    if "unexpected keyword argument 'out'" in str(want.value):
        assert str(got.value) == str(want.value)
    # else torch lists the overloads ("div() received an invalid combination ...") or says "takes no
    # keyword arguments"; ours names the method and out= alike
