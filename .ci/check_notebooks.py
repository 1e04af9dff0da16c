"""Check that every chapter notebook follows the book's conventions (CONTRIBUTING.md).

* committed without outputs or execution counts, kernelspec ``python3``;
* listed in ``_toc.yml`` (no orphan notebooks);
* a ``# Title`` without a number, a Colab cell tagged ``remove-cell`` that installs dlmath from
  ``repository.url`` of ``_config.yml``, ``import dlmath``, at least one check cell (``assert``),
  and ``## Summary`` and ``## Exercises`` sections;
* no visible ``NBVAL_*`` comments (tags are used instead);
* code lines of at most ``MAX_CODE_LINE`` characters in the cells shown on the page (longer
  ones need a scrollbar there);
* chapter ``index.md`` pages use ``{rubric}`` instead of ``##`` headings (a numbered toc would
  number those headings and push the chapter's notebooks to 2.3, 2.4, ...).
Exit status 1 with one line per problem.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml
from toc import ROOT, toc_notebooks

MAX_CODE_LINE = 88


def problems_of(path: Path, repo_url: str) -> list[str]:
    try:
        nb = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        return [f"not valid JSON ({exc})"]
    out = []
    ks = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if ks != "python3":
        out.append(f"kernelspec name is {ks!r}, expected 'python3'")
    cells = nb.get("cells", [])
    src = ["".join(c.get("source", "")) for c in cells]
    code = [s for c, s in zip(cells, src, strict=True) if c["cell_type"] == "code"]
    md = [s for c, s in zip(cells, src, strict=True) if c["cell_type"] == "markdown"]
    for c in cells:
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count")):
            out.append("has outputs or execution counts (commit notebooks stripped)")
            break
    titles = [s for s in md if s.lstrip().startswith("# ")]
    if not titles:
        out.append("no '# Title' markdown cell")
    elif re.match(r"#\s+\d", titles[0].lstrip()):
        out.append("title starts with a number (the toc numbers pages)")
    colab = [
        (c, s) for c, s in zip(cells, src, strict=True) if c["cell_type"] == "code" and "google.colab" in s
    ]
    if not colab:
        out.append("no Colab setup cell")
    else:
        c, s = colab[0]
        if "remove-cell" not in c.get("metadata", {}).get("tags", []):
            out.append("Colab cell is not tagged remove-cell")
        if repo_url not in s:
            out.append(f"Colab cell does not install from repository.url ({repo_url})")
    if not any(re.search(r"^\s*(import dlmath|from dlmath)", s, re.M) for s in code):
        out.append("does not import dlmath")
    if not any(re.search(r"^\s*assert\b", s, re.M) for s in code):
        out.append("has no check cell (assert)")
    if not any(re.search(r"^## Summary\s*$", s, re.M) for s in md):
        out.append("no '## Summary' section")
    if not any(re.search(r"^## Exercises\s*$", s, re.M) for s in md):
        out.append("no '## Exercises' section")
    if any("NBVAL_" in s for s in code):
        out.append("uses NBVAL_* comments (use cell tags)")
    hidden = {"remove-cell", "remove-input"}  # not on the page (e.g. Otter test cells)
    cells_code = [(i, s) for i, (c, s) in enumerate(zip(cells, src, strict=True))
                  if c["cell_type"] == "code"
                  and not hidden & set(c.get("metadata", {}).get("tags", []))]
    for i, s in cells_code:
        for line in s.splitlines():
            if len(line) > MAX_CODE_LINE:
                out.append(f"cell {i}: a code line of {len(line)} characters "
                           f"(at most {MAX_CODE_LINE}): {line.strip()[:40]!r}")
    return out


def main() -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo_url = config["repository"]["url"]
    in_toc = set(toc_notebooks(ROOT / "_toc.yml"))
    status = 0
    notebooks = sorted(
        p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    for p in notebooks:
        issues = problems_of(p, repo_url)
        if p not in in_toc:
            issues.append("not listed in _toc.yml")
        for msg in issues:
            print(f"{p.relative_to(ROOT)}: {msg}")
            status = 1
    for index in sorted((ROOT / "chapters").glob("*/index.md")):
        if re.search(r"^#{2,6}\s", index.read_text(), re.M):
            print(f"{index.relative_to(ROOT)}: uses a ## heading (use a {{rubric}} on index pages)")
            status = 1
    print(f"check_notebooks: {len(notebooks)} notebooks, {'ok' if status == 0 else 'problems found'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
