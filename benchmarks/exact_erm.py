"""Exact ERM for depth-2 ReLU nets: realizable dichotomies (+ symmetry, + pruning) vs naive subsets.

The naive enumeration of the paper's Algorithm 1 tries every subset of the data for every hidden
unit and every top-layer sign pattern: 2**w (2**D)**w convex programs. ``dlmath.exact_erm``
visits only the hyperplane-realizable dichotomies (Cover's count), unordered within blocks of
equal sign, and skips cells whose sign lower bound already exceeds the best loss. Both are exact.
The naive search is run in full at D = 4, 5 (timing; the optimum there is 0, a width-2 net
interpolates so few points) and, with the same sign-bound pruning, at D = 6, 7, 8 where the
optimum is positive: equal optima there show that restricting to realizable dichotomies loses
nothing. At larger D the naive count is reported and its time estimated per cell.

Writes benchmarks/results/exact_erm.json and prints the ratios. Run: python benchmarks/exact_erm.py
"""

from __future__ import annotations

import json
import time

import numpy as np
from _bench import write_results  # benchmarks/ is on sys.path when run as a script

from dlmath import exact_erm as ee

N_DIM, WIDTH = 2, 2
RUN_NAIVE = (4, 5)
RUN_NAIVE_PRUNED = (6, 7, 8)
SIZES = (4, 5, 6, 7, 8, 12, 16, 20)


def data(D: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(D, N_DIM))
    y = np.maximum(X @ [1.0, -1.0] + 0.2, 0) - np.maximum(X @ [0.5, 1.0] - 0.1, 0)
    return X, y + 0.3 * rng.normal(size=D)


def main() -> None:
    rows = []
    for D in SIZES:
        X, y = data(D)
        t = time.perf_counter()
        ours = ee.erm_depth2(X, y, WIDTH, loss="absolute")
        row = {
            "D": D,
            "n": N_DIM,
            "w": WIDTH,
            "dichotomies": ours.n_dichotomies,
            "cells_enumerated": ours.n_cells,
            "cells_solved": ours.n_solved,
            "seconds": time.perf_counter() - t,
            "loss": ours.loss,
            "naive_cells": ee.count_subproblems(D, N_DIM, WIDTH, method="naive"),
        }
        if D in RUN_NAIVE:
            t = time.perf_counter()
            naive = ee.erm_depth2(X, y, WIDTH, loss="absolute", method="naive", prune=False)
            row["naive_seconds"] = time.perf_counter() - t
            row["naive_loss"] = naive.loss
        else:
            full = [r for r in rows if r["D"] in RUN_NAIVE]
            per_cell = full[-1]["naive_seconds"] / full[-1]["naive_cells"]
            row["naive_seconds_estimated"] = per_cell * row["naive_cells"]
        if D in RUN_NAIVE_PRUNED:
            naive = ee.erm_depth2(X, y, WIDTH, loss="absolute", method="naive", prune=True)
            row["naive_pruned_solved"] = naive.n_solved
            row["naive_loss"] = naive.loss
        if "naive_loss" in row:
            assert abs(row["naive_loss"] - ours.loss) <= 1e-8, (D, row["naive_loss"], ours.loss)
        row["ratio_cells_naive_over_enumerated"] = row["naive_cells"] / row["cells_enumerated"]
        row["ratio_cells_naive_over_solved"] = row["naive_cells"] / row["cells_solved"]
        rows.append(row)
        naive_t = row.get("naive_seconds", row.get("naive_seconds_estimated"))
        print(
            f"D={D:3d}  dichotomies={row['dichotomies']:5d}  cells={row['cells_enumerated']:8d}  "
            f"solved={row['cells_solved']:6d}  naive={row['naive_cells']:.3e}  "
            f"naive/solved={row['ratio_cells_naive_over_solved']:.3e}  "
            f"time={row['seconds']:.2f}s  naive time={naive_t:.3e}s  loss={row['loss']:.6f}"
        )
    goal = next(r for r in rows if r["D"] == 20)
    summary = {
        "goal_D20_ratio_naive_over_solved": goal["ratio_cells_naive_over_solved"],
        "goal_D20_ratio_naive_over_enumerated": goal["ratio_cells_naive_over_enumerated"],
        "goal_met_10x": goal["ratio_cells_naive_over_enumerated"] >= 10,
        "optimum_equal_where_naive_run": all(
            abs(r["naive_loss"] - r["loss"]) <= 1e-8 for r in rows if "naive_loss" in r
        ),
    }
    print(json.dumps(summary, indent=1))
    write_results("exact_erm", {"rows": rows, "summary": summary})


if __name__ == "__main__":
    main()
