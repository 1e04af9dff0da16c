"""The claims ledger and the book's pages agree, read statically from the sources.

* every claim id recorded on a page is registered, and registered to that page;
* every registered claim is recorded on its page (so the ledger can never silently lose one);
* chapter index pages and the front page state no verdict in words: they include the
  generated tables instead (a line that names a verdict must cite a claim id; a verdict's
  name used as a term is set in italics).
"""

import json
import re
from pathlib import Path

import pytest

from dlmath import claims as cl

ROOT = Path(__file__).resolve().parent.parent
RECORD = re.compile(r"""\bcl\.record\(\s*["']([^"']+)["']""")
VERDICT_WORDS = re.compile(
    r"\b(reproduc\w*(?!\?)|does not hold|did not hold|do not hold|holds with a correction|"
    r"inconclusive|fails to hold)\b",
    re.IGNORECASE,
)
CLAIM_ID = re.compile(r"`(ch[1-6]|appA)\.[a-z0-9-]+`")
# A verdict's name used as a term is set in italics (*reproduced*); that is not a verdict.
TERM = re.compile(r"(?<!\*)\*(?!\*)[^*]+(?<!\*)\*(?!\*)")


def _notebook_sources() -> dict[str, str]:
    out = {}
    for path in sorted((ROOT / "chapters").rglob("*.ipynb")):
        if any(part.startswith((".", "_")) for part in path.relative_to(ROOT).parts):
            continue
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        out[str(path.relative_to(ROOT).with_suffix(""))] = code
    return out


SOURCES = _notebook_sources()


def test_recorded_ids_are_registered_to_their_page():
    reg = cl.all_claims()
    for page, code in SOURCES.items():
        for cid in RECORD.findall(code):
            assert cid in reg, f"{page} records {cid}, which is not registered"
            assert reg[cid].page == page, f"{cid} is recorded on {page} but registered to {reg[cid].page}"


@pytest.mark.parametrize("cid", sorted(cl.all_claims()))
def test_registered_claim_is_recorded_on_its_page(cid):
    claim = cl.all_claims()[cid]
    assert claim.page in SOURCES, f"{cid}: page {claim.page} is not a notebook"
    assert cid in RECORD.findall(SOURCES[claim.page]), f"{cid} is never recorded on {claim.page}"


def _prose_lines(path: Path):
    fence = False
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("```"):
            fence = not fence
            continue
        if fence or line.startswith("#"):
            continue
        yield n, line


PAGES = [ROOT / "intro.md", *sorted((ROOT / "chapters").glob("*/index.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_overview_pages_state_no_verdicts_in_words(page):
    bad = [
        f"{page.relative_to(ROOT)}:{n}: {line.strip()}"
        for n, line in _prose_lines(page)
        if VERDICT_WORDS.search(TERM.sub("", line)) and not CLAIM_ID.search(line)
    ]
    assert not bad, "verdicts belong to the ledger (include _claims/<chapter>.md):\n" + "\n".join(bad)
