"""``microtorch demo``: the notes' simple CNN, one 5x5 input, every stage of forward and backward printed."""

from __future__ import annotations

import argparse
import os

import numpy as np

NAME = "demo"
HELP = "walk the lecture notes' simple CNN through one 5x5 input, printing every stage, gradient and update"

# a vertical stroke in column 1 on a faint noisy background (values in [0, 1])
INPUT = [
    [0.05, 0.90, 0.10, 0.00, 0.15],
    [0.10, 0.85, 0.05, 0.10, 0.00],
    [0.00, 0.95, 0.15, 0.05, 0.10],
    [0.15, 0.80, 0.00, 0.10, 0.05],
    [0.05, 0.90, 0.10, 0.00, 0.10],
]
TARGET = [1.0, 0.0]  # the notes' two outputs: [1, 0] = vertical stroke


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``microtorch demo``."""
    from . import positive_float

    p.add_argument("--seed", type=int, default=0, help="seed for the initial weights (default 0)")
    p.add_argument("--lr", type=positive_float, default=0.1, help="learning rate of the SGD update (default 0.1)")
    p.add_argument("--eps", type=positive_float, default=1e-6, help="finite-difference step (default 1e-6)")
    p.add_argument(
        "--graph",
        metavar="PATH",
        default=None,
        help="also draw the autograd graph of the loss to PATH: .dot/.gv as Graphviz text; .svg, .png, .pdf "
        "rendered (needs the graphviz package and Graphviz's dot program)",
    )


def _check_graph_path(path: str) -> None:
    """Fail before the run if the graph cannot be written to ``path`` (format, Graphviz, folder)."""
    from microtorch.autograd.graphviz import check_render

    from . import CLIError

    try:
        check_render(path)
    except (ValueError, ImportError, RuntimeError) as e:
        raise CLIError(f"--graph: {e}") from None
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise CLIError(f"--graph: cannot write {path}: folder {folder} does not exist or is not writable")


def _draw_graph(model, x, y, path: str) -> None:
    from microtorch.autograd.graphviz import render

    render(_loss(model, x, y), path, params=dict(model.named_parameters()))
    print(f"The autograd graph of the loss (leaves blue, output green) is in {path}\n")


def _fmt(t) -> str:
    a = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
    return np.array2string(a, precision=4, floatmode="fixed", suppress_small=True, max_line_width=100)


def _show(title: str, t) -> None:
    print(title)
    print(_fmt(t))
    print()


def _loss(model, x, y):
    return ((model(x) - y) ** 2).sum()


def finite_difference_errors(model, x, y, eps: float) -> dict[str, float]:
    """Largest |analytical - central-difference| gradient error of each parameter (grads must be set)."""
    import microtorch as mt

    errors = {}
    with mt.no_grad():
        for name, p in model.named_parameters():
            flat = p.detach().numpy().reshape(-1)  # shares storage with p
            numeric = np.empty_like(flat)
            for i in range(flat.size):
                orig = flat[i]
                flat[i] = orig + eps
                plus = _loss(model, x, y).item()
                flat[i] = orig - eps
                minus = _loss(model, x, y).item()
                flat[i] = orig
                numeric[i] = (plus - minus) / (2 * eps)
            errors[name] = float(np.abs(p.grad.numpy().reshape(-1) - numeric).max())
    return errors


def run(args: argparse.Namespace) -> int:
    """Print the forward pass, the loss, every gradient, the SGD update and a finite-difference check."""
    import microtorch as mt
    import microtorch.optim as optim
    from microtorch.models import SimpleCNN

    if args.graph is not None:
        _check_graph_path(args.graph)
    mt.manual_seed(args.seed)
    model = SimpleCNN().double()
    x = mt.tensor(INPUT, dtype=mt.float64).reshape(1, 1, 5, 5)
    y = mt.tensor([TARGET], dtype=mt.float64)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"The lecture notes' simple CNN ({n_params} trainable parameters), float64, seed {args.seed}.\n")

    s = model.stages(x)
    _show("1. Input layer: a 5x5 grey-scale image, values in [0, 1]", s["input"][0, 0])
    _show("2. Convolution: 2x2 kernel, no padding, stride 1; the kernel is", model.conv.weight[0, 0])
    _show("   and the 4x4 convolution output is", s["convolution"][0, 0])
    _show(
        f"3. Plus the scalar bias b = {model.conv.bias.item():.4f} (same for every element): 4x4", s["plus bias"][0, 0]
    )
    _show("4. ReLU activation (per element): 4x4", s["relu"][0, 0])
    _show("5. Max pooling on 2x2 submatrices: 2x2", s["max pool"][0, 0])
    _show("6. Flattened into a vector of length 4", s["flatten"][0])
    _show("7. Fully-connected layer: W (3x4) @ a + b (3)", s["fc1"][0])
    _show("8. Sigmoid activation: 3", s["fc1 sigmoid"][0])
    _show("9. Output layer: W (2x3) @ a + b (2)", s["fc2"][0])
    _show("10. Sigmoid activation: the output z", s["output"][0])
    loss = ((s["output"] - y) ** 2).sum()
    print(f"11. Loss = (z0 - y0)^2 + (z1 - y1)^2 with target y = {TARGET}: {loss.item():.6f}\n")

    if args.graph is not None:
        _draw_graph(model, x, y, args.graph)
    model.zero_grad()
    _loss(model, x, y).backward()
    print("Backpropagation: the gradient of the loss for every parameter\n")
    for name, p in model.named_parameters():
        _show(f"d loss / d {name} {tuple(p.shape)}", p.grad.reshape(p.shape[-2:] if p.ndim == 4 else p.shape))

    errors = finite_difference_errors(model, x, y, args.eps)

    print(f"SGD update with learning rate {args.lr:g}: p <- p - {args.lr:g} * grad\n")
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    optimizer.step()
    for name, p in model.named_parameters():
        _show(f"new {name}", p.reshape(p.shape[-2:] if p.ndim == 4 else p.shape))
    with mt.no_grad():
        after = _loss(model, x, y).item()
    print(f"Loss before the update: {loss.item():.6f}; after: {after:.6f}\n")

    print(f"Finite-difference check of every gradient (central differences, eps={args.eps:g}):")
    width = max(len(n) for n in errors)
    for name, p in model.named_parameters():
        print(f"  {name:<{width}}  {p.numel():2d} elements  largest abs error {errors[name]:.2e}")
    worst = max(errors.values())
    verdict = "OK" if worst < 1e-6 else "MISMATCH"
    print(f"Largest error over all {n_params} gradients: {worst:.2e} ({verdict})")
    return 0 if verdict == "OK" else 1
