"""The claims ledger: which claims of the thesis hold, decided by the book's own checks.

* :class:`Claim` and the registry (:func:`all_claims`, :func:`get`): every claim the book
  examines, registered once in ``dlmath/claims/registry/<chapter>.py``.
* :func:`record`: a check cell records a claim's verdict, one of :data:`VERDICTS`, with its
  evidence and decision rule; :func:`decide`, :func:`mean_ci` and :func:`proportion_ci` turn
  intervals into verdicts under rules fixed before the run.
* :func:`glue`: numbers for the prose (``{glue:text}`name:.3g```), never typed by hand.
* :func:`collect`, :func:`render_ledger`, :func:`render_chapter`,
  :func:`render_not_reproduced`, :func:`compare`: the generated ledger pages and the
  comparison with the committed expected ledger (``claims/default.json``).
"""

from ._core import (
    CORRECTED,
    ILLUSTRATED,
    INCONCLUSIVE,
    MIME,
    NOT_AS_STATED,
    PROVENANCES,
    REPRODUCED,
    VERDICTS,
    Claim,
    decide,
    mean_ci,
    proportion_ci,
)
from ._record import all_claims, get, glue, record
from ._report import collect, compare, render_chapter, render_ledger, render_not_reproduced

__all__ = [
    "Claim",
    "VERDICTS",
    "REPRODUCED",
    "NOT_AS_STATED",
    "CORRECTED",
    "INCONCLUSIVE",
    "ILLUSTRATED",
    "PROVENANCES",
    "MIME",
    "all_claims",
    "get",
    "record",
    "decide",
    "mean_ci",
    "proportion_ci",
    "glue",
    "collect",
    "render_chapter",
    "render_ledger",
    "render_not_reproduced",
    "compare",
]
