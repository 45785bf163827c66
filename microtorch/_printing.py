"""PyTorch's tensor repr: ``tensor([1.0000, 2.5000], requires_grad=True)``."""

from __future__ import annotations

import numpy as np

from . import _dtype as dt

__all__ = ["tensor_repr", "set_printoptions"]

_options = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
) -> None:
    """Set how tensors print (as ``torch.set_printoptions``)."""
    if profile == "default":
        _options.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "full":
        _options.update(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)
    for key, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            _options[key] = value
    _options["sci_mode"] = sci_mode


class _Formatter:
    """Chooses one format for every element so that columns align, as PyTorch does."""

    def __init__(self, values: np.ndarray) -> None:
        self.kind = values.dtype.kind
        self.int_mode = True
        self.sci_mode = False
        p = _options["precision"]
        if self.kind == "b":
            strs = [str(bool(v)) for v in values.ravel()]
            self.width = max((len(s) for s in strs), default=1)
            return
        if self.kind in "iu":
            self.width = max((len(str(int(v))) for v in values.ravel()), default=1)
            return
        v = values.astype(np.float64).ravel()
        finite = v[np.isfinite(v)]
        nonzero = np.abs(finite[finite != 0])
        if finite.size == 0:
            self.width = max((len(self._nonfinite(x)) for x in v), default=1)
            return
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            if nonzero.size and nonzero.max() > 1e8:
                self.sci_mode = True
                self.int_mode = False
        else:
            if nonzero.size and (nonzero.max() / nonzero.min() > 1000.0 or nonzero.max() > 1e8 or nonzero.min() < 1e-4):
                self.sci_mode = True
        if _options["sci_mode"] is not None:
            self.sci_mode = _options["sci_mode"]
            if self.sci_mode:
                self.int_mode = False
        self.precision = p
        self.width = max(len(self.format_plain(x)) for x in v)

    @staticmethod
    def _nonfinite(x: float) -> str:
        return "nan" if np.isnan(x) else ("inf" if x > 0 else "-inf")

    def format_plain(self, x) -> str:
        if self.kind == "b":
            return str(bool(x))
        if self.kind in "iu":
            return str(int(x))
        x = float(x)
        if not np.isfinite(x):
            return self._nonfinite(x)
        if self.int_mode:
            return f"{x:.0f}."
        if self.sci_mode:
            return f"{x:.{self.precision}e}"
        return f"{x:.{self.precision}f}"

    def format(self, x) -> str:
        return self.format_plain(x).rjust(self.width)


def _summarized(a: np.ndarray, edge: int) -> np.ndarray:
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * edge:
        a = np.concatenate([a[:edge], a[-edge:]])
    return np.stack([_summarized(x, edge) for x in a]) if a.ndim > 1 else a


def _format_array(a: np.ndarray, fmt: _Formatter, indent: int, summarize: bool, edge: int) -> str:
    if a.ndim == 0:
        return fmt.format_plain(a.item())
    long = summarize and a.shape[0] > 2 * edge
    if a.ndim == 1:  # only the printed elements are formatted (a 2,000,000-element repr took seconds)
        if long:
            items = [fmt.format(x) for x in a[:edge]] + [" ..."] + [fmt.format(x) for x in a[a.shape[0] - edge :]]
        else:
            items = [fmt.format(x) for x in a]
        per_line = max(1, (_options["linewidth"] - indent) // (fmt.width + 2))
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    if long:
        head, tail = a[:edge], a[a.shape[0] - edge :]
        rows = [_format_array(x, fmt, indent + 1, summarize, edge) for x in head] + ["..."]
        rows += [_format_array(x, fmt, indent + 1, summarize, edge) for x in tail]
    else:
        rows = [_format_array(x, fmt, indent + 1, summarize, edge) for x in a]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(rows) + "]"


def tensor_repr(t) -> str:
    """The PyTorch-style string of a tensor, with dtype and grad annotations."""
    a = t._data
    prefix = "tensor("
    indent = len(prefix)
    summarize = a.size > _options["threshold"]
    edge = _options["edgeitems"]
    suffixes = []
    if a.size == 0 and a.ndim != 1:
        body = "[]"
        suffixes.append(f"size={tuple(a.shape)}")
    elif a.size == 0:
        body = "[]"
    elif summarize and edge == 0:  # torch prints no element at all, and the size instead
        body = "[...]"
        suffixes.append(f"size={tuple(a.shape)}")
    else:
        fmt = _Formatter(_summarized(a, edge) if summarize else a)
        body = _format_array(a, fmt, indent, summarize, edge)
    d = dt.from_numpy_dtype(a.dtype)
    implied = (dt.get_default_dtype(),) if a.size == 0 else (dt.get_default_dtype(), dt.int64, dt.bool_)
    if d not in implied:
        suffixes.append(f"dtype={d!r}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """``text`` closed with its ``dtype=``/``grad_fn=`` suffixes: each goes on a new line, indented,
    when it would take the last line past the line width (torch's rule and its line-length count)."""
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _options["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)
