"""Tests of dlmath.relu_nets: construction, torch views, exact 1-D pieces and 2-D regions."""

from fractions import Fraction

import numpy as np
import pytest
import torch

from dlmath import relu_nets as rn


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- construction and evaluation
def test_structure_and_evaluation_against_manual_formula():
    rng = _rng()
    net = rn.ReLUNet.random((3, 5, 4, 2), rng, output_bias=True)
    assert net.input_dim == 3 and net.output_dim == 2
    assert net.hidden_widths == (5, 4) and net.depth == 3 and net.width == 5 and net.size == 9
    x = rng.normal(size=(7, 3))
    w, b = net.weights, net.biases
    manual = np.maximum(np.maximum(x @ w[0].T + b[0], 0) @ w[1].T + b[1], 0) @ w[2].T + b[2]
    np.testing.assert_allclose(net(x), manual, rtol=0, atol=1e-14)
    assert net(x).shape == (7, 2)
    one = rn.ReLUNet.random((1, 3, 1), rng)
    assert one(np.linspace(-1, 1, 5)).shape == (5,)


def test_output_bias_defaults_to_zero_and_hidden_only_biases():
    net = rn.ReLUNet([np.ones((2, 1)), np.ones((1, 2))], [np.array([1.0, -1.0])])
    np.testing.assert_array_equal(net.biases[-1], [0.0])
    np.testing.assert_allclose(net(np.array([0.0, 2.0])), [1.0, 4.0])


def test_relu():
    np.testing.assert_array_equal(rn.relu([-1.0, 0.0, 2.5]), [0.0, 0.0, 2.5])


def test_activation_pattern():
    net = rn.ReLUNet([[[1.0], [-1.0]], [[1.0, 1.0]]])
    pat = net.activation_pattern(np.array([-2.0, 3.0]))
    assert len(pat) == 1
    np.testing.assert_array_equal(pat[0], [[False, True], [True, False]])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_torch_roundtrip_agrees(dtype):
    rng = _rng(1)
    net = rn.ReLUNet.random((4, 6, 6, 3), rng, output_bias=True)
    module = net.to_torch(dtype)
    assert [type(m).__name__ for m in module] == ["Linear", "ReLU"] * 2 + ["Linear"]
    x = rng.normal(size=(50, 4))
    out = module(torch.as_tensor(x, dtype=dtype)).detach().double().numpy()
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    np.testing.assert_allclose(out, net(x), atol=tol, rtol=tol)
    back = rn.ReLUNet.from_torch(net.to_torch())
    for a, b in zip(back.weights + back.biases, net.weights + net.biases, strict=True):
        np.testing.assert_array_equal(a, b)


def test_from_torch_rejects_bad_modules():
    with pytest.raises(TypeError, match="module"):
        rn.ReLUNet.from_torch(torch.nn.Linear(2, 2))
    bad = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    with pytest.raises(ValueError, match="module"):
        rn.ReLUNet.from_torch(bad)


def test_compose_is_function_composition():
    rng = _rng(2)
    inner = rn.ReLUNet.random((2, 5, 3), rng, output_bias=True)
    outer = rn.ReLUNet.random((3, 4, 4, 1), rng, output_bias=True)
    comp = outer.compose(inner)
    assert comp.hidden_widths == (5, 4, 4) and comp.depth == inner.depth + outer.depth - 1
    x = rng.normal(size=(30, 2))
    np.testing.assert_allclose(comp(x), outer(inner(x)), atol=1e-12)


def test_linear_combination_of_different_depths():
    rng = _rng(3)
    f = rn.ReLUNet.random((2, 3, 1), rng, output_bias=True)
    g = rn.ReLUNet.random((2, 4, 4, 4, 1), rng, output_bias=True)
    h = rn.ReLUNet.linear_combination([f, g], [2.0, -0.5])
    assert h.depth == 4
    x = rng.normal(size=(40, 2))
    np.testing.assert_allclose(h(x), 2.0 * f(x) - 0.5 * g(x), atol=1e-12)
    aff = rn.ReLUNet([rng.normal(size=(1, 2))], [np.array([0.3])])
    s = rn.ReLUNet.linear_combination([aff, aff], [1.0, 1.0])
    np.testing.assert_allclose(s(x), 2 * aff(x), atol=1e-12)


def test_identities():
    rng = _rng(4)
    ab = rng.normal(size=(100, 2)) * 5
    np.testing.assert_allclose(rn.max2_net()(ab), ab.max(axis=1), atol=1e-12)
    t = rng.normal(size=100)
    np.testing.assert_allclose(rn.abs_net()(t), np.abs(t), atol=1e-15)
    x = rng.normal(size=(10, 3))
    np.testing.assert_allclose(rn.identity_net(3)(x), x, atol=1e-15)
    tent = rn.tent_net()
    np.testing.assert_allclose(tent(np.array([0.0, 0.25, 0.5, 0.75, 1.0])), [0, 0.5, 1, 0.5, 0])


# ---------------------------------------------------------------- exact 1-D analysis
@pytest.mark.parametrize("k", [1, 2, 5, 10])
def test_sawtooth_has_2_to_the_k_pieces(k):
    net = rn.sawtooth_net(k)
    assert net.depth == k + 1 and net.width == 2
    assert rn.count_pieces_1d(net, 0, 1, exact=True) == 2**k
    assert rn.count_pieces_1d(net, 0, 1) == 2**k
    # on the real line: constant 0 left of 0; for k >= 2 also constant 0 right of 1
    assert rn.count_pieces_1d(net) == (3 if k == 1 else 2**k + 2)


def test_sawtooth_knots_exact_dyadic():
    p = rn.pieces_1d(rn.sawtooth_net(4), 0, 1, exact=True)
    assert list(p.knots) == [Fraction(j, 16) for j in range(1, 16)]
    assert set(p.slopes) == {Fraction(16), Fraction(-16)}
    assert list(p.values) == [Fraction(j % 2) for j in range(1, 16)]


def test_exact_rational_weights_beyond_binary():
    # f(x) = relu(x - 1/3) - relu(x - 2/3): breakpoints exactly 1/3 and 2/3
    net = rn.ReLUNet([[[1], [1]], [[1, -1]]], [[Fraction(-1, 3), Fraction(-2, 3)]])
    assert list(rn.breakpoints_1d(net, exact=True)) == [Fraction(1, 3), Fraction(2, 3)]
    assert rn.count_pieces_1d(net) == 3


def test_pieces_merge_equal_slopes():
    # relu(x) - relu(-x) - relu(x) + relu(-x) = 0: every kink cancels, one piece
    net = rn.ReLUNet([[[1], [-1], [1], [-1]], [[1, -1, -1, 1]]])
    assert rn.count_pieces_1d(net) == 1
    # relu(x - 1) + relu(x) - relu(x): a naive count sees kinks at 0 and 1, the real one is 1
    net2 = rn.ReLUNet([[[1], [1], [1]], [[1, 1, -1]]], [[-1, 0, 0]])
    np.testing.assert_array_equal(rn.breakpoints_1d(net2), [1.0])


def test_pieces_1d_matches_evaluation_and_dense_sampling():
    rng = _rng(5)
    for _ in range(5):
        net = rn.ReLUNet.random((1, 6, 6, 6, 1), rng, output_bias=True)
        p = rn.pieces_1d(net, -3, 3)
        x = np.linspace(-3, 3, 20001)
        np.testing.assert_allclose(p(x), net(x), atol=1e-10)
        # slope changes seen by finite differences all sit near a computed knot
        slope = np.diff(net(x)) / np.diff(x)
        jumps = np.flatnonzero(np.abs(np.diff(slope)) > 1e-6)
        for j in jumps:
            assert np.min(np.abs(p.knots - x[j + 1])) <= 2 * (x[1] - x[0])
        # and every knot is a real slope change
        assert np.all(np.abs(np.diff(p.slopes)) > 1e-9)
        assert rn.count_pieces_1d(net, -3, 3, exact=True) == p.n_pieces


def test_lemma_d5_upper_bound_on_random_nets():
    """Arora et al. Lemma D.5: at most 2^(k-1) (w_1 + 1) w_2 ... w_k pieces."""
    rng = _rng(6)
    for widths in [(1, 3, 1), (1, 4, 3, 1), (1, 3, 3, 3, 1)]:
        hidden = widths[1:-1]
        bound = 2 ** (len(hidden) - 1) * (hidden[0] + 1) * int(np.prod(hidden[1:]))
        for _ in range(10):
            net = rn.ReLUNet.random(widths, rng, bias_std=1.0)
            assert rn.count_pieces_1d(net) <= bound


def test_one_hidden_layer_pieces_equal_distinct_kinks():
    rng = _rng(7)
    net = rn.ReLUNet.random((1, 7, 1), rng)
    w, b = net.weights[0][:, 0], net.biases[0]
    kinks = np.sort(-b / w)
    np.testing.assert_allclose(rn.breakpoints_1d(net), kinks, rtol=1e-12)


# ---------------------------------------------------------------- exact 2-D analysis
def test_regions_one_hidden_layer_match_zaslavsky():
    rng = _rng(8)
    box = (-2.0, 2.0, -2.0, 2.0)
    for width in (1, 4, 9, 15):
        net = rn.ReLUNet.random((2, width, 1), rng)
        expected = rn.arrangement_regions_2d(net.weights[0], net.biases[0], box)
        regions = rn.linear_regions_2d(net, box)
        assert len(regions) == expected
        assert sum(r.area for r in regions) == pytest.approx(16.0, rel=1e-12)


def test_zaslavsky_general_position_formula_in_large_box():
    # L lines, all pairwise intersections inside: 1 + L + L(L-1)/2
    rng = _rng(9)
    a = rng.normal(size=(6, 2))
    c = rng.normal(size=6) * 0.1
    assert rn.arrangement_regions_2d(a, c, (-1e3, 1e3, -1e3, 1e3)) == 1 + 6 + 15
    with pytest.raises(ValueError, match="three or more lines"):
        rn.arrangement_regions_2d([[1, 0], [0, 1], [1, 1]], [0, 0, 0], (-1, 1, -1, 1))


def test_regions_deep_nets_match_grid_patterns():
    rng = _rng(10)
    box = (-2.0, 2.0, -2.0, 2.0)
    res = 600
    half_diag = 4.0 / res / np.sqrt(2)
    for widths in [(2, 4, 4, 1), (2, 6, 6, 6, 1), (2, 8, 8, 1)]:
        net = rn.ReLUNet.random(widths, rng)
        regions = rn.linear_regions_2d(net, box)
        exact = {r.key for r in regions}
        assert len(exact) == len(regions)  # one convex polygon per pattern
        grid = {np.packbits(p.astype(np.uint8)).tobytes() for p in rn.grid_patterns_2d(net, box, res)}
        assert grid <= exact  # the grid never sees a pattern the clipping missed
        big = {r.key for r in regions if r.inradius() > half_diag}
        assert big == {r.key for r in regions if r.contains_disc(half_diag)}
        assert big <= grid  # every region containing a disc of radius half a pixel diagonal is seen
        # pattern of each polygon is the pattern at an interior point (its centroid)
        for r in regions:
            centre = r.vertices.mean(axis=0)[None, :]
            np.testing.assert_array_equal(
                np.concatenate(net.activation_pattern(centre), axis=1)[0], np.concatenate(r.pattern)
            )
            np.testing.assert_allclose(net(centre), r.grad @ centre[0] + r.offset, atol=1e-10)


def test_contains_disc_matches_lp_inradius():
    rng = _rng(12)
    regions = rn.linear_regions_2d(rn.ReLUNet.random((2, 8, 8, 1), rng), (-2.0, 2.0, -2.0, 2.0))
    radii = np.array([r.inradius() for r in regions])
    for radius in (0.01, 0.1, 0.3):
        assert [r.contains_disc(radius) for r in regions] == list(radii > radius)
    square = rn.Region2D(
        np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]]), (), np.zeros((1, 2)), np.zeros(1)
    )
    assert square.inradius() == pytest.approx(1.0) and square.area == pytest.approx(4.0)
    assert square.contains_disc(0.99) and not square.contains_disc(1.01)


def test_precomputed_regions_give_same_counts():
    net = rn.ReLUNet.random((2, 6, 6, 1), _rng(13))
    box = (-2.0, 2.0, -2.0, 2.0)
    regions = rn.linear_regions_2d(net, box)
    assert rn.count_pieces_2d(net, box, regions=regions) == rn.count_pieces_2d(net, box)
    with pytest.raises(TypeError, match="regions"):
        rn.count_pieces_2d(net, box, regions=[1, 2])


def test_pieces_2d_merge_regions_with_same_affine_map():
    # max(a, b) has 2 pieces but its net has more activation regions
    net = rn.max2_net()
    box = (-1.0, 1.0, -1.0, 1.0)
    assert rn.count_regions_2d(net, box) == 4
    assert rn.count_pieces_2d(net, box) == 2
    # relu(x) - relu(x) style cancellation: identity in y through t = relu(t) - relu(-t)
    proj = rn.identity_net(1).compose(rn.ReLUNet([[[0.0, 1.0]]]))
    assert rn.count_regions_2d(proj, box) == 2 and rn.count_pieces_2d(proj, box) == 1


def test_regions_nested_by_depth_composition():
    rng = _rng(11)
    net = rn.ReLUNet.random((2, 6, 1), rng)
    deeper = rn.ReLUNet.random((1, 4, 1), rng).compose(net)
    box = (-2.0, 2.0, -2.0, 2.0)
    assert rn.count_pieces_2d(deeper, box) <= rn.count_regions_2d(deeper, box)
    assert rn.count_regions_2d(deeper, box) >= rn.count_regions_2d(net, box)


# ---------------------------------------------------------------- bad inputs
def test_bad_inputs_name_the_argument():
    with pytest.raises(TypeError, match="weights"):
        rn.ReLUNet(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"weights\[1\]"):
        rn.ReLUNet([np.ones((3, 2)), np.ones((1, 2))])
    with pytest.raises(ValueError, match=r"weights\[0\]"):
        rn.ReLUNet([np.full((1, 1), np.nan)])
    with pytest.raises(ValueError, match="biases"):
        rn.ReLUNet([np.ones((3, 2)), np.ones((1, 3))], [np.ones(3), np.ones(1), np.ones(1)])
    with pytest.raises(ValueError, match=r"biases\[0\]"):
        rn.ReLUNet([np.ones((3, 2)), np.ones((1, 3))], [np.ones(2)])
    net = rn.ReLUNet.random((2, 3, 1), _rng())
    with pytest.raises(ValueError, match="x"):
        net(np.ones((4, 3)))
    with pytest.raises(ValueError, match="x"):
        net(np.ones(4))
    with pytest.raises(TypeError, match="x"):
        net("abc")
    with pytest.raises(TypeError, match="rng"):
        rn.ReLUNet.random((2, 3, 1), 0)
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        rn.ReLUNet.random((2, 0, 1), _rng())
    with pytest.raises(TypeError, match="widths"):
        rn.ReLUNet.random(3, _rng())
    with pytest.raises(TypeError, match="inner"):
        net.compose("net")
    with pytest.raises(ValueError, match="inner"):
        net.compose(rn.ReLUNet.random((2, 3, 3), _rng()))
    with pytest.raises(ValueError, match="coeffs"):
        rn.ReLUNet.linear_combination([net, net], [1.0])
    with pytest.raises(ValueError, match=r"nets\[1\]"):
        rn.ReLUNet.linear_combination([net, rn.ReLUNet.random((3, 3, 1), _rng())], [1.0, 1.0])
    with pytest.raises(TypeError, match="dtype"):
        net.to_torch(np.float64)
    with pytest.raises(ValueError, match="input_dim"):
        rn.count_pieces_1d(net)
    with pytest.raises(TypeError, match="net"):
        rn.count_pieces_1d("net")
    with pytest.raises(ValueError, match="lo"):
        rn.count_pieces_1d(rn.tent_net(), 1.0, 0.0)
    with pytest.raises(TypeError, match="exact"):
        rn.count_pieces_1d(rn.tent_net(), exact="yes")
    with pytest.raises(ValueError, match="box"):
        rn.count_regions_2d(net, (1.0, 0.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="box"):
        rn.count_regions_2d(net, (0.0, 1.0))
    with pytest.raises(ValueError, match="input_dim"):
        rn.count_regions_2d(rn.tent_net(), (0.0, 1.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="resolution"):
        rn.count_regions_grid_2d(net, (0.0, 1.0, 0.0, 1.0), resolution=1)
    with pytest.raises(ValueError, match="k"):
        rn.sawtooth_net(0)
    with pytest.raises(ValueError, match="depth"):
        net.deepen(1)


def test_affine_nets_have_one_piece_and_one_region():
    aff = rn.ReLUNet([[[2.0, -1.0]]], [[0.5]])
    box = (-1.0, 1.0, -1.0, 1.0)
    assert aff.depth == 1 and aff.size == 0 and aff.width == 0
    assert rn.count_regions_2d(aff, box) == 1 and rn.count_pieces_2d(aff, box) == 1
    assert rn.count_regions_grid_2d(aff, box, 10) == 1
    assert rn.count_pieces_1d(rn.ReLUNet([[[3.0]]])) == 1


def test_plot_regions_draws_one_polygon_per_region():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net = rn.ReLUNet.random((2, 5, 5, 1), _rng(14))
    box = (-2.0, 2.0, -2.0, 2.0)
    fig, ax = plt.subplots()
    rn.plot_regions_2d(net, box, ax)
    (coll,) = ax.collections
    assert len(coll.get_paths()) == rn.count_regions_2d(net, box)
    plt.close(fig)
    with pytest.raises(TypeError, match="regions"):
        rn.plot_regions_2d(net, box, regions=["a"])
