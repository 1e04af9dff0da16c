"""MyST markup of the book's pages rendered as plain Markdown and LaTeX for Jupyter and Colab.

Outside the book a notebook viewer shows directives (```` ```{prf:theorem} ````), roles
(``{cite}`key` ``) and the book's MathJax macros as raw text. :func:`to_markdown` rewrites them:

* ``prf:*``, ``exercise`` and ``admonition``-like directives become bold headings with their
  text (an HTML anchor keeps the label); ``solution`` becomes a collapsible ``<details>`` block;
  ``include`` inlines the file, ``math`` becomes ``$$ ... $$``, ``rubric`` a bold line;
* ``{cite}`` becomes an author-year citation from ``references.bib`` (and is listed by
  :meth:`Book.reference_list`); ``{prf:ref}`` the referenced block's name; ``{doc}`` the page
  title; code roles (``{func}``, ``{class}``, ...) inline code; ``{glue:text}`` the glued value
  when it is known;
* the macros of ``_config.yml`` (``\\R``, ``\\E``, ...) are expanded.

Used by the reader-notebook build (``.ci/make_reader.py``) and for student notebooks
(``.ci/make_assignments.py``).
"""

from __future__ import annotations

import codecs
import json
import re
from functools import cached_property
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}(?P<tick>`+)(?P<text>.+?)(?P=tick)")
PRF_KINDS = {
    "theorem", "lemma", "proposition", "corollary", "definition", "algorithm", "remark",
    "example", "conjecture", "axiom", "criterion", "observation", "property", "assumption",
    "notation",
}
ADMONITIONS = {
    "note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error",
    "seealso", "admonition", "margin", "sidebar", "topic",
}
CODE_ROLES = {"func", "class", "mod", "meth", "data", "attr", "obj", "exc", "py:func", "py:class"}


def _tex(s: str) -> str:
    """BibTeX text as Unicode: accents decoded (latexcodec, a pybtex dependency), braces gone."""
    import latexcodec  # noqa: F401  (registers the codec)

    return codecs.decode(str(s), "ulatex").replace("{", "").replace("}", "")


def _split_options(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Leading ``:key: value`` lines of a directive body, and the rest."""
    opts: dict[str, str] = {}
    i = 0
    while i < len(lines) and re.match(r"^\s*:[\w-]+:", lines[i]):
        key, _, val = lines[i].strip()[1:].partition(":")
        opts[key] = val.strip()
        i += 1
    if i < len(lines) and not lines[i].strip():
        i += 1
    return opts, lines[i:]


def _fences(text: str) -> list[tuple[int, int, re.Match]]:
    """(start, end, match) of each top-level directive fence in ``text`` (line indices)."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        ch, n = m["fence"][0], len(m["fence"])
        close = re.compile(rf"^[ \t]*{re.escape(ch)}{{{n},}}[ \t]*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        out.append((i, j, m))
        i = j + 1
    return out


class Book:
    """What the conversion needs to know about the whole book: bibliography, labels, titles."""

    def __init__(self, root: Path = ROOT):
        self.root = root
        self.cited: list[str] = []

    @cached_property
    def macros(self) -> dict[str, str]:
        cfg = yaml.safe_load((self.root / "_config.yml").read_text())
        tex = cfg.get("sphinx", {}).get("config", {}).get("mathjax3_config", {}).get("tex", {})
        return {k: v if isinstance(v, str) else v[0] for k, v in tex.get("macros", {}).items()}

    @cached_property
    def bib(self) -> dict[str, dict[str, str]]:
        import pybtex.database

        data = pybtex.database.parse_file(str(self.root / "references.bib"))
        out = {}
        for key, e in data.entries.items():
            people = [_tex(" ".join(p.last_names)) for p in e.persons.get("author", [])]
            if len(people) > 2:
                who = f"{people[0]} et al."
            else:
                who = " and ".join(people) or e.fields.get("organization", key)
            fields = {k: _tex(v) if k != "url" else str(v) for k, v in e.fields.items()}
            out[key] = {"who": who, "year": fields.get("year", "n.d."), "fields": fields,
                        "authors": _tex(", ".join(str(p) for p in e.persons.get("author", [])))}
        return out

    def _md_sources(self) -> dict[str, str]:
        out = {}
        for p in sorted((self.root / "chapters").rglob("*")) + [self.root / "intro.md"]:
            if p.suffix == ".md":
                out[str(p.relative_to(self.root).with_suffix(""))] = p.read_text()
            elif p.suffix == ".ipynb" and ".ipynb_checkpoints" not in p.parts:
                cells = json.loads(p.read_text())["cells"]
                out[str(p.relative_to(self.root).with_suffix(""))] = "\n\n".join(
                    "".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        return out

    @cached_property
    def labels(self) -> dict[str, str]:
        """Label of every ``prf:*`` and ``exercise`` block -> its display name."""
        out = {}
        for text in self._md_sources().values():
            for s, e, m in _fences(text):
                opts, _ = _split_options(text.split("\n")[s + 1:e])
                name = m["name"].split(":")[-1]
                if "label" in opts:
                    kind = name.replace("-start", "").capitalize()
                    out[opts["label"]] = f"{kind} ({m['arg'].strip()})" if m["arg"].strip() else kind
        return out

    @cached_property
    def titles(self) -> dict[str, str]:
        out = {}
        for doc, text in self._md_sources().items():
            m = re.search(r"^# (.+)$", text, re.M)
            out[doc] = self.convert(m[1]) if m else doc
        return out

    def cite(self, keys: str, textual: bool = False) -> str:
        parts = []
        for key in (k.strip() for k in keys.split(",")):
            if key not in self.bib:
                parts.append(key)
                continue
            if key not in self.cited:
                self.cited.append(key)
            e = self.bib[key]
            parts.append(f"{e['who']} ({e['year']})" if textual else f"{e['who']}, {e['year']}")
        return "; ".join(parts) if textual else "(" + "; ".join(parts) + ")"

    def reference_list(self) -> str:
        """Markdown list of the entries cited since the last call (then forgets them)."""
        items = []
        for key in sorted(self.cited, key=lambda k: (self.bib[k]["who"], self.bib[k]["year"])):
            f = self.bib[key]["fields"]
            venue = f.get("journal") or f.get("booktitle") or f.get("school") or f.get("publisher", "")
            link = f" <{f['url']}>" if "url" in f else ""
            items.append(f"* {self.bib[key]['authors']} ({f.get('year', 'n.d.')}). *{f.get('title', key)}*."
                         + (f" {venue}." if venue else "") + link)
        self.cited = []
        return "## References\n\n" + "\n".join(items) if items else ""

    # -- conversion -------------------------------------------------------------------------
    def convert(self, text: str, *, docdir: Path | None = None, glue: dict | None = None) -> str:
        """``text`` (MyST Markdown) as plain Markdown + LaTeX (see the module docstring)."""
        text = self._directives(text, docdir or self.root, glue or {})
        text = ROLE.sub(lambda m: self._role(m, glue or {}), text)
        text = re.sub(r"^\(([\w-]+)\)=[ \t]*$", r'<a id="\1"></a>', text, flags=re.M)
        for name, body in self.macros.items():
            text = re.sub(rf"\\{name}(?![A-Za-z])", lambda _m, b=body: b, text)
        return text

    def _role(self, m: re.Match, glue: dict) -> str:
        name, body = m["name"], m["text"]
        shown = re.match(r"^(.*?)\s*<(.+)>$", body)
        if name in ("cite", "cite:p", "cite:ps", "cite:alp"):
            return self.cite(body)
        if name in ("cite:t", "cite:ts", "cite:author"):
            return self.cite(body, textual=True)
        if name == "prf:ref" or name in ("ref", "numref", "eq", "term"):
            if shown:
                return shown[1]
            return self.labels.get(body, body if name != "eq" else f"({body})")
        if name == "doc":
            if shown:
                return shown[1]
            return f"*{self.titles.get(body.lstrip('/'), body)}*"
        if name in CODE_ROLES or name.startswith("py:"):
            target = shown[2] if shown else body
            if target.startswith("~"):
                target = target[1:].split(".")[-1]
            return f"`{target}`"
        if name == "math":
            return f"${body}$"
        if name.startswith("glue"):
            key, _, fmt = body.partition(":")
            if key in glue:
                try:
                    return format(float(glue[key]), fmt) if fmt else str(glue[key])
                except ValueError:
                    return str(glue[key])
            return f"`{key}`"
        return shown[1] if shown else body

    def _directives(self, text: str, docdir: Path, glue: dict) -> str:
        lines = text.split("\n")
        out, last = [], 0
        for s, e, m in _fences(text):
            out.extend(lines[last:s])
            opts, body = _split_options(lines[s + 1:e])
            inner = self._directives("\n".join(body), docdir, glue)
            out.append(self._render(m["name"], m["arg"].strip(), opts, inner, docdir, glue))
            last = e + 1
        out.extend(lines[last:])
        return "\n".join(out)

    def _render(self, name: str, arg: str, opts: dict, body: str, docdir: Path, glue: dict) -> str:
        anchor = f'<a id="{opts["label"]}"></a>\n' if "label" in opts else ""
        kind = name.split(":")[-1]
        if name.startswith("prf:") and kind == "proof":
            return f"*Proof.* {body.strip()} $\\square$"
        if (name.startswith("prf:") and kind in PRF_KINDS) or kind == "exercise":
            head = f"**{kind.capitalize()}" + (f" ({self.convert(arg)})" if arg else "") + ".**"
            return f"{anchor}{head}\n\n{body.strip()}"
        if kind == "solution":
            return f"<details>\n<summary>Solution</summary>\n\n{body.strip()}\n\n</details>"
        if kind in ADMONITIONS:
            title = arg or kind.capitalize()
            quoted = "\n".join(f"> {ln}" if ln.strip() else ">" for ln in body.strip().split("\n"))
            return f"{anchor}> **{self.convert(title)}**\n>\n{quoted}"
        if kind == "rubric":
            return f"**{arg}**"
        if kind == "include":
            path = (docdir / arg).resolve()
            return self.convert(path.read_text(), docdir=path.parent, glue=glue)
        if kind == "math":
            return f"$$\n{body.strip()}\n$$"
        if kind in ("figure", "image"):
            return f"![{body.strip() or opts.get('alt', '')}]({arg})"
        if kind in ("exercise-start", "exercise-end", "solution-start", "solution-end"):
            return ""  # gates are handled cell by cell (make_reader.py)
        return f"{anchor}**{arg or kind}**\n\n{body.strip()}"


def has_raw_myst(text: str) -> list[str]:
    """Directive fences, roles and ``(label)=`` targets left in ``text`` (empty when clean)."""
    found = [m[0] for m in re.finditer(r"^[ \t]*(`{3,}|:{3,})\{[\w:-]+\}.*$", text, re.M)]
    found += [m[0] for m in ROLE.finditer(text)]
    found += [m[0] for m in re.finditer(r"^\([\w-]+\)=[ \t]*$", text, re.M)]
    return found
