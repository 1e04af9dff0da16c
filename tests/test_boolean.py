"""Tests of dlmath.boolean: max(0,x1,x2), gradient jumps, Andreev, Forster and sign-rank bounds."""

import numpy as np
import pytest

from dlmath import boolean as bo


def test_depth3_net_is_max3():
    X = np.random.default_rng(0).uniform(-3, 3, size=(2000, 2))
    assert np.array_equal(bo.max3_depth3(X), bo.max3(X))


def test_gradient_jump_distinguishes_half_lines_from_lines():
    t = np.array([-1.0, -0.5, 0.5, 1.0])
    P = np.c_[np.zeros(4), t]
    jumps = bo.gradient_jump(bo.max3, P, [1.0, 0.0])
    assert np.allclose(jumps, [1, 1, 0, 0], atol=1e-6)

    def sum_of_relu(X):  # kinks on full lines: the jump is constant along x1 = 0
        return 2 * np.maximum(X[:, 0], 0) - np.maximum(X[:, 0] + X[:, 1] - 5, 0)

    assert np.allclose(bo.gradient_jump(sum_of_relu, P, [2.0, 0.0]), 2.0, atol=1e-6)


def test_random_relu_fit_error_decreases_but_stays_positive():
    g = np.linspace(-1, 1, 31)
    X = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    e_small, _ = bo.random_relu_fit(X, bo.max3(X), 10)
    e_big, res = bo.random_relu_fit(X, bo.max3(X), 200)
    assert 1e-4 < e_big < 0.5 * e_small and res.shape == (X.shape[0],)
    assert np.isclose(np.sqrt(np.mean(res**2)), e_big)


def test_andreev_function():
    x = np.array([0, 1, 1, 0])  # XOR truth table of the two parities
    assert bo.andreev(x, [1, 0, 0, 0], 2) == 1  # parities (1, 0) -> index 1
    assert bo.andreev(x, [1, 1, 1, 0], 2) == 1  # parities (0, 1) -> index 2
    assert bo.andreev(x, [1, 0, 1, 0], 2) == 0  # parities (1, 1) -> index 3
    inputs, vals = bo.andreev_table(2, 1)
    assert inputs.shape == (2**6, 6) and vals.mean() == 0.5


def test_restriction_survival_formula():
    mc, exact = bo.restriction_survival(3, 4, 0.3, 200_000, seed=1)
    assert exact == pytest.approx((1 - 0.7**4) ** 3)
    assert abs(mc - exact) < 0.01


def test_hadamard_forster_and_sign_rank():
    for k in range(1, 5):
        H = bo.sylvester_hadamard(k)
        assert np.allclose(H @ H.T, 2**k * np.eye(2**k))
        assert bo.forster_bound(H) == pytest.approx(2 ** (k / 2))
    H = bo.sylvester_hadamard(3)
    r, U, V = bo.sign_rank_upper_bound(H, tries=5)
    assert np.array_equal(np.sign(U @ V.T), H) and np.ceil(bo.forster_bound(H) - 1e-9) <= r <= 8
    assert bo.sign_pattern_realizable(H, np.ones((8, 1))) is None  # rank 1 cannot give +/- rows


def test_bad_inputs():
    with pytest.raises(ValueError, match="X"):
        bo.max3(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="normal"):
        bo.gradient_jump(bo.max3, np.zeros((2, 2)), [0.0, 0.0])
    with pytest.raises(ValueError, match="y"):
        bo.andreev([0, 1], [1, 0, 1], 2)
    with pytest.raises(ValueError, match="x_table"):
        bo.andreev([0, 1, 1], [1], 1)
    with pytest.raises(ValueError, match="M"):
        bo.forster_bound(np.array([[1.0, 0.5], [1.0, -1.0]]))
    with pytest.raises(ValueError, match="p"):
        bo.restriction_survival(2, 2, 1.5, 10)
    with pytest.raises(ValueError, match="width"):
        bo.random_relu_fit(np.zeros((4, 2)), np.zeros(4), 0)
    with pytest.raises(ValueError, match="x_table must contain only bits"):
        bo.andreev([0, 0.7], [1], 1)  # would have been truncated to the bit 0
    with pytest.raises(ValueError, match="y must contain only bits"):
        bo.andreev([0, 1], [2], 1)
    with pytest.raises(TypeError, match="y"):
        bo.andreev([0, 1], "1", 1)
    with pytest.raises(ValueError, match="M must have entries"):
        bo.sign_pattern_realizable(np.array([[1.0, 0.0], [1.0, -1.0]]), np.ones((2, 1)))
    with pytest.raises(ValueError, match="M must have entries"):
        bo.sign_rank_upper_bound(np.zeros((2, 2)))  # zero entries: no sign factorization exists
    with pytest.raises(TypeError, match="f must be a callable"):
        bo.gradient_jump(3.0, np.zeros((2, 2)), [1.0, 0.0])


def test_relu_features_fit_separates_max3_from_a_sum_of_relus():
    g = np.linspace(-1, 1, 31)
    X = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    sor = np.maximum(X[:, 0], 0) - 0.5 * np.maximum(X[:, 0] - X[:, 1] + 0.3, 0)
    assert bo.relu_features_fit(X, sor, [[1, 0], [1, -1]], [0, 0.3])[0] < 1e-10
    lines = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, -1], [-1, 1]]
    assert bo.relu_features_fit(X, bo.max3(X), lines, np.zeros(6))[0] > 1e-2
    with pytest.raises(ValueError, match="b"):
        bo.relu_features_fit(X, sor, [[1, 0]], [0.0, 1.0])
