"""Counting bounds for ReLU nets: pieces, sizes, depth separations (Chapter 2).

Closed-form numbers from Arora, Basu, Mianjy and Mukherjee (ICLR 2018), the paper behind
Chapter 2 of the thesis, and the counts they are compared with. Each names the book's result
(its ``prf`` label) and the paper's numbering (Arora et al. 2018 unless stated):

* :func:`max_pieces_1d` (:prf:ref:`lem-ch2-pieces`; Lemma D.5): an ℝ→ℝ ReLU net with hidden
  widths :math:`w_1,\\dots,w_k`
  has at most :math:`2^{k-1}(w_1+1)w_2\\cdots w_k` affine pieces.
* :func:`min_size_for_pieces` and :func:`max_pieces_for_size` (:prf:ref:`lem-ch2-size-pieces`;
  Lemma D.6, AM-GM applied to D.5):
  size :math:`\\ge \\tfrac12 k p^{1/k} - 1` for :math:`p` pieces at depth :math:`k+1`; at most
  :math:`(2s/k)^k` pieces at size :math:`s`.
* :func:`depth_gap_size_bound` (:prf:ref:`thm-ch2-depth-gap`; Thm 3.1): any :math:`(k'+1)`-layer
  net representing a member of
  the hard family of depth :math:`k+1`, width :math:`w` has size
  :math:`\\ge \\tfrac12 k' w^{k/k'} - 1`; :func:`cor34_size_bound` is the case
  :math:`w=k`, :math:`k^2` hidden layers, :math:`k'=k`: :math:`\\tfrac12 k^{k+1}-1`.
* :func:`approx_size_threshold` (:prf:ref:`thm-ch2-approx-hardness`; Thm 3.5, constant recalled,
  not checked against the paper).
* :func:`zigzag_l1_lower_bound` (:prf:ref:`prop-ch2-sawtooth-l1`, our derivation, in the spirit
  of Thm 3.5): the L¹ distance from
  a regular sawtooth with ``N`` pieces to any function with ``q`` pieces; and
  :func:`fit_relu_net` (and :func:`fit_relu_net_path`, its error-against-steps curve), the
  gradient-descent baseline the book compares with, and :func:`random_kink_fit`, least
  squares over random kinks; :func:`max_pieces_product` (the sharper bound
  :math:`\\prod_i(w_i+1)` that the proof of Lemma D.5 gives) and
  :func:`sawtooth_approx_size_bound` (our approximation version of the Telgarsky comparison).
* :func:`zonotope_vertex_bound` (:prf:ref:`thm-ch2-zonotope-vertices`; Thm 3.6),
  :func:`zonotope_pieces_stated` (:prf:ref:`thm-ch2-zonotope-family`; Thm 3.9 (i) as stated) and
  :func:`zonotope_pieces_naive` (twice that: one region per vertex cone and
  H-piece), :func:`montufar_regions_bound` (Montúfar et al. 2014, Thm 4, recalled).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from math import comb, prod

import numpy as np

from ._validate import as_float_array, check_int, check_real, check_size
from .relu_nets import ReLUNet

__all__ = [
    "max_pieces_1d",
    "min_size_for_pieces",
    "max_pieces_for_size",
    "depth_gap_size_bound",
    "cor34_size_bound",
    "approx_size_threshold",
    "telgarsky_size_bound",
    "zigzag_l1_lower_bound",
    "fit_relu_net",
    "fit_relu_net_path",
    "random_kink_fit",
    "max_pieces_product",
    "sawtooth_approx_size_bound",
    "binomial_prefix_sum",
    "zonotope_vertex_bound",
    "zonotope_pieces_stated",
    "zonotope_pieces_naive",
    "zonotope_architecture",
    "montufar_regions_bound",
]


def _float_bound(fn):
    """Turn an ``OverflowError`` of a float bound (arguments too large for float arithmetic)
    into a ``ValueError`` naming the function."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except OverflowError as exc:
            raise ValueError(
                f"{fn.__name__}: the arguments are too large for float arithmetic ({exc}); "
                "compare logarithms instead"
            ) from exc

    return wrapper


def _in_float_range(log10_value: float, what: str, direct) -> float:
    """``direct()`` (the formula as written), or a ``ValueError`` naming ``what`` and its size
    ``10**log10_value`` when that lies beyond the float range (instead of a bare ``OverflowError``)."""
    if log10_value > 307.0:
        raise ValueError(
            f"{what} is about 10^{log10_value:.4g}, beyond the float range (about 1.8e308); "
            "compare logarithms instead"
        )
    return float(direct())


def _widths(widths: Sequence[int], name: str = "widths") -> list[int]:
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__"):
        raise TypeError(f"{name} must be a sequence of positive integers, got {type(widths).__name__}")
    if len(widths) == 0:
        raise ValueError(f"{name} must contain at least one hidden width")
    return [check_int(w, f"{name}[{i}]", min_value=1) for i, w in enumerate(widths)]


def max_pieces_1d(widths: list[int] | tuple[int, ...]) -> int:
    """:prf:ref:`lem-ch2-pieces` (Arora et al. 2018, Lemma D.5): the most pieces of an ℝ→ℝ ReLU
    net with hidden widths ``widths``.

    .. math:: \\#\\text{pieces} \\le 2^{k-1}(w_1+1)\\,w_2\\cdots w_k .
    """
    w = _widths(widths)
    return 2 ** (len(w) - 1) * (w[0] + 1) * prod(w[1:])


@_float_bound
def min_size_for_pieces(p: int, k: int) -> float:
    """:prf:ref:`lem-ch2-size-pieces` (Arora et al. 2018, Lemma D.6): a ``p``-piece ℝ→ℝ function
    at depth ``k+1`` needs size ``≥ k p^{1/k}/2 − 1``."""
    p = check_int(p, "p", min_value=1)
    k = check_int(k, "k", min_value=1)
    log10_value = math.log10(0.5 * k) + math.log10(p) / k
    root = (lambda: p ** (1.0 / k)) if p < 2**1000 else (lambda: math.exp(math.log(p) / k))
    return _in_float_range(log10_value, "the size bound k p^(1/k)/2 - 1", lambda: 0.5 * k * root() - 1.0)


@_float_bound
def max_pieces_for_size(s: int, k: int) -> float:
    """:prf:ref:`lem-ch2-size-pieces` (Arora et al. 2018, Lemma D.6): a net of depth ``k+1`` and
    size ``≤ s`` has at most ``(2s/k)^k`` pieces."""
    s = check_int(s, "s", min_value=1)
    k = check_int(k, "k", min_value=1)
    log10_value = k * math.log10(2.0 * s / k)
    return _in_float_range(log10_value, "the piece bound (2s/k)^k", lambda: (2.0 * s / k) ** k)


@_float_bound
def depth_gap_size_bound(k: int, w: int, k_prime: int) -> float:
    """:prf:ref:`thm-ch2-depth-gap` (Arora et al. 2018, Thm 3.1): size lower bound
    ``k' w^{k/k'}/2 − 1`` for ``k'+1`` layers (``1 ≤ k' ≤ k``).

    The hard family has ``k+1`` layers, width ``w`` and ``w^k`` pieces; the bound is
    :func:`min_size_for_pieces` at ``p = w^k``.
    """
    k = check_int(k, "k", min_value=1)
    w = check_int(w, "w", min_value=2)
    k_prime = check_int(k_prime, "k_prime", min_value=1, max_value=k)
    log10_value = math.log10(0.5 * k_prime) + (k / k_prime) * math.log10(w)
    return _in_float_range(log10_value, "the size bound k' w^(k/k')/2 - 1",
                           lambda: 0.5 * k_prime * w ** (k / k_prime) - 1.0)


def cor34_size_bound(k: int) -> float:
    """Cor 3.4: the hard net with ``k²`` hidden layers of width ``k`` (size ``k³``) needs
    ``≥ k^{k+1}/2 − 1`` nodes at ``≤ k`` hidden layers (Thm 3.1 with ``w=k``, ``k'=k``)."""
    k = check_int(k, "k", min_value=2)
    return depth_gap_size_bound(k * k, k, k)


@_float_bound
def approx_size_threshold(k: int, w: int, k_prime: int, delta: float) -> float:
    """:prf:ref:`thm-ch2-approx-hardness` (Arora et al. 2018, Thm 3.5; constant recalled): nets
    of depth ``≤ k'+1`` and size below
    ``k' w^{k/k'} (1−4δ)^{1/k'} / 2^{1+1/k'}`` stay ``> δ`` away in L¹([0,1]) from ``f_{k,w}``."""
    k = check_int(k, "k", min_value=1)
    w = check_int(w, "w", min_value=2)
    k_prime = check_int(k_prime, "k_prime", min_value=1, max_value=k)
    delta = check_real(delta, "delta", low=0.0, high=0.25, low_inclusive=False, high_inclusive=False)
    log10_value = (
        math.log10(k_prime)
        + (k / k_prime) * math.log10(w)
        + math.log10(1 - 4 * delta) / k_prime
        - (1 + 1 / k_prime) * math.log10(2)
    )
    return _in_float_range(
        log10_value,
        "the size threshold of Thm 3.5",
        lambda: k_prime * w ** (k / k_prime) * (1 - 4 * delta) ** (1 / k_prime) / 2 ** (1 + 1 / k_prime),
    )


@_float_bound
def telgarsky_size_bound(k: int) -> tuple[float, float]:
    """Telgarsky's sawtooth at depth ``k³`` against nets of depth ``k``: his bound ``2^k`` and
    the Thm 3.1 bound ``k 2^{k²}/2 − 1`` (sawtooth = hard family with ``w = 2``, ``k³`` layers)."""
    k = check_int(k, "k", min_value=1)
    telgarsky = _in_float_range(k * math.log10(2), "Telgarsky's bound 2^k", lambda: 2**k)
    return telgarsky, depth_gap_size_bound(k**3, 2, k)


def zigzag_l1_lower_bound(n_pieces: int, q: int) -> float:
    """Our derivation: ``∫₀¹ |H − g| ≥ max(0, ⌊N/2⌋ − (q − 1)) / (2N)`` for the regular
    sawtooth ``H`` with ``N`` pieces of length ``1/N`` on ``[0, 1]``, each rising from 0 to 1 or
    falling from 1 to 0 (:func:`dlmath.constructions.compose_hard` with ``a = (1/w, …, (w−1)/w)``),
    and every continuous ``g`` with at most ``q`` affine pieces on ``[0, 1]``.

    The ``⌊N/2⌋`` disjoint pairs of neighbouring pieces are tents (or upside-down tents) of
    width ``2/N``; at most ``q − 1`` of them contain a breakpoint of ``g``. On each remaining
    pair ``g`` is affine, and the best affine L¹ fit of a symmetric tent of width ``L`` is the
    constant ½ with error ``L/4`` (average ``g`` with its mirror image: the error does not grow).
    """
    n_pieces = check_int(n_pieces, "n_pieces", min_value=1)
    q = check_int(q, "q", min_value=1)
    return max(0, n_pieces // 2 - (q - 1)) / (2 * n_pieces)


def fit_relu_net(
    hidden_widths: list[int] | tuple[int, ...], x, y, *, steps: int, lr: float = 1e-2, seed: int = 0
) -> ReLUNet:
    """Fit a fresh ℝ→ℝ ReLU net (PyTorch default initialization, output bias) to ``(x, y)`` by
    full-batch Adam on the mean squared error with a cosine learning-rate schedule.

    The net is trained on the standardized input ``u = (x − mean)/std`` (so that the initial
    kinks fall among the data) and returned, with that affine map folded into its first layer,
    as a :class:`dlmath.relu_nets.ReLUNet` of ``x``. The global torch RNG is left untouched
    (the initialization uses its own seed). Training runs on one CPU thread.
    """
    steps = check_int(steps, "steps", min_value=1, max_value=10**9)
    return fit_relu_net_path(hidden_widths, x, y, checkpoints=[steps], lr=lr, seed=seed)[0]


def fit_relu_net_path(
    hidden_widths: list[int] | tuple[int, ...],
    x,
    y,
    *,
    checkpoints: Sequence[int],
    lr: float = 1e-2,
    seed: int = 0,
) -> list:
    """The nets of one :func:`fit_relu_net` run of ``max(checkpoints)`` steps, taken after each
    number of steps in ``checkpoints`` (increasing): the error-against-steps curve of a fixed
    budget (the cosine schedule spans the whole budget). Returns a list of
    :class:`dlmath.relu_nets.ReLUNet`, one per checkpoint. The book's training experiment
    compares these nets with :prf:ref:`prop-ch2-sawtooth-l1`.
    """
    import torch  # torch only when a net is fitted: the counting bounds stay light to import

    from .nets import build_mlp

    widths = _widths(hidden_widths, "hidden_widths")
    x = as_float_array(x, "x", ndim=1, min_size=2)
    y = as_float_array(y, "y", shape=(x.shape[0],))
    if isinstance(checkpoints, (str, bytes)) or not hasattr(checkpoints, "__len__") or not checkpoints:
        raise ValueError("checkpoints must be a non-empty sequence of step counts")
    marks = [
        check_int(c, f"checkpoints[{i}]", min_value=1, max_value=10**9) for i, c in enumerate(checkpoints)
    ]
    if any(b <= a for a, b in zip(marks, marks[1:], strict=False)):
        raise ValueError(f"checkpoints must be strictly increasing, got {marks}")
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    seed = check_int(seed, "seed", min_value=0)
    model = build_mlp([1, *widths, 1], seed=seed, dtype=torch.float64)
    mean, std = float(x.mean()), float(x.std()) or 1.0
    xt = torch.as_tensor((x - mean) / std)[:, None]
    yt = torch.as_tensor(y)[:, None]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=marks[-1])

    def snapshot():
        net = ReLUNet.from_torch(model)
        ws, bs = list(net.weights), list(net.biases)
        ws[0], bs[0] = ws[0] / std, bs[0] - ws[0][:, 0] * mean / std
        return ReLUNet(ws, bs)

    nets = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny problems: extra threads only add overhead (and contention)
    try:
        for step in range(1, marks[-1] + 1):
            opt.zero_grad()
            loss = torch.mean((model(xt) - yt) ** 2)
            loss.backward()
            opt.step()
            sched.step()
            if step in marks:
                nets.append(snapshot())
    finally:
        torch.set_num_threads(threads)
    return nets


MAX_INT_BITS = 10**7  # exact integer results longer than this are refused (a hang, not an answer)
MAX_BIT_WORK = 5 * 10**8  # bit operations allowed for an exact binomial sum (about 0.3 s)


def _log2_comb(N: int, k: int) -> float:
    if N > 2**52:  # beyond exact floats: the bound C(N, k) <= N**k
        return k * math.log2(N)
    return (math.lgamma(N + 1) - math.lgamma(k + 1) - math.lgamma(N - k + 1)) / math.log(2)


def binomial_prefix_sum(N: int, k: int, *, max_work: float = MAX_BIT_WORK) -> int:
    """Exact :math:`\\sum_{i=0}^{k}\\binom{N}{i}` (``N >= 0``, ``k >= -1``), by the recurrence
    :math:`\\binom{N}{i+1}=\\binom{N}{i}(N-i)/(i+1)` and, past ``N/2``, the complement
    :math:`2^N-\\sum_{i<N-k}\\binom{N}{i}`.

    Fails fast with a ``ValueError`` when (terms) x (bits of the largest term) exceeds ``max_work``.
    """
    N = check_int(N, "N", min_value=0)
    k = check_int(k, "k", min_value=-1)
    max_work = check_real(max_work, "max_work", low=0.0)
    k = min(k, N)
    if k < 0:
        return 0
    if k == N:
        check_size(N, max_work, "the bit length of 2**N", "a larger max_work")
        return 2**N
    terms = min(k, N - 1 - k) + 1
    j = min(k, N - 1 - k)
    bits = _log2_comb(N, min(j, N // 2)) + 1
    check_size(terms * max(bits, 1.0), max_work, f"the exact sum of {terms} binomials of up to "
               f"{bits:.3g} bits (bit operations)", "a larger max_work")
    if 2 * k > N:
        return 2**N - binomial_prefix_sum(N, N - 1 - k, max_work=max_work)
    total, term = 0, 1
    for i in range(k + 1):
        total += term
        term = term * (N - i) // (i + 1)
    return total


def zonotope_vertex_bound(n: int, m: int, *, max_work: float = MAX_BIT_WORK) -> int:
    """:prf:ref:`thm-ch2-zonotope-vertices` (Arora et al. 2018, Thm 3.6): a zonotope of ``m``
    generators in ℝⁿ has ``≤ 2 Σ_{i<n} C(m−1, i)`` vertices
    (equality for generic generators). Huge arguments fail fast (see
    :func:`binomial_prefix_sum`)."""
    n = check_int(n, "n", min_value=1)
    m = check_int(m, "m", min_value=1)
    return 2 * binomial_prefix_sum(m - 1, n - 1, max_work=max_work)


def zonotope_pieces_stated(n: int, m: int, w: int, k: int) -> int:
    """:prf:ref:`thm-ch2-zonotope-family` (Arora et al. 2018, Thm 3.9 (i) as stated):
    ``Σ_{i<n} C(m−1, i)·w^k`` pieces of ``H∘γ_Z``."""
    w = check_int(w, "w", min_value=2)
    k = check_int(k, "k", min_value=1)
    check_size(k * w.bit_length(), MAX_INT_BITS, "the bit length of w**k")
    return zonotope_vertex_bound(n, m) // 2 * w**k


def zonotope_pieces_naive(n: int, m: int, w: int, k: int) -> int:
    """One piece per (vertex cone of ``γ_Z``, piece of ``H`` on ``[0, M]``): twice the stated count."""
    return 2 * zonotope_pieces_stated(n, m, w, k)


def zonotope_architecture(m: int, w: int, k: int) -> dict[str, int]:
    """Hidden layers, width and size of ``H∘γ_Z``: ``k+1`` hidden layers, width ``max(2m, w)``,
    size ``2m + wk`` (Thm 3.9 (i))."""
    m = check_int(m, "m", min_value=1)
    w = check_int(w, "w", min_value=2)
    k = check_int(k, "k", min_value=1)
    return {"hidden_layers": k + 1, "width": max(2 * m, w), "size": 2 * m + w * k}


def montufar_regions_bound(n0: int, widths: list[int] | tuple[int, ...]) -> int:
    """Montúfar et al. (2014), Thm 4 (recalled): a net with ``n0`` inputs and hidden widths
    ``n_1..n_L``, all ``≥ n0``, has at least
    ``Π_{i<L} ⌊n_i/n0⌋^{n0} · Σ_{j=0}^{n0} C(n_L, j)`` linear regions.

    Raises ``ValueError`` when a width is below ``n0`` (the theorem says nothing there).
    """
    n0 = check_int(n0, "n0", min_value=1)
    w = _widths(widths)
    if min(w) < n0:
        raise ValueError(f"widths must all be >= n0={n0} for Montufar's bound, got {w}")
    return prod((wi // n0) ** n0 for wi in w[:-1]) * sum(comb(w[-1], j) for j in range(n0 + 1))


def max_pieces_product(s: int, k: int) -> float:
    """The most pieces of an ℝ→ℝ net with ``k`` hidden layers of total size ``s``, from the
    product form of the proof of Lemma D.5 (:prf:ref:`lem-ch2-pieces`): with widths
    ``w_i ≥ 1``, at most ``∏(w_i + 1) ≤ ((s + k)/k)^k`` pieces (AM–GM). A net with fewer units
    than layers has an empty layer and is constant (one piece)."""
    s = check_int(s, "s", min_value=0, max_value=2**1000)
    k = check_int(k, "k", min_value=1, max_value=2**1000)
    if s < k:
        return 1.0
    log2_bound = k * math.log2((s + k) / k)
    check_size(log2_bound, 1000, "the base-2 logarithm of the bound ((s + k)/k)^k (float range)")
    return 2.0**log2_bound


def sawtooth_approx_size_bound(n_pieces: int, k_prime: int, delta: float) -> float:
    """Our derivation: a net with ``k'`` hidden layers within L¹ distance ``δ`` of the regular
    sawtooth with ``N = n_pieces`` pieces has size ``≥ k'((N(½ − 2δ))^{1/k'} − 1)``.

    By :func:`zigzag_l1_lower_bound` it needs ``q − 1 ≥ ⌊N/2⌋ − 2Nδ`` pieces beyond the first,
    and by :func:`max_pieces_product` ``q ≤ ((s + k')/k')^{k'}``. For Telgarsky's sawtooth
    with ``N = 2^{k³}`` and ``k' = k`` this is ``Ω(k 2^{k²})`` for every ``δ < ¼``
    (:prf:ref:`cor-ch2-telgarsky-approx`). Returns 0 when the bound is vacuous.
    """
    n_pieces = check_int(n_pieces, "n_pieces", min_value=2, max_value=2**1000)
    k_prime = check_int(k_prime, "k_prime", min_value=1, max_value=2**1000)
    delta = check_real(delta, "delta", low=0.0, high=0.25, low_inclusive=False, high_inclusive=False)
    q_min = n_pieces // 2 - 2 * n_pieces * delta + 1
    return max(0.0, k_prime * (q_min ** (1.0 / k_prime) - 1.0))


def random_kink_fit(x, y, width: int, *, seed: int = 0):
    """Least squares over ``width`` random kinks: the net
    ``x ↦ c + Σ_i c_i σ(x − t_i)`` with ``t_i`` uniform on ``[min x, max x)`` and the
    coefficients (output weights and bias) fitted to ``(x, y)`` by least squares. The
    random-feature baseline for :func:`fit_relu_net` (compared with
    :prf:ref:`prop-ch2-sawtooth-l1`); returns a :class:`dlmath.relu_nets.ReLUNet` with one
    hidden layer of ``width`` units."""

    x = as_float_array(x, "x", ndim=1, min_size=2)
    y = as_float_array(y, "y", shape=(x.shape[0],))
    width = check_int(width, "width", min_value=1)
    g = np.random.default_rng(check_int(seed, "seed", min_value=0))
    kinks = np.sort(g.uniform(x.min(), x.max(), width))
    kinks[0] = x.min()  # one unit carries the slope of the first piece
    F = np.c_[np.maximum(x[:, None] - kinks[None, :], 0.0), np.ones(x.size)]
    coef, *_ = np.linalg.lstsq(F, y, rcond=None)
    return ReLUNet([np.ones((width, 1)), coef[None, :-1]], [-kinks, coef[-1:]])
