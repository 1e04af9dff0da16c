"""Local elasticity: the relative similarity S_rel of one training step (appendix).

He and Su's *local elasticity* asks how much one optimizer step on a sample ``x`` changes the
prediction at another input ``x'`` compared with the change at ``x`` itself,

.. math:: S_{\\rm rel}(x, x') = D\\big(p(x'; w^+), p(x'; w)\\big) \\,/\\, D\\big(p(x; w^+), p(x; w)\\big),

where ``w+`` is the weight after the step and ``p`` the softmax output
(:prf:ref:`def-appA-srel`). Two choices of ``D`` (Dan, Mukherjee, Das, Gampa 2021):

* ``"rms"``: the root-mean-square difference of the softmax vectors (He and Su's style);
* ``"kl"``: the Kullback-Leibler divergence **KL(old || new)** = sum_c p_c(w) log(p_c(w) /
  p_c(w+)), computed from log-probabilities (``log_softmax``), never from rounded probabilities.
  This is the direction the public code's argument order intends;
* ``"kl_public"``: what the public code computes, ``F.kl_div(softmax(new), softmax(old))``.
  ``kl_div`` expects log-probabilities as its first argument, so this is
  ``mean_c q_c (log q_c - p_c)`` with ``q`` the old and ``p`` the new probabilities, which does
  not vanish when nothing changes (:prf:ref:`prop-appA-public-kl`).

:func:`relative_similarity` computes S_rel for any torch classifier without touching the
caller's model or optimizer: a fresh SGD or Adam step is taken functionally for all anchors at
once (``torch.func``); a given optimizer is copied, state included, for each anchor.

The regression model of the same paper (ridge regression on random ReLU features, trained by
gradient flow) lives in :mod:`dlmath.elasticity_ridge`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import as_float_array, check_bool, check_choice, check_int, check_real

__all__ = [
    "DEFINITIONS",
    "kl_from_logits",
    "rms_softmax_change",
    "kl_div_public",
    "output_change",
    "step_outputs",
    "relative_similarity",
    "class_pair_means",
    "small_cnn",
]

DEFINITIONS = ("rms", "kl", "kl_public")
_STEPS = ("sgd", "adam")


def _check_logits(a: torch.Tensor, b: torch.Tensor, names: tuple[str, str]) -> None:
    for t, n in zip((a, b), names, strict=True):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{n} must be a torch.Tensor, got {type(t).__name__}")
        if t.ndim < 1 or t.shape[-1] < 2:
            raise ValueError(f"{n} must have a last axis of at least 2 classes, got shape {tuple(t.shape)}")
        if not torch.isfinite(t).all():
            raise ValueError(f"{n} must contain only finite values")
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")


def kl_from_logits(logits_p: torch.Tensor, logits_q: torch.Tensor) -> torch.Tensor:
    """KL(p || q) = sum_c p_c (log p_c - log q_c) for p = softmax(logits_p), q = softmax(logits_q).

    Computed from ``log_softmax`` of both arguments over the last axis, so it is exact (up to
    rounding) also when probabilities underflow; returns a tensor of the leading shape.
    In :prf:ref:`def-appA-srel` it is called as ``kl_from_logits(old, new)``: KL(old || new).
    """
    _check_logits(logits_p, logits_q, ("logits_p", "logits_q"))
    log_p = F.log_softmax(logits_p, dim=-1)
    log_q = F.log_softmax(logits_q, dim=-1)
    return (log_p.exp() * (log_p - log_q)).sum(-1)


def rms_softmax_change(new_logits: torch.Tensor, old_logits: torch.Tensor) -> torch.Tensor:
    """sqrt(mean_c (p_c(new) - p_c(old))^2): He and Su's distance between softmax outputs."""
    _check_logits(new_logits, old_logits, ("new_logits", "old_logits"))
    d = F.softmax(new_logits, dim=-1) - F.softmax(old_logits, dim=-1)
    return d.pow(2).mean(-1).sqrt()


def kl_div_public(new_logits: torch.Tensor, old_logits: torch.Tensor) -> torch.Tensor:
    """The public code's "KL": ``F.kl_div(softmax(new), softmax(old))``, averaged over classes.

    ``F.kl_div(input, target)`` computes ``target * (log(target) - input)`` and expects
    ``input`` to be log-probabilities. Given probabilities ``p`` (new) it returns
    ``mean_c q_c (log q_c - p_c)`` with ``q`` the old probabilities: ``-(H(q) + <q, p>) / K``,
    which is negative and does not vanish at ``p = q`` (:prf:ref:`prop-appA-public-kl`).
    Kept as a named reference, for comparison only.
    """
    _check_logits(new_logits, old_logits, ("new_logits", "old_logits"))
    p_new, q_old = F.softmax(new_logits, dim=-1), F.softmax(old_logits, dim=-1)
    return F.kl_div(p_new, q_old, reduction="none").mean(-1)


def output_change(new_logits: torch.Tensor, old_logits: torch.Tensor, definition: str) -> torch.Tensor:
    """D(p(new), p(old)) for ``definition`` in ``DEFINITIONS`` (see the module docstring)."""
    check_choice(definition, "definition", DEFINITIONS)
    if definition == "rms":
        return rms_softmax_change(new_logits, old_logits)
    if definition == "kl":
        return kl_from_logits(old_logits, new_logits)  # KL(old || new)
    return kl_div_public(new_logits, old_logits)


def _check_inputs(model, x_anchor, y_anchor, x_eval) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for t, n in ((x_anchor, "x_anchor"), (x_eval, "x_eval")):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise TypeError(f"{n} must be a floating torch.Tensor, got {type(t).__name__}")
        if t.ndim < 2 or t.shape[0] < 1:
            raise ValueError(f"{n} must be a non-empty batch (first axis = samples), got shape "
                             f"{tuple(t.shape)}")
        if not torch.isfinite(t).all():
            raise ValueError(f"{n} must contain only finite values")
    if x_anchor.shape[1:] != x_eval.shape[1:]:
        raise ValueError(f"x_anchor and x_eval must hold inputs of one shape, got "
                         f"{tuple(x_anchor.shape[1:])} and {tuple(x_eval.shape[1:])}")
    if not isinstance(y_anchor, torch.Tensor) or y_anchor.dtype != torch.long:
        raise TypeError("y_anchor must be a torch.long tensor of class indices")
    if y_anchor.shape != (x_anchor.shape[0],):
        raise ValueError(f"y_anchor must have shape ({x_anchor.shape[0]},), got {tuple(y_anchor.shape)}")


def _functional_steps(model, x_anchor, y_anchor, step, lr, eps):
    """Parameters after one fresh SGD/Adam step on each anchor, stacked on a leading axis.

    Gradients come from ``torch.autograd.grad`` on detached copies of the parameters (one
    backward pass per anchor; ``torch.func.grad`` costs seconds of start-up), so the caller's
    ``.grad`` fields are never touched.
    """
    from torch.func import functional_call

    names = [k for k, _ in model.named_parameters()]
    params = [v.detach().requires_grad_(True) for _, v in model.named_parameters()]
    buffers = {k: v.detach() for k, v in model.named_buffers()}
    grads: list[list[torch.Tensor]] = [[] for _ in names]
    for i in range(x_anchor.shape[0]):
        out = functional_call(model, ({**dict(zip(names, params, strict=True)), **buffers},),
                              (x_anchor[i : i + 1],))
        gs = torch.autograd.grad(F.cross_entropy(out, y_anchor[i : i + 1]), params)
        for lst, g in zip(grads, gs, strict=True):
            lst.append(g)
    new = {}
    for k, p, lst in zip(names, params, grads, strict=True):
        g = torch.stack(lst)
        # First step of torch.optim.Adam from empty state: m_hat = g, v_hat = g^2, so the
        # update is lr * g / (|g| + eps) whatever the betas (bias correction cancels them).
        new[k] = p.detach() - lr * (g if step == "sgd" else g / (g.abs() + eps))
    return new, buffers


def _copied_optimizer(model: nn.Module, optimizer: torch.optim.Optimizer):
    """A deep copy of ``model`` and an optimizer of the same class and state bound to it."""
    own = [p for grp in optimizer.param_groups for p in grp["params"]]
    mine = list(model.parameters())
    if len(own) != len(mine) or any(a is not b for a, b in zip(own, mine, strict=True)):
        raise ValueError("optimizer must optimize exactly model.parameters(), in that order")
    m2 = copy.deepcopy(model)
    o2 = type(optimizer)(m2.parameters(), **optimizer.defaults)
    o2.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    return m2, o2


def step_outputs(
    model: nn.Module,
    x_anchor: torch.Tensor,
    y_anchor: torch.Tensor,
    x_eval: torch.Tensor,
    *,
    step: str | torch.optim.Optimizer = "adam",
    lr: float = 1e-4,
    eps: float = 1e-8,
    batched: bool = True,
    chunk_size: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Logits before and after one optimizer step on each anchor, without touching the caller.

    Returns ``(old_anchor (A, K), old_eval (B, K), new_anchor (A, K), new_eval (A, B, K))``,
    where row ``a`` of the new logits is computed with the weights ``w+_a`` after the step on
    ``(x_a, y_a)`` alone (cross-entropy). ``step`` is ``"adam"`` (a fresh
    ``torch.optim.Adam(lr=lr, eps=eps)``, the public code's protocol), ``"sgd"`` (a plain
    gradient step ``lr``), or a ``torch.optim.Optimizer`` over ``model.parameters()`` whose
    hyper-parameters and state are copied for every anchor. The caller's model, its gradients
    and the optimizer are never modified; the model is used in its current mode. Fresh steps
    for all anchors are evaluated at once with ``torch.func.vmap`` (``chunk_size`` anchors per
    call); ``batched=False`` loops with ``torch.optim`` instead, as a reference.
    """
    _check_inputs(model, x_anchor, y_anchor, x_eval)
    if not isinstance(step, torch.optim.Optimizer):
        step = check_choice(step, "step", _STEPS)
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    eps = check_real(eps, "eps", low=0.0)
    batched = check_bool(batched, "batched")
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", min_value=1)
    with torch.no_grad():
        old_a, old_e = model(x_anchor), model(x_eval)
    if batched and isinstance(step, str):
        from torch.func import functional_call, vmap

        new_params, buffers = _functional_steps(model, x_anchor, y_anchor, step, lr, eps)

        def fwd(p, xa):
            return (functional_call(model, (p, buffers), (xa.unsqueeze(0),))[0],
                    functional_call(model, (p, buffers), (x_eval,)))

        with torch.no_grad():
            new_a, new_e = vmap(fwd, chunk_size=chunk_size)(new_params, x_anchor)
        return old_a, old_e, new_a, new_e
    rows_a, rows_e = [], []
    for i in range(x_anchor.shape[0]):
        if isinstance(step, str):
            m2 = copy.deepcopy(model)
            cls = torch.optim.SGD if step == "sgd" else torch.optim.Adam
            o2 = cls(m2.parameters(), lr=lr, **({"eps": eps} if step == "adam" else {}))
        else:
            m2, o2 = _copied_optimizer(model, step)
        o2.zero_grad()
        F.cross_entropy(m2(x_anchor[i : i + 1]), y_anchor[i : i + 1]).backward()
        o2.step()
        with torch.no_grad():
            rows_a.append(m2(x_anchor[i : i + 1])[0])
            rows_e.append(m2(x_eval))
    return old_a, old_e, torch.stack(rows_a), torch.stack(rows_e)


def relative_similarity(
    model: nn.Module,
    x_anchor: torch.Tensor,
    y_anchor: torch.Tensor,
    x_eval: torch.Tensor,
    *,
    definitions: Sequence[str] = ("rms", "kl"),
    **step_kwargs,
) -> dict[str, np.ndarray]:
    """S_rel(x_a, x'_b) for every anchor ``a`` and evaluation input ``b`` (:prf:ref:`def-appA-srel`).

    ``S[a, b] = D(p(x'_b; w+_a), p(x'_b; w)) / D(p(x_a; w+_a), p(x_a; w))`` for each name in
    ``definitions``, with the step of :func:`step_outputs` (keyword arguments ``step``, ``lr``,
    ``eps``, ``batched``, ``chunk_size`` go there). Returns ``{name: array (A, B)}``. Raises
    ``ValueError`` if a denominator is not positive (for ``"kl_public"`` it is negative).
    """
    if isinstance(definitions, str) or not definitions:
        raise TypeError("definitions must be a non-empty sequence of names, e.g. ('rms', 'kl')")
    defs = [check_choice(d, "definitions", DEFINITIONS) for d in definitions]
    old_a, old_e, new_a, new_e = step_outputs(model, x_anchor, y_anchor, x_eval, **step_kwargs)
    out = {}
    for d in defs:
        den = output_change(new_a, old_a, d)
        num = output_change(new_e, old_e.expand_as(new_e), d)
        if d != "kl_public" and not bool((den > 0).all()):
            raise ValueError(f"the step left the anchor's output unchanged under {d!r} "
                             "(denominator 0); use a larger lr or float64")
        out[d] = (num / den[:, None]).detach().cpu().double().numpy()
    return out


def class_pair_means(srel: np.ndarray, anchor_labels, eval_labels, n_classes: int,
                     *, exclude_self: bool = True) -> np.ndarray:
    """Average S_rel over pairs by class: ``out[i, j]`` = mean over anchors of class ``i`` and
    evaluation inputs of class ``j``.

    With ``exclude_self`` (and the evaluation set equal to the anchor set) the diagonal pairs
    ``(x, x)``, whose S_rel is 1 by definition, are left out.
    """
    s = as_float_array(srel, "srel", ndim=2)
    la, le = _labels(anchor_labels, "anchor_labels"), _labels(eval_labels, "eval_labels")
    n_classes = check_int(n_classes, "n_classes", min_value=2)
    if s.ndim != 2 or s.shape != (la.size, le.size):
        raise ValueError(f"srel must have shape ({la.size}, {le.size}), got {s.shape}")
    mask = np.ones_like(s, dtype=bool)
    if check_bool(exclude_self, "exclude_self"):
        if s.shape[0] != s.shape[1]:
            raise ValueError("exclude_self needs the evaluation set to equal the anchor set")
        np.fill_diagonal(mask, False)
    out = np.full((n_classes, n_classes), np.nan)
    for i in range(n_classes):
        for j in range(n_classes):
            m = mask & (la[:, None] == i) & (le[None, :] == j)
            if not m.any():
                raise ValueError(f"no pairs with anchor class {i} and evaluation class {j}")
            out[i, j] = s[m].mean()
    return out


def _labels(x, name: str) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    a = np.asarray(x) if not isinstance(x, (str, bytes)) and x is not None else None
    if a is None or a.ndim != 1 or a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be a 1-D array of integer class labels, got {type(x).__name__}")
    return a


def small_cnn(n_classes: int = 3, *, channels: tuple[int, int] = (8, 16), side: int = 28,
              seed: int | None = None, dtype: torch.dtype = torch.float32) -> nn.Sequential:
    """A small BatchNorm-free CNN for ``side x side`` one-channel images.

    ``conv5x5(1, c1) - ReLU - maxpool2 - conv5x5(c1, c2) - ReLU - maxpool2 - Linear(., n_classes)``;
    no normalization layers, so every sample's output depends on its own input only, as S_rel
    needs. With ``seed`` the initial weights come from a generator seeded with it.
    """
    n_classes = check_int(n_classes, "n_classes", min_value=2)
    c1, c2 = (check_int(c, "channels", min_value=1) for c in channels)
    side = check_int(side, "side", min_value=4)
    if side % 4:
        raise ValueError(f"side must be divisible by 4 (two 2x2 poolings), got {side}")
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")

    def build() -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(1, c1, 5, padding=2, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 5, padding=2, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * (side // 4) ** 2, n_classes, dtype=dtype),
        )

    if seed is None:
        return build()
    seed = check_int(seed, "seed", min_value=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()
