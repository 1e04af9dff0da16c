"""Exact 1-D analysis: the PWL function a ReLU net computes on an interval, its pieces."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._validate import as_float_array, check_bool, check_real
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
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or np.isnan(float(v)):
            raise TypeError(f"{name} must be a real number (or +-inf), got {v!r}")
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


def _merge_knots(old: np.ndarray, new: np.ndarray, exact: bool, tol: float) -> np.ndarray:
    if exact:
        return np.array(sorted(set(old.tolist()) | set(new.tolist())), dtype=object)
    allk = np.sort(np.concatenate([old, new]))
    if allk.size < 2:
        return allk
    keep = np.ones(allk.size, dtype=bool)
    keep[1:] = np.diff(allk) > tol * (1.0 + np.abs(allk[1:]))
    return allk[keep]


def _affine_pieces(net: ReLUNet, lo, hi, exact: bool, tol: float):
    """Knots and per-interval (slope, intercept) of the output, before merging equal slopes."""
    ws, bs = net._layers(exact)
    dt = object if exact else float
    if exact:
        lo = lo if not np.isfinite(float(lo)) else Fraction(lo)
        hi = hi if not np.isfinite(float(hi)) else Fraction(hi)
    knots = np.zeros(0, dtype=dt)
    slope = np.ones((1, 1), dtype=dt)  # h(x) = x on the single interval
    icpt = np.zeros((1, 1), dtype=dt)
    if exact:
        slope[0, 0], icpt[0, 0] = Fraction(1), Fraction(0)
    for w, b in zip(ws[:-1], bs[:-1], strict=True):
        za, zc = slope @ w.T, icpt @ w.T + b  # pre-activations, (intervals, width)
        left = np.array([lo, *knots], dtype=dt)[:, None]
        right = np.array([*knots, hi], dtype=dt)[:, None]
        nz = za != 0
        root = np.where(nz, -zc / np.where(nz, za, 1), 0)
        inside = nz & (root > left) & (root < right)
        knots_new = _merge_knots(knots, root[inside].astype(dt), exact, tol)
        reps = _representatives(knots_new, lo, hi)
        idx = np.searchsorted(knots, reps, side="right") if knots.size else np.zeros(len(reps), int)
        za, zc = za[idx], zc[idx]
        active = za * reps[:, None] + zc > 0
        zero = np.zeros_like(za)
        slope, icpt, knots = np.where(active, za, zero), np.where(active, zc, zero), knots_new
    return knots, slope @ ws[-1].T, icpt @ ws[-1].T + bs[-1]


def pieces_1d(net: ReLUNet, lo=-np.inf, hi=np.inf, *, exact: bool = False, tol: float = 1e-9) -> PWL1D:
    r"""The exact PWL description of an :math:`\mathbb{R} \to \mathbb{R}^m` net on
    :math:`[lo, hi]`.

    Each hidden neuron's pre-activation is an explicit PWL function of :math:`x` (a knot list
    with one affine map per interval); applying :math:`\sigma` adds its zero crossings as knots.
    At the output, adjacent intervals with equal slope are merged (the function is continuous,
    so they carry the same affine map): the result has one entry per *piece*, the maximal
    intervals on which :math:`f` is affine (:cite:p:`arora2018understanding` Def. 3).

    With ``exact=False`` the arithmetic is float64: knots closer than
    ``tol * (1 + |t|)`` are identified and slopes that differ by at most
    ``tol * max(1, max|slope|)`` count as equal. With ``exact=True`` everything is rational
    (no tolerance); costs grow with the number of pieces, which is fine up to some
    :math:`10^4` pieces.
    """
    net = _check_net(net, input_dim=1)
    lo, hi = _check_interval(lo, hi)
    exact = check_bool(exact, "exact")
    tol = check_real(tol, "tol", low=0.0)
    knots, slope, icpt = _affine_pieces(net, lo, hi, exact, tol)
    if exact:
        change = np.any(slope[1:] != slope[:-1], axis=1)
    else:
        scale = max(1.0, float(np.max(np.abs(slope))))
        change = np.any(np.abs(slope[1:] - slope[:-1]) > tol * scale, axis=1)
    first = np.concatenate([[True], change])
    s, c = slope[first], icpt[first]
    if net.output_dim == 1:
        s, c = s[:, 0], c[:, 0]
    knots = knots[change] if exact else knots[change] + 0.0  # + 0.0 turns -0.0 into 0.0
    return PWL1D(knots=knots, slopes=s, intercepts=c, lo=lo, hi=hi)


def breakpoints_1d(
    net: ReLUNet, lo=-np.inf, hi=np.inf, *, exact: bool = False, tol: float = 1e-9
) -> np.ndarray:
    """The sorted points in :math:`(lo, hi)` where the slope of the net really changes
    (see :func:`pieces_1d` for the method and the tolerance)."""
    return pieces_1d(net, lo, hi, exact=exact, tol=tol).knots


def count_pieces_1d(net: ReLUNet, lo=-np.inf, hi=np.inf, *, exact: bool = False, tol: float = 1e-9) -> int:
    """The number of pieces (maximal intervals where the net is affine) on :math:`[lo, hi]`,
    computed exactly from the breakpoints (see :func:`pieces_1d`)."""
    return pieces_1d(net, lo, hi, exact=exact, tol=tol).n_pieces
