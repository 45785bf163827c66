"""Lazy modules: shape inference at the first forward, cls_to_become, state dicts, optimizers."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import microtorch as mt
from microtorch.nn.parameter import UninitializedBuffer, UninitializedParameter

CASES = [
    ("LazyLinear", "Linear", (3,), (2, 5)),
    ("LazyConv1d", "Conv1d", (4, 3), (2, 3, 8)),
    ("LazyConv2d", "Conv2d", (4, 3), (2, 3, 6, 6)),
    ("LazyConv3d", "Conv3d", (2, 2), (1, 3, 4, 4, 4)),
    ("LazyConvTranspose1d", "ConvTranspose1d", (4, 3), (2, 3, 5)),
    ("LazyConvTranspose2d", "ConvTranspose2d", (4, 3), (2, 3, 4, 4)),
    ("LazyConvTranspose3d", "ConvTranspose3d", (2, 2), (1, 3, 3, 3, 3)),
    ("LazyBatchNorm1d", "BatchNorm1d", (), (4, 3)),
    ("LazyBatchNorm2d", "BatchNorm2d", (), (2, 3, 4, 4)),
    ("LazyBatchNorm3d", "BatchNorm3d", (), (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", "InstanceNorm1d", (), (2, 3, 5)),
    ("LazyInstanceNorm2d", "InstanceNorm2d", (), (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", "InstanceNorm3d", (), (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize("lazy_name,target_name,args,shape", CASES)
def test_first_forward_becomes_the_ordinary_layer(lazy_name, target_name, args, shape):
    m = getattr(mt.nn, lazy_name)(*args)
    assert m.has_uninitialized_params()
    assert all(isinstance(p, UninitializedParameter) for p in m.parameters())
    x = mt.randn(*shape)
    out = m(x)
    assert type(m) is getattr(mt.nn, target_name)
    assert not any(isinstance(t, (UninitializedParameter, UninitializedBuffer)) for t in m.state_dict().values())
    in_size = shape[-1] if target_name == "Linear" else shape[1]
    reference = getattr(mt.nn, target_name)(in_size, *args)
    if target_name.startswith("InstanceNorm"):  # the lazy ones are affine and tracking by default, as torch's
        reference = getattr(mt.nn, target_name)(in_size, affine=True, track_running_stats=True)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == {
        k: tuple(v.shape) for k, v in reference.state_dict().items()
    }
    reference.load_state_dict(m.state_dict())
    reference.train(m.training)
    np.testing.assert_allclose(out.detach().numpy(), reference(x).detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("lazy_name,target_name,args,shape", CASES)
def test_matches_torch_after_copying_weights(lazy_name, target_name, args, shape):
    torch = pytest.importorskip("torch")
    t_mod, m_mod = getattr(torch.nn, lazy_name)(*args).double(), getattr(mt.nn, lazy_name)(*args).double()
    x = np.random.default_rng(0).standard_normal(shape)
    t_x, m_x = torch.tensor(x, requires_grad=True), mt.tensor(x, requires_grad=True)
    t_mod(t_x)
    m_mod(m_x)
    assert type(m_mod).__name__ == type(t_mod).__name__ == target_name
    assert repr(m_mod) == repr(t_mod)
    m_mod.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})
    t_out, m_out = t_mod(t_x), m_mod(m_x)
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    (t_g,) = torch.autograd.grad(t_out.sum(), [t_x])
    (m_g,) = mt.autograd.grad(m_out.sum(), [m_x])
    np.testing.assert_allclose(m_g.numpy(), t_g.numpy(), rtol=1e-9, atol=1e-12)


def test_uninitialized_parameter_behaves_as_torch():
    torch = pytest.importorskip("torch")
    t_p, m_p = torch.nn.LazyLinear(3).weight, mt.nn.LazyLinear(3).weight
    assert repr(m_p) == repr(t_p) == "<UninitializedParameter>"
    for attr in ("shape",):
        with pytest.raises(RuntimeError) as t_info:
            getattr(t_p, attr)
        with pytest.raises(RuntimeError) as m_info:
            getattr(m_p, attr)
        assert str(m_info.value) == str(t_info.value)
    for method in ("dim", "numel"):
        with pytest.raises(ValueError):
            getattr(t_p, method)()
        with pytest.raises(ValueError, match="uninitialized parameter"):
            getattr(m_p, method)()
    assert m_p.requires_grad and m_p.dtype == mt.float32 and m_p.grad is None
    assert type(mt.nn.LazyBatchNorm1d().running_mean) is UninitializedBuffer


def test_state_dict_load_materialises_as_torch():
    m = mt.nn.LazyConv2d(3, 2)
    source = mt.nn.Conv2d(4, 3, 2)
    m.load_state_dict(source.state_dict())
    assert type(m) is mt.nn.LazyConv2d  # torch: the class changes at the first forward
    assert tuple(m.weight.shape) == (3, 4, 2, 2) and type(m.weight) is mt.nn.Parameter
    np.testing.assert_array_equal(m.weight.detach().numpy(), source.weight.detach().numpy())
    m(mt.randn(1, 4, 5, 5))
    assert type(m) is mt.nn.Conv2d
    np.testing.assert_array_equal(m.weight.detach().numpy(), source.weight.detach().numpy())
    nested = mt.nn.Sequential(mt.nn.LazyLinear(2))
    nested.load_state_dict(mt.nn.Sequential(mt.nn.Linear(5, 2)).state_dict())
    assert tuple(nested[0].weight.shape) == (2, 5)
    lazy = mt.nn.LazyLinear(2)
    lazy.load_state_dict(mt.nn.LazyLinear(2).state_dict())  # lazy into lazy: stays uninitialised
    assert lazy.has_uninitialized_params()
    with pytest.raises(RuntimeError):
        mt.nn.Linear(5, 2).load_state_dict(mt.nn.LazyLinear(2).state_dict())


def test_optimizer_built_before_the_first_forward_trains():
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.LazyLinear(4), mt.nn.ReLU(), mt.nn.LazyLinear(1))
    params = list(model.parameters())
    opt = mt.optim.SGD(model.parameters(), lr=0.1)
    x, y = mt.randn(8, 3), mt.randn(8, 1)
    loss0 = ((model(x) - y) ** 2).mean()
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    loss0.backward()
    opt.step()
    assert ((model(x) - y) ** 2).mean().item() < loss0.item()


def test_apply_init_after_dummy_forward_and_dtype_conversion():
    model = mt.nn.Sequential(mt.nn.LazyConv1d(2, 3), mt.nn.LazyBatchNorm1d()).double()
    model(mt.randn(2, 5, 7, dtype=mt.float64))
    assert model[0].weight.dtype == mt.float64 and model[1].running_mean.dtype == mt.float64
    model.apply(lambda mod: mt.nn.init.constant_(mod.weight, 0.5) if isinstance(mod, mt.nn.Conv1d) else None)
    assert np.all(model[0].weight.detach().numpy() == 0.5)
    assert model[0].in_channels == 5 and model[1].num_features == 2


def test_failed_first_forward_leaves_the_module_lazy():
    m = mt.nn.LazyConv2d(4, 3, groups=2)
    with pytest.raises(ValueError, match="divisible by groups"):
        m(mt.randn(1, 3, 5, 5))
    with pytest.raises(RuntimeError, match="Expected 3D"):
        m(mt.randn(5, 5))
    lin = mt.nn.LazyLinear(2)
    with pytest.raises(RuntimeError):
        lin(mt.randn(3, 4, dtype=mt.float64))
    assert type(lin) is mt.nn.LazyLinear and lin.has_uninitialized_params() and lin.in_features == 0
    assert type(m) is mt.nn.LazyConv2d and m.has_uninitialized_params() and m.in_channels == 0
    m(mt.randn(1, 4, 5, 5))
    assert type(m) is mt.nn.Conv2d and tuple(m.weight.shape) == (4, 2, 3, 3)


def test_deepcopy_of_a_lazy_module():
    m = mt.nn.LazyLinear(3).double()
    clone = copy.deepcopy(m)
    assert isinstance(clone.weight, UninitializedParameter) and clone.weight is not m.weight
    clone(mt.randn(2, 4, dtype=mt.float64))
    assert type(clone) is mt.nn.Linear and m.has_uninitialized_params()


@pytest.mark.parametrize("kernel_size", [1.5, "1", (2, "1")])
@pytest.mark.parametrize("name", ["LazyConv2d", "LazyConvTranspose2d"])
def test_kernel_size_must_be_ints_as_torch(name, kernel_size):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        getattr(torch.nn, name)(3, kernel_size)
    with pytest.raises(TypeError, match="kernel_size"):
        getattr(mt.nn, name)(3, kernel_size)
    with pytest.raises(TypeError, match="kernel_size"):
        mt.nn.Conv2d(2, 3, kernel_size)


def test_optimizers_refuse_uninitialized_parameters_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):  # Adagrad builds its state at construction
        torch.optim.Adagrad(torch.nn.LazyLinear(3).parameters())
    with pytest.raises(ValueError, match="uninitialized parameter"):
        mt.optim.Adagrad(mt.nn.LazyLinear(3).parameters())
    for name in ("SGD", "Adam"):  # lazy state: accepted, and the parameters materialise in place
        getattr(torch.optim, name)(torch.nn.LazyLinear(3).parameters(), lr=0.1)
        getattr(mt.optim, name)(mt.nn.LazyLinear(3).parameters(), lr=0.1)


class _LazyScale(mt.nn.modules.lazy.LazyModuleMixin, mt.nn.Module):
    """A user-written lazy module without cls_to_become: one scale per input feature."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = UninitializedParameter()
        self.calls = 0

    def initialize_parameters(self, input) -> None:
        self.calls += 1
        if self.has_uninitialized_params():
            self.scale.materialize((input.shape[-1],))
            mt.nn.init.ones_(self.scale)

    def forward(self, input):
        return input * self.scale


def test_user_lazy_module_infers_once():
    m = _LazyScale()
    x = mt.randn(2, 3)
    np.testing.assert_array_equal(m(x).detach().numpy(), x.numpy())
    m(x)
    assert type(m) is _LazyScale and m.calls == 1 and tuple(m.scale.shape) == (3,)


def test_only_the_cpu_device_is_accepted():
    assert mt.nn.LazyConv2d(3, 2, device="cpu").weight.dtype == mt.float32
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.nn.LazyLinear(3, device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.nn.LSTM(3, 4, device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.nn.GRUCell(3, 4, device="cuda")
