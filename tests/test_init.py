"""nn.init: bounds and statistics of PyTorch's initialisers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import microtorch as mt
from microtorch.nn import init


def test_calculate_gain_table():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("sigmoid") == 1
    with pytest.raises(ValueError):
        init.calculate_gain("nope")


def test_fan_in_fan_out():
    assert init._calculate_fan_in_and_fan_out(mt.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(mt.empty(3))


@pytest.mark.parametrize(
    ("fn", "std"),
    [
        (lambda t: init.xavier_uniform_(t), math.sqrt(2 / (300 + 200))),
        (lambda t: init.xavier_normal_(t, gain=2.0), 2 * math.sqrt(2 / (300 + 200))),
        (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2) / math.sqrt(300)),
        (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), math.sqrt(2) / math.sqrt(200)),
        (lambda t: init.normal_(t, 0.0, 0.3), 0.3),
        (lambda t: init.uniform_(t, -1.0, 1.0), 1 / math.sqrt(3)),
        (lambda t: init.trunc_normal_(t, std=0.5, a=-1, b=1), None),
    ],
)
def test_initialiser_statistics(fn, std):
    mt.manual_seed(0)
    t = mt.empty(200, 300)
    v0 = t._version
    assert fn(t) is t and t._version > v0
    values = t.numpy()
    if std is None:
        assert values.min() >= -1 and values.max() <= 1
    else:
        assert abs(values.std() - std) < 0.03 * std
        assert abs(values.mean()) < 0.05 * std + 1e-3


def test_constant_zeros_ones_eye_orthogonal():
    t = mt.empty(3, 4)
    assert init.constant_(t, 2.5).tolist()[0] == [2.5] * 4
    assert init.zeros_(t).sum().item() == 0 and init.ones_(t).sum().item() == 12
    assert np.array_equal(init.eye_(mt.empty(2, 3)).numpy(), np.eye(2, 3))
    q = init.orthogonal_(mt.empty(4, 6)).numpy()
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-5)


def test_initialisers_work_on_parameters_requiring_grad():
    p = mt.nn.Parameter(mt.empty(3, 3))
    init.kaiming_uniform_(p, a=math.sqrt(5))
    assert p.requires_grad and p.is_leaf and p.grad_fn is None


def test_generator_makes_init_reproducible():
    a = init.normal_(mt.empty(5), generator=mt.Generator().manual_seed(1))
    b = init.normal_(mt.empty(5), generator=mt.Generator().manual_seed(1))
    assert a.tolist() == b.tolist()
