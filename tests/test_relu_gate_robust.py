"""Bad inputs of the Chapter 3 model and theory (issue 10): empty batches, non-bool flags,
covariances that are not symmetric PSD, arguments named in the messages, attack shapes."""

from __future__ import annotations

import numpy as np
import pytest

from dlmath import relu_gate as rg

NET = rg.relu_gate_net(3)
X = np.random.default_rng(0).normal(size=(5, 3))


@pytest.mark.parametrize("step", [rg.tron_step, rg.sgd_step])
def test_a_step_on_an_empty_batch_is_refused_not_nan(step):
    with pytest.raises(ValueError, match="X must hold at least 1 row"):
        step(NET, np.ones(3), np.zeros((0, 3)), np.zeros(0), 0.1)
    w = step(NET, np.ones(3), X[:1], np.ones(1), 0.1)  # one sample is a batch
    assert w.shape == (3,) and np.all(np.isfinite(w))


@pytest.mark.parametrize("flag", ["False", 0, 1, None, np.array([True])])
def test_first_sample_bug_must_be_a_bool(flag):
    with pytest.raises(TypeError, match="first_sample_bug must be True or False"):
        rg.sgd_step(NET, np.ones(3), X, np.ones(5), 0.1, first_sample_bug=flag)


def test_first_sample_bug_bools_still_select_the_variant():
    y = np.arange(5.0)
    right = rg.sgd_step(NET, np.ones(3), X, y, 0.1, first_sample_bug=False)
    bug = rg.sgd_step(NET, np.ones(3), X, y, 0.1, first_sample_bug=np.bool_(True))
    assert not np.allclose(right, bug)


@pytest.mark.parametrize(
    "sigma, msg",
    [
        (-np.eye(3), "positive semi-definite"),
        (np.diag([1.0, 1.0, -1e-3]), "positive semi-definite"),
        (np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), "symmetric"),
    ],
)
def test_a_covariance_must_be_symmetric_psd(sigma, msg):
    for call in (
        lambda: rg.correlated_bias(NET, sigma, 0.1, 0.5, np.ones(3)),
        lambda: rg.expected_tron_direction(NET, np.zeros(3), np.ones(3), sigma),
    ):
        with pytest.raises(ValueError, match=f"sigma must be .*{msg}"):
            call()


def test_covariance_tolerance_is_relative_to_the_scale():
    # round-off of a computed covariance at scale 1e6 is accepted; the same relative
    # asymmetry, and an eigenvalue of -1e-3 of the scale, are not tolerated at any scale
    g = np.random.default_rng(1).normal(size=(50, 3))
    for scale in (1e-6, 1.0, 1e6):
        S = scale * (g.T @ g) / 50
        S_noisy = S + scale * 1e-14 * np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]])
        out = rg.correlated_bias(NET, S_noisy, 0.1, 0.5, np.ones(3))
        assert np.all(np.isfinite(out))
        lam, V = np.linalg.eigh(S)
        bad = V @ np.diag([-1e-3 * lam[-1], lam[1], lam[2]]) @ V.T
        with pytest.raises(ValueError, match="positive semi-definite"):
            rg.correlated_bias(NET, (bad + bad.T) / 2, 0.1, 0.5, np.ones(3))


def test_a_singular_covariance_is_named_not_a_linalg_error():
    with pytest.raises(ValueError, match="singular"):
        rg.correlated_bias(NET, np.zeros((3, 3)), 0.1, 0.5, np.ones(3))


def test_correlated_bias_value_for_the_gate():
    # M = I, q = 1: w_inf - w_* = 2 beta theta sigma^{-1} m
    s = np.diag([1.0, 2.0, 4.0])
    m = np.array([1.0, 1.0, 1.0])
    assert np.allclose(rg.correlated_bias(NET, s, 0.25, 0.5, m), 0.25 * m / np.diag(s))


def test_arguments_are_named():
    with pytest.raises(TypeError, match="net must be a DepthTwoNet"):
        rg.fit_tron(None, X, np.ones(5), eta=0.1, b=1, n_iter=2)
    with pytest.raises(TypeError, match="w_star must be"):
        rg.expected_tron_direction(NET, np.ones(3), None, np.eye(3))
    with pytest.raises(ValueError, match="w_star must have 3 entries"):
        rg.expected_tron_direction(NET, np.ones(3), np.ones(2), np.eye(3))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"kind": "alternating", "theta": [[0.1, 0.2], [0.1]]}, "theta"),
        ({"kind": "alternating", "theta": np.ones(3)}, r"theta\.shape"),
        ({"kind": "alternating", "theta": np.ones((3, 2, 4))}, r"theta\.shape"),
        ({"kind": "uniform", "theta": 0.1, "uniforms": np.zeros(3)}, r"uniforms\.shape"),
        ({"kind": "correlated", "theta": 0.1, "X": np.ones((3, 5)), "direction": np.ones(5)},
         r"X\.shape\[:-1\]"),
        ({"kind": "correlated", "theta": 0.1, "X": np.ones((4, 5)), "direction": np.ones(3)},
         "direction must have shape"),
    ],
)
def test_attack_noise_shape_mismatches_name_the_argument(kwargs, name):
    kw = dict(kwargs)
    kind, theta = kw.pop("kind"), kw.pop("theta")
    with pytest.raises((TypeError, ValueError), match=name):
        rg.attack_noise(kind, theta, np.ones((2, 4)), **kw)


def test_attack_noise_broadcasting_that_keeps_the_mask_shape_is_accepted():
    mask = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0]])
    out = rg.attack_noise("alternating", np.array([[0.5], [2.0]]), mask)
    assert np.array_equal(out, mask * np.array([[0.5], [2.0]]) * np.array([-1, 1, -1, 1.0]))
    u = np.linspace(-1, 1, 8).reshape(2, 4)
    assert np.array_equal(rg.attack_noise("uniform", 0.5, mask, uniforms=u), 0.5 * mask * u)
