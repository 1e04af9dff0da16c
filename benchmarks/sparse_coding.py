"""Batched Monte Carlo estimators of dlmath.sparse_coding against direct dense computations.

Support recovery: :func:`dlmath.sparse_coding.support_recovery` forms :math:`G=WA^*` once per
dictionary and gathers :math:`K` of its columns per sample (:math:`O(hK)` per sample) when
there are more samples than units, and otherwise computes :math:`Wy` directly; the reference
always forms the observations :math:`y=A^*x^*` and the pre-activations :math:`Wy` densely
(:math:`O(hn)` per sample) with NumPy. Both must give identical counts.

Expected gradient: stratified sampling against the plain average of unconditional samples of
the same total size; the ratio of their standard errors is the sample-size gain.

Writes benchmarks/results/sparse_coding.json. Run: python benchmarks/sparse_coding.py
"""

from __future__ import annotations

import numpy as np
from _bench import timed, write_results  # benchmarks/ is on sys.path when run as a script

from dlmath import sparse_coding as sc


def dense_counts(Ws, As, codes, eps) -> list[int]:
    out = []
    for W, A, c in zip(Ws, As, codes, strict=True):
        Y = sc.encode(A, c)
        out.append(int(np.all((Y @ W.T - eps > 0) == c.mask(), axis=1).sum()))
    return out


def plain_gradient_se(W, A, eps, i, n, rng, p) -> tuple[np.ndarray, float]:
    """Unconditional Monte Carlo: mean gradient of row i and its standard error."""
    Y = sc.encode(A, sc.sample_codes(A.shape[1], n, rng, p=p))
    Z = Y @ W.T - eps
    act = np.maximum(Z, 0)
    R = Y - act @ W
    g = -(act[:, i : i + 1] * R + ((Z[:, i] > 0) * (R @ W[i]))[:, None] * Y)
    return g.mean(0), float(np.sqrt(g.var(0, ddof=1).sum() / n))


def main() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for h, N in ((512, 2000), (1024, 2000), (2048, 2000), (512, 20_000), (1024, 20_000)):
        n, D = h // 4, 3
        As = np.stack([sc.make_dictionary(n, h, rng) for _ in range(D)])
        Ws = np.stack([sc.perturb_rows(A, 0.1, rng) for A in As])
        codes = [sc.sample_codes(h, N, rng, p=0.15) for _ in range(D)]
        eps = sc.bias_rule(sc.coherence(As[0]), 0.1, h**0.15, 1.5, c=0.5)
        r, t_b = timed(lambda Ws=Ws, As=As, codes=codes, eps=eps: sc.support_recovery(Ws, As, codes, eps))
        ref, t_d = timed(lambda Ws=Ws, As=As, codes=codes, eps=eps: dense_counts(Ws, As, codes, eps))
        assert r.successes.tolist() == ref, (r.successes, ref)
        rows.append(
            {
                "h": h,
                "n": n,
                "dictionaries": D,
                "samples": N,
                "batched_s": t_b,
                "dense_s": t_d,
                "ratio": t_d / t_b,
                "counts_equal": True,
            }
        )
        print(
            f"support recovery h={h}, N={N}: batched {t_b:.3f}s, dense {t_d:.3f}s, "
            f"ratio {t_d / t_b:.1f}, counts {ref}"
        )
    h, N = 1024, 2000
    A = sc.make_dictionary(h // 4, h, rng)
    eps = sc.bias_rule(sc.coherence(A), 0.0, h**0.15, 1.5, c=0.5)
    strat = sc.expected_gradient(A.T, A, eps, [0], n_samples=N, rng=rng, p=0.15)
    _, se_plain = plain_gradient_se(A.T, A, eps, 0, 2 * N, rng, 0.15)
    gain = (se_plain / strat.floor[0]) ** 2
    print(
        f"expected gradient h={h}: stratified s.e. {strat.floor[0]:.2e} with 2x{N} codes, "
        f"plain s.e. {se_plain:.2e} with {2 * N}; sample-size gain {gain:.0f} "
        f"(1/(2q) = {1 / (2 * strat.q):.0f})"
    )
    write_results(
        "sparse_coding",
        {
            "support_recovery": rows,
            "expected_gradient": {
                "h": h,
                "codes": 2 * N,
                "stratified_se": strat.floor[0],
                "plain_se": se_plain,
                "sample_size_gain": gain,
                "one_over_2q": 1 / (2 * strat.q),
            },
        },
    )


if __name__ == "__main__":
    main()
