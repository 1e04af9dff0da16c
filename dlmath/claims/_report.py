"""The ledger pages, generated from the records that executed notebooks carry.

:func:`collect` reads records out of executed notebooks (``nbformat`` objects, wherever they
came from: jupyter-cache or ``nbconvert --execute``), :func:`render_chapter`,
:func:`render_ledger` and :func:`render_not_reproduced` write the book's Markdown, and
:func:`compare` diffs the verdicts against a committed expected ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._core import (
    CHAPTERS,
    CORRECTED,
    INCONCLUSIVE,
    MIME,
    NOT_AS_STATED,
    VERDICTS,
)
from ._record import _fmt, all_claims

__all__ = ["collect", "render_chapter", "render_ledger", "render_not_reproduced", "compare"]

CHAPTER_TITLES = {
    "ch1": "Chapter 1: ReLU networks as functions",
    "ch2": "Chapter 2: exact representation, depth, zonotopes, exact ERM, Boolean bounds",
    "ch3": "Chapter 3: training a ReLU gate and depth-2 nets",
    "ch4": "Chapter 4: autoencoders and sparse coding",
    "ch5": "Chapter 5: RMSProp, ADAM and Nesterov acceleration",
    "ch6": "Chapter 6: PAC-Bayes bounds and weight-space paths",
    "appA": "Appendix A: local elasticity",
}


def collect(notebooks: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The claim records in executed notebooks, by claim id.

    ``notebooks`` maps each page's docname (``chapters/02_relu_nets/03_zonotopes``) to its
    executed ``nbformat`` notebook. Raises ``ValueError`` when a claim is recorded twice, or on
    a page other than the one it is registered to.
    """
    reg = all_claims()
    out: dict[str, dict[str, Any]] = {}
    for page, nb in notebooks.items():
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
                rec = output.get("data", {}).get(MIME)
                if rec is None:
                    continue
                cid = rec["id"]
                if cid not in reg:
                    raise ValueError(f"{page} records unregistered claim {cid}")
                if reg[cid].page != page:
                    raise ValueError(f"claim {cid} is registered to {reg[cid].page} but recorded on {page}")
                if cid in out:
                    raise ValueError(f"claim {cid} is recorded twice on {page}")
                out[cid] = dict(rec)
    return out


def _evidence(rec: Mapping[str, Any]) -> str:
    return "; ".join(f"{k} = {_fmt(v)}" for k, v in rec["evidence"].items())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _link(page: str, cid: str, depth: int) -> str:
    href = "../" * depth + page + ".html#claim-" + cid.replace(".", "-")
    return f'<a href="{href}"><code>{cid}</code></a>'


def _rows(records: Mapping[str, Mapping[str, Any]], ids: Iterable[str], depth: int) -> list[str]:
    """Table rows: the claim (linked to its check) with statement and source, verdict, evidence."""
    reg = all_claims()
    rows = ["| claim (links to its check) | verdict | evidence |", "|---|---|---|"]
    for cid in ids:
        c = reg[cid]
        rec = records.get(cid)
        if rec is None:
            verdict, ev = "not run in this build", ""
        else:
            verdict = rec["verdict"] + (f" ({rec['correction']})" if rec.get("correction") else "")
            ev = _evidence(rec)
        rows.append(
            f"| {_link(c.page, cid, depth)}: {_cell(c.statement)} *{_cell(c.source)}; "
            f"{c.provenance}* | **{_cell(verdict)}** | {_cell(ev)} |"
        )
    return rows


def render_chapter(chapter: str, records: Mapping[str, Mapping[str, Any]], scale: str) -> str:
    """Markdown table of one chapter's claims, for inclusion in the chapter's index page."""
    if chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {list(CHAPTERS)}, got {chapter!r}")
    ids = [cid for cid, c in all_claims().items() if c.chapter == chapter]
    if not ids:
        return "No claims of this chapter are registered yet.\n"
    head = f"Verdicts at **{scale}** scale, generated from this build's executed pages.\n\n"
    return head + "\n".join(_rows(records, ids, depth=2)) + "\n"


def render_ledger(records: Mapping[str, Mapping[str, Any]], scale: str) -> str:
    """The "Claims ledger" page: every registered claim by chapter, with the tally."""
    reg = all_claims()
    tally = {v: 0 for v in VERDICTS}
    for rec in records.values():
        tally[rec["verdict"]] += 1
    lines = [
        "# Claims ledger",
        "",
        "Every claim of the thesis and its papers that this book examines, with the verdict its "
        f"check recorded when this book was built (**{scale}** scale). This page is generated "
        "from the executed pages and never edited by hand. *Source* gives the paper and its "
        "numbering, and whether the statement was found in the paper's text, is recalled (not "
        "checked against it), or is the book's own.",
        "",
        f"**{len(reg)} claims**: "
        + "; ".join(f"{n} {v}" for v, n in tally.items())
        + f"; {len(reg) - len(records)} not run in this build.",
        "",
    ]
    for chapter in CHAPTERS:
        ids = [cid for cid, c in reg.items() if c.chapter == chapter]
        if ids:
            lines += [f"## {CHAPTER_TITLES[chapter]}", "", *_rows(records, ids, depth=0), ""]
    return "\n".join(lines)


def render_not_reproduced(records: Mapping[str, Mapping[str, Any]], scale: str) -> str:
    """Bullets of the claims whose verdict is not *reproduced* (nor *illustrated only*)."""
    reg = all_claims()
    keep = (NOT_AS_STATED, CORRECTED, INCONCLUSIVE)
    lines = []
    for verdict in keep:
        for cid, rec in records.items():
            if rec["verdict"] != verdict:
                continue
            c = reg[cid]
            extra = f" Correction: {rec['correction']}" if rec.get("correction") else ""
            lines.append(
                f"* **{verdict}**: {c.statement} ({c.source}).{extra} "
                f"({_link(c.page, cid, 0)}; see the [claims ledger](claims_ledger.md))"
            )
    if not lines:
        return f"At **{scale}** scale every recorded claim reproduced.\n"
    return f"At **{scale}** scale (generated from the ledger):\n\n" + "\n".join(lines) + "\n"


def compare(records: Mapping[str, Mapping[str, Any]], expected: Mapping[str, str]) -> list[str]:
    """Differences between recorded verdicts and a committed ``{claim id: verdict}`` ledger.

    Returns one readable line per difference (empty when they agree): a verdict that changed,
    a claim recorded but not expected, or expected but not recorded.
    """
    diffs = []
    for cid in sorted(set(records) | set(expected)):
        got = records.get(cid, {}).get("verdict")
        want = expected.get(cid)
        if got == want:
            continue
        if want is None:
            diffs.append(f"{cid}: recorded '{got}' but missing from the expected ledger")
        elif got is None:
            diffs.append(f"{cid}: expected '{want}' but not recorded in this build")
        else:
            diffs.append(f"{cid}: verdict changed from '{want}' (expected) to '{got}' (this build)")
    return diffs
