"""Exact 1-D analysis: the PWL function a ReLU net computes on an interval, its pieces."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._validate import as_float_array, check_bool, check_int, check_real, check_size
from ._net import ReLUNet, _check_net


@dataclass(frozen=True)
class PWL1D:
    r"""A continuous PWL function on an interval :math:`[lo, hi]` (ends may be infinite).

    ``knots`` :math:`t_1 < \dots < t_{p-1}` are the breakpoints; on the :math:`j`-th piece
    :math:`f(x) = \text{slopes}[j]\, x + \text{intercepts}[j]`. ``slopes`` and ``intercepts``
    have shape ``(p,)`` for scalar output, else ``(p, m)``. Object arrays of
    ``Fraction`` when computed with ``exact=True``.
    """

    knots: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    lo: float
    hi: float

    @property
    def n_pieces(self) -> int:
        """The number of pieces :math:`p`."""
        return len(self.knots) + 1

    @property
    def values(self) -> np.ndarray:
        """:math:`f(t_j)` at the knots."""
        if len(self.knots) == 0:
            return self.intercepts[:0]
        t = self.knots if self.slopes.ndim == 1 else self.knots[:, None]
        return self.slopes[:-1] * t + self.intercepts[:-1]

    def __call__(self, x) -> np.ndarray:
        """Evaluate (as float64) at the points ``x`` (1-D array)."""
        x = as_float_array(x, "x", ndim=1)
        j = np.searchsorted(np.asarray(self.knots, dtype=float), x, side="right")
        s = np.asarray(self.slopes, dtype=float)[j]
        c = np.asarray(self.intercepts, dtype=float)[j]
        return s * (x if s.ndim == 1 else x[:, None]) + c


def _check_interval(lo, hi) -> tuple[float, float]:
    for v, name in ((lo, "lo"), (hi, "hi")):
        check_real(v, name, allow_inf=True)  # lo and hi stay as given (Fractions in exact mode)
    if not float(lo) < float(hi):
        raise ValueError(f"lo must be < hi, got lo={lo}, hi={hi}")
    return lo, hi


def _representatives(knots: np.ndarray, lo, hi) -> np.ndarray:
    """One interior point of every interval between consecutive knots of ``[lo, hi]``."""
    edges = [lo, *knots, hi]
    reps = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        fa, fb = np.isfinite(float(a)), np.isfinite(float(b))
        if fa and fb:
            reps.append((a + b) / 2)
        elif fa:
            reps.append(a + 1)
        elif fb:
            reps.append(b - 1)
        else:
            reps.append(0)
    return np.array(reps, dtype=object if knots.dtype == object else float)


def _merge_knots(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Exact union of two knot lists (object arrays of Fractions)."""
    return np.array(sorted(set(old.tolist()) | set(new.tolist())), dtype=object)


# Float limits: a default that fails in well under a second on a laptop core, and the float
# noise floor (a few ulps per layer, relative to the sum of the absolute path products).
FLOAT_MAX_PIECES = 2**18
EXACT_MAX_PIECES = 2**15
_ULP = float(np.finfo(float).eps)


class _Undecided(Exception):
    """Float arithmetic cannot decide the piece structure (overflow or a close call)."""


def _guard(n_intervals: int, width: int, max_pieces: int, exact: bool) -> None:
    # before a layer: every interval splits into at most width + 1 intervals
    mode = "exact=True" if exact else "float"
    check_size(
        n_intervals * (width + 1),
        max_pieces,
        f"the number of intervals of the next layer ({mode} piece counting)",
        override="a larger max_pieces",
    )


def _merge_float(old: np.ndarray, new: np.ndarray, tol: float) -> tuple[np.ndarray, bool]:
    """Sorted union of the old knots and the new roots; a new root within
    ``tol * max(|t|, |t'|)`` of a kept knot is dropped (old knots are always kept, so every
    new interval lies in one old interval). Also returns whether a dropped root differed from
    the knot that absorbed it (a close call)."""
    allk = np.concatenate([old, new])
    is_old = np.concatenate([np.ones(old.size, bool), np.zeros(new.size, bool)])
    order = np.lexsort((~is_old, allk))  # by value, old first among equal values
    allk, is_old = allk[order], is_old[order]
    if allk.size < 2:
        return allk, False
    near = np.diff(allk) <= tol * np.maximum(np.abs(allk[1:]), np.abs(allk[:-1]))
    # clusters of consecutive near knots; keep the old ones, or the first root of a cluster
    start = np.concatenate([[True], ~near])
    cid = np.cumsum(start) - 1
    has_old = np.zeros(cid[-1] + 1, bool)
    np.logical_or.at(has_old, cid, is_old)
    keep = is_old | (start & ~has_old[cid])
    lo_v = np.minimum.reduceat(allk, np.flatnonzero(start))
    hi_v = np.maximum.reduceat(allk, np.flatnonzero(start))
    close = bool(np.any((hi_v > lo_v)[cid[~keep]])) if np.any(~keep) else False
    return allk[keep], close


def _affine_pieces_float(net: ReLUNet, lo: float, hi: float, tol: float, max_pieces: int):
    """Float propagation with the sign of every neuron decided from its root's position
    (never by evaluating at a sample point, which can collapse onto a knot), and the
    absolute path products carried alongside as the scale of each slope."""
    ws, bs = net.weights, net.biases
    knots = np.zeros(0)
    slope, icpt = np.ones((1, 1)), np.zeros((1, 1))
    s_abs, c_abs = np.ones((1, 1)), np.zeros((1, 1))
    close = False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for w, b in zip(ws[:-1], bs[:-1], strict=True):
            _guard(knots.size + 1, w.shape[0], max_pieces, False)
            za, zc = slope @ w.T, icpt @ w.T + b
            s_abs, c_abs = s_abs @ np.abs(w).T, c_abs @ np.abs(w).T + np.abs(b)
            nz = za != 0
            root = np.where(nz, -zc / np.where(nz, za, 1.0), 0.0)
            if not (np.all(np.isfinite(root)) and np.all(np.isfinite(s_abs))
                    and np.all(np.isfinite(c_abs))):
                raise _Undecided("a pre-activation or a root overflows float64")
            left = np.concatenate([[lo], knots])[:, None]
            right = np.concatenate([knots, [hi]])[:, None]
            inside = nz & (root > left) & (root < right)
            knots_new, c = _merge_float(knots, root[inside], tol)
            close |= c
            par = np.concatenate([[0], np.searchsorted(knots, knots_new, side="right")])
            ls = np.concatenate([[lo], knots_new])[:, None]
            rs = np.concatenate([knots_new, [hi]])[:, None]
            za, zc, rt = za[par], zc[par], root[par]
            # root left of the interval (or absorbed by its left end): sign of za on it
            left_side = (rt <= ls) | ((rt < rs) & (rt - ls < rs - rt))
            active = np.where(za == 0, zc > 0, np.where(left_side, za > 0, za < 0))
            slope, icpt = np.where(active, za, 0.0), np.where(active, zc, 0.0)
            s_abs = np.where(active, s_abs[par], 0.0)
            c_abs = np.where(active, c_abs[par], 0.0)
            knots = knots_new
        out_s = slope @ ws[-1].T
        out_abs = s_abs @ np.abs(ws[-1]).T
        out_c = icpt @ ws[-1].T + bs[-1]
    if not (np.all(np.isfinite(out_abs)) and np.all(np.isfinite(out_c))):
        raise _Undecided("an output slope or intercept overflows float64")
    diff = np.abs(out_s[1:] - out_s[:-1])
    rel = tol * np.maximum(np.abs(out_s[1:]), np.abs(out_s[:-1]))
    noise = 8 * _ULP * len(ws) * np.maximum(out_abs[1:], out_abs[:-1])
    equal = diff <= np.maximum(rel, noise)
    if close or np.any(equal & (diff > 0)):
        raise _Undecided("two knots or two slopes agree only up to the tolerance")
    return knots, out_s, out_c, np.any(~equal, axis=1)


def _affine_pieces_exact(net: ReLUNet, lo, hi, max_pieces: int):
    """Knots and per-interval (slope, intercept) of the output in rational arithmetic."""
    ws, bs = net._layers(True)
    lo = lo if not np.isfinite(float(lo)) else Fraction(lo)
    hi = hi if not np.isfinite(float(hi)) else Fraction(hi)
    knots = np.zeros(0, dtype=object)
    slope = np.array([[Fraction(1)]], dtype=object)  # h(x) = x on the single interval
    icpt = np.array([[Fraction(0)]], dtype=object)
    for w, b in zip(ws[:-1], bs[:-1], strict=True):
        _guard(knots.size + 1, w.shape[0], max_pieces, True)
        za, zc = slope @ w.T, icpt @ w.T + b  # pre-activations, (intervals, width)
        left = np.array([lo, *knots], dtype=object)[:, None]
        right = np.array([*knots, hi], dtype=object)[:, None]
        nz = za != 0
        root = np.where(nz, -zc / np.where(nz, za, 1), 0)
        inside = nz & (root > left) & (root < right)
        knots_new = _merge_knots(knots, root[inside].astype(object))
        reps = _representatives(knots_new, lo, hi)
        idx = np.searchsorted(knots, reps, side="right") if knots.size else np.zeros(len(reps), int)
        za, zc = za[idx], zc[idx]
        active = za * reps[:, None] + zc > 0
        zero = np.zeros_like(za)
        slope, icpt, knots = np.where(active, za, zero), np.where(active, zc, zero), knots_new
    out_s, out_c = slope @ ws[-1].T, icpt @ ws[-1].T + bs[-1]
    return knots, out_s, out_c, np.any(out_s[1:] != out_s[:-1], axis=1)


def pieces_1d(
    net: ReLUNet,
    lo=-np.inf,
    hi=np.inf,
    *,
    exact: bool = False,
    tol: float = 1e-9,
    max_pieces: int | None = None,
) -> PWL1D:
    r"""The exact PWL description of an :math:`\mathbb{R} \to \mathbb{R}^m` net on
    :math:`[lo, hi]` (:prf:ref:`alg-ch1-pieces-1d`).

    Each hidden neuron's pre-activation is an explicit PWL function of :math:`x` (a knot list
    with one affine map per interval); applying :math:`\sigma` adds its zero crossings as knots.
    At the output, adjacent intervals with equal slope are merged (the function is continuous,
    so they carry the same affine map): the result has one entry per *piece*, the maximal
    intervals on which :math:`f` is affine (:cite:p:`arora2018understanding` Def. 3).

    With ``exact=False`` the arithmetic is float64 and every tolerance is relative to the
    net's own scale, never absolute: two knots are identified when they differ by at most
    ``tol * max(|t|, |t'|)``; two slopes are equal when they differ by at most ``tol`` times
    the larger of them, or by less than the rounding noise (a few ulps per layer times the
    sum of the absolute path products). The sign of a neuron on an interval is read from the
    position of its root, not from a sample point. Where float cannot decide (an overflow, or
    two knots or slopes that differ but only within the tolerance), the count is redone in
    rational arithmetic and that answer is returned (as float64 arrays, or as ``Fraction``
    arrays when its numbers lie beyond the float range). With ``exact=True``
    everything is rational (no tolerance); the float weights are taken as the rational numbers
    they store.

    ``max_pieces`` (default ``FLOAT_MAX_PIECES`` = 2^18, or ``EXACT_MAX_PIECES`` = 2^15 for
    rational arithmetic) bounds the number of intervals: before each layer the bound
    (intervals) x (width + 1) is checked and a ``ValueError`` names it when it is above.
    """
    net = _check_net(net, input_dim=1)
    lo, hi = _check_interval(lo, hi)
    exact = check_bool(exact, "exact")
    tol = check_real(tol, "tol", low=0.0, high=0.5)
    if max_pieces is not None:
        max_pieces = check_int(max_pieces, "max_pieces", min_value=1)
    if not exact:
        try:
            knots, slope, icpt, change = _affine_pieces_float(
                net, float(lo), float(hi), tol, FLOAT_MAX_PIECES if max_pieces is None else max_pieces
            )
        except _Undecided as why:
            try:
                exact_pw = pieces_1d(net, lo, hi, exact=True, max_pieces=max_pieces)
            except ValueError as exc:
                raise ValueError(
                    f"net: float arithmetic cannot decide the pieces ({why}) and the exact "
                    f"recount is refused: {exc}"
                ) from exc
            try:
                return PWL1D(
                    knots=exact_pw.knots.astype(float) + 0.0,
                    slopes=exact_pw.slopes.astype(float),
                    intercepts=exact_pw.intercepts.astype(float),
                    lo=lo,
                    hi=hi,
                )
            except OverflowError:  # the exact slopes lie beyond float64: keep the rationals
                return exact_pw
    else:
        knots, slope, icpt, change = _affine_pieces_exact(
            net, lo, hi, EXACT_MAX_PIECES if max_pieces is None else max_pieces
        )
    first = np.concatenate([[True], change])
    s, c = slope[first], icpt[first]
    if net.output_dim == 1:
        s, c = s[:, 0], c[:, 0]
    knots = knots[change] if exact else knots[change] + 0.0  # + 0.0 turns -0.0 into 0.0
    return PWL1D(knots=knots, slopes=s, intercepts=c, lo=lo, hi=hi)


def breakpoints_1d(
    net: ReLUNet,
    lo=-np.inf,
    hi=np.inf,
    *,
    exact: bool = False,
    tol: float = 1e-9,
    max_pieces: int | None = None,
) -> np.ndarray:
    """The sorted points in :math:`(lo, hi)` where the slope of the net really changes
    (see :func:`pieces_1d` for the method and the tolerance)."""
    return pieces_1d(net, lo, hi, exact=exact, tol=tol, max_pieces=max_pieces).knots


def count_pieces_1d(
    net: ReLUNet,
    lo=-np.inf,
    hi=np.inf,
    *,
    exact: bool = False,
    tol: float = 1e-9,
    max_pieces: int | None = None,
) -> int:
    """The number of pieces (maximal intervals where the net is affine) on :math:`[lo, hi]`,
    computed exactly from the breakpoints (see :func:`pieces_1d`)."""
    return pieces_1d(net, lo, hi, exact=exact, tol=tol, max_pieces=max_pieces).n_pieces
