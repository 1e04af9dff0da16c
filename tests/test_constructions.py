"""The Ch. 2 constructions of dlmath.constructions, checked on the nets they build."""

import itertools
from fractions import Fraction as F
from math import ceil, log2

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from dlmath import constructions as C
from dlmath import depth_bounds as db
from dlmath import relu_nets as rn


def _random_rationals(rng, count, denom=997):
    return sorted(F(int(v), denom) for v in rng.choice(np.arange(1, denom), count, replace=False))


# ---------------------------------------------------------------- Thm 2.1: max of affine maps
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8])
def test_max_affine_net_depth_and_values(n):
    rng = np.random.default_rng(n)
    A, c = rng.normal(size=(n + 1, n)), rng.normal(size=n + 1)
    net = C.max_affine_net(A, c)
    assert net.depth == ceil(log2(n + 1)) + 1
    X = rng.normal(size=(2000, n)) * 3
    np.testing.assert_allclose(net(X), (X @ A.T + c).max(axis=1), atol=1e-12)


def test_max_affine_net_matches_max2_net():
    net = C.max_affine_net(np.eye(2))
    X = np.random.default_rng(0).normal(size=(500, 2))
    np.testing.assert_allclose(net(X), rn.max2_net()(X), atol=1e-12)
    assert net.width == 3 < rn.max2_net().width


# ---------------------------------------------------------------- Thm 2.2 / Cor A.1
@pytest.mark.parametrize("p", [2, 3, 4, 7, 12])
@pytest.mark.parametrize(("s_left", "s_right", "units"), [(1.5, -2.0, 0), (0.0, 0.7, -1), (-1.0, 0.0, -1)])
def test_flap_construction_node_counts(p, s_left, s_right, units):
    rng = np.random.default_rng(100 + p)
    a = np.sort(rng.uniform(-4, 4, p - 1))
    b = rng.normal(size=p - 1)
    net = C.pwl1d_to_relu_net(a, b, s_left, s_right)
    assert net.depth == 2
    assert net.size == p + units  # p nodes, p-1 when an end slope is 0
    x = np.linspace(-8, 8, 4001)
    np.testing.assert_allclose(net(x), C.pwl1d_eval(a, b, s_left, s_right, x), atol=1e-9)
    assert rn.count_pieces_1d(net) == p


def test_flap_construction_exact_rationals():
    a, b = [1, F(5, 2), 4], [F(1, 2), 2, -1]
    net = C.pwl1d_to_relu_net(a, b, F(-1, 3), 2)
    pw = rn.pieces_1d(net, exact=True)
    assert list(pw.knots) == [1, F(5, 2), 4]
    assert list(pw.slopes) == [F(-1, 3), 1, -2, 2]
    assert list(pw.values) == b


def test_flap_drops_non_kinks():
    # the middle knot lies on a straight line: not a kink, no unit for it
    net = C.pwl1d_to_relu_net([0, 1, 2], [0, 1, 2], 0, 1)
    assert net.size == 1
    assert rn.count_pieces_1d(net) == 2


def test_lower_bound_pieces_at_most_units_plus_one():
    # the p-1 lower bound of Thm 2.2: a one-hidden-layer net with s units has <= s+1 pieces
    rng = np.random.default_rng(7)
    for s in range(1, 12):
        net = rn.ReLUNet.random((1, s, 1), rng)
        assert rn.count_pieces_1d(net) <= s + 1 == db.max_pieces_1d([s])


def test_min_two_layer_size():
    # |x| + x/2: one kink with jump 2, both end slopes non-zero
    assert C.min_two_layer_size([0], [0], -0.5, 1.5) == 2  # jump 2 cannot give s_right 1.5
    assert C.min_two_layer_size([0], [0], -1.0, 0.0) == 1  # Cor A.1
    # slopes -1, 0, 1 (two kinks, jumps 1, 1): sigma(x-1) + sigma(-x): 2 units
    assert C.min_two_layer_size([0, 1], [0, 0], -1, 1) == 2
    # slopes 1, -1, 1: jumps -2, 2; s_right = 1 is not a subset sum of {-2, 2}
    assert C.min_two_layer_size([0, 1], [0, -1], 1, 1) == 3
    with pytest.raises(ValueError, match="kink"):
        C.min_two_layer_size([0, 1, 2], [0, 1, 2], 0, 1)


def test_min_two_layer_size_is_attained():
    # whenever it answers p-1, a net of that width exists: build it from the subset
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(30):
        p = int(rng.integers(2, 7))
        a = np.sort(rng.integers(-20, 20, p - 1) + np.arange(p - 1) * 50).astype(float)
        slopes = rng.integers(-3, 4, p).astype(float)
        if np.any(np.diff(slopes) == 0):
            continue
        b = np.concatenate([[0.0], np.cumsum(slopes[1:-1] * np.diff(a))])
        size = C.min_two_layer_size(a, b, slopes[0], slopes[-1])
        jumps = np.diff(slopes)
        subsets = [R for r in range(p) for R in itertools.combinations(range(p - 1), r)]
        ok = [R for R in subsets if sum(jumps[list(R)]) == slopes[-1]]
        assert (size == p - 1) == bool(ok)
        if ok:
            hits += 1
            R = set(ok[0])
            w_in = np.array([1.0 if i in R else -1.0 for i in range(p - 1)])
            w_out = jumps  # a unit's output weight is its slope jump, in either direction
            net = rn.ReLUNet([w_in[:, None], w_out[None, :]], [-w_in * a, [0.0]])
            x = np.linspace(a[0] - 5, a[-1] + 5, 501)
            shift = C.pwl1d_eval(a, b, slopes[0], slopes[-1], x[:1]) - net(x[:1])
            np.testing.assert_allclose(
                net(x) + shift, C.pwl1d_eval(a, b, slopes[0], slopes[-1], x), atol=1e-9
            )
    assert hits > 0


# ---------------------------------------------------------------- hard functions
def test_zigzag_shape_and_values():
    h = C.zigzag([F(1, 4), F(1, 2), F(3, 5)], F(2))
    assert h.hidden_widths == (4,)
    pw = rn.pieces_1d(h, exact=True)
    assert list(pw.knots) == [0, F(1, 4), F(1, 2), F(3, 5)]
    assert list(pw.values) == [0, 2, 0, 2]
    assert h(np.array([2.0]))[0] == pytest.approx(0.0)  # ends at M*((p+1) mod 2)
    assert pw.slopes[0] == 0


@pytest.mark.parametrize(("w", "k"), [(2, 1), (2, 5), (3, 3), (4, 3), (5, 2), (3, 5)])
def test_compose_hard_has_w_to_the_k_pieces(w, k):
    rng = np.random.default_rng(10 * w + k)
    a = [_random_rationals(rng, w - 1) for _ in range(k)]
    H = C.compose_hard(a, F(1))
    assert H.hidden_widths == (w,) * k and H.size == w * k
    pw = rn.pieces_1d(H, 0, 1, exact=True)
    assert pw.n_pieces == w**k
    # every piece maps onto [0, 1] (Lemma B.1)
    edges = [F(0), *pw.knots, F(1)]
    vals = sorted({pw.slopes[j] * t + pw.intercepts[j] for j in range(pw.n_pieces) for t in edges[j : j + 2]})
    assert vals == [0, 1]
    # on the whole line: one flat piece left of 0, one more on the right when w is even (k >= 2)
    assert rn.count_pieces_1d(H, exact=True) == w**k + 1 + (w % 2 == 0 and k >= 2)


def test_sawtooth_is_the_w2_case():
    S = C.compose_hard([[F(1, 2)]] * 4, 1)
    x = np.linspace(-1, 2, 3001)[:, None]
    np.testing.assert_allclose(S(x), rn.sawtooth_net(4)(x), atol=1e-12)


# ---------------------------------------------------------------- zonotopes
@pytest.mark.parametrize(("n", "m", "v"), [(2, 3, 6), (3, 4, 14), (3, 5, 22), (2, 6, 12), (4, 6, 52)])
def test_zonotope_vertex_counts(n, m, v):
    rng = np.random.default_rng(n * 10 + m)
    B = rng.normal(size=(m, n))
    V = C.zonotope_vertices(B)
    pts = np.array([np.array(e) @ B for e in itertools.product([-1, 1], repeat=m)])
    hull = ConvexHull(pts)
    assert len(V) == len(hull.vertices) == db.zonotope_vertex_bound(n, m) == v
    # same vertex sets
    hv = pts[hull.vertices]
    assert all(np.min(np.linalg.norm(hv - x, axis=1)) < 1e-9 for x in V)


def test_zonotope_degenerate_generators_have_fewer_vertices():
    B = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])  # two parallel generators
    assert len(C.zonotope_vertices(B)) == 4 < db.zonotope_vertex_bound(2, 3)


def test_zonotope_support_net():
    rng = np.random.default_rng(5)
    B = rng.normal(size=(4, 3))
    g = C.zonotope_support_net(B)
    assert g.hidden_widths == (8,)
    R = rng.normal(size=(300, 3))
    np.testing.assert_allclose(g(R), np.abs(R @ B.T).sum(axis=1), atol=1e-12)
    V = C.zonotope_vertices(B)  # the support function is the max over the vertices
    np.testing.assert_allclose(g(R), (R @ V.T).max(axis=1), atol=1e-9)


def test_zonotope_regions_equal_vertices_in_2d():
    rng = np.random.default_rng(8)
    B = rng.normal(size=(5, 2))
    g = C.zonotope_support_net(B)
    assert rn.count_regions_2d(g, (-1, 1, -1, 1)) == rn.count_pieces_2d(g, (-1, 1, -1, 1)) == 10


@pytest.mark.parametrize(("m", "w", "k"), [(3, 2, 1), (3, 3, 2), (4, 2, 2)])
def test_zonotope_hard_net_piece_count(m, w, k):
    rng = np.random.default_rng(m + 10 * w + 100 * k)
    B = np.array([[3, 1], [-1, 2], [1, -4], [2, 3]])[:m]
    a = [_random_rationals(rng, w - 1, 101) for _ in range(k)]
    f = C.zonotope_hard_net(B, a, F(1))
    arch = db.zonotope_architecture(m, w, k)
    assert f.size == arch["size"] and len(f.hidden_widths) == arch["hidden_layers"]
    box = (-3, 3, -3, 3)  # gamma_Z >= 1 on its boundary for these generators
    naive = db.zonotope_pieces_naive(2, m, w, k)
    extra = 1 if (w % 2 == 0 and k >= 2) else 0  # the flat H = 0 annulus, one connected piece
    assert rn.count_pieces_2d(f, box) == naive + extra == 2 * db.zonotope_pieces_stated(2, m, w, k) + extra


# ---------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: C.max_affine_net(np.ones((1, 2))), ValueError, "A must"),
        (lambda: C.max_affine_net(np.ones(3)), ValueError, "A must"),
        (lambda: C.max_affine_net(np.ones((3, 2)), np.ones(2)), ValueError, "c must"),
        (lambda: C.max_affine_net("A"), TypeError, "A must"),
        (lambda: C.pwl1d_to_relu_net([1, 0], [0, 0], 1, 1), ValueError, "breakpoints must"),
        (lambda: C.pwl1d_to_relu_net([0, 1], [0], 1, 1), ValueError, "values must"),
        (lambda: C.pwl1d_to_relu_net([], [], 1, 1), ValueError, "breakpoints must"),
        (lambda: C.pwl1d_to_relu_net([0, 1], [0, 1], "a", 1), TypeError, "s_left must"),
        (lambda: C.pwl1d_to_relu_net([0, np.nan], [0, 1], 1, 1), ValueError, "breakpoints must"),
        (lambda: C.min_two_layer_size(np.arange(21.0), np.arange(21.0) ** 2, 0, 1), ValueError,
         "breakpoints must"),
        (lambda: C.zigzag([0.5, 0.2], 1.0), ValueError, "a must"),
        (lambda: C.zigzag([0.5, 1.0], 1.0), ValueError, "a must"),
        (lambda: C.zigzag([0.5], -1.0), ValueError, "M must"),
        (lambda: C.compose_hard([], 1.0), ValueError, "a_list must"),
        (lambda: C.zonotope_support_net(np.zeros((2, 2))), ValueError, "B must"),
        (lambda: C.zonotope_vertices(np.ones(3)), ValueError, "B must"),
    ],
)
def test_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_zonotope_vertex_directions_lie_in_their_cells():
    B = np.random.default_rng(11).normal(size=(5, 3))
    V, R = C.zonotope_vertices(B, return_directions=True)
    assert V.shape == R.shape == (22, 3)
    signs = np.sign(R @ B.T)
    np.testing.assert_allclose(signs @ B, V)  # the cell's sign vector gives its vertex
    assert np.all(np.abs(R @ B.T) >= 1 - 1e-7)  # strictly inside: |<r, b_i>| >= 1
    g = C.zonotope_support_net(B)
    np.testing.assert_allclose(g(R), np.einsum("ij,ij->i", R, V), rtol=1e-9)


def test_min_two_layer_net_has_the_promised_size_and_computes_the_function():
    from dlmath import relu_nets as rn

    rng = np.random.default_rng(3)
    x = np.linspace(-5, 20, 2001)
    seen = set()
    for _ in range(80):
        p = int(rng.integers(2, 7))
        slopes = rng.integers(-3, 4, size=p).astype(float)
        if np.any(np.diff(slopes) == 0) or slopes[0] == 0 or slopes[-1] == 0:
            continue
        a = np.cumsum(rng.uniform(0.5, 2, p - 1))
        b = np.concatenate([[0.0], np.cumsum(slopes[1:-1] * np.diff(a))])
        net = C.min_two_layer_net(a, b, slopes[0], slopes[-1])
        need = C.min_two_layer_size(a, b, slopes[0], slopes[-1])
        seen.add(need - (p - 1))
        assert net.size == need and rn.count_pieces_1d(net) == p
        assert np.max(np.abs(net(x) - C.pwl1d_eval(a, b, slopes[0], slopes[-1], x))) < 1e-9
    assert seen == {0, 1}
    # |x| + x/2: no subset of the jump {2} sums to 3/2, so the flap construction's 2 units
    assert C.min_two_layer_net([0.0], [0.0], -0.5, 1.5).size == 2
    # a flat left end: one right-pointing unit and the output bias
    assert C.min_two_layer_net([0.0], [1.0], 0.0, 2.0).size == 1
