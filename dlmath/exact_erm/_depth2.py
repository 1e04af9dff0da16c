"""The exact ERM of depth-2 nets: the cell programs and their enumeration (:mod:`dlmath.exact_erm`)."""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from .._validate import as_float_array, check_bool, check_choice, check_int, check_real, check_size, check_xy
from ..cone_lsq import arrangement_rays, cone_lsq, lsq_over_generators, rays_in_cone
from ..config import progress
from ..depth_bounds import MAX_INT_BITS, binomial_prefix_sum
from ..relu_nets import ReLUNet
from ._dichotomies import _affine_frame, affine_dichotomies, cover_count

LOSSES = ("absolute", "squared")
MAX_CELLS = 10**6  # default limit on the cell programs of erm_depth2 (the list is built up front)


def _loss_values(residual: np.ndarray, loss: str) -> np.ndarray:
    return np.abs(residual) if loss == "absolute" else residual**2




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
