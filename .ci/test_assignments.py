"""Each master notebook yields a working assignment (shared/spec/assignments.md, "A CI test").

For every master: ``otter assign`` succeeds; the autograder notebook (solutions in) earns full
marks against its own autograder zip; the untouched student notebook earns less (so no solution
leaked into it); and the student notebook shows no solution lines, hidden tests or gate markup.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from make_assignments import assign, find_masters  # noqa: E402

MASTERS = find_masters()


def test_there_are_masters():
    assert MASTERS, "no master notebooks with '# ASSIGNMENT CONFIG' under chapters/"


@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_master_grades(master: Path, tmp_path: Path, monkeypatch):
    os.environ.setdefault("DLMATH_SCALE", "smoke")
    os.environ.setdefault("DLMATH_PROGRESS", "0")
    dest = assign(master, tmp_path / master.stem, run_tests=False)
    ag_dir, st_dir = dest / "autograder", dest / "student"
    zips = sorted(ag_dir.glob("*.zip"))
    assert len(zips) == 1, f"expected one autograder zip in {ag_dir}, found {zips}"
    student = st_dir / master.name

    text = student.read_text()
    for leaked in ("# SOLUTION", "BEGIN SOLUTION", "# HIDDEN", "{solution-start}", "{exercise-end}"):
        assert leaked not in text, f"student notebook contains {leaked!r}"
    n_checks = sum(
        "grader.check(" in "".join(c["source"]) for c in json.loads(text)["cells"]
    )
    assert n_checks >= 1, "student notebook has no grader.check cells"

    import otter.api

    monkeypatch.chdir(ag_dir)  # notebooks run with their own folder as cwd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = otter.api.grade_submission(str(ag_dir / master.name), str(zips[0]), quiet=True)
    assert full.possible > 0
    assert full.total == pytest.approx(full.possible), (
        f"{master.name}: the solutions score {full.total}/{full.possible}"
    )
    monkeypatch.chdir(st_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        empty = otter.api.grade_submission(str(student), str(zips[0]), quiet=True)
    assert empty.total < empty.possible, (
        f"{master.name}: the untouched student notebook scores full marks ({empty.total})"
    )
