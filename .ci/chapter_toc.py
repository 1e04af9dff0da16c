"""Write a toc and config for a one-chapter preview build: ``make chapter CH=03_relu_gate``.

The preview keeps every chapter's ``index.md`` (so cross-links from the front page resolve) but
only the named chapter's notebooks, and executes them (``force``) without touching the main
jupyter-cache. Prints the path of the toc; the config is written next to it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main(chapter: str) -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = False
    for part in toc["parts"]:
        for ch in part["chapters"]:
            if f"/{chapter}/" in ch["file"] + "/":
                found = True
            elif "sections" in ch and ch["file"].startswith("chapters/"):
                del ch["sections"]
    if not found:
        sys.exit(f"no chapter folder named {chapter!r} in _toc.yml")
    out = ROOT / "_build" / f"chapter-{chapter}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg["execute"]["execute_notebooks"] = "force"
    cfg["execute"].pop("cache", None)
    (out / "_config.yml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    print(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: chapter_toc.py CHAPTER_FOLDER (e.g. 03_relu_gate)")
    main(sys.argv[1])
