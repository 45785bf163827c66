"""Run every benchmark family, print the Markdown tables and save a bar chart of the
time ratios to torch (the figure in docs/performance.md).

Usage: python benchmarks/run_all.py [--quick] [--plot docs/performance.png]
"""

import sys

from microtorch.benchmarks import FAMILIES, family_cases, format_table, run_cases


def main() -> None:
    quick = "--quick" in sys.argv
    plot = sys.argv[sys.argv.index("--plot") + 1] if "--plot" in sys.argv else None
    everything = []
    for family in FAMILIES:
        results = run_cases(family_cases(family, quick), quick)
        everything += results
        print(f"\n### {family}\n")
        print(format_table(results))
    if plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        rows = [r for r in everything if r.vs_torch is not None]
        fig, ax = plt.subplots(figsize=(11, 0.35 * len(rows) + 1.2))
        ax.barh([r.name for r in rows], [r.vs_torch for r in rows], color="tab:blue")
        ax.axvline(1.0, color="k", lw=1)
        ax.axvline(2.0, color="tab:red", lw=1, ls="--")
        ax.set_xlabel("microtorch time / torch time (lower is better)")
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=7)
        fig.tight_layout()
        fig.savefig(plot, dpi=110)
        print(f"\nsaved {plot}")


if __name__ == "__main__":
    main()
