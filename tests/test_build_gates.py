"""The book build and the math check fail on the errors they exist to catch.

Each test builds a one-page book in a temporary folder with the repository's own _config.yml
(execution, -W -n) and _extra/mathjax, then breaks it in one way: a cell that raises, a broken
cross-reference, and math that MathJax cannot typeset.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
JB = Path(sys.executable).parent / "jupyter-book"


def make_book(tmp: Path, code: str, markdown: str) -> Path:
    book = tmp / "book"
    book.mkdir()
    cfg = (ROOT / "_config.yml").read_text().replace("execute_notebooks: cache", "execute_notebooks: force")
    (book / "_config.yml").write_text(cfg)
    (book / "references.bib").write_text((ROOT / "references.bib").read_text())
    shutil.copytree(ROOT / "_extra", book / "_extra")
    shutil.copytree(ROOT / "_ext", book / "_ext")  # the config's local Sphinx extensions
    shutil.copytree(ROOT / "_static", book / "_static")  # the config's html_static_path
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (book / "intro.md").write_text("# Intro\n\nA one-page book.\n")
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell(code)]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, book / "page.ipynb")
    return book


def build(book: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(JB), "build", "-W", "-n", "--keep-going", "."], cwd=book, capture_output=True, text=True
    )


GOOD_MD = "# Page\n\nInline $x^2$ and\n\n$$\n\\R \\ni \\relu(t)\n$$\n"


def test_clean_page_builds_and_renders(tmp_path):
    book = make_book(tmp_path, "print(1 + 1)", GOOD_MD)
    res = build(book)
    assert res.returncode == 0, res.stdout[-3000:]
    html = (book / "_build/html/page.html").read_text()
    assert "../mathjax/tex-mml-chtml.js" in html and "cdn.jsdelivr" not in html
    if shutil.which("chromium"):
        chk = subprocess.run([str(ROOT / ".ci/check_math.sh"), "_build/html"], cwd=book,
                             capture_output=True, text=True)
        assert chk.returncode == 0, chk.stdout


def test_raising_cell_fails_the_build(tmp_path):
    res = build(make_book(tmp_path, "1 / 0", GOOD_MD))
    assert res.returncode != 0
    assert "ZeroDivisionError" in res.stdout + res.stderr


def test_broken_reference_fails_the_build(tmp_path):
    res = build(make_book(tmp_path, "x = 1", GOOD_MD + "\nSee {ref}`no-such-label`.\n"))
    assert res.returncode != 0
    assert "no-such-label" in res.stdout + res.stderr


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (apt-get install chromium)")
@pytest.mark.parametrize("bad", [r"$\frac{1}$", r"$\undefinedmacro{x}$"])
def test_math_that_fails_to_render_fails_the_check(tmp_path, bad):
    book = make_book(tmp_path, "x = 1", GOOD_MD + f"\nBroken: {bad}\n")
    assert build(book).returncode == 0
    chk = subprocess.run([str(ROOT / ".ci/check_math.sh"), "_build/html"], cwd=book,
                         capture_output=True, text=True)
    assert chk.returncode != 0, chk.stdout
