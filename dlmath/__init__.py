"""dlmath: the algorithms of *A Study of the Mathematics of Deep Learning* (A. Mukherjee, 2020).

The executable book imports everything it computes from this package; notebooks never redefine
an algorithm. Modules, one per topic:

* :mod:`dlmath.config`: scale (``DLMATH_SCALE``), device and seeding.
* :mod:`dlmath.plotting`: the book's figure style.
* :mod:`dlmath.data`: offline data sets with checksums.
* :mod:`dlmath.relu_nets`: ReLU networks as functions; exact piece and region counting (Ch. 1-2).

Chapter modules are imported on demand (``from dlmath import relu_gate``) so that
``import dlmath`` stays fast.
"""

from . import config, plotting

__version__ = "0.2.0"
__repository__ = "https://github.com/dlmath-book/dlmath-book"

__all__ = ["config", "plotting", "__version__", "__repository__"]
