"""Benchmark: sim01 of the Neuro-Tron experiments, dlmath's batched simulator against a
per-setting loop, in CPU time, in two modes.

sim01: Gaussian inputs, n=100, r=25, k=10, b=16, eta=1e-4, beta=0.5, theta* in 7 values.

* ``shared``: Neuro-Tron and SGD, all 14 runs reading one data stream (common random numbers).
  :func:`dlmath.relu_gate.simulate_grid` (batched) against the same function with
  ``implementation="loop"`` (one setting, one algorithm, one sample at a time, written like the
  public code), reading the same random numbers: the final errors must agree up to rounding.
* ``independent``: like for like with the public code, every (setting, algorithm) pair with its
  own data, Neuro-Tron and the public code's SGD (first-sample derivative). dlmath runs one
  batched :func:`simulate_grid` per algorithm (``independent=True``); the reference is the
  public code itself, run as a separate process from a snapshot (``--public-code``: a folder
  holding ``neurotron.py`` and ``sim_setup.py``, or a git directory of the repository
  papamarkou/neurotron_experiments), or, without a snapshot, dlmath's faithful re-implementation
  of its per-setting loop (``implementation="loop"``). Streams differ, so the two agree only in
  distribution: we report Neuro-Tron's floors (RMS error over the last quarter) from both.

CPU time is user + system time of the process doing the work (``time.process_time`` in this
process, ``getrusage(RUSAGE_CHILDREN)`` for the public code), one BLAS thread each. In the
independent mode the time to draw the random numbers alone (NumPy's generator, the same counts
as the batched runs read) is reported too: it bounds the ratio that any simulator reading this
stream can reach.

Usage: ``python benchmarks/relu_gate.py [--iters 40000] [--modes shared independent]
[--public-code PATH]``; writes benchmarks/results/relu_gate.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _bench import write_results  # benchmarks/ is on sys.path when run as a script

from dlmath import relu_gate as rg
from dlmath.studies import ch3_poisoning as poisoning

_DRIVER = """
import sys
import numpy as np
sys.path.insert(0, {src!r})
import sim_setup
from neurotron import NeuroTron
cfg = sim_setup.sim01_setup
np.random.seed(cfg["seed"])
nt = NeuroTron(sample_data=cfg["sample_data"])
tron, sgd = nt.run(cfg["filterlist"], cfg["dlist"], cfg["boundlist"], cfg["betalist"],
                   cfg["etalist_tron"], cfg["blist"], cfg["width"], {iters},
                   etalist_sgd=cfg["etalist_sgd"], verbose=False)
np.save({out!r}, np.stack([tron, sgd]))
"""


def _sim01():
    rng = np.random.default_rng(1)
    net = rg.make_depth2_net(100, 25, 10, rng)
    return net, rng.standard_normal(25), poisoning.PAPER_SIMS[1]


def _cpu(fn):
    t0 = time.process_time()
    out = fn()
    return out, time.process_time() - t0


def shared_mode(iters: int) -> dict:
    net, w_star, cfg = _sim01()
    kw = dict(n_iter=iters, b=16, eta=cfg["eta"], betas=cfg["betas"], thetas=cfg["thetas"],
              algorithms=("tron", "sgd"), record_every=100, seed=1)  # fmt: skip
    fast, t_fast = _cpu(lambda: rg.simulate_grid(net, w_star, **kw))
    slow, t_slow = _cpu(lambda: rg.simulate_grid(net, w_star, implementation="loop", **kw))
    attacked = fast.thetas > 0
    diff = np.abs(np.log10(fast.errors[:, :, -1]) - np.log10(slow.errors[:, :, -1]))
    out = {
        "batched_cpu_s": round(t_fast, 3),
        "reference": "dlmath loop (same random numbers)",
        "reference_cpu_s": round(t_slow, 3),
        "speed_ratio": round(t_slow / t_fast, 1),
        "max_abs_diff_final_log10_error_attacked": float(diff[:, attacked].max()),
        "max_final_error_no_attack": float(max(fast.errors[:, ~attacked, -1].max(),
                                               slow.errors[:, ~attacked, -1].max())),
    }  # fmt: skip
    print(f"shared: batched {t_fast:.2f} s, loop {t_slow:.2f} s CPU: ratio {out['speed_ratio']}x; "
          f"final log10-errors agree to {out['max_abs_diff_final_log10_error_attacked']:.1e}")
    return out


def _floors(errors: np.ndarray) -> np.ndarray:
    """RMS error over the last quarter of each row (setting) of per-iteration errors."""
    m = max(1, errors.shape[-1] // 4)
    return np.sqrt(np.mean(errors[..., -m:] ** 2, axis=-1))


def _public_source(path: Path, into: Path) -> Path:
    """A folder with the public code's ``neurotron.py`` and ``sim_setup.py``."""
    files = ("neurotron.py", "sim_setup.py")
    if all((path / f).is_file() for f in files):
        return path
    for f in files:  # a git directory without a work tree
        text = subprocess.run(["git", f"--git-dir={path}", "show", f"HEAD:{f}"], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip
        (into / f).write_text(text)
    return into


def independent_mode(iters: int, public_code: Path | None) -> dict:
    net, w_star, cfg = _sim01()
    algs = ("tron", "sgd_first_sample")
    kw = dict(n_iter=iters, b=16, eta=cfg["eta"], betas=cfg["betas"], thetas=cfg["thetas"],
              independent=True, record_every=1)  # fmt: skip

    def batched():
        return [rg.simulate_grid(net, w_star, algorithms=a, seed=100 + i, **kw) for i, a in enumerate(algs)]

    fast, t_fast = _cpu(batched)
    fast_floor = _floors(fast[0].errors[0, :, 1:])

    def draws_only():  # the random numbers the batched runs read, drawn and discarded
        rng = np.random.default_rng(0)
        for _ in algs:
            for start in range(0, iters, 256):
                c = min(256, iters - start)
                rng.standard_normal((c, 7, 16, 100))
                rng.random((c, 7, 16))
                rng.uniform(-1.0, 1.0, (c, 7, 16))

    _, t_rng = _cpu(draws_only)
    if public_code is not None:
        with tempfile.TemporaryDirectory() as tmp:
            src = _public_source(public_code, Path(tmp))
            out_file = str(Path(tmp) / "errors.npy")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([sys.executable, "-c", _DRIVER.format(src=str(src), iters=iters, out=out_file)],
                           check=True, cwd=tmp, env=os.environ | {"OMP_NUM_THREADS": "1"})  # fmt: skip
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            t_slow = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            ref_floor = _floors(np.load(out_file)[0])
        reference = "the public code (papamarkou/neurotron_experiments), run side by side"
    else:
        def loop():
            return [rg.simulate_grid(net, w_star, algorithms=a, seed=100 + i, implementation="loop", **kw)
                    for i, a in enumerate(algs)]  # fmt: skip

        slow, t_slow = _cpu(loop)
        ref_floor = _floors(slow[0].errors[0, :, 1:])
        reference = "dlmath's re-implementation of the public per-setting loop"
    out = {
        "algorithms": list(algs),
        "batched_cpu_s": round(t_fast, 3),
        "reference": reference,
        "reference_cpu_s": round(t_slow, 3),
        "speed_ratio": round(t_slow / t_fast, 1),
        "random_numbers_cpu_s": round(t_rng, 3),
        "speed_ratio_bound_at_this_stream": round(t_slow / t_rng, 1),
        "tron_floor_batched": fast_floor.tolist(),
        "tron_floor_reference": ref_floor.tolist(),
    }
    print(f"independent: batched {t_fast:.2f} s, reference ({reference}) {t_slow:.2f} s CPU: "
          f"ratio {out['speed_ratio']}x; drawing the random numbers alone takes {t_rng:.2f} s "
          f"(ratio bound {out['speed_ratio_bound_at_this_stream']}x)")
    print("  Neuro-Tron floors, batched:   " + " ".join(f"{v:.2e}" for v in fast_floor))
    print("  Neuro-Tron floors, reference: " + " ".join(f"{v:.2e}" for v in ref_floor))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=40_000, help="iterations (paper: 40,000)")
    parser.add_argument("--modes", nargs="+", choices=["shared", "independent"],
                        default=["shared", "independent"])  # fmt: skip
    parser.add_argument("--public-code", type=Path, default=None,
                        help="snapshot of papamarkou/neurotron_experiments (folder or git dir)")
    args = parser.parse_args()
    out = {
        "benchmark": "sim01 (7 settings), batched simulator vs per-setting loop, CPU time",
        "iterations": args.iters,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
    }
    if "shared" in args.modes:
        out["shared"] = shared_mode(args.iters)
    if "independent" in args.modes:
        out["independent"] = independent_mode(args.iters, args.public_code)
    write_results("relu_gate", out)


if __name__ == "__main__":
    main()
