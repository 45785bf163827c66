"""Table of core ops for the property tests: microtorch function, numpy reference,
torch function name, and the domain to draw inputs from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import microtorch as mt


@dataclass
class UnaryOp:
    name: str
    fn: object
    ref: object
    low: float = -3.0
    high: float = 3.0
    kinks: tuple = ()
    torch_fn: object = None
    gradgrad: bool = True
    extra: dict = field(default_factory=dict)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


UNARY = [
    UnaryOp("neg", lambda x: -x, lambda a: -a, torch_fn=lambda t, x: -x),
    UnaryOp("exp", mt.exp, np.exp, torch_fn=lambda t, x: t.exp(x)),
    UnaryOp("log", mt.log, np.log, low=0.1, high=5.0, torch_fn=lambda t, x: t.log(x)),
    UnaryOp("sqrt", mt.sqrt, np.sqrt, low=0.1, high=5.0, torch_fn=lambda t, x: t.sqrt(x)),
    UnaryOp("abs", mt.abs, np.abs, kinks=(0.0,), torch_fn=lambda t, x: t.abs(x)),
    UnaryOp("sin", mt.sin, np.sin, torch_fn=lambda t, x: t.sin(x)),
    UnaryOp("cos", mt.cos, np.cos, torch_fn=lambda t, x: t.cos(x)),
    UnaryOp("tanh", mt.tanh, np.tanh, torch_fn=lambda t, x: t.tanh(x)),
    UnaryOp("sigmoid", mt.sigmoid, _sigmoid, torch_fn=lambda t, x: t.sigmoid(x)),
    UnaryOp("relu", mt.relu, lambda a: np.maximum(a, 0), kinks=(0.0,), torch_fn=lambda t, x: t.relu(x)),
    UnaryOp(
        "leaky_relu",
        lambda x: mt.leaky_relu(x, 0.1),
        lambda a: np.where(a > 0, a, 0.1 * a),
        kinks=(0.0,),
        torch_fn=lambda t, x: t.nn.functional.leaky_relu(x, 0.1),
    ),
    UnaryOp(
        "clamp",
        lambda x: mt.clamp(x, -1.0, 1.5),
        lambda a: np.clip(a, -1.0, 1.5),
        kinks=(-1.0, 1.5),
        torch_fn=lambda t, x: t.clamp(x, -1.0, 1.5),
    ),
    UnaryOp("pow_scalar", lambda x: x**3, lambda a: a**3, torch_fn=lambda t, x: x**3),
    UnaryOp("pow_frac", lambda x: x**1.5, lambda a: a**1.5, low=0.1, high=4.0, torch_fn=lambda t, x: x**1.5),
    UnaryOp("rpow", lambda x: 2.0**x, lambda a: 2.0**a, torch_fn=lambda t, x: 2.0**x),
    UnaryOp("rsub", lambda x: 1.0 - x, lambda a: 1.0 - a, torch_fn=lambda t, x: 1.0 - x),
    UnaryOp("rdiv", lambda x: 2.0 / x, lambda a: 2.0 / a, low=0.5, high=3.0, torch_fn=lambda t, x: 2.0 / x),
    UnaryOp("div_scalar", lambda x: x / 3.0, lambda a: a / 3.0, torch_fn=lambda t, x: x / 3.0),
    UnaryOp("mul_scalar", lambda x: x * 2.5, lambda a: a * 2.5, torch_fn=lambda t, x: x * 2.5),
    UnaryOp("add_scalar", lambda x: x + 2.5, lambda a: a + 2.5, torch_fn=lambda t, x: x + 2.5),
    UnaryOp("square", mt.square, np.square, torch_fn=lambda t, x: t.square(x)),
    UnaryOp("log1p", mt.log1p, np.log1p, low=-0.5, high=3.0, torch_fn=lambda t, x: t.log1p(x)),
    UnaryOp("expm1", mt.expm1, np.expm1, torch_fn=lambda t, x: t.expm1(x)),
    UnaryOp("rsqrt", mt.rsqrt, lambda a: 1 / np.sqrt(a), low=0.2, high=4.0, torch_fn=lambda t, x: t.rsqrt(x)),
]


@dataclass
class BinaryOp:
    name: str
    fn: object
    ref: object
    low: float = -3.0
    high: float = 3.0
    b_low: float | None = None
    b_high: float | None = None
    torch_fn: object = None
    tie_free: bool = False


BINARY = [
    BinaryOp("add", lambda a, b: a + b, np.add, torch_fn=lambda t, a, b: a + b),
    BinaryOp("sub", lambda a, b: a - b, np.subtract, torch_fn=lambda t, a, b: a - b),
    BinaryOp("mul", lambda a, b: a * b, np.multiply, torch_fn=lambda t, a, b: a * b),
    BinaryOp("div", lambda a, b: a / b, np.divide, b_low=0.5, b_high=3.0, torch_fn=lambda t, a, b: a / b),
    BinaryOp("pow", lambda a, b: a**b, np.power, low=0.2, high=3.0, torch_fn=lambda t, a, b: a**b),
    BinaryOp("maximum", mt.maximum, np.maximum, torch_fn=lambda t, a, b: t.maximum(a, b), tie_free=True),
    BinaryOp("minimum", mt.minimum, np.minimum, torch_fn=lambda t, a, b: t.minimum(a, b), tie_free=True),
]
