"""The generative model and the tied ReLU autoencoder of Chapter 4 (numpy and torch)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .._validate import as_float_array, check_bool, check_int, check_real, check_rng

#: Largest dense array (entries) a public function builds in one go; above it, it refuses.
MAX_DENSE = 200_000_000
_MAX_EXACT = 2**53  # sizes used in float arithmetic: beyond 2^53 they are not exact


@dataclass(frozen=True)
class SparseCodes:
    """A batch of sparse codes :math:`x^*\\in\\mathbb R^h` stored by support.

    ``index[s, j]`` are distinct coordinates of sample ``s`` and ``value[s, j]`` the entries
    there; a slot with value 0 is padding (supports may differ in size by one).
    """

    index: np.ndarray  # (N, kmax) int64
    value: np.ndarray  # (N, kmax) float64
    h: int

    @property
    def n_samples(self) -> int:
        return int(self.index.shape[0])

    def sizes(self) -> np.ndarray:
        """Support size of each sample."""
        return np.count_nonzero(self.value, axis=1)

    def mask(self) -> np.ndarray:
        """Boolean support indicator of shape (N, h)."""
        _check_dense(self.n_samples * self.h, "the support mask")
        m = np.zeros((self.n_samples, self.h), dtype=bool)
        rows = np.repeat(np.arange(self.n_samples), self.index.shape[1])
        m[rows, self.index.ravel()] = self.value.ravel() != 0
        return m

    def dense(self) -> np.ndarray:
        """The codes as a dense (N, h) array."""
        _check_dense(self.n_samples * self.h, "the dense codes")
        x = np.zeros((self.n_samples, self.h))
        rows = np.repeat(np.arange(self.n_samples), self.index.shape[1])
        np.add.at(x, (rows, self.index.ravel()), self.value.ravel())
        return x


def _check_dense(size: int, what: str) -> None:
    if size > MAX_DENSE:
        raise ValueError(f"{what} would have {size:,} entries, above the limit {MAX_DENSE:,}")


def make_dictionary(
    n: int, h: int, rng: np.random.Generator, *, orthogonalize_rows: bool = False
) -> np.ndarray:
    """A random dictionary :math:`A^*\\in\\mathbb R^{n\\times h}` with unit-norm columns.

    Entries are i.i.d. :math:`N(0,1)` before the columns are normalised; with
    ``orthogonalize_rows=True`` the rows are first made orthonormal (as in the co-authors'
    ``Datagen.m``), which makes :math:`A^*A^{*\\top}=\\tfrac hn I` before normalisation.
    See :prf:ref:`def-ch4-model`.
    """
    n = check_int(n, "n", min_value=1)
    h = check_int(h, "h", min_value=2)
    rng = check_rng(rng)
    orthogonalize_rows = check_bool(orthogonalize_rows, "orthogonalize_rows")
    if h <= n:
        raise ValueError(f"h must exceed n (an overcomplete dictionary), got n={n}, h={h}")
    _check_dense(n * h, "the dictionary")
    A = rng.standard_normal((n, h))
    if orthogonalize_rows:
        A = np.linalg.qr(A.T)[0].T
    return A / np.linalg.norm(A, axis=0)


def coherence(A) -> float:
    """:math:`\\max_{i\\ne j}|\\langle A_i, A_j\\rangle|` of the normalised columns (= μ/√n).

    See :prf:ref:`def-ch4-model`.
    """
    A = as_float_array(A, "A", ndim=2)
    if A.shape[1] < 2:
        raise ValueError(f"A needs at least 2 columns, got shape {A.shape}")
    norms = np.linalg.norm(A, axis=0)
    if np.any(norms == 0):
        raise ValueError("A has a zero column; coherence is undefined")
    G = np.abs((A / norms).T @ (A / norms))
    np.fill_diagonal(G, 0.0)
    return float(G.max())


def incoherence_exponent(A) -> float:
    """ξ defined by :math:`h^{-\\xi}=\\mu/\\sqrt n`, i.e. ``-log(coherence) / log(h)``."""
    A = as_float_array(A, "A", ndim=2)
    return float(-math.log(coherence(A)) / math.log(A.shape[1]))


def sparsity_limit(xi: float) -> float:
    """The largest admissible sparsity exponent, :math:`\\min(1/3, \\xi/2)`.

    Codes with support size :math:`h^p` need ``p < sparsity_limit(xi)``
    (:prf:ref:`def-ch4-model`).
    """
    xi = check_real(xi, "xi", low=0.0, low_inclusive=False)
    return min(1.0 / 3.0, xi / 2.0)


def support_size_law(h: int, *, p: float | None = None, k: int | None = None):
    """The law of the support size :math:`K`: values and probabilities.

    With ``k`` the size is exactly ``k``; with ``p`` it is :math:`\\lfloor h^p\\rfloor` or
    :math:`\\lceil h^p\\rceil`, mixed so that :math:`E K = h^p` exactly, hence
    :math:`P(i\\in S)=h^{p-1}` for a uniformly placed support.
    """
    h = check_int(h, "h", min_value=2, max_value=_MAX_EXACT)
    if (p is None) == (k is None):
        raise ValueError("give exactly one of p (sparsity exponent) and k (support size)")
    if k is not None:
        k = check_int(k, "k", min_value=1, max_value=h)
        return np.array([k]), np.array([1.0])
    p = check_real(p, "p", low=0.0, high=1.0, high_inclusive=False)
    m = h**p
    lo = int(math.floor(m))
    if lo == m:
        return np.array([lo]), np.array([1.0])
    frac = m - lo
    return np.array([lo, lo + 1]), np.array([1.0 - frac, frac])


def sample_codes(
    h: int,
    n_samples: int,
    rng: np.random.Generator,
    *,
    p: float | None = None,
    k: int | None = None,
    low: float = 1.0,
    high: float = 2.0,
    force: int | None = None,
    exclude: int | None = None,
) -> SparseCodes:
    """Sparse codes with a uniformly random support and i.i.d. Uniform[low, high] entries.

    The support size follows :func:`support_size_law`; all supports of a given size are equally
    likely, so :math:`q_i=P(i\\in S)=E K/h` and :math:`q_{ij}=E[K(K-1)]/(h(h-1))`.
    ``force=i`` draws from the law conditioned on :math:`i\\in S` (size-biased size),
    ``exclude=i`` from the law conditioned on :math:`i\\notin S`. See :prf:ref:`def-ch4-model`.
    """
    n_samples = check_int(n_samples, "n_samples", min_value=1)
    rng = check_rng(rng)
    sizes, probs = support_size_law(h, p=p, k=k)
    low = check_real(low, "low", low=0.0, low_inclusive=False)
    high = check_real(high, "high")
    if high < low:
        raise ValueError(f"high must be >= low, got low={low}, high={high}")
    for name, v in (("force", force), ("exclude", exclude)):
        if v is not None:
            check_int(v, name, min_value=0, max_value=h - 1)
    if force is not None and exclude is not None:
        raise ValueError("give at most one of force and exclude")
    if force is not None:
        probs = probs * sizes / np.sum(probs * sizes)
    if exclude is not None and sizes.max() > h - 1:
        raise ValueError(f"exclude leaves {h - 1} coordinates for supports of size {sizes.max()}")
    kmax = int(sizes.max())
    _check_dense(n_samples * kmax, "the codes")
    K = rng.choice(sizes, size=n_samples, p=probs)
    special = force if force is not None else exclude
    n_free = kmax - (force is not None)
    pool = h - (special is not None)
    idx = _distinct_rows(rng, n_samples, n_free, pool)
    if special is not None:
        idx = idx + (idx >= special)
    if force is not None:
        idx = np.concatenate([np.full((n_samples, 1), force, dtype=np.int64), idx], axis=1)
    val = rng.uniform(low, high, size=(n_samples, kmax))
    val[np.arange(kmax)[None, :] >= K[:, None]] = 0.0
    return SparseCodes(index=idx.astype(np.int64), value=val, h=int(h))


def _distinct_rows(rng: np.random.Generator, n: int, k: int, pool: int) -> np.ndarray:
    """``n`` rows of ``k`` distinct integers in ``[0, pool)``, uniformly (rejection)."""
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64)
    idx = rng.integers(0, pool, size=(n, k))
    for _ in range(10_000):
        s = np.sort(idx, axis=1)
        bad = np.any(s[:, 1:] == s[:, :-1], axis=1)
        if not bad.any():
            return idx
        idx[bad] = rng.integers(0, pool, size=(int(bad.sum()), k))
    raise RuntimeError("could not draw distinct supports; k is too close to h")  # pragma: no cover


def encode(A, codes: SparseCodes) -> np.ndarray:
    """The observations :math:`y=A^*x^*`, shape (N, n), computed from the supports."""
    A = as_float_array(A, "A", ndim=2)
    if not isinstance(codes, SparseCodes):
        raise TypeError(f"codes must be SparseCodes, got {type(codes).__name__}")
    if A.shape[1] != codes.h:
        raise ValueError(f"A has {A.shape[1]} columns but the codes have h={codes.h}")
    _check_dense(codes.index.size * A.shape[0], "the gathered atoms")
    return np.einsum("sk,skn->sn", codes.value, A.T[codes.index])


def bias_rule(coherence: float, delta: float, k: float, scale: float, c: float = 1.0) -> float:
    """The support-recovery bias :math:`\\epsilon = c\\cdot\\text{scale}\\cdot k(\\mu/\\sqrt n+\\delta)`.

    With ``c = 1`` and ``scale`` the largest code entry this is the threshold of our
    deterministic lemma (:prf:ref:`lem-ch4-deterministic`); the co-authors' code uses
    ``c = 1/2`` and ``scale`` :math:`=|m_1|` (:prf:ref:`thm-ch4-support`).
    """
    coherence = check_real(coherence, "coherence", low=0.0, high=1.0)
    delta = check_real(delta, "delta", low=0.0)
    k = check_real(k, "k", low=0.0, low_inclusive=False)
    scale = check_real(scale, "scale", low=0.0)
    c = check_real(c, "c", low=0.0)
    return c * scale * k * (coherence + delta)


def deterministic_condition(coherence: float, delta: float, k: int, low: float, high: float) -> bool:
    """Whether :math:`a(1-\\delta) > (2k-1)\\,b\\,(\\mu/\\sqrt n+\\delta)` holds
    (:prf:ref:`lem-ch4-deterministic`; ``low`` = a, ``high`` = b)."""
    coherence = check_real(coherence, "coherence", low=0.0, high=1.0)
    delta = check_real(delta, "delta", low=0.0)
    k = check_int(k, "k", min_value=1, max_value=_MAX_EXACT)
    low = check_real(low, "low", low=0.0, low_inclusive=False)
    high = check_real(high, "high", low=low)
    return bool(low * (1 - delta) > (2 * k - 1) * high * (coherence + delta))


def perturb_rows(A, delta: float, rng: np.random.Generator) -> np.ndarray:
    """:math:`W` with rows :math:`W_i = A^*_i - \\delta u_i`, :math:`u_i` uniform on the sphere.

    Every row is at distance exactly ``delta`` from its atom; ``delta = 2`` is the co-authors'
    initialisation (``ball_distance = 2``).
    """
    A = as_float_array(A, "A", ndim=2)
    delta = check_real(delta, "delta", low=0.0)
    rng = check_rng(rng)
    U = rng.standard_normal(A.T.shape)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return A.T - delta * U


def _check_W_Y(W, Y, eps):
    W = as_float_array(W, "W", ndim=2)
    Y = as_float_array(Y, "Y", ndim=2)
    if Y.shape[1] != W.shape[1]:
        raise ValueError(f"Y must have {W.shape[1]} columns (n), got shape {Y.shape}")
    eps = as_float_array(eps, "eps", ndim=(0, 1))
    if eps.ndim == 1 and eps.shape[0] != W.shape[0]:
        raise ValueError(f"eps must be a scalar or have length h={W.shape[0]}, got {eps.shape}")
    return W, Y, eps


def ae_forward(W, Y, eps) -> np.ndarray:
    """The tied autoencoder :math:`\\hat y = W^\\top\\sigma(Wy-\\epsilon)` on the rows of ``Y``."""
    W, Y, eps = _check_W_Y(W, Y, eps)
    return np.maximum(Y @ W.T - eps, 0.0) @ W


def ae_loss(W, Y, eps) -> float:
    """The empirical loss :math:`\\frac1N\\sum_s \\tfrac12\\lVert y_s-\\hat y_s\\rVert^2`."""
    W, Y, eps = _check_W_Y(W, Y, eps)
    R = Y - np.maximum(Y @ W.T - eps, 0.0) @ W
    return float(0.5 * np.mean(np.sum(R**2, axis=1)))


def ae_gradient(W, Y, eps) -> np.ndarray:
    """Analytic gradient of :func:`ae_loss` in :math:`W` (:prf:ref:`lem-ch4-gradient`):

    .. math:: \\nabla_W = -\\tfrac1N\\sum_s\\big[\\sigma(z_s)r_s^\\top
       + (\\mathbb 1\\{z_s>0\\}\\odot Wr_s)\\,y_s^\\top\\big],\\quad z_s=Wy_s-\\epsilon,\\
       r_s=y_s-\\hat y_s .
    """
    W, Y, eps = _check_W_Y(W, Y, eps)
    Z = Y @ W.T - eps
    act = np.maximum(Z, 0.0)
    R = Y - act @ W
    return -(act.T @ R + ((Z > 0) * (R @ W.T)).T @ Y) / Y.shape[0]


class TiedAutoencoder(torch.nn.Module):
    """:math:`y\\mapsto W^\\top\\sigma(Wy-\\epsilon)` with a trainable ``W`` and a fixed bias."""

    def __init__(self, W0, eps, *, dtype: torch.dtype = torch.float64, device=None) -> None:
        super().__init__()
        W0 = as_float_array(W0, "W0", ndim=2)
        eps = as_float_array(eps, "eps", ndim=(0, 1))
        if eps.ndim == 1 and eps.shape[0] != W0.shape[0]:
            raise ValueError(f"eps must be a scalar or have length h={W0.shape[0]}, got {eps.shape}")
        self.W = torch.nn.Parameter(torch.tensor(W0, dtype=dtype, device=device))
        self.register_buffer("eps", torch.tensor(eps, dtype=dtype, device=device))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """The reconstructions :math:`W^\\top\\sigma(Wy-\\epsilon)` of the rows of ``y``."""
        return torch.relu(y @ self.W.T - self.eps) @ self.W

    def loss(self, y: torch.Tensor) -> torch.Tensor:
        """Mean over the batch of :math:`\\tfrac12\\lVert y-\\hat y\\rVert^2`."""
        return 0.5 * ((y - self(y)) ** 2).sum(dim=1).mean()
