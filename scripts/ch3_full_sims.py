"""Run Chapter 3's eight Neuro-Tron simulations (sim01-sim08) at the paper's settings.

    python scripts/ch3_full_sims.py                              # all local cores (joblib)
    python scripts/ch3_full_sims.py --backend ray --address auto # an existing Ray cluster
    python scripts/ch3_full_sims.py --sims 1 5 --iters 5000      # a quick subset

Each simulation (7 settings x Neuro-Tron, SGD and SGD as in the public code, 40,000
iterations, filter r=25, width k=10, batch 16; :data:`dlmath.studies.ch3_poisoning.PAPER_SIMS`)
gives every (setting, algorithm) pair its own data stream, as the public code does, and is run
through :func:`dlmath.sweep.run_sweep` by :func:`dlmath.studies.ch3_poisoning.simulation`: one
JSON file per simulation with its settings (including the git commit of the code that ran it),
seed, versions and results (swept values, final errors, error floors, log10-error curves, final
cosines and norms), and an interrupted run resumes where it stopped. Results land in
``chapters/03_relu_gate/results/sims_full/`` by default; commit them as written, never edited.
The script refuses to run with uncommitted changes under ``dlmath/`` (the recorded commit
would not be the code that ran).
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path
from typing import Any

from dlmath.studies import ch3_poisoning as poisoning
from dlmath.sweep import run_sweep

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "chapters" / "03_relu_gate" / "results" / "sims_full"


def _commit() -> str:
    """The commit of HEAD; an error if ``dlmath/`` or this script has uncommitted changes."""
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "dlmath", "scripts"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout  # fmt: skip
    if dirty.strip():
        raise SystemExit(f"uncommitted changes under dlmath/ or scripts/:\n{dirty}")
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sims", type=int, nargs="+", default=list(poisoning.PAPER_SIMS))
    p.add_argument("--iters", type=int, default=40_000)
    p.add_argument("--record-every", type=int, default=100)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--backend", choices=["joblib", "ray", "serial"], default="joblib")
    p.add_argument("--n-jobs", type=int, default=-1)
    p.add_argument("--address", default=None, help="Ray cluster address (backend ray)")
    args = p.parse_args(argv)
    commit = _commit()
    settings = [{"sim": s, "n_iter": args.iters, "record_every": args.record_every, "seed": s,
                 "commit": commit} for s in args.sims]  # fmt: skip
    kw: dict[str, Any] = {"backend": args.backend, "n_jobs": args.n_jobs}
    if args.backend == "ray":
        kw["address"] = args.address
    for rec in run_sweep(poisoning.simulation, settings, args.out, **kw):
        s, r = rec["settings"], rec["result"]
        print(f"sim{s['sim']:02d} ({r['swept']} sweep): Neuro-Tron floors "
              + ", ".join("nan" if e is None else f"{e:.1e}" for e in r["tron"]["floor_rms_last_quarter"])
              + f"; {rec['elapsed_s']:.1f} s")


if __name__ == "__main__":
    main()
