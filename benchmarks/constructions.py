"""Zonotope vertex enumeration (dlmath.constructions) against scipy.spatial.ConvexHull.

``zonotope_vertices`` builds the cells of the central hyperplane arrangement one generator at a
time, one HiGHS LP per candidate sign vector: about ``2 m V`` LPs for ``V = 2 Σ_{i<n} C(m−1, i)``
vertices, polynomial in ``m`` for fixed ``n``. The reference takes the convex hull of all ``2^m``
points ``Σ ±b_i`` (Qhull), exponential in ``m``. Both must return the same number of vertices
(which must equal the formula for Gaussian generators).

Measured (2 shared cores): the hull is faster up to about m = 18 in the plane and far faster in
higher dimension at these sizes; the LP method wins only where 2^m points become too many
(m = 20 in the plane). dlmath's method is the independent check and the source of interior
directions (``return_directions``), not the fast path for small m.

Writes benchmarks/results/constructions.json and prints ratios. Run: python benchmarks/constructions.py
"""

from __future__ import annotations

import itertools

import numpy as np
from _bench import timed, write_results  # benchmarks/ is on sys.path when run as a script
from scipy.spatial import ConvexHull

from dlmath import constructions as cn
from dlmath import depth_bounds as db


def hull_vertices(B: np.ndarray) -> int:
    pts = np.array(list(itertools.product([-1.0, 1.0], repeat=len(B)))) @ B
    return len(ConvexHull(pts).vertices)


def main() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for n, m in [(2, 8), (2, 14), (2, 18), (2, 20), (3, 8), (3, 12), (3, 16), (4, 8), (4, 12)]:
        B = rng.normal(size=(m, n))
        lp, t_lp = timed(lambda B=B: len(cn.zonotope_vertices(B)))
        hull, t_hull = timed(lambda B=B: hull_vertices(B))
        formula = db.zonotope_vertex_bound(n, m)
        assert lp == hull == formula, (n, m, lp, hull, formula)
        rows.append({"n": n, "m": m, "vertices": lp, "lp_seconds": t_lp, "hull_seconds": t_hull,
                     "hull_over_lp": t_hull / t_lp})
        print(f"n={n} m={m:2d}: {lp:4d} vertices; LP cells {t_lp:7.3f} s, ConvexHull of 2^m points "
              f"{t_hull:7.3f} s, ratio hull/LP {t_hull / t_lp:6.2f}")
    write_results("constructions", {"zonotope_vertices": rows})


if __name__ == "__main__":
    main()
