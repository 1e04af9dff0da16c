"""dlmath.nets.build_mlp: structure, seeding and bad input."""

import pytest
import torch

from dlmath.nets import build_mlp


def test_structure_and_seed():
    net = build_mlp([3, 5, 4, 2], seed=7)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert net[0].weight.shape == (5, 3) and net[4].weight.shape == (2, 4)
    again = build_mlp([3, 5, 4, 2], seed=7)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), again.parameters(), strict=True))
    other = build_mlp([3, 5, 4, 2], seed=8)
    assert not torch.equal(net[0].weight, other[0].weight)
    assert build_mlp([2, 2], bias=False, dtype=torch.float64)[0].bias is None


def test_bad_input():
    with pytest.raises(TypeError, match="widths"):
        build_mlp("784")
    with pytest.raises(ValueError, match="at least 2"):
        build_mlp([3])
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        build_mlp([3, 0, 1])
    with pytest.raises(TypeError, match="dtype"):
        build_mlp([3, 1], dtype=torch.int64)
