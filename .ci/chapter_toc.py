"""Write a toc and config for a one-chapter preview build: ``make chapter CH=03_relu_gate``.

The preview keeps the whole toc (so cross-links between pages resolve) but executes only the
named chapter's notebooks (``force``, without touching the main jupyter-cache); the other
notebooks are rendered without outputs. Prints the folder holding the toc and the config.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from toc import toc_files

ROOT = Path(__file__).resolve().parent.parent


def main(chapter: str) -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = toc_files(toc)
    if not any(f.startswith(f"chapters/{chapter}/") for f in files):
        sys.exit(f"no chapter folder named {chapter!r} in _toc.yml")
    others = sorted({f.split("/")[1] for f in files if f.startswith("chapters/")} - {chapter})
    out = ROOT / "_build" / f"chapter-{chapter}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg["execute"]["execute_notebooks"] = "force"
    cfg["execute"].pop("cache", None)
    cfg["execute"]["exclude_patterns"] = [f"chapters/{c}/*" for c in others]
    # local_extensions paths are relative to the config file: point them at the repository
    local = cfg.get("sphinx", {}).get("local_extensions") or {}
    cfg["sphinx"]["local_extensions"] = {k: str(ROOT / v) for k, v in local.items()}
    (out / "_config.yml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    print(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: chapter_toc.py CHAPTER_FOLDER (e.g. 03_relu_gate)")
    main(sys.argv[1])
