"""batch_norm / instance_norm on bad arguments, as torch: the same exception class (raised before any
running statistic changes) or the same result where torch accepts (regressions of the differential fuzz)."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _t(shape, dtype=np.float64, seed=0, low=0.5):
    rng = np.random.RandomState(seed)
    return (rng.rand(*shape) + low).astype(dtype) if shape else np.asarray(rng.rand() + low, dtype=dtype)


def _both(value):
    """(torch value, microtorch value) for a numpy array or a plain Python value."""
    if isinstance(value, np.ndarray):
        return torch.tensor(value), mt.tensor(value)
    return value, value


def _compare(t_fn, m_fn, args, kwargs):
    t_args, m_args = zip(*[_both(a) for a in args]) if args else ((), ())
    t_kwargs = {k: _both(v)[0] for k, v in kwargs.items()}
    m_kwargs = {k: _both(v)[1] for k, v in kwargs.items()}
    m_tensors = [v for v in list(m_args) + list(m_kwargs.values()) if isinstance(v, mt.Tensor)]
    before = [v.numpy().copy() for v in m_tensors]
    try:
        t_out = t_fn(*t_args, **t_kwargs)
    except Exception as e:  # noqa: BLE001 - torch's class is the oracle
        with pytest.raises(type(e)):
            m_fn(*m_args, **m_kwargs)
        for v, b in zip(m_tensors, before):
            np.testing.assert_array_equal(v.numpy(), b)  # a failed call changes nothing
        return
    m_out = m_fn(*m_args, **m_kwargs)
    np.testing.assert_allclose(m_out.numpy(), t_out.numpy(), rtol=1e-6, atol=1e-8, equal_nan=True)
    for tv, mv in zip(list(t_args) + list(t_kwargs.values()), list(m_args) + list(m_kwargs.values())):
        if isinstance(tv, torch.Tensor):  # running statistics updated alike
            assert mv.dtype == mt.tensor(tv.numpy()).dtype
            np.testing.assert_allclose(mv.numpy(), tv.numpy(), rtol=1e-6, atol=1e-8, equal_nan=True)


def _instance_args(c=2, shape=(3, 2, 4), **change):
    args = {
        "running_mean": _t((c,), seed=1),
        "running_var": _t((c,), seed=2),
        "weight": _t((c,), seed=3),
        "bias": _t((c,), seed=4),
        "momentum": 0.5,
    }
    args.update(change)
    return [np.random.RandomState(0).randn(*shape)], args


@pytest.mark.parametrize("use_input_stats", [True, False])
@pytest.mark.parametrize("name", ["running_mean", "running_var", "weight", "bias"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.bool_])
def test_instance_norm_parameter_dtypes(name, dtype, use_input_stats):
    # torch converts running_mean (and writes the update back in its dtype); the others raise RuntimeError
    args, kwargs = _instance_args(use_input_stats=use_input_stats)
    kwargs[name] = (kwargs[name] * 3).astype(dtype)
    _compare(TF.instance_norm, F.instance_norm, args, kwargs)


@pytest.mark.parametrize(
    "change",
    [
        {"eps": -1.0},  # ATen's instance norm has no eps check (F.batch_norm's is Python-level)
        {"use_input_stats": "yes"},
        {"use_input_stats": 1},
        {"momentum": "0.5"},
        {"momentum": None},
        {"eps": "x"},
        {"momentum": 2},
        {"running_mean": [8.8, 5.0]},
        {"running_var": "tensor"},
        {"weight": [-4.8, -7.6]},
        {"bias": "tensor"},
        {"use_input_stats": False, "running_mean": None},
    ],
)
def test_instance_norm_argument_types_and_values(change):
    args, kwargs = _instance_args(**change)
    _compare(TF.instance_norm, F.instance_norm, args, kwargs)


@pytest.mark.parametrize("shape", [(0, 5, 5), (2, 0, 5), (2, 5, 0)])
@pytest.mark.parametrize("affine", [True, False])
def test_instance_norm_empty_input(shape, affine):
    args, kwargs = _instance_args(c=shape[1], shape=shape)
    if not affine:
        kwargs["weight"] = kwargs["bias"] = None
    t_args, m_args = [torch.tensor(args[0])], [mt.tensor(args[0])]
    try:
        t_out = TF.instance_norm(*t_args, **{k: _both(v)[0] for k, v in kwargs.items()})
    except IndexError:
        with pytest.raises(IndexError):
            F.instance_norm(*m_args, **{k: _both(v)[1] for k, v in kwargs.items()})
        return
    m_out = F.instance_norm(*m_args, **{k: _both(v)[1] for k, v in kwargs.items()})
    assert tuple(m_out.shape) == tuple(t_out.shape)


def _batch_args(x_shape, c, **change):
    args = [
        np.random.RandomState(0).randn(*x_shape),
        _t((c,), seed=1),
        _t((c,), seed=2),
        _t((c,), seed=3),
        _t((c,), seed=4),
    ]
    kwargs = {"training": True, "momentum": 0.0}
    for k, v in change.items():
        if isinstance(k, str) and k.startswith("arg"):
            args[int(k[3:])] = v
        else:
            kwargs[k] = v
    return args, kwargs


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("slot", [1, 2, 3, 4])
@pytest.mark.parametrize("shape", [(), (1, 1)])
def test_batch_norm_statistics_of_other_rank(slot, shape, training):
    # a 0-d or 2-d statistic of the right size: torch's accessor raises RuntimeError; weight/bias are fine
    args, kwargs = _batch_args((3, 1), 1, **{f"arg{slot}": _t(shape), "training": training})
    _compare(TF.batch_norm, F.batch_norm, args, kwargs)


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_zero_dim_input(dtype, training):
    # training: torch's batch-size check indexes the empty size (IndexError)
    args, kwargs = _batch_args((), 5, training=training)
    args[0] = np.asarray(1, dtype=dtype)
    _compare(TF.batch_norm, F.batch_norm, args, kwargs)


@pytest.mark.parametrize(
    "change",
    [
        {"momentum": "0.5", "training": False},
        {"training": "yes"},
        {"training": 1},
        {"training": None},
        {"momentum": None},
        {"eps": None},
        {"momentum": 1, "training": False},
        {"eps": True, "training": False},
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_batch_norm_argument_types_before_dtypes(change, dtype):
    # the argument parser's TypeError comes before the integer input's NotImplementedError
    args, kwargs = _batch_args((3, 2, 4), 2, **change)
    args = [a.astype(dtype) for a in args]
    _compare(TF.batch_norm, F.batch_norm, args, kwargs)
