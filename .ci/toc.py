"""The book's table of contents as data: the files and notebooks that ``_toc.yml`` names.

Shared by the ``.ci`` scripts (execute, claims_ledger, check_notebooks, check_determinism,
chapter_toc). Each runs as ``python .ci/<script>.py``, which puts this folder first on
``sys.path``, so ``from toc import ...`` needs no path set-up.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_files(toc: dict) -> list[str]:
    """Every ``file:`` entry of a parsed ``_toc.yml`` (root, parts, chapters, sections), in order."""
    found: list[str] = []

    def visit(entry: dict) -> None:
        if "file" in entry:
            found.append(entry["file"])
        for key in ("parts", "chapters", "sections"):
            for child in entry.get(key, []) or []:
                visit(child)

    visit(toc)
    return found


def toc_notebooks(toc_path: Path) -> list[Path]:
    """All ``.ipynb`` files that the toc at ``toc_path`` names (relative to its folder, the
    book's root), in toc order."""
    root = Path(toc_path).parent
    paths = (root / (f + ".ipynb") for f in toc_files(yaml.safe_load(Path(toc_path).read_text())))
    return [p for p in paths if p.exists()]
