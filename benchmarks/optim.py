"""Step time of dlmath.optim against torch.optim (foreach) on a 784-1000-1000-1000-784 autoencoder.

The network is the thesis's 3-hidden-layer ReLU autoencoder (3.57 M parameters), on CPU, with a
mini-batch of 100 random inputs. For each pair (dlmath optimizer, the torch.optim optimizer with
the closest conventions, ``foreach=True``) the script times

* ``step``: ``optimizer.step()`` alone, with fixed gradients (what the optimizers differ in);
* ``iteration``: zero_grad + forward + backward + step (what a training loop pays).

Repetitions of the two optimizers are interleaved; the ratio is taken between the fastest
repetitions (the least disturbed by other processes on a shared machine), with the ratio of the
medians recorded as well. Results go to ``benchmarks/results/optim.json``.
Goal: dlmath's step time at most 1.15x torch's.

Usage: ``python benchmarks/optim.py [--repeats 30] [--warmup 5] [--threads 1]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import torch
from _bench import write_results  # benchmarks/ is on sys.path when run as a script

import dlmath
from dlmath import optim as dop

WIDTHS = [784, 1000, 1000, 1000, 784]
BATCH = 100
GOAL = 1.15

PAIRS = {
    "adam_bias_corrected": (
        lambda p: dop.Adam(p, lr=1e-3, bias_correction=True),
        lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True),
    ),
    "adam_analysed": (
        lambda p: dop.Adam(p, lr=1e-3),
        lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True),
    ),
    "rmsprop_outside": (
        lambda p: dop.RMSProp(p, lr=1e-3, xi_placement="outside"),
        lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, foreach=True),
    ),
    "rmsprop_analysed": (
        lambda p: dop.RMSProp(p, lr=1e-3),
        lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, foreach=True),
    ),
    "nag_lookahead": (
        lambda p: dop.NAG(p, lr=1e-3, form="lookahead"),
        lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True, foreach=True),
    ),
}


def autoencoder() -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    for i, (a, b) in enumerate(zip(WIDTHS[:-1], WIDTHS[1:], strict=True)):
        layers.append(torch.nn.Linear(a, b))
        if i < len(WIDTHS) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_pair(make_ours, make_ref, x, repeats: int, warmup: int) -> dict[str, float]:
    torch.manual_seed(0)
    nets = [autoencoder(), autoencoder()]
    opts = [make_ours(list(nets[0].parameters())), make_ref(list(nets[1].parameters()))]

    def iteration(k: int) -> None:
        opts[k].zero_grad()
        ((nets[k](x) - x) ** 2).mean().backward()
        opts[k].step()

    for k in (0, 1):  # gradients for the step-only timings; warm up both
        for _ in range(warmup):
            iteration(k)
    times: dict[str, list[float]] = {"step": [[], []], "iteration": [[], []]}
    for _ in range(repeats):
        for k in (0, 1):
            times["step"][k].append(_timed(opts[k].step))
            times["iteration"][k].append(_timed(lambda k=k: iteration(k)))
    out = {}
    for what, (ours, ref) in times.items():
        # the minimum is the estimate least disturbed by other processes; medians for context
        out[f"{what}_ms_dlmath"] = 1e3 * min(ours)
        out[f"{what}_ms_torch"] = 1e3 * min(ref)
        out[f"{what}_ratio"] = min(ours) / min(ref)
        out[f"{what}_median_ratio"] = statistics.median(ours) / statistics.median(ref)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 keeps shared machines stable)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "optim.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    x = torch.rand(BATCH, WIDTHS[0], generator=torch.Generator().manual_seed(0))
    n_params = sum(p.numel() for p in autoencoder().parameters())
    results = {}
    print(f"autoencoder {WIDTHS}, {n_params:,} parameters, batch {BATCH}, CPU")
    print(
        f"{'pair':22s} {'step dlmath':>12s} {'step torch':>11s} {'ratio':>6s} "
        f"{'median ratio':>13s} {'iter ratio':>11s}"
    )
    for name, (ours, ref) in PAIRS.items():
        r = bench_pair(ours, ref, x, args.repeats, args.warmup)
        results[name] = r
        print(
            f"{name:22s} {r['step_ms_dlmath']:10.2f}ms {r['step_ms_torch']:9.2f}ms "
            f"{r['step_ratio']:6.3f} {r['step_median_ratio']:13.3f} {r['iteration_ratio']:11.3f}"
        )
    worst = max(r["step_ratio"] for r in results.values())
    print(f"worst step ratio {worst:.3f} (goal <= {GOAL})")
    payload = {
        "benchmark": "optim",
        "widths": WIDTHS,
        "batch": BATCH,
        "n_params": n_params,
        "repeats": args.repeats,
        "torch": torch.__version__,
        "dlmath": dlmath.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "goal_ratio": GOAL,
        "worst_step_ratio": worst,
        "meets_goal": worst <= GOAL,
        "results": results,
    }
    write_results("optim", payload, args.out)


if __name__ == "__main__":
    main()
