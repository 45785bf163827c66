"""grid_sample / grid_sampler_2d/3d / affine_grid against torch (values, input and grid gradients) and errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(4)
MODES_2D = list(itertools.product(["bilinear", "nearest", "bicubic"], ["zeros", "border", "reflection"], [False, True]))
MODES_3D = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))


def _compare(torch, x, g, mode, padding, align):
    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    mx, mg = mt.tensor(x, requires_grad=True), mt.tensor(g, requires_grad=True)
    want = torch.nn.functional.grid_sample(tx, tg, mode, padding, align)
    got = F.grid_sample(mx, mg, mode, padding, align)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = RNG.standard_normal(want.shape)
    (want * torch.tensor(r)).sum().backward()
    (got * mt.tensor(r)).sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(mg.grad.numpy(), tg.grad.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("mode, padding, align", MODES_2D)
def test_2d_matches_torch_inside_and_outside_the_input(mode, padding, align):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 3, 4, 5))
    g = RNG.uniform(-1.6, 1.6, (2, 3, 6, 2))  # some positions beyond the borders
    _compare(torch, x, g, mode, padding, align)


@pytest.mark.parametrize("mode, padding, align", MODES_3D)
def test_3d_matches_torch(mode, padding, align):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((1, 2, 3, 4, 5))
    g = RNG.uniform(-1.4, 1.4, (1, 2, 3, 2, 3))
    _compare(torch, x, g, mode, padding, align)


@pytest.mark.parametrize("mode, padding", [("bilinear", "reflection"), ("bicubic", "border"), ("bilinear", "zeros")])
def test_second_order_by_finite_differences(mode, padding):
    x = mt.tensor(RNG.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = mt.tensor(RNG.uniform(-0.9, 0.9, (1, 2, 2, 2)), requires_grad=True)

    def f(a, b):
        return F.grid_sample(a, b, mode, padding, align_corners=False)

    assert gradcheck(f, (x, g))
    assert gradgradcheck(f, (x, g))


def test_grid_sampler_2d_is_grid_sample_with_enum_modes():
    x, g = mt.tensor(RNG.standard_normal((1, 1, 3, 3))), mt.tensor(RNG.uniform(-1, 1, (1, 2, 2, 2)))
    for (m, mode), (p, padding) in itertools.product(
        enumerate(["bilinear", "nearest", "bicubic"]), enumerate(["zeros", "border", "reflection"])
    ):
        want = F.grid_sample(x, g, mode, padding, align_corners=True)
        np.testing.assert_array_equal(mt.grid_sampler_2d(x, g, m, p, True).numpy(), want.numpy())


@pytest.mark.parametrize(
    "size, align", [((2, 3, 4, 5), False), ((2, 3, 4, 5), True), ((1, 2, 3, 4, 2), False), ((2, 1, 1, 3), True)]
)
def test_affine_grid_matches_torch(size, align):
    torch = pytest.importorskip("torch")
    theta = RNG.standard_normal((size[0], len(size) - 2, len(size) - 1))
    tt, mth = torch.tensor(theta, requires_grad=True), mt.tensor(theta, requires_grad=True)
    want = torch.nn.functional.affine_grid(tt, list(size), align_corners=align)
    got = F.affine_grid(mth, list(size), align_corners=align)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-14)
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(mth.grad.numpy(), tt.grad.numpy(), rtol=1e-12)


def test_identity_affine_grid_samples_the_input_back():
    x = mt.tensor(RNG.standard_normal((1, 2, 4, 6)))
    theta = mt.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=mt.float64)
    grid = F.affine_grid(theta, [1, 2, 4, 6], align_corners=False)
    np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=False).numpy(), x.numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: F.grid_sample(mt.ones(1, 1, 3, 3), mt.zeros(1, 2, 2, 2), mode="cubic"), ValueError),
        (lambda: F.grid_sample(mt.ones(1, 1, 3, 3), mt.zeros(1, 2, 2, 2), padding_mode="wrap"), ValueError),
        (lambda: F.grid_sample(mt.ones(1, 1, 3, 3), mt.zeros(2, 2, 2, 2), align_corners=False), RuntimeError),
        (lambda: F.grid_sample(mt.ones(1, 1, 3, 3), mt.zeros(1, 2, 2, 3), align_corners=False), RuntimeError),
        (lambda: F.grid_sample(mt.ones(1, 1, 3, 3), mt.zeros(1, 2, 2, 2).double(), align_corners=False), RuntimeError),
        (
            lambda: F.grid_sample(mt.ones(1, 1, 2, 2, 2), mt.zeros(1, 1, 1, 1, 3), "bicubic", align_corners=False),
            RuntimeError,
        ),
        (lambda: F.grid_sample(mt.ones(1, 1, 0, 3), mt.zeros(1, 2, 2, 2), align_corners=False), RuntimeError),
        (lambda: mt.grid_sampler_2d(mt.ones(1, 1, 3, 3), mt.zeros(1, 2, 2, 2), 0, 0, "no"), TypeError),
        (
            lambda: mt.grid_sampler_2d(mt.ones(1, 1, 3, 3).long(), mt.zeros(1, 2, 2, 2), 0, 0, False),
            NotImplementedError,
        ),
        (lambda: F.affine_grid(mt.ones(1, 2, 3), [1, 1, 3], align_corners=False), NotImplementedError),
        (lambda: F.affine_grid(mt.ones(1, 3, 3), [1, 1, 3, 3], align_corners=False), ValueError),
        (lambda: F.affine_grid(mt.ones(1, 2, 3).long(), [1, 1, 3, 3], align_corners=False), ValueError),
        (lambda: F.affine_grid(mt.ones(1, 2, 3), [1, 1, 0, 3], align_corners=False), ValueError),
    ],
)
def test_bad_input_raises_like_torch(call, exc):
    with pytest.raises(exc):
        call()


@pytest.mark.parametrize("mode, padding, align", MODES_2D)
def test_nan_and_inf_positions_as_torch(mode, padding, align):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((1, 1, 3, 3))
    nan, inf = float("nan"), float("inf")
    g = np.array([[[[nan, 0.2], [0.1, inf], [0.3, 0.3], [-inf, 0.5]]]])
    want = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), mode, padding, align)
    got = F.grid_sample(mt.tensor(x), mt.tensor(g), mode, padding, align)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, equal_nan=True)
