"""Execute the book's notebooks in parallel into jupyter-cache, so the book build only reads them.

Jupyter Book 1 executes notebooks one after another; jupyter-cache's ``local-parallel`` executor
runs one kernel per core. The build (``execute_notebooks: cache``) then finds every notebook in
the cache and executes nothing. myst-nb keys the cache on code cells only, so this script clears
the cache whenever the fingerprint of what else determines the outputs changes: the ``dlmath``
sources, the committed results that notebooks read (``chapters/*/results/``),
``requirements.txt`` and ``DLMATH_SCALE``.

Usage (from the repository root; the Makefile's ``execute`` target does this):
    DLMATH_SCALE=default python .ci/execute.py [--force]
Exit status 1 if any notebook raised; its traceback is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import time

import yaml
from nbcache import cached_notebook, clear_tracebacks
from toc import ROOT, toc_notebooks


def fingerprint() -> str:
    """Hash of everything besides code cells that decides a notebook's outputs."""
    h = hashlib.sha256()
    results = (p for p in ROOT.glob("chapters/*/results/**/*") if p.is_file())
    for p in sorted([*(ROOT / "dlmath").rglob("*.py"), *results]):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    h.update((ROOT / "requirements.txt").read_bytes())
    h.update(os.environ.get("DLMATH_SCALE", "default").encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="clear the cache and execute everything")
    ap.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: _config.yml)")
    args = ap.parse_args()
    from dlmath.config import scale

    try:
        scale()  # a bad DLMATH_SCALE stops here, not in every notebook
    except ValueError as exc:
        print(f"execute.py: {exc}", file=sys.stderr)
        return 2

    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    cache_dir = ROOT / config["execute"].get("cache", "_build/.jupyter_cache")
    timeout = args.timeout or int(config["execute"].get("timeout", 600))
    stamp = cache_dir / "dlmath-fingerprint.txt"
    fp = fingerprint()
    if cache_dir.exists() and (args.force or not stamp.exists() or stamp.read_text() != fp):
        print(f"execute: clearing {cache_dir.relative_to(ROOT)} (dlmath, pins or scale changed)")
        shutil.rmtree(cache_dir)
    cache = get_cache(str(cache_dir))
    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fp)

    notebooks = toc_notebooks(ROOT / "_toc.yml")
    wanted = {str(p) for p in notebooks}
    for rec in cache.list_project_records():  # drop notebooks no longer in the toc
        if rec.uri not in wanted:
            cache.remove_nb_from_project(rec.uri)
    records = [cache.add_nb_to_project(str(p)) for p in notebooks]
    clear_tracebacks(cache, records)

    logger = logging.getLogger("execute")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    executor = load_executor("local-parallel", cache=cache, logger=logger)
    t0 = time.perf_counter()
    result = executor.run_and_cache(filter_uris=sorted(wanted), timeout=timeout, allow_errors=False)

    # Parallel workers write to one SQLite cache; a write that lost a race leaves a notebook
    # executed but uncached (no traceback). Those are run again, one at a time.
    lost = [str(p) for p in notebooks if not cache.get_project_record(str(p)).traceback
            and cached_notebook(cache, p) is None]
    if lost:
        print(f"execute: {len(lost)} notebook(s) not cached after the parallel run; retrying serially")
        serial = load_executor("local-serial", cache=cache, logger=logger)
        serial.run_and_cache(filter_uris=lost, timeout=timeout, allow_errors=False)
    wall = time.perf_counter() - t0

    times: dict[str, float | None] = {}
    failed = []
    for p in notebooks:
        rel = str(p.relative_to(ROOT))
        cached = cached_notebook(cache, p)
        tb = cache.get_project_record(str(p)).traceback
        if cached is None and tb:
            failed.append((rel, tb))
            times[rel] = None
        elif cached is None:
            failed.append((rel, "not in the cache after execution"))
            times[rel] = None
        else:
            times[rel] = cached.data.get("execution_seconds")
    print(f"execute: {len(result.succeeded)} executed, {len(notebooks) - len(result.succeeded) - len(failed)}"
          f" already cached, {len(failed)} failed; wall {wall:.1f} s")
    for rel, sec in times.items():
        print(f"  {'FAILED' if sec is None else f'{sec:7.1f} s'}  {rel}")
    serial = sum(s for s in times.values() if s)
    print(f"execute: serial sum of cached execution times {serial:.1f} s")
    out = ROOT / "_build" / "execution-times.json"
    out.write_text(json.dumps({"scale": os.environ.get("DLMATH_SCALE", "default"),
                               "wall_seconds": wall, "notebooks": times}, indent=1))
    for rel, tb in failed:
        print(f"\n===== {rel} =====\n{tb}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
