"""dlmath: the algorithms of *A Study of the Mathematics of Deep Learning* (A. Mukherjee, 2020).

The executable book imports everything it computes from this package; notebooks never redefine
an algorithm. This is the package's one map: every public module, by kind, with the chapters
it serves (the API page has the same sections, and a test keeps both complete). A module or
package whose name starts with ``_`` is private: its names are re-exported by its package.

**Machinery**

* :mod:`dlmath.config` (every chapter): scale (``DLMATH_SCALE``), device, seeding, progress.
* :mod:`dlmath.data` (Ch. 3, 4, 5, 6, appendix): offline data sets with checksums.
* :mod:`dlmath.plotting` (every chapter): the book's figure style.
* :mod:`dlmath.sweep` (Ch. 3, 5 studies): the resumable grid runner on joblib or Ray.
* :mod:`dlmath.claims` (every chapter): the claims ledger, verdicts and glued numbers.
* :mod:`dlmath.claims.registry` (every chapter): the registered claims, one module per chapter.

**Shared mathematics**

* :mod:`dlmath.relu_nets` (Ch. 1, 2): ReLU nets as functions; exact piece and region counting.
* :mod:`dlmath.nets` (Ch. 4, 5, 6): the one torch builder of fully connected ReLU nets.
* :mod:`dlmath.optim` (Ch. 5): RMSProp, ADAM and NAG as analysed; optimizers from settings.
* :mod:`dlmath.hessian` (Ch. 5): Hessian-vector products and extreme Hessian eigenvalues.
* :mod:`dlmath.autoencoders` (Ch. 4, 5, 6): autoencoder model, loss, data, training loop.

**Chapter topics**

* :mod:`dlmath.constructions` (Ch. 2): explicit ReLU-net constructions.
* :mod:`dlmath.depth_bounds` (Ch. 2): counting bounds and depth separations.
* :mod:`dlmath.exact_erm` (Ch. 2): exact empirical risk minimisation for depth-2 nets.
* :mod:`dlmath.cone_lsq` (Ch. 2): least squares over a polyhedral cone, exact through its
  extreme rays, with a KKT certificate (the squared-loss cell program of the exact ERM).
* :mod:`dlmath.boolean` (Ch. 2): Boolean-input lower bounds for ReLU circuits.
* :mod:`dlmath.relu_gate` (Ch. 3): Tron, Neuro-Tron, SGD and noisy GD for a ReLU gate and
  depth-2 single-filter nets, their simulator and predictions.
* :mod:`dlmath.sparse_coding` (Ch. 4): the sparse-coding model, the tied ReLU autoencoder,
  support-recovery and expected-gradient Monte Carlo estimators, GD/Adam training and the
  co-authors' MATLAB protocol.
* :mod:`dlmath.pac_bayes` (Ch. 6): PAC-Bayes arithmetic: binary kl and its inverse, kl and
  McAllester bounds, Monte Carlo risk bound, Gaussian KL, prior-width grid, the spectral margin
  bound with its factors.
* :mod:`dlmath.stochastic_nets` (Ch. 6): Gaussian stochastic MLPs: batched Monte Carlo risk,
  priors that remember their data, certificates, Dziugaite-Roy posterior optimisation.
* :mod:`dlmath.weight_paths` (Ch. 6): path statistics of training in weight space, per layer.
* :mod:`dlmath.elasticity` (appendix): relative similarity S_rel of one optimizer step for
  torch classifiers (RMS, KL from log-probabilities, the public code's ``kl_div`` as reference).
* :mod:`dlmath.elasticity_ridge` (appendix): ridge regression on random ReLU features, gradient
  flow and S_rel(t) in closed form, the phase boundary.
* :mod:`dlmath.optim_examples` (Ch. 5): the bias-correction schedule, NAG against gradient
  descent on ill-conditioned quadratics, Reddi et al.'s ADAM counterexample.

**Studies**

* :mod:`dlmath.studies` (Ch. 3, 5, 6, appendix): paper-scale studies, one module per study.
* :mod:`dlmath.studies.ch3_poisoning` (Ch. 3): the eight Neuro-Tron data-poisoning simulations.
* :mod:`dlmath.studies.ch5_autoencoders` (Ch. 5): ADAM, RMSProp and NAG on ReLU autoencoders.
* :mod:`dlmath.studies.pac_bayes` (Ch. 6): the bound study: data-free and path priors, bound
  table records, committed results.
* :mod:`dlmath.studies.elasticity` (appendix): the classification protocol (S_rel by class
  pair along training) and a BatchNorm-free ResNet-18 for full scale.
* :mod:`dlmath.studies.ch5_evidence` (Ch. 5): the evidence scale of that study, over seeds.

Modules are imported on demand (``from dlmath import relu_gate as rg``) so that
``import dlmath`` stays fast; ``dlmath.plotting`` (which imports matplotlib) too, on first use.
"""

import importlib

from . import config

__version__ = "0.2.0"
__repository__ = "https://github.com/dlmath-book/dlmath-book"

__all__ = ["config", "plotting", "__version__", "__repository__"]


def __getattr__(name: str):
    """``dlmath.plotting`` without an import of its own (PEP 562): matplotlib is loaded only by
    the processes that draw."""
    if name == "plotting":
        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
