"""Benchmark: sim01 of the Neuro-Tron experiments, dlmath's batched simulator against a
per-setting loop, in CPU time, in two modes.

sim01: Gaussian inputs, n=100, r=25, k=10, b=16, eta=1e-4, beta=0.5, theta* in 7 values.

* ``shared``: Neuro-Tron and SGD, all 14 runs reading one data stream (common random numbers).
  :func:`dlmath.relu_gate.simulate_grid` (batched) against the same function with
  ``implementation="loop"`` (one setting, one algorithm, one sample at a time, written like the
  public code), reading the same random numbers: the final errors must agree up to rounding.
* ``independent``: like for like with the public code, every (setting, algorithm) pair with its
  own data, Neuro-Tron and the public code's SGD (first-sample derivative), errors recorded
  every iteration as the public code does. dlmath runs one batched :func:`simulate_grid`
  (``independent=True``: 14 stream rows); the reference is the public code itself (``--public-code``:
  a folder holding ``neurotron.py`` and ``sim_setup.py``, or a git directory of the repository
  papamarkou/neurotron_experiments), or, without a snapshot, dlmath's faithful re-implementation
  of its per-setting loop (``implementation="loop"``). Streams differ, so the two agree only in
  distribution: we report Neuro-Tron's floors (RMS error over the last quarter) from both.

CPU time is user + system time, one BLAS thread each. With a snapshot both sides run as whole
processes, one after the other (``getrusage(RUSAGE_CHILDREN)``: interpreter start, imports and
the run); the dlmath process runs ``--repeats`` times and its median is compared (the public
code, minutes long, runs once). The dlmath process also reports the CPU time of the simulation
alone and of its phases (drawing its random numbers; everything else: labels, the
per-iteration updates and the records). Two bounds are reported: the time to draw the random
numbers the public code reads (its inputs and coin flips, drawn in blocks from NumPy's float64
generator), which caps the ratio of any simulator that reads that stream, and the time of
dlmath's own draws (half as many numbers for these filters, Box-Muller in float32), which
caps dlmath's.

``generators`` times the Gaussian draws alone on one chunk's shape, in nanoseconds per number
delivered as float64: dlmath's ``normal_f32`` against ``torch.randn`` (the same transform;
float32, converted) and NumPy's ``standard_normal`` (float64, and float32 converted).

Usage: ``python benchmarks/relu_gate.py [--iters 40000] [--shared-iters N] [--repeats 5]
[--modes shared independent generators] [--public-code PATH]``; writes
benchmarks/results/relu_gate.json.
"""

from __future__ import annotations

import argparse
import json
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


_DLMATH_DRIVER = """
import json, sys, time
t_start = time.process_time()
import numpy as np
from dlmath import relu_gate as rg
rng = np.random.default_rng(1)  # as _sim01
net = rg.make_depth2_net(100, 25, 10, rng)
w_star = rng.standard_normal(25)
kw = {kw!r}
t_import = time.process_time() - t_start
t0 = time.process_time()
res = rg.simulate_grid(net, w_star, **kw)
t_sim = time.process_time() - t0
e = res.errors[0, :, 1:]
floor = np.sqrt(np.mean(e[:, -max(1, e.shape[-1] // 4):] ** 2, axis=-1))
json.dump(dict(import_cpu_s=t_import, simulate_cpu_s=t_sim, tron_floor=floor.tolist()),
          open({out!r}, "w"))
"""


def _independent_kw(cfg: dict, iters: int) -> dict:
    """The sim01 call of the independent mode: both algorithms, every pair its own stream."""
    return dict(n_iter=iters, b=16, eta=cfg["eta"], betas=cfg["betas"], thetas=cfg["thetas"],
                algorithms=("tron", "sgd_first_sample"), independent=True, record_every=1,
                seed=100)  # fmt: skip


def _child_cpu(args: list[str], cwd: str) -> float:
    """User + system CPU seconds of one child process run to completion, one BLAS thread."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, check=True, cwd=cwd, env=os.environ | {"OMP_NUM_THREADS": "1",
                   "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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


def _public_draws(iters: int) -> float:
    """CPU seconds to draw the random numbers the public code reads for sim01 (per setting and
    iteration, a 16 x 100 input batch and 16 coin flips for each of its two algorithms), in
    blocks of 256 iterations from NumPy's float64 generator."""
    rng = np.random.default_rng(0)
    t0 = time.process_time()
    for start in range(0, iters, 256):
        c = min(256, iters - start)
        rng.standard_normal((c, 14, 16, 100))
        rng.random((c, 14, 16))
    return time.process_time() - t0


def _dlmath_spec(net, w_star, kw: dict):
    """The validated settings of dlmath's sim01 call ``kw`` and its coordinates per input."""
    from dlmath.relu_gate import _simulate, _stream

    spec = _simulate._grid_spec(net, w_star, dist="normal", attack="alternating",
                                dist_kw=dict(scale=1.0, df=4.0, shift=1.0), w0=None,
                                direction=None, **kw)  # fmt: skip
    Q = _stream.input_basis(spec)
    return spec, net.n if Q is None else Q.shape[1]


def _dlmath_draws(net, w_star, kw: dict) -> tuple[float, int]:
    """CPU seconds to draw dlmath's stream for ``kw`` alone, and its coordinates per input."""
    from dlmath.relu_gate import _stream

    spec, m = _dlmath_spec(net, w_star, kw)
    t0 = time.process_time()
    for _ in _stream.stream(spec, m):
        pass
    return time.process_time() - t0, m


def generators(iters: int = 2000) -> dict:
    """Nanoseconds per Gaussian number (delivered as float64) on the chunks of sim01's stream,
    ``iters`` iterations' worth, best of 3: dlmath's ``normal_f32`` against ``torch.randn``
    (float32, converted) and NumPy's ``standard_normal`` (float64; float32, converted)."""
    import torch

    from dlmath.relu_gate import _stream

    net, w_star, cfg = _sim01()
    spec, m = _dlmath_spec(net, w_star, _independent_kw(cfg, iters))
    c = _stream.chunk_length(spec, m)
    shape, blocks = (c, spec.S_x, spec.b, m), max(1, iters // c)
    rng = np.random.Generator(np.random.SFC64(0))
    gen = torch.Generator().manual_seed(0)
    draw = {
        "dlmath normal_f32 (Box-Muller, float32)": lambda: _stream.normal_f32(rng, shape),
        "torch.randn (float32, converted)": lambda: torch.randn(shape, generator=gen).numpy()
        .astype(np.float64),
        "numpy standard_normal (float64)": lambda: rng.standard_normal(shape),
        "numpy standard_normal (float32, converted)": lambda: rng.standard_normal(
            shape, dtype=np.float32).astype(np.float64),
    }  # fmt: skip
    out = {}
    for name, fn in draw.items():
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            for _ in range(blocks):
                fn()
            best = min(best, time.process_time() - t0)
        out[name] = round(best / (blocks * np.prod(shape)) * 1e9, 2)
    print("Gaussian draws, ns per number: " + "; ".join(f"{k} {v}" for k, v in out.items()))
    return {"chunk_shape": list(shape), "ns_per_number": out}


def independent_mode(iters: int, public_code: Path | None, repeats: int = 5) -> dict:
    net, w_star, cfg = _sim01()
    kw = _independent_kw(cfg, iters)
    t_public_rng = _public_draws(iters)
    t_rng, coords = _dlmath_draws(net, w_star, kw)
    if public_code is not None:
        with tempfile.TemporaryDirectory() as tmp:
            src = _public_source(public_code, Path(tmp))
            out_file, dl_file = str(Path(tmp) / "errors.npy"), str(Path(tmp) / "dlmath.json")
            driver = _DLMATH_DRIVER.format(kw=kw, out=dl_file)
            runs = []
            for _ in range(repeats):
                t = _child_cpu([sys.executable, "-c", driver], tmp)
                runs.append((t, json.loads(Path(dl_file).read_text())))
            runs.sort(key=lambda run: run[0])
            t_fast, dl = runs[len(runs) // 2]  # the median run, with its phases
            process_runs = [round(t, 3) for t, _ in runs]
            t_slow = _child_cpu([sys.executable, "-c", _DRIVER.format(src=str(src), iters=iters,
                                                                    out=out_file)], tmp)  # fmt: skip
            ref_floor = _floors(np.load(out_file)[0])
        fast_floor = np.array(dl["tron_floor"])
        reference = "the public code (papamarkou/neurotron_experiments), run side by side"
        t_sim = dl["simulate_cpu_s"]
    else:
        fast, t_fast = _cpu(lambda: rg.simulate_grid(net, w_star, **kw))
        t_sim = t_fast
        fast_floor = _floors(fast.errors[0, :, 1:])
        slow, t_slow = _cpu(lambda: rg.simulate_grid(net, w_star, implementation="loop", **kw))
        ref_floor = _floors(slow.errors[0, :, 1:])
        reference = "dlmath's re-implementation of the public per-setting loop"
        dl, process_runs = {}, [round(t_fast, 3)]
    out = {
        "algorithms": list(kw["algorithms"]),
        "dlmath_process_cpu_s": round(t_fast, 3),
        "dlmath_process_cpu_s_runs": process_runs,
        "dlmath_simulation_cpu_s": round(t_sim, 3),
        "dlmath_phases_cpu_s": {
            "imports_and_setup": round(dl.get("import_cpu_s", float("nan")), 3),
            "random_numbers": round(t_rng, 3),
            "labels_updates_records": round(t_sim - t_rng, 3),
        },
        "dlmath_input_coordinates_per_sample": coords,
        "reference": reference,
        "reference_cpu_s": round(t_slow, 3),
        "speed_ratio_whole_process": round(t_slow / t_fast, 1),
        "speed_ratio_simulation": round(t_slow / t_sim, 1),
        "public_stream_numpy_float64_cpu_s": round(t_public_rng, 3),
        "speed_ratio_bound_public_stream": round(t_slow / t_public_rng, 1),
        "speed_ratio_bound_dlmath_stream": round(t_slow / t_rng, 1),
        "tron_floor_batched": fast_floor.tolist(),
        "tron_floor_reference": ref_floor.tolist(),
    }
    print(f"independent: dlmath {t_fast:.2f} s CPU as a process ({t_sim:.2f} s simulating, of "
          f"which {t_rng:.2f} s drawing), reference ({reference}) {t_slow:.2f} s: ratio "
          f"{out['speed_ratio_whole_process']}x whole process, {out['speed_ratio_simulation']}x "
          f"simulation; drawing the public code's numbers alone takes {t_public_rng:.2f} s "
          f"(bound {out['speed_ratio_bound_public_stream']}x), dlmath's "
          f"{out['speed_ratio_bound_dlmath_stream']}x")
    print("  Neuro-Tron floors, batched:   " + " ".join(f"{v:.2e}" for v in fast_floor))
    print("  Neuro-Tron floors, reference: " + " ".join(f"{v:.2e}" for v in ref_floor))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=40_000, help="iterations (paper: 40,000)")
    parser.add_argument("--shared-iters", type=int, default=None,
                        help="iterations of the shared mode (default: --iters; its loop is slow)")
    parser.add_argument("--modes", nargs="+", choices=["shared", "independent", "generators"],
                        default=["shared", "independent", "generators"])  # fmt: skip
    parser.add_argument("--repeats", type=int, default=5,
                        help="runs of the dlmath process (its median is compared)")  # fmt: skip
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
        out["shared_iterations"] = args.shared_iters or args.iters
        out["shared"] = shared_mode(out["shared_iterations"])
    if "independent" in args.modes:
        out["independent"] = independent_mode(args.iters, args.public_code, args.repeats)
    if "generators" in args.modes:
        out["generators"] = generators()
    write_results("relu_gate", out)


if __name__ == "__main__":
    main()
