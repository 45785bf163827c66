"""Text tables and plots of the harness's reports."""

from __future__ import annotations

import statistics

from .harness import CaseReport, MemoryReport, fmt_time

__all__ = ["format_header", "format_memory", "format_table", "plot_ratios", "plot_sweep"]


def _fmt_ratio(r: tuple[float, float, float] | None) -> str:
    return "-" if r is None else f"{r[0]:.2f}x ({r[1]:.2f}-{r[2]:.2f})"


def _fmt_load(loads: list[float]) -> str:
    return f"{max(loads):.0%}" if loads else "?"


def format_table(reports: list[CaseReport]) -> str:
    """A Markdown table: median times, median pair ratios (min-max) and the busiest other-process load."""
    lines = [
        "| case | microtorch | torch | numpy | microtorch/torch | microtorch/numpy | others' CPU | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        times = " | ".join(fmt_time(r.median(lib)) for lib in ("microtorch", "torch", "numpy"))
        lines.append(
            f"| {r.name} | {times} | {_fmt_ratio(r.ratio('torch'))} | {_fmt_ratio(r.ratio('numpy'))} | "
            f"{_fmt_load(r.other_load)} | {r.note} |"
        )
    return "\n".join(lines)


def format_header(settings, info: dict) -> str:
    """What was run and how: versions, threads, the removed variables and numpy's BLAS kernel."""
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    blas = "; ".join(
        f"{p['internal_api']} {p['version']} kernel {p['architecture']} ({p['num_threads']} threads)"
        for p in info["threadpools"]
        if p["user_api"] == "blas"
    )
    return "\n".join(
        [
            f"versions: {versions}",
            f"workers: one fresh process per (library, case, pair), {settings.pairs} pairs alternated A B / B A, "
            f"{settings.repeat} rounds of >= {settings.min_time * 1e3:.0f} ms after {settings.warmup:.2f} s warm-up",
            f"threads: {settings.threads} for every library (torch.set_num_threads, threadpoolctl, *_NUM_THREADS)",
            "environment: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in every worker (both libraries alike)",
            f"numpy BLAS in the workers: {blas or 'none found by threadpoolctl'}",
            f"busy warning above {settings.busy_threshold:.0%} of the CPUs used by other processes during a worker's rounds",
            "ratios: median of the per-pair ratios (min-max); lower is better, 1.00x is parity",
        ]
    )


def format_memory(reports: list[MemoryReport]) -> str:
    """A Markdown table of the peak RSS of one conv forward+backward, microtorch against torch."""
    lines = [
        "| shape | microtorch peak | torch peak | microtorch/torch | microtorch rise | torch rise |"
        " microtorch retained | torch retained |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def mib(values: list[int]) -> str:
        return f"{statistics.median(values) / 2**20:.1f} MiB" if values else "-"

    for r in reports:
        ratio = r.ratio("peak")
        cells = [mib(getattr(r, key).get(lib, [])) for key in ("peak",) for lib in ("microtorch", "torch")]
        cells.append("-" if ratio is None else f"{ratio:.2f}x")
        cells += [mib(getattr(r, key).get(lib, [])) for key in ("rise", "retained") for lib in ("microtorch", "torch")]
        lines.append(f"| {r.name} | {' | '.join(cells)} |")
    method = reports[0].method if reports else ""
    lines.append(
        f"\nmethod: {method}, medians of the samples; peak = VmHWM during the measured call minus VmRSS with the "
        "inputs built and one small call of the same op made (the library's one-time state); rise = the part above the RSS after two warm-up calls; retained = "
        "RSS kept after the warm-up calls (workspaces, freed blocks glibc keeps, the library's lazy state)"
    )
    return "\n".join(lines)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_ratios(reports: list[CaseReport], path: str) -> None:
    """A bar chart of the median microtorch/torch ratios with their min-max spread."""
    plt = _pyplot()
    rows = [(r.name, r.ratio("torch")) for r in reports if r.ratio("torch")]
    fig, ax = plt.subplots(figsize=(11, 0.35 * len(rows) + 1.2))
    med = [m for _, (m, _, _) in rows]
    err = [[m - lo for _, (m, lo, _) in rows], [hi - m for _, (m, _, hi) in rows]]
    ax.barh([n for n, _ in rows], med, xerr=err, color="tab:blue", capsize=2)
    ax.axvline(1.0, color="k", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("microtorch time / torch time, median of pairs (bars: min-max, log scale); lower is better")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_sweep(reports: list[CaseReport], path: str) -> None:
    """Time against size for each library, one panel per swept axis (log-log)."""
    plt = _pyplot()
    axes = list(dict.fromkeys(r.extra["axis"] for r in reports))
    fig, panels = plt.subplots(1, len(axes), figsize=(4.5 * len(axes), 3.6), squeeze=False)
    for ax, axis in zip(panels[0], axes):
        rows = [r for r in reports if r.extra["axis"] == axis]
        for lib in ("microtorch", "torch"):
            pts = [(r.extra["value"], r.median(lib)) for r in rows if r.median(lib)]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=lib)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(axis)
        ax.set_ylabel("seconds per fwd+bwd")
        ax.set_title(f"conv2d 3x3, {axis} swept")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
