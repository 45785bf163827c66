"""nn.utils: gradient clipping and parameter vectors."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
from microtorch.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def test_clip_grad_norm_scales_to_max_norm_and_returns_total():
    a = mt.nn.Parameter(mt.zeros(2))
    b = mt.nn.Parameter(mt.zeros(1))
    a.grad = mt.tensor([3.0, 0.0])
    b.grad = mt.tensor([4.0])
    total = clip_grad_norm_([a, b], 1.0)
    assert total.item() == pytest.approx(5.0)
    norm = np.sqrt((a.grad.numpy() ** 2).sum() + (b.grad.numpy() ** 2).sum())
    assert norm == pytest.approx(1.0, rel=1e-5)
    b.grad = mt.tensor([float("inf")])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_and_vectors():
    p = mt.nn.Parameter(mt.zeros(3))
    p.grad = mt.tensor([-5.0, 0.5, 5.0])
    clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]
    lin = mt.nn.Linear(2, 2)
    vec = parameters_to_vector(lin.parameters())
    assert vec.shape == (6,)
    vector_to_parameters(mt.arange(6.0), lin.parameters())
    assert lin.bias.tolist() == [4.0, 5.0]
