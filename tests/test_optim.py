"""Optimizers: trajectories against the documented update rules and PyTorch, state dicts, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import microtorch as mt
import microtorch.optim as optim

RNG = np.random.default_rng(1234)
P0 = RNG.standard_normal((3, 4))
GRADS = [RNG.standard_normal((3, 4)) for _ in range(10)]

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.05, maximize=True, eps=1e-3)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.2, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.3, centered=True, maximize=True)),
]


def _run_microtorch(name, kw, dtype=np.float64):
    p = mt.tensor(P0.astype(dtype), requires_grad=True)
    opt = getattr(optim, name)([p], **kw)
    traj = []
    for g in GRADS:
        p.grad = mt.tensor(g.astype(dtype))
        opt.step()
        traj.append(p.detach().numpy().copy())
    return p, opt, traj


# --- reference: the documented algorithms, written out elementwise in plain Python ---------
def _reference(name, kw):
    x = P0.copy()
    st: dict = {}
    out = []
    for t, g0 in enumerate(GRADS, start=1):
        g = -g0 if kw.get("maximize") else g0.copy()
        wd = kw.get("weight_decay", 0.01 if name == "AdamW" else 0.0)
        if name == "SGD":
            lr, mom, damp = kw["lr"], kw.get("momentum", 0), kw.get("dampening", 0)
            g = g + wd * x
            if mom:
                st["b"] = g.copy() if t == 1 else mom * st["b"] + (1 - damp) * g
                g = g + mom * st["b"] if kw.get("nesterov") else st["b"]
            x = x - lr * g
        elif name in ("Adam", "AdamW"):
            lr, (b1, b2), eps = kw["lr"], kw.get("betas", (0.9, 0.999)), kw.get("eps", 1e-8)
            if name == "AdamW":
                x = x * (1 - lr * wd)
            else:
                g = g + wd * x
            st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
            st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
            mhat = st["m"] / (1 - b1**t)
            v = st["v"]
            if kw.get("amsgrad"):
                st["vmax"] = np.maximum(st.get("vmax", 0), v)
                v = st["vmax"]
            x = x - lr * mhat / (np.sqrt(v / (1 - b2**t)) + eps)
        elif name == "Adadelta":
            lr, rho, eps = kw.get("lr", 1.0), kw.get("rho", 0.9), kw.get("eps", 1e-6)
            g = g + wd * x
            st["v"] = rho * st.get("v", 0) + (1 - rho) * g * g
            delta = np.sqrt(st.get("u", 0) + eps) / np.sqrt(st["v"] + eps) * g
            st["u"] = rho * st.get("u", 0) + (1 - rho) * delta * delta
            x = x - lr * delta
        elif name == "Adagrad":
            lr, decay, eps = kw["lr"], kw.get("lr_decay", 0), kw.get("eps", 1e-10)
            g = g + wd * x
            clr = lr / (1 + (t - 1) * decay)
            st["s"] = st.get("s", kw.get("initial_accumulator_value", 0)) + g * g
            x = x - clr * g / (np.sqrt(st["s"]) + eps)
        elif name == "RMSprop":
            lr, alpha, eps, mom = kw.get("lr", 0.01), kw.get("alpha", 0.99), kw.get("eps", 1e-8), kw.get("momentum", 0)
            g = g + wd * x
            st["v"] = alpha * st.get("v", 0) + (1 - alpha) * g * g
            v = st["v"]
            if kw.get("centered"):
                st["ga"] = alpha * st.get("ga", 0) + (1 - alpha) * g
                v = v - st["ga"] ** 2
            if mom > 0:
                st["b"] = mom * st.get("b", 0) + g / (np.sqrt(v) + eps)
                x = x - lr * st["b"]
            else:
                x = x - lr * g / (np.sqrt(v) + eps)
        out.append(x.copy())
    return out


@pytest.mark.parametrize("name,kw", CASES)
def test_ten_steps_match_documented_formula(name, kw):
    _, _, traj = _run_microtorch(name, kw)
    ref = _reference(name, kw)
    for step, (a, b) in enumerate(zip(traj, ref)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10, err_msg=f"{name} step {step}")


@pytest.mark.parametrize("name,kw", CASES)
def test_ten_steps_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    p, opt, traj = _run_microtorch(name, kw)
    tp = torch.tensor(P0, requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kw)
    for step, g in enumerate(GRADS):
        tp.grad = torch.tensor(g)
        topt.step()
        np.testing.assert_allclose(traj[step], tp.detach().numpy(), rtol=0, atol=1e-10, err_msg=f"step {step}")
    # the state dicts agree too: same keys, same values, 'step' a float32 scalar tensor
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert set(ours["state"]) == set(theirs["state"])
    for k, entry in theirs["state"].items():
        assert set(ours["state"][k]) == set(entry)
        for key, val in entry.items():
            mine = ours["state"][k][key]
            assert isinstance(mine, mt.Tensor)
            assert str(mine.dtype) == str(val.dtype)
            np.testing.assert_allclose(mine.numpy(), val.numpy(), rtol=0, atol=1e-10)
    assert ours["param_groups"] == theirs["param_groups"]


@pytest.mark.parametrize("name,kw", CASES[::3])
def test_float32_stays_float32_and_close_to_torch(name, kw):
    torch = pytest.importorskip("torch")
    p, _, traj = _run_microtorch(name, kw, dtype=np.float32)
    assert p.dtype == mt.float32
    tp = torch.tensor(P0.astype(np.float32), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kw)
    for g in GRADS:
        tp.grad = torch.tensor(g.astype(np.float32))
        topt.step()
    np.testing.assert_allclose(traj[-1], tp.detach().numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,kw", CASES[::2])
def test_step_is_in_place_and_bumps_version(name, kw):
    p = mt.tensor(P0.copy(), requires_grad=True)
    view = p.detach()
    opt = getattr(optim, name)([p], **kw)
    v0 = p._version
    for i, g in enumerate(GRADS[:3], start=1):
        p.grad = mt.tensor(g)
        opt.step()
        assert p._version == v0 + i
    assert np.shares_memory(view.numpy(), p.detach().numpy())
    assert not np.allclose(view.numpy(), P0)


def test_backward_through_a_stepped_parameter_raises():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (p * p).sum()
    p.grad = mt.tensor([1.0, 1.0])
    optim.SGD([p], lr=0.1).step()
    with pytest.raises(RuntimeError):
        y.backward()


def test_params_without_grad_are_skipped_and_no_state():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = mt.tensor([1.0, 1.0])
    opt.step()
    assert b.tolist() == [3.0] and b._version == 0
    assert b not in opt.state and a in opt.state


def test_per_group_options_and_defaults():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["params"] == [b]
    a.grad = mt.tensor([1.0])
    b.grad = mt.tensor([1.0])
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    c = mt.tensor([2.0], requires_grad=True)
    opt.add_param_group({"params": [c], "lr": 1.0})
    assert len(opt.param_groups) == 3 and opt.param_groups[2]["nesterov"] is False


def test_named_parameters_are_accepted():
    a = mt.tensor([1.0], requires_grad=True)
    opt = optim.SGD([("a", a)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a] and opt.param_groups[0]["param_names"] == ["a"]


def test_zero_grad():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = mt.tensor([3.0, 4.0])
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and g.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_closure_returns_loss_with_grad_enabled():
    p = mt.tensor([2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with mt.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0
    assert p.item() == pytest.approx(1.0)


def test_training_a_linear_fit_converges():
    mt.manual_seed(0)
    x = mt.randn(64, 3, dtype=mt.float64)
    w_true = mt.tensor([[1.0], [-2.0], [0.5]], dtype=mt.float64)
    y = x @ w_true
    w = mt.zeros(3, 1, dtype=mt.float64, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), w_true.numpy(), atol=1e-3)


# --- errors -------------------------------------------------------------------------------
def test_constructor_errors():
    p = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match=r"Invalid learning rate: -0.1"):
        optim.SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match=r"Invalid learning rate: -0.1"):
        optim.Adam([p], lr=-0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([p, 3.0], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="Invalid momentum value: -1"):
        optim.SGD([p], lr=0.1, momentum=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid epsilon value"):
        optim.AdamW([p], eps=-1e-8)
    with pytest.raises(ValueError, match="Invalid weight_decay value"):
        optim.RMSprop([p], weight_decay=-1)
    with pytest.raises(ValueError, match="Invalid rho value: 1.5"):
        optim.Adadelta([p], rho=1.5)
    with pytest.raises(ValueError, match="Invalid initial_accumulator_value value"):
        optim.Adagrad([p], initial_accumulator_value=-1)
    with pytest.raises(ValueError, match="Invalid alpha value"):
        optim.RMSprop([p], alpha=-0.5)


def test_errors_match_torch_classes():
    torch = pytest.importorskip("torch")
    for fn in (
        lambda T, p: T.optim.SGD([], lr=0.1),
        lambda T, p: T.optim.SGD([p * 2], lr=0.1),
        lambda T, p: T.optim.SGD([p], lr=-0.1),
        lambda T, p: T.optim.Adam([p], betas=(1.0, 0.9)),
        lambda T, p: T.optim.SGD([{"params": {p}}], lr=0.1),
    ):
        with pytest.raises(Exception) as theirs:
            fn(torch, torch.ones(1, requires_grad=True))
        with pytest.raises(Exception) as ours:
            fn(mt, mt.ones(1, requires_grad=True))
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)


def test_add_param_group_errors_leave_optimizer_unchanged():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([1.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.1)
    group = {"params": [b, a]}
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group(group)
    assert len(opt.param_groups) == 1 and "lr" not in group
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([b])
    with pytest.raises(ValueError, match="can't optimize a non-leaf"):
        opt.add_param_group({"params": [b * 1]})
    assert len(opt.param_groups) == 1
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        opt.add_param_group({"params": [b, b]})
    assert any("duplicate parameters" in str(x.message) for x in w)


# --- state dicts --------------------------------------------------------------------------
def _trained(name="Adam", steps=3, **kw):
    p = mt.tensor(P0.copy(), requires_grad=True)
    q = mt.tensor([0.5, -0.5], dtype=mt.float64, requires_grad=True)
    opt = getattr(optim, name)([{"params": [p]}, {"params": [q], "lr": 0.01}], **kw)
    for g in GRADS[:steps]:
        p.grad = mt.tensor(g)
        q.grad = mt.tensor(g[0, :2])
        opt.step()
    return p, q, opt


def test_state_dict_layout():
    p, q, opt = _trained(amsgrad=True)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.01
    assert set(sd["state"]) == {0, 1}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    step = sd["state"][0]["step"]
    assert isinstance(step, mt.Tensor) and step.dtype == mt.float32 and step.shape == () and step.item() == 3.0


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop"])
def test_state_dict_round_trip_continues_identically(name):
    kw = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    kw.setdefault("lr", 0.1)
    p, q, opt = _trained(name, **kw)
    sd = opt.state_dict()
    p2 = mt.tensor(p.detach().numpy().copy(), requires_grad=True)
    q2 = mt.tensor(q.detach().numpy().copy(), requires_grad=True)
    opt2 = getattr(optim, name)([{"params": [p2]}, {"params": [q2]}], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.01 and opt2.param_groups[0]["params"] == [p2]
    for g in GRADS[3:6]:
        for a, b in ((p, q), (p2, q2)):
            a.grad = mt.tensor(g)
            b.grad = mt.tensor(g[0, :2])
        opt.step()
        opt2.step()
    np.testing.assert_array_equal(p.detach().numpy(), p2.detach().numpy())
    np.testing.assert_array_equal(q.detach().numpy(), q2.detach().numpy())
    # loading copied the state: the first optimizer's buffers are not shared
    for entry in opt.state_dict()["state"].values():
        for v in entry.values():
            for e2 in opt2.state_dict()["state"].values():
                for v2 in e2.values():
                    assert v is not v2


def test_load_state_dict_casts_to_param_dtype():
    _, _, opt = _trained()
    sd = opt.state_dict()
    p = mt.tensor(P0.astype(np.float32), requires_grad=True)
    q = mt.tensor([0.0, 0.0], dtype=mt.float32, requires_grad=True)
    opt2 = optim.Adam([{"params": [p]}, {"params": [q]}])
    opt2.load_state_dict(sd)
    assert opt2.state[p]["exp_avg"].dtype == mt.float32
    assert opt2.state[p]["step"].dtype == mt.float32


def test_load_state_dict_errors_leave_state_unchanged():
    p, q, opt = _trained()
    before = opt.state_dict()
    before_vals = {k: {n: v.numpy().copy() for n, v in e.items()} for k, e in before["state"].items()}
    groups_before = [dict(g) for g in opt.param_groups]
    other_p, other_q, other = _trained(steps=5)
    good = other.state_dict()

    bad_groups = {"state": good["state"], "param_groups": good["param_groups"][:1]}
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(bad_groups)
    bad_size = {
        "state": good["state"],
        "param_groups": [good["param_groups"][0], {**good["param_groups"][1], "params": [1, 2]}],
    }
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(bad_size)
    bad_shape = {
        "state": {0: dict(good["state"][0]), 1: {**good["state"][1], "exp_avg": mt.zeros(5, dtype=mt.float64)}},
        "param_groups": [{**g, "lr": 123.0} for g in good["param_groups"]],
    }
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(bad_shape)
    with pytest.raises(ValueError):
        opt.load_state_dict({"state": {}})
    after = opt.state_dict()
    assert [dict(g) for g in opt.param_groups] == groups_before
    for k, e in after["state"].items():
        for n, v in e.items():
            np.testing.assert_array_equal(v.numpy(), before_vals[k][n])


def test_load_torch_state_dict_and_continue_like_torch():
    torch = pytest.importorskip("torch")
    tp = torch.tensor(P0, requires_grad=True)
    topt = torch.optim.Adam([tp], lr=0.1, amsgrad=True)
    for g in GRADS[:4]:
        tp.grad = torch.tensor(g)
        topt.step()
    tsd = topt.state_dict()
    sd = {
        "state": {k: {n: mt.tensor(v.numpy()) for n, v in e.items()} for k, e in tsd["state"].items()},
        "param_groups": tsd["param_groups"],
    }
    p = mt.tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = optim.Adam([p], lr=0.1, amsgrad=True)
    opt.load_state_dict(sd)
    for g in GRADS[4:]:
        tp.grad = torch.tensor(g)
        p.grad = mt.tensor(g)
        topt.step()
        opt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=0, atol=1e-10)


def test_repr_lists_groups():
    p = mt.tensor([1.0], requires_grad=True)
    text = repr(optim.SGD([p], lr=0.1))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


def test_adagrad_initial_state_exists_before_step():
    p = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.5)
    st = opt.state[p]
    assert st["sum"].tolist() == [0.5, 0.5] and st["step"].item() == 0.0
    assert math.isclose(opt.param_groups[0]["lr"], 0.01)


def test_step_with_a_bad_gradient_changes_nothing():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = mt.tensor([1.0, 1.0])
    b._grad = mt.tensor([1.0, 1.0, 1.0])  # bypasses the setter's check
    with pytest.raises(RuntimeError, match="does not match"):
        opt.step()
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [3.0, 4.0]
    assert a._version == 0 and len(opt.state) == 0


def test_user_defined_optimizer_in_pytorch_style():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr=0.01):
            if lr < 0.0:
                raise ValueError(f"Invalid learning rate: {lr}")
            super().__init__(params, dict(lr=lr))

        @mt.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    state["count"] = state.get("count", 0) + 1
                    p.add_(p.grad.sign(), alpha=-group["lr"])

    p = mt.tensor([1.0, -1.0], requires_grad=True)
    opt = SignSGD([p], lr=0.25)
    p.grad = mt.tensor([3.0, -0.5])
    opt.step()
    assert p.tolist() == [0.75, -0.75] and p._version == 1
    sd = opt.state_dict()
    assert sd["state"] == {0: {"count": 1}} and sd["param_groups"] == [{"lr": 0.25, "params": [0]}]


def _hyper(draw, name):
    from hypothesis import strategies as st

    f = lambda lo, hi: draw(st.floats(lo, hi, allow_nan=False))  # noqa: E731
    kw = {"maximize": draw(st.booleans()), "weight_decay": draw(st.sampled_from([0.0, f(0.0, 0.5)]))}
    if name == "SGD":
        kw.update(lr=f(0.0, 1.0), momentum=draw(st.sampled_from([0.0, f(0.0, 0.99)])))
        if kw["momentum"] > 0 and draw(st.booleans()):
            kw["nesterov"] = True
        else:
            kw["dampening"] = f(0.0, 0.9)
    elif name in ("Adam", "AdamW"):
        kw.update(lr=f(1e-4, 0.5), betas=(f(0.0, 0.99), f(0.5, 0.9999)), eps=f(1e-8, 1e-2), amsgrad=draw(st.booleans()))
    elif name == "Adadelta":
        kw.update(lr=f(0.1, 2.0), rho=f(0.1, 0.99), eps=f(1e-7, 1e-3))
    elif name == "Adagrad":
        kw.update(lr=f(1e-3, 0.5), lr_decay=f(0.0, 0.1), initial_accumulator_value=f(0.0, 1.0), eps=f(1e-10, 1e-3))
    else:
        kw.update(lr=f(1e-4, 0.1), alpha=f(0.5, 0.999), momentum=f(0.0, 0.9), centered=draw(st.booleans()))
        kw["eps"] = f(1e-8, 1e-3)
    return kw


def test_random_hyperparameters_match_formula_and_torch():
    from hypothesis import given
    from hypothesis import strategies as st

    try:
        import torch
    except ImportError:
        torch = None

    names = ["SGD", "Adam", "AdamW", "Adadelta", "Adagrad", "RMSprop"]

    @given(st.data())
    def check(data):
        name = data.draw(st.sampled_from(names))
        kw = _hyper(data.draw, name)
        _, _, traj = _run_microtorch(name, kw)
        ref = _reference(name, kw)
        np.testing.assert_allclose(traj[-1], ref[-1], rtol=1e-9, atol=1e-10)
        if torch is not None:
            tp = torch.tensor(P0, requires_grad=True)
            topt = getattr(torch.optim, name)([tp], **kw)
            for g in GRADS:
                tp.grad = torch.tensor(g)
                topt.step()
            np.testing.assert_allclose(traj[-1], tp.detach().numpy(), rtol=1e-10, atol=1e-10)

    check()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"betas": (0, 0.99)}, "betas must be either both floats or both Tensors"),
        ({"betas": (0.9, mt.tensor(0.99))}, "betas must be either both floats or both Tensors"),
        ({"betas": (mt.tensor(0.9), mt.tensor(0.99)), "foreach": True}, r"betas\[0\] as a Tensor is not supported"),
        ({"lr": mt.tensor(0.001), "foreach": True}, "lr as a Tensor is not supported"),
    ],
)
def test_adam_rejects_tensor_hyperparameters_as_torch(kwargs, message):
    for cls in (mt.optim.Adam, mt.optim.AdamW):
        with pytest.raises(ValueError, match=message):
            cls([mt.nn.Parameter(mt.zeros(2))], **kwargs)


_DIFFERENTIABLE = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    (optim.Adam, {"lr": 0.1, "weight_decay": 0.1}),
    (optim.AdamW, {"lr": 0.1}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    (optim.Adadelta, {"lr": 0.5, "weight_decay": 0.1}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
]


def _differentiable_run(lib, cls, kwargs, differentiable):
    """Three steps on a non-leaf copy of a leaf; returns final values and d(sum(p))/d(leaf)."""
    leaf = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
    p = leaf.clone() if differentiable else lib.nn.Parameter(leaf.detach().clone())
    opt = cls([p], differentiable=differentiable, **kwargs)
    for _ in range(3):
        g = lib.autograd.grad((p * 3.0).sum() + (p * p.detach()).sum(), p, create_graph=differentiable)[0]
        p.grad = g
        opt.step()
    grad = (
        lib.autograd.grad((p * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum(), leaf)[0]
        if differentiable
        else None
    )
    return p.detach().numpy().copy(), grad


@pytest.mark.parametrize("cls, kwargs", _DIFFERENTIABLE)
def test_differentiable_step_equals_the_plain_step(cls, kwargs):
    values, grad = _differentiable_run(mt, cls, kwargs, True)
    plain, _ = _differentiable_run(mt, cls, kwargs, False)
    # Adam's differentiable path computes its bias corrections in float32, as PyTorch's does
    np.testing.assert_allclose(values, plain, rtol=1e-4 if issubclass(cls, optim.Adam) else 1e-12)
    assert grad is not None and grad.shape == (3,)


@pytest.mark.parametrize("cls, kwargs", _DIFFERENTIABLE)
def test_differentiable_step_gradient_against_torch(cls, kwargs):
    torch = pytest.importorskip("torch")
    values, grad = _differentiable_run(mt, cls, kwargs, True)
    t_values, t_grad = _differentiable_run(torch, getattr(torch.optim, cls.__name__), kwargs, True)
    # Adam's differentiable path has float32 bias corrections, and torch's float32 sqrt is sometimes
    # 1 ulp from the correctly rounded one numpy gives: agreement to float32 rounding there
    rtol = 1e-6 if issubclass(cls, optim.Adam) else 1e-10
    np.testing.assert_allclose(values, t_values, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(grad.numpy(), t_grad.numpy(), rtol=max(rtol, 1e-9), atol=1e-12)


def test_differentiable_step_on_a_leaf_raises_as_torch():
    p = mt.nn.Parameter(mt.ones(2, dtype=mt.float64))
    p.grad = mt.ones(2, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        optim.SGD([p], lr=0.1, differentiable=True).step()


# --- NAdam, RAdam, Adamax, Rprop, ASGD, Adafactor, LBFGS ------------------------------------------
SHAPES = [(3, 4), (5,), (2, 3, 4)]  # a matrix, a vector, and a 3-D tensor (Adafactor factors the last two dims)
MORE_GRADS = [[RNG.standard_normal(s) for s in SHAPES] for _ in range(10)]
MORE_P0 = [RNG.standard_normal(s) for s in SHAPES]

MORE_CASES = [
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.006)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.006)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.006, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, maximize=True, betas=(0.8, 0.95), eps=1e-3, foreach=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.05, eps=1e-6, betas=(0.5, 0.6))),  # rho_t > 5 from step 3: rectified steps
    ("RAdam", dict(lr=0.05, weight_decay=0.1, betas=(0.5, 0.6))),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.5, 0.6))),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, maximize=True, foreach=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.1, betas=(0.8, 0.9))),
    ("Adamax", dict(lr=0.1, weight_decay=0.1, maximize=True, foreach=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.0002)),
    ("Rprop", dict(etas=(0.3, 1.5), step_sizes=(1e-3, 0.02))),
    ("Rprop", dict(lr=0.1, maximize=True, foreach=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lambd=0.1, lr=0.05)),
    ("ASGD", dict(t0=3, alpha=0.5, lr=0.05)),
    ("ASGD", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("ASGD", dict(lr=0.05, t0=4, weight_decay=0.1, foreach=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, weight_decay=0.1)),
    ("Adafactor", dict(weight_decay=0.1, maximize=True)),
    ("Adafactor", dict(beta2_decay=-1.0, eps=(1e-4, 1e-2))),
    ("Adafactor", dict(d=1.5, foreach=True)),
]


def _more_run(lib, name, kw, steps=10, start=0, opt=None, params=None):
    """``steps`` float64 steps of the fixed gradient sequence on the three parameters."""
    if params is None:
        params = [lib.tensor(p.copy(), requires_grad=True) for p in MORE_P0]
    if opt is None:
        opt = getattr(lib.optim, name)(params, **kw)
    traj = []
    for grads in MORE_GRADS[start : start + steps]:
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        opt.step()
        traj.append([p.detach().numpy().copy() for p in params])
    return params, opt, traj


@pytest.mark.parametrize("name,kw", MORE_CASES)
def test_new_optimizers_ten_steps_and_state_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    _, opt, ours = _more_run(mt, name, kw)
    _, topt, theirs = _more_run(torch, name, kw)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10, err_msg=f"{name} step {step}")
    ours_sd, theirs_sd = opt.state_dict(), topt.state_dict()
    assert ours_sd["param_groups"] == theirs_sd["param_groups"]
    assert set(ours_sd["state"]) == set(theirs_sd["state"])
    for k, entry in theirs_sd["state"].items():
        assert set(ours_sd["state"][k]) == set(entry)
        for key, val in entry.items():
            mine = ours_sd["state"][k][key]
            assert isinstance(mine, mt.Tensor) and str(mine.dtype) == str(val.dtype) and mine.shape == tuple(val.shape)
            np.testing.assert_allclose(mine.numpy(), val.numpy(), rtol=1e-10, atol=1e-10, err_msg=key)


def _resumed(lib, name, kw):
    """Four steps, a state-dict round trip into a fresh optimizer, four more steps: (resumed, uninterrupted)."""
    params, opt, _ = _more_run(lib, name, kw, steps=4)
    sd = opt.state_dict()
    params2 = [lib.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    opt2 = getattr(lib.optim, name)(params2, lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    _, _, a = _more_run(lib, name, kw, steps=4, start=4, opt=opt2, params=params2)
    _, _, b = _more_run(lib, name, kw, steps=4, start=4, opt=opt, params=params)
    return a[-1], b[-1], opt2


@pytest.mark.parametrize("name,kw", MORE_CASES[::2])
def test_new_optimizers_state_dict_round_trip_continues(name, kw):
    resumed, uninterrupted, _ = _resumed(mt, name, kw)
    # loading casts float32 scalars such as NAdam's mu_product to the parameter's dtype (as torch does),
    # so the resumed run may differ slightly from the uninterrupted one
    for x, y in zip(resumed, uninterrupted):
        np.testing.assert_allclose(x, y, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name,kw", MORE_CASES[::2])
def test_new_optimizers_state_dict_round_trip_matches_torch(name, kw):
    torch = pytest.importorskip("torch")
    ours, _, opt = _resumed(mt, name, kw)
    theirs, _, topt = _resumed(torch, name, kw)
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10)
    for k, entry in topt.state_dict()["state"].items():
        for key, val in entry.items():
            assert str(opt.state_dict()["state"][k][key].dtype) == str(val.dtype), key


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "Rprop", "ASGD", "Adafactor"])
def test_new_optimizers_minimize_a_convex_quadratic(name):
    target = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64)
    x = mt.zeros(3, dtype=mt.float64, requires_grad=True)
    w = mt.zeros(2, 3, dtype=mt.float64, requires_grad=True)
    lr = {"ASGD": 0.1, "Rprop": 0.01, "Adafactor": 0.05}.get(name, 0.05)
    opt = getattr(optim, name)([x, w], lr=lr)
    for _ in range(800):
        opt.zero_grad()
        loss = ((x - target) ** 2).sum() + ((w - target) ** 2).sum()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(x.detach().numpy(), target.numpy(), atol=2e-2)
    np.testing.assert_allclose(w.detach().numpy(), np.tile(target.numpy(), (2, 1)), atol=2e-2)


def test_nadam_update_by_hand():
    """Two NAdam steps written out with the momentum schedule (mu_product kept in float32)."""
    x0, grads = np.array([1.0, -2.0]), [np.array([0.5, 0.3]), np.array([-0.2, 0.4])]
    lr, b1, b2, eps, psi = 0.1, 0.9, 0.999, 1e-8, 4e-3
    x, m, v, prod = x0.copy(), 0.0, 0.0, np.float32(1.0)
    p = mt.tensor(x0, requires_grad=True)
    opt = optim.NAdam([p], lr=lr)
    for t, g in enumerate(grads, start=1):
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod = np.float32(prod * np.float32(mu))
        m = m + (1 - b1) * (g - m)
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2**t)) + eps
        x = x - lr * (1 - mu) / (1 - float(prod)) * g / denom - lr * mu_next / (1 - float(prod) * mu_next) * m / denom
        p.grad = mt.tensor(g)
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), x, rtol=1e-13)
    assert opt.state[p]["mu_product"].dtype == mt.float32


def test_rprop_sign_flip_skips_the_step_and_shrinks_it():
    p = mt.tensor([0.0, 0.0], dtype=mt.float64, requires_grad=True)
    opt = optim.Rprop([p], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.01, 0.3))
    seen = []
    for g in ([1.0, 1.0], [1.0, -1.0], [1.0, -1.0], [1.0, 1.0]):
        p.grad = mt.tensor(g, dtype=mt.float64)
        opt.step()
        seen.append((p.detach().numpy().copy(), opt.state[p]["step_size"].numpy().copy()))
    # element 0 keeps its sign: 0.1, 0.2, 0.3 (clamped), 0.3; element 1 flips at step 2 (no move, step
    # halved, gradient forgotten), so step 3 moves with the halved step and step 4 flips again
    np.testing.assert_allclose([s for _, s in seen], [[0.1, 0.1], [0.2, 0.05], [0.3, 0.05], [0.3, 0.025]])
    np.testing.assert_allclose(seen[-1][0], [-0.9, -0.1 + 0.05])


def test_adafactor_factored_state_shapes():
    w = mt.zeros(2, 3, 4, dtype=mt.float64, requires_grad=True)
    b = mt.zeros(4, dtype=mt.float64, requires_grad=True)
    opt = optim.Adafactor([w, b])
    w.grad, b.grad = mt.ones(2, 3, 4, dtype=mt.float64), mt.ones(4, dtype=mt.float64)
    opt.step()
    assert set(opt.state[w]) == {"step", "row_var", "col_var"} and set(opt.state[b]) == {"step", "variance"}
    assert opt.state[w]["row_var"].shape == (2, 3, 1) and opt.state[w]["col_var"].shape == (2, 1, 4)
    # the first step weights the new second moment fully (beta2_t = 1 - 1**-0.8 = 0)
    np.testing.assert_allclose(opt.state[b]["variance"].numpy(), np.ones(4))
    # zero parameters: the step is eps2 * rho_1 = 1e-3 * 1e-2 along -sign(grad)
    np.testing.assert_allclose(b.detach().numpy(), np.full(4, -1e-5))


NEW_ERRORS = [
    ("NAdam", dict(lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("NAdam", dict(eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
    ("NAdam", dict(betas=(1.0, 0.0)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("NAdam", dict(betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
    ("NAdam", dict(weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    ("NAdam", dict(momentum_decay=-0.2), ValueError, "Invalid momentum_decay value: -0.2"),
    ("NAdam", dict(lr=-1.0, momentum_decay=-0.2), ValueError, "Invalid learning rate: -1.0"),
    ("RAdam", dict(betas=(1.0, 0.0)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("RAdam", dict(weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    ("Adamax", dict(lr=0.01, betas=(0.0, 1.0)), ValueError, "Invalid beta parameter at index 1: 1.0"),
    ("Adamax", dict(eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    ("Rprop", dict(etas=(1.0, 0.5)), ValueError, "Invalid eta values: 1.0, 0.5"),
    ("Rprop", dict(etas=(0.5, 1.0)), ValueError, "Invalid eta values: 0.5, 1.0"),
    ("Rprop", dict(lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    ("ASGD", dict(weight_decay=-0.5), ValueError, "Invalid weight_decay value: -0.5"),
    ("ASGD", dict(lr=-0.5), ValueError, "Invalid learning rate: -0.5"),
    ("LBFGS", dict(lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    ("Adafactor", dict(lr=-1.0), ValueError, "Learning rate should be >= 0 but is: -1.0"),
    ("Adafactor", dict(beta2_decay=0.8), ValueError, "beta2_decay should be <= 0 but is: 0.8"),
    ("Adafactor", dict(eps=(-1e-30, 1e-3)), ValueError, "epsilon1 should be >= 0 but is: -1e-30"),
    ("Adafactor", dict(eps=(None, -1.0)), ValueError, "epsilon2 should be >= 0 but is: -1.0"),
    ("Adafactor", dict(d=0.0), ValueError, "Clipping threshold d should be >= 1 but is: 0.0"),
    ("Adafactor", dict(weight_decay=-1.0), ValueError, "weight_decay should be >= 0 but is: -1.0"),
]


@pytest.mark.parametrize("name,kw,cls,message", NEW_ERRORS)
def test_new_optimizers_reject_bad_hyperparameters(name, kw, cls, message):
    with pytest.raises(cls) as info:
        getattr(optim, name)([mt.zeros(2, requires_grad=True)], **kw)
    assert str(info.value) == message
    # hyper-parameters are checked before the parameters
    with pytest.raises(cls, match="^" + message.replace("(", r"\(").replace(".", r"\.") + "$"):
        getattr(optim, name)([], **kw)


@pytest.mark.parametrize("name,kw,cls,message", NEW_ERRORS)
def test_new_optimizer_errors_are_torchs(name, kw, cls, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(cls) as info:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    assert str(info.value) == message


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "Rprop", "ASGD", "LBFGS", "Adafactor"])
def test_new_optimizers_tensor_lr_must_be_one_element(name):
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        getattr(optim, name)([mt.zeros(2, requires_grad=True)], lr=mt.tensor([0.1, 0.1]))


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "Rprop", "ASGD"])
def test_capturable_and_foreach_differentiable_raise_at_step_as_torch(name):
    leaf = mt.zeros(2, dtype=mt.float64, requires_grad=True)
    p = leaf.clone()
    p.grad = mt.ones(2, dtype=mt.float64)
    with pytest.raises(AssertionError, match="_foreach ops don't support autograd"):
        getattr(optim, name)([p], foreach=True, differentiable=True).step()
    q = mt.zeros(2, dtype=mt.float64, requires_grad=True)
    q.grad = mt.ones(2, dtype=mt.float64)
    with pytest.raises(AssertionError, match="If capturable=True, .* must be on supported devices"):
        getattr(optim, name)([q], capturable=True).step()
    np.testing.assert_array_equal(q.detach().numpy(), [0.0, 0.0])


def test_lbfgs_and_adafactor_take_no_differentiable_option():
    p = mt.zeros(2, requires_grad=True)
    for name in ("LBFGS", "Adafactor"):
        with pytest.raises(TypeError):
            getattr(optim, name)([p], differentiable=True)


# --- differentiable steps against torch ----------------------------------------------------------
def _diff_run(lib, name, kw, steps):
    """``steps`` differentiable steps on non-leaf copies; final values and the leaves' gradients.

    The loss (tanh of a shifted parameter) saves no parameter for backward, so in-place
    updates of the parameters do not trip autograd's version check."""
    rng = np.random.RandomState(3)
    leaves = [lib.tensor(rng.standard_normal(s), dtype=lib.float64, requires_grad=True) for s in [(3, 2), (3,)]]
    shifts = [lib.tensor(rng.standard_normal(s), dtype=lib.float64) for s in [(3, 2), (3,)]]
    params = [leaf.clone() for leaf in leaves]
    opt = getattr(lib.optim, name)(params, differentiable=True, **kw)
    for _ in range(steps):
        loss = sum(((p - c).tanh() ** 2).sum() for p, c in zip(params, shifts))
        for p, g in zip(params, lib.autograd.grad(loss, params, create_graph=True)):
            p.grad = g
        opt.step()
    total = sum((p * (i + 1.0)).sum() for i, p in enumerate(params))
    return [p.detach().numpy() for p in params] + [g.numpy() for g in lib.autograd.grad(total, leaves)]


DIFF_CASES = [
    ("NAdam", dict(), 10),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01, decoupled_weight_decay=True, weight_decay=0.1), 10),
    ("RAdam", dict(lr=0.05, betas=(0.5, 0.6)), 10),
    ("RAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1), 10),
    ("ASGD", dict(lr=0.1), 10),
    ("ASGD", dict(lr=0.1, t0=3, lambd=0.01), 10),
    ("Adamax", dict(lr=0.1), 1),  # from step 2 torch's own graph fails its version check (exp_avg saved)
    ("Rprop", dict(lr=0.1), 1),  # likewise (step_size saved)
]


@pytest.mark.parametrize("name,kw,steps", DIFF_CASES)
def test_new_optimizers_differentiable_steps_match_torch(name, kw, steps):
    torch = pytest.importorskip("torch")
    ours, theirs = _diff_run(mt, name, kw, steps), _diff_run(torch, name, kw, steps)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["Adamax", "Rprop"])
def test_differentiable_second_step_raises_as_torch(name):
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _diff_run(mt, name, dict(lr=0.1), 3)


@pytest.mark.parametrize("name,kw,steps", DIFF_CASES)
def test_new_optimizers_differentiable_equals_plain(name, kw, steps):
    values = _diff_run(mt, name, kw, steps)
    rng = np.random.RandomState(3)
    params = [mt.tensor(rng.standard_normal(s), dtype=mt.float64, requires_grad=True) for s in [(3, 2), (3,)]]
    shifts = [mt.tensor(rng.standard_normal(s), dtype=mt.float64) for s in [(3, 2), (3,)]]
    opt = getattr(optim, name)(params, **kw)
    for _ in range(steps):
        opt.zero_grad()
        sum(((p - c).tanh() ** 2).sum() for p, c in zip(params, shifts)).backward()
        opt.step()
    # NAdam's differentiable path forms its step coefficients in float32, as PyTorch's does
    rtol = 1e-6 if name == "NAdam" else 1e-12
    for a, p in zip(values, params):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=rtol, atol=1e-14)


# --- LBFGS ---------------------------------------------------------------------------------------
def _lbfgs_problem(lib):
    rng = np.random.RandomState(7)
    w = lib.tensor(rng.standard_normal((3, 2)), dtype=lib.float64, requires_grad=True)
    b = lib.tensor(rng.standard_normal(3), dtype=lib.float64, requires_grad=True)
    x = lib.tensor(rng.standard_normal((6, 2)), dtype=lib.float64)
    y = lib.tensor(rng.standard_normal((6, 3)), dtype=lib.float64)
    return [w, b], lambda: (((x @ w.T + b).tanh() - y) ** 2).sum()


def _lbfgs_run(lib, kw, steps=5):
    params, loss_fn = _lbfgs_problem(lib)
    opt = lib.optim.LBFGS(params, **kw)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    losses, traj = [], []
    for _ in range(steps):
        losses.append(opt.step(closure).item())
        traj.append([p.detach().numpy().copy() for p in params])
    return opt, losses, traj


# (options, steps): with lr=1 and no line search this problem is chaotic after the first step's
# 20 iterations (1-ulp differences in a dot product grow to 1e-5), and the strong-Wolfe run
# reaches the ys > 1e-10 curvature threshold at step 3, so those compare fewer steps
LBFGS_CASES = [
    (dict(), 1),
    (dict(lr=0.01), 8),
    (dict(tolerance_grad=1e-6), 1),
    (dict(line_search_fn="strong_wolfe"), 2),
    (dict(history_size=3, max_iter=7, line_search_fn="strong_wolfe"), 8),
    (dict(history_size=2, max_iter=4, max_eval=6, lr=0.5), 8),
    (dict(tolerance_change=1e-3, lr=0.8), 8),
]


@pytest.mark.parametrize("kw,steps", LBFGS_CASES)
def test_lbfgs_matches_torch(kw, steps):
    torch = pytest.importorskip("torch")
    opt, losses, traj = _lbfgs_run(mt, kw, steps)
    topt, t_losses, t_traj = _lbfgs_run(torch, kw, steps)
    assert losses == pytest.approx(t_losses, rel=1e-10)
    for a, b in zip(traj, t_traj):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-10)
    ours, theirs = opt.state_dict()["state"][0], topt.state_dict()["state"][0]
    assert set(ours) == set(theirs)
    for key, val in theirs.items():
        mine = ours[key]
        if isinstance(val, list):
            assert len(mine) == len(val)
            pairs = [(m, v) for m, v in zip(mine, val) if v is not None]
        else:
            pairs = [(mine, val)]
        for m, v in pairs:
            if isinstance(v, torch.Tensor):
                assert isinstance(m, mt.Tensor) and m.shape == tuple(v.shape), key
                # curvature-pair products (al, ro) are ill-conditioned: compare them loosely
                np.testing.assert_allclose(m.numpy(), v.numpy(), rtol=1e-6, atol=1e-10, err_msg=key)
            else:
                assert type(m) is type(v) and m == pytest.approx(v, rel=1e-9), key


def test_lbfgs_minimizes_a_quadratic_exactly_and_round_trips():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    A = mt.tensor(a @ a.T + 5 * np.eye(5))
    bvec = mt.tensor(rng.standard_normal(5))
    x = mt.zeros(5, dtype=mt.float64, requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = 0.5 * (x @ (A @ x)) - bvec @ x
        loss.backward()
        return loss

    opt.step(closure)
    # it stops on the loss change (tolerance_change) after 8 iterations, as torch does
    np.testing.assert_allclose(x.detach().numpy(), np.linalg.solve(A.numpy(), bvec.numpy()), atol=1e-5)
    assert opt.state[x]["n_iter"] == 8
    sd = opt.state_dict()
    assert sd["state"][0]["n_iter"] >= 1 and sd["state"][0]["func_evals"] >= sd["state"][0]["n_iter"]
    x2 = mt.tensor(x.detach().numpy().copy(), requires_grad=True)
    opt2 = optim.LBFGS([x2], line_search_fn="strong_wolfe")
    opt2.load_state_dict(sd)
    assert opt2.state[x2]["n_iter"] == sd["state"][0]["n_iter"]
    np.testing.assert_array_equal(opt2.state[x2]["d"].numpy(), sd["state"][0]["d"].numpy())


def test_lbfgs_errors():
    p = mt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [mt.zeros(1, requires_grad=True)]}])
    opt = optim.LBFGS([p])
    with pytest.raises(TypeError):
        opt.step()
    opt = optim.LBFGS([p], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = ((p - 1.0) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    assert opt.param_groups[0]["max_eval"] == 25  # max_iter * 5 // 4


@pytest.mark.parametrize("name,kw", MORE_CASES[::2])
def test_new_optimizers_float32_stay_float32_and_close_to_torch(name, kw):
    torch = pytest.importorskip("torch")
    out = []
    for lib in (mt, torch):
        params = [lib.tensor(p.astype(np.float32), requires_grad=True) for p in MORE_P0]
        opt = getattr(lib.optim, name)(params, **kw)
        for grads in MORE_GRADS:
            for p, g in zip(params, grads):
                p.grad = lib.tensor(g.astype(np.float32))
            opt.step()
        assert all(str(p.dtype).endswith("float32") for p in params)
        out.append([p.detach().numpy() for p in params])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax", "Rprop", "ASGD", "Adafactor"])
def test_new_optimizers_per_group_options_and_skipped_params(name):
    torch = pytest.importorskip("torch")
    out = []
    for lib in (mt, torch):
        a, b, c = (lib.tensor(p.copy(), requires_grad=True) for p in MORE_P0)
        opt = getattr(lib.optim, name)([{"params": [a, c]}, {"params": [b], "lr": 0.003}], lr=0.02)
        for grads in MORE_GRADS[:5]:
            a.grad, b.grad = lib.tensor(grads[0]), lib.tensor(grads[1])  # c has no gradient: untouched, no state
            opt.step()
        assert len(opt.state) == 2 and c not in opt.state
        out.append([p.detach().numpy() for p in (a, b, c)])
    for x, y in zip(*out):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(out[0][2], MORE_P0[2])


@pytest.mark.parametrize(
    "name,kw",
    [("NAdam", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=3)), ("ASGD", dict(lr=0.05, foreach=True)), ("Adam", {})],
)
def test_scalar_state_follows_a_float64_default_dtype_as_torch(name, kw):
    torch = pytest.importorskip("torch")
    before_t, before_m = torch.get_default_dtype(), mt.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        mt.set_default_dtype(mt.float64)
        _, opt, ours = _more_run(mt, name, kw)
        _, topt, theirs = _more_run(torch, name, kw)
    finally:
        torch.set_default_dtype(before_t)
        mt.set_default_dtype(before_m)
    for a, b in zip(ours[-1], theirs[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for key, val in topt.state_dict()["state"][0].items():
        assert str(opt.state_dict()["state"][0][key].dtype) == str(val.dtype) == "torch.float64" or val.dim() > 0
    assert opt.state_dict()["state"][0]["step"].dtype == mt.float64
    # a fresh optimizer under the float32 default again keeps float32 scalars
    _, opt32, _ = _more_run(mt, name, kw, steps=1)
    assert opt32.state_dict()["state"][0]["step"].dtype == mt.float32


def test_loading_keeps_a_tensor_steps_dtype_and_makes_numbers_scalar_state():
    p = mt.zeros(2, dtype=mt.float64, requires_grad=True)
    opt = optim.NAdam([p])
    p.grad = mt.ones(2, dtype=mt.float64)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["step"] = mt.tensor(3.0, dtype=mt.float64)
    opt.load_state_dict(sd)
    assert opt.state[p]["step"].dtype == mt.float64 and opt.state[p]["step"].item() == 3.0
    sd["state"][0]["step"] = 5
    opt.load_state_dict(sd)
    assert opt.state[p]["step"].dtype == mt.float32 and opt.state[p]["step"].item() == 5.0


def test_differentiable_amsgrad_raises_where_torch_raises():
    # torch.maximum saves exp_avg_sq, which the next step changes in place: torch raises at backward too
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _differentiable_run(mt, optim.Adam, {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}, True)
