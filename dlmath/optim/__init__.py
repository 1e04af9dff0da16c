r"""RMSProp, ADAM and Nesterov's accelerated gradient in the conventions analysed in Ch. 5.

The thesis's Chapter 5 (De, Mukherjee and Ullah, arXiv:1807.06766) proves convergence for
versions of RMSProp and ADAM that differ from the library defaults in small but, for the
proofs, essential ways. The three optimizers here are :class:`torch.optim.Optimizer`
subclasses (param groups, ``state_dict``, closures) whose conventions are arguments:

* :class:`RMSProp`: :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2)(g_t^2 + \xi)` and
  :math:`x_{t+1} = x_t - \alpha\, g_t / \sqrt{v_t}` (``xi_placement="inside"``, the analysed
  form, :prf:ref:`alg-ch5-rmsprop`), or :math:`x_{t+1} = x_t - \alpha\, g_t/(\sqrt{v_t}+\xi)` with
  :math:`v_t` free of :math:`\xi` (``"outside"``, the form of ``torch.optim.RMSprop``).
* :class:`Adam`: :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
  :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`,
  :math:`x_{t+1} = x_t - \alpha\, m_t/(\sqrt{v_t}+\xi)` with no bias correction (the analysed
  form, :prf:ref:`alg-ch5-adam`), optionally with :math:`\xi` inside :math:`v_t` and/or Kingma and Ba's bias
  correction :math:`\hat m_t = m_t/(1-\beta_1^t)`, :math:`\hat v_t = v_t/(1-\beta_2^t)`
  (``bias_correction=True, xi_placement="outside"`` is ``torch.optim.Adam``).
* :class:`NAG` (:prf:ref:`alg-ch5-nag`): Sutskever et al.'s form
  :math:`v_{t+1} = \mu v_t - \alpha\nabla f(x_t+\mu v_t)`,
  :math:`x_{t+1} = x_t + v_{t+1}` (``form="sutskever"``, needs a closure because the gradient
  is taken at the look-ahead point), or the same algorithm written in the look-ahead variable
  :math:`y_t = x_t + \mu v_t` (``form="lookahead"``): :math:`y_{t+1} = y_t + \mu v_{t+1} -
  \alpha\nabla f(y_t)`. The look-ahead form is ``torch.optim.SGD(nesterov=True)`` with
  momentum buffer :math:`b_t = -v_t/\alpha`.

All updates are vectorised with ``torch._foreach_*`` kernels, one call per (device, dtype)
bucket of a param group. :func:`from_spec` builds one from a settings dictionary. The theory
helpers give the step sizes and iteration bounds of :prf:ref:`thm-ch5-rmsprop-det`
(:func:`rmsprop_theorem_step`, :func:`rmsprop_theorem_iterations`) and
:prf:ref:`thm-ch5-adam-det` (:func:`adam_beta1_threshold`, :func:`adam_sufficient_step`,
:func:`adam_iteration_bound`), with the constants as re-derived in the
book (the paper's text was not available; see the chapter).
"""

from __future__ import annotations

from ._optimizers import (
    NAG,
    NAG_FORMS,
    XI_PLACEMENTS,
    Adam,
    Closure,
    LossFunction,
    OptimizerFactory,
    RMSProp,
)
from ._spec import OPTIMIZERS, from_spec, spec_defaults, spec_keys
from ._theory import (
    adam_beta1_threshold,
    adam_iteration_bound,
    adam_sufficient_step,
    decrease_slack,
    rmsprop_theorem_decrease,
    rmsprop_theorem_iterations,
    rmsprop_theorem_step,
    run_deterministic,
    run_stochastic_rmsprop,
)

__all__ = [
    "RMSProp",
    "Adam",
    "NAG",
    "XI_PLACEMENTS",
    "NAG_FORMS",
    "rmsprop_theorem_step",
    "rmsprop_theorem_iterations",
    "adam_beta1_threshold",
    "adam_sufficient_step",
    "adam_iteration_bound",
    "run_deterministic",
    "rmsprop_theorem_decrease",
    "decrease_slack",
    "run_stochastic_rmsprop",
    "OPTIMIZERS",
    "spec_keys",
    "spec_defaults",
    "from_spec",
    "Closure",
    "LossFunction",
    "OptimizerFactory",
]
