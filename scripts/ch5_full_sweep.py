"""Run Chapter 5's autoencoder study at paper scale and write one JSON file per run.

    python scripts/ch5_full_sweep.py                        # all local cores (joblib)
    python scripts/ch5_full_sweep.py --backend ray --address auto   # an existing Ray cluster
    python scripts/ch5_full_sweep.py --scale default --out /tmp/ae  # the book's small grid

The grid is :data:`dlmath.studies.ch5_autoencoders.STUDY_SCALES` (``full``: Fashion-MNIST, 60,000
training images, width 1000, 1/3/5 hidden layers, full batch on 10,000 images and mini-batches
of 100, 10,000 steps, seven learning rates per optimizer); the runs go through
:func:`dlmath.sweep.run_sweep`, so an interrupted sweep resumes where it stopped, and every run
goes to a GPU when its worker has one (with joblib all processes share the local GPU: on a
one-GPU machine ``--n-jobs 4`` keeps it busy without crowding it). By default the results land in
``chapters/05_adaptive_methods/results/ae_full/``, where the notebook
``03_autoencoders_vs_nag.ipynb`` plots them. The numbers are whatever the runs produce: commit
them as written, never edited.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dlmath.studies import ch5_autoencoders as ae_study

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "chapters" / "05_adaptive_methods" / "results" / "ae_full"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", choices=list(ae_study.STUDY_SCALES), default="full")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--backend", choices=["joblib", "ray", "serial"], default="joblib")
    p.add_argument("--n-jobs", type=int, default=-1, help="joblib processes (-1: all cores)")
    p.add_argument("--address", default=None, help="Ray cluster address (backend ray)")
    p.add_argument("--gpus-per-run", type=float, default=None, help="Ray GPUs per run")
    p.add_argument("--device", default=None, help="force cpu or cuda (default: auto per run)")
    args = p.parse_args(argv)
    kw = {"backend": args.backend, "n_jobs": args.n_jobs, "on_error": "warn"}
    if args.backend == "ray":
        kw.update(address=args.address, gpus_per_run=args.gpus_per_run)
    res = ae_study.run_study(args.scale, args.out, seeds=tuple(args.seeds), device=args.device, **kw)
    print({k: len(v) for k, v in res.items()}, "runs in", args.out)
    for row in ae_study.findings(res["main"]):
        print(f"{row['depth']} hidden, {row['regime']}: ADAM(0.99) < best NAG: "
              f"{row['adam099_beats_nag']}; NAG smaller gradient norm: {row['nag_smaller_grad']}")


if __name__ == "__main__":
    main()
