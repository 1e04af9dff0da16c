"""Sparse coding with a tied-weight ReLU autoencoder (Chapter 4; Rangamani et al. 2018).

Data follow the generative model :math:`y=A^*x^*` (:prf:ref:`def-ch4-model`): an
overcomplete dictionary :math:`A^*\\in\\mathbb R^{n\\times h}` with unit-norm, incoherent
columns, :math:`\\max_{i\\ne j}|\\langle A^*_i,A^*_j\\rangle|=\\mu/\\sqrt n=h^{-\\xi}`, and codes
:math:`x^*` with a random support of expected size :math:`h^p`. The autoencoder is

.. math:: \\hat y = W^\\top\\sigma(Wy-\\epsilon),\\qquad L(W)=\\tfrac12 E\\lVert y-\\hat y\\rVert^2 .

* generators: :func:`make_dictionary`, :func:`sample_codes`, :func:`encode`,
  :func:`perturb_rows`; measures :func:`coherence`, :func:`incoherence_exponent`,
  :func:`sparsity_limit`;
* the model: :func:`ae_forward`, :func:`ae_loss`, :func:`ae_gradient` (numpy, analytic
  gradient of :prf:ref:`lem-ch4-gradient`) and :class:`TiedAutoencoder` (torch);
* support recovery (:prf:ref:`thm-ch4-support`): :func:`bias_rule`,
  :func:`deterministic_condition`, the batched estimator :func:`support_recovery`;
* the expected gradient (:prf:ref:`thm-ch4-gradient`): :func:`expected_gradient`
  (stratified Monte Carlo), :func:`loss_along_directions`;
* training (:prf:ref:`alg-ch4-gd`): :func:`train_tied` (GD/Adam), :func:`column_errors`,
  :func:`match_atoms`; the co-authors' MATLAB protocol (:prf:ref:`alg-ch4-protocol`):
  :class:`ProtocolSettings`, :func:`protocol_gradient`, :func:`run_protocol`.
"""

from ._estimators import (
    GradientEstimate,
    RecoveryCounts,
    expected_gradient,
    loss_along_directions,
    support_recovery,
)
from ._model import (
    SparseCodes,
    TiedAutoencoder,
    ae_forward,
    ae_gradient,
    ae_loss,
    bias_rule,
    coherence,
    deterministic_condition,
    encode,
    incoherence_exponent,
    make_dictionary,
    perturb_rows,
    sample_codes,
    sparsity_limit,
    support_size_law,
)
from ._training import (
    ProtocolSettings,
    TrainHistory,
    column_errors,
    match_atoms,
    protocol_data,
    protocol_gradient,
    run_protocol,
    train_tied,
)

__all__ = [
    "GradientEstimate",
    "ProtocolSettings",
    "RecoveryCounts",
    "SparseCodes",
    "TiedAutoencoder",
    "TrainHistory",
    "ae_forward",
    "ae_gradient",
    "ae_loss",
    "bias_rule",
    "coherence",
    "column_errors",
    "deterministic_condition",
    "encode",
    "expected_gradient",
    "incoherence_exponent",
    "loss_along_directions",
    "make_dictionary",
    "match_atoms",
    "perturb_rows",
    "protocol_data",
    "protocol_gradient",
    "run_protocol",
    "sample_codes",
    "sparsity_limit",
    "support_recovery",
    "support_size_law",
    "train_tied",
]
