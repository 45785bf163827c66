"""Padding layers, Upsample layers and the deprecated upsample functions, against F.pad / interpolate and torch."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn as nn
import microtorch.nn.functional as F

MODES = {"Zero": "constant", "Constant": "constant", "Reflection": "reflect", "Replication": "replicate"}
MODES["Circular"] = "circular"

PAD_LAYERS = [(kind, n, padding) for kind in MODES for n in (1, 2, 3) for padding in (1, tuple(range(1, 2 * n + 1)))]


def _layer(lib, kind, n, padding):
    cls = getattr(lib.nn, f"{kind}Pad{n}d")
    return cls(padding, 2.5) if kind == "Constant" else cls(padding)


@pytest.mark.parametrize("kind, n, padding", PAD_LAYERS)
def test_padding_layers_equal_f_pad(kind, n, padding):
    layer = _layer(mt, kind, n, padding)
    x = mt.randn(*((2, 3) + (7,) * n), requires_grad=True)
    pads = (padding,) * (2 * n) if isinstance(padding, int) else padding
    value = 2.5 if kind == "Constant" else None
    expected = F.pad(x, pads, MODES[kind], value) if value is not None else F.pad(x, pads, MODES[kind])
    np.testing.assert_array_equal(layer(x).detach().numpy(), expected.detach().numpy())
    layer(x).sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == tuple(x.shape)


@pytest.mark.parametrize("kind, n, padding", PAD_LAYERS)
def test_padding_layers_match_torch(kind, n, padding):
    torch = pytest.importorskip("torch")
    ours, theirs = _layer(mt, kind, n, padding), _layer(torch, kind, n, padding)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(n).standard_normal((2, 3) + (7,) * n)
    a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    g = np.random.default_rng(n + 1).standard_normal(tuple(yb.shape))
    ya.backward(mt.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


UPSAMPLERS = [
    ("Upsample", {"scale_factor": 2}),
    ("Upsample", {"scale_factor": (2, 3)}),
    ("Upsample", {"size": (5, 7), "mode": "bilinear", "align_corners": True}),
    ("Upsample", {"scale_factor": 2, "mode": "bilinear"}),
    ("UpsamplingNearest2d", {"scale_factor": 3}),
    ("UpsamplingBilinear2d", {"size": 6}),
]


@pytest.mark.parametrize("name, kwargs", UPSAMPLERS)
def test_upsampling_layers_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(a), theirs(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-12, atol=1e-12)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_upsampling_bilinear_uses_align_corners():
    out = nn.UpsamplingBilinear2d(scale_factor=2)(mt.arange(4.0).view(1, 1, 2, 2))
    np.testing.assert_allclose(out.numpy()[0, 0, 0], [0.0, 1 / 3, 2 / 3, 1.0], rtol=1e-6)


@pytest.mark.parametrize(
    "fn, kwargs, equivalent",
    [
        ("upsample", {"scale_factor": 2}, {"scale_factor": 2}),
        ("upsample_nearest", {"size": 6}, {"size": 6}),
        ("upsample_bilinear", {"size": 6}, {"size": 6, "mode": "bilinear", "align_corners": True}),
    ],
)
def test_deprecated_upsample_functions_warn_and_equal_interpolate(fn, kwargs, equivalent):
    x = mt.randn(1, 2, 3, 3)
    with pytest.warns(UserWarning, match="deprecated"):
        out = getattr(F, fn)(x, **kwargs)
    np.testing.assert_array_equal(out.numpy(), F.interpolate(x, **equivalent).numpy())


@pytest.mark.parametrize("n, bad", [(1, (4,)), (1, (2, 3, 4, 5)), (2, (4, 5)), (3, (4, 5, 6)), (1, ())])
def test_circular_pad_layers_check_the_rank_as_torch(n, bad):
    layer = getattr(mt.nn, f"CircularPad{n}d")(1)
    with pytest.raises(ValueError, match=rf"expected {n + 1}D or {n + 2}D input \(got {len(bad)}D input\)"):
        layer(mt.ones(bad))
