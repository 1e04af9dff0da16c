"""Regressions for float piece counting, repeated lines, input copies and size guards."""

from __future__ import annotations

import time

import numpy as np
import pytest

from dlmath import relu_nets as rn


@pytest.mark.parametrize(
    ("weights", "biases", "pieces"),
    [
        ([[[1.0]], [[1.0]]], [[-1e17], [0.0]], 2),  # sample points used to collapse onto 1e17
        ([[[1.0]], [[1e-10]]], None, 2),  # a slope change of 1e-10 is not float noise
        ([[[1e7], [1e7]], [[1.0, -2.0]]], [[0.0, -0.01]], 3),  # knots 0 and 1e-9 are distinct
    ],
)
def test_float_count_agrees_with_exact_at_any_scale(weights, biases, pieces):
    net = rn.ReLUNet(weights, biases)
    assert rn.count_pieces_1d(net, exact=True) == pieces
    assert rn.count_pieces_1d(net) == pieces


def test_close_call_falls_back_to_exact():
    # kinks at 1 and 1 + 1e-12: within the relative tolerance 1e-9, but distinct numbers, so
    # float does not decide and the exact count (3) is returned, as float arrays
    net = rn.ReLUNet([[[1.0], [1.0]], [[1.0, 1.0]]], [[-1.0, -(1.0 + 1e-12)]])
    pw = rn.pieces_1d(net)
    assert pw.n_pieces == 3 and pw.knots.dtype == float
    np.testing.assert_allclose(pw.knots, [1.0, 1.0 + 1e-12], rtol=0, atol=1e-15)


def test_overflowing_float_falls_back_to_exact():
    # the pre-activation 1e200 * 1e200 overflows float64; the rational count is exact
    net = rn.ReLUNet([[[1e200]], [[1e200]], [[1.0]]], [[-1e200], [0.0]])
    assert rn.count_pieces_1d(net) == rn.count_pieces_1d(net, exact=True) == 2


def test_2d_pieces_relative_to_net_scale():
    box = (-1, 1, -1, 1)
    net = rn.ReLUNet([[[1.0, 0.0]], [[1e-10]]])
    assert rn.count_regions_2d(net, box) == 2
    assert rn.count_pieces_2d(net, box) == 2
    # the function itself is affine when the output weight is exactly 0
    flat = rn.ReLUNet([[[1.0, 0.0]], [[0.0]]])
    assert rn.count_pieces_2d(flat, box) == 1


def test_repeated_line_counted_once():
    box = (-1, 1, -1, 1)
    assert rn.arrangement_regions_2d([[1, 1], [1, 1]], [0, 0], box) == 2
    assert rn.arrangement_regions_2d([[1, 1], [-2, -2]], [0, 0], box) == 2  # same line
    assert rn.arrangement_regions_2d([[1, 1], [1, 1]], [0, 0.5], box) == 3  # parallel
    # the duplicate of a line through a crossing point is not a third line at that point
    assert rn.arrangement_regions_2d([[1, 0], [0, 1], [2, 0]], [0, 0, 0], box) == 4


def test_relu_net_copies_its_inputs():
    b = np.ones((2, 2))
    c = np.ones((1, 2))
    net = rn.ReLUNet([b[:, :1], c], [np.zeros(2)])
    before = net(np.array([1.0]))
    b[:] = 5.0  # the caller's array stays writable, and editing it does not reach the net
    c[0, 0] = -3.0
    np.testing.assert_array_equal(net(np.array([1.0])), before)
    assert before[0] == 2.0
    with pytest.raises(ValueError):
        net.weights[0][0, 0] = 7.0  # the net's own copy is read-only


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: rn.count_pieces_1d(rn.sawtooth_net(40)), "max_pieces"),
        (lambda: rn.sawtooth_net(3000), "max_k"),
        (lambda: rn.identity_net(12000), "max_params"),
    ],
)
def test_size_guards_fail_fast(call, match):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=match) as info:
        call()
    assert time.perf_counter() - t0 < 2.0
    assert "limit" in str(info.value)


def test_guard_overrides_allow_the_run():
    assert rn.sawtooth_net(12, max_k=12).depth == 13
    with pytest.raises(ValueError, match="max_k"):
        rn.sawtooth_net(13, max_k=12)
    assert rn.identity_net(20, max_params=1600).size == 40
    with pytest.raises(ValueError, match="max_params"):
        rn.identity_net(21, max_params=1600)
    saw = rn.sawtooth_net(12)  # the last layer may split 2^11 intervals into 3 each
    with pytest.raises(ValueError, match="max_pieces"):
        rn.count_pieces_1d(saw, 0, 1, max_pieces=2**12)
    assert rn.count_pieces_1d(saw, 0, 1, max_pieces=3 * 2**11) == 2**12


def test_sawtooth_direct_construction_equals_composition():
    net = rn.sawtooth_net(3)
    comp = rn.tent_net().compose(rn.tent_net().compose(rn.tent_net()))
    for a, b in zip(net.weights + net.biases, comp.weights + comp.biases, strict=True):
        np.testing.assert_array_equal(a, b)
    assert net._exact is not None and rn.count_pieces_1d(net, 0, 1, exact=True) == 8
