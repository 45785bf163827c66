"""The example data sets: synthetic bars and scikit-learn's digits."""

from __future__ import annotations

import builtins
import sys

import numpy as np
import pytest

import microtorch as mt
from microtorch.datasets import bars, digits, resize_images
from microtorch.utils.data import TensorDataset


def _arrays(ds):
    return [t.numpy() for t in ds.tensors]


def test_bars_shapes_values_and_balance():
    ds = bars(50, generator=mt.Generator().manual_seed(1))
    assert isinstance(ds, TensorDataset) and len(ds) == 50
    x, y = _arrays(ds)
    assert x.shape == (50, 1, 5, 5) and x.dtype == np.float32
    assert y.shape == (50, 2) and y.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert set(map(tuple, y.tolist())) == {(1.0, 0.0), (0.0, 1.0)}
    assert y[:, 0].sum() == 25


def test_bars_strokes_follow_their_labels():
    x, y = _arrays(bars(40, generator=mt.Generator().manual_seed(3)))
    img = x[:, 0]
    bright = img >= 0.8
    for im, target in zip(bright, y):
        if target[0] == 1:  # vertical: one full column lit, no full row
            assert bright_cols(im) == 1 and bright_cols(im.T) == 0
        else:
            assert bright_cols(im.T) == 1 and bright_cols(im) == 0


def bright_cols(b):
    return int(b.all(axis=0).sum())


def test_bars_reproducible_with_generator_and_differs_across_seeds():
    a = _arrays(bars(8, generator=mt.Generator().manual_seed(7)))
    b = _arrays(bars(8, generator=mt.Generator().manual_seed(7)))
    c = _arrays(bars(8, generator=mt.Generator().manual_seed(8)))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("n", [0, -3, 2.5, "4"])
def test_bars_rejects_bad_n(n):
    with pytest.raises(ValueError, match="bars"):
        bars(n)


def test_digits_split_is_stratified_fixed_and_scaled():
    pytest.importorskip("sklearn")
    train, test = digits()
    (xtr, ytr), (xte, yte) = _arrays(train), _arrays(test)
    assert len(train) + len(test) == 1797
    assert abs(len(test) - 0.2 * 1797) <= 10
    assert xtr.shape[1:] == (1, 8, 8) and xtr.dtype == np.float32 and ytr.dtype == np.int64
    assert xtr.min() == 0.0 and xtr.max() == 1.0
    counts_tr, counts_te = np.bincount(ytr, minlength=10), np.bincount(yte, minlength=10)
    np.testing.assert_allclose(counts_te / (counts_tr + counts_te), 0.2, atol=0.02)
    again_train, _ = digits()
    np.testing.assert_array_equal(_arrays(again_train)[0], xtr)
    # no image is in both halves
    flat_tr = {row.tobytes() + bytes([int(lbl)]) for row, lbl in zip(xtr.reshape(len(xtr), -1), ytr)}
    overlap = sum(row.tobytes() + bytes([int(lbl)]) in flat_tr for row, lbl in zip(xte.reshape(len(xte), -1), yte))
    assert overlap <= 2  # sklearn's digits contain a couple of exact duplicate images


def test_digits_resize_to_28():
    pytest.importorskip("sklearn")
    train8, _ = digits()
    train28, _ = digits(resize=28)
    x8, x28 = _arrays(train8)[0], _arrays(train28)[0]
    assert x28.shape == (len(x8), 1, 28, 28) and x28.dtype == np.float32
    assert 0.0 <= x28.min() and x28.max() <= 1.0
    np.testing.assert_allclose(x28, resize_images(x8, 28), atol=1e-5)  # whichever resizer digits() used
    # resizing keeps the picture: mean brightness is nearly unchanged
    np.testing.assert_allclose(x28.mean(axis=(1, 2, 3)), x8.mean(axis=(1, 2, 3)), atol=0.03)


def test_resize_images_matches_torch_bilinear():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).random((3, 1, 8, 6)).astype(np.float32)
    ours = resize_images(a, 28)
    ref = torch.nn.functional.interpolate(torch.from_numpy(a), size=(28, 28), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-5, atol=1e-6)


def test_resize_images_identity_and_constant():
    a = np.random.default_rng(1).random((2, 5, 5))
    np.testing.assert_allclose(resize_images(a, 5), a)
    np.testing.assert_allclose(resize_images(np.full((4, 4), 0.3), 9), 0.3)


def test_digits_without_sklearn_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    for mod in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, mod)
    with pytest.raises(ImportError, match=r"microtorch\[examples\]"):
        digits()


def test_digits_rejects_bad_resize():
    pytest.importorskip("sklearn")
    with pytest.raises(ValueError, match="resize"):
        digits(resize=0)
