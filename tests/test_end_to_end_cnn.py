"""A ResNet-style CNN trained for five steps in microtorch and in torch from the same weights.

Conv/BatchNorm/residual blocks, ReLU(inplace=True), max and adaptive pooling, GroupNorm,
Upsample, hardswish, label-smoothed cross entropy, SGD with Nesterov momentum and weight
decay, gradient clipping and a StepLR schedule: the losses, the eval-mode outputs and the
printed model must all agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import microtorch as mt


def build(lib):
    """The same network written against ``lib`` (torch or microtorch)."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.short = (
                nn.Sequential()
                if stride == 1 and cin == cout
                else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            )
            self.act = nn.ReLU(inplace=True)

        def forward(self, x):
            out = self.act(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.act(out + self.short(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(
                nn.Conv2d(3, 8, 3, padding=1, bias=False),
                nn.BatchNorm2d(8),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(3, 2, 1),
            )
            self.layer1 = Block(8, 8, 1)
            self.layer2 = Block(8, 16, 2)
            self.gn = nn.GroupNorm(4, 16)
            self.drop = nn.Dropout(0.0)
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.up = nn.Upsample(scale_factor=2, mode="nearest")
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            x = self.layer2(self.layer1(self.stem(x)))
            x = self.gn(x)
            x = nn.functional.hardswish(self.up(x))
            x = lib.flatten(self.pool(x), 1)
            return self.fc(self.drop(x))

    return Net()


def _train(lib, net, x_data, y_data):
    opt = lib.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
    sched = lib.optim.lr_scheduler.StepLR(opt, 2, 0.5)
    lossf = lib.nn.CrossEntropyLoss(label_smoothing=0.1)
    x, y = lib.tensor(x_data), lib.tensor(y_data)
    losses = []
    for _ in range(5):
        net.train()
        opt.zero_grad()
        loss = lossf(net(x), y)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    net.eval()
    with lib.no_grad():
        out = net(x)
    return losses, out.numpy()


def test_resnet_style_training_matches_torch_step_for_step():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tnet, mnet = build(torch), build(mt)
    assert repr(mnet) == repr(tnet)
    mnet.load_state_dict({k: mt.tensor(v.detach().numpy().copy()) for k, v in tnet.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3, 16, 16)).astype(np.float32)
    y = rng.integers(0, 10, 8)
    theirs, their_out = _train(torch, tnet, x, y)
    ours, our_out = _train(mt, mnet, x, y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    np.testing.assert_allclose(our_out, their_out, rtol=1e-4, atol=1e-5)
