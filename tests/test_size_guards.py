"""Combinatorial sizes fail fast (well under a second) with a ValueError naming the size, its
estimate and the limit; an override argument runs a size the default refuses."""

import time

import numpy as np
import pytest

from dlmath import boolean as bo
from dlmath import constructions as cn
from dlmath import depth_bounds as db
from dlmath import exact_erm as ee

G = np.random.default_rng(0)

GUARDED = {
    "erm_depth2 D=60 w=2": (
        lambda: ee.erm_depth2(G.normal(size=(60, 2)), G.normal(size=60), 2),
        r"cells at D=60, n=2, w=2 is about 2.51e\+07, above the limit 1e\+06.*max_cells",
    ),
    "erm_depth2 naive": (
        lambda: ee.erm_depth2(G.normal(size=(30, 1)), G.normal(size=30), 2, method="naive"),
        r"naive cells .* above the limit 1e\+06",
    ),
    "affine_dichotomies": (
        lambda: ee.affine_dichotomies(G.normal(size=(3000, 3))),
        r"3-point subsets of D=3000 .* 4.5e\+09, above the limit 2e\+05.*max_subsets",
    ),
    "erm_pwl_1d": (
        lambda: ee.erm_pwl_1d(G.normal(size=200), G.normal(size=200), 6),
        r"convex programs at D=200, pieces=6 is about 7.91e\+10.*max_programs",
    ),
    "cover_count": (lambda: ee.cover_count(10**9, 10**6), r"binomials .* above the limit 5e\+08.*max_work"),
    "zonotope_vertex_bound": (
        lambda: db.zonotope_vertex_bound(10**6, 10**9 // 2),
        r"binomials .* above the limit.*max_work",
    ),
    "zonotope_vertices": (
        lambda: cn.zonotope_vertices(G.normal(size=(40, 6))),
        r"vertex count of 40 generators in R\^6 is about 1.34e\+06.*max_vertices",
    ),
    "sign_rank_upper_bound": (
        lambda: bo.sign_rank_upper_bound(bo.sylvester_hadamard(9)),
        r"LP count for a 512x512 matrix is about 5.51e\+06.*max_lps",
    ),
    "gd_restarts": (
        lambda: ee.gd_restarts(G.normal(size=(5, 2)), G.normal(size=5), 2, restarts=10**7),
        r"restarts \* steps .* above the limit 2e\+10.*max_work",
    ),
}


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_guard_fails_fast_and_names_the_sizes(name):
    call, pattern = GUARDED[name]
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=pattern):
        call()
    assert time.perf_counter() - t0 < 1.0


def test_overrides_run_what_the_default_refuses():
    X, y = G.normal(size=(6, 1)), G.normal(size=6)
    with pytest.raises(ValueError, match="max_cells"):
        ee.erm_depth2(X, y, 2, max_cells=10)
    assert np.isfinite(ee.erm_depth2(X, y, 2, max_cells=10**4).loss)
    with pytest.raises(ValueError, match="max_programs"):
        ee.erm_pwl_1d(X[:, 0], y, 3, max_programs=5)
    assert ee.erm_pwl_1d(X[:, 0], y, 3, max_programs=100)[2] == 10 * 4
    with pytest.raises(ValueError, match="max_vertices"):
        cn.zonotope_vertices(G.normal(size=(5, 2)), max_vertices=4)
    assert len(cn.zonotope_vertices(G.normal(size=(5, 2)), max_vertices=10)) == 10
    assert ee.cover_count(10**4, 200) == 2 * db.binomial_prefix_sum(10**4 - 1, 200)


def test_binomial_prefix_sum_is_exact():
    from math import comb

    for N in range(12):
        for k in range(-1, 14):
            assert db.binomial_prefix_sum(N, k) == sum(comb(N, i) for i in range(min(k, N) + 1))
    assert db.binomial_prefix_sum(200, 150) == sum(comb(200, i) for i in range(151))  # complement path


def test_width_above_twice_the_dichotomies_is_padded_not_empty():
    X, y = G.normal(size=(5, 1)), G.normal(size=5)
    for loss in ee.LOSSES:
        small = ee.erm_depth2(X, y, 10, loss=loss)  # 2N = 20 here: still enumerated
        big = ee.erm_depth2(X, y, 10**5, loss=loss)  # one cell with every dichotomy per sign
        assert big.net.width == 10**5 and big.n_cells == 1
        assert big.loss <= small.loss + 1e-12
        assert big.net.loss(X, y, loss) == pytest.approx(big.loss, abs=1e-12)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: db.telgarsky_size_bound(32), r"about 10\^309.5, beyond the float range"),
        (lambda: db.cor34_size_bound(200), r"10\^462.2, beyond the float range"),
        (lambda: db.max_pieces_for_size(10**6, 10**3), "beyond the float range"),
        (lambda: db.approx_size_threshold(2000, 2, 1, 0.1), "Thm 3.5 is about 10"),
        (lambda: bo.andreev([], [1, 0], 1), "x_table must have 2"),
    ],
)
def test_no_bare_overflow(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_float_bounds_unchanged_in_range():
    assert db.depth_gap_size_bound(6, 3, 2) == 26.0
    assert db.telgarsky_size_bound(3) == (8.0, 767.0)
    assert db.min_size_for_pieces(16, 2) == 3.0
    assert db.min_size_for_pieces(10**400, 2) == pytest.approx(1e200, rel=1e-12)


def test_two_layer_relu_checks_shapes_and_copies():
    with pytest.raises(ValueError, match=r"b must have shape \(1\)"):
        ee.TwoLayerReLU(np.ones((1, 1)), np.zeros(2), np.ones(2))
    A = np.ones((2, 1))
    net = ee.TwoLayerReLU(A, np.zeros(2), np.ones(2))
    A[:] = 5.0
    assert net(np.array([1.0]))[0] == 2.0  # the caller's array does not reach into the net


def test_constructions_accept_grad_tensors_and_check_tol():
    import torch

    net = cn.max_affine_net(torch.ones(2, 2, requires_grad=True))
    assert np.allclose(np.ravel(net(np.array([[1.0, 2.0]]))), 3.0)  # max of two copies of x1 + x2
    with pytest.raises(ValueError, match="tol must be >= 0"):
        cn.min_two_layer_size([0.0, 1.0], [0.0, 1.0], 0.0, 2.0, tol=-1.0)
    with pytest.raises(ValueError, match="tol must be finite"):
        cn.min_two_layer_size([0.0, 1.0], [0.0, 1.0], 0.0, 2.0, tol=float("nan"))


@pytest.mark.parametrize("bad", [np.array([1 + 5j, -1 + 5j]), [1 + 0j, 2], 3 + 1j])
def test_complex_input_is_refused_by_the_shared_converter(bad):
    from dlmath._validate import as_float_array

    with pytest.raises(TypeError, match="x must be real"):
        as_float_array(bad, "x")
    with pytest.raises(TypeError, match="y must be real"):
        ee.erm_depth2(np.ones((2, 1)), np.resize(np.asarray(bad), 2), 1)
