"""Hessian-vector products and extreme Hessian eigenvalues of a torch loss (Ch. 5).

:func:`min_hessian_eigenvalue` is :prf:ref:`alg-ch5-lanczos-min-eig`.

For a loss :math:`L(\\theta)` of parameters :math:`\\theta \\in \\mathbb{R}^p` the Hessian
:math:`H = \\nabla^2 L(\\theta)` is never formed. Its product with a vector comes from
differentiating the gradient a second time (Pearlmutter's trick),

.. math::

   H v = \\nabla_\\theta \\big( \\nabla_\\theta L(\\theta)^\\top v \\big),

at the cost of about two gradient evaluations. :func:`hessian_operator` wraps this product in a
:class:`scipy.sparse.linalg.LinearOperator`, and :func:`min_hessian_eigenvalue` hands it to
ARPACK's implicitly restarted Lanczos method (``scipy.sparse.linalg.eigsh``) to find
:math:`\\lambda_{\\min}(H)`, the quantity the thesis tracks along training of autoencoders
(Chapter 5, the comparison of ADAM with Nesterov acceleration): a negative value means the
iterate sits near a saddle or in a non-convex region, an increasing one that the optimizer is
moving towards flatter-from-below, more convex regions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from ._validate import as_float_array, check_callable, check_choice, check_int, check_real

__all__ = ["flat_grad", "hvp", "HessianOperator", "hessian_operator", "HessianEig",
           "min_hessian_eigenvalue", "extreme_hessian_eigenvalue"]


def _params(params) -> list[torch.Tensor]:
    if isinstance(params, torch.nn.Module):
        params = list(params.parameters())
    elif isinstance(params, torch.Tensor):  # one tensor, not the list of its rows
        params = [params]
    try:
        params = list(params)
    except TypeError as exc:
        raise TypeError(
            f"params must be torch tensors or a torch.nn.Module, got {type(params).__name__}"
        ) from exc
    if not all(isinstance(p, torch.Tensor) for p in params):
        raise TypeError("params must be torch tensors or a torch.nn.Module")
    params = [p for p in params if p.requires_grad]
    if not params:
        raise ValueError("params must contain at least one tensor with requires_grad=True")
    return params


def flat_grad(loss: torch.Tensor, params, *, create_graph: bool = False) -> torch.Tensor:
    """Gradient of the scalar ``loss`` with respect to ``params``, flattened to one vector.

    Parameters that the loss does not depend on contribute zeros.
    """
    params = _params(params)
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise ValueError("loss must be a scalar torch tensor")
    grads = torch.autograd.grad(loss, params, create_graph=create_graph, allow_unused=True)
    return torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1)
                      for g, p in zip(grads, params, strict=True)])


class HessianOperator(LinearOperator):
    """The Hessian of ``loss_fn()`` at the current ``params``, as a SciPy ``LinearOperator``.

    The gradient graph is built once (``create_graph=True``) and every product :math:`Hv`
    differentiates :math:`g^\\top v` through it, so ``n`` products cost about ``n`` backward
    passes. ``n_products`` counts them. Vectors are float64 NumPy arrays on the SciPy side and
    are cast to the parameters' dtype and device for the product.
    """

    def __init__(self, loss_fn: Callable[[], torch.Tensor], params):
        check_callable(loss_fn, "loss_fn", "a callable returning a scalar loss tensor")
        self.params = _params(params)
        self._grad = flat_grad(loss_fn(), self.params, create_graph=True)
        p = self._grad.numel()
        super().__init__(dtype=np.float64, shape=(p, p))
        self.n_products = 0

    def matvec_torch(self, v: torch.Tensor) -> torch.Tensor:
        """:math:`Hv` for a torch vector ``v`` of length ``p`` (same dtype/device as the params)."""
        self.n_products += 1
        hv = torch.autograd.grad(self._grad, self.params, grad_outputs=v, retain_graph=True,
                                 allow_unused=True)
        return torch.cat([(torch.zeros_like(p) if h is None else h).reshape(-1)
                          for h, p in zip(hv, self.params, strict=True)])

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        v = torch.as_tensor(np.asarray(x).reshape(-1), dtype=self._grad.dtype,
                            device=self._grad.device)
        return self.matvec_torch(v).detach().cpu().double().numpy()

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:  # H is symmetric
        return self._matvec(x)


def hessian_operator(loss_fn: Callable[[], torch.Tensor], params) -> HessianOperator:
    """Return :class:`HessianOperator` for ``loss_fn`` (a closure computing the loss) and ``params``."""
    return HessianOperator(loss_fn, params)


def hvp(loss_fn: Callable[[], torch.Tensor], params, v) -> np.ndarray:
    """One Hessian-vector product :math:`\\nabla^2 L(\\theta)\\, v` as a float64 NumPy vector.

    ``v`` has one entry per parameter, in the order of ``params`` flattened.
    """
    op = HessianOperator(loss_fn, params)
    v = as_float_array(v, "v", ndim=1, shape=(op.shape[0],))
    return op.matvec(v)


@dataclass(frozen=True)
class HessianEig:
    """An extreme Hessian eigenvalue found by Lanczos.

    ``value``: the eigenvalue; ``vector``: its unit eigenvector (float64); ``n_products``:
    Hessian-vector products used; ``converged``: whether ARPACK met ``tol`` (when it did not,
    ``value`` is its best Ritz value so far).
    """

    value: float
    vector: np.ndarray
    n_products: int
    converged: bool


def _lanczos(op: HessianOperator, which: str, *, shift: float, tol: float, ncv: int,
             maxiter: int, seed: int) -> tuple[float, np.ndarray, bool]:
    """Extreme eigenpair of ``H - shift*I`` by ARPACK; returns (eigenvalue of H, vector, ok)."""
    p = op.shape[0]
    if p <= ncv:  # tiny problem: ARPACK needs ncv < p; form H column by column
        H = np.column_stack([op.matvec(e) for e in np.eye(p)])
        w, V = np.linalg.eigh((H + H.T) / 2)
        i = 0 if which == "SA" else -1
        return float(w[i]), V[:, i], True
    B = op if shift == 0.0 else LinearOperator(
        op.shape, matvec=lambda x: op.matvec(x) - shift * np.asarray(x).reshape(-1),
        dtype=np.float64)
    v0 = np.random.default_rng(seed).standard_normal(p)
    try:
        w, V = eigsh(B, k=1, which=which, tol=tol, ncv=ncv, maxiter=maxiter, v0=v0)
        return float(w[0]) + shift, np.asarray(V[:, 0]), True
    except ArpackNoConvergence as err:
        if len(err.eigenvalues) == 0:
            raise RuntimeError(
                f"Lanczos found no Ritz value in {maxiter} restarts; raise maxiter or ncv"
            ) from err
        return float(err.eigenvalues[0]) + shift, np.asarray(err.eigenvectors[:, 0]), False


def extreme_hessian_eigenvalue(
    loss_fn: Callable[[], torch.Tensor],
    params,
    *,
    which: str = "SA",
    tol: float = 1e-3,
    ncv: int = 80,
    maxiter: int = 50,
    seed: int = 0,
    shift: float = 0.0,
) -> HessianEig:
    """Smallest (``which="SA"``) or largest (``"LA"``) eigenvalue of the Hessian by Lanczos.

    Calls ``scipy.sparse.linalg.eigsh`` with ``k=1`` on :math:`H - \\sigma I`
    (:math:`\\sigma` = ``shift``), a Lanczos basis of ``ncv`` vectors, at most ``maxiter``
    restarts and ARPACK's relative tolerance ``tol``: a Ritz pair :math:`(\\theta, y)` is
    accepted when :math:`\\lVert (H-\\sigma I) y - \\theta y\\rVert \\le` ``tol`` :math:`|\\theta|`.
    The shift leaves the Krylov spaces, hence the iterates, unchanged; it only changes what
    "relative" means (see :func:`min_hessian_eigenvalue`). The start vector is Gaussian from
    ``seed``, so results are reproducible. Problems with at most ``ncv`` parameters are solved
    densely.
    """
    which = check_choice(which, "which", ("SA", "LA"))
    tol = check_real(tol, "tol", low=0.0, low_inclusive=False)
    ncv = check_int(ncv, "ncv", min_value=3)
    maxiter = check_int(maxiter, "maxiter", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    shift = check_real(shift, "shift")
    op = HessianOperator(loss_fn, params)
    value, vec, ok = _lanczos(op, which, shift=shift, tol=tol, ncv=ncv, maxiter=maxiter,
                              seed=seed)
    return HessianEig(value, vec, op.n_products, ok)


def min_hessian_eigenvalue(
    loss_fn: Callable[[], torch.Tensor],
    params: torch.nn.Module | Sequence[torch.Tensor],
    *,
    tol: float = 1e-4,
    ncv: int = 80,
    maxiter: int = 50,
    seed: int = 0,
) -> HessianEig:
    """:math:`\\lambda_{\\min}(\\nabla^2 L(\\theta))` by Lanczos on Hessian-vector products.

    ``loss_fn`` is a closure that evaluates the loss at the current parameters (e.g. the
    full-batch training loss of an autoencoder); ``params`` a module or a list of tensors.

    Two Lanczos runs on the same operator: first :math:`\\lambda_{\\max}` (loosely, relative
    tolerance 1e-2; it is an outlier and converges in a few dozen products), then the smallest
    eigenvalue of :math:`H - \\lambda_{\\max} I`. The shift turns ARPACK's relative test into an
    absolute one on the scale of the spectrum: the result is accurate to about
    ``tol`` :math:`\\cdot(\\lambda_{\\max}-\\lambda_{\\min})`. Without it, a
    :math:`\\lambda_{\\min}` close to 0 (the usual case for trained nets, whose spectrum is a
    bulk near 0 plus a few large outliers) would need thousands of products to meet a relative
    tolerance. ``n_products`` of the result counts both runs; ``converged`` is true only when
    both runs converged.
    """
    tol = check_real(tol, "tol", low=0.0, low_inclusive=False)
    ncv = check_int(ncv, "ncv", min_value=3)
    maxiter = check_int(maxiter, "maxiter", min_value=1)
    seed = check_int(seed, "seed", min_value=0)
    op = HessianOperator(loss_fn, params)
    lmax, _, ok_max = _lanczos(op, "LA", shift=0.0, tol=1e-2, ncv=min(ncv, 20), maxiter=maxiter,
                               seed=seed)
    value, vec, ok = _lanczos(op, "SA", shift=lmax, tol=tol, ncv=ncv, maxiter=maxiter,
                              seed=seed)
    # the stated accuracy tol * (lmax - lmin) needs both runs to have converged
    return HessianEig(value, vec, op.n_products, ok and ok_max)
