"""``microtorch train``: train LeNet5 on digits (default) or the notes' SimpleCNN on bars."""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np

NAME = "train"
HELP = "train a model on a data set (default: LeNet5 on scikit-learn's digits) and report its test accuracy"

MODELS = ("lenet5", "simple-cnn")
DATASETS = ("digits", "bars")
FITS = {"lenet5": "digits", "simple-cnn": "bars"}


@dataclass(frozen=True)
class Preset:
    """Default hyperparameters of one model."""

    dataset: str
    epochs: int
    batch_size: int
    lr: float
    optimizer: str
    schedule: str


PRESETS = {
    "lenet5": Preset("digits", epochs=15, batch_size=32, lr=2e-3, optimizer="adam", schedule="cosine"),
    "simple-cnn": Preset("bars", epochs=8, batch_size=1, lr=0.5, optimizer="sgd", schedule="constant"),
}
BARS_TRAIN, BARS_TEST = 256, 128


def _per_model(key: str, show=str) -> str:
    """``lenet5: X, simple-cnn: Y`` from the presets, so --help shows the defaults really used."""
    return ", ".join(f"{model}: {show(getattr(preset, key))}" for model, preset in PRESETS.items())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def seed_value(text: str) -> int:
    """A seed numpy and microtorch's generators both take: an integer from 0 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**63 - 1, got {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``microtorch train``."""
    from . import positive_float, positive_int

    p.add_argument("--model", choices=MODELS, default="lenet5", help="the network (default lenet5)")
    p.add_argument(
        "--dataset", choices=DATASETS, default=None, help="the data (default: digits for lenet5, bars for simple-cnn)"
    )
    p.add_argument(
        "--epochs", type=positive_int, default=None, help=f"passes over the training set ({_per_model('epochs')})"
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=None, help=f"examples per step ({_per_model('batch_size')})"
    )
    p.add_argument("--lr", type=positive_float, default=None, help=f"learning rate ({_per_model('lr', '{:g}'.format)})")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default=None, help=f"optimizer ({_per_model('optimizer')})")
    p.add_argument(
        "--schedule",
        choices=("constant", "cosine"),
        default=None,
        help=f"learning-rate schedule; cosine anneals to 0 over the run ({_per_model('schedule')})",
    )
    p.add_argument(
        "--seed",
        type=seed_value,
        default=0,
        help="seed for weights and shuffling, 0 to 2**63-1; same seed, same numbers (default 0)",
    )
    p.add_argument(
        "--limit", type=positive_int, default=None, help="train on only this many (random) training examples"
    )
    p.add_argument(
        "--activation", choices=("relu", "sigmoid", "tanh"), default=None, help="LeNet5's activation (default relu)"
    )
    p.add_argument("--pooling", choices=("max", "avg"), default=None, help="LeNet5's pooling (default max)")
    p.add_argument("--save", metavar="PATH", default=None, help="write a checkpoint (microtorch.save) to PATH")
    p.add_argument(
        "--plot",
        metavar="PATH",
        default=None,
        help="write an image of loss/accuracy curves and first-layer kernels (PNG unless PATH names another format)",
    )
    p.add_argument(
        "--no-augment", action="store_true", help="digits: no random shifts of up to 2 pixels per training batch"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar, only one line per epoch")
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        help="BLAS threads (microtorch.set_num_threads; default: numpy's). On a busy machine 1 can be much faster",
    )


def _check_writable(path: str, what: str) -> None:
    from . import CLIError

    if os.path.isdir(path):
        raise CLIError(f"--{what}: {path!r} is a directory, expected a file path")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CLIError(f"--{what}: directory {parent!r} does not exist")
    if not os.access(parent, os.W_OK):
        raise CLIError(f"--{what}: cannot write to directory {parent!r}")


def _settings(args: argparse.Namespace) -> argparse.Namespace:
    """Fill unset options from the model's preset and check the combination."""
    from . import CLIError

    preset = PRESETS[args.model]
    for key in ("dataset", "epochs", "batch_size", "lr", "optimizer", "schedule"):
        if getattr(args, key) is None:
            setattr(args, key, getattr(preset, key))
    if FITS[args.model] != args.dataset:
        raise CLIError(
            f"model {args.model!r} does not fit data set {args.dataset!r}: "
            f"use --model lenet5 --dataset digits or --model simple-cnn --dataset bars"
        )
    if args.model != "lenet5":
        given = [f"--{key}" for key in ("activation", "pooling") if getattr(args, key) is not None]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            raise CLIError(f"{' and '.join(given)} {verb} only to --model lenet5, not {args.model!r}")
    args.activation = args.activation or "relu"
    args.pooling = args.pooling or "max"
    if args.save:
        _check_writable(args.save, "save")
    if args.plot:
        args.plot = _plot_path(args.plot)
    return args


def _plot_path(path: str) -> str:
    """The file ``--plot`` will write (``.png`` added when PATH has no extension), checked before training."""
    from . import CLIError

    _check_writable(path, "plot")
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        raise CLIError('--plot needs matplotlib: pip install "microtorch[examples]"') from None
    extension = os.path.splitext(path)[1][1:].lower()
    if not extension:
        return path + ".png"
    formats = Figure().canvas.get_supported_filetypes()
    if extension not in formats:
        raise CLIError(f"--plot: unknown image format {extension!r}; use one of {', '.join(sorted(formats))}")
    return path


def _data(args: argparse.Namespace):
    import microtorch as mt
    from microtorch.datasets import bars, digits
    from microtorch.utils.data import Subset

    if args.dataset == "bars":
        train = bars(BARS_TRAIN, generator=mt.Generator().manual_seed(args.seed))
        test = bars(BARS_TEST, generator=mt.Generator().manual_seed(args.seed + 1_000_003))
    else:
        train, test = _standardized(*digits(resize=28))
    if args.limit is not None and args.limit < len(train):
        gen = mt.Generator().manual_seed(args.seed + 17)
        idx = mt.randperm(len(train), generator=gen)[: args.limit].tolist()
        train = Subset(train, idx)
    return train, test


def _standardized(train, test):
    """The digits with images shifted and scaled by the training set's mean and std (as torchvision's Normalize)."""
    from microtorch.utils.data import TensorDataset

    (x, y), (xt, yt) = train.tensors, test.tensors
    mean, std = x.mean().item(), x.std().item()
    return TensorDataset((x - mean) / std, y), TensorDataset((xt - mean) / std, yt)


def shift_batch(x, rng, max_shift: int = 2):
    """``x`` (N, C, H, W) moved by one random (dy, dx) in [-max_shift, max_shift], filled with its minimum."""
    import microtorch as mt

    a = x.numpy()
    dy, dx = (int(v) for v in rng.integers(-max_shift, max_shift + 1, size=2))
    h, w = a.shape[-2:]
    out = np.full_like(a, a.min())
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = a[
        ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return mt.from_numpy(out)


def _model(args: argparse.Namespace):
    from microtorch.models import LeNet5, SimpleCNN

    if args.model == "simple-cnn":
        return SimpleCNN()
    return LeNet5(activation=args.activation, pooling=args.pooling)


def _loss_and_correct(args, out, target):
    """The batch loss to minimise (summed, the notes' SSE for bars) and the number of correct predictions."""
    import microtorch.nn.functional as F

    if args.dataset == "bars":
        loss = ((out - target) ** 2).sum()
        correct = (out.argmax(1) == target.argmax(1)).sum().item()
        return loss, loss.item(), correct
    loss = F.cross_entropy(out, target)
    return loss, loss.item() * len(target), (out.argmax(1) == target).sum().item()


def evaluate(args, model, dataset) -> tuple[float, int, int]:
    """(mean loss, correct, total) of ``model`` on ``dataset``, without gradients."""
    import microtorch as mt
    from microtorch.utils.data import DataLoader

    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    with mt.no_grad():
        for x, y in DataLoader(dataset, batch_size=256):
            _, loss_sum, c = _loss_and_correct(args, model(x), y)
            total_loss += loss_sum
            correct += c
            n += len(y)
    return total_loss / n, correct, n


def _progress(loader, desc: str, enabled: bool):
    if enabled:
        try:
            from tqdm import tqdm
        except ImportError:
            return loader
        return tqdm(loader, desc=desc, leave=False, unit="batch", dynamic_ncols=True)
    return loader


def run(args: argparse.Namespace) -> int:
    """Train, print per-epoch loss and accuracy and the final test accuracy; save and plot if asked."""
    import microtorch as mt
    import microtorch.optim as optim
    from microtorch.utils.data import DataLoader

    args = _settings(args)
    if args.threads is not None:
        mt.set_num_threads(args.threads)
    mt.manual_seed(args.seed)
    train, test = _data(args)
    model = _model(args)
    opt_cls = {"sgd": optim.SGD, "adam": optim.Adam}[args.optimizer]
    optimizer = opt_cls(model.parameters(), lr=args.lr)
    steps = args.epochs * -(-len(train) // args.batch_size)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps) if args.schedule == "cosine" else None
    loader = DataLoader(
        train, batch_size=args.batch_size, shuffle=True, generator=mt.Generator().manual_seed(args.seed)
    )
    n_params = sum(p.numel() for p in model.parameters())
    size = "x".join(str(s) for s in train[0][0].shape[-2:])
    print(
        f"Training {type(model).__name__} ({n_params:,} parameters) on {args.dataset} "
        f"({len(train):,} train / {len(test):,} test, {size}), {args.optimizer} lr {args.lr:g} ({args.schedule} schedule), "
        f"batch {args.batch_size}, {_plural(args.epochs, 'epoch')}, seed {args.seed}, "
        f"{_plural(mt.get_num_threads(), 'BLAS thread')}",
        flush=True,
    )
    _, before, test_n = evaluate(args, model, test)
    print(f"test accuracy before training: {100 * before / test_n:.2f}% ({before}/{test_n})", flush=True)
    augment = np.random.default_rng(args.seed) if args.dataset == "digits" and not args.no_augment else None
    history = {"train_loss": [], "train_acc": [], "test_acc": []}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        total_loss, correct, n = 0.0, 0, 0
        for x, y in _progress(loader, f"epoch {epoch}/{args.epochs}", not args.no_progress):
            if augment is not None:
                x = shift_batch(x, augment)
            out = model(x)
            loss, loss_sum, c = _loss_and_correct(args, out, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total_loss += loss_sum
            correct += c
            n += len(y)
        _, test_correct, test_n = evaluate(args, model, test)
        history["train_loss"].append(total_loss / n)
        history["train_acc"].append(correct / n)
        history["test_acc"].append(test_correct / test_n)
        print(
            f"epoch {epoch}/{args.epochs}  loss {total_loss / n:.4f}  train acc {100 * correct / n:.2f}%  "
            f"test acc {100 * test_correct / test_n:.2f}%  ({time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
    _, test_correct, test_n = evaluate(args, model, test)
    _, train_correct, train_n = evaluate(args, model, train)
    print(
        f"final train accuracy: {100 * train_correct / train_n:.2f}% ({train_correct}/{train_n}; "
        "the trained model in eval mode on unaugmented data, while each epoch's train acc is the running "
        "accuracy during that epoch)"
    )
    print(f"test accuracy: {100 * test_correct / test_n:.2f}% ({test_correct}/{test_n})")
    print(f"total time: {time.perf_counter() - start:.1f} s")
    if args.save:
        checkpoint = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "model_name": args.model,
            "dataset": args.dataset,
            "epochs": args.epochs,
            "seed": args.seed,
            "history": history,
        }
        mt.save(checkpoint, args.save)
        print(f"saved checkpoint to {args.save}")
    if args.plot:
        from .plot import plot_training

        plot_training(history, model, args.plot, title=f"{type(model).__name__} on {args.dataset}")
        print(f"saved plot to {args.plot}")
    return 0
