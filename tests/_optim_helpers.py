"""The optimizer step loop shared by the optimizer tests (not a test module itself)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch


def run_steps(
    opt: torch.optim.Optimizer,
    params: Sequence[torch.Tensor],
    loss: Callable[[Sequence[torch.Tensor]], torch.Tensor],
    n_steps: int,
    *,
    closure_step: bool,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
) -> list[torch.Tensor]:
    """Take ``n_steps`` optimizer steps on ``loss(params)``; return the flattened iterates.

    ``closure_step`` passes the closure to ``opt.step`` (needed where the gradient is taken
    elsewhere than at the iterate, as in Sutskever's NAG); otherwise the gradient is computed
    first and ``opt.step()`` is called without one. A ``scheduler`` is stepped after every
    optimizer step.
    """

    def closure():
        opt.zero_grad()
        out = loss(params)
        out.backward()
        return out

    iterates = []
    for _ in range(n_steps):
        if closure_step:
            opt.step(closure)
        else:
            closure()
            opt.step()
        if scheduler is not None:
            scheduler.step()
        iterates.append(torch.cat([p.detach().flatten() for p in params]).clone())
    return iterates
