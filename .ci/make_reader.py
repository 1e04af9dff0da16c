"""Reader notebooks: the book's pages as notebooks that read right outside the book.

The source notebooks stay what the book is built from. For every notebook page of ``_toc.yml``
this writes ``_build/reader/<docname>.ipynb``, taken from the executed copy
(from the book's jupyter-cache, outputs included) when the book was built, else from the source:

* first cell: installs ``dlmath`` at the release tag on Colab (with the ``data`` extra when the
  page uses the data sets); the page's own Colab cell (no tag) is dropped;
* MyST directives and roles as plain Markdown and LaTeX (:mod:`myst_md`), glued numbers filled
  in, the cited works listed at the end;
* exercises as bold headings, solutions (proof and code) in collapsible ``<details>`` blocks;
* no Otter markers: raw cells, test cells and ``# SOLUTION`` comments are gone.

It then copies each reader notebook over ``_build/html/_sources/<docname>.ipynb``, the file
the page's download button serves, and ``binder/`` into ``_build/reader/`` (the tree that the
publishing workflow pushes to the ``notebooks`` branch that the Colab and Binder buttons open).

With ``--students assignments`` it copies the student notebooks of ``make assignments`` into
``_build/reader/assignments/`` instead (the publishing workflow does, so that the teaching
page's Colab links work).

Usage: ``python .ci/make_reader.py [--build _build] [pages...]`` (pages as docnames or paths).
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import shutil
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent))
import release  # noqa: E402
from execute import toc_notebooks  # noqa: E402
from myst_md import Book  # noqa: E402
from nbcache import cached_notebook  # noqa: E402
from stubs import marked_lines  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _src(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def glued(nb) -> dict:
    """Values glued in the executed notebook (myst-nb / ``dm.claims.glue``), by name."""
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            meta = o.get("metadata", {}).get("scrapbook", {})
            if "name" in meta:
                text = o.get("data", {}).get(meta.get("mime_prefix", "") + "text/plain", "")
                try:
                    out[meta["name"]] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    out[meta["name"]] = text.strip("'\"")
    return out


def _solution_block(code: list[str]) -> str:
    body = "\n\n".join("\n".join(marked_lines(c)[0]).strip("\n") for c in code if c.strip())
    return (f"<details>\n<summary>Solution</summary>\n\n```python\n{body}\n```\n\n</details>"
            if body else "")


def convert(nb, book: Book, *, docdir: Path):
    """The reader version of notebook ``nb`` (a new notebook; see the module docstring)."""
    nb = copy.deepcopy(nb)
    glue = glued(nb)
    text = "\n".join(_src(c) for c in nb.cells)
    cells = [nbformat.v4.new_code_cell(release.colab_install_cell(data=release.needs_data(text)))]
    in_tests, solution = False, None
    for cell in nb.cells:
        s = _src(cell)
        if cell["cell_type"] == "raw":
            in_tests = (in_tests or s.lstrip().startswith("# BEGIN TESTS")) \
                and not s.lstrip().startswith("# END TESTS")
            continue
        if in_tests or (cell["cell_type"] == "code" and "google.colab" in s):
            continue
        if cell["cell_type"] == "markdown":
            if "{solution-start}" in s:
                solution = []
                continue
            if "{solution-end}" in s:
                block = _solution_block(solution or [])
                if block:
                    cells.append(nbformat.v4.new_markdown_cell(block))
                solution = None
                continue
            if "{exercise-end}" in s:
                continue
            m = re.search(r"\{exercise-start\}[ \t]*(.*)", s)
            s = f"**Exercise ({book.convert(m[1].strip())}).**" if m else book.convert(
                s, docdir=docdir, glue=glue)
            if s.strip():
                cells.append(nbformat.v4.new_markdown_cell(s))
            continue
        if solution is not None:
            solution.append(s)
            continue
        cell["source"] = "\n".join(marked_lines(s)[0])
        cell.get("metadata", {}).pop("wrong_answer", None)
        cells.append(cell)
    refs = book.reference_list()
    if refs:
        cells.append(nbformat.v4.new_markdown_cell(refs))
    nb.cells = cells
    nb.metadata.pop("otter", None)
    return nb


def build(pages: list[str], build_dir: Path, book: Book | None = None) -> list[Path]:
    book = book or Book(ROOT)
    written = []
    cache = _cache(build_dir)
    for doc in pages:
        nb = _executed(cache, doc)
        if nb is None:
            executed = build_dir / "jupyter_execute" / f"{doc}.ipynb"
            nb = nbformat.read(executed if executed.exists() else ROOT / f"{doc}.ipynb", as_version=4)
        reader = convert(nb, book, docdir=(ROOT / doc).parent)
        dest = build_dir / "reader" / f"{doc}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(reader, dest)
        served = build_dir / "html" / "_sources" / f"{doc}.ipynb"
        if served.parent.exists():
            shutil.copy(dest, served)
        written.append(dest)
    if (ROOT / "binder").is_dir():
        shutil.copytree(ROOT / "binder", build_dir / "reader" / "binder", dirs_exist_ok=True)
    return written


def _cache(build_dir: Path):
    """The book's jupyter-cache (the executed notebooks, outputs included), or None."""
    cache_dir = build_dir / ".jupyter_cache"
    if not cache_dir.is_dir():
        return None
    from jupyter_cache import get_cache

    return get_cache(str(cache_dir))


def _executed(cache, doc: str):
    """Page ``doc`` with the outputs of its cached execution merged in, or None when it is not
    cached (the cache keeps code cells only, so the outputs go into the source notebook)."""
    if cache is None or cached_notebook(cache, ROOT / f"{doc}.ipynb") is None:
        return None
    source = nbformat.read(ROOT / f"{doc}.ipynb", as_version=4)
    return cache.merge_match_into_notebook(source)[1]


def copy_students(assignments: Path, build_dir: Path) -> list[Path]:
    """Copy the student notebooks of ``make assignments`` into the published tree, at
    ``assignments/<chapter>/<page>/student/<page>.ipynb`` (the teaching page links them)."""
    out = []
    for nb in sorted(assignments.glob("*/*/student/*.ipynb")):
        dest = build_dir / "reader" / "assignments" / nb.relative_to(assignments)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(nb, dest)
        out.append(dest)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", nargs="*", help="docnames or notebook paths (default: every toc notebook)")
    ap.add_argument("--build", type=Path, default=ROOT / "_build")
    ap.add_argument("--students", type=Path, metavar="ASSIGNMENTS",
                    help="only copy the student notebooks of this assignments folder")
    args = ap.parse_args()
    if args.students:
        n = len(copy_students(args.students, args.build))
        print(f"make_reader: {n} student notebooks in {args.build / 'reader' / 'assignments'}")
        return 0 if n else 1
    pages = [str(Path(p).with_suffix("")) for p in args.pages] or [
        str(Path(p).relative_to(ROOT).with_suffix("")) if Path(p).is_absolute() else
        str(Path(p).with_suffix("")) for p in toc_notebooks(ROOT / "_toc.yml")]
    out = build(pages, args.build)
    print(f"make_reader: {len(out)} reader notebooks in {args.build / 'reader'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
