"""Exact empirical risk minimisation for depth-2 ReLU networks (Chapter 2).

:prf:ref:`thm-ch2-exact-erm` and :prf:ref:`alg-ch2-exact-erm` (Arora et al. 2018, Thm 4.1, Alg. 1).

The class searched is the one of Arora, Basu, Mianjy and Mukherjee (ICLR 2018, Def. 1): one
hidden layer of width ``w``, a *linear* output layer (no output bias unless ``bias=True``).
Positive homogeneity of the ReLU rewrites every such net as

.. math:: f(x) = \\sum_{i=1}^{w} s_i\\,\\sigma(\\tilde a_i\\cdot x + \\tilde b_i),
          \\qquad s_i\\in\\{-1,+1\\},

so that, once the top signs ``s`` and the set of data points on which each unit is active are
fixed, the loss is a convex function of :math:`(\\tilde a_i, \\tilde b_i)` under linear
constraints. The global optimum is the best of these convex programs over

* the sign patterns ``s`` (up to permutation of the units: ``w + 1`` of them, not ``2**w``);
* the tuples of *realizable* dichotomies of the data (Cover's count
  :math:`2\\sum_{i=0}^{n}\\binom{D-1}{i}` for ``D`` points in general position in
  :math:`\\mathbb R^n`), unordered within a block of equal signs.

Absolute loss: one HiGHS LP per cell (``scipy.optimize.linprog``), status checked. Squared loss:
one certified cone least-squares solve per cell (:mod:`dlmath.cone_lsq`: the cell's cone written
by its extreme rays, a finite non-negative least squares solve, a KKT certificate; no weight box).
``erm_milp_absolute`` is an independent mixed-integer formulation (``scipy.optimize.milp``) used
to verify the enumeration on small data.
``erm_pwl_1d`` is the one-dimensional algorithm of the paper's Appendix C: breakpoint intervals
times slope-order signs, over continuous PWL functions with a given number of pieces.
"""

from __future__ import annotations

from ._baselines import erm_milp_absolute, erm_pwl_1d, gd_restarts
from ._depth2 import (  # noqa: F401 - _cell_problem, _solve_qp: the tests' independent reference
    LOSSES,
    ERMResult,
    TwoLayerReLU,
    _cell_problem,
    _solve_qp,
    count_subproblems,
    erm_depth2,
)
from ._dichotomies import affine_dichotomies, cover_count, is_strictly_separable

__all__ = [
    "LOSSES",
    "cover_count",
    "affine_dichotomies",
    "is_strictly_separable",
    "TwoLayerReLU",
    "ERMResult",
    "erm_depth2",
    "count_subproblems",
    "erm_milp_absolute",
    "erm_pwl_1d",
    "gd_restarts",
]
