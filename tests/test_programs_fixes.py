"""Gaps found by running real PyTorch learner programs under microtorch: legacy tensor types
(``torch.LongTensor``), ``torch.autograd.Variable`` and ``torch.onnx``'s query, against torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import Variable

TYPES = ["FloatTensor", "DoubleTensor", "HalfTensor", "ByteTensor", "CharTensor", "ShortTensor", "IntTensor",
         "LongTensor", "BoolTensor"]  # fmt: skip


def _both(torch, name, args):
    """torch's and microtorch's ``<name>(*args)``; when torch raises, microtorch raises the same class."""
    try:
        theirs = getattr(torch, name)(*[torch.Size(a) if isinstance(a, mt.Size) else a for a in args])
    except Exception as err:  # noqa: BLE001  (any class torch raises)
        with pytest.raises(type(err)):
            getattr(mt, name)(*args)
        return None, None
    return getattr(mt, name)(*args), theirs


@pytest.mark.parametrize("name", TYPES)
def test_legacy_type_builds_its_dtype_as_torch(name):
    torch = pytest.importorskip("torch")
    for args in ([[1, 0, 2]], [[1.7, -2.2]], [[300]], [[float("nan")]], [2, 3], [], [mt.Size([4])]):
        ours, theirs = _both(torch, name, args)
        if theirs is None:
            continue
        assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
        if args and isinstance(args[0], list):  # data, not sizes: the values too (casts truncate as torch)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_legacy_type_keeps_int64_exact():
    assert mt.LongTensor([2**40 + 1, -(2**62)]).tolist() == [2**40 + 1, -(2**62)]


def test_legacy_type_isinstance_and_repr_as_torch():
    torch = pytest.importorskip("torch")
    for name in TYPES:
        assert repr(getattr(mt, name)) == repr(getattr(torch, name))
        for data, dtype in (([1], "int64"), ([1.0], "float32"), ([True], "bool"), ([1.0], "float64")):
            theirs = isinstance(torch.tensor(data, dtype=getattr(torch, dtype)), getattr(torch, name))
            assert isinstance(mt.tensor(data, dtype=getattr(mt, dtype)), getattr(mt, name)) == theirs
    assert not isinstance([1], mt.LongTensor)


def test_legacy_type_of_a_tensor_is_an_alias_or_a_type_error():
    torch = pytest.importorskip("torch")
    x = mt.ones(3, requires_grad=True)
    y = mt.FloatTensor(x)
    assert y.grad_fn.name() == torch.FloatTensor(torch.ones(3, requires_grad=True)).grad_fn.name()
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3, np.float32))
    with torch.no_grad():
        z = mt.LongTensor(mt.tensor([5, 6]))
    z[0] = 7  # shares the storage of its source, as torch's alias
    with pytest.raises(TypeError):
        torch.LongTensor(torch.tensor([1.5]))
    with pytest.raises(TypeError, match="LongTensor"):
        mt.LongTensor(mt.tensor([1.5]))


@pytest.mark.parametrize("args", [("a",), (2.5,), (-1,)])
def test_legacy_type_bad_arguments_raise_as_torch(args):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as want:
        torch.LongTensor(*args)
    with pytest.raises(type(want.value)) as got:
        mt.LongTensor(*args)
    assert str(want.value).splitlines()[0] in str(got.value)


def test_legacy_type_refuses_dtype_keyword_and_accepts_cpu():
    with pytest.raises(TypeError):
        mt.LongTensor([1], dtype=mt.float32)
    assert mt.LongTensor([1], device="cpu").dtype == mt.int64


def test_type_with_a_legacy_class_converts_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("LongTensor", "DoubleTensor", "FloatTensor", "IntTensor", "BoolTensor"):
        theirs = torch.tensor([1.5, -2.5, 0.0]).type(getattr(torch, name))
        ours = mt.tensor([1.5, -2.5, 0.0]).type(getattr(mt, name))
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_variable_detaches_and_sets_requires_grad_as_torch():
    torch = pytest.importorskip("torch")
    a = mt.ones(2, requires_grad=True)
    b = a * 2
    v = Variable(b)
    t = torch.autograd.Variable(torch.ones(2, requires_grad=True) * 2)
    assert (v.requires_grad, v.grad_fn is None, v is b) == (t.requires_grad, t.grad_fn is None, False)
    v2 = Variable(mt.ones(2), requires_grad=True)
    assert v2.requires_grad and v2.is_leaf
    (v2 * 3).sum().backward()
    np.testing.assert_array_equal(v2.grad.numpy(), [3.0, 3.0])
    assert isinstance(mt.ones(1), Variable) and not isinstance(np.ones(1), Variable)
    assert mt.autograd.Variable is Variable
    assert Variable().shape == torch.autograd.Variable().shape
    b.data.zero_()
    assert v.tolist() == [0.0, 0.0]  # the same storage as the tensor it wraps


def test_variable_of_a_non_tensor_raises_as_torch():
    torch = pytest.importorskip("torch")
    for data in ([1, 2], 3):
        with pytest.raises(TypeError) as want:
            torch.autograd.Variable(data)
        with pytest.raises(TypeError) as got:
            Variable(data)
        assert str(got.value) == str(want.value)


def test_variable_volatile_warns_as_torch():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        Variable(mt.ones(1), volatile=True)
    assert [str(w.message) for w in seen] == [
        "volatile was removed and now has no effect. Use `with torch.no_grad():` instead."
    ]


def test_legacy_scripts_run_the_same_through_the_alias():
    """The nlp tutorials' idiom: Variable-wrapped LongTensor indices into an embedding."""
    torch = pytest.importorskip("torch")
    emb = mt.nn.Embedding(4, 3)
    ref = torch.nn.Embedding(4, 3)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(emb.weight.detach().numpy()))
    ours = emb(Variable(mt.LongTensor([2, 0])))
    theirs = ref(torch.autograd.Variable(torch.LongTensor([2, 0])))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())


def test_onnx_query_and_export_refusal():
    torch = pytest.importorskip("torch")
    assert mt.onnx.is_in_onnx_export() is torch.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match="onnx.export"):
        mt.onnx.export(mt.nn.Linear(2, 2), (mt.zeros(1, 2),), "model.onnx")


# examples/word_language_model names these classes by torch's module paths (its safe_globals list)
WLM_SAFE_GLOBALS = [
    "nn.modules.activation.MultiheadAttention",
    "nn.modules.container.ModuleList",
    "nn.modules.dropout.Dropout",
    "nn.modules.linear.Linear",
    "nn.modules.linear.NonDynamicallyQuantizableLinear",
    "nn.modules.normalization.LayerNorm",
    "nn.modules.sparse.Embedding",
    "nn.modules.transformer.TransformerEncoder",
    "nn.modules.transformer.TransformerEncoderLayer",
    "nn.modules.rnn.GRU",
    "nn.modules.rnn.LSTM",
    "nn.modules.rnn.RNN",
]


@pytest.mark.parametrize("path", WLM_SAFE_GLOBALS)
def test_module_classes_live_at_torchs_module_paths(path):
    import importlib

    pytest.importorskip("torch")
    mod, _, name = path.rpartition(".")
    theirs = getattr(importlib.import_module("torch." + mod), name)
    ours = getattr(importlib.import_module("microtorch." + mod), name)
    assert ours.__name__ == theirs.__name__
    if hasattr(mt.nn, name):
        assert ours is getattr(mt.nn, name)
    with pytest.raises(AttributeError, match="no attribute 'NoSuchLayer'"):
        importlib.import_module("microtorch." + mod).NoSuchLayer  # noqa: B018


def _args_for(name, mt_or_torch):
    """Arguments that the in-place function ``name`` accepts after ``input`` (a float tensor in (0.1, 0.9))."""
    t = mt_or_torch
    two = {
        "gcd_": (t.tensor([4, 6]),),
        "lcm_": (t.tensor([4, 6]),),
        "ldexp_": (t.tensor([1.0, 2.0]),),
        "xlogy_": (t.tensor([0.5, 2.0]),),
        "clamp_": (0.3, 0.6),
        "clip_": (0.3, 0.6),
        "clamp_max_": (0.4,),
        "clamp_min_": (0.4,),
        "addmv_": (t.ones(2, 3), t.tensor([0.5, 0.25, 1.0])),
        "index_put_": ((t.tensor([1]),), t.tensor([9.0])),
    }
    return two.get(name, ())


def test_inplace_functions_are_the_methods_as_torch():
    torch = pytest.importorskip("torch")
    from microtorch._inplace_functions import NAMES

    for name in NAMES:
        assert hasattr(torch, name), name
        integer = name in ("gcd_", "lcm_")
        data = [12, 18] if integer else [0.2, 0.7]
        theirs, ours = torch.tensor(data), mt.tensor(data)
        got = getattr(mt, name)(ours, *_args_for(name, mt))
        want = getattr(torch, name)(theirs, *_args_for(name, torch))
        assert got is ours and want is theirs, name
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)


def test_inplace_function_keywords_and_errors_as_torch():
    torch = pytest.importorskip("torch")
    x = mt.tensor([0.5])
    assert mt.sin_(input=x) is x
    np.testing.assert_allclose(x.numpy(), torch.sin_(input=torch.tensor([0.5])).numpy())
    np.testing.assert_array_equal(mt.clamp_(mt.tensor([1.0, 5.0]), max=2).numpy(), [1.0, 2.0])
    with pytest.raises(TypeError) as want:
        torch.sin_(1.0)
    with pytest.raises(TypeError) as got:
        mt.sin_(1.0)
    assert str(got.value) == str(want.value)
    leaf = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        mt.sin_(leaf)
    assert leaf.tolist() == [1.0, 1.0]
    assert mt.sin_.__name__ == "sin_"


def test_torch_functional_module_as_torch():
    torch = pytest.importorskip("torch")
    import microtorch.functional as mF

    provided = set(torch.functional.__all__) - {"chain_matmul", "stft", "istft"}
    assert set(mF.__all__) == provided
    for name in provided:
        assert getattr(mF, name) is getattr(mt, name)
    a, b = mF.split(mt.arange(5), 2)[:2]
    assert a.tolist() == [0, 1] and b.tolist() == [2, 3]
    assert mt.functional is mF


def test_print_of_a_parameter_as_torch():
    torch = pytest.importorskip("torch")
    ours = mt.nn.Parameter(mt.tensor([1.0, 2.0]))
    theirs = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    assert str(ours) == str(theirs) == repr(theirs)
    assert f"{ours}" == f"{theirs}"


@pytest.mark.parametrize(
    "shape, dtype, grad",
    [((512, 784), "float32", "mul"), ((2, 9), "float64", "mul"), ((2, 9), "float64", "leaf"), ((1, 5), "float32", "mul"),
     ((3, 10), "int32", None), ((8,), "float32", "leaf"), ((4, 4, 30), "float16", None)],
)  # fmt: skip
def test_repr_suffixes_wrap_as_torch(shape, dtype, grad):
    """A ``grad_fn=``/``dtype=``/``requires_grad=`` suffix that would pass the line width starts a new line."""
    torch = pytest.importorskip("torch")
    a = (np.random.default_rng(0).standard_normal(shape) * 3).astype(dtype)
    t, m = torch.tensor(a, requires_grad=grad is not None), mt.tensor(a, requires_grad=grad is not None)
    if grad == "mul":
        t, m = t * 1, m * 1
    assert repr(m) == repr(t)


def test_data_parallel_without_an_accelerator_as_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = mt.nn.DataParallel(mt.nn.Linear(2, 3)), torch.nn.DataParallel(torch.nn.Linear(2, 3))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["module.weight", "module.bias"]
    assert ours.device_ids == theirs.device_ids == []
    x = mt.ones(4, 2)
    np.testing.assert_array_equal(ours(x).detach().numpy(), ours.module(x).detach().numpy())
    ours(x).sum().backward()
    assert ours.module.weight.grad is not None
    with pytest.raises(RuntimeError) as want:
        torch.nn.parallel.data_parallel(torch.nn.Linear(2, 3), torch.ones(1, 2))
    with pytest.raises(RuntimeError) as got:
        mt.nn.parallel.data_parallel(mt.nn.Linear(2, 3), mt.ones(1, 2))
    assert str(got.value) == str(want.value)


def test_backend_and_layout_flags_as_torch():
    torch = pytest.importorskip("torch")
    t, m = torch.ones(2), mt.ones(2)
    names = [n for n in dir(t) if n.startswith("is_") and not callable(getattr(t, n)) and n != "is_leaf"]
    assert names, "torch lists its flags"
    for name in names:
        assert getattr(m, name) == getattr(t, name), name
        assert getattr(mt.nn.Parameter(mt.ones(1)), name) == getattr(torch.nn.Parameter(torch.ones(1)), name)
    with pytest.raises(AttributeError):
        m.is_xpu = True


@pytest.mark.parametrize(
    "name",
    ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm2d", "InstanceNorm1d", "InstanceNorm2d",
     "LazyInstanceNorm3d", "Flatten", "Unflatten", "ChannelShuffle"],
)  # fmt: skip
def test_layers_importable_from_torchs_module(name):
    """``torch.nn.modules.batchnorm.BatchNorm2d`` and the like: the module torch defines the class in."""
    import importlib

    torch = pytest.importorskip("torch")
    path = getattr(torch.nn, name).__module__  # e.g. torch.nn.modules.batchnorm
    assert getattr(importlib.import_module("micro" + path), name) is getattr(mt.nn, name)


def test_private_norm_bases_importable_from_torchs_modules():
    from microtorch.nn.modules.batchnorm import _BatchNorm
    from microtorch.nn.modules.instancenorm import _InstanceNorm

    assert isinstance(mt.nn.BatchNorm2d(3), _BatchNorm) and isinstance(mt.nn.InstanceNorm2d(3), _InstanceNorm)
