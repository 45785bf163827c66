"""Convolution benchmarks (the issue's four shapes): time vs torch, GFLOP/s vs numpy matmul, peak memory.

Usage: python benchmarks/bench_conv.py [--quick]
"""

import sys

from microtorch.benchmarks import conv, format_table, run_cases

if __name__ == "__main__":
    quick = "--quick" in sys.argv
    results = run_cases(conv.cases(quick), quick)
    print(format_table(results))
    peak = conv.numpy_matmul_gflops()
    print(f"\nnumpy float32 1024x1024 matmul: {peak:.1f} GFLOP/s")
    print("| case | microtorch GFLOP/s | torch GFLOP/s | microtorch / numpy matmul |")
    print("|---|---|---|---|")
    for r in results:
        f = r.extra["flops"]
        t = f"{f / r.torch / 1e9:.1f}" if r.torch else "-"
        print(f"| {r.name} | {f / r.microtorch / 1e9:.1f} | {t} | {f / r.microtorch / 1e9 / peak:.2f} |")
    print("\n| shape | microtorch peak MiB (fwd+bwd) | torch peak MiB | ratio |")
    print("|---|---|---|---|")
    for name, dims, xs, ws, padding in conv.SHAPES[: 2 if quick else 4]:
        m, t = conv.peak_memory(dims, xs, ws, padding)
        ratio = f"{m / t:.2f}x" if t else "-"
        tm = f"{t / 2**20:.1f}" if t else "-"
        print(f"| {name} | {m / 2**20:.1f} | {tm} | {ratio} |")
