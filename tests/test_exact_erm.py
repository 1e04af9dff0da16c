"""Tests of dlmath.exact_erm: Cover counts (spec 2.4), dichotomy enumeration, exact ERM."""

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize

from dlmath import exact_erm as ee
from dlmath.relu_nets import PWL1D


@pytest.mark.parametrize(("D", "n", "count"), [(8, 1, 16), (8, 2, 58), (10, 2, 92)])
def test_cover_counts_spec(D, n, count):
    assert ee.cover_count(D, n) == count
    X = np.random.default_rng(D + n).normal(size=(D, n))
    assert len(ee.affine_dichotomies(X)) == count


def test_cover_count_three_dims_and_small_D():
    X = np.random.default_rng(3).normal(size=(7, 3))
    assert len(ee.affine_dichotomies(X)) == ee.cover_count(7, 3) == 2 * (1 + 6 + 15 + 20)
    assert ee.cover_count(3, 5) == 2**3  # D <= n + 1: every dichotomy is realizable


def test_dichotomies_equal_brute_force_lp():
    X = np.random.default_rng(0).normal(size=(8, 2))
    found = {m.tobytes() for m in ee.affine_dichotomies(X)}
    brute = {
        np.array(m).tobytes()
        for m in itertools.product((False, True), repeat=8)
        if ee.is_strictly_separable(X, np.array(m))
    }
    assert found == brute


def test_dichotomies_of_collinear_points_in_plane():
    t = np.linspace(-1, 1, 6)
    X = np.c_[t, 2 * t + 1]  # on a line: the 1-D count 2D applies
    assert len(ee.affine_dichotomies(X)) == 12


def test_is_strictly_separable_xor():
    X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], float)
    assert not ee.is_strictly_separable(X, np.array([True, True, False, False]))
    assert ee.is_strictly_separable(X, np.array([True, False, False, False]))


def _teacher(D, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(D, 2))
    y = np.maximum(X @ [1.0, -1.0] + 0.2, 0) - np.maximum(X @ [0.5, 1.0] - 0.1, 0)
    return X, y + 0.3 * rng.normal(size=D)


def test_erm_equals_milp_absolute():
    X, y = _teacher(7)
    r = ee.erm_depth2(X, y, 2, loss="absolute")
    m = ee.erm_milp_absolute(X, y, 2, weight_bound=100.0)
    assert np.abs(np.r_[r.net.A.ravel(), r.net.b]).max() < 100.0
    assert r.loss == pytest.approx(m.loss, abs=1e-7)
    assert r.net.loss(X, y) == pytest.approx(r.loss, abs=1e-12)


def test_pruning_and_naive_give_the_same_optimum():
    X, y = _teacher(4, seed=2)
    full = ee.erm_depth2(X, y, 2, prune=False)
    pruned = ee.erm_depth2(X, y, 2, prune=True)
    naive = ee.erm_depth2(X, y, 2, method="naive")
    assert pruned.n_solved < full.n_solved == full.n_cells == ee.count_subproblems(4, 2, 2)
    assert naive.n_cells == ee.count_subproblems(4, 2, 2, method="naive") == 4 * 2**8
    assert pruned.loss == pytest.approx(full.loss, abs=1e-9)
    assert naive.loss == pytest.approx(full.loss, abs=1e-9)


def test_erm_beats_gradient_descent_and_is_exact_on_realizable_data():
    X, y = _teacher(6, seed=4)
    for loss in ee.LOSSES:
        r = ee.erm_depth2(X, y, 2, loss=loss)
        gd = ee.gd_restarts(X, y, 2, loss=loss, restarts=20, steps=400, seed=1)
        assert r.loss <= gd.min() + 1e-7
    Xr = np.random.default_rng(5).normal(size=(6, 2))
    yr = np.maximum(Xr @ [1.0, 2.0] - 0.5, 0) - np.maximum(Xr @ [-1.0, 0.5], 0)
    assert ee.erm_depth2(Xr, yr, 2, loss="squared").loss < 1e-8


def test_squared_cell_qp_matches_slsqp():
    X, y = _teacher(6, seed=6)
    P = ee.affine_dichotomies(X)
    Xt = np.c_[X, np.ones(6)]
    rng = np.random.default_rng(0)
    for _ in range(15):
        tup = rng.choice(len(P), 2, replace=False)
        M, G = ee._cell_problem(Xt, P[tup], (1.0, -1.0), False)
        th = ee._solve_qp(M, G, y)
        ref = minimize(
            lambda t, M=M: np.sum((M @ t - y) ** 2),
            np.zeros(M.shape[1]),
            constraints=[{"type": "ineq", "fun": lambda t, G=G: -G @ t}],
            method="SLSQP",
            options={"ftol": 1e-14, "maxiter": 1000},
        )
        assert (G @ th).max() < 1e-7
        assert np.sum((M @ th - y) ** 2) <= ref.fun + 1e-6


def test_one_dimensional_pwl_erm():
    x = np.linspace(-1, 1, 9)
    y = np.abs(x) - 0.3
    f, loss, count = ee.erm_pwl_1d(x, y, 2, loss="squared")
    assert loss < 1e-10 and count == 8 * 2
    assert np.allclose(f(x), y, atol=1e-5)
    assert isinstance(f, PWL1D) and f.n_pieces == 2  # the package's one PWL type
    np.testing.assert_allclose(f.knots, [0.0], atol=1e-6)  # the kink of |x| - 0.3
    # a line through zero: one PWL piece fits it exactly, one ReLU unit without output bias cannot
    assert ee.erm_pwl_1d(x, x, 1)[1] < 1e-10
    assert ee.erm_depth2(x, x, 1).loss > 0.1
    # F_w (width w, no bias) lies inside PWL with w + 1 pieces
    rng = np.random.default_rng(1)
    xr, yr = rng.normal(size=8), rng.normal(size=8)
    assert ee.erm_pwl_1d(xr, yr, 3)[1] <= ee.erm_depth2(xr, yr, 2).loss + 1e-9


def test_bias_and_relu_net_conversion():
    x = np.linspace(-1, 1, 7)
    assert ee.erm_depth2(x, x, 1, bias=True).loss < 1e-9
    net = ee.TwoLayerReLU(np.array([[1.0], [-1.0]]), np.array([0.0, 0.5]), np.array([1.0, -1.0]), 0.25)
    assert np.allclose(net(x), np.maximum(x, 0) - np.maximum(0.5 - x, 0) + 0.25)


def test_bad_inputs():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="y"):
        ee.erm_depth2(X, np.zeros(3), 1)
    with pytest.raises(ValueError, match="loss"):
        ee.erm_depth2(X, np.zeros(4), 1, loss="hinge")
    with pytest.raises(ValueError, match="width"):
        ee.erm_depth2(X, np.zeros(4), 0)
    with pytest.raises(TypeError, match="prune"):
        ee.erm_depth2(X, np.zeros(4), 1, prune="yes")
    with pytest.raises(ValueError, match="X"):
        ee.affine_dichotomies(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="mask"):
        ee.is_strictly_separable(X, np.ones(3, bool))
    with pytest.raises(ValueError, match="D"):
        ee.cover_count(0, 2)
    with pytest.raises(ValueError, match="weight_bound"):
        ee.erm_milp_absolute(X, np.zeros(4), 1, weight_bound=-1.0)
    with pytest.raises(ValueError, match="pieces"):
        ee.erm_pwl_1d(np.zeros(3), np.zeros(3), 0)
    with pytest.raises(ValueError, match="method"):
        ee.count_subproblems(5, 2, 2, method="all")


def test_conversion_to_relu_net():
    X, y = _teacher(5, seed=8)
    net = ee.erm_depth2(X, y, 2).net
    rnet = net.to_relu_net()
    assert np.allclose(np.ravel(rnet(X)), net(X), atol=1e-12)
