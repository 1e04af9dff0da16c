"""Realizable dichotomies of a data set: Cover's count and their enumeration (the cells of
:mod:`dlmath.exact_erm`)."""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.optimize import linprog

from .._validate import as_float_array, check_int, check_real, check_size
from ..depth_bounds import MAX_BIT_WORK, binomial_prefix_sum

MAX_SUBSETS = 200_000  # default limit on the point subsets affine_dichotomies visits


def cover_count(D: int, n: int, *, max_work: float = MAX_BIT_WORK) -> int:
    """Number of dichotomies of ``D`` points in general position in :math:`\\mathbb R^n` that an
    affine hyperplane realizes: :math:`C(D, n+1) = 2\\sum_{i=0}^{n}\\binom{D-1}{i}` (Cover 1965).

    The two trivial dichotomies (all points on one side) are included. Huge arguments fail fast
    (see :func:`dlmath.depth_bounds.binomial_prefix_sum`).
    """
    D = check_int(D, "D", min_value=1)
    n = check_int(n, "n", min_value=0)
    return 2 * binomial_prefix_sum(D - 1, n, max_work=max_work)


def _affine_frame(X: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, W, Z)``: ``Z = (X - mean) @ W`` are coordinates in the affine hull of the rows."""
    mean = X.mean(axis=0)
    if X.shape[0] == 1:
        return mean, np.zeros((X.shape[1], 0)), np.zeros((1, 0))
    _, sv, Vt = np.linalg.svd(X - mean, full_matrices=False)
    rank = int(np.sum(sv > tol * max(1.0, sv[0])))
    W = Vt[:rank].T
    return mean, W, (X - mean) @ W


def affine_dichotomies(X, *, tol: float = 1e-9, max_subsets: int = MAX_SUBSETS) -> np.ndarray:
    """All dichotomies ``P+`` of the rows of ``X`` realizable by an affine hyperplane.

    Returns a boolean array of shape ``(N, D)``; row ``k`` marks the points with
    :math:`a\\cdot x + b > 0` for some :math:`(a, b)`; both trivial rows are included.

    Method: every non-trivial chamber of the central arrangement
    :math:`\\{\\theta: (x_j,1)\\cdot\\theta = 0\\}` in :math:`\\mathbb R^{n+1}` is a pointed cone
    (after restricting to the affine hull of the data), so it has an extreme ray, which lies on
    ``n`` of the hyperplanes: a hyperplane through ``n`` data points. We enumerate the hyperplanes
    through every ``n``-subset and give the points on them every side (``C(D, n) 2**n`` candidates
    in general position). For points in general position the result is exactly the realizable set,
    of size :func:`cover_count`; with degenerate data it may contain a few unrealizable rows, which
    is harmless for ERM (each cell program is then a restriction of realizable ones).

    The ``C(D, n)`` subsets are counted first: above ``max_subsets`` a ``ValueError`` is raised.
    """
    X = as_float_array(X, "X", ndim=(1, 2), min_size=1)
    if X.ndim == 1:
        X = X[:, None]
    tol = check_real(tol, "tol", low=0.0)
    max_subsets = check_int(max_subsets, "max_subsets", min_value=1)
    Z = _affine_frame(X, tol)[2]
    D, n = Z.shape
    check_size(math.comb(D, n), max_subsets, f"the number of {n}-point subsets of D={D} points",
               "a larger max_subsets")
    Xt = np.c_[Z, np.ones(D)]
    found = {np.zeros(D, bool).tobytes(), np.ones(D, bool).tobytes()}
    if n > 0:
        for S in itertools.combinations(range(D), n):
            _, sv, Vt = np.linalg.svd(Xt[list(S)])
            if sv[-1] <= tol * max(1.0, sv[0]):
                continue  # the n points do not span a hyperplane
            m = Xt @ Vt[-1]
            on = np.abs(m) <= tol * max(1.0, np.abs(m).max()) * 1e3
            idx = np.flatnonzero(on)
            base = m > 0
            for bits in itertools.product((False, True), repeat=idx.size):
                mask = base.copy()
                mask[idx] = bits
                found.add(mask.tobytes())
                found.add((~mask).tobytes())
    out = np.array([np.frombuffer(b, dtype=bool) for b in sorted(found)])
    return out


def is_strictly_separable(X, mask) -> bool:
    """Whether some affine :math:`(a,b)` has :math:`a\\cdot x_j+b>0` exactly on ``mask`` (an LP).

    Maximises the margin ``t`` of :math:`\\pm((x_j,1)\\cdot\\theta) \\ge t` over
    :math:`\\|\\theta\\|_\\infty\\le 1`; separable iff ``t > 0``.
    """
    X = as_float_array(X, "X", ndim=2, min_size=1)
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != (X.shape[0],):
        raise ValueError(f"mask must be a boolean array of shape ({X.shape[0]},), got {mask.shape}")
    D, n = X.shape
    sgn = np.where(mask, 1.0, -1.0)
    A = np.c_[-sgn[:, None] * np.c_[X, np.ones(D)], np.ones(D)]  # -s x.theta + t <= 0
    c = np.r_[np.zeros(n + 1), -1.0]
    res = linprog(c, A_ub=A, b_ub=np.zeros(D), bounds=[(-1, 1)] * (n + 1) + [(None, 1)], method="highs")
    return bool(res.status == 0 and -res.fun > 1e-9)
