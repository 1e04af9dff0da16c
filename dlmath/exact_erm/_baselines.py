"""Independent references for the exact ERM: a MILP, the one-dimensional algorithm of the paper's
Appendix C, and gradient-descent restarts (:mod:`dlmath.exact_erm`)."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from .._validate import as_float_array, check_bool, check_choice, check_int, check_real, check_size, check_xy
from ..relu_nets import PWL1D
from ._depth2 import LOSSES, ERMResult, _loss_values, _net_from_theta, _solve_lp, _solve_qp

MAX_PROGRAMS = 100_000  # default limit on the convex programs of erm_pwl_1d
MAX_GD_WORK = 2 * 10**10  # default limit on restarts * steps * D * width * (n + 2) in gd_restarts


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
