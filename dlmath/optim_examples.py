"""Closed forms and classic examples around Chapter 5's optimizers.

* :func:`bias_correction_ratio`: the factor by which uncorrected ADAM's step exceeds the
  bias-corrected one under equal moments (:prf:ref:`alg-ch5-adam`).
* :func:`run_lr_schedule`: an optimizer of :mod:`dlmath.optim` run with a per-step learning
  rate, e.g. bias-corrected ADAM with the schedule that turns it into uncorrected ADAM.
* :func:`quadratic_iterations`: gradient descent and NAG (:prf:ref:`alg-ch5-nag`) on an
  ill-conditioned quadratic, the steps they need as a function of the condition number.
* :func:`reddi_online`: the online convex problem on which ADAM does not converge (Reddi,
  Kale and Kumar 2018, Thm 1), with ADAM and AMSGrad.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ._validate import as_float_array, check_callable, check_choice, check_instance, check_int, check_real
from .optim import NAG, run_deterministic

__all__ = ["bias_correction_ratio", "run_lr_schedule", "quadratic_iterations", "reddi_online"]


def _unit(x: Any, name: str) -> float:
    return check_real(x, name, low=0.0, high=1.0, high_inclusive=False)


def bias_correction_ratio(t: Any, beta1: float, beta2: float) -> np.ndarray:
    r""":math:`(1-\beta_1^t)/\sqrt{1-\beta_2^t}` for the iteration counts ``t`` (>= 1).

    With equal moments :math:`m_t, v_t` and :math:`\xi` negligible against
    :math:`\sqrt{v_t}`, uncorrected ADAM's step :math:`\alpha m_t/\sqrt{v_t}` is this factor
    times the corrected step :math:`\alpha\hat m_t/\sqrt{\hat v_t}` (:prf:ref:`alg-ch5-adam`).
    """
    t = as_float_array(t, "t", min_size=1)
    if np.any(t < 1) or np.any(t != np.round(t)):
        raise ValueError("t must hold integers >= 1")
    b1, b2 = _unit(beta1, "beta1"), check_real(beta2, "beta2", low=0.0, high=1.0,
                                               low_inclusive=False, high_inclusive=False)
    return (1 - b1**t) / np.sqrt(1 - b2**t)


def run_lr_schedule(
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    make_optimizer: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    lrs: Sequence[float],
) -> np.ndarray:
    """Iterates :math:`x_1,\\dots,x_{T+1}` (rows) of an optimizer whose step ``t`` uses the
    learning rate ``lrs[t-1]`` (set in every parameter group before the step)."""
    check_callable(loss_fn, "loss_fn")
    check_callable(make_optimizer, "make_optimizer")
    check_instance(x0, "x0", torch.Tensor, "a torch tensor")
    if not x0.is_floating_point() or not bool(torch.isfinite(x0).all()):
        raise ValueError(f"x0 must be a finite real floating-point tensor, got dtype {x0.dtype}")
    lrs = as_float_array(lrs, "lrs", ndim=1, min_size=1)
    if np.any(lrs <= 0):
        raise ValueError("lrs must be positive")
    x = x0.detach().clone().requires_grad_(True)
    opt = make_optimizer([x])
    xs = [x.detach().clone()]
    for lr in lrs:
        for group in opt.param_groups:
            group["lr"] = float(lr)
        opt.zero_grad()
        loss_fn(x).backward()
        opt.step()
        xs.append(x.detach().clone())
    return torch.stack(xs).numpy()


def quadratic_iterations(kappa: float, method: str, *, tol: float = 1e-6,
                         max_steps: int = 1_000_000) -> int:
    r"""Steps until :math:`\|\nabla f(x_t)\|\le` ``tol`` :math:`\|\nabla f(x_1)\|` on
    :math:`f(x)=\frac12(x_1^2+x_2^2/\kappa)` from :math:`x_1=(1,\kappa)`, where both
    coordinates of the gradient are 1, so that the slow one decides.

    ``method="gd"``: gradient descent with step :math:`1/L = 1`; ``"nag"``: NAG
    (:prf:ref:`alg-ch5-nag`) with step :math:`1/L` and momentum
    :math:`\mu=(\sqrt\kappa-1)/(\sqrt\kappa+1)`. Raises if ``max_steps`` do not suffice.
    """
    kappa = check_real(kappa, "kappa", low=1.0)
    method = check_choice(method, "method", ("gd", "nag"))
    tol = check_real(tol, "tol", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    max_steps = check_int(max_steps, "max_steps", min_value=1)
    h = torch.tensor([1.0, 1.0 / kappa], dtype=torch.float64)
    x0 = torch.tensor([1.0, kappa], dtype=torch.float64)
    mu = 0.0 if method == "gd" else (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    g0 = float(torch.linalg.vector_norm(h * x0))
    run = run_deterministic(lambda x: 0.5 * (h * x * x).sum(), x0,
                            lambda p: NAG(p, lr=1.0, momentum=mu), max_steps, eps=tol * g0)
    if run["hit"] is None:
        raise ValueError(f"{method} did not reach tol={tol} within max_steps={max_steps} "
                         f"at kappa={kappa}")
    return int(run["hit"])


def reddi_online(C: float, n_steps: int, *, method: str = "adam", alpha: float = 0.5,
                 beta1: float = 0.0, beta2: float | None = None, xi: float = 1e-8,
                 x1: float = 0.0) -> np.ndarray:
    r"""Iterates of ADAM or AMSGrad on Reddi et al.'s online problem (their Thm 1).

    The loss at step :math:`t` is :math:`f_t(x) = Cx` for :math:`t \equiv 1 \pmod 3` and
    :math:`-x` otherwise, on :math:`\mathcal F = [-1, 1]`; the best fixed point is
    :math:`x=-1`. Steps :math:`\alpha/\sqrt t`, no bias correction, projection onto
    :math:`\mathcal F`; ``beta2=None`` is :math:`1/(1+C^2)`. ``method="amsgrad"`` divides by
    the running maximum of :math:`v_t`. Returns :math:`x_1, \dots, x_{T+1}`.
    """
    C = check_real(C, "C", low=0.0, low_inclusive=False)
    n_steps = check_int(n_steps, "n_steps", min_value=1, max_value=10_000_000)
    method = check_choice(method, "method", ("adam", "amsgrad"))
    alpha = check_real(alpha, "alpha", low=0.0, low_inclusive=False)
    b1 = _unit(beta1, "beta1")
    b2 = 1.0 / (1.0 + C * C) if beta2 is None else _unit(beta2, "beta2")
    xi = check_real(xi, "xi", low=0.0)
    x = check_real(x1, "x1", low=-1.0, high=1.0)
    m = v = vmax = 0.0
    xs = np.empty(n_steps + 1)
    xs[0] = x
    for t in range(1, n_steps + 1):
        g = C if t % 3 == 1 else -1.0
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        denom = math.sqrt(vmax if method == "amsgrad" else v) + xi
        x = min(1.0, max(-1.0, x - alpha / math.sqrt(t) * m / denom))
        xs[t] = x
    return xs
