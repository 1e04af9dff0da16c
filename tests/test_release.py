"""The release and what outside readers get: version, citation, licences, Binder, workflow,
reader notebooks, answer stubs (fast: no notebook is executed here)."""

from __future__ import annotations

import json
import re
import stat
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))
import release  # noqa: E402
from make_reader import convert  # noqa: E402
from myst_md import Book, has_raw_myst  # noqa: E402
from stubs import stub  # noqa: E402

import dlmath  # noqa: E402


def test_one_version_everywhere():
    v = release.version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", v)
    assert dlmath.__version__ == v
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(cff["version"]) == v
    assert re.search(rf"^## {re.escape(v)}\b", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert dlmath.__repository__ == release.repo_url() == cff["repository-code"]


def test_citation_cff_is_valid():
    import jsonschema

    schema = json.loads((ROOT / ".ci" / "cff-schema-1.2.0.json").read_text())
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    cff["date-released"] = str(cff["date-released"])  # YAML reads dates; the schema wants text
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(cff)
    broken = dict(cff, authors=[])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_licences():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    content = (ROOT / "LICENSE-CONTENT.md").read_text()
    assert "CC BY 4.0" in content and "creativecommons.org/licenses/by/4.0" in content
    readme = (ROOT / "README.md").read_text()
    assert "LICENSE-CONTENT.md" in readme and "CC BY 4.0" in readme


def test_workflow_builds_with_make_book():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert "v*" in triggers["push"]["tags"]
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    runs = [s.get("run", "").strip() for s in steps]
    assert ".ci/run" in runs, "the workflow must run the tests (.ci/run)"
    assert runs.count("make book") == 1, "the build step must be exactly `make book`"
    assert re.search(r"^book:", (ROOT / "Makefile").read_text(), re.M)
    uses = " ".join(s.get("uses", "") for s in steps)
    assert "upload-pages-artifact" in uses and "deploy-pages" in uses
    publish = wf["jobs"]["publish"]
    assert "refs/tags/v" in publish["if"]
    assert any("_build/reader" in str(s.get("with", {})) for s in steps)


def test_binder_installs_cpu_torch_and_dlmath():
    req = (ROOT / "binder" / "requirements.txt").read_text()
    assert release.TORCH_INDEX in req
    pins = dict(re.findall(r"^([\w.-]+)==(\S+)", (ROOT / "requirements.txt").read_text(), re.M))
    assert f"torch=={pins['torch']}" in req
    post = ROOT / "binder" / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable"
    text = post.read_text()
    assert "pip install" in text and release.pip_spec(data=True) in text


def test_myst_to_markdown():
    book = Book(ROOT)
    key = next(iter(book.bib))
    src = ("```{prf:theorem} Big\n:label: thm-x\n\nAll $x\\in\\R$.\n```\n\n"
           "```{prf:proof}\nTrivial.\n```\n\n"
           "````{exercise} Try\n:label: ex-x\n\nDo it.\n````\n\n"
           "````{solution} ex-x\n:class: dropdown\n\nDone.\n````\n\n"
           f"See {{prf:ref}}`thm-x` and {{cite}}`{key}`; {{func}}`~dlmath.relu_nets.ReLUNet`.")
    out = book.convert(src)
    assert has_raw_myst(out) == []
    assert "**Theorem (Big).**" in out and "\\mathbb{R}" in out and "*Proof.* Trivial." in out
    assert "<details>" in out and "Done." in out and "**Exercise (Try).**" in out
    assert f"({book.bib[key]['who']}, {book.bib[key]['year']})" in out and "`ReLUNet`" in out
    assert has_raw_myst(src), "the check must see raw markup where there is some"


def test_reader_notebook_reads_as_plain_notebook():
    page = ROOT / "chapters" / "03_relu_gate" / "01_tron_relu_gate.ipynb"
    src = nbformat.read(page, as_version=4)
    nb = convert(src, Book(ROOT), docdir=page.parent)
    md = [c.source for c in nb.cells if c.cell_type == "markdown"]
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    raw = [r for s in md for r in has_raw_myst(s)]
    assert raw == [], f"raw MyST in the reader notebook: {raw[:5]}"
    assert not any(c.cell_type == "raw" for c in nb.cells)
    text = "\n".join(md + code)
    for marker in ("# SOLUTION", "BEGIN QUESTION", "# HIDDEN", "ASSIGNMENT CONFIG", "grader."):
        assert marker not in text
    assert release.pip_spec(data=release.needs_data(text)) in code[0] and release.tag() in code[0]
    n_src_code = sum(c.cell_type == "code" and "google.colab" not in c.source for c in src.cells)
    assert len(code) >= n_src_code - 20 and len(code) > 5, "code cells must survive"
    assert sum("<details>" in s for s in md) >= 3 and md[-1].startswith("## References")


@pytest.mark.parametrize("source, must_have", [
    ("def f(x):  # SOLUTION\n    y = x + 1  # SOLUTION\n    return y  # SOLUTION\n", "def f(x):"),
    ("a, b = 1, 2  # SOLUTION\nprint(a, b)\n", "a, b = ..., ..."),
    ("data = [1, 2]\ntotal = 0  # SOLUTION\nfor v in data:  # SOLUTION\n    total += v  # SOLUTION\n",
     "data = [1, 2]"),
    ("import math  # SOLUTION\n\n\ndef g(n):\n    return math.comb(n, 2)  # SOLUTION\n", "def g(n):"),
    ("a = 1  # SOLUTION\n\n\ndef f(x):  # SOLUTION\n    return x + 1  # SOLUTION\n", "def f(x):\n    ..."),
])
def test_stubs_run(source: str, must_have: str):
    out = stub(source, statement="Define `f`, `a`, `b`, `total` and `g`.")
    assert must_have in out and "SOLUTION" not in out
    assert "+ 1" not in out and "comb" not in out and "+= v" not in out
    exec(compile(out, "<stub>", "exec"), {"print": lambda *a: None})  # runs without error


def test_stub_of_unasked_helper_hides_its_signature():
    out = stub("def helper(z):  # SOLUTION\n    return 2 * z  # SOLUTION\nans = helper(3)  # SOLUTION\n",
               statement="Store the answer in `ans`.")
    assert "helper" not in out and "ans = ..." in out


def test_execution_statistics_and_teaching_pages_in_toc():
    toc = (ROOT / "_toc.yml").read_text()
    assert "execution_statistics" in toc and "teaching" in toc
    assert "{nb-exec-table}" in (ROOT / "execution_statistics.md").read_text()


def test_teaching_page_installs_the_release():
    text = (ROOT / "teaching.md").read_text()
    assert release.pip_spec(data=True) in text and "{teaching-table}" in text
    assert (ROOT / ".ci" / "assignments_README.md").read_text().startswith("# Assignments")
