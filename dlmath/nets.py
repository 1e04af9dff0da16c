"""The one builder of fully connected torch ReLU networks, shared by every chapter."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._validate import check_bool, check_int

__all__ = ["build_mlp"]


def build_mlp(
    widths: Sequence[int],
    *,
    bias: bool = True,
    seed: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> nn.Sequential:
    """``Linear, ReLU, Linear, ..., ReLU, Linear`` for layer widths ``[n_in, h_1, ..., n_out]``.

    This is the map :math:`x \\mapsto T_{k+1}\\sigma(T_k \\cdots \\sigma(T_1 x))` of a ReLU net
    with ``len(widths) - 2`` hidden layers; there is no activation after the last layer.
    Weights use torch's default (Kaiming-uniform) initialisation; with ``seed`` they are drawn
    from a generator seeded with it, whatever the global RNG state.
    """
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise TypeError(f"widths must be a sequence of integers, got {type(widths).__name__}")
    if len(widths) < 2:
        raise ValueError(f"widths must have at least 2 entries (input and output), got {len(widths)}")
    sizes = [check_int(w, f"widths[{i}]", min_value=1) for i, w in enumerate(widths)]
    bias = check_bool(bias, "bias")
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")

    def layers() -> nn.Sequential:
        mods: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            mods.append(nn.Linear(a, b, bias=bias, dtype=dtype))
            if i < len(sizes) - 2:
                mods.append(nn.ReLU())
        return nn.Sequential(*mods)

    if seed is None:
        return layers()
    seed = check_int(seed, "seed", min_value=0, max_value=2**63 - 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return layers()
