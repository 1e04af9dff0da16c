"""Generate the claims-ledger pages from the executed notebooks, and diff the verdicts.

Run after ``.ci/execute.py`` (the Makefile's ``build`` target does): it reads every toc
notebook's executed copy from jupyter-cache, collects the claim records that the check cells
displayed (``dlmath.claims.MIME`` outputs) and writes

* ``claims_ledger.md``: the book's "Claims ledger" page;
* ``_claims/<chapter>.md``: each chapter's table, included by the chapter's index page;
* ``_claims/not_reproduced.md``: the front page's "What did not reproduce" list.

These files are build outputs (git-ignored), never edited by hand. At ``default`` scale the
verdicts are compared with the committed ``claims/default.json``; a changed, missing or
unexpected verdict fails with one line per claim, naming both verdicts. At other scales the
ledger is written and shown, never compared. ``--update`` rewrites the expected file (a
deliberate, reviewed change: commit it with the prose it changes). ``--placeholder`` writes
the pages without reading any cache (for a build that executes nothing).

Usage: DLMATH_SCALE=default python .ci/claims_ledger.py [--update | --placeholder]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import yaml
from execute import ROOT, _cached, toc_notebooks

from dlmath import claims as cl
from dlmath.claims._core import CHAPTERS

EXPECTED = ROOT / "claims" / "default.json"


def executed_notebooks() -> dict:
    """Docname -> executed notebook, for every toc notebook found in the jupyter-cache."""
    from jupyter_cache import get_cache

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    cache = get_cache(str(ROOT / config["execute"].get("cache", "_build/.jupyter_cache")))
    found = {}
    for path in toc_notebooks(ROOT / "_toc.yml"):
        record = _cached(cache, path)
        if record is None:
            rel = path.relative_to(ROOT)
            raise SystemExit(f"claims: {rel} is not in the cache; run .ci/execute.py first")
        found[str(path.relative_to(ROOT).with_suffix(""))] = cache.get_cache_bundle(record.pk).nb
    return found


def write_pages(records: dict, scale: str) -> None:
    (ROOT / "claims_ledger.md").write_text(cl.render_ledger(records, scale))
    out = ROOT / "_claims"
    out.mkdir(exist_ok=True)
    for chapter in CHAPTERS:
        (out / f"{chapter}.md").write_text(cl.render_chapter(chapter, records, scale))
    (out / "not_reproduced.md").write_text(cl.render_not_reproduced(records, scale))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--update", action="store_true", help=f"rewrite {EXPECTED.relative_to(ROOT)}")
    group.add_argument("--placeholder", action="store_true", help="write pages without reading the cache")
    args = ap.parse_args()
    scale = os.environ.get("DLMATH_SCALE", "default").strip().lower() or "default"
    records = {} if args.placeholder else cl.collect(executed_notebooks())
    write_pages(records, scale)
    tally = {v: sum(r["verdict"] == v for r in records.values()) for v in cl.VERDICTS}
    print(f"claims: {len(records)} of {len(cl.all_claims())} registered claims recorded at {scale} scale: "
          + ", ".join(f"{n} {v}" for v, n in tally.items() if n))
    if args.placeholder or scale != "default":
        return 0
    verdicts = {cid: rec["verdict"] for cid, rec in sorted(records.items())}
    if args.update:
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_text(json.dumps(verdicts, indent=1, ensure_ascii=False) + "\n")
        print(f"claims: wrote {EXPECTED.relative_to(ROOT)}")
        return 0
    expected = json.loads(EXPECTED.read_text()) if EXPECTED.exists() else {}
    diffs = cl.compare(records, expected)
    if diffs:
        print(f"claims: the verdicts differ from {EXPECTED.relative_to(ROOT)}:", file=sys.stderr)
        for line in diffs:
            print(f"  {line}", file=sys.stderr)
        print("If the change is intended, run `make ledger-update`, then review and commit "
              f"{EXPECTED.relative_to(ROOT)} together with the prose it changes.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
