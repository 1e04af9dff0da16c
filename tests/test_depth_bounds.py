"""Closed-form bounds of thesis Ch. 2 (spec §2.4 numbers) in dlmath.depth_bounds."""

from math import comb

import numpy as np
import pytest

from dlmath import depth_bounds as db


@pytest.mark.parametrize(("k", "value"), [(2, 3.0), (3, 39.5), (4, 511.0), (5, 7811.5)])
def test_cor34_values(k, value):
    assert db.cor34_size_bound(k) == pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize(("k_prime", "value"), [(1, 39.5), (2, 8.0), (3, 5.4901), (4, 5.0)])
def test_thm31_table_k4_w3(k_prime, value):
    assert db.depth_gap_size_bound(4, 3, k_prime) == pytest.approx(value, abs=1e-4)


@pytest.mark.parametrize(
    ("widths", "value"), [([2], 3), ([2, 2], 12), ([3, 3], 24), ([3, 3, 3], 144), ([5, 1], 12)]
)
def test_lemma_d5_maxima(widths, value):
    assert db.max_pieces_1d(widths) == value


def test_lemma_d6_is_amgm_of_d5():
    # (2s/k)^k dominates the D.5 count of every width vector with sum s, and is attained
    # up to the "+1" when all widths are equal.
    for widths in ([1, 2, 3], [4, 4], [2, 5, 1, 1], [7]):
        s, k = sum(widths), len(widths)
        assert db.max_pieces_1d(widths) <= db.max_pieces_for_size(s, k)
        assert db.min_size_for_pieces(db.max_pieces_1d(widths), k) <= s
    assert db.min_size_for_pieces(3**4, 4) == pytest.approx(5.0)


def test_thm31_is_lemma_d6_at_w_to_the_k():
    for k, w, kp in [(4, 3, 2), (6, 2, 3), (9, 3, 3)]:
        assert db.depth_gap_size_bound(k, w, kp) == pytest.approx(db.min_size_for_pieces(w**k, kp))
    # at k' = k the bound is ½kw - 1 < kw: the hard net itself is of size kw
    assert db.depth_gap_size_bound(5, 4, 5) == pytest.approx(0.5 * 5 * 4 - 1)


def test_telgarsky_comparison():
    telgarsky, ours = db.telgarsky_size_bound(3)
    assert telgarsky == 8.0
    assert ours == pytest.approx(0.5 * 3 * 2**9 - 1)


def test_approx_threshold_decreases_with_delta():
    a = db.approx_size_threshold(4, 3, 2, 0.01)
    b = db.approx_size_threshold(4, 3, 2, 0.2)
    assert a > b > 0
    # as δ → 0 it tends to half of the exact-representation count k' w^{k/k'} / 2
    assert db.approx_size_threshold(4, 3, 2, 1e-12) == pytest.approx(2 * 9 / 2**1.5)


@pytest.mark.parametrize(("n", "m", "v"), [(2, 3, 6), (3, 4, 14), (3, 5, 22), (1, 7, 2), (2, 1, 2)])
def test_zonotope_vertex_bound(n, m, v):
    assert db.zonotope_vertex_bound(n, m) == v


def test_zonotope_piece_counts():
    assert db.zonotope_pieces_stated(2, 3, 2, 1) == 6
    assert db.zonotope_pieces_naive(2, 3, 2, 1) == 12
    assert db.zonotope_architecture(3, 2, 4) == {"hidden_layers": 5, "width": 6, "size": 14}


def test_montufar_bound():
    # one hidden layer: the regions of n1 generic hyperplanes in R^n0
    assert db.montufar_regions_bound(2, [4]) == 1 + 4 + comb(4, 2)
    assert db.montufar_regions_bound(2, [4, 4, 4]) == 2**2 * 2**2 * 11
    # widths in [n0, 2n0): the depth factor is 1
    assert db.montufar_regions_bound(3, [5, 5, 5]) == sum(comb(5, j) for j in range(4))


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: db.max_pieces_1d([]), ValueError, "widths must"),
        (lambda: db.max_pieces_1d("22"), TypeError, "widths must"),
        (lambda: db.max_pieces_1d([2, 0]), ValueError, r"widths\[1\] must"),
        (lambda: db.max_pieces_1d([2.5]), TypeError, r"widths\[0\] must"),
        (lambda: db.depth_gap_size_bound(3, 2, 4), ValueError, "k_prime must"),
        (lambda: db.depth_gap_size_bound(3, 1, 1), ValueError, "w must"),
        (lambda: db.cor34_size_bound(1), ValueError, "k must"),
        (lambda: db.approx_size_threshold(3, 2, 1, 0.25), ValueError, "delta must"),
        (lambda: db.zonotope_vertex_bound(0, 3), ValueError, "n must"),
        (lambda: db.montufar_regions_bound(3, [2, 5]), ValueError, "widths must"),
        (lambda: db.min_size_for_pieces(0, 2), ValueError, "p must"),
    ],
)
def test_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_zigzag_l1_lower_bound_values_and_tightness():
    assert db.zigzag_l1_lower_bound(27, 10) == pytest.approx(4 / 54)
    assert db.zigzag_l1_lower_bound(27, 14) == 0.0
    # the constant 1/2 (one piece) meets the bound exactly for even N
    from dlmath import constructions as C

    H = C.compose_hard([[0.5]] * 4, 1.0)  # regular sawtooth, N = 16
    x = np.linspace(0, 1, 400_001)
    assert np.trapezoid(np.abs(H(x) - 0.5), x) == pytest.approx(db.zigzag_l1_lower_bound(16, 1), abs=1e-6)


def test_zigzag_l1_lower_bound_holds_for_random_pwl():
    from dlmath import constructions as C

    rng = np.random.default_rng(0)
    H = C.compose_hard([[1 / 3, 2 / 3]] * 3, 1.0)  # N = 27
    x = np.linspace(0, 1, 200_001)
    for _ in range(50):
        q = int(rng.integers(1, 15))
        knots = np.sort(rng.uniform(0, 1, q - 1)) if q > 1 else np.array([0.5])
        vals = rng.uniform(0, 1, len(knots))
        g = C.pwl1d_eval(knots, vals, rng.normal() if q > 1 else 0.0, rng.normal() if q > 1 else 0.0, x)
        assert np.trapezoid(np.abs(H(x) - g), x) >= db.zigzag_l1_lower_bound(27, q) - 1e-4


def test_fit_relu_net_fits_and_is_deterministic():
    x = np.linspace(-1, 1, 64)
    y = np.abs(x) - 0.3
    import torch

    threads = torch.get_num_threads()
    a = db.fit_relu_net([8], x, y, steps=400, lr=3e-2, seed=1)
    assert torch.get_num_threads() == threads  # restored after training on one thread
    b = db.fit_relu_net([8], x, y, steps=400, lr=3e-2, seed=1)
    np.testing.assert_array_equal(a(x), b(x))
    assert np.mean((a(x) - y) ** 2) < 1e-3
    assert a.hidden_widths == (8,)
    with pytest.raises(ValueError):
        db.fit_relu_net([8], x, y[:-1], steps=10)
    with pytest.raises(ValueError):
        db.fit_relu_net([8], x, y, steps=0)


def test_fit_relu_net_path_ends_at_fit_relu_net():
    x = np.linspace(-1, 1, 64)
    y = np.abs(x)
    nets = db.fit_relu_net_path([6], x, y, checkpoints=[10, 40], lr=3e-2, seed=2)
    last = db.fit_relu_net([6], x, y, steps=40, lr=3e-2, seed=2)
    assert len(nets) == 2 and np.allclose(nets[-1](x), last(x))
    assert not np.allclose(nets[0](x), nets[1](x))
    with pytest.raises(ValueError, match="increasing"):
        db.fit_relu_net_path([6], x, y, checkpoints=[40, 10])
    with pytest.raises(ValueError, match="checkpoints"):
        db.fit_relu_net_path([6], x, y, checkpoints=[])


def test_random_kink_fit_is_least_squares_over_its_kinks():
    x = np.linspace(0, 1, 200)
    y = np.maximum(x - 0.3, 0) - 2 * np.maximum(x - 0.7, 0)
    g = db.random_kink_fit(x, y, 60, seed=0)
    assert g.size == 60 and g.biases[-1].shape == (1,)
    err_small = np.sqrt(np.mean((db.random_kink_fit(x, y, 3, seed=0)(x) - y) ** 2))
    err_big = np.sqrt(np.mean((g(x) - y) ** 2))
    assert err_big < err_small and err_big < 0.02
    with pytest.raises(ValueError, match="width"):
        db.random_kink_fit(x, y, 0)


def test_max_pieces_product_and_sawtooth_bound():
    assert db.max_pieces_product(2, 3) == 1.0  # fewer units than layers: constant
    assert db.max_pieces_product(6, 2) == pytest.approx(16.0)  # widths (3, 3): 4 * 4
    for s in range(2, 30):
        for k in (1, 2, 3):
            if s >= k:
                assert db.max_pieces_product(s, k) <= db.max_pieces_for_size(s, k) + 1e-9
    # N = 2^8 pieces, one layer, delta = 1/8: q >= 128 - 64 + 1 = 65 pieces, so s >= 64
    assert db.sawtooth_approx_size_bound(256, 1, 0.125) == pytest.approx(64.0)
    assert db.sawtooth_approx_size_bound(256, 2, 0.125) == pytest.approx(2 * (65**0.5 - 1))
    with pytest.raises(ValueError, match="delta"):
        db.sawtooth_approx_size_bound(256, 1, 0.3)
