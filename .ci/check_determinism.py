"""Execute each notebook twice and report every output that differs between the two runs.

The book promises that a notebook run twice gives the same checks and figures. This runs every
notebook of the toc twice at ``DLMATH_SCALE`` (default ``smoke``), compares text outputs after the
nbval sanitizers (addresses, timings) and PNG figures byte for byte, and exits 1 on a difference.
Cells tagged ``nbval-ignore-output`` (wall-clock timings) are skipped, as nbval skips them.
Usage: ``DLMATH_SCALE=smoke python .ci/check_determinism.py [notebooks...]`` (``make determinism``).
"""

from __future__ import annotations

import concurrent.futures as cf
import configparser
import hashlib
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from toc import ROOT, toc_notebooks

SANITIZE = configparser.ConfigParser()
SANITIZE.read(ROOT / ".ci" / "nbval_sanitize.cfg")


def sanitize(text: str) -> str:
    for section in SANITIZE.sections():
        text = re.sub(SANITIZE[section]["regex"], SANITIZE[section]["replace"], text)
    return text


def fingerprint(path: Path) -> list[list[str]]:
    """Execute ``path`` and return, per code cell, its outputs as comparable strings."""
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources).execute()
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "nbval-ignore-output" in cell.metadata.get("tags", []):  # e.g. wall-clock timings
            cells.append([])
            continue
        streams: dict[str, str] = {}  # the kernel chunks a stream differently from run to run
        outs = []
        for out in cell.outputs:
            if out.output_type == "stream":
                streams[out.name] = streams.get(out.name, "") + out.text
            for mime, data in out.get("data", {}).items():
                if mime == "image/png":
                    outs.append("png:" + hashlib.sha256(data.encode()).hexdigest())
                elif mime == "text/plain":
                    outs.append(sanitize(data))
        cells.append([f"{k}: {sanitize(v)}" for k, v in sorted(streams.items())] + outs)
    return cells


def compare(path: Path) -> list[str]:
    """One line per code cell whose outputs differ between two runs, showing the first difference."""
    a, b = fingerprint(path), fingerprint(path)
    found = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            first = next(((u, v) for u, v in zip(x, y, strict=False) if u != v), (x, y))
            found.append(f"{path.relative_to(ROOT)}: code cell {i} differs: {str(first[0])[:300]!r} "
                         f"vs {str(first[1])[:300]!r}")
    return found


def main() -> int:
    os.environ.setdefault("DLMATH_SCALE", "smoke")
    os.environ.setdefault("DLMATH_PROGRESS", "0")
    paths = [Path(p).resolve() for p in sys.argv[1:]] or toc_notebooks(ROOT / "_toc.yml")
    problems = []
    with cf.ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for found in pool.map(compare, paths):
            problems += found
    for line in problems:
        print(line)
    print(f"check_determinism: {len(paths)} notebooks run twice, {len(problems)} differing cells")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
