"""The ``{teaching-table}`` directive: one row per assignment, generated from the masters.

Reads every master notebook (``.ci/make_assignments.find_masters``: any chapter, no list kept
here) at build time and renders a table of its page, questions with titles, points, expected
time, prerequisites and a Colab link to its published student notebook. The page is re-read
on every build, so a new chapter's questions appear without edits.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parent.parent


def _prerequisites(master: Path) -> str:
    text = master.read_text()
    mods = sorted(set(re.findall(r"from dlmath import (\w+)", text)))
    libs = ["NumPy"] + (["PyTorch"] if re.search(r"\bimport torch\b", text) else [])
    return ", ".join(libs) + ("; `dlmath." + "`, `dlmath.".join(mods) + "`" if mods else "")


class TeachingTable(SphinxDirective):
    has_content = False

    def run(self):
        sys.path.insert(0, str(ROOT / ".ci"))
        import release
        from make_assignments import find_masters, summary

        colab = ("https://colab.research.google.com/github/"
                 + release.repo_url(ROOT).split("github.com/")[-1] + "/blob/notebooks/assignments")
        lines = ["| page | questions | points | expected time | prerequisites | student notebook |",
                 "|---|---|---|---|---|---|"]
        total = 0.0
        for m in find_masters(ROOT):
            self.env.note_dependency(str(m))
            s = summary(m)
            total += s["points"]
            qs = "<br>".join(f"`{q['name']}` {q['title']} ({q['points']:g})" for q in s["questions"])
            pre = s["prerequisites"] or _prerequisites(m)
            nb = f"{s['chapter']}/{s['page']}/student/{s['page']}.ipynb"
            lines.append(f"| {{doc}}`/{s['docname']}` | {qs} | {s['points']:g} | "
                         f"{s['minutes']} min | {pre} | [Colab]({colab}/{nb}) |")
        lines += ["", f"In all: {len(lines) - 2} assignments, {total:g} points."]
        box = nodes.container()
        self.state.nested_parse(StringList(lines, source="teaching-table"), self.content_offset, box)
        return list(box.children)


def _always_outdated(app, env, added, changed, removed):
    return [d for d in env.found_docs if d.endswith("teaching")]


def setup(app):
    app.add_directive("teaching-table", TeachingTable)
    app.connect("env-get-outdated", _always_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
