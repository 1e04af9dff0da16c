"""Run Chapter 5's evidence scale (``mid``) and write one JSON file per run.

    python scripts/ch5_mid_sweep.py                  # the committed slice, one process
    python scripts/ch5_mid_sweep.py --slices all     # every slice of MID_GRID
    python scripts/ch5_mid_sweep.py --slices 3       # one slice of MID_GRID, by index
    python scripts/ch5_mid_sweep.py --n-jobs 4       # joblib, four processes

The design is :data:`dlmath.studies.ch5_evidence.MID_GRID`; each slice runs in two stages
(:func:`dlmath.studies.ch5_evidence.mid_settings`): every learning rate with seed 0, then
the other seeds at each optimizer's stage-1 optimum and its two neighbours. ``--middle-out``
runs stage 1 from the middle of every grid outwards, alternating configs, so that a slice
that is cut short (full batch on a CPU) still has the centre of each grid. The slices of
:data:`dlmath.studies.ch5_evidence.BEST_ONLY` (the depth slices) run stage 2 at the stage-1
optima only, as the committed records were run and as the notebook reads them;
``--best-only`` names other slices for that. Everything goes
through :func:`dlmath.sweep.run_sweep`, so an interrupted sweep resumes where it stopped.
Results land in ``chapters/05_adaptive_methods/results/ae_mid/``, where
``03_autoencoders_vs_nag.ipynb`` plots them; commit them as written, never edited. Commit
the code first: each record stores the git commit that ran it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dlmath.studies import ch5_autoencoders as aes
from dlmath.studies import ch5_evidence as ev
from dlmath.sweep import run_sweep

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "chapters" / "05_adaptive_methods" / "results" / "ae_mid"


def slice_dir(out: Path, slice_: tuple) -> Path:
    return out / ev.slice_name(slice_)


def middle_out(settings: list[dict]) -> list[dict]:
    """Stage-1 settings reordered: grid index 2, 1, 3, 0, 4 (of five), configs alternating."""
    by_cfg: dict[str, list[dict]] = {}
    for s in settings:
        by_cfg.setdefault(aes.config_label(s), []).append(s)
    rank = {}
    for runs in by_cfg.values():
        mid = (len(runs) - 1) / 2
        for i, s in enumerate(sorted(runs, key=lambda r: r["lr"])):
            rank[id(s)] = (abs(i - mid), i)
    return sorted(settings, key=lambda s: rank[id(s)])


def run_slice(slice_: tuple, out: Path, *, order_middle_out: bool = False,
              best_only: bool | None = None, **kw) -> list[dict]:
    """Both stages of one slice (``best_only``: see
    :func:`~dlmath.studies.ch5_evidence.mid_settings`); returns all its records."""
    d = slice_dir(out, slice_)
    stage1 = ev.mid_settings(1, slice_)
    if order_middle_out:
        stage1 = middle_out(stage1)
    recs = run_sweep(ev.run_mid_experiment, stage1, d, **kw)
    by = ev.group_records(recs)
    best = {aes.config_label(opt): ev.interior_optimum(by[aes.config_label(opt)], lrs)["lr"]
            for opt, lrs in ev.MID_CONFIGS[: slice_[2]]}
    stage2 = ev.mid_settings(2, slice_, best_lr=best, best_only=best_only)
    return run_sweep(ev.run_mid_experiment, stage2, d, **kw)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--slices", default="first",
                   help="'first', 'all', or comma-separated indices into MID_GRID['slices']")
    p.add_argument("--middle-out", action="store_true",
                   help="stage 1 from the middle of each grid outwards")
    p.add_argument("--best-only", default=None,
                   help="comma-separated slice indices whose stage 2 runs the other seeds "
                        "at the stage-1 optimum only (default: the design's BEST_ONLY; "
                        "'' for none)")
    p.add_argument("--n-jobs", type=int, default=1, help="joblib processes (1: serial)")
    args = p.parse_args(argv)
    kw = {"backend": "serial" if args.n_jobs == 1 else "joblib", "n_jobs": args.n_jobs,
          "on_error": "warn"}
    grid = list(ev.MID_GRID["slices"])
    if args.slices == "first":
        slices = [ev.SLICE]
    elif args.slices == "all":
        slices = grid
    else:
        slices = [grid[int(i)] for i in args.slices.split(",")]
    chosen = (None if args.best_only is None
              else [grid[int(i)] for i in args.best_only.split(",") if i])
    for s in slices:
        t0 = time.perf_counter()
        recs = run_slice(tuple(s), args.out, order_middle_out=args.middle_out,
                         best_only=None if chosen is None else tuple(s) in chosen, **kw)
        print(f"slice {s}: {len(recs)} records, {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
