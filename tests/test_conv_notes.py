"""The lecture notes' worked examples of convolution, as named tests."""

from __future__ import annotations

import numpy as np

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.signal import convolve, correlate

A, B, C, D, E = 2.0, 3.0, 5.0, 7.0, 11.0
K1, K2 = 0.5, -2.0
X = mt.tensor([A, B, C, D, E], dtype=mt.float64)
K = mt.tensor([K1, K2], dtype=mt.float64)


def _layer(x, k, **kw):
    """The NN layer (conv1d) on a plain vector and kernel."""
    return F.conv1d(x.reshape(1, 1, -1), k.reshape(1, 1, -1), **kw).reshape(-1)


def test_valid_convolution_of_five_with_two():
    expected = [A * K1 + B * K2, B * K1 + C * K2, C * K1 + D * K2, D * K1 + E * K2]
    np.testing.assert_allclose(correlate(X, K, "valid").numpy(), expected)
    np.testing.assert_allclose(_layer(X, K).numpy(), expected)


def test_full_convolution_flips_kernel_and_zero_pads():
    padded = [0.0, A, B, C, D, E, 0.0]
    expected = [K2 * padded[i] + K1 * padded[i + 1] for i in range(6)]
    np.testing.assert_allclose(convolve(X, K, "full").numpy(), expected)
    # the same as the layer's input gradient: a transposed convolution
    np.testing.assert_allclose(
        F.conv_transpose1d(X.reshape(1, 1, -1), K.reshape(1, 1, -1)).reshape(-1).numpy(), expected
    )


def test_cross_correlation_full_no_flip():
    padded = [0.0, A, B, C, D, E, 0.0]
    expected = [K1 * padded[i] + K2 * padded[i + 1] for i in range(6)]
    np.testing.assert_allclose(_layer(X, K, padding=1).numpy(), expected)
    # scipy/numpy's correlate(x, k, 'full') is the same up to the order of output positions
    np.testing.assert_allclose(correlate(X, K, "full").numpy(), np.correlate(X.numpy(), K.numpy(), "full"))
    np.testing.assert_allclose(correlate(X, K, "full").numpy(), convolve(X, K.flip(0), "full").numpy())


def test_stride_one_two_and_three():
    x4 = X[:4]
    np.testing.assert_allclose(_layer(x4, K, stride=1).numpy(), [A * K1 + B * K2, B * K1 + C * K2, C * K1 + D * K2])
    np.testing.assert_allclose(_layer(x4, K, stride=2).numpy(), [A * K1 + B * K2, C * K1 + D * K2])
    # stride 3 does not fit: the last window that still fits is the last one used -> one window
    np.testing.assert_allclose(_layer(x4, K, stride=3).numpy(), [A * K1 + B * K2])


def test_zero_padding():
    out = _layer(X, K, padding=1)
    assert out.shape == (6,)
    np.testing.assert_allclose(out.numpy()[0], K2 * A)
    np.testing.assert_allclose(out.numpy()[-1], K1 * E)


def test_scalar_and_vector_bias_broadcast():
    r = correlate(X, K, "valid")
    b = 0.25
    np.testing.assert_allclose((r + b).numpy(), r.numpy() + 0.25)
    bv = mt.tensor([1.0, 2.0, 3.0, 4.0], dtype=mt.float64)
    np.testing.assert_allclose((r + bv).numpy(), r.numpy() + [1, 2, 3, 4])
    # the NN layer's bias is a scalar per output channel
    layer = F.conv1d(X.reshape(1, 1, -1), K.reshape(1, 1, -1), mt.tensor([b], dtype=mt.float64))
    np.testing.assert_allclose(layer.reshape(-1).numpy(), r.numpy() + b)


def test_2d_convolution_same_concepts():
    img = mt.arange(25, dtype=mt.float64).reshape(1, 1, 5, 5)
    k = mt.tensor([[1.0, 0.0], [0.0, -1.0]], dtype=mt.float64).reshape(1, 1, 2, 2)
    out = F.conv2d(img, k)
    assert out.shape == (1, 1, 4, 4)
    np.testing.assert_allclose(out.numpy(), np.full((1, 1, 4, 4), -6.0))


def test_multichannel_2d_convolution_over_colour_layers():
    rng = np.random.default_rng(0)
    rgb = rng.random((3, 4, 4))
    k = rng.standard_normal((3, 2, 2))
    out = F.conv2d(mt.tensor(rgb).unsqueeze(0), mt.tensor(k).unsqueeze(0)).numpy()[0, 0]
    # a 2-D convolution per colour layer, summed over the layers (a 3-D valid correlation)
    expected = sum(correlate(mt.tensor(rgb[c]), mt.tensor(k[c]), "valid").numpy() for c in range(3))
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(out, correlate(mt.tensor(rgb), mt.tensor(k), "valid").numpy()[0])
