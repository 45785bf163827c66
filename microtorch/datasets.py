"""Small data sets for the examples: synthetic ``bars`` for ``SimpleCNN`` and sklearn's ``digits``."""

from __future__ import annotations

import numpy as np

from .random import Generator, rng

__all__ = ["bars", "digits", "resize_images"]

DIGITS_SPLIT_SEED = 0


def _tensor_dataset(*arrays: np.ndarray):
    from . import from_numpy
    from .utils.data import TensorDataset

    return TensorDataset(*(from_numpy(np.ascontiguousarray(a)) for a in arrays))


def bars(n: int, generator: Generator | None = None, noise: float = 0.2):
    """``n`` noisy 5x5 images of one vertical or one horizontal stroke, as a ``TensorDataset``.

    Images are float32 (n, 1, 5, 5) in [0, 1]: a background of uniform noise in
    [0, ``noise``) and one full-length stroke of brightness in [0.8, 1] on an inner row
    or column (1..3). Targets are float32 (n, 2): ``[1, 0]`` for a vertical stroke,
    ``[0, 1]`` for a horizontal one (the notes' two outputs). Classes alternate in a
    random order, so the set is balanced.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"bars: n must be a positive integer, got {n!r}")
    if not 0.0 <= noise < 0.8:
        raise ValueError(f"bars: noise must be in [0, 0.8), got {noise!r}")
    r = rng(generator)
    vertical = r.permutation(np.arange(n) % 2 == 0)
    pos = r.integers(1, 4, size=n)
    bright = r.uniform(0.8, 1.0, size=n)
    x = r.uniform(0.0, noise, size=(n, 5, 5))
    idx = np.arange(n)
    x[idx[vertical], :, pos[vertical]] = bright[vertical, None]
    x[idx[~vertical], pos[~vertical], :] = bright[~vertical, None]
    y = np.stack([vertical, ~vertical], axis=1)
    return _tensor_dataset(x[:, None].astype(np.float32), y.astype(np.float32))


def _bilinear_matrix(size_in: int, size_out: int) -> np.ndarray:
    """The (size_out, size_in) matrix of 1-D bilinear resizing with ``align_corners=False``."""
    scale = size_in / size_out
    src = np.maximum((np.arange(size_out) + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), size_in - 1)
    i1 = np.minimum(i0 + 1, size_in - 1)
    w1 = src - i0
    m = np.zeros((size_out, size_in))
    np.add.at(m, (np.arange(size_out), i0), 1.0 - w1)
    np.add.at(m, (np.arange(size_out), i1), w1)
    return m


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinearly resize (..., H, W) images to (..., size, size), as PyTorch's ``interpolate(align_corners=False)``."""
    rows = _bilinear_matrix(images.shape[-2], size)
    cols = _bilinear_matrix(images.shape[-1], size)
    out = rows @ images.astype(np.float64) @ cols.T
    return out.astype(images.dtype)


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize with ``nn.functional.interpolate`` when this build has it, else with numpy."""
    try:
        from .nn.functional import interpolate
    except ImportError:
        return resize_images(images, size)
    from . import from_numpy, no_grad

    with no_grad():
        out = interpolate(from_numpy(images), size=(size, size), mode="bilinear", align_corners=False)
    return np.ascontiguousarray(out.numpy(), dtype=images.dtype)


def _stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices with each class split ``1 - test_fraction`` / ``test_fraction``."""
    r = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        idx = r.permutation(np.flatnonzero(labels == c))
        k = int(round(len(idx) * test_fraction))
        test.append(idx[:k])
        train.append(idx[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def digits(resize: int | None = None, test_fraction: float = 0.2):
    """scikit-learn's 1,797 handwritten 8x8 digits as ``(train, test)`` ``TensorDataset``s.

    Images are float32 (N, 1, 8, 8) scaled to [0, 1] (or (N, 1, resize, resize) after
    bilinear resizing, e.g. ``resize=28`` for ``LeNet5``); labels are int64 in 0..9.
    The split is stratified and fixed (the same on every call): 80% train, 20% test.
    Needs scikit-learn (``pip install "microtorch[examples]"``); the data ship inside it.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            'digits() needs scikit-learn, which ships the data: pip install "microtorch[examples]"'
        ) from None
    if resize is not None and (not isinstance(resize, (int, np.integer)) or resize < 1):
        raise ValueError(f"digits: resize must be None or a positive integer, got {resize!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"digits: test_fraction must be in (0, 1), got {test_fraction!r}")
    data = load_digits()
    x = (data.images / 16.0).astype(np.float32)[:, None]
    y = data.target.astype(np.int64)
    if resize is not None and resize != x.shape[-1]:
        x = np.clip(_resize(x, int(resize)), 0.0, 1.0)
    train, test = _stratified_split(y, test_fraction, DIGITS_SPLIT_SEED)
    return _tensor_dataset(x[train], y[train]), _tensor_dataset(x[test], y[test])
