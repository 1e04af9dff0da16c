"""Recording verdicts and gluing numbers from a notebook's check cells."""

from __future__ import annotations

import functools
import html
import importlib
import pkgutil
from typing import Any

from .._validate import check_choice
from ._core import CHAPTERS, CORRECTED, MIME, VERDICTS, Claim, json_scalar

__all__ = ["all_claims", "get", "record", "glue", "render_plain"]

_GLUE_PREFIX = "application/papermill.record/"  # what myst-nb's glue(display=False) writes


@functools.lru_cache(maxsize=1)
def all_claims() -> dict[str, Claim]:
    """Every registered claim by id, from the modules of ``dlmath.claims.registry``.

    Raises ``ValueError`` for a duplicate id, or a claim filed under another chapter's module.
    """
    pkg = importlib.import_module(__package__ + ".registry")

    found: dict[str, Claim] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name not in CHAPTERS:
            raise ValueError(f"registry module {info.name!r} is not a chapter key {list(CHAPTERS)}")
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for claim in getattr(module, "CLAIMS", ()):
            if not isinstance(claim, Claim):
                raise TypeError(f"{info.name}.CLAIMS must hold Claim objects, got {type(claim).__name__}")
            if claim.chapter != info.name:
                raise ValueError(f"claim {claim.id} is filed in registry/{info.name}.py")
            if claim.id in found:
                raise ValueError(f"claim id {claim.id} is registered twice")
            found[claim.id] = claim
    return found


def get(claim_id: str) -> Claim:
    """The registered :class:`~dlmath.claims.Claim` with id ``claim_id``."""
    if not isinstance(claim_id, str):
        raise TypeError(f"claim_id must be a string, got {type(claim_id).__name__}")
    try:
        return all_claims()[claim_id]
    except KeyError:
        raise ValueError(
            f"claim_id {claim_id!r} is not registered; add it to "
            f"dlmath/claims/registry/{claim_id.split('.', 1)[0]}.py"
        ) from None


def _display(bundle: dict[str, Any], metadata: dict[str, Any] | None = None) -> bool:
    """Display a MIME bundle when running under IPython; return whether it was shown."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with any notebook kernel
        return False
    if get_ipython() is None:
        return False
    display(bundle, raw=True, metadata=metadata or {})
    return True


def render_plain(rec: dict[str, Any]) -> str:
    """One line of text for a record (what :func:`record` prints outside a notebook)."""
    ev = ", ".join(f"{k} = {_fmt(v)}" for k, v in rec["evidence"].items())
    line = f"[{rec['id']}] {rec['verdict']} at {rec['scale']} scale: {ev}"
    if rec.get("correction"):
        line += f" (correction: {rec['correction']})"
    return line


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


_CLASS = {
    "reproduced": "tip",
    "does not hold as stated": "danger",
    "holds with a correction": "warning",
    "inconclusive at this scale": "note",
    "illustrated only": "seealso",
}


def _html(rec: dict[str, Any], claim: Claim) -> str:
    ev = "".join(
        f"<li><code>{html.escape(k)}</code> = {html.escape(_fmt(v))}</li>"
        for k, v in rec["evidence"].items()
    )
    corr = (
        f"<p><b>Correction.</b> {html.escape(rec['correction'])}</p>" if rec.get("correction") else ""
    )
    anchor = "claim-" + rec["id"].replace(".", "-")
    return (
        f'<div class="admonition {_CLASS[rec["verdict"]]}" id="{anchor}">'
        f'<p class="admonition-title">Claim {html.escape(rec["id"])}: {html.escape(rec["verdict"])}'
        f" ({html.escape(rec['scale'])} scale)</p>"
        f"<p>{html.escape(claim.statement)} <i>({html.escape(claim.source)}; "
        f"{html.escape(claim.provenance)})</i></p>{corr}"
        f"<p><b>Rule.</b> {html.escape(rec['rule'])}</p><ul>{ev}</ul></div>"
    )


class Record(dict):
    """The record :func:`record` returns: a plain dict that IPython does not display again
    (the box is already shown), so a check cell may end with ``cl.record(...)``."""

    def _ipython_display_(self) -> None:
        return None


def record(
    claim_id: str,
    verdict: str,
    *,
    evidence: dict[str, Any],
    rule: str,
    correction: str | None = None,
) -> dict[str, Any]:
    """Record the verdict of a registered claim, decided by the calling check cell.

    ``verdict`` is one of :data:`~dlmath.claims.VERDICTS`; ``evidence`` maps names to JSON
    scalars (the numbers the verdict rests on); ``rule`` states the decision rule that was fixed
    before the run; ``correction`` is required exactly when the verdict is
    :data:`~dlmath.claims.CORRECTED`. The scale is taken from :func:`dlmath.config.scale`.

    In a notebook the record is displayed as a box and carried by a cell output of MIME type
    :data:`~dlmath.claims.MIME`, from which the ledger pages are generated. Returns the record
    (a dict subclass that a cell's last expression does not print again).
    """
    from .. import __version__
    from ..config import scale

    claim = get(claim_id)
    check_choice(verdict, "verdict", VERDICTS)
    if not isinstance(evidence, dict) or not evidence:
        raise ValueError("evidence must be a non-empty dict of the numbers the verdict rests on")
    ev = {}
    for key, value in evidence.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"evidence keys must be non-empty strings, got {key!r}")
        ev[key] = json_scalar(value, f"evidence[{key!r}]")
    if not isinstance(rule, str) or not rule.strip():
        raise ValueError("rule must state the decision rule fixed before the run")
    if (verdict == CORRECTED) != (correction is not None):
        raise ValueError(f"correction must be given exactly when verdict is {CORRECTED!r}")
    if correction is not None and (not isinstance(correction, str) or not correction.strip()):
        raise ValueError("correction must be a non-empty string")
    rec = {
        "id": claim.id,
        "verdict": verdict,
        "evidence": ev,
        "rule": rule.strip(),
        "correction": correction,
        "scale": scale(),
        "dlmath": __version__,
    }
    bundle = {MIME: rec, "text/html": _html(rec, claim), "text/plain": render_plain(rec)}
    if not _display(bundle):
        print(render_plain(rec))
    return Record(rec)


def glue(name: str, value: Any) -> Any:
    """Make ``value`` available to the page's prose as ``{glue:text}`name:.3g```.

    Equivalent to myst-nb's ``glue(name, value, display=False)`` for numbers and strings,
    without needing myst-nb installed (on Colab). numpy/torch scalars are unwrapped first so
    that the glued text is a plain number that a format spec accepts. Returns ``value``.
    """
    if not isinstance(name, str) or not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores, got {name!r}")
    plain = json_scalar(value, "value")
    meta = {"scrapbook": {"name": name, "mime_prefix": _GLUE_PREFIX}}
    _display({_GLUE_PREFIX + "text/plain": repr(plain)}, meta)
    return value
