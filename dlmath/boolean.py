"""Boolean-input lower bounds for ReLU circuits (Mukherjee and Basu, arXiv:1711.03073; Chapter 2).

Small, exact objects behind the paper's three results (:prf:ref:`thm-ch2-boolean`):

* :func:`max3_depth3` and :func:`gradient_jump` (:prf:ref:`prop-ch2-max3`): :math:`\\max(0,x_1,x_2)`
  is a depth-3 net
  (:math:`\\sigma(x_1)+\\sigma(x_2-\\sigma(x_1))`) but not a Sum-of-ReLU function, because the
  jump of its gradient across the line :math:`x_1=0` is not constant along the line.
* :func:`random_relu_fit`: least-squares fits by sums of ReLUs with many random hyperplanes;
  :func:`relu_features_fit`: the same with given hyperplanes.
* :func:`andreev` and :func:`restriction_survival`: the Andreev function and the random
  restriction step of the size lower bound.
* :func:`sylvester_hadamard`, :func:`forster_bound`, :func:`sign_pattern_realizable`,
  :func:`sign_rank_upper_bound`: sign-rank lower (Forster) and upper (explicit) bounds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import linprog

from ._validate import as_float_array, check_callable, check_int, check_real, check_size

__all__ = [
    "max3",
    "max3_depth3",
    "gradient_jump",
    "random_relu_fit",
    "relu_features_fit",
    "andreev",
    "andreev_table",
    "restriction_survival",
    "sylvester_hadamard",
    "forster_bound",
    "sign_pattern_realizable",
    "sign_rank_upper_bound",
]


def _points(X) -> np.ndarray:
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns, got {X.shape[1]}")
    return X


def max3(X) -> np.ndarray:
    """:math:`\\max(0, x_1, x_2)` row by row."""
    X = _points(X)
    return np.maximum(0.0, X.max(axis=1))


def max3_depth3(X) -> np.ndarray:
    """The depth-3 ReLU net :math:`\\sigma(x_1)+\\sigma(x_2-\\sigma(x_1))` (two hidden layers;
    with :math:`x_2=\\sigma(x_2)-\\sigma(-x_2)` the first layer has 3 units, the second 2)."""
    X = _points(X)
    h1 = np.maximum(X @ np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -1.0]]), 0.0)  # s(x1), s(x2), s(-x2)
    h2 = np.maximum(h1 @ np.array([[1.0, -1.0], [0.0, 1.0], [0.0, -1.0]]), 0.0)  # s(x1), s(x2-s(x1))
    return h2.sum(axis=1)


def gradient_jump(f: Callable[[np.ndarray], np.ndarray], points, normal, h: float = 1e-4) -> np.ndarray:
    """Jump of the directional derivative of ``f`` across a line, at each of ``points``.

    :math:`J(p)=\\partial_\\nu^+ f(p)-\\partial_\\nu^- f(p)` by one-sided differences with step
    ``h`` along the unit normal :math:`\\nu`. For a Sum-of-ReLU function
    :math:`\\sum_i c_i\\sigma(w_i\\cdot x+b_i)` the jump across a line :math:`L` is
    :math:`\\sum_{i: \\{w_i\\cdot x+b_i=0\\}=L}c_i|w_i\\cdot\\nu|`: the same at every point of
    ``L`` away from other kinks.
    """
    check_callable(f, "f", "a callable taking an (m, d) array")
    P = as_float_array(points, "points", ndim=2)
    nu = as_float_array(normal, "normal", shape=(P.shape[1],))
    norm = np.linalg.norm(nu)
    if norm == 0:
        raise ValueError("normal must be a non-zero vector")
    nu = nu / norm
    h = check_real(h, "h", low=0.0, low_inclusive=False)
    f0 = f(P)
    return (f(P + h * nu) - f0) / h - (f0 - f(P - h * nu)) / h


def random_relu_fit(X, y, width: int, *, seed: int = 0) -> tuple[float, np.ndarray]:
    """Least-squares fit of ``y`` by :math:`c+\\sum_{i\\le m}c_i\\sigma(w_i\\cdot x+b_i)` with
    ``width`` random hyperplanes (directions uniform on the circle, offsets uniform in the range of
    :math:`w\\cdot x` on the data) plus an affine part. Returns (RMS error, residuals)."""
    X = _points(X)
    y = as_float_array(y, "y", ndim=1, shape=(X.shape[0],))
    width = check_int(width, "width", min_value=1, max_value=10**7)
    g = np.random.default_rng(check_int(seed, "seed", min_value=0))
    ang = g.uniform(0, 2 * np.pi, width)
    W = np.c_[np.cos(ang), np.sin(ang)]
    r = np.abs(X).max() * np.sqrt(2)
    b = g.uniform(-r, r, width)
    F = np.c_[np.maximum(X @ W.T + b, 0.0), X, np.ones(len(X))]
    coef, *_ = np.linalg.lstsq(F, y, rcond=None)
    res = F @ coef - y
    return float(np.sqrt(np.mean(res**2))), res


def relu_features_fit(X, y, W, b) -> tuple[float, np.ndarray]:
    """Least-squares fit of ``y`` by :math:`c+\\langle a,x\\rangle+\\sum_i c_i\\sigma(W_i\\cdot x+b_i)`
    with the given hyperplanes ``(W, b)`` (rows of ``W``): the best Sum-of-ReLU function with
    these kink lines, plus an affine part. A genuine Sum-of-ReLU target fitted with its own
    hyperplanes has zero error; :math:`\\max(0,x_1,x_2)` fitted with its kink lines does not
    (:prf:ref:`prop-ch2-max3`). Returns (RMS error, residuals)."""
    X = _points(X)
    y = as_float_array(y, "y", ndim=1, shape=(X.shape[0],))
    W = as_float_array(W, "W", ndim=2, shape=(None, 2))
    b = as_float_array(b, "b", ndim=1, shape=(W.shape[0],))
    F = np.c_[np.maximum(X @ W.T + b, 0.0), X, np.ones(len(X))]
    coef, *_ = np.linalg.lstsq(F, y, rcond=None)
    res = F @ coef - y
    return float(np.sqrt(np.mean(res**2))), res


def _bits(v, name: str) -> np.ndarray:
    """``v`` flattened to an int array, after checking that every entry is 0 or 1."""
    arr = as_float_array(v, name).ravel()
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must contain only bits 0 and 1")
    return arr.astype(int)


def andreev(x_table, y, block: int) -> int:
    """Andreev's function :math:`A(x,y)=x_{a}` with :math:`a=\\sum_i 2^i\\,\\oplus(y^{(i)})`.

    ``x_table`` has :math:`2^k` bits (a truth table of a function of ``k`` bits), ``y`` has
    ``k * block`` bits, cut into ``k`` blocks :math:`y^{(i)}` of ``block`` bits; :math:`\\oplus` is parity.
    """
    x = _bits(x_table, "x_table")
    yy = _bits(y, "y")
    block = check_int(block, "block", min_value=1)
    k = int(round(np.log2(x.size))) if x.size >= 2 else 0
    if k < 1 or x.size != 2**k:
        raise ValueError(f"x_table must have 2**k >= 2 entries, got {x.size}")
    if yy.size != k * block:
        raise ValueError(f"y must have k * block = {k * block} entries, got {yy.size}")
    bits = yy.reshape(k, block).sum(axis=1) % 2
    return int(x[int(bits @ (2 ** np.arange(k)))])


def andreev_table(k: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """All inputs (rows of 0/1, ``2**k + k*block`` columns) and the values of Andreev's function."""
    k = check_int(k, "k", min_value=1, max_value=3)
    block = check_int(block, "block", min_value=1, max_value=4)
    n = 2**k + k * block
    inputs = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    vals = np.array([andreev(r[: 2**k], r[2**k :], block) for r in inputs])
    return inputs, vals


def restriction_survival(k: int, block: int, p: float, trials: int, *, seed: int = 0) -> tuple[float, float]:
    """Probability that a random restriction (each ``y`` bit stays free with probability ``p``,
    else is fixed at random) leaves every one of the ``k`` blocks with a free bit: then, with ``x``
    fixed to any truth table, the restricted Andreev function still computes every function of
    ``k`` bits. Returns (Monte Carlo estimate, exact :math:`(1-(1-p)^{block})^k`)."""
    k = check_int(k, "k", min_value=1)
    block = check_int(block, "block", min_value=1)
    p = check_real(p, "p", low=0.0, high=1.0)
    trials = check_int(trials, "trials", min_value=1)
    check_size(trials * k * block, 10**8, "the random draws trials * k * block")
    g = np.random.default_rng(check_int(seed, "seed", min_value=0))
    free = g.random((trials, k, block)) < p
    return float(free.any(axis=2).all(axis=1).mean()), float((1 - (1 - p) ** block) ** k)


def sylvester_hadamard(k: int) -> np.ndarray:
    """The :math:`2^k\\times 2^k` Sylvester Hadamard matrix :math:`H_{xy}=(-1)^{\\langle x,y\\rangle}`."""
    k = check_int(k, "k", min_value=0, max_value=12)
    idx = np.arange(2**k)
    parity = np.array([bin(v).count("1") % 2 for v in range(2**k)])
    return 1.0 - 2.0 * parity[idx[:, None] & idx[None, :]]


def _sign_matrix(M) -> np.ndarray:
    M = as_float_array(M, "M", ndim=2, min_size=1)
    if not np.all(np.abs(M) == 1):
        raise ValueError("M must have entries +1 and -1 only")
    return M


def forster_bound(M) -> float:
    """Forster's lower bound on the sign-rank of an :math:`N\\times N'` sign matrix:
    :math:`\\sqrt{NN'}/\\|M\\|` (spectral norm); for square matrices :math:`N/\\|M\\|`."""
    M = _sign_matrix(M)
    return float(np.sqrt(M.shape[0] * M.shape[1]) / np.linalg.norm(M, 2))


def _fit_rows(U: np.ndarray, M: np.ndarray) -> np.ndarray | None:
    """For each column j an LP finds v with M_ij (U_i . v) >= 1, or None if one is infeasible."""
    V = np.zeros((M.shape[1], U.shape[1]))
    for j in range(M.shape[1]):
        res = linprog(
            np.zeros(U.shape[1]),
            A_ub=-M[:, j, None] * U,
            b_ub=-np.ones(M.shape[0]),
            bounds=[(None, None)] * U.shape[1],
            method="highs",
        )
        if res.status != 0:
            return None
        V[j] = res.x
    return V


def sign_pattern_realizable(M, U) -> np.ndarray | None:
    """Given row vectors ``U`` (``N x r``), find ``V`` with :math:`\\operatorname{sign}(UV^T)=M`
    (one LP per column), or return ``None``. A returned ``V`` certifies sign-rank :math:`\\le r`."""
    M = _sign_matrix(M)
    U = as_float_array(U, "U", ndim=2, shape=(M.shape[0], None))
    return _fit_rows(U, M)


MAX_LPS = 20_000  # default limit on the LPs sign_rank_upper_bound may need in the worst case


def sign_rank_upper_bound(
    M, *, tries: int = 20, seed: int = 0, max_lps: int = MAX_LPS
) -> tuple[int, np.ndarray, np.ndarray]:
    """Smallest ``r`` for which a heuristic finds :math:`U\\in\\mathbb R^{N\\times r}`,
    :math:`V` with :math:`\\operatorname{sign}(UV^T)=M` exactly: an upper bound on the sign-rank.

    For each ``r`` it tries the top-``r`` singular vectors of ``M`` and then ``tries`` random
    Gaussian ``U``; each candidate is checked by LPs (:func:`sign_pattern_realizable`). The
    returned factors satisfy ``np.sign(U @ V.T) == M``. The worst case,
    ``min(N, N') (tries + 1) N'`` LPs, is checked against ``max_lps`` first.
    """
    M = _sign_matrix(M)
    tries = check_int(tries, "tries", min_value=0)
    max_lps = check_int(max_lps, "max_lps", min_value=1)
    check_size(min(M.shape) * (tries + 1) * M.shape[1], max_lps,
               f"the worst-case LP count for a {M.shape[0]}x{M.shape[1]} matrix", "a larger max_lps")
    g = np.random.default_rng(check_int(seed, "seed", min_value=0))
    Us, s, _ = np.linalg.svd(M)
    for r in range(1, min(M.shape) + 1):
        candidates = [Us[:, :r] * s[:r]] + [g.normal(size=(M.shape[0], r)) for _ in range(tries)]
        for U in candidates:
            V = _fit_rows(U, M)
            if V is not None and np.array_equal(np.sign(U @ V.T), M):
                return r, U, V
    raise RuntimeError("no factorization found")  # pragma: no cover - r = rank(M) always works
