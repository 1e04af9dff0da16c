"""Training a ReLU gate and depth-2 single-filter nets without gradients (Chapter 3).

The models (Karmakar & Mukherjee 2020; Karmakar, Mukherjee & Papamarkou 2020):

* a **depth-2 single-filter net** (:prf:ref:`def-ch3-depth2`)
  :math:`f_w(x) = \\frac{q}{k}\\sum_{j=1}^k \\sigma(w^\\top A_j x)`
  with :math:`w\\in\\mathbb R^r`, filters :math:`A_j\\in\\mathbb R^{r\\times n}`, outer scale
  :math:`q` and :math:`\\sigma(z)=\\max\\{0,z\\}`; :math:`M = \\frac1k\\sum_j A_j`.
  The **ReLU gate** is the special case :math:`k=1`, :math:`A_1 = M = I_n`, :math:`q=1`.
* labels (:prf:ref:`def-ch3-oracle`) :math:`y = f_{w_*}(x) + \\alpha\\,\\xi` with attack indicator
  :math:`\\alpha\\sim\\mathrm{Bernoulli}(\\beta)` and bounded attack :math:`|\\xi|\\le\\theta_*`.

The algorithms (:prf:ref:`alg-ch3-tron`, :prf:ref:`alg-ch3-neurotron`,
:prf:ref:`alg-ch3-noisy-gd`), for a mini-batch :math:`(x_i, y_i)_{i\\le b}`:

* **(Neuro-)Tron**: :math:`w \\leftarrow w + \\eta\\, M\\,\\frac1b\\sum_i (y_i - f_w(x_i))\\,x_i`
  (no derivative of the activation anywhere; the GLM-Tron update of Kakade et al. 2011 for the
  gate);
* **SGD** on :math:`\\frac12 (y - f_w(x))^2`:
  :math:`w \\leftarrow w + \\eta\\,\\frac1b\\sum_i (y_i - f_w(x_i))\\,\\nabla_w f_w(x_i)`;
  ``sgd_first_sample`` reproduces the public reference code, which uses
  :math:`\\nabla_w f_w(x_1)` for every sample of the batch;
* **noise-assisted GD** (Langevin type) on a ReLU gate:
  :math:`w \\leftarrow w - \\eta\\nabla\\hat L(w) + \\sqrt{2\\eta/\\beta_{\\rm inv}}\\;g`,
  :math:`g\\sim N(0, I)`.

:func:`simulate_grid` advances many settings (attack levels, repeated runs) and several
algorithms in one batched array operation per iteration; its ``implementation="loop"`` is the
plain per-setting, per-sample reference that draws exactly the same random numbers. The paper's
eight simulations (their grids and summaries) are :mod:`dlmath.studies.ch3_poisoning`.
:func:`track_iterates`, :func:`classify_runs` and :func:`spurious_scale` show where SGD gets
trapped (near :math:`-c_*w_*`, not at a dead net).
"""


from ._model import (
    ALGORITHMS,
    ATTACKS,
    DISTRIBUTIONS,
    DepthTwoNet,
    InputMoments,
    attack_noise,
    fit_tron,
    input_moments,
    make_depth2_net,
    net_gradient,
    net_output,
    relu_gate_net,
    sample_inputs,
    sgd_step,
    tron_step,
)
from ._noisy_gd import (
    NoisyGDResult,
    noisy_gd,
    noisy_gd_radius,
    noisy_gd_stationary_bound,
    positive_curvature,
)
from ._simulate import GridResult, simulate_grid
from ._theory import (
    best_step_size,
    contraction_factor,
    correlated_bias,
    expected_tron_direction,
    poisoning_floor,
)
from ._trapping import (
    TRAP_LABELS,
    Trajectories,
    classify_runs,
    final_geometry,
    spurious_scale,
    track_iterates,
)

__all__ = [
    "DISTRIBUTIONS",
    "ALGORITHMS",
    "ATTACKS",
    "sample_inputs",
    "InputMoments",
    "input_moments",
    "DepthTwoNet",
    "make_depth2_net",
    "relu_gate_net",
    "net_output",
    "net_gradient",
    "tron_step",
    "sgd_step",
    "attack_noise",
    "GridResult",
    "simulate_grid",
    "expected_tron_direction",
    "contraction_factor",
    "best_step_size",
    "poisoning_floor",
    "correlated_bias",
    "NoisyGDResult",
    "noisy_gd",
    "noisy_gd_radius",
    "positive_curvature",
    "noisy_gd_stationary_bound",
    "fit_tron",
    "TRAP_LABELS",
    "final_geometry",
    "classify_runs",
    "spurious_scale",
    "Trajectories",
    "track_iterates",
]
