"""Tests of the book's own tooling in .ci/ (execution cache, notebook conventions, previews)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / ".ci" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / ".ci"))
    spec.loader.exec_module(mod)
    return mod


execute = load("execute")
check_notebooks = load("check_notebooks")
toc = load("toc")


def test_toc_notebooks_lists_only_existing_notebooks_in_order():
    nbs = execute.toc_notebooks(ROOT / "_toc.yml")
    assert all(p.suffix == ".ipynb" and p.exists() for p in nbs)
    toc_text = (ROOT / "_toc.yml").read_text()
    positions = [toc_text.index(str(p.relative_to(ROOT))[: -len(".ipynb")]) for p in nbs]
    assert positions == sorted(positions)


def test_toc_notebooks_are_found_beside_the_toc(tmp_path):
    (tmp_path / "ch").mkdir()
    (tmp_path / "ch" / "a.ipynb").write_text("{}")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: ch/a\n    sections:\n"
        "      - file: ch/missing\n"
    )
    assert toc.toc_notebooks(tmp_path / "_toc.yml") == [tmp_path / "ch" / "a.ipynb"]
    assert toc.toc_files(yaml.safe_load((tmp_path / "_toc.yml").read_text())) == ["ch/a", "ch/missing"]


def test_fingerprint_tracks_scale(monkeypatch):
    monkeypatch.setenv("DLMATH_SCALE", "smoke")
    a = execute.fingerprint()
    monkeypatch.setenv("DLMATH_SCALE", "default")
    b = execute.fingerprint()
    assert a != b and len(a) == 64
    assert execute.fingerprint() == b


def test_fingerprint_tracks_dlmath_sources(monkeypatch, tmp_path):
    fake = tmp_path / "repo"
    (fake / "dlmath").mkdir(parents=True)
    (fake / "dlmath" / "m.py").write_text("x = 1\n")
    (fake / "requirements.txt").write_text("numpy==2\n")
    monkeypatch.setattr(execute, "ROOT", fake)
    a = execute.fingerprint()
    (fake / "dlmath" / "m.py").write_text("x = 2\n")
    assert execute.fingerprint() != a


def _good_notebook(url: str) -> nbformat.NotebookNode:
    v = nbformat.v4
    colab = v.new_code_cell(
        f'import sys\nif "google.colab" in sys.modules:\n    %pip install -q "dlmath @ git+{url}"'
    )
    colab.metadata["tags"] = ["remove-cell"]
    nb = v.new_notebook(
        cells=[
            v.new_markdown_cell("# A title\n\nText."),
            colab,
            v.new_code_cell("import dlmath as dm\nassert 1 + 1 == 2"),
            v.new_markdown_cell("## Summary\n\n- done\n\n## Exercises\n\nNone."),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture
def url():
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def test_check_notebooks_accepts_a_conforming_notebook(tmp_path, url):
    p = tmp_path / "ok.ipynb"
    nbformat.write(_good_notebook(url), p)
    assert check_notebooks.problems_of(p, url) == []


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda nb: nb.cells[2].outputs.append(nbformat.v4.new_output("stream", text="x")), "outputs"),
        (lambda nb: nb.metadata["kernelspec"].update(name="py3"), "kernelspec"),
        (lambda nb: nb.cells[0].update(source="# 1.2 Title"), "starts with a number"),
        (lambda nb: nb.cells[1].metadata.update(tags=[]), "remove-cell"),
        (lambda nb: nb.cells[2].update(source="import dlmath as dm\nx = 1"), "no check cell"),
        (lambda nb: nb.cells[3].update(source="## Exercises"), "Summary"),
        (lambda nb: nb.cells[2].update(source="import numpy\nassert True"), "does not import dlmath"),
        (lambda nb: nb.cells[1].update(source=nb.cells[1].source.replace("github.com", "gitlab.com")),
         "repository.url"),
    ],
)
def test_check_notebooks_flags_each_violation(tmp_path, url, mutate, message):
    nb = _good_notebook(url)
    mutate(nb)
    p = tmp_path / "bad.ipynb"
    nbformat.write(nb, p)
    problems = check_notebooks.problems_of(p, url)
    assert any(message in msg for msg in problems), problems


def test_chapter_toc_executes_only_one_chapter():
    out = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "chapter_toc.py"), "01_introduction"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.strip()
    toc = yaml.safe_load((Path(out) / "_toc.yml").read_text())
    cfg = yaml.safe_load((Path(out) / "_config.yml").read_text())
    assert toc == yaml.safe_load((ROOT / "_toc.yml").read_text())  # links to every page resolve
    assert cfg["execute"]["execute_notebooks"] == "force"
    excluded = cfg["execute"]["exclude_patterns"]
    assert "chapters/02_relu_nets/*" in excluded
    assert not any("01_introduction" in e for e in excluded)
    bad = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "chapter_toc.py"), "99_nope"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert bad.returncode != 0 and "no chapter folder" in bad.stderr


def test_committed_notebooks_have_no_outputs():
    for p in (ROOT / "chapters").rglob("*.ipynb"):
        if ".ipynb_checkpoints" in p.parts:
            continue
        nb = json.loads(p.read_text())
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), p


def test_pytest_does_not_collect_build_venv_or_assignments(tmp_path):
    """Copies of tests under _build/, .venv/ or assignments/ must never be collected."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    body = "def test_x():\n    assert True\n"
    for d in ("tests", "_build/html/_sources", ".venv/lib", "assignments/ch/student", "x/student"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "test_copy.py").write_text(body)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "."],
        capture_output=True, text=True, cwd=tmp_path,
    ).stdout
    collected = [line for line in out.splitlines() if "::" in line]
    assert collected == ["tests/test_copy.py::test_x"], out


def test_execute_fails_on_a_raising_notebook_and_recovers_when_restored(tmp_path, monkeypatch):
    """A good version is cached; an edit that raises fails the run; restoring the good version
    passes again (stale tracebacks from the failed run must not linger)."""
    root = tmp_path / "book"
    (root / "dlmath").mkdir(parents=True)
    (root / "dlmath" / "m.py").write_text("x = 1\n")
    (root / "requirements.txt").write_text("numpy\n")
    (root / "_config.yml").write_text("execute:\n  cache: _build/.jupyter_cache\n  timeout: 60\n")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: nb\n")
    (root / "_build").mkdir()
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(21 * 2)")])
    good.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")], metadata=good.metadata)
    monkeypatch.setattr(execute, "ROOT", root)
    monkeypatch.setattr(sys, "argv", ["execute.py"])
    nb_path = root / "nb.ipynb"
    codes = []
    for nb in (good, bad, good):
        nbformat.write(nb, nb_path)
        codes.append(execute.main())
    assert codes == [0, 1, 0]
