"""Least squares over a polyhedral cone, solved exactly and certified.

This is the squared-loss cell program of the exact ERM algorithm (:prf:ref:`alg-ch2-exact-erm`):

.. math:: \\min_\\theta\\ \\|M\\theta - y\\|^2 \\quad\\text{s.t.}\\quad A\\theta \\le 0 .

The feasible set :math:`C=\\{\\theta: A\\theta\\le0\\}` is a polyhedral cone, always non-empty
(it holds 0), and the objective is bounded below, so the minimum is attained; the predictions
:math:`M\\theta^*` are unique even when :math:`\\theta^*` is not (free directions of zero
curvature, e.g. an inactive unit). Our method (no artificial box, no iterative QP tolerance):

1. Minkowski-Weyl: :math:`C = L + \\operatorname{cone}(R)` with :math:`L` the null space of
   :math:`A` (lineality) and :math:`R` the extreme rays of the pointed part. Every extreme ray
   lies on ``r - 1`` linearly independent hyperplanes :math:`a_j\\cdot\\theta=0` (``r`` the rank
   of ``A``), so we enumerate the null vectors of all ``(r-1)``-subsets of rows and keep the
   signs that satisfy every constraint.
2. The program becomes :math:`\\min_{z,\\ \\mu\\ge0}\\|MLz + MR\\mu - y\\|^2`: we project out the
   free ``z`` and solve a non-negative least squares problem (Lawson-Hanson, a finite active-set
   method, ``scipy.optimize.nnls``).
3. Certificate: the KKT conditions of that problem, :math:`g=(MR)^\\top r\\le 0`,
   :math:`g_k=0` where :math:`\\mu_k>0`, :math:`(ML)^\\top r=0` (``r`` the residual), each
   relative to :math:`\\|(MR)_k\\|\\,\\|y\\|`, must hold within ``tol``; otherwise an error is
   raised, never a silently wrong optimum.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from ._validate import as_float_array, check_int, check_real

__all__ = ["ConeLSQResult", "cone_generators", "cone_lsq", "lsq_over_generators"]

KKT_TOL = 1e-8  # stated tolerance of the optimality certificate (relative KKT residual)
MAX_SUBSETS = 500_000  # default cap on the (r-1)-subsets enumerated for the extreme rays


@dataclass
class ConeLSQResult:
    """A certified solution: ``theta``, its sum of squares and the relative KKT residual."""

    theta: np.ndarray
    sum_squares: float
    kkt_residual: float


def _rank_basis(A: np.ndarray, tol: float) -> tuple[int, np.ndarray]:
    _, sv, Vt = np.linalg.svd(A, full_matrices=True)
    rank = int(np.sum(sv > tol * sv[0])) if sv.size and sv[0] > 0 else 0
    return rank, Vt


def arrangement_rays(B: np.ndarray, *, tol: float = 1e-10, max_subsets: int = MAX_SUBSETS) -> np.ndarray:
    """Unit vectors (columns, one sign each) spanning the 1-dimensional flats of the central
    arrangement of the rows of ``B`` (shape ``(m, r)``, full column rank ``r``, unit rows)."""
    m, r = B.shape
    if r == 1:
        return np.ones((1, 1))
    k = r - 1
    n_sub = math.comb(m, k)
    if n_sub > max_subsets:
        raise ValueError(
            f"the extreme-ray enumeration needs C({m}, {k}) = {n_sub} null-space solves, above the "
            f"limit max_subsets={max_subsets}; raise max_subsets to run it anyway"
        )
    idx = np.array(list(itertools.combinations(range(m), k)), dtype=int)
    _, sv, Vt = np.linalg.svd(B[idx], full_matrices=True)
    ok = sv[:, -1] > tol * sv[:, 0]  # the k rows are independent: their null space is a line
    V = Vt[ok, -1, :]
    if V.shape[0] == 0:
        return np.zeros((r, 0))
    lead = np.argmax(np.abs(V) > 1e-8, axis=1)
    V = V * np.sign(V[np.arange(len(V)), lead])[:, None]  # one canonical sign per line
    _, keep = np.unique(np.round(V, 9), axis=0, return_index=True)
    return V[np.sort(keep)].T


def rays_in_cone(B: np.ndarray, V: np.ndarray, *, tol: float = 1e-9) -> np.ndarray:
    """The signed columns ``±v`` of ``V`` lying in :math:`\\{\\theta: B\\theta\\le 0\\}`."""
    S = B @ V
    plus = np.all(S <= tol, axis=0)
    minus = np.all(S >= -tol, axis=0)
    return np.c_[V[:, plus], -V[:, minus]]


def cone_generators(
    A, *, tol: float = 1e-10, max_subsets: int = MAX_SUBSETS
) -> tuple[np.ndarray, np.ndarray]:
    """Generators of :math:`C=\\{\\theta: A\\theta\\le 0\\}`: ``(L, R)`` with
    :math:`C = \\operatorname{span}(L) + \\operatorname{cone}(R)` (columns; ``R`` the extreme rays).

    Fails fast with a ``ValueError`` when the enumeration exceeds ``max_subsets``.
    """
    A = as_float_array(A, "A", ndim=2)
    tol = check_real(tol, "tol", low=0.0, low_inclusive=False)
    max_subsets = check_int(max_subsets, "max_subsets", min_value=1)
    q = A.shape[1]
    norms = np.linalg.norm(A, axis=1)
    An = A[norms > 0] / norms[norms > 0, None]  # zero rows constrain nothing
    if An.shape[0] == 0:
        return np.eye(q), np.zeros((q, 0))
    rank, Vt = _rank_basis(An, tol)
    L, Q = Vt[rank:].T, Vt[:rank].T
    if rank == 0:
        return L, np.zeros((q, 0))
    B = An @ Q
    V = arrangement_rays(B, tol=tol, max_subsets=max_subsets)
    return L, Q @ rays_in_cone(B, V)


def lsq_over_generators(ML: np.ndarray, MR: np.ndarray, y: np.ndarray, *, tol: float = KKT_TOL):
    """Solve :math:`\\min_{z,\\mu\\ge0}\\|MLz+MR\\mu-y\\|^2`; return ``(z, mu, kkt_residual)``.

    Raises ``RuntimeError`` when the KKT certificate fails the relative tolerance ``tol``.
    """
    MR = as_float_array(MR, "MR", ndim=2)
    y = as_float_array(y, "y", ndim=1, shape=(MR.shape[0],))
    ML = as_float_array(ML, "ML", ndim=2, shape=(MR.shape[0], None))
    tol = check_real(tol, "tol")
    if ML.shape[1]:
        U, sv, _ = np.linalg.svd(ML, full_matrices=False)
        rank = int(np.sum(sv > 1e-12 * sv[0])) if sv[0] > 0 else 0
        U = U[:, :rank]
    else:
        U = np.zeros((len(y), 0))

    def proj(v):
        return v - U @ (U.T @ v)

    mu = np.zeros(MR.shape[1])
    B = proj(MR)
    norms = np.linalg.norm(B, axis=0)
    # rays whose column vanishes (up to round-off) change no prediction: leave them unused,
    # and give the others unit columns (NNLS on a column of norm 1e-17 returns mu ~ 1e16)
    use = norms > 1e-10 * norms.max() if norms.size else norms.astype(bool)
    if np.any(use):
        nu, _ = nnls(B[:, use] / norms[use], proj(y), maxiter=50 * int(use.sum()) + 100)
        mu[use] = nu / norms[use]
    rest = y - MR @ mu
    z = np.linalg.lstsq(ML, rest, rcond=None)[0] if ML.shape[1] else np.zeros(0)
    res = y - MR @ mu - ML @ z
    kkt = _kkt_residual(ML, MR[:, use], mu[use], res, y)
    if not np.isfinite(kkt) or kkt > tol:
        raise RuntimeError(
            f"cone least squares: the KKT certificate failed (relative residual {kkt:.3e} > "
            f"tolerance {tol:.1e}); the optimum is not certified"
        )
    return z, mu, kkt


def _kkt_residual(ML, MR, mu, res, y) -> float:
    ynorm = max(float(np.linalg.norm(y)), 1e-300)
    viol = [0.0]
    if MR.shape[1]:
        g = MR.T @ res  # minus the gradient of 1/2 |res|^2 in mu
        scale = np.maximum(np.linalg.norm(MR, axis=0) * ynorm, 1e-300)
        gn = g / scale
        viol.append(float(np.max(np.maximum(gn, 0.0))))  # no ray may still lower the loss
        pos = mu > 0
        if np.any(pos):
            viol.append(float(np.max(np.abs(gn[pos]))))  # stationarity on the used rays
    if ML.shape[1]:
        scale = max(float(np.linalg.norm(ML)) * ynorm, 1e-300)
        viol.append(float(np.linalg.norm(ML.T @ res)) / scale)
    return max(viol)


def cone_lsq(M, A, y, *, tol: float = KKT_TOL, max_subsets: int = MAX_SUBSETS) -> ConeLSQResult:
    """Certified :math:`\\min\\|M\\theta-y\\|^2` subject to :math:`A\\theta\\le 0` (module doc)."""
    M = as_float_array(M, "M", ndim=2)
    y = as_float_array(y, "y", ndim=1, shape=(M.shape[0],))
    A = as_float_array(A, "A", ndim=2, shape=(None, M.shape[1]))
    tol = check_real(tol, "tol", low=0.0, low_inclusive=False)
    L, R = cone_generators(A, max_subsets=max_subsets)
    z, mu, kkt = lsq_over_generators(M @ L, M @ R, y, tol=tol)
    theta = L @ z + R @ mu
    return ConeLSQResult(theta, float(np.sum((M @ theta - y) ** 2)), kkt)
