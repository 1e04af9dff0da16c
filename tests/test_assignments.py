"""Every master notebook yields an assignment an instructor can hand out (issue: teaching).

For each master (any chapter's notebook whose first cell is ``# ASSIGNMENT CONFIG``):

* the student notebook holds no solution of any kind: no marker, no solution line, no proof
  solution, no hidden test, no raw MyST markup; it shows each question's name, title and points,
  starts with a setup cell that installs dlmath at the release tag, and ends with an export cell;
* public tests check types and shapes only (no value comparisons);
* graded with Otter (``otter.api.grade_submission``, the path of ``otter run``): the autograder
  notebook (solutions in) earns full marks; the untouched student notebook runs top to bottom
  without an error (debug mode raises on any) and earns nothing on any question; the student
  notebook with each question's plausible wrong answer (``wrong_answer`` in the solution cell's
  metadata) loses points on every question.

Marked ``assignments``: excluded from the plain unit run, run by ``make assignments-test``
(part of ``make test``) with one thread per kernel at the grading scale ``smoke``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))
import release  # noqa: E402
from make_assignments import WRONG_KEY, _src, assign, find_masters, questions  # noqa: E402
from myst_md import _fences, _split_options, has_raw_myst  # noqa: E402
from stubs import marked_lines, solution_text, stub  # noqa: E402

pytestmark = pytest.mark.assignments
MASTERS = find_masters()
MARKERS = ("# SOLUTION", "BEGIN SOLUTION", "END SOLUTION", "# HIDDEN", "BEGIN QUESTION",
           "BEGIN TESTS", "ASSIGNMENT CONFIG", "{solution", "{exercise-")
VALUE_TEST = re.compile(r"allclose|isclose|array_equal|\babs\(|==\s*-?[\d.]|\bnorm\(")


@pytest.fixture(autouse=True)
def grading_env(monkeypatch):
    for k, v in {"DLMATH_SCALE": "smoke", "DLMATH_PROGRESS": "0", "OMP_NUM_THREADS": "1",
                 "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}.items():
        monkeypatch.setenv(k, os.environ.get(k, v))


def test_there_are_masters():
    assert MASTERS, "no master notebooks with '# ASSIGNMENT CONFIG' under chapters/"


def test_question_names_unique_book_wide():
    names = [q.name for m in MASTERS for q in questions(nbformat.read(m, as_version=4))]
    assert len(names) == len(set(names)), f"duplicate question names: {sorted(names)}"


# A kernel that cannot start: jupyter_client picks free TCP ports before the kernel binds
# them, and a parallel process may take one in between. Only these are retried, once.
_KERNEL_START = ("Kernel didn't respond", "Kernel died before replying")


def _grade(nb_path: Path, zip_path: Path, *, debug: bool = False):
    import otter.api

    cwd = os.getcwd()
    os.chdir(nb_path.parent)  # notebooks find their files relative to their own folder
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for attempt in (1, 2):
                try:
                    return otter.api.grade_submission(str(nb_path), str(zip_path), quiet=True,
                                                      debug=debug)  # fmt: skip
                except RuntimeError as err:
                    if attempt == 2 or not str(err).startswith(_KERNEL_START):
                        raise
    finally:
        os.chdir(cwd)


def _leaks(master, text: str) -> list[str]:
    """Solution text of ``master`` that occurs in ``text`` (the student notebook's JSON)."""
    nb_sources = [_src(c) for c in master.cells]
    qs = questions(master)
    sol_cells = {i for q in qs for i in q.solution_cells}
    outside = "\n".join(s for i, s in enumerate(nb_sources) if i not in sol_cells)
    found = []
    for q in qs:
        for i in q.solution_cells:
            given = {ln.strip() for ln in stub(nb_sources[i], q.statement).split("\n")}
            for line in solution_text(nb_sources[i]):
                if (len(line) >= 12 and line not in outside and line not in given
                        and json.dumps(line)[1:-1] in text):
                    found.append(line)
    for s in nb_sources:
        for a, b, m in _fences(s):
            if m["name"] in ("solution", "solution-start"):
                _, body = _split_options(s.split("\n")[a + 1:b])
                found += [ln for ln in body if len(ln.strip()) >= 25
                          and json.dumps(ln.strip())[1:-1] in text]
    for q in qs:
        public = "\n".join(q.public_tests)
        for t in q.hidden_tests:
            found += [ln for ln in t.split("\n")[1:] if len(ln) >= 12 and ln not in public
                      and json.dumps(ln)[1:-1] in text]
    return found


def _with_answers(student, master, qs, make_source) -> nbformat.NotebookNode:
    answers = [c for c in student.cells if c["cell_type"] == "code"
               and "otter_answer_cell" in c.get("metadata", {}).get("tags", [])]
    sols = [(q, i) for q in qs for i in q.solution_cells]
    assert len(answers) == len(sols)
    for cell, (q, i) in zip(answers, sols, strict=True):
        cell["source"] = make_source(q, _src(master.cells[i]))
    return student


def _wrong_source(q, solution: str) -> str:
    wrong = q.wrong
    assert wrong and wrong.get("replace"), (
        f"{q.name}: no plausible wrong answer; add to its solution cell's metadata "
        f'{{"{WRONG_KEY}": {{"why": "...", "replace": [["old", "new"]]}}}} (CONTRIBUTING.md)')
    clean, _ = marked_lines(solution)
    src = "\n".join(clean)
    for old, new in wrong["replace"]:
        assert src.count(old) == 1, f"{q.name}: wrong-answer text {old!r} not once in the solution"
        src = src.replace(old, new)
    return src


@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_assignment(master: Path, tmp_path: Path):
    dest = assign(master, tmp_path / master.stem, run_tests=False)
    ag_dir, st_dir = dest / "autograder", dest / "student"
    zips = sorted(ag_dir.glob("*.zip"))
    assert len(zips) == 1, f"expected one autograder zip in {ag_dir}, found {zips}"
    student_path = st_dir / master.name
    text = student_path.read_text()
    mnb = nbformat.read(master, as_version=4)
    qs = questions(mnb)
    student = nbformat.read(student_path, as_version=4)
    cells = student.cells

    # -- what the student sees --------------------------------------------------------------
    for marker in MARKERS:
        assert marker not in text, f"student notebook contains {marker!r}"
    leaks = _leaks(mnb, text)
    assert not leaks, f"solution text in the student notebook: {leaks[:5]}"
    raw = [r for c in cells if c["cell_type"] == "markdown" for r in has_raw_myst(_src(c))]
    assert not raw, f"raw MyST markup in the student notebook: {raw[:5]}"
    md = "\n".join(_src(c) for c in cells if c["cell_type"] == "markdown")
    for q in qs:
        assert f"Question `{q.name}`: {q.title} ({q.points:g} points)" in md, q.name
        assert sum(f'grader.check("{q.name}")' in _src(c) for c in cells) == 1, q.name
        for t in q.public_tests:
            shape_free = re.sub(r"\bndim\([^()]*\)\s*==\s*\d", "", t)
            assert not VALUE_TEST.search(shape_free), f"{q.name}: public test compares values: {t!r}"
    assert release.pip_spec(data=release.needs_data(text)) in _src(cells[0]), "setup cell first"
    assert "otter-grader" in _src(cells[0]) and "import otter" in _src(cells[1])
    assert "grader.export(" in _src([c for c in cells if c["cell_type"] == "code"][-1])
    req = (ag_dir / "requirements.txt") if (ag_dir / "requirements.txt").exists() else None
    import zipfile

    with zipfile.ZipFile(zips[0]) as z:
        env_text = z.read("environment.yml").decode() + (req.read_text() if req else "")
    assert release.pip_spec(data=release.needs_data(text)) in env_text, "autograder lacks dlmath"

    # -- grading ----------------------------------------------------------------------------
    full = _grade(ag_dir / master.name, zips[0])
    assert full.possible == pytest.approx(sum(q.points for q in qs))
    assert full.total == pytest.approx(full.possible), f"solutions score {full.total}/{full.possible}"
    empty = _grade(student_path, zips[0], debug=True)  # debug: any cell error raises
    for q in qs:
        assert empty.get_score(q.name) < q.points, f"{q.name}: the untouched stub earns full marks"
    wrong_path = st_dir / master.name  # same name: Otter finds its tests by the file name
    nbformat.write(_with_answers(student, mnb, qs, _wrong_source), wrong_path)
    wrong = _grade(wrong_path, zips[0])
    for q in qs:
        assert wrong.get_score(q.name) < q.points, (
            f"{q.name}: the wrong answer ({q.wrong['why']}) earns full marks")
