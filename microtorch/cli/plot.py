"""The ``train --plot`` figure: loss and accuracy curves plus the learned first-layer kernels."""

from __future__ import annotations

import numpy as np


def first_layer_kernels(model) -> np.ndarray:
    """The first convolution's weights as an (out_channels, kH, kW) array (input channels averaged)."""
    for module in model.modules():
        if type(module).__name__.startswith("Conv"):
            w = module.weight.detach().numpy()
            return w.mean(axis=1) if w.ndim == 4 else w
    raise ValueError("plot: the model has no convolution layer")


def kernel_mosaic(kernels: np.ndarray) -> np.ndarray:
    """Tile (K, h, w) kernels side by side, each scaled to [0, 1], separated by NaN gaps."""
    k, h, w = kernels.shape
    mosaic = np.full((h, k * (w + 1) - 1), np.nan)
    for i, ker in enumerate(kernels):
        span = ker.max() - ker.min()
        mosaic[:, i * (w + 1) : i * (w + 1) + w] = (ker - ker.min()) / span if span > 0 else 0.5
    return mosaic


def plot_training(history: dict, model, path: str, title: str = "") -> None:
    """Write a PNG with the per-epoch loss, train/test accuracy, and first-layer kernels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc, ax_k) = plt.subplots(1, 3, figsize=(13, 3.8))
    ax_loss.plot(epochs, history["train_loss"], marker="o")
    ax_loss.set(title="training loss", xlabel="epoch", ylabel="loss per example")
    ax_acc.plot(epochs, 100 * np.asarray(history["train_acc"]), marker="o", label="train")
    ax_acc.plot(epochs, 100 * np.asarray(history["test_acc"]), marker="s", label="test")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="%")
    ax_acc.legend()
    kernels = first_layer_kernels(model)
    ax_k.imshow(kernel_mosaic(kernels), cmap="gray", interpolation="nearest")
    ax_k.set(title=f"first-layer kernels ({len(kernels)})")
    ax_k.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
