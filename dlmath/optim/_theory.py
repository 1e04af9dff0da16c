"""The step sizes and iteration bounds of Chapter 5's theorems (constants as re-derived in the
book), and the loops that check them (:mod:`dlmath.optim`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .._validate import (
    as_float_array,
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_real,
)
from ._optimizers import NAG, LossFunction, OptimizerFactory, RMSProp, _check_beta, _check_xi


def _positive(x: Any, name: str) -> float:
    return check_real(x, name, low=0.0, low_inclusive=False)


def rmsprop_theorem_step(L: float, sigma: float, xi: float, beta2: float) -> float:
    r"""Step size of the deterministic RMSProp theorem: :math:`\alpha = (1-\beta_2)\xi /
    (L\sqrt{\sigma^2+\xi})`.

    ``L`` is the smoothness constant of :math:`f`, ``sigma`` a bound on
    :math:`\|\nabla f\|` along the run, ``xi`` the shift (inside the average).
    """
    L, sigma, xi = _positive(L, "L"), _positive(sigma, "sigma"), _check_xi(xi)
    beta2 = _check_beta(beta2, "beta2")
    return (1.0 - beta2) * xi / (L * math.sqrt(sigma**2 + xi))


def rmsprop_theorem_iterations(
    L: float, sigma: float, xi: float, beta2: float, gap: float, eps: float
) -> float:
    r"""Iteration bound of the deterministic RMSProp theorem,
    :math:`T = 2L(\sigma^2+\xi)(f(x_1)-f^*) / ((1-\beta_2)\xi\varepsilon^2)`.

    With the step of :func:`rmsprop_theorem_step`, every step with
    :math:`\|\nabla f(x_t)\| > \varepsilon` decreases :math:`f` by at least
    :math:`(1-\beta_2)\xi\|\nabla f(x_t)\|^2 / (2L(\sigma^2+\xi))`, so some
    :math:`t \le T` has :math:`\|\nabla f(x_t)\| \le \varepsilon`. ``gap`` is
    :math:`f(x_1) - f^*` (an upper bound on it suffices).
    """
    L, sigma, xi = _positive(L, "L"), _positive(sigma, "sigma"), _check_xi(xi)
    beta2 = _check_beta(beta2, "beta2")
    gap = check_real(gap, "gap", low=0.0)
    eps = _positive(eps, "eps")
    return 2.0 * L * (sigma**2 + xi) * gap / ((1.0 - beta2) * xi * eps**2)


def adam_beta1_threshold(eps: float, sigma: float) -> float:
    r"""The deterministic ADAM theorem's momentum condition :math:`\beta_1 < \varepsilon /
    (\varepsilon + \sigma)` (recalled from the paper, see the chapter)."""
    eps, sigma = _positive(eps, "eps"), _positive(sigma, "sigma")
    return eps / (eps + sigma)


def _adam_margin(sigma: float, xi: float, beta1: float, eps: float) -> float:
    # c in <g_t, D_t m_t> >= c ||g_t||^2 whenever ||g_t|| >= eps; see adam_sufficient_step.
    return (1.0 - beta1) / (sigma + xi) - beta1 * sigma / (xi * eps)


def adam_sufficient_step(L: float, sigma: float, xi: float, beta1: float, eps: float) -> float:
    r"""A step size for which deterministic ADAM (ξ outside, no bias correction) provably
    decreases :math:`f` while :math:`\|\nabla f\| \ge \varepsilon` (the book's derivation).

    With :math:`D_t = \mathrm{diag}(\sqrt{v_t}+\xi)^{-1}`, :math:`\|\nabla f\| \le \sigma` gives
    :math:`\langle g_t, D_t m_t\rangle \ge c\|g_t\|^2` for :math:`\|g_t\|\ge\varepsilon`, with
    :math:`c = (1-\beta_1)/(\sigma+\xi) - \beta_1\sigma/(\xi\varepsilon)`, and
    :math:`\|D_t m_t\| \le \sigma/\xi`. The descent lemma then gives a decrease of at least
    :math:`\alpha c\varepsilon^2/2` per step for :math:`\alpha = c\varepsilon^2\xi^2/(L\sigma^2)`.
    Requires :math:`c > 0`, i.e. :math:`\beta_1/(1-\beta_1) < \xi\varepsilon/(\sigma(\sigma+\xi))`,
    which tends to the recalled condition :math:`\beta_1 < \varepsilon/(\varepsilon+\sigma)` as
    :math:`\xi \to \infty`. Raises ``ValueError`` naming ``beta1`` when :math:`c \le 0`.
    """
    L, sigma, xi = _positive(L, "L"), _positive(sigma, "sigma"), _check_xi(xi)
    beta1, eps = _check_beta(beta1, "beta1"), _positive(eps, "eps")
    c = _adam_margin(sigma, xi, beta1, eps)
    if c <= 0:
        raise ValueError(
            f"beta1 must satisfy beta1/(1-beta1) < xi*eps/(sigma*(sigma+xi)) = "
            f"{xi * eps / (sigma * (sigma + xi)):.3g} for this bound, got beta1={beta1}"
        )
    return c * eps**2 * xi**2 / (L * sigma**2)


def adam_iteration_bound(L: float, sigma: float, xi: float, beta1: float, eps: float, gap: float) -> float:
    r"""Iterations within which deterministic ADAM with :func:`adam_sufficient_step` reaches
    :math:`\|\nabla f\| < \varepsilon`: :math:`T = 2(f(x_1)-f^*)/(\alpha c \varepsilon^2)`."""
    alpha = adam_sufficient_step(L, sigma, xi, beta1, eps)
    gap = check_real(gap, "gap", low=0.0)
    c = _adam_margin(sigma, xi, beta1, eps)
    return 2.0 * gap / (alpha * c * eps**2)


def run_deterministic(
    loss_fn: LossFunction,
    x0: torch.Tensor,
    make_optimizer: OptimizerFactory,
    n_steps: int,
    *,
    eps: float | None = None,
    record_x: bool = False,
) -> dict[str, Any]:
    r"""Run an optimizer on :math:`f` = ``loss_fn`` from ``x0`` and record its trajectory.

    ``make_optimizer([x])`` builds the optimizer for the single parameter tensor ``x``.
    Returns a dict with ``f`` and ``grad_norm`` (NumPy arrays of :math:`f(x_t)` and
    :math:`\|\nabla f(x_t)\|` at every iterate :math:`x_1, x_2, \dots`, evaluated at the
    iterate itself, also for NAG's Sutskever form), ``x`` (the iterates, when ``record_x``)
    and ``hit`` (the first index with :math:`\|\nabla f\| \le \varepsilon`, or ``None``).
    The run stops at ``hit`` when ``eps`` is given.
    """
    n_steps = check_int(n_steps, "n_steps", min_value=0, max_value=10**9)
    check_instance(x0, "x0", torch.Tensor, "a torch.Tensor")
    if eps is not None:
        eps = _positive(eps, "eps")
    x = x0.detach().clone().requires_grad_(True)
    opt = make_optimizer([x])
    # Only NAG's Sutskever form needs the closure (its gradient is taken elsewhere); the others
    # step with the gradient just computed at x_t.
    needs_closure = isinstance(opt, NAG) and any(g["form"] == "sutskever" for g in opt.param_groups)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn(x)
        loss.backward()
        return loss

    fs, gns, xs, hit = [], [], [], None
    for t in range(n_steps + 1):
        loss = closure()
        gn = float(x.grad.norm())
        fs.append(float(loss.detach()))
        gns.append(gn)
        if record_x:
            xs.append(x.detach().clone())
        if eps is not None and gn <= eps:
            hit = t
            break
        if t < n_steps:
            opt.step(closure if needs_closure else None)
    out: dict[str, Any] = {"f": np.array(fs), "grad_norm": np.array(gns), "hit": hit}
    if record_x:
        out["x"] = torch.stack(xs).numpy()
    return out


def rmsprop_theorem_decrease(grad_norm, L: float, sigma: float, xi: float, beta2: float) -> np.ndarray:
    r"""The decrease of :math:`f` per step that the proof of :prf:ref:`thm-ch5-rmsprop-det`
    guarantees with the step of :func:`rmsprop_theorem_step`:
    :math:`(1-\beta_2)\xi\|\nabla f(x_t)\|^2 / (2L(\sigma^2+\xi))`, for each entry of
    ``grad_norm`` (the norms :math:`\|\nabla f(x_t)\|`)."""
    L, sigma, xi = _positive(L, "L"), _positive(sigma, "sigma"), _check_xi(xi)
    beta2 = _check_beta(beta2, "beta2")
    g = as_float_array(grad_norm, "grad_norm", ndim=1)
    return (1 - beta2) * xi * g**2 / (2 * L * (sigma**2 + xi))


def decrease_slack(f, grad_norm, L: float, sigma: float, xi: float, beta2: float) -> float:
    r"""The smallest ratio, over the steps of a run, of the actual decrease
    :math:`f(x_t) - f(x_{t+1})` to the guaranteed one (:func:`rmsprop_theorem_decrease` at
    :math:`x_t`). A value :math:`\ge 1` means the proof's per-step inequality held at every step.

    ``f`` and ``grad_norm`` are the values along the run, as :func:`run_deterministic` returns
    them (at least two iterates)."""
    f = as_float_array(f, "f", ndim=1, min_size=2)
    g = as_float_array(grad_norm, "grad_norm", shape=(f.shape[0],))
    need = rmsprop_theorem_decrease(g[:-1], L, sigma, xi, beta2)
    return float(np.min((f[:-1] - f[1:]) / need))


def run_stochastic_rmsprop(
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    full_grad_sq: Callable[[torch.Tensor], torch.Tensor],
    start: torch.Tensor,
    n_components: int,
    n_steps: int,
    *,
    n_runs: int,
    lr: float,
    beta2: float,
    xi: float,
    seed: int = 0,
    per_run: bool = False,
) -> np.ndarray:
    r"""Stochastic RMSProp (:prf:ref:`thm-ch5-rmsprop-stoch`) on
    :math:`f = \frac1k\sum_i f_i`, ``n_runs`` independent runs advanced together.

    The iterate is an ``(n_runs, d)`` tensor started at ``start`` in every row; each step draws
    one component :math:`i_s \in \{0,\dots,k-1\}` per run (a torch generator seeded with
    ``seed``), takes the gradient of ``loss(x, i)`` (the sum over runs of
    :math:`f_{i_s}(x_s)`) and makes one :class:`RMSProp` step. Returns, for
    :math:`t = 0,\dots,T-1`, the mean over runs of :math:`\|\nabla f(x_t)\|^2`, with
    ``full_grad_sq(x)`` giving that squared norm for each row; with ``per_run=True`` the
    array of shape ``(T, n_runs)`` of every run's value instead (for intervals over runs).
    """
    check_callable(loss, "loss")
    check_callable(full_grad_sq, "full_grad_sq")
    check_instance(start, "start", torch.Tensor, "a torch.Tensor")
    n_components = check_int(n_components, "n_components", min_value=1, max_value=2**62)
    n_steps = check_int(n_steps, "n_steps", min_value=1, max_value=10**9)
    n_runs = check_int(n_runs, "n_runs", min_value=1, max_value=10**7)
    gen = torch.Generator().manual_seed(check_int(seed, "seed", min_value=0))
    x = start.repeat(n_runs, 1).clone().requires_grad_(True)
    opt = RMSProp([x], lr=lr, beta2=beta2, xi=xi)
    per_run = check_bool(per_run, "per_run")
    curve = np.empty((n_steps, n_runs))
    for t in range(n_steps):
        with torch.no_grad():
            curve[t] = full_grad_sq(x).detach().numpy()
        opt.zero_grad()
        loss(x, torch.randint(n_components, (n_runs,), generator=gen)).backward()
        opt.step()
    return curve if per_run else curve.mean(axis=1)
