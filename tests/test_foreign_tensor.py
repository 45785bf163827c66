"""A real torch.Tensor passed to a microtorch op is one clear TypeError (never a silent result)."""

from __future__ import annotations

import pytest

import microtorch as mt
from microtorch._foreign import foreign_tensor_error, is_torch_tensor

torch = pytest.importorskip("torch")

F = mt.nn.functional
CASES = {
    "add": lambda t: mt.ones(2) + t(2),
    "add_function": lambda t: mt.add(t(2), mt.ones(2)),
    "mul_method": lambda t: mt.ones(2).mul(t(2)),
    "matmul": lambda t: mt.ones(2, 2) @ t(2, 2),  # numpy's __array__ used to make this silently work
    "exp": lambda t: mt.exp(t(1)),
    "where": lambda t: mt.where(mt.ones(2) > 0, t(2), mt.ones(2)),
    "cat": lambda t: mt.cat([mt.ones(1), t(1)]),
    "stack": lambda t: mt.stack([mt.ones(1), t(1)]),
    "linear": lambda t: F.linear(t(1, 2), mt.ones(1, 2)),
    "linear_weight": lambda t: F.linear(mt.ones(1, 2), t(1, 2)),
    "conv2d": lambda t: F.conv2d(t(1, 1, 2, 2), mt.ones(1, 1, 1, 1)),
    "mse_loss": lambda t: F.mse_loss(mt.ones(2), t(2)),
    "Linear": lambda t: mt.nn.Linear(2, 1)(t(2)),
    "Conv2d": lambda t: mt.nn.Conv2d(1, 1, 1)(t(1, 1, 2, 2)),
    "BatchNorm1d": lambda t: mt.nn.BatchNorm1d(2)(t(3, 2)),
    "Sequential": lambda t: mt.nn.Sequential(mt.nn.ReLU())(t(2)),
    "CrossEntropyLoss": lambda t: mt.nn.CrossEntropyLoss()(mt.ones(2, 3), t(2).long()),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("kind", ["tensor", "parameter"])
def test_torch_tensor_in_a_microtorch_op_is_a_clear_type_error(name, kind):
    def make(*shape):
        t = torch.ones(*shape)
        return torch.nn.Parameter(t) if kind == "parameter" and t.is_floating_point() else t

    with pytest.raises(TypeError, match=r"got a torch\.Tensor \(from the real PyTorch\) where a microtorch Tensor"):
        CASES[name](make)


def test_detection_is_by_class_module_only():
    assert is_torch_tensor(torch.ones(1)) and is_torch_tensor(torch.nn.Parameter(torch.ones(1)))
    assert not any(is_torch_tensor(x) for x in (mt.ones(1), mt.nn.Parameter(mt.ones(1)), 1, 2.5, [1], torch.float32))
    assert foreign_tensor_error("f", mt.ones(1), [1, 2]) is None
    assert "f(): got a torch.Tensor" in str(foreign_tensor_error("f", mt.ones(1), [mt.ones(1), torch.ones(1)]))


def test_other_type_errors_are_unchanged():
    with pytest.raises(TypeError, match=r"linear\(\): argument 'input' \(position 1\) must be Tensor, not list"):
        F.linear([1.0, 2.0], mt.ones(1, 2))
    with pytest.raises(TypeError, match="expected Tensor as element 1 in argument 0, but got int"):
        mt.cat([mt.ones(1), 3])
    with pytest.raises(TypeError, match=r"linear\(\): argument 'input' \(position 1\) must be Tensor, not list"):
        mt.nn.Linear(2, 1)([1.0, 2.0])  # as torch's message; a module does not rewrite it
