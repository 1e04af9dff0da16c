"""Explicit ReLU-net constructions of Chapter 2 (Arora, Basu, Mianjy, Mukherjee, ICLR 2018).

Every function returns a :class:`dlmath.relu_nets.ReLUNet` whose weights are written down from
the proof of a theorem, so that the book can check the theorem on the object itself. Each
function names the book's result (its ``prf`` label) and the paper's numbering:

* :func:`max_affine_net` (:prf:ref:`thm-ch2-representation`; Arora et al. 2018, Thm 2.1):
  ``x ↦ max_i (A_i·x + c_i)`` for ``N`` affine maps with
  ``⌈log₂ N⌉`` hidden layers, from ``max(a, b) = σ(a−b) + σ(b) − σ(−b)`` applied in a tree.
* :func:`pwl1d_to_relu_net` (:prf:ref:`thm-ch2-one-dim-corrected`; Arora et al. 2018, Thm 2.2,
  Cor A.1, with the output bias made explicit): a continuous piecewise linear ℝ→ℝ function
  with ``p ≥ 2`` pieces as a one-hidden-layer net with an output bias and ``p`` units, ``p−1``
  when an end slope is 0.
* :func:`min_two_layer_size` (:prf:ref:`prop-ch2-exact-size`, ours): the exact smallest width
  (``p−1`` or ``p``) of such a net, and :func:`min_two_layer_net`, a net of that width.
* :func:`zigzag`, :func:`compose_hard` (:prf:ref:`thm-ch2-hard-functions`; Arora et al. 2018,
  Def. 8, Thm 3.2): the hard functions ``h_a`` and
  ``H = h_{a¹}∘…∘h_{aᵏ}`` with ``wᵏ`` pieces on ``[0, M]`` at size ``wk``; Telgarsky's
  sawtooth (:func:`dlmath.relu_nets.sawtooth_net`) is the case ``w = 2``, ``a = (½,)``.
* :func:`zonotope_support_net` (:prf:ref:`lem-ch2-support-net`; Arora et al. 2018, Lemma 3.7),
  :func:`zonotope_vertices` (:prf:ref:`thm-ch2-zonotope-vertices`; Thm 3.6) and
  :func:`zonotope_hard_net` (:prf:ref:`thm-ch2-zonotope-family`; Thm 3.9):
  ``γ_Z(r) = Σ_i |⟨r, b_i⟩|`` with ``2m`` units and
  ``H∘γ_Z``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.optimize import linprog

from ._validate import as_float_array, check_int, check_real, check_size, is_exact_number
from .depth_bounds import zonotope_vertex_bound
from .relu_nets import ReLUNet

__all__ = [
    "max_affine_net",
    "pwl1d_eval",
    "pwl1d_slopes",
    "pwl1d_to_relu_net",
    "min_two_layer_size",
    "min_two_layer_net",
    "zigzag_knots",
    "zigzag",
    "compose_hard",
    "zonotope_support_net",
    "zonotope_vertices",
    "zonotope_hard_net",
]


def _net(weights: list[np.ndarray], biases: list[np.ndarray]) -> ReLUNet:
    return ReLUNet([np.asarray(w).tolist() for w in weights], [np.asarray(b).tolist() for b in biases])


def _exact_or_float(x, name: str, **kwargs) -> np.ndarray:
    """Validate ``x`` like :func:`as_float_array`; if every entry is an int or a ``Fraction``
    return an object array of ``Fraction`` (so that the net is built in exact arithmetic)."""
    arr = as_float_array(x, name, **kwargs)
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, maybe requiring grad
        x = x.detach().cpu().numpy()
    obj = np.asarray(x, dtype=object)
    if obj.size and all(is_exact_number(v) for v in obj.ravel()):
        return np.array([Fraction(int(v)) if not isinstance(v, Fraction) else v for v in obj.ravel()],
                        dtype=object).reshape(arr.shape)
    return arr


def _exact_or_float_scalar(x, name: str, **kwargs):
    value = check_real(x, name, **kwargs)
    return Fraction(x) if is_exact_number(x) else value


def _unify(*arrays: np.ndarray) -> list[np.ndarray]:
    """All exact (object dtype) if every input is, else all float64."""
    if all(np.asarray(a).dtype == object for a in arrays):
        return [np.asarray(a, dtype=object) for a in arrays]
    return [np.asarray(a, dtype=float) for a in arrays]


# --------------------------------------------------------------------------------------------
# Arora et al. 2018, Thm 2.1: max of affine maps
# --------------------------------------------------------------------------------------------


def max_affine_net(A, c=None) -> ReLUNet:
    """:prf:ref:`thm-ch2-representation` (Arora et al. 2018, Thm 2.1): a ReLU net computing
    ``x ↦ max_{i} (A[i]·x + c[i])``.

    With ``N = A.shape[0] ≥ 2`` affine maps on ℝⁿ the net has ``⌈log₂ N⌉`` hidden layers
    (depth ``⌈log₂ N⌉ + 1``): each layer halves the list with
    ``max(a, b) = σ(a − b) + σ(b) − σ(−b)`` (3 units per pair) and carries an odd one out as
    ``a = σ(a) − σ(−a)`` (2 units). For ``N = n+1`` this is the depth of Thm 2.1.
    """
    A = as_float_array(A, "A", ndim=2)
    N, n = A.shape
    if N < 2 or n < 1:
        raise ValueError(f"A must have at least 2 rows and 1 column, got shape {A.shape}")
    c = np.zeros(N) if c is None else as_float_array(c, "c", shape=(N,))
    L, o = A, c  # current values = L @ (previous layer output) + o
    weights, biases = [], []
    while L.shape[0] > 1:
        k = L.shape[0]
        rows_P, rows_Q = [], []  # pre-activation combinations and the recombination
        for j in range(0, k - 1, 2):
            ea, eb = np.eye(k)[j], np.eye(k)[j + 1]
            rows_P += [ea - eb, eb, -eb]
            rows_Q.append([1.0, 1.0, -1.0])
        if k % 2:
            e = np.eye(k)[k - 1]
            rows_P += [e, -e]
            rows_Q.append([1.0, -1.0])
        P = np.array(rows_P)
        weights.append(P @ L)
        biases.append(P @ o)
        Q = np.zeros((len(rows_Q), P.shape[0]))
        col = 0
        for i, q in enumerate(rows_Q):
            Q[i, col : col + len(q)] = q
            col += len(q)
        L, o = Q, np.zeros(len(rows_Q))
    weights.append(L)
    biases.append(o)
    return _net(weights, biases)


# --------------------------------------------------------------------------------------------
# Arora et al. 2018, Thm 2.2 / Cor A.1: one-dimensional PWL functions
# --------------------------------------------------------------------------------------------


def _check_pwl(breakpoints, values, s_left, s_right):
    a = _exact_or_float(breakpoints, "breakpoints", ndim=1, min_size=1)
    b = _exact_or_float(values, "values", ndim=1)
    if b.shape != a.shape:
        raise ValueError(f"values must have the shape of breakpoints {a.shape}, got {b.shape}")
    if np.any(np.diff(a) <= 0):
        raise ValueError("breakpoints must be strictly increasing")
    sl = _exact_or_float_scalar(s_left, "s_left")
    sr = _exact_or_float_scalar(s_right, "s_right")
    exact_ends = all(map(is_exact_number, (sl, sr)))
    a, b, ends = _unify(a, b, np.array([sl, sr], dtype=object if exact_ends else float))
    return a, b, ends[0], ends[1]


def pwl1d_slopes(breakpoints, values, s_left: float, s_right: float) -> np.ndarray:
    """The ``p`` slopes of the PWL function with knots ``(breakpoints[i], values[i])``
    (``Fraction`` entries when every input is an int or a ``Fraction``)."""
    a, b, sl, sr = _check_pwl(breakpoints, values, s_left, s_right)
    ends = np.array([sl, sr], dtype=a.dtype)
    return np.concatenate([ends[:1], np.diff(b) / np.diff(a), ends[1:]])


def pwl1d_eval(breakpoints, values, s_left: float, s_right: float, x) -> np.ndarray:
    """Evaluate the continuous PWL function through the knots, with end slopes ``s_left``,
    ``s_right`` (the reference the constructions are checked against; float64)."""
    a, b, sl, sr = (np.asarray(v, dtype=float) for v in _check_pwl(breakpoints, values, s_left, s_right))
    x = as_float_array(x, "x")
    y = np.interp(x, a, b)
    y = np.where(x < a[0], b[0] + sl * (x - a[0]), y)
    return np.where(x > a[-1], b[-1] + sr * (x - a[-1]), y)


def pwl1d_to_relu_net(breakpoints, values, s_left: float, s_right: float) -> ReLUNet:
    """:prf:ref:`thm-ch2-one-dim-corrected` (Arora et al. 2018, Thm 2.2 and Cor A.1, stated as
    :prf:ref:`thm-ch2-one-dim`): the flap construction of a ``p``-piece PWL ℝ→ℝ function.

    ``breakpoints`` ``a_1 < … < a_{p−1}`` carry ``values`` ``b_i``; the end slopes are
    ``s_left`` and ``s_right``. With slopes ``m_0 = s_left, m_1, …, m_{p−1} = s_right``
    (:prf:ref:`thm-ch2-one-dim-corrected`; the net has an output bias):

    * default (Appendix A): left flaps ``c_i σ(a_i − x)`` at every breakpoint, with
      ``c_i = m'_i − m_{i−1}`` where ``m'_{p−1} = 0``, one right flap ``s_right·σ(x − a_{p−1})``
      and output bias ``b_{p−1}``: ``p`` units;
    * if ``s_right = 0`` the right flap vanishes; if ``s_left = 0`` (and ``s_right ≠ 0``) the
      mirror image is used (right flaps, anchor ``a_1``): ``p − 1`` units (Cor A.1).

    Units whose output weight is exactly 0 (a knot that is not a kink) are dropped. If every
    input is an int or a ``Fraction`` the net is built in exact rational arithmetic.
    """
    a, b, sl, sr = _check_pwl(breakpoints, values, s_left, s_right)
    slopes = pwl1d_slopes(a, b, sl, sr)
    one = np.ones(len(a), dtype=int).astype(a.dtype)
    inner = slopes.copy()
    if sl == 0 and sr != 0:  # mirror: right flaps, anchored at a_1
        inner[0] = 0
        w_in, b_in = one, -a
        w_out, bias = np.diff(inner), b[0]
    else:
        inner[-1] = 0
        w_in, b_in = -one, a.copy()
        w_out, bias = np.diff(inner), b[-1]
        if sr != 0:
            w_in, b_in = np.append(w_in, one[:1]), np.append(b_in, -a[-1:])
            w_out = np.append(w_out, np.array([sr], dtype=a.dtype))
    keep = w_out != 0
    if not np.any(keep):  # an affine function with a zero end slope: a constant
        keep[0] = True
    return _net([w_in[keep][:, None], w_out[keep][None, :]], [b_in[keep], np.array([bias], dtype=a.dtype)])


def min_two_layer_size(breakpoints, values, s_left: float, s_right: float, *, tol: float = 1e-9) -> int:
    """The fewest hidden units of a one-hidden-layer net (with output bias) computing the PWL
    function, when every breakpoint is a genuine kink. Our derivation, not the paper's.

    Every unit contributes at most one kink, so ``≥ p − 1`` units (Thm 2.2). With exactly
    ``p − 1`` units there is one per breakpoint; a right-pointing unit at ``a_i`` adds its slope
    jump ``δ_i`` to everything right of ``a_i``, a left-pointing one subtracts it on the left.
    Hence ``s_right = Σ_{i∈R} δ_i`` for the set ``R`` of right-pointing units, and ``p − 1``
    units suffice iff some subset of the jumps sums to ``s_right``; otherwise ``p`` (the flap
    construction). Exponential in ``p`` (subset sums); ``p ≤ 21``.
    """
    tol = check_real(tol, "tol", low=0.0)
    slopes = pwl1d_slopes(breakpoints, values, s_left, s_right)
    jumps = np.diff(slopes)
    if len(jumps) > 20:
        raise ValueError(f"breakpoints must have at most 20 entries, got {len(jumps)}")
    scale = max(1.0, float(np.max(np.abs(slopes))))
    if np.any(np.abs(jumps) <= tol * scale):
        raise ValueError("every breakpoint must be a kink (slopes on both sides must differ)")
    sums = np.zeros(1)
    for d in jumps:
        sums = np.concatenate([sums, sums + d])
    p = len(slopes)
    return p - 1 if np.any(np.abs(sums - s_right) <= tol * scale * p) else p


# --------------------------------------------------------------------------------------------
# Hard functions: zig-zags and their compositions
# --------------------------------------------------------------------------------------------


def zigzag_knots(a, M: float = 1.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Knots of ``h_a`` (Arora et al. 2018, Def. 8; :prf:ref:`thm-ch2-hard-functions`):
    breakpoints ``0, a_1, …, a_p``, values ``M·(i mod 2)``, and
    the slope of the last piece, which joins ``(a_p, h(a_p))`` to ``(M, M·((p+1) mod 2))`` and
    continues past ``M``. ``a`` must lie in ``Δ^p_M``: ``0 < a_1 < … < a_p < M``."""
    M = _exact_or_float_scalar(M, "M", low=0.0, low_inclusive=False)
    a = _exact_or_float(a, "a", ndim=1, min_size=1)
    exact = a.dtype == object and isinstance(M, Fraction)
    dt = object if exact else float
    knots = np.concatenate([np.array([0 * M], dtype=dt), a.astype(dt), np.array([M], dtype=dt)])
    if np.any(np.diff(knots) <= 0):
        raise ValueError(f"a must satisfy 0 < a_1 < ... < a_p < M={M}, got {a}")
    vals = np.array([M * (i % 2) for i in range(len(a) + 2)], dtype=dt)
    return knots[:-1], vals[:-1], (vals[-1] - vals[-2]) / (M - knots[-2])


def zigzag(a, M: float = 1.0) -> ReLUNet:
    """``h_a`` as a one-hidden-layer net with ``w = p + 1`` units (Cor A.1, flat left end).

    On ``[0, M]`` it has ``w`` affine pieces, each mapping its interval onto ``[0, M]``.
    """
    knots, vals, s_right = zigzag_knots(a, M)
    return pwl1d_to_relu_net(knots, vals, 0 * s_right, s_right)


def compose_hard(a_list: list, M: float = 1.0) -> ReLUNet:
    """``H = h_{a¹} ∘ h_{a²} ∘ … ∘ h_{aᵏ}`` (``aᵏ`` acts first) as a net with ``k`` hidden layers
    of widths ``len(aⁱ) + 1``; with all ``w`` equal it has exactly ``wᵏ`` pieces on ``[0, M]``
    (:prf:ref:`thm-ch2-hard-functions`; Arora et al. 2018, Thm 3.2, Lemma B.1)."""
    if isinstance(a_list, (str, bytes)) or not hasattr(a_list, "__len__") or len(a_list) == 0:
        raise ValueError("a_list must be a non-empty sequence of parameter vectors")
    nets = [zigzag(a, M) for a in a_list]
    H = nets[-1]
    for outer in reversed(nets[:-1]):
        H = outer.compose(H)
    return H


# --------------------------------------------------------------------------------------------
# Zonotopes
# --------------------------------------------------------------------------------------------


def _generators(B) -> np.ndarray:
    B = _exact_or_float(B, "B", ndim=2, min_size=1)
    if np.any(np.all(B == 0, axis=1)):
        raise ValueError("B must not contain a zero generator (row)")
    return B


def zonotope_support_net(B) -> ReLUNet:
    """:prf:ref:`lem-ch2-support-net` (Arora et al. 2018, Lemma 3.7):
    ``γ_Z(r) = max_{z∈Z} ⟨r, z⟩ = Σ_i |⟨r, b_i⟩|`` for ``Z = {Σ λ_i b_i : |λ_i| ≤ 1}``,
    as a one-hidden-layer net with ``2m`` units ``σ(⟨r, b_i⟩), σ(−⟨r, b_i⟩)``.
    ``B`` holds the ``m`` generators as rows (shape ``(m, n)``)."""
    B = _generators(B)
    m = B.shape[0]
    return _net(
        [np.vstack([B, -B]), np.ones((1, 2 * m), dtype=int)],
        [np.zeros(2 * m, dtype=int), np.zeros(1, dtype=int)],
    )


MAX_VERTICES = 20_000  # default limit of zonotope_vertices (about one LP per vertex and generator)


def zonotope_vertices(
    B, *, return_directions: bool = False, max_vertices: int = MAX_VERTICES
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """:prf:ref:`thm-ch2-zonotope-vertices` (Arora et al. 2018, Thm 3.6): the vertices
    ``Σ_i ε_i b_i`` of ``Z(B)``, one per cell of the central hyperplane
    arrangement ``{r : ⟨r, b_i⟩ = 0}`` (``ε`` = the cell's sign vector).

    Cells are built generator by generator; a sign vector is kept when the LP
    ``ε_i ⟨r, b_i⟩ ≥ 1 ∀i`` is feasible (scipy HiGHS). A cell's known interior point already
    settles the side it lies on, so only the other side needs an LP. Independent of
    ``ConvexHull``. With
    ``return_directions=True`` also returns, per vertex ``v``, a direction ``r`` strictly inside
    its cell (the LP's solution), on which ``γ_Z(r) = ⟨r, v⟩``. The vertex count of generic
    generators (:func:`dlmath.depth_bounds.zonotope_vertex_bound`) is checked against
    ``max_vertices`` first.
    """
    B = np.asarray(_generators(B), dtype=float)
    m, n = B.shape
    max_vertices = check_int(max_vertices, "max_vertices", min_value=1)
    check_size(zonotope_vertex_bound(n, m), max_vertices,
               f"the vertex count of {m} generators in R^{n}", "a larger max_vertices")
    cells = [(np.zeros(0), np.zeros(n))]
    for j in range(m):
        grown = []
        for eps, r in cells:
            t = float(r @ B[j])
            if j > 0 and t != 0.0:  # the known interior point already fixes one side: no LP
                grown.append((np.append(eps, np.sign(t)), r * max(1.0, 1.0 / abs(t))))
            for s in (1.0, -1.0):
                if j > 0 and t != 0.0 and s == np.sign(t):
                    continue
                e = np.append(eps, s)
                res = linprog(
                    np.zeros(n),
                    A_ub=-(e[:, None] * B[: j + 1]),
                    b_ub=-np.ones(j + 1),
                    bounds=[(None, None)] * n,
                    method="highs",
                )
                if res.status == 0:
                    grown.append((e, res.x))
        cells = grown
    vertices = np.array([e @ B for e, _ in cells])
    if return_directions:
        return vertices, np.array([r for _, r in cells])
    return vertices


def zonotope_hard_net(B, a_list: list, M: float = 1.0) -> ReLUNet:
    """:prf:ref:`thm-ch2-zonotope-family` (Arora et al. 2018, Thm 3.9):
    ``H_{a¹…aᵏ} ∘ γ_{Z(B)}``, a net with ``k + 1`` hidden layers and size ``2m + wk``."""
    return compose_hard(a_list, M).compose(zonotope_support_net(B))


def min_two_layer_net(breakpoints, values, s_left: float, s_right: float, *, tol: float = 1e-9):
    """The net that :func:`min_two_layer_size` promises: one hidden layer of the fewest units,
    with an output bias (:prf:ref:`prop-ch2-exact-size`, our derivation).

    With slopes ``m_0, …, m_{p−1}`` and jumps ``δ_i = m_i − m_{i−1}``: if a subset ``R`` of the
    jumps sums to ``s_right``, unit ``i`` is ``δ_i σ(x − a_i)`` for ``i ∈ R`` and
    ``δ_i σ(a_i − x)`` otherwise (both change the slope by ``δ_i`` at ``a_i``), and the output
    bias fixes the value at ``a_1``: ``p − 1`` units. Otherwise the flap construction
    :func:`pwl1d_to_relu_net` with ``p`` units. Float64; ``p ≤ 21`` (subset sums).
    """
    need = min_two_layer_size(breakpoints, values, s_left, s_right, tol=tol)
    slopes = pwl1d_slopes(breakpoints, values, s_left, s_right).astype(float)
    a = np.asarray(breakpoints, dtype=float)
    b = np.asarray(values, dtype=float)
    if need == len(slopes):
        return pwl1d_to_relu_net(a, b, float(s_left), float(s_right))
    jumps = np.diff(slopes)
    scale = max(1.0, float(np.max(np.abs(slopes))))
    right = None
    for mask in range(2 ** len(jumps)):  # the first subset whose jumps sum to the right slope
        chosen = np.array([(mask >> i) & 1 for i in range(len(jumps))], dtype=bool)
        if abs(jumps[chosen].sum() - slopes[-1]) <= tol * scale * len(slopes):
            right = chosen
            break
    if right is None:  # pragma: no cover - min_two_layer_size found the same subset
        raise RuntimeError("no subset of the slope jumps sums to the right slope")
    w_in = np.where(right, 1.0, -1.0)
    b_in = np.where(right, -a, a)
    at_a1 = float(np.sum(jumps * np.maximum(w_in * a[0] + b_in, 0.0)))
    return _net([w_in[:, None], jumps[None, :]], [b_in, np.array([b[0] - at_a1])])
