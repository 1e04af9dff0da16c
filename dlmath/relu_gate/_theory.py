"""Chapter 3's predictions: the expected Tron direction, contraction factor and best
step, the poisoning floor and the bias of a correlated attack."""

from __future__ import annotations

import numpy as np

from .._validate import (
    as_float_array,
    check_choice,
    check_covariance,
    check_instance,
    check_int,
    check_real,
)
from ._model import MAX_EXACT, DepthTwoNet, InputMoments, _check_wX


def expected_tron_direction(net: DepthTwoNet, w, w_star, sigma) -> np.ndarray:
    """:math:`E\\big[M\\,(f_{w_*}(x) - f_w(x))\\,x\\big] = \\frac q2\\,M\\Sigma M^\\top (w_* - w)`.

    Exact for every :math:`w` when the input law is symmetric with :math:`E[xx^\\top]=\\Sigma`
    (:prf:ref:`lem-ch3-expected-update`, our derivation, from :math:`\\sigma(z)-\\sigma(-z)=z`);
    for the ReLU gate it reads
    :math:`\\frac12\\Sigma(w_*-w)`.
    """
    check_instance(net, "net", DepthTwoNet)
    w, _ = _check_wX(net, w, np.zeros((1, net.n)))
    w_star, _ = _check_wX(net, w_star, np.zeros((1, net.n)), w_name="w_star")
    sigma = check_covariance(sigma, "sigma", net.n)
    M = net.M
    return 0.5 * net.q * M @ sigma @ M.T @ (w_star - w)


def contraction_factor(moments: InputMoments, eta: float, b: int) -> float:
    """Predicted one-step factor of :math:`E\\|w_t-w_*\\|^2` for ReLU-gate Tron (realizable case):

    .. math:: \\rho^2 = 1 - \\eta\\lambda_{\\min}(\\Sigma)
              + \\eta^2\\Big[\\frac{\\kappa}{2b}
              + \\big(1-\\tfrac1b\\big)\\frac{\\lambda_{\\max}(\\Sigma)^2}{4}\\Big],
       \\qquad \\kappa = \\lambda_{\\max}(E[\\|x\\|^2 xx^\\top]).

    :prf:ref:`thm-ch3-tron-rate`, our derivation (the papers state a linear rate, not this constant): an upper
    bound for every symmetric law, asymptotically exact for isotropic inputs once
    :math:`w_t` is close to :math:`w_*`. ``inf`` when the fourth moment is infinite.
    """
    m = check_instance(moments, "moments", InputMoments)
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    b = check_int(b, "b", min_value=1, max_value=MAX_EXACT)
    return 1 - eta * m.lam_min + eta**2 * (m.kappa / (2 * b) + (1 - 1 / b) * m.lam_max**2 / 4)


def best_step_size(moments: InputMoments, b: int) -> tuple[float, float]:
    """The step :math:`\\eta_b` minimizing :func:`contraction_factor` and the factor it gives:
    :math:`\\eta_b = \\lambda/(2c_b)`, :math:`\\rho_b^2 = 1-\\lambda^2/(4c_b)`,
    :math:`c_b = \\kappa/(2b) + (1-1/b)\\Lambda^2/4`."""
    m = check_instance(moments, "moments", InputMoments)
    b = check_int(b, "b", min_value=1, max_value=MAX_EXACT)
    c = m.kappa / (2 * b) + (1 - 1 / b) * m.lam_max**2 / 4
    return m.lam_min / (2 * c), 1 - m.lam_min**2 / (4 * c)


def poisoning_floor(
    eta: float, beta: float, xi_sq: float, r: int, b: int, *, q: float = 1.0, algorithm: str = "tron"
) -> float:
    """Predicted plateau :math:`\\sqrt{E\\|w_t-w_*\\|^2}` under an attack independent of the input.

    To first order in :math:`\\eta` the stationary covariance of :math:`w_t - w_*` is
    :math:`\\frac{\\eta\\beta E[\\xi^2]}{bq} I_r` for (Neuro-)Tron and
    :math:`\\frac{\\eta\\beta E[\\xi^2]}{2b} I_r` for SGD (our derivation: a Lyapunov equation
    whose drift and noise matrices are both proportional to :math:`M\\Sigma M^\\top`, resp.
    :math:`E[\\nabla f\\nabla f^\\top]`, so :math:`\\Sigma` cancels). Only Tron's floor shrinks with
    the outer scale :math:`q` (:prf:ref:`prop-ch3-floor`).
    """
    eta = check_real(eta, "eta", low=0.0, low_inclusive=False)
    beta = check_real(beta, "beta", low=0.0, high=1.0)
    xi_sq = check_real(xi_sq, "xi_sq", low=0.0)
    r = check_int(r, "r", min_value=1, max_value=MAX_EXACT)
    b = check_int(b, "b", min_value=1, max_value=MAX_EXACT)
    q = check_real(q, "q", low=0.0, low_inclusive=False)
    check_choice(algorithm, "algorithm", ("tron", "sgd"))
    denom = b * q if algorithm == "tron" else 2 * b
    return float(np.sqrt(eta * beta * xi_sq * r / denom))


def correlated_bias(net: DepthTwoNet, sigma, beta: float, theta: float, sign_moment) -> np.ndarray:
    """Fixed point of Tron's mean dynamics under the attack :math:`\\xi=\\theta\\,\\mathrm{sign}(c^\\top x)`:

    .. math:: w_\\infty - w_* = \\frac{2\\beta\\theta}{q}\\,(M\\Sigma M^\\top)^{-1} M\\, m,
              \\qquad m = E[\\mathrm{sign}(c^\\top x)\\,x]

    (``sign_moment`` is :math:`m`; for :math:`N(0,s^2I)` inputs :math:`m = s\\sqrt{2/\\pi}\\,c/\\|c\\|`).
    It is of order :math:`\\beta\\theta` and, unlike :func:`poisoning_floor`, does not shrink with
    :math:`\\eta` (our derivation).
    """
    check_instance(net, "net", DepthTwoNet)
    sigma = check_covariance(sigma, "sigma", net.n)
    beta = check_real(beta, "beta", low=0.0, high=1.0)
    theta = check_real(theta, "theta", low=0.0)
    m = as_float_array(sign_moment, "sign_moment", shape=(net.n,))
    M = net.M
    try:
        return 2 * beta * theta / net.q * np.linalg.solve(M @ sigma @ M.T, M @ m)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            "M sigma M^T is singular (sigma is degenerate along the filters' rows): the mean "
            "dynamics have no unique fixed point"
        ) from exc
