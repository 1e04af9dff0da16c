"""Exact piece/region counting (dlmath.relu_nets) against sampling-based references.

1-D: ``count_pieces_1d`` (PWL propagation, float64 and exact rationals) against the usual
numerical recipe, evaluating the net on a dense grid and counting slope changes of the finite
differences. On the k-fold tent map the truth is 2**k; the grid recipe needs about 2**k points per
unit length and gets the count wrong when pieces are narrower than its spacing.

2-D: ``count_regions_2d`` (exact polygon clipping) against counting distinct activation patterns on
a pixel grid (``grid_patterns_2d``), which misses thin regions.

Writes benchmarks/results/relu_nets.json and prints ratios. Run: python benchmarks/relu_nets.py
"""

from __future__ import annotations

import numpy as np
from _bench import timed, write_results  # benchmarks/ is on sys.path when run as a script

from dlmath import relu_nets as rn


def grid_pieces(net: rn.ReLUNet, lo: float, hi: float, n: int) -> int:
    """Reference: slope changes of finite differences on n grid points (relative tol 1e-6)."""
    x = np.linspace(lo, hi, n)
    slope = np.diff(net(x)) / np.diff(x)
    scale = max(1.0, float(np.max(np.abs(slope))))
    return 1 + int(np.count_nonzero(np.abs(np.diff(slope)) > 1e-6 * scale))


def main() -> None:
    one_d = []
    for k in (6, 10, 14, 18):
        net = rn.sawtooth_net(k)
        fl, t_fl = timed(lambda net=net: rn.count_pieces_1d(net, 0, 1, max_pieces=2**21))
        ex, t_ex = (None, None)
        if k <= 14:
            ex, t_ex = timed(lambda net=net: rn.count_pieces_1d(net, 0, 1, exact=True), repeat=1)
        grids = {}
        for n in (10_001, 1_000_001):
            g, t_g = timed(lambda net=net, n=n: grid_pieces(net, 0, 1, n))
            grids[n] = {"pieces": g, "seconds": t_g}
        row = {
            "k": k,
            "truth": 2**k,
            "float_pieces": fl,
            "float_seconds": t_fl,
            "exact_pieces": ex,
            "exact_seconds": t_ex,
            "grid": grids,
        }
        one_d.append(row)
        print(
            f"tent^{k}: truth {2**k}, dlmath float {fl} in {t_fl:.4f}s"
            + (f", exact {ex} in {t_ex:.3f}s" if ex is not None else "")
            + "".join(
                f", grid n={n}: {v['pieces']} in {v['seconds']:.4f}s"
                f" (time ratio grid/dlmath {v['seconds'] / t_fl:.1f})"
                for n, v in grids.items()
            )
        )

    two_d = []
    box = (-3.0, 3.0, -3.0, 3.0)
    rng = np.random.default_rng(0)
    for hidden in ((8,), (8, 8), (16, 16), (16, 16, 16)):
        net = rn.ReLUNet.random((2, *hidden, 1), rng)
        exact, t_exact = timed(lambda net=net: rn.count_regions_2d(net, box))
        grids = {}
        for res in (300, 1000):
            g, t_g = timed(lambda net=net, res=res: rn.count_regions_grid_2d(net, box, res), repeat=1)
            grids[res] = {"regions": g, "seconds": t_g}
        two_d.append({"hidden": hidden, "exact_regions": exact, "exact_seconds": t_exact, "grid": grids})
        print(
            f"2-D {hidden}: exact {exact} in {t_exact:.3f}s"
            + "".join(
                f", grid {r}^2: {v['regions']} in {v['seconds']:.3f}s (ratio {v['seconds'] / t_exact:.1f})"
                for r, v in grids.items()
            )
        )

    write_results("relu_nets", {"one_d": one_d, "two_d": two_d})


if __name__ == "__main__":
    main()
