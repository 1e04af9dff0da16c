"""Batched Monte Carlo estimators: support recovery and the expected gradient (Ch. 4)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import config
from .._validate import as_float_array, check_int, check_real, check_rng
from ._model import SparseCodes, sample_codes

#: Entries per chunk of the (samples x h) pre-activations; bounds memory at any h.
CHUNK_ENTRIES = 4_000_000


def _t(x, device, dtype=torch.float64) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x), dtype=dtype, device=device)


def _check_eps(eps, h: int) -> np.ndarray:
    eps = as_float_array(eps, "eps", ndim=(0, 1))
    if eps.ndim == 1 and eps.shape[0] != h:
        raise ValueError(f"eps must be a scalar or have length h={h}, got shape {eps.shape}")
    return eps


@dataclass(frozen=True)
class RecoveryCounts:
    """Outcome of :func:`support_recovery`: per dictionary, samples recovered out of ``n``."""

    successes: np.ndarray  # (D,) int
    n: int
    false_positives: np.ndarray  # (D,) mean number of spurious active units per sample
    false_negatives: np.ndarray  # (D,) mean number of missed support units per sample


def support_recovery(Ws, As, codes: list[SparseCodes] | SparseCodes, eps, *, device=None):
    """How often :math:`\\operatorname{supp}\\sigma(Wy-\\epsilon)=\\operatorname{supp}x^*`.

    ``Ws`` (D, h, n) and ``As`` (D, n, h) hold D encoders and dictionaries (a single pair may be
    2-D); ``codes`` one :class:`SparseCodes` per pair (or one shared by all). With more samples
    than units the pre-activations use :math:`Wy = (WA^*)x^*`, so each sample costs
    :math:`O(hK)` after one :math:`h\\times h` product per pair; otherwise :math:`y` is built
    from its :math:`K` atoms and :math:`Wy` costs :math:`O(hn)`. Samples go in chunks.
    See :prf:ref:`thm-ch4-support`.
    """
    Ws = as_float_array(Ws, "Ws", ndim=(2, 3))
    As = as_float_array(As, "As", ndim=(2, 3))
    if Ws.ndim == 2:
        Ws = Ws[None]
    if As.ndim == 2:
        As = As[None]
    if As.ndim != 3 or As.shape[0] != Ws.shape[0]:
        raise ValueError(f"As must have shape (D, n, h) matching Ws {Ws.shape}, got {As.shape}")
    D, h, n = Ws.shape
    if As.shape[1:] != (n, h):
        raise ValueError(f"As must have shape ({D}, {n}, {h}), got {As.shape}")
    if isinstance(codes, SparseCodes):
        codes = [codes] * D
    if len(codes) != D or not all(isinstance(c, SparseCodes) and c.h == h for c in codes):
        raise ValueError(f"codes must be {D} SparseCodes with h={h}")
    N = codes[0].n_samples
    if any(c.n_samples != N or c.index.shape != codes[0].index.shape for c in codes):
        raise ValueError("all codes must have the same number of samples and slots")
    eps = _check_eps(eps, h)
    dev = config.device() if device is None else device
    Wt = _t(Ws, dev)
    # Wy costs O(hK) per sample from the columns of G = W A* (one O(h^2 n) product per pair),
    # or O(hn) directly: the first pays when there are more samples than units
    use_gram = N >= h
    if use_gram:
        bags = torch.matmul(Wt, _t(As, dev)).transpose(1, 2).contiguous()  # [d, j] = W A_j
    else:
        bags = _t(As, dev).transpose(1, 2).contiguous()  # [d, j] = A_j
    eps_t = _t(eps, dev)
    idx = torch.as_tensor(np.stack([c.index for c in codes]), device=dev)
    val = _t(np.stack([c.value for c in codes]), dev)
    succ = torch.zeros(D, dtype=torch.int64, device=dev)
    fp = torch.zeros(D, dtype=torch.float64, device=dev)
    fn = torch.zeros(D, dtype=torch.float64, device=dev)
    step = max(1, CHUNK_ENTRIES // h)
    for s in range(0, N, step):
        for d in range(D):
            ii, vv = idx[d, s : s + step], val[d, s : s + step]
            # sum_k x_k * bags[d, j_k]: (W A_k) summed, or y = sum_k x_k A_k
            pre = torch.nn.functional.embedding_bag(ii, bags[d], per_sample_weights=vv, mode="sum")
            if not use_gram:
                pre = pre @ Wt[d].T
            active = pre > eps_t
            truth = torch.zeros_like(active)
            truth.scatter_(1, ii, vv != 0)
            succ[d] += (active == truth).all(dim=1).sum()
            fp[d] += (active & ~truth).sum().double()
            fn[d] += (~active & truth).sum().double()
    return RecoveryCounts(succ.cpu().numpy(), int(N), (fp / N).cpu().numpy(), (fn / N).cpu().numpy())


@dataclass(frozen=True)
class GradientEstimate:
    """Stratified Monte Carlo estimate of :math:`E\\nabla_{W_i}L` for some rows ``i``.

    ``mean[r]`` estimates the expected gradient of row ``rows[r]``; ``floor[r]`` is its
    standard error :math:`\\nu=\\sqrt{\\operatorname{tr}\\widehat{\\operatorname{Cov}}/N}`;
    ``conditional[r]`` estimates :math:`E[\\nabla_{W_i}L\\mid i\\in S]`; ``q`` is
    :math:`P(i\\in S)`.
    """

    rows: np.ndarray
    mean: np.ndarray  # (R, n)
    floor: np.ndarray  # (R,)
    conditional: np.ndarray  # (R, n)
    conditional_floor: np.ndarray  # (R,)
    q: float
    n_samples: int

    def norms(self) -> np.ndarray:
        return np.linalg.norm(self.mean, axis=1)

    def interval(self, radius: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
        """:math:`\\lVert\\hat g\\rVert \\mp` ``radius`` :math:`\\cdot\\nu` (triangle inequality).

        For Gaussian errors :math:`P(\\lVert\\hat g-g\\rVert>2\\nu)\\le P(\\chi^2_1>4)\\approx
        0.046` whatever the covariance (the rank-one case is the worst at this threshold),
        so ``radius=2`` gives an interval of coverage about 95%.
        """
        radius = check_real(radius, "radius", low=0.0)
        nrm = self.norms()
        return np.maximum(nrm - radius * self.floor, 0.0), nrm + radius * self.floor


def _row_gradients(W, Y, eps, i):
    """Per-sample gradient of row ``i`` of the tied-autoencoder loss, shape (N, n)."""
    Z = Y @ W.T - eps
    act = torch.relu(Z)
    R = Y - act @ W
    return -(act[:, i : i + 1] * R + ((Z[:, i] > 0).to(Y.dtype) * (R @ W[i]))[:, None] * Y)


def _stratum(W, A, eps, i, n_samples, rng, code_kw, which, dev, dtype):
    """Mean and total variance of row ``i``'s gradient in one stratum (i in S or not)."""
    kw = dict(code_kw, **({"force": i} if which == "in" else {"exclude": i}))
    codes = sample_codes(A.shape[1], n_samples, rng, **kw)
    s1 = torch.zeros(A.shape[0], dtype=dtype, device=dev)
    s2 = torch.zeros((), dtype=dtype, device=dev)
    step = max(1, CHUNK_ENTRIES // A.shape[1])
    At = A.T
    for s in range(0, n_samples, step):
        ii = torch.as_tensor(codes.index[s : s + step], device=dev)
        vv = _t(codes.value[s : s + step], dev, dtype)
        Y = torch.einsum("sk,skn->sn", vv, At[ii])
        g = _row_gradients(W, Y, eps, i)
        s1 += g.sum(0)
        s2 += (g**2).sum()
    mean = s1 / n_samples
    var_total = (s2 / n_samples - (mean**2).sum()) * n_samples / max(n_samples - 1, 1)
    return mean, torch.clamp(var_total, min=0.0)


def expected_gradient(
    W,
    A,
    eps,
    rows,
    *,
    n_samples: int,
    rng: np.random.Generator,
    p: float | None = None,
    k: int | None = None,
    low: float = 1.0,
    high: float = 2.0,
    device=None,
    dtype: torch.dtype = torch.float64,
) -> GradientEstimate:
    """Estimate :math:`E_{x^*}\\nabla_{W_i}L(W)` for the rows ``rows`` (:prf:ref:`thm-ch4-gradient`).

    Stratified on the event :math:`i\\in S`, which has probability :math:`q_i=E K/h` exactly:
    :math:`E g_i = q_i E[g_i\\mid i\\in S] + (1-q_i)E[g_i\\mid i\\notin S]`, each term from
    ``n_samples`` fresh codes, all of a stratum in one array operation (chunked).
    """
    W = as_float_array(W, "W", ndim=2)
    A = as_float_array(A, "A", ndim=2)
    if A.shape != W.T.shape:
        raise ValueError(f"A must have shape {W.T.shape} (n, h), got {A.shape}")
    h = W.shape[0]
    rows = np.atleast_1d(np.asarray(rows))
    if rows.ndim != 1 or rows.size == 0 or not np.issubdtype(rows.dtype, np.integer):
        raise TypeError("rows must be a non-empty sequence of integers")
    if rows.min() < 0 or rows.max() >= h:
        raise ValueError(f"rows must lie in [0, {h - 1}], got {rows.min()}..{rows.max()}")
    n_samples = check_int(n_samples, "n_samples", min_value=2)
    rng = check_rng(rng)
    eps = _check_eps(eps, h)
    code_kw = {"p": p, "k": k, "low": low, "high": high}
    from ._model import support_size_law

    sizes, probs = support_size_law(h, p=p, k=k)
    q = float(np.sum(sizes * probs) / h)
    dev = config.device() if device is None else device
    Wt, At, eps_t = _t(W, dev, dtype), _t(A, dev, dtype), _t(eps, dev, dtype)
    means, floors, conds, cfloors = [], [], [], []
    for i in rows:
        m_in, v_in = _stratum(Wt, At, eps_t, int(i), n_samples, rng, code_kw, "in", dev, dtype)
        m_out, v_out = _stratum(Wt, At, eps_t, int(i), n_samples, rng, code_kw, "out", dev, dtype)
        means.append((q * m_in + (1 - q) * m_out).cpu().numpy())
        floors.append(float(torch.sqrt((q**2 * v_in + (1 - q) ** 2 * v_out) / n_samples)))
        conds.append(m_in.cpu().numpy())
        cfloors.append(float(torch.sqrt(v_in / n_samples)))
    return GradientEstimate(
        rows=rows.astype(np.int64),
        mean=np.array(means),
        floor=np.array(floors),
        conditional=np.array(conds),
        conditional_floor=np.array(cfloors),
        q=q,
        n_samples=n_samples,
    )


def loss_along_directions(W, Y, eps, directions, ts, *, device=None) -> np.ndarray:
    """:math:`L(W+tD)` for every direction ``D`` (R, h, n) and step ``t``; shape (R, T).

    The empirical loss on the samples ``Y`` (:prf:ref:`thm-ch4-gradient`, the "well").
    """
    W = as_float_array(W, "W", ndim=2)
    Y = as_float_array(Y, "Y", ndim=2)
    Dirs = as_float_array(directions, "directions", ndim=3)
    ts = as_float_array(ts, "ts", ndim=1, min_size=1)
    if Dirs.shape[1:] != W.shape:
        raise ValueError(f"directions must have shape (R, {W.shape[0]}, {W.shape[1]})")
    if Y.shape[1] != W.shape[1]:
        raise ValueError(f"Y must have {W.shape[1]} columns, got shape {Y.shape}")
    dev = config.device() if device is None else device
    Wt, Yt, Dt = _t(W, dev), _t(Y, dev), _t(Dirs, dev)
    eps_t = _t(_check_eps(eps, W.shape[0]), dev)
    out = np.empty((Dirs.shape[0], ts.size))
    for j, t in enumerate(ts):
        Wb = Wt[None] + float(t) * Dt  # (R, h, n)
        Z = torch.relu(torch.matmul(Yt[None], Wb.transpose(1, 2)) - eps_t)
        R = Yt[None] - torch.matmul(Z, Wb)
        out[:, j] = (0.5 * (R**2).sum(2).mean(1)).cpu().numpy()
    return out
