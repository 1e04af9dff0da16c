"""Tests for dlmath.optim_examples: the bias-correction schedule, acceleration, Reddi's example."""

import numpy as np
import pytest
import torch

from dlmath import optim as dop
from dlmath import optim_examples as oex


def test_bias_correction_ratio_values():
    r = oex.bias_correction_ratio([1, 10, 100], 0.9, 0.999)
    assert r[0] == pytest.approx(0.1 / np.sqrt(0.001))
    assert r[1] == pytest.approx((1 - 0.9**10) / np.sqrt(1 - 0.999**10))
    assert oex.bias_correction_ratio([1], 0.99, 0.999)[0] == pytest.approx(0.01 / np.sqrt(0.001))


@pytest.mark.parametrize("t", [[0], [1.5], []])
def test_bias_correction_ratio_rejects_bad_t(t):
    with pytest.raises(ValueError):
        oex.bias_correction_ratio(t, 0.9, 0.999)


def test_schedule_turns_corrected_adam_into_uncorrected():
    h = torch.tensor([1.0, 3.0], dtype=torch.float64)
    x0 = torch.tensor([1.0, -2.0], dtype=torch.float64)
    loss = lambda x: 0.5 * (h * x * x).sum()  # noqa: E731
    plain = dop.run_deterministic(loss, x0, lambda p: dop.Adam(p, lr=0.01, beta1=0.9), 50,
                                  record_x=True)["x"]
    lrs = 0.01 * oex.bias_correction_ratio(np.arange(1, 51), 0.9, 0.999)
    sched = oex.run_lr_schedule(loss, x0, lambda p: dop.Adam(p, lr=0.01, beta1=0.9,
                                                             bias_correction=True), lrs)
    assert np.abs(plain - sched).max() < 1e-6
    # without the schedule they differ (the check can fail)
    const = oex.run_lr_schedule(loss, x0, lambda p: dop.Adam(p, lr=0.01, beta1=0.9,
                                                             bias_correction=True), lrs * 0 + 0.01)
    assert np.abs(plain - const).max() > 1e-3


def test_quadratic_iterations_gd_matches_contraction():
    # GD with step 1 on the slow coordinate: gradient (1 - 1/kappa)^t, from 1
    kappa, tol = 50.0, 1e-3
    expected = int(np.ceil(np.log(tol * np.sqrt(2)) / np.log(1 - 1 / kappa)))
    assert abs(oex.quadratic_iterations(kappa, "gd", tol=tol) - expected) <= 1
    assert oex.quadratic_iterations(kappa, "nag", tol=tol) < expected / 3


def test_quadratic_iterations_validates():
    with pytest.raises(ValueError, match="method"):
        oex.quadratic_iterations(10, "adam")
    with pytest.raises(ValueError, match="max_steps"):
        oex.quadratic_iterations(1000, "gd", max_steps=10)


def test_reddi_online_adam_fails_amsgrad_converges():
    adam = oex.reddi_online(3.0, 3000)
    ams = oex.reddi_online(3.0, 3000, method="amsgrad")
    assert adam[1500:].mean() > 0.9 and ams[1500:].mean() < -0.9
    assert np.all(np.abs(adam) <= 1)


def test_reddi_online_validates():
    with pytest.raises(ValueError, match="C"):
        oex.reddi_online(-1.0, 10)
    with pytest.raises(ValueError, match="method"):
        oex.reddi_online(3.0, 10, method="sgd")
