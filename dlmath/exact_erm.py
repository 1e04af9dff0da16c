"""Exact empirical risk minimisation for depth-2 ReLU networks (Chapter 2).

:prf:ref:`thm-ch2-exact-erm` and :prf:ref:`alg-ch2-exact-erm` (Arora et al. 2018, Thm 4.1, Alg. 1).

The class searched is the one of Arora, Basu, Mianjy and Mukherjee (ICLR 2018, Def. 1): one
hidden layer of width ``w``, a *linear* output layer (no output bias unless ``bias=True``).
Positive homogeneity of the ReLU rewrites every such net as

.. math:: f(x) = \\sum_{i=1}^{w} s_i\\,\\sigma(\\tilde a_i\\cdot x + \\tilde b_i),
          \\qquad s_i\\in\\{-1,+1\\},

so that, once the top signs ``s`` and the set of data points on which each unit is active are
fixed, the loss is a convex function of :math:`(\\tilde a_i, \\tilde b_i)` under linear
constraints. The global optimum is the best of these convex programs over

* the sign patterns ``s`` (up to permutation of the units: ``w + 1`` of them, not ``2**w``);
* the tuples of *realizable* dichotomies of the data (Cover's count
  :math:`2\\sum_{i=0}^{n}\\binom{D-1}{i}` for ``D`` points in general position in
  :math:`\\mathbb R^n`), unordered within a block of equal signs.

Absolute loss: one HiGHS LP per cell (``scipy.optimize.linprog``), status checked. Squared loss:
one certified cone least-squares solve per cell (:mod:`dlmath.cone_lsq`: the cell's cone written
by its extreme rays, a finite non-negative least squares solve, a KKT certificate; no weight box).
``erm_milp_absolute`` is an independent mixed-integer formulation (``scipy.optimize.milp``) used
to verify the enumeration on small data.
``erm_pwl_1d`` is the one-dimensional algorithm of the paper's Appendix C: breakpoint intervals
times slope-order signs, over continuous PWL functions with a given number of pieces.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from ._validate import as_float_array, check_bool, check_choice, check_int, check_real, check_size, check_xy
from .cone_lsq import arrangement_rays, cone_lsq, lsq_over_generators, rays_in_cone
from .config import progress
from .depth_bounds import MAX_BIT_WORK, MAX_INT_BITS, binomial_prefix_sum
from .relu_nets import PWL1D, ReLUNet  # PWL1D: the package's one PWL-function type

__all__ = [
    "LOSSES",
    "cover_count",
    "affine_dichotomies",
    "is_strictly_separable",
    "TwoLayerReLU",
    "ERMResult",
    "erm_depth2",
    "count_subproblems",
    "erm_milp_absolute",
    "erm_pwl_1d",
    "gd_restarts",
]

LOSSES = ("absolute", "squared")
MAX_CELLS = 10**6  # default limit on the cell programs of erm_depth2 (the list is built up front)
MAX_SUBSETS = 200_000  # default limit on the point subsets affine_dichotomies visits
MAX_PROGRAMS = 100_000  # default limit on the convex programs of erm_pwl_1d
MAX_GD_WORK = 2 * 10**10  # default limit on restarts * steps * D * width * (n + 2) in gd_restarts


def _loss_values(residual: np.ndarray, loss: str) -> np.ndarray:
    return np.abs(residual) if loss == "absolute" else residual**2


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


@dataclass
class TwoLayerReLU:
    """The net :math:`x\\mapsto \\sum_i s_i\\sigma(a_i\\cdot x + b_i) + c` (``c = 0`` by default).

    ``A`` has shape ``(w, n)``, ``b`` and ``s`` shape ``(w,)``.
    """

    A: np.ndarray
    b: np.ndarray
    s: np.ndarray
    c: float = 0.0

    def __post_init__(self) -> None:
        # copies with checked shapes: a mis-shaped b or s would broadcast into a meaningless net
        self.A = as_float_array(self.A, "A", ndim=2, min_size=1).copy()
        w = self.A.shape[0]
        self.b = as_float_array(self.b, "b", ndim=1, shape=(w,)).copy()
        self.s = as_float_array(self.s, "s", ndim=1, shape=(w,)).copy()
        self.c = check_real(self.c, "c")

    @property
    def width(self) -> int:
        return int(self.A.shape[0])

    def __call__(self, X) -> np.ndarray:
        X = as_float_array(X, "X", ndim=(1, 2))
        if X.ndim == 1:
            X = X[:, None]
        if X.shape[1] != self.A.shape[1]:
            raise ValueError(f"X must have {self.A.shape[1]} columns, got {X.shape[1]}")
        return np.maximum(X @ self.A.T + self.b, 0.0) @ self.s + self.c

    def loss(self, X, y, loss: str = "absolute") -> float:
        """Mean loss :math:`\\frac1D\\sum_j \\ell(f(x_j) - y_j)` on the data."""
        check_choice(loss, "loss", LOSSES)
        X, y = check_xy(X, y, allow_1d=True)
        return float(np.mean(_loss_values(self(X) - y, loss)))

    def to_relu_net(self) -> ReLUNet:
        """Convert to :class:`dlmath.relu_nets.ReLUNet`."""
        weights = [self.A.copy(), self.s[None, :].copy()]
        biases = [self.b.copy(), np.array([self.c])]
        return ReLUNet(weights, biases)


@dataclass
class ERMResult:
    """Outcome of an exact ERM run: the best net, its mean loss and the work done."""

    net: TwoLayerReLU
    loss: float
    n_dichotomies: int
    n_cells: int
    n_solved: int
    seconds: float
    history: list[float] = field(default_factory=list, repr=False)


def _cell_problem(Xt, masks, s, bias):
    """Design matrix ``M`` (predictions = M theta) and constraints ``G theta <= 0`` of a cell."""
    D, q = Xt.shape
    w = len(s)
    M = np.zeros((D, w * q + bias))
    G = np.zeros((D * w, w * q + bias))
    for i in range(w):
        M[:, i * q : (i + 1) * q] = s[i] * masks[i][:, None] * Xt
        G[i * D : (i + 1) * D, i * q : (i + 1) * q] = np.where(masks[i], -1.0, 1.0)[:, None] * Xt
    if bias:
        M[:, -1] = 1.0
    return M, G


def _solve_lp(M, G, y):
    D, p = M.shape
    eye = np.eye(D)
    A = np.block([[M, -eye], [-M, -eye], [G, np.zeros((G.shape[0], D))]])
    b = np.r_[y, -y, np.zeros(G.shape[0])]
    c = np.r_[np.zeros(p), np.ones(D)]
    res = linprog(c, A_ub=A, b_ub=b, bounds=[(None, None)] * p + [(0, None)] * D, method="highs")
    if res.status != 0:  # pragma: no cover - theta = 0 is always feasible and the LP is bounded
        raise RuntimeError(f"HiGHS LP failed: {res.message}")
    return res.x[:p]


def _solve_qp(M, G, y):
    """Certified minimiser of :math:`\\|M\\theta-y\\|^2` s.t. :math:`G\\theta\\le0` (any cone)."""
    return cone_lsq(M, G, y).theta


class _SquaredCells:
    """The squared-loss cell programs of one data set, in the data's affine coordinates.

    The unit cones :math:`\\{\\theta: \\pm\\tilde x_j\\cdot\\theta\\ge 0\\}` of all dichotomies are
    chambers of one central arrangement, so its 1-dimensional flats are computed once and each
    dichotomy keeps the signed flats inside its cone (its extreme rays). An empty dichotomy
    leaves the unit inactive (no generator: theta = 0 is one of its optima).
    """

    def __init__(self, X: np.ndarray, bias: bool):
        self.mean, self.W, Z = _affine_frame(X, 1e-9)
        self.Xz = np.c_[Z, np.ones(len(X))]
        self.unit = self.Xz / np.linalg.norm(self.Xz, axis=1)[:, None]
        self.V = arrangement_rays(self.unit)
        self.bias = bias
        self.cache: dict[int, np.ndarray] = {}

    def rays(self, k: int, mask: np.ndarray) -> np.ndarray:
        if k not in self.cache:
            if not mask.any():
                self.cache[k] = np.zeros((self.Xz.shape[1], 0))
            else:
                sgn = np.where(mask, 1.0, -1.0)
                self.cache[k] = rays_in_cone(-sgn[:, None] * self.unit, self.V)
        return self.cache[k]

    def solve(self, P: np.ndarray, tup, s, y: np.ndarray, n: int) -> TwoLayerReLU:
        cols, blocks = [], []
        for i, k in enumerate(tup):
            R = self.rays(k, P[k])
            cols.append(s[i] * (P[k][:, None] * self.Xz) @ R)
            blocks.append(R)
        ML = np.ones((len(y), 1)) if self.bias else np.zeros((len(y), 0))
        z, mu, _ = lsq_over_generators(ML, np.concatenate(cols, axis=1), y)
        thetas, start = [], 0
        for R in blocks:
            thetas.append(R @ mu[start : start + R.shape[1]])
            start += R.shape[1]
        Tz = np.array(thetas)  # (w, q'): unit weights in affine coordinates
        A = Tz[:, :-1] @ self.W.T
        b = Tz[:, -1] - A @ self.mean
        if A.shape[1] != n:  # pragma: no cover - W maps back to R^n
            raise AssertionError("affine frame dimension mismatch")
        return TwoLayerReLU(A, b, np.asarray(s, float), float(z[0]) if self.bias else 0.0)


def _net_from_theta(theta, s, n, bias) -> TwoLayerReLU:
    w = len(s)
    T = np.asarray(theta[: w * (n + 1)]).reshape(w, n + 1)
    c = float(theta[-1]) if bias else 0.0
    return TwoLayerReLU(T[:, :n].copy(), T[:, n].copy(), np.asarray(s, float), c)


def _cells(N: int, w: int, naive: bool):
    """Sign patterns and dichotomy-index tuples to visit.

    Reduced: signs sorted (+ first), tuples increasing inside a block of equal signs (two units of
    equal sign and equal dichotomy add up to one unit of that dichotomy, so repeats are redundant).
    Naive: all 2**w sign patterns times all N**w ordered tuples.
    """
    if naive:
        for s in itertools.product((1.0, -1.0), repeat=w):
            for tup in itertools.product(range(N), repeat=w):
                yield s, tup
        return
    for k in range(min(w, N), max(0, w - N) - 1, -1):  # both blocks must fit in N dichotomies
        s = (1.0,) * k + (-1.0,) * (w - k)
        for pos in itertools.combinations(range(N), k):
            for neg in itertools.combinations(range(N), w - k):
                yield s, pos + neg


def _log2_cells(N: int, w: int) -> float:
    """log2 of the reduced cell count :math:`\\sum_k\\binom{N}{k}\\binom{N}{w-k}=\\binom{2N}{w}`
    (Vandermonde's identity), ``-inf`` when there are none."""
    if w > 2 * N:
        return -math.inf
    if N.bit_length() > 1000 or w.bit_length() > 1000:
        return math.inf
    return (math.lgamma(2 * N + 1) - math.lgamma(w + 1) - math.lgamma(2 * N - w + 1)) / math.log(2)


def _cell_count_estimate(N: int, w: int) -> float:
    """The reduced cell count at width ``min(w, 2N)`` (what erm_depth2 solves), as a float."""
    bits = _log2_cells(N, min(w, 2 * N))
    return math.inf if bits > 1000 else 2.0**bits


def count_subproblems(D: int, n: int, w: int, *, method: str = "dichotomies") -> int:
    """Number of cell programs of the enumeration, without pruning, for ``D`` generic points.

    ``method="dichotomies"``: :math:`\\sum_{k=0}^{w}\\binom{N}{k}\\binom{N}{w-k}` with ``N`` Cover's
    count; ``method="naive"``: :math:`2^w\\,(2^D)^w`.
    """
    D = check_int(D, "D", min_value=1)
    n = check_int(n, "n", min_value=1)
    w = check_int(w, "w", min_value=1)
    check_choice(method, "method", ("dichotomies", "naive"))
    if method == "naive":
        check_size(w * (D + 1), MAX_INT_BITS, "the bit length of 2**w (2**D)**w")
        return 2**w * 2 ** (D * w)
    N = cover_count(D, n)
    # sum_k C(N, k) C(N, w - k) = C(2N, w) (Vandermonde's identity)
    check_size(_log2_cells(N, w), MAX_INT_BITS,
               "the bit length of the cell count")
    return math.comb(2 * N, w)


def _sign_bound(P: np.ndarray, s, tuples: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """Cheap lower bound on every cell's loss: where no unit of sign +1 is active, f <= 0, so a
    positive target costs at least l(y_j); where no unit of sign -1 is active, f >= 0."""
    s = np.asarray(s)
    pos = P[tuples[:, s > 0]].any(axis=1) if np.any(s > 0) else np.zeros((len(tuples), len(y)), bool)
    neg = P[tuples[:, s < 0]].any(axis=1) if np.any(s < 0) else np.zeros((len(tuples), len(y)), bool)
    lv = _loss_values(y, loss)
    forced = (~pos & (y > 0)) | (~neg & (y < 0))
    return forced @ lv


def erm_depth2(
    X,
    y,
    width: int,
    *,
    loss: str = "absolute",
    method: str = "dichotomies",
    prune: bool = True,
    bias: bool = False,
    show_progress: bool = False,
    max_cells: int = MAX_CELLS,
) -> ERMResult:
    """Globally optimal depth-2 ReLU net of the given width (:prf:ref:`thm-ch2-exact-erm`;
    Arora et al. 2018, Thm 4.1, Alg. 1).

    Minimises :math:`\\frac1D\\sum_j \\ell(f(x_j)-y_j)` over
    :math:`f(x)=\\sum_{i=1}^{w} s_i\\sigma(a_i\\cdot x+b_i)` (plus a free constant when
    ``bias=True``), with ``loss`` ``"absolute"`` (an LP per cell) or ``"squared"`` (a QP).

    ``method="dichotomies"`` visits realizable dichotomies only, up to unit permutations;
    ``method="naive"`` visits all ``2**D`` subsets per unit and all ``2**w`` sign patterns (the
    baseline of ``benchmarks/exact_erm.py``). With ``prune=True`` the cells are visited in
    increasing order of a valid lower bound (points whose target sign no active unit can produce)
    and the search stops when the bound reaches the best loss found: the optimum is unchanged
    (the bound needs f's sign to follow the active units, so ``bias=True`` switches pruning off).

    Every cell is an exact, certified convex program: a status-checked LP for the absolute loss,
    :func:`dlmath.cone_lsq.lsq_over_generators` for the squared loss (no weight box; an empty
    dichotomy is an inactive unit). The number of cells (Cover's count for generic data) is
    estimated before any work: above ``max_cells`` a ``ValueError`` is raised.
    """
    X, y = check_xy(X, y, allow_1d=True)
    width = check_int(width, "width", min_value=1)
    check_choice(loss, "loss", LOSSES)
    check_choice(method, "method", ("dichotomies", "naive"))
    prune = check_bool(prune, "prune")
    bias = check_bool(bias, "bias")
    max_cells = check_int(max_cells, "max_cells", min_value=1)
    prune = prune and not bias  # a free output constant voids the sign bound
    D, n = X.shape
    if method == "naive":
        check_size(2 ** min(width * (D + 1), 4096), max_cells,
                   f"the number of naive cells 2**w (2**D)**w at D={D}, w={width}", "a larger max_cells")
    else:  # Cover's count: exact for generic data, an upper bound otherwise
        N = 2 * binomial_prefix_sum(D - 1, n)
        check_size(_cell_count_estimate(N, width), max_cells,
                   f"the number of cells at D={D}, n={n}, w={width}", "a larger max_cells")
    t0 = time.perf_counter()
    if method == "naive":
        P = np.array(list(itertools.product((False, True), repeat=D)), dtype=bool)
    else:
        P = affine_dichotomies(X)
    Xt = np.c_[X, np.ones(D)]
    # equal-sign units on equal dichotomies merge, so more than 2N units never help: solve at
    # width 2N and pad with inactive units (else no reduced cell would exist at all)
    w_solve = width if method == "naive" else min(width, 2 * len(P))
    cells = list(_cells(len(P), w_solve, method == "naive"))
    order = range(len(cells))
    bounds = np.zeros(len(cells))
    if prune:
        for s in {c[0] for c in cells}:
            idx = np.array([i for i, c in enumerate(cells) if c[0] == s])
            bounds[idx] = _sign_bound(P, s, np.array([cells[i][1] for i in idx]), y, loss)
        order = np.argsort(bounds, kind="stable")
    squared = _SquaredCells(X, bias) if loss == "squared" else None
    best, best_net, n_solved, history = np.inf, None, 0, []
    for i in progress(order, disable=not show_progress, desc="cells"):
        if prune and bounds[i] >= best - 1e-12 * max(1.0, best):
            break
        s, tup = cells[i]
        if squared is not None:
            net = squared.solve(P, tup, s, y, n)
        else:
            M, G = _cell_problem(Xt, P[list(tup)], s, bias)
            net = _net_from_theta(_solve_lp(M, G, y), s, n, bias)
        val = float(np.sum(_loss_values(net(X) - y, loss)))
        n_solved += 1
        if val < best:
            best, best_net = val, net
        history.append(best / D)
    if best_net.width < width:
        pad = width - best_net.width
        best_net = TwoLayerReLU(
            np.r_[best_net.A, np.zeros((pad, n))], np.r_[best_net.b, np.zeros(pad)],
            np.r_[best_net.s, np.ones(pad)], best_net.c,
        )
    return ERMResult(best_net, best / D, len(P), len(cells), n_solved, time.perf_counter() - t0, history)


def erm_milp_absolute(X, y, width: int, *, weight_bound: float = 100.0, bias: bool = False) -> ERMResult:
    """Independent exact ERM for the absolute loss: one big-M MILP per sign pattern.

    Variables: :math:`\\theta_i=(a_i,b_i)\\in[-B,B]^{n+1}`, :math:`h_{ij}=\\sigma(\\theta_i\\cdot\\tilde x_j)`
    encoded with a binary :math:`z_{ij}` (:math:`h\\ge p,\\ h\\le p+M(1-z),\\ h\\le Mz,\\ h\\ge 0`,
    :math:`M=B\\max_j\\|\\tilde x_j\\|_1`), residual bounds :math:`t_j\\ge\\pm(\\sum_i s_ih_{ij}-y_j)`.
    It finds the optimum over nets whose hidden weights lie in the box; it agrees with
    :func:`erm_depth2` whenever the latter's optimal weights fit inside (check ``weight_bound``).
    """
    X, y = check_xy(X, y, allow_1d=True)
    width = check_int(width, "width", min_value=1)
    check_size(width * (X.shape[1] + 1 + 2 * X.shape[0]) + X.shape[0] + 1, 10**5,
               "the number of MILP variables w (n + 1 + 2D) + D + 1")
    B = check_real(weight_bound, "weight_bound", low=0.0, low_inclusive=False)
    bias = check_bool(bias, "bias")
    t0 = time.perf_counter()
    D, n = X.shape
    Xt = np.c_[X, np.ones(D)]
    q, w = n + 1, width
    big = B * np.abs(Xt).sum(axis=1).max()
    nt, nh = w * q, w * D  # layout: theta | h | z | t | c
    nv = nt + 2 * nh + D + 1
    H0, Z0, T0, C0 = nt, nt + nh, nt + 2 * nh, nt + 2 * nh + D
    rows, lo, hi = [], [], []

    def add(coefs, lb, ub):
        r = np.zeros(nv)
        for k, v in coefs:
            r[k] += v
        rows.append(r)
        lo.append(lb)
        hi.append(ub)

    best, best_net = np.inf, None
    for k in range(w, -1, -1):
        s = np.array([1.0] * k + [-1.0] * (w - k))
        rows, lo, hi = [], [], []
        for i in range(w):
            for j in range(D):
                th = [(i * q + d, -Xt[j, d]) for d in range(q)]
                h, z = H0 + i * D + j, Z0 + i * D + j
                add([(h, 1.0)] + th, 0.0, np.inf)  # h - p >= 0
                add([(h, 1.0), (z, big)] + th, -np.inf, big)  # h - p + M z <= M
                add([(h, 1.0), (z, -big)], -np.inf, 0.0)  # h - M z <= 0
        for j in range(D):
            hs = [(H0 + i * D + j, s[i]) for i in range(w)]
            add([(T0 + j, 1.0)] + [(a, -v) for a, v in hs] + [(C0, -1.0)], -y[j], np.inf)
            add([(T0 + j, 1.0)] + hs + [(C0, 1.0)], y[j], np.inf)
        lb = np.r_[np.full(nt, -B), np.zeros(nh), np.zeros(nh), np.zeros(D), -np.inf if bias else 0.0]
        ub = np.r_[np.full(nt, B), np.full(nh, big), np.ones(nh), np.full(D, np.inf), np.inf if bias else 0.0]
        integrality = np.r_[np.zeros(nt + nh), np.ones(nh), np.zeros(D + 1)]
        c = np.r_[np.zeros(nt + 2 * nh), np.ones(D), 0.0]
        res = milp(
            c,
            constraints=LinearConstraint(np.array(rows), lo, hi),
            integrality=integrality,
            bounds=Bounds(lb, ub),
            options={"mip_rel_gap": 1e-9},
        )
        if res.status != 0:  # pragma: no cover
            raise RuntimeError(f"HiGHS MILP failed: {res.message}")
        net = _net_from_theta(np.r_[res.x[:nt], res.x[C0]], s, n, bias)
        val = float(np.sum(np.abs(net(X) - y)))
        if val < best:
            best, best_net = val, net
    return ERMResult(best_net, best / D, 0, w + 1, w + 1, time.perf_counter() - t0)


def erm_pwl_1d(
    x, y, pieces: int, *, loss: str = "absolute", max_programs: int = MAX_PROGRAMS
) -> tuple[PWL1D, float, int]:
    """ERM over continuous PWL functions :math:`\\mathbb R\\to\\mathbb R` with at most ``pieces``
    pieces: the paper's Appendix C algorithm for ``n = 1``.

    Sort the data; for every increasing ``(pieces-1)``-tuple of gaps between consecutive sorted
    points (where the breakpoints lie) and every slope-order sign vector
    :math:`S\\in\\{\\pm1\\}^{pieces-1}`, solve the convex program in the pieces'
    :math:`(a_k, b_k)`: data in gap-block ``k`` are fitted by :math:`a_kx+b_k`, and
    :math:`S_k(\\ell_k-\\ell_{k+1})\\ge 0` at the left end of gap ``k`` and
    :math:`\\le 0` at its right end, which puts the crossing of consecutive pieces inside the gap.
    Returns ``(f, mean loss, number of convex programs solved)``; ``f`` is a
    :class:`dlmath.relu_nets.PWL1D` on the whole line. The count
    :math:`\\binom{D-1}{pieces-1}2^{pieces-1}` is checked against ``max_programs`` first.
    """
    x = as_float_array(x, "x", ndim=1, min_size=1)
    y = as_float_array(y, "y", ndim=1, shape=(x.size,))
    pieces = check_int(pieces, "pieces", min_value=1)
    check_choice(loss, "loss", LOSSES)
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    D = xs.size
    p = min(pieces, D)
    max_programs = check_int(max_programs, "max_programs", min_value=1)
    check_size(math.comb(D - 1, p - 1) * 2 ** (p - 1), max_programs,
               f"the number of convex programs at D={D}, pieces={p}", "a larger max_programs")
    solve = _solve_lp if loss == "absolute" else _solve_qp
    best, best_f, count = np.inf, None, 0
    for gaps in itertools.combinations(range(D - 1), p - 1):
        piece_of = np.searchsorted(np.array(gaps), np.arange(D), side="left")
        M = np.zeros((D, 2 * p))
        M[np.arange(D), 2 * piece_of] = xs
        M[np.arange(D), 2 * piece_of + 1] = 1.0
        for S in itertools.product((1.0, -1.0), repeat=p - 1):
            G = np.zeros((2 * (p - 1), 2 * p))
            for k, g in enumerate(gaps):
                for r, (xv, sg) in enumerate(((xs[g], -S[k]), (xs[g + 1], S[k]))):
                    # sg * (l_k(xv) - l_{k+1}(xv)) <= 0
                    G[2 * k + r, 2 * k : 2 * k + 4] = sg * np.array([xv, 1.0, -xv, -1.0])
            theta = solve(M, G, ys)
            count += 1
            val = float(np.sum(_loss_values(M @ theta - ys, loss)))
            if val < best:
                a, b = theta[0::2], theta[1::2]
                with np.errstate(divide="ignore", invalid="ignore"):
                    t = (b[1:] - b[:-1]) / (a[:-1] - a[1:])
                mid = 0.5 * (xs[list(gaps)] + xs[[g + 1 for g in gaps]])
                t = np.where(np.isfinite(t), t, mid)
                knots = np.clip(t, xs[list(gaps)], xs[[g + 1 for g in gaps]])
                best, best_f = val, PWL1D(knots=knots, slopes=a, intercepts=b, lo=-np.inf, hi=np.inf)
    return best_f, best / D, count


def gd_restarts(
    X,
    y,
    width: int,
    *,
    loss: str = "absolute",
    restarts: int = 100,
    steps: int = 2000,
    lr: float = 0.02,
    bias: bool = False,
    seed: int = 0,
    max_work: float = MAX_GD_WORK,
) -> np.ndarray:
    """Final mean training losses of ``restarts`` independent full-batch Adam runs.

    Trains :math:`f(x)=\\sum_i v_i\\sigma(a_i\\cdot x+b_i)` (+ ``c`` if ``bias``) from
    PyTorch-default-like random initialisations, all restarts in one batched tensor program;
    returns the loss of each restart's final iterate (the baseline the exact ERM must never lose to).
    The work ``restarts * steps * D * width * (n + 2)`` is checked against ``max_work`` first.
    """
    X, y = check_xy(X, y, allow_1d=True)
    width = check_int(width, "width", min_value=1)
    check_choice(loss, "loss", LOSSES)
    restarts = check_int(restarts, "restarts", min_value=1)
    steps = check_int(steps, "steps", min_value=0)
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    bias = check_bool(bias, "bias")
    seed = check_int(seed, "seed", min_value=0)
    D, n = X.shape
    check_size(restarts * max(steps, 1) * D * width * (n + 2), max_work,
               "the work restarts * steps * D * width * (n + 2)", "a larger max_work")
    import torch  # after the checks: a refused call costs no import

    g = torch.Generator().manual_seed(seed)
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    k1, k2 = 1 / math.sqrt(n), 1 / math.sqrt(width)
    A = ((torch.rand(restarts, width, n, generator=g, dtype=torch.float64) * 2 - 1) * k1).requires_grad_()
    b = ((torch.rand(restarts, width, generator=g, dtype=torch.float64) * 2 - 1) * k1).requires_grad_()
    v = ((torch.rand(restarts, width, generator=g, dtype=torch.float64) * 2 - 1) * k2).requires_grad_()
    c = torch.zeros(restarts, dtype=torch.float64, requires_grad=bias)
    params = [A, b, v] + ([c] if bias else [])
    opt = torch.optim.Adam(params, lr=lr)

    def losses():
        hidden = torch.relu(torch.einsum("rwn,dn->rdw", A, Xt) + b[:, None, :])
        pred = torch.einsum("rdw,rw->rd", hidden, v) + c[:, None]
        res = pred - yt
        return (res.abs() if loss == "absolute" else res**2).mean(dim=1)

    for _ in range(steps):
        opt.zero_grad()
        losses().sum().backward()
        opt.step()
    with torch.no_grad():
        return losses().numpy().copy()
