"""Helpers shared by the benchmark scripts: best-of-n timing and writing results as JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[Any, float]:
    """Call ``fn`` ``repeat`` times; return its last result and the best wall time in seconds."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def write_results(name: str, payload: Any, path: str | Path | None = None) -> Path:
    """Write ``payload`` as JSON to ``benchmarks/results/<name>.json`` (or ``path``); return it."""
    out = Path(path) if path is not None else RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"wrote {out}")
    return out
