"""Benchmark: sim01 of the Neuro-Tron experiments, batched simulator vs the per-setting loop.

sim01 (Gaussian inputs, n=100, r=25, k=10, b=16, eta=1e-4, beta=0.5, theta* in 7 values, Neuro-Tron
and SGD) is run by :func:`dlmath.relu_gate.simulate_grid` (all 14 runs advance in one batched update per
iteration) and by the same function with ``implementation="loop"`` (one setting, one algorithm, one
sample at a time, written like the public reference code). Both read the same random numbers, so the final
errors agree up to rounding; we report the speed ratio and the largest difference in final
log10-error (separately for the no-attack setting, whose error sits at the rounding level).

Usage: ``python benchmarks/relu_gate.py [--iters 40000] [--skip-reference]``; writes
benchmarks/results/relu_gate.json (relu_gate_batched_only.json with ``--skip-reference``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from _bench import write_results  # benchmarks/ is on sys.path when run as a script

from dlmath import relu_gate as rg
from dlmath.studies import ch3_poisoning as poisoning


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=40_000, help="iterations (paper: 40,000)")
    parser.add_argument("--skip-reference", action="store_true", help="time the batched simulator only")
    args = parser.parse_args()

    cfg = poisoning.PAPER_SIMS[1]
    rng = np.random.default_rng(1)
    net = rg.make_depth2_net(cfg["n"], 25, 10, rng)
    w_star = rng.standard_normal(25)
    kw = dict(n_iter=args.iters, b=16, eta=cfg["eta"], betas=cfg["betas"], thetas=cfg["thetas"],
              algorithms=("tron", "sgd"), record_every=100, seed=1)  # fmt: skip

    t0 = time.perf_counter()
    fast = rg.simulate_grid(net, w_star, **kw)
    t_fast = time.perf_counter() - t0
    print(f"batched simulator: {t_fast:.2f} s for 7 settings x {args.iters} iterations x 2 algorithms")
    out = {
        "benchmark": "sim01 (7 settings x 2 algorithms), batched sweep vs per-setting per-sample loop",
        "iterations": args.iters,
        "batched_seconds": round(t_fast, 3),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "final_errors_batched": {a: fast.errors[i, :, -1].tolist() for i, a in enumerate(fast.algorithms)},
    }
    if not args.skip_reference:
        t0 = time.perf_counter()
        slow = rg.simulate_grid(net, w_star, implementation="loop", **kw)
        t_slow = time.perf_counter() - t0
        log_fast = np.log10(fast.errors[:, :, -1])
        log_slow = np.log10(slow.errors[:, :, -1])
        attacked = fast.thetas > 0
        out.update(
            reference_seconds=round(t_slow, 3),
            speed_ratio=round(t_slow / t_fast, 1),
            max_abs_diff_final_log10_error_attacked=float(np.abs(log_fast - log_slow)[:, attacked].max()),
            max_abs_diff_final_log10_error_no_attack=float(np.abs(log_fast - log_slow)[:, ~attacked].max()),
            max_final_error_no_attack=float(max(fast.errors[:, ~attacked, -1].max(),
                                                slow.errors[:, ~attacked, -1].max())),
        )  # fmt: skip
        print(f"reference loop: {t_slow:.2f} s; speed ratio {t_slow / t_fast:.1f}x")
        print(f"largest |difference| in final log10-error: attacked settings "
              f"{out['max_abs_diff_final_log10_error_attacked']:.2e}, no attack "
              f"{out['max_abs_diff_final_log10_error_no_attack']:.2e} (errors there "
              f"<= {out['max_final_error_no_attack']:.1e}, rounding level)")  # fmt: skip
    write_results("relu_gate_batched_only" if args.skip_reference else "relu_gate", out)


if __name__ == "__main__":
    main()
