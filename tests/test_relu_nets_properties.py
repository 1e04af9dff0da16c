"""Property tests: piece counts are invariant under positive rescaling (bounded examples).

Scaling layer i's weights and the biases of layers i, i+1, ... by c > 0 turns f into c f: it
scales every later pre-activation by c, which
leaves every ReLU's sign, hence every knot, unchanged; the output is multiplied by c, so no
piece merges or splits. Scaling the input by c > 0 (the first layer's weights by 1/c) moves
every knot from t to c t; on the whole line the count is unchanged. Float agrees with exact on
these well-scaled nets.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlmath import relu_nets as rn

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCALES = st.sampled_from([1e-6, 1e-3, 0.37, 3.0, 1e3, 1e6])


def _net(seed: int, hidden: tuple[int, ...]) -> rn.ReLUNet:
    return rn.ReLUNet.random((1, *hidden, 1), np.random.default_rng(seed), bias_std=1.0)


@FAST
@given(
    seed=st.integers(0, 10_000),
    hidden=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    layer=st.integers(0, 3),
    c=SCALES,
)
def test_pieces_invariant_under_layer_rescaling(seed, hidden, layer, c):
    net = _net(seed, hidden)
    layer = layer % net.depth
    ws = [np.array(w) for w in net.weights]
    bs = [np.array(b) for b in net.biases]
    ws[layer] = c * ws[layer]
    for j in range(layer, net.depth):  # later biases too, so that the net becomes c * f
        bs[j] = c * bs[j]
    scaled = rn.ReLUNet(ws, bs)
    exact = rn.count_pieces_1d(net, exact=True)
    assert rn.count_pieces_1d(net) == exact
    assert rn.count_pieces_1d(scaled) == exact
    assert rn.count_pieces_1d(scaled, exact=True) == exact


@FAST
@given(
    seed=st.integers(0, 10_000),
    hidden=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    c=SCALES,
)
def test_pieces_invariant_under_input_rescaling(seed, hidden, c):
    net = _net(seed, hidden)
    ws = [np.array(w) for w in net.weights]
    ws[0] = ws[0] / c  # g(x) = f(x / c): knots t -> c t
    stretched = rn.ReLUNet(ws, [np.array(b) for b in net.biases])
    p, q = rn.pieces_1d(net), rn.pieces_1d(stretched)
    assert q.n_pieces == p.n_pieces == rn.count_pieces_1d(net, exact=True)
    np.testing.assert_allclose(q.knots, c * p.knots, rtol=1e-9, atol=0)
