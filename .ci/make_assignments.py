"""Generate student notebooks and Otter-Grader autograders from the chapters' master notebooks.

A master is a chapter notebook whose first cell is a raw ``# ASSIGNMENT CONFIG`` cell (the format
is described in CONTRIBUTING.md). For each master ``chapters/<ch>/<nb>.ipynb`` this writes

* ``assignments/<ch>/<nb>/student/<nb>.ipynb``: the notebook to hand out (solutions replaced by
  ``...``, tests replaced by ``grader.check("...")`` calls);
* ``assignments/<ch>/<nb>/autograder/``: the autograder notebook and ``<nb>-autograder_*.zip``,
  which grades a submission:  ``otter run -a <zip> submission.ipynb``.

Usage: ``python .ci/make_assignments.py [--out assignments] [--no-run-tests] [masters...]``.
Notebooks run at ``DLMATH_SCALE=smoke`` while Otter checks its tests (set it to override).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def is_master(path: Path) -> bool:
    """True when the notebook's first cell is a raw ``# ASSIGNMENT CONFIG`` cell."""
    cells = json.loads(path.read_text()).get("cells", [])
    return bool(cells) and cells[0]["cell_type"] == "raw" and "".join(
        cells[0]["source"]
    ).lstrip().startswith("# ASSIGNMENT CONFIG")


def find_masters(root: Path = ROOT) -> list[Path]:
    """All master notebooks under ``chapters/``, sorted."""
    return sorted(
        p
        for p in (root / "chapters").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and is_master(p)
    )


def assign(master: Path, dest: Path, *, run_tests: bool = True) -> Path:
    """Run ``otter assign`` on ``master`` into ``dest``; return ``dest``. Raises on failure."""
    env = dict(os.environ)
    env.setdefault("DLMATH_SCALE", "smoke")
    env.setdefault("DLMATH_PROGRESS", "0")
    cmd = [sys.executable, "-m", "otter", "assign", "--no-pdfs"]
    if not run_tests:
        cmd.append("--no-run-tests")
    cmd += [str(master.resolve()), str(dest.resolve())]
    # Run from the master's folder so that relative paths behave as in the book.
    proc = subprocess.run(cmd, cwd=master.parent, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"otter assign failed for {master}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return dest


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
    for m in masters:
        rel = m.relative_to(ROOT / "chapters")
        dest = args.out / rel.parent / m.stem
        assign(m, dest, run_tests=not args.no_run_tests)
        print(f"{rel}: student {dest / 'student' / m.name}, autograder {dest / 'autograder'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
