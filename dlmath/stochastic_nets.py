"""Stochastic MLPs with Gaussian weights: batched Monte Carlo risk, priors, certificates.

A stochastic net is a Gaussian ``Q = N(mu, diag s^2)`` over the weights and biases of an MLP
(``torch.nn.Sequential`` of ``Linear``/``ReLU``, e.g. from ``dlmath.nets.build_mlp``); it
classifies each input with a fresh draw. This module

* draws many nets at once and runs them in one batched product per layer
  (:meth:`GaussianPosterior.sample_logits`; on ``dlmath.config.device()``);
* bounds the risk of ``Q`` with :func:`certificate` (:prf:ref:`thm-ch6-pac-bayes-kl` plus the
  sample-convergence bound of :func:`dlmath.pac_bayes.mc_risk_upper`);
* optimizes ``Q`` Dziugaite-Roy style (:func:`optimize_posterior`,
  :prf:ref:`alg-ch6-optimize`).

**The disjoint-data rule.** A prior may depend on data only through examples the bound never
counts. :class:`LabelledSample` fingerprints every example; a :class:`GaussianPrior` records
the fingerprints of the examples its mean was learned on; :func:`certificate` refuses (raises
``ValueError``) when the bound's sample shares any example with them.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from . import pac_bayes as pb
from ._validate import check_bool, check_choice, check_instance, check_int, check_real, check_rng

__all__ = [
    "fingerprints",
    "LabelledSample",
    "split_sample",
    "GaussianPrior",
    "prior_at",
    "GaussianPosterior",
    "mc_error_rates",
    "Certificate",
    "certificate",
    "optimize_posterior",
]

_MAX_ELEMS = 2**24  # activations per batched forward chunk (samples x examples x width)


def _linears(model: Any) -> list[nn.Linear]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    lins = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not lins:
        raise ValueError("model has no torch.nn.Linear layers")
    return lins


def _flat_params(model: nn.Module) -> list[torch.Tensor]:
    out = []
    for lin in _linears(model):
        out.append(lin.weight.detach().clone())
        if lin.bias is not None:
            out.append(lin.bias.detach().clone())
    return out


TRAINED_ON = "_dlmath_trained_on"  # attribute under which a model keeps what it was fit on


def fingerprints(X: torch.Tensor, y: torch.Tensor) -> frozenset:
    """SHA-1 of each example's float32 input bytes and int64 label bytes."""
    check_instance(X, "X", torch.Tensor, "a torch tensor")
    check_instance(y, "y", torch.Tensor, "a torch tensor")
    if X.ndim < 1 or y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0] if X.ndim else '?'},) to match X, got "
                         f"X {tuple(X.shape)} and y {tuple(y.shape)}")
    xb = X.detach().cpu().to(torch.float32).numpy()
    yb = y.detach().cpu().to(torch.int64).numpy()
    return frozenset(hashlib.sha1(xb[i].tobytes() + yb[i].tobytes()).hexdigest()
                     for i in range(len(yb)))


@dataclass(frozen=True)
class LabelledSample:
    """Inputs ``X`` (n, d) float32, labels ``y`` (n,) int64 and a fingerprint per example."""

    X: torch.Tensor
    y: torch.Tensor
    fingerprints: frozenset = field(repr=False)

    @classmethod
    def from_arrays(cls, X: Any, y: Any) -> LabelledSample:
        """Build a sample (copies to float32/int64 on the CPU) and fingerprint its rows."""
        X = torch.as_tensor(np.asarray(X, dtype=np.float32))
        y = torch.as_tensor(np.asarray(y, dtype=np.int64))
        if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] == 0:
            raise ValueError(f"X must be (n, d) and y (n,) with n >= 1, got {tuple(X.shape)}, "
                             f"{tuple(y.shape)}")
        if not torch.all(torch.isfinite(X)):
            raise ValueError("X must contain only finite values")
        return cls(X, y, fingerprints(X, y))

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def subset(self, index: Any) -> LabelledSample:
        """The examples at ``index`` (an integer array), as a new sample."""
        idx = np.asarray(index, dtype=np.int64)
        return LabelledSample.from_arrays(self.X[idx].numpy(), self.y[idx].numpy())


def split_sample(
    sample: LabelledSample, prior_fraction: float, rng: np.random.Generator
) -> tuple[LabelledSample, LabelledSample]:
    """Split at random into (prior part, bound part); only the bound part counts in ``m``."""
    if not isinstance(sample, LabelledSample):
        raise TypeError(f"sample must be a LabelledSample, got {type(sample).__name__}")
    frac = check_real(prior_fraction, "prior_fraction", low=0, high=1, low_inclusive=False,
                      high_inclusive=False)
    rng = check_rng(rng)
    perm = rng.permutation(len(sample))
    k = int(round(frac * len(sample)))
    if k == 0 or k == len(sample):
        raise ValueError(f"prior_fraction={frac} leaves one part of the {len(sample)} examples "
                         "empty")
    return sample.subset(np.sort(perm[:k])), sample.subset(np.sort(perm[k:]))


@dataclass(frozen=True)
class GaussianPrior:
    """``P = N(means, std^2 I)``; ``seen`` holds fingerprints of the data ``means`` came from.

    ``grid_size`` is the number of candidate ``std`` values it was picked from after seeing the
    bound's sample; :func:`certificate` pays for it with a union bound (``delta / grid_size``).
    """

    means: tuple
    std: float
    seen: frozenset = field(default=frozenset(), repr=False)
    grid_size: int = 1

    @property
    def data_dependent(self) -> bool:
        return len(self.seen) > 0


def prior_at(
    model: nn.Module, std: float, *, learned_on: LabelledSample | None = None, grid_size: int = 1
) -> GaussianPrior:
    """A prior centred at ``model``'s current weights.

    The prior remembers the data those weights were learned on: every example that
    :func:`dlmath.weight_paths.train_sgd` fitted ``model`` to (it tags the model), plus
    ``learned_on`` for weights obtained any other way.
    """
    std = check_real(std, "std", low=0, low_inclusive=False)
    grid_size = check_int(grid_size, "grid_size", min_value=1)
    if learned_on is not None and not isinstance(learned_on, LabelledSample):
        raise TypeError("learned_on must be a LabelledSample or None")
    seen = learned_on.fingerprints if learned_on is not None else frozenset()
    seen = seen | getattr(model, TRAINED_ON, frozenset())
    return GaussianPrior(tuple(_flat_params(model)), std, seen, grid_size)


class GaussianPosterior(nn.Module):
    """``Q = N(mu, diag s^2)`` over the weights and biases of an MLP, ``s = exp(log_std)``.

    ``mu`` starts at ``model``'s weights, every ``s`` at ``init_std``.
    """

    def __init__(self, model: nn.Module, init_std: float) -> None:
        super().__init__()
        init_std = check_real(init_std, "init_std", low=0, low_inclusive=False)
        self._has_bias = [lin.bias is not None for lin in _linears(model)]
        params = _flat_params(model)
        self.mu = nn.ParameterList([nn.Parameter(p.clone()) for p in params])
        self.log_std = nn.ParameterList(
            [nn.Parameter(torch.full_like(p, math.log(init_std))) for p in params])

    def _layers(self, tensors: Any) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
        out, i = [], 0
        for has_b in self._has_bias:
            out.append((tensors[i], tensors[i + 1] if has_b else None))
            i += 2 if has_b else 1
        return out

    def stds(self) -> list[torch.Tensor]:
        return [ls.exp() for ls in self.log_std]

    def kl(self, prior: GaussianPrior, prior_std: torch.Tensor | None = None) -> torch.Tensor:
        """``KL(Q || P)`` in closed form; ``prior_std`` overrides ``prior.std`` (differentiable)."""
        if not isinstance(prior, GaussianPrior):
            raise TypeError(f"prior must be a GaussianPrior, got {type(prior).__name__}")
        if [tuple(m.shape) for m in prior.means] != [tuple(m.shape) for m in self.mu]:
            raise ValueError("prior and posterior are over different architectures")
        sp = prior_std if prior_std is not None else torch.tensor(prior.std)
        return sum(pb.gaussian_kl(mq, sq, mp.to(mq.device), sp.to(mq.device))
                   for mq, sq, mp in zip(self.mu, self.stds(), prior.means, strict=True))

    def mean_logits(self, X: torch.Tensor) -> torch.Tensor:
        """Logits of the mean net ``mu`` (the deterministic net at the centre of ``Q``)."""
        h = X
        layers = self._layers(list(self.mu))
        for k, (W, b) in enumerate(layers):
            h = h @ W.T + (b if b is not None else 0)
            if k < len(layers) - 1:
                h = torch.relu(h)
        return h

    def draw(self, n_samples: int, generator: torch.Generator) -> list[torch.Tensor]:
        """``n_samples`` i.i.d. parameter sets from ``Q``: one ``(n_samples, *shape)`` per tensor."""
        S = check_int(n_samples, "n_samples", min_value=1)
        dev = self.mu[0].device
        return [m + s * torch.randn((S, *m.shape), generator=generator, device=dev)
                for m, s in zip(self.mu, self.stds(), strict=True)]

    def forward_sampled(self, X: torch.Tensor, draws: list[torch.Tensor]) -> torch.Tensor:
        """Logits (S, n, out) of the S nets in ``draws``: one batched product per layer."""
        h = X.to(self.mu[0].device)
        layers = self._layers(draws)
        for k, (W, b) in enumerate(layers):
            h = torch.matmul(h, W.transpose(1, 2))
            if b is not None:
                h = h + b[:, None, :]
            if k < len(layers) - 1:
                h = torch.relu(h)
        return h

    def sample_logits(self, X: torch.Tensor, n_samples: int,
                      generator: torch.Generator) -> torch.Tensor:
        """Logits (n_samples, n, out) of ``n_samples`` nets drawn from ``Q``, in one pass."""
        return self.forward_sampled(X, self.draw(n_samples, generator))

    def local_logits(self, X: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Logits (n, out) with each pre-activation drawn from its exact Gaussian law given the
        previous layer (local reparameterization, Kingma et al. 2015): an unbiased,
        lower-variance gradient estimate of the expected loss, for training only."""
        h = X.to(self.mu[0].device)
        layers = self._layers([(m, s) for m, s in zip(self.mu, self.stds(), strict=True)])
        for k, (Wp, bp) in enumerate(layers):
            mean = h @ Wp[0].T
            var = (h * h) @ (Wp[1] ** 2).T
            if bp is not None:
                mean, var = mean + bp[0], var + bp[1] ** 2
            eps = torch.randn(mean.shape, generator=generator, device=mean.device)
            h = mean + var.clamp_min(1e-30).sqrt() * eps
            if k < len(layers) - 1:
                h = torch.relu(h)
        return h


def _generator(seed: int, device: torch.device) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(check_int(seed, "seed", min_value=0))


@torch.no_grad()
def mc_error_rates(posterior: GaussianPosterior, sample: LabelledSample, n_samples: int, *,
                   seed: int = 0) -> np.ndarray:
    """Error rate on ``sample`` of each of ``n_samples`` nets drawn i.i.d. from ``posterior``.

    Batched: as many sampled nets per forward pass as fit in ``2**24`` activations; net ``s``
    is drawn from a generator seeded with ``seed * 2**20 + s``.
    """
    if not isinstance(posterior, GaussianPosterior):
        raise TypeError(f"posterior must be a GaussianPosterior, got {type(posterior).__name__}")
    if not isinstance(sample, LabelledSample):
        raise TypeError(f"sample must be a LabelledSample, got {type(sample).__name__}")
    S = check_int(n_samples, "n_samples", min_value=1)
    seed = check_int(seed, "seed", min_value=0, max_value=2**40)
    dev = posterior.mu[0].device
    width = max(max(p.shape) for p in posterior.mu)
    n = len(sample)
    s_chunk = max(1, min(S, _MAX_ELEMS // (n * width)))
    n_chunk = max(1, min(n, _MAX_ELEMS // (s_chunk * width)))
    X, y = sample.X.to(dev), sample.y.to(dev)
    errors = torch.zeros(S, dtype=torch.float64, device=dev)
    for s0 in range(0, S, s_chunk):
        # net s is drawn from its own generator, so chunking never changes which nets are drawn
        per_net = [posterior.draw(1, _generator(seed * 2**20 + s, dev))
                   for s in range(s0, min(S, s0 + s_chunk))]
        draws = [torch.cat(ts) for ts in zip(*per_net, strict=True)]
        for i0 in range(0, n, n_chunk):
            logits = posterior.forward_sampled(X[i0:i0 + n_chunk], draws)
            errors[s0:s0 + len(per_net)] += (logits.argmax(-1) != y[i0:i0 + n_chunk]).sum(1)
    return (errors / n).cpu().numpy()


@dataclass(frozen=True)
class Certificate:
    """A risk certificate for a stochastic net and the numbers that went into it."""

    m: int
    kl: float
    mc_error: float
    mc_upper: float
    kl_bound: float
    mcallester: float
    n_mc: int
    delta: float
    delta_mc: float
    prior_std: float
    data_dependent: bool


def certificate(
    posterior: GaussianPosterior, prior: GaussianPrior, sample: LabelledSample, *,
    delta: float = 0.025, delta_mc: float = 0.01, n_mc: int = 1000, seed: int = 0,
) -> Certificate:
    """Bound the risk of ``posterior`` with probability ``1 - delta - delta_mc``.

    ``m = len(sample)``; the sampled nets' mean error on ``sample`` is bounded above by
    :func:`dlmath.pac_bayes.mc_risk_upper`, then the PAC-Bayes-kl bound is applied at
    confidence ``delta / prior.grid_size``. Raises ``ValueError`` if the prior was learned on
    any example of ``sample`` (:prf:ref:`thm-ch6-data-dependent`).
    """
    check_instance(posterior, "posterior", GaussianPosterior)
    if not isinstance(prior, GaussianPrior):
        raise TypeError(f"prior must be a GaussianPrior, got {type(prior).__name__}")
    if not isinstance(sample, LabelledSample):
        raise TypeError(f"sample must be a LabelledSample, got {type(sample).__name__}")
    shared = len(prior.seen & sample.fingerprints)
    if shared:
        raise ValueError(
            f"the prior was learned on {shared} of the {len(sample)} examples of the bound's "
            "sample; a data-dependent prior must be learned on data disjoint from it "
            "(split the data with split_sample and bound on the other part)")
    delta = check_real(delta, "delta", low=0, high=1, low_inclusive=False, high_inclusive=False)
    delta_mc = check_real(delta_mc, "delta_mc", low=0, high=1, low_inclusive=False,
                          high_inclusive=False)
    with torch.no_grad():
        kl = float(posterior.kl(prior))
    rates = mc_error_rates(posterior, sample, n_mc, seed=seed)
    mc = float(rates.mean())
    upper = float(pb.mc_risk_upper(mc, n_mc, delta_mc))
    d_each = delta / prior.grid_size
    m = len(sample)
    return Certificate(m, kl, mc, upper, float(pb.kl_bound(upper, kl, m, d_each)),
                       float(pb.mcallester_bound(upper, kl, m, d_each)), n_mc, delta, delta_mc,
                       prior.std, prior.data_dependent)


def optimize_posterior(
    posterior: GaussianPosterior, prior: GaussianPrior, sample: LabelledSample, *,
    steps: int, batch_size: int = 256, lr: float = 1e-3, delta: float = 0.025,
    tune_prior_std: bool = False, grid: Any = None, objective: str = "mcallester",
    seed: int = 0,
) -> tuple[GaussianPrior, np.ndarray]:
    """Minimize a PAC-Bayes objective ``f(E_Q[surrogate], B)`` by Adam, ``B = (KL(Q||P) +
    ln(2 sqrt m/delta)) / (2m)``: ``"mcallester"`` is ``L + sqrt(B)`` (Dziugaite and Roy 2017),
    ``"quad"`` is ``(sqrt(L + B) + sqrt(B))^2`` (the quadratic bound of Perez-Ortiz et al. 2021,
    tighter when ``L`` is small). The surrogate ``L`` is the cross-entropy in bits, which
    bounds the 0-1 loss of a binary or multiclass net from above.

    The Dziugaite-Roy recipe (:prf:ref:`alg-ch6-optimize`): the 0-1 loss is replaced by the
    cross-entropy of nets drawn with :meth:`GaussianPosterior.local_logits`, ``mu`` and
    ``log_std`` are trained on ``sample`` (the bound's sample; ``m = len(sample)``). With
    ``tune_prior_std`` the prior std is trained too and snapped to ``grid``; the returned prior
    carries ``grid_size = len(grid)`` so that :func:`certificate` pays the union bound. Returns
    (prior to certify with, objective every 10 steps). ``posterior`` is updated in place.
    """
    if not isinstance(posterior, GaussianPosterior) or not isinstance(prior, GaussianPrior):
        raise TypeError("posterior must be a GaussianPosterior and prior a GaussianPrior")
    if not isinstance(sample, LabelledSample):
        raise TypeError(f"sample must be a LabelledSample, got {type(sample).__name__}")
    steps = check_int(steps, "steps", min_value=1, max_value=10**7)
    batch_size = check_int(batch_size, "batch_size", min_value=1)
    lr = check_real(lr, "lr", low=0, low_inclusive=False)
    delta = check_real(delta, "delta", low=0, high=1, low_inclusive=False, high_inclusive=False)
    tune = check_bool(tune_prior_std, "tune_prior_std")
    quad = check_choice(objective, "objective", ("mcallester", "quad")) == "quad"
    if tune:
        if grid is None:
            raise ValueError("tune_prior_std=True needs the grid of allowed prior stds")
        grid = np.asarray(grid, dtype=float)
        if grid.ndim != 1 or grid.size < 1 or np.any(grid <= 0):
            raise ValueError("grid must be a 1-d array of positive prior stds")
    dev = posterior.mu[0].device
    on_dev = GaussianPrior(tuple(m.to(dev) for m in prior.means), prior.std, prior.seen,
                           prior.grid_size)  # moved once, not at every step
    gen = _generator(seed, dev)
    cpu_rng = np.random.default_rng(seed)
    X, y = sample.X.to(dev), sample.y.to(dev)
    m = len(sample)
    log_sp = torch.tensor(math.log(prior.std), device=dev, requires_grad=tune)
    params = list(posterior.parameters()) + ([log_sp] if tune else [])
    opt = torch.optim.Adam(params, lr=lr)
    const = math.log(2 * math.sqrt(m) / delta)
    trace = []
    for step in range(steps):
        idx = torch.as_tensor(cpu_rng.integers(0, m, size=min(batch_size, m)), device=dev)
        logits = posterior.local_logits(X[idx], gen)
        surrogate = nn.functional.cross_entropy(logits, y[idx]) / math.log(2)
        kl = posterior.kl(on_dev, prior_std=log_sp.exp())
        b = (kl + const) / (2 * m)
        value = (torch.sqrt(surrogate + b) + torch.sqrt(b)) ** 2 if quad else surrogate + b.sqrt()
        opt.zero_grad()
        value.backward()
        opt.step()
        if step % 10 == 0:
            trace.append(float(value.detach()))
    std = pb.snap_to_grid(float(log_sp.detach().exp()), grid) if tune else prior.std
    out = GaussianPrior(prior.means, std, prior.seen, len(grid) if tune else prior.grid_size)
    return out, np.array(trace)
