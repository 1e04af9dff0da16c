"""The claims ledger: each claim the book examines, and the verdict its check records.

A :class:`Claim` is registered once, in ``dlmath/claims/registry/<chapter>.py``. The check cell
on the claim's page decides a verdict under a rule fixed before the run (a margin, or an
interval that must exclude a threshold) and calls :func:`record`. The record travels as a cell
output with its own MIME type (:data:`MIME`), so it is cached with the executed notebook, and the
book's ledger pages are generated from the executed notebooks (see :mod:`dlmath.claims`).
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import Any

from .._validate import check_choice, check_int, check_real

REPRODUCED = "reproduced"
NOT_AS_STATED = "does not hold as stated"
CORRECTED = "holds with a correction"
INCONCLUSIVE = "inconclusive at this scale"
ILLUSTRATED = "illustrated only"
VERDICTS = (REPRODUCED, NOT_AS_STATED, CORRECTED, INCONCLUSIVE, ILLUSTRATED)

PROVENANCES = ("found", "recalled", "ours")
CHAPTERS = ("ch1", "ch2", "ch3", "ch4", "ch5", "ch6", "appA")
MIME = "application/vnd.dlmath.claim+json"

_ID = re.compile(r"^(ch[1-6]|appA)\.[a-z0-9][a-z0-9-]*[a-z0-9]$")
_PAGE = re.compile(r"^chapters/[0-9A-Za-z_]+/[0-9A-Za-z_]+$")


@dataclass(frozen=True)
class Claim:
    """A claim of the thesis or its papers that the book examines.

    ``id`` is ``"<chapter>.<slug>"`` (chapter ``ch1`` ... ``ch6`` or ``appA``) and never
    changes once published. ``statement`` is the claim in the book's words; ``source`` the
    paper and its numbering as printed there (``"Arora et al. 2018, Thm 3.9"``);
    ``provenance`` says whether the statement was ``"found"`` in that text, is ``"recalled"``
    (not checked against the paper) or is the book's own derivation (``"ours"``); ``page`` is
    the docname of the page whose check decides it.
    """

    id: str
    statement: str
    source: str
    provenance: str
    page: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ValueError(
                f"id must look like 'ch4.support-recovery' (chapter ch1..ch6 or appA, then a "
                f"lower-case slug), got {self.id!r}"
            )
        for name in ("statement", "source"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} of claim {self.id} must be a non-empty string")
        check_choice(self.provenance, "provenance", PROVENANCES)
        if not isinstance(self.page, str) or not _PAGE.match(self.page):
            raise ValueError(
                f"page of claim {self.id} must be a docname such as "
                f"'chapters/04_sparse_coding/02_support_recovery', got {self.page!r}"
            )

    @property
    def chapter(self) -> str:
        """The chapter key (``ch1`` ... ``ch6``, ``appA``) that the id starts with."""
        return self.id.split(".", 1)[0]


def decide(lower: float, upper: float, threshold: float = 0.0, *, holds_if: str = "above") -> str:
    """The verdict of a one-sided claim from an interval ``[lower, upper]`` for the quantity.

    With ``holds_if="above"`` the claim is that the quantity exceeds ``threshold``: the verdict
    is :data:`REPRODUCED` when the whole interval lies above it, :data:`NOT_AS_STATED` when the
    whole interval lies below it, and :data:`INCONCLUSIVE` when the interval contains it.
    ``holds_if="below"`` mirrors this. The interval is the decision rule's (a confidence
    interval over seeds, a Wilson interval, or a measured value with a stated margin).
    """
    lower = check_real(lower, "lower")
    upper = check_real(upper, "upper")
    threshold = check_real(threshold, "threshold")
    check_choice(holds_if, "holds_if", ("above", "below"))
    if lower > upper:
        raise ValueError(f"lower must be <= upper, got [{lower}, {upper}]")
    if holds_if == "below":
        lower, upper, threshold = -upper, -lower, -threshold
    if lower > threshold:
        return REPRODUCED
    if upper < threshold:
        return NOT_AS_STATED
    return INCONCLUSIVE


def mean_ci(samples: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``samples`` and its two-sided Student-t confidence interval at ``level``.

    Returns ``(mean, lower, upper)``; needs at least two finite samples.
    """
    import numpy as np
    from scipy import stats

    from .._validate import as_float_array

    x = as_float_array(samples, "samples", ndim=1, min_size=2)
    level = check_real(level, "level", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    mean = float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, df=x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


def proportion_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Observed proportion ``successes / n`` and its Wilson score interval at ``level``.

    Returns ``(p, lower, upper)``. The Wilson interval keeps its coverage near 0 and 1, where
    the normal approximation collapses to a point.
    """
    from scipy import stats

    n = check_int(n, "n", min_value=1, max_value=2**53)  # counts beyond 2^53 lose exactness as floats
    successes = check_int(successes, "successes", min_value=0, max_value=n)
    level = check_real(level, "level", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


def json_scalar(value: Any, name: str) -> Any:
    """``value`` as a plain JSON scalar (numpy and torch scalars unwrapped), else raise."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        return value
    raise TypeError(f"{name} must be a number, string, bool or None, got {type(value).__name__}")
