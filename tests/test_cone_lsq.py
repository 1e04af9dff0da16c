"""Tests of dlmath.cone_lsq and of the squared-loss exact ERM built on it.

The reference is independent of the solver under test: a brute-force KKT solve over every
active set of the cell's constraints (plain linear algebra, no rays, no NNLS, no QP code).
"""

import itertools

import numpy as np
import pytest

import dlmath.data
from dlmath import cone_lsq as cl
from dlmath import exact_erm as ee


def kkt_brute_force(M, G, y, tol=1e-9):
    """Optimal value of min |M t - y|^2, G t <= 0 from the KKT points over all active sets.

    For an active set S, solve [M^T M, G_S^T; G_S, 0] (t, lam) = (M^T y, 0) by least squares;
    a solution that is exact, feasible and has lam >= 0 is a KKT point, hence a global optimum
    of the convex program. Returns the smallest such value (all of them agree) and the count.
    """
    p = M.shape[1]
    vals = []
    scale = max(1.0, np.linalg.norm(y)) * max(1.0, np.abs(M).max())
    for k in range(G.shape[0] + 1):
        for S in itertools.combinations(range(G.shape[0]), k):
            GS = G[list(S)]
            K = np.block([[M.T @ M, GS.T], [GS, np.zeros((k, k))]])
            rhs = np.r_[M.T @ y, np.zeros(k)]
            sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
            t, lam = sol[:p], sol[p:]
            if np.linalg.norm(K @ sol - rhs) > tol * scale**2:
                continue
            if (G @ t).max(initial=0) > tol * scale or lam.min(initial=0) < -tol * scale:
                continue
            vals.append(float(np.sum((M @ t - y) ** 2)))
    return min(vals), len(vals)


def random_cells(D, n, w, count, seed):
    g = np.random.default_rng(seed)
    X, y = g.normal(size=(D, n)), g.normal(size=D)
    P = ee.affine_dichotomies(X)
    Xt = np.c_[X, np.ones(D)]
    for _ in range(count):
        tup = g.choice(len(P), w, replace=w > len(P))
        s = tuple(g.choice([1.0, -1.0], w))
        M, G = ee._cell_problem(Xt, P[tup], s, False)
        yield M, G, y


@pytest.mark.parametrize(("D", "n", "w"), [(5, 1, 1), (5, 2, 1), (4, 2, 2), (5, 1, 2)])
def test_cell_solve_equals_active_set_brute_force(D, n, w):
    for M, G, y in random_cells(D, n, w, 6, seed=D + 10 * n + 100 * w):
        res = cl.cone_lsq(M, G, y)
        ref, found = kkt_brute_force(M, G, y)
        assert found >= 1
        assert (G @ res.theta).max() <= 1e-9 * max(1.0, np.abs(res.theta).max())
        assert res.sum_squares == pytest.approx(ref, rel=1e-9, abs=1e-12)
        assert res.kkt_residual <= cl.KKT_TOL


def test_whole_erm_equals_brute_force_over_cells():
    g = np.random.default_rng(3)
    X, y = g.normal(size=(5, 2)), g.normal(size=5)
    P = ee.affine_dichotomies(X)
    Xt = np.c_[X, np.ones(5)]
    ref = min(
        kkt_brute_force(*ee._cell_problem(Xt, P[[k]], (s,), False), y)[0]
        for k in range(len(P))
        for s in (1.0, -1.0)
    )
    r = ee.erm_depth2(X, y, 1, loss="squared", prune=False)
    assert r.loss == pytest.approx(ref / 5, rel=1e-9)
    assert r.net.loss(X, y, "squared") == pytest.approx(r.loss, rel=1e-12)


def test_issue_reproducer_diabetes_beats_the_boxed_answer():
    d = dlmath.data.load_diabetes()
    X, y = d.X[:8, 2:3], d.y[:8]
    r = ee.erm_depth2(X, y, 2, loss="squared")
    other = ee.TwoLayerReLU(
        np.array([[174.94858882], [-11476.76516138]]),
        np.array([133.75129587, -541.2765285]),
        np.array([1.0, -1.0]),
    )
    assert r.loss <= other.loss(X, y, "squared")  # the old boxed QP returned 1455.49
    assert r.loss < 1455.0


def test_issue_reproducer_large_weights_and_gaussian_data():
    X = np.array([[1.0], [2.0], [3.0]])
    r = ee.erm_depth2(X, 1e6 * X[:, 0], 1, loss="squared")
    assert r.loss <= 1e-12 * 1e12  # y = 1e6 x is realizable; the box 1e4 gave 4.5e12
    assert r.net.A[0, 0] == pytest.approx(1e6, rel=1e-9)
    for seed in (0, 1, 2):  # 'HiGHS QP failed: kUnbounded' on some of these before
        g = np.random.default_rng(seed)
        X, y = g.normal(size=(7, 2)), g.normal(size=7)
        r = ee.erm_depth2(X, y, 2, loss="squared")
        assert np.isfinite(r.loss) and r.loss <= np.mean(y**2)  # the zero net is in the class


def test_empty_dichotomies_without_pruning():
    g = np.random.default_rng(1)
    X = g.normal(size=(8, 2))
    y = np.maximum(X @ [1.0, -1.0] + 0.2, 0) - np.maximum(X @ [0.5, 1.0] - 0.1, 0)
    y = y + 0.3 * g.normal(size=8)
    full = ee.erm_depth2(X, y, 2, loss="squared", prune=False)
    pruned = ee.erm_depth2(X, y, 2, loss="squared")
    assert full.n_solved == full.n_cells
    assert full.loss == pytest.approx(pruned.loss, rel=1e-12)
    # an all-inactive cell is a cell too: its optimum is the zero net
    assert full.loss < np.mean(y**2)


def test_bias_squared_and_degenerate_data():
    x = np.linspace(-1, 1, 6)
    assert ee.erm_depth2(x, 3 * x - 2, 1, loss="squared", bias=True).loss < 1e-20
    X = np.c_[x, 2 * x]  # collinear points in the plane
    r = ee.erm_depth2(X, np.abs(x), 2, loss="squared")
    assert r.loss < 1e-20 and r.net.A.shape == (2, 2)
    same = np.ones((4, 2))  # one point repeated: the affine hull is a point
    r = ee.erm_depth2(same, np.full(4, 2.0), 1, loss="squared", bias=False)
    assert r.loss < 1e-20


def test_generators_of_simple_cones():
    L, R = cl.cone_generators(np.array([[-1.0, 0.0], [0.0, -1.0]]))  # the positive quadrant
    assert L.shape == (2, 0)
    assert sorted(map(tuple, np.round(R.T, 12))) == [(0.0, 1.0), (1.0, 0.0)]
    L, R = cl.cone_generators(np.array([[1.0, 0.0, 0.0]]))  # a half-space in R^3
    assert L.shape == (3, 2) and R.shape == (3, 1) and R[0, 0] == pytest.approx(-1.0)
    L, R = cl.cone_generators(np.zeros((2, 3)))
    assert L.shape == (3, 3) and R.shape == (3, 0)


def test_cone_lsq_bad_inputs_and_size_guard():
    with pytest.raises(ValueError, match="y"):
        cl.cone_lsq(np.eye(2), np.eye(2), np.ones(3))
    with pytest.raises(ValueError, match="A"):
        cl.cone_lsq(np.eye(2), np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match=r"C\(60, 3\) = 34220 .* max_subsets=1000"):
        cl.cone_generators(np.random.default_rng(0).normal(size=(60, 4)), max_subsets=1000)


def test_certificate_failure_is_an_error():
    ML, MR, y = np.zeros((3, 0)), np.eye(3), np.array([1.0, -1.0, 2.0])
    z, mu, kkt = cl.lsq_over_generators(ML, MR, y)
    np.testing.assert_allclose(mu, [1.0, 0.0, 2.0])
    assert kkt <= cl.KKT_TOL
    with pytest.raises(RuntimeError, match="KKT certificate"):
        cl.lsq_over_generators(ML, MR, y, tol=-1.0)
