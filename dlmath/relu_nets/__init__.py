r"""ReLU networks as functions: construction, torch views, exact piece and region counting.

Notation (:prf:ref:`def-ch1-relu-dnn`, :prf:ref:`def-ch1-pwl`; Arora et al. 2018, Def. 1 and 3,
:cite:p:`arora2018understanding`). A ReLU deep neural net
with :math:`k` hidden layers of widths :math:`w_1, \dots, w_k` computes

.. math:: f = T_{k+1} \circ \sigma \circ T_k \circ \dots \circ \sigma \circ T_1,
   \qquad \sigma(t) = \max\{0, t\} \text{ coordinatewise},

with affine :math:`T_i(x) = W_i x + b_i`, :math:`W_i \in \mathbb{R}^{w_i \times w_{i-1}}`. In Arora et al.
2018 (Definition 1) :math:`T_{k+1}` is linear; :class:`ReLUNet` allows an output bias (zero by default).
*Depth* is :math:`k+1`, *width* :math:`\max_i w_i`, *size* :math:`\sum_i w_i`.

A continuous function is piecewise linear (PWL) when finitely many polyhedra cover the domain and
it is affine on each; its *pieces* are the maximal connected sets on which it is affine.

Counting here is exact, never by sampling:

* in 1-D (:func:`pieces_1d`, :prf:ref:`alg-ch1-pieces-1d`) the pre-activation of every neuron is
  propagated layer by layer as
  an explicit PWL function; the ReLU adds the zero crossings as new knots. Floating point is
  used by default (with a relative tolerance); ``exact=True`` repeats the computation in
  rational arithmetic (``fractions.Fraction``), exact for integer, rational or float
  weights (a float is converted to the rational number it stores);
* in 2-D (:func:`linear_regions_2d`) the box is cut into convex polygons, one neuron line at a
  time, layer by layer; each polygon is one activation region.
"""

from ._net import (
    ReLUNet,
    abs_net,
    identity_net,
    max2_net,
    relu,
    sawtooth_net,
    tent_net,
)
from ._pieces_1d import PWL1D, breakpoints_1d, count_pieces_1d, pieces_1d
from ._regions_2d import (
    Region2D,
    arrangement_regions_2d,
    count_pieces_2d,
    count_regions_2d,
    count_regions_grid_2d,
    grid_patterns_2d,
    linear_regions_2d,
    plot_regions_2d,
)

__all__ = [
    "relu",
    "ReLUNet",
    "PWL1D",
    "Region2D",
    "identity_net",
    "abs_net",
    "max2_net",
    "tent_net",
    "sawtooth_net",
    "breakpoints_1d",
    "pieces_1d",
    "count_pieces_1d",
    "linear_regions_2d",
    "count_regions_2d",
    "count_pieces_2d",
    "count_regions_grid_2d",
    "grid_patterns_2d",
    "arrangement_regions_2d",
    "plot_regions_2d",
]
