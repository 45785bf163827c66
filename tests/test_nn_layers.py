"""Layers against PyTorch (copying its weights in) and against functional references."""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn as nn
import microtorch.nn.functional as F

LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), (4, 5)),
    ("Linear_nobias", lambda m: m.Linear(5, 3, bias=False), (2, 7, 5)),
    ("Conv1d", lambda m: m.Conv1d(2, 3, 3, stride=2, padding=1), (2, 2, 9)),
    ("Conv2d", lambda m: m.Conv2d(2, 4, 3, padding="same", dilation=2), (2, 2, 7, 7)),
    ("Conv2d_groups", lambda m: m.Conv2d(4, 4, 3, groups=2, bias=False), (1, 4, 6, 5)),
    ("Conv2d_reflect", lambda m: m.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), (2, 2, 5, 5)),
    ("Conv2d_circular", lambda m: m.Conv2d(2, 3, 3, padding=2, padding_mode="circular"), (2, 2, 5, 5)),
    ("Conv2d_replicate", lambda m: m.Conv2d(1, 2, 2, padding="same", padding_mode="replicate"), (1, 1, 4, 4)),
    ("Conv3d", lambda m: m.Conv3d(2, 2, 2, padding=1), (1, 2, 3, 4, 3)),
    ("ConvTranspose2d", lambda m: m.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 4)),
    ("ConvTranspose1d", lambda m: m.ConvTranspose1d(2, 4, 3, groups=2), (2, 2, 5)),
    ("MaxPool2d", lambda m: m.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 7, 7)),
    ("AvgPool2d", lambda m: m.AvgPool2d(2, padding=1, count_include_pad=False), (2, 3, 5, 5)),
    ("AvgPool1d", lambda m: m.AvgPool1d(3, 2), (2, 3, 8)),
    ("LPPool2d", lambda m: m.LPPool2d(2, 2), (2, 3, 6, 6)),
    ("AdaptiveAvgPool2d", lambda m: m.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    ("AdaptiveMaxPool1d", lambda m: m.AdaptiveMaxPool1d(4), (2, 3, 9)),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(3), (4, 3)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3, momentum=None), (4, 3, 2, 2)),
    ("BatchNorm2d_noaffine", lambda m: m.BatchNorm2d(3, affine=False, track_running_stats=False), (4, 3, 2, 2)),
    ("LayerNorm", lambda m: m.LayerNorm((3, 4)), (2, 3, 4)),
    ("Flatten", lambda m: m.Flatten(), (2, 3, 4)),
    ("Unflatten", lambda m: m.Unflatten(1, (2, 3)), (2, 6)),
    ("ReLU", lambda m: m.ReLU(), (3, 4)),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), (3, 4)),
    ("Sigmoid", lambda m: m.Sigmoid(), (3, 4)),
    ("Tanh", lambda m: m.Tanh(), (3, 4)),
    ("Softmax", lambda m: m.Softmax(dim=1), (3, 4)),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1), (3, 4)),
    ("GELU", lambda m: m.GELU(), (3, 4)),
    ("ELU", lambda m: m.ELU(), (3, 4)),
    ("SiLU", lambda m: m.SiLU(), (3, 4)),
]


@pytest.mark.parametrize(("name", "build", "shape"), LAYERS, ids=[n for n, _, _ in LAYERS])
def test_layer_matches_torch(name, build, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = build(nn), build(torch.nn).double()
    ours.double()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    ours.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = ours(x), theirs(tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-9, atol=1e-10)
    g = rng.standard_normal(tuple(tout.shape))
    out.backward(mt.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-10)
    for (k, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-10, err_msg=k)
    for (k, b), (_, tb) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-9, atol=1e-10, err_msg=k)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(x).detach().numpy(), theirs(tx).detach().numpy(), rtol=1e-9, atol=1e-10)


def test_linear_matches_functional_reference():
    lin = nn.Linear(3, 2)
    x = mt.randn(4, 3)
    ref = x.numpy() @ lin.weight.detach().numpy().T + lin.bias.detach().numpy()
    np.testing.assert_allclose(lin(x).detach().numpy(), ref, rtol=1e-6)


def test_default_init_bounds():
    mt.manual_seed(0)
    conv = nn.Conv2d(4, 8, 3)
    fan_in = 4 * 9
    bound = 1 / np.sqrt(fan_in)
    assert np.abs(conv.weight.detach().numpy()).max() <= bound + 1e-7
    assert np.abs(conv.bias.detach().numpy()).max() <= bound + 1e-7
    big = nn.Linear(400, 300)
    w = big.weight.detach().numpy()
    assert abs(w.std() - 1 / np.sqrt(3 * 400)) < 0.05 * (1 / np.sqrt(3 * 400))


def test_dropout_layer_respects_train_eval():
    d = nn.Dropout(0.5)
    x = mt.ones(1000)
    y = d(x)
    assert set(np.unique(y.numpy())) <= {0.0, 2.0}
    d.eval()
    assert d(x) is x or np.array_equal(d(x).numpy(), x.numpy())
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(mt.ones(2, 3, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(mt.ones(1, 3))


def test_small_cnn_trains_to_perfect_accuracy():
    mt.manual_seed(0)
    n = 64
    x = mt.zeros(n, 1, 6, 6)
    y = mt.zeros(n, dtype=mt.int64)
    rng = np.random.default_rng(0)
    for i in range(n):
        col = rng.integers(0, 6)
        if i % 2:
            x[i, 0, :, col] = 1.0
            y[i] = 1
        else:
            x[i, 0, col, :] = 1.0
    x = x + mt.randn(n, 1, 6, 6) * 0.1
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 2))
    opt = mt.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    acc = (model(x).argmax(1) == y).float().mean().item()
    assert acc == 1.0
