"""Fractional max pooling: exact against torch with given samples, a loop reference, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(3)


def _starts(u, n_in, n_out, k):
    if n_out == 1:
        return [n_in - k]
    alpha = (n_in - k) / (n_out - 1)
    return [int((i + u) * alpha) - int(u * alpha) for i in range(n_out - 1)] + [n_in - k]


def test_2d_against_a_loop_reference():
    x, u = RNG.standard_normal((2, 3, 9, 8)), RNG.random((2, 3, 2))
    out, idx = F.fractional_max_pool2d(
        mt.tensor(x), (3, 2), output_size=(4, 5), return_indices=True, _random_samples=mt.tensor(u)
    )
    for n in range(2):
        for c in range(3):
            rows, cols = _starts(u[n, c, 1], 9, 4, 3), _starts(u[n, c, 0], 8, 5, 2)
            for i, r in enumerate(rows):
                for j, s in enumerate(cols):
                    win = x[n, c, r : r + 3, s : s + 2]
                    assert out.numpy()[n, c, i, j] == win.max()
                    a, b = np.unravel_index(win.argmax(), win.shape)
                    assert idx.numpy()[n, c, i, j] == (r + a) * 8 + s + b


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "d, shape, kernel, size", [(2, (3, 7, 6), 2, (3, 3)), (3, (2, 2, 5, 6, 7), (2, 3, 2), (3, 2, 4))]
)
def test_exactly_torch_with_given_samples(dtype, d, shape, kernel, size):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(shape).astype(dtype)
    n = 1 if len(shape) == d + 1 else shape[0]
    u = RNG.random((n, shape[-d - 1], d)).astype(dtype)
    fn = f"fractional_max_pool{d}d"
    want = getattr(torch.nn.functional, fn)(
        torch.tensor(x), kernel, size, return_indices=True, _random_samples=torch.tensor(u)
    )
    got = getattr(F, fn)(mt.tensor(x), kernel, size, return_indices=True, _random_samples=mt.tensor(u))
    np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
    np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())
    ratio = getattr(F, fn)(mt.tensor(x), kernel, output_ratio=(0.5,) * d, _random_samples=mt.tensor(u))
    want_ratio = getattr(torch.nn.functional, fn)(
        torch.tensor(x), kernel, output_ratio=(0.5,) * d, _random_samples=torch.tensor(u)
    )
    np.testing.assert_array_equal(ratio.numpy(), want_ratio.numpy())


def test_gradients_go_to_the_maxima():
    u = mt.tensor(RNG.random((1, 2, 2)))
    x = mt.tensor(RNG.standard_normal((1, 2, 7, 7)), requires_grad=True)

    def f(a):
        return F.fractional_max_pool2d(a, 3, output_size=3, _random_samples=u)

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_random_samples_are_seeded():
    x = mt.tensor(RNG.standard_normal((2, 3, 10, 10)))
    mt.manual_seed(0)
    a = F.fractional_max_pool2d(x, 2, output_size=4)
    mt.manual_seed(0)
    b = F.fractional_max_pool2d(x, 2, output_size=4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize(
    "call, exc",
    [
        (lambda: F.fractional_max_pool2d(mt.ones(1, 3, 7, 6), 2), ValueError),
        (lambda: F.fractional_max_pool2d(mt.ones(1, 3, 7, 6), 2, output_ratio=0.5), TypeError),
        (lambda: F.fractional_max_pool2d(mt.ones(1, 3, 7, 6), 5, output_size=4), RuntimeError),
        (lambda: F.fractional_max_pool2d(mt.ones(7, 6), 2, output_size=2), RuntimeError),
        (lambda: F.fractional_max_pool2d(mt.ones(1, 3, 7, 6), (2, 2, 2), output_size=2), RuntimeError),
        (
            lambda: F.fractional_max_pool2d(mt.ones(1, 3, 7, 6), 2, output_size=2, _random_samples=mt.rand(1, 2, 2)),
            RuntimeError,
        ),
        (
            lambda: F.fractional_max_pool2d(mt.ones(1, 3, 7, 6), 2, output_size=2, _random_samples=mt.rand(3, 2)),
            RuntimeError,
        ),
        (
            lambda: F.fractional_max_pool2d(mt.ones(1, 3, 7, 6), 2, 2, _random_samples=mt.rand(1, 3, 2).double()),
            RuntimeError,
        ),
        (
            lambda: F.fractional_max_pool3d(mt.ones(1, 2, 4, 4, 4), 2, output_size=2, _random_samples=mt.rand(1, 2, 2)),
            RuntimeError,
        ),
        (lambda: mt.nn.FractionalMaxPool2d(2), ValueError),
        (lambda: mt.nn.FractionalMaxPool2d(2, output_ratio=1.5), ValueError),
        (lambda: mt.nn.FractionalMaxPool3d(0, output_size=2), ValueError),
    ],
)
def test_bad_input_raises_like_torch(call, exc):
    with pytest.raises(exc):
        call()


def test_modules_use_their_samples():
    u = mt.tensor(RNG.random((1, 3, 3)))
    x = mt.tensor(RNG.standard_normal((1, 3, 6, 6, 6)))
    layer = mt.nn.FractionalMaxPool3d(2, output_size=3, return_indices=True, _random_samples=u)
    values, indices = layer(x)
    want = F.fractional_max_pool3d(x, 2, output_size=3, _random_samples=u)
    np.testing.assert_array_equal(values.numpy(), want.numpy())
    assert indices.dtype == mt.int64 and indices.shape == (1, 3, 3, 3, 3)
