"""Runnable answer stubs from the solution cells of a master notebook.

A solution cell marks its answer lines with a trailing ``# SOLUTION`` (or puts them between
``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines). Otter-Grader alone replaces each marked line
by ``...``, which breaks as soon as a marked line opens a block (``def``/``for``: the indented
body is left behind, an IndentationError) or unpacks (``a, b = ...``). :func:`stub` works on
the syntax tree instead, statement by statement:

* unmarked statements stay (the exercise's fixed data, helper code, prints);
* a marked top-level assignment to a name that the statement asks for keeps its targets:
  ``x = ...``, ``a, b = ..., ...``; other marked statements (intermediate steps) become ``...``;
* a ``def`` keeps its signature and docstring, and its marked body becomes ``...``, when the
  function's name occurs in the statement (it is what the student writes); a marked helper
  ``def`` and any other marked statement (loops, calls, imports, prints) become one ``...``,
  plus ``name = ...`` for the asked-for names it assigns, so that later lines still run.

Every stub is valid Python that runs without error; the values are ``...`` (Ellipsis), which
no type or shape test accepts.
"""

from __future__ import annotations

import ast
import re

MARK = re.compile(r"[ \t]*#[ \t]?SOLUTION[ \t]*$")
BEGIN = re.compile(r"^[ \t]*#[ \t]?BEGIN SOLUTION( NO PROMPT)?[ \t]*$")
END = re.compile(r"^[ \t]*#[ \t]?END SOLUTION[ \t]*$")


def marked_lines(source: str) -> tuple[list[str], set[int]]:
    """Source lines without the markers, and the 0-based indices of the marked lines."""
    lines, marked, inside = source.split("\n"), set(), False
    clean = []
    for i, line in enumerate(lines):
        if BEGIN.match(line):
            inside = True
            clean.append("")
            continue
        if END.match(line):
            inside = False
            clean.append("")
            continue
        if inside or MARK.search(line):
            marked.add(i)
        clean.append(MARK.sub("", line))
    return clean, marked


def solution_text(source: str) -> list[str]:
    """The marked lines of a solution cell, stripped (what must not reach a student)."""
    clean, marked = marked_lines(source)
    return [clean[i].strip() for i in sorted(marked) if clean[i].strip()]


def _span(node: ast.stmt) -> range:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return range(start - 1, node.end_lineno)


def _stored_names(node: ast.AST) -> list[str]:
    loop_vars = {n.id for f in ast.walk(node) if isinstance(f, (ast.For, ast.comprehension))
                 for n in ast.walk(f.target) if isinstance(n, ast.Name)}
    names = []
    for n in ast.walk(node):
        if (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in loop_vars
                and n.id not in names):
            names.append(n.id)
    return names


def _target_stub(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return "..."
    if isinstance(target, (ast.Tuple, ast.List)) and not any(
            isinstance(e, ast.Starred) for e in target.elts):
        return ", ".join("..." for _ in target.elts)
    return None


def _asked(name: str, statement: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", statement) is not None


def _stmts(body: list[ast.stmt], clean: list[str], marked: set[int], indent: str,
           statement: str) -> list[str]:
    top = indent == ""
    out: list[str] = []
    pending_dots = False

    def flush() -> None:
        nonlocal pending_dots
        if pending_dots:
            out.append(indent + "...")
            pending_dots = False

    prev_end = body[0].lineno - 1 if body else 0
    for node in body:
        span = _span(node)
        gap = [clean[i] for i in range(prev_end, span.start) if i not in marked]
        prev_end = span.stop
        if not any(i in marked for i in span):
            flush()
            out.extend(gap)
            out.extend(clean[i] for i in span)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
                _asked(node.name, statement) or node.lineno - 1 not in marked):
            flush()
            out.extend(gap)
            first_body = node.body[0]
            out.extend(clean[i] for i in range(span.start, first_body.lineno - 1))
            inner = node.body
            body_indent = re.match(r"[ \t]*", clean[first_body.lineno - 1])[0]
            if (isinstance(first_body, ast.Expr) and isinstance(first_body.value, ast.Constant)
                    and isinstance(first_body.value.value, str)):
                out.extend(clean[i] for i in _span(first_body))
                inner = node.body[1:]
            kept = _stmts(inner, clean, marked, body_indent, statement) if inner else []
            out.extend(kept if any(k.strip() for k in kept) else [body_indent + "..."])
            continue
        if top and isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            values = [_target_stub(t) for t in targets]
            asked = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            if all(v is not None for v in values) and any(_asked(a, statement) for a in asked):
                flush()
                lhs = " = ".join(ast.get_source_segment("\n".join(clean), t) for t in targets)
                if isinstance(node, ast.AnnAssign):
                    lhs += ": " + ast.get_source_segment("\n".join(clean), node.annotation)
                out.extend(gap)
                out.append(f"{indent}{lhs} = {values[-1]}")
                continue
        pending_dots = True
        if top and isinstance(node, (ast.For, ast.While, ast.With, ast.If, ast.Try)):
            names = [n for n in _stored_names(node) if _asked(n, statement)]
            if names:
                flush()
                out.extend(f"{name} = ..." for name in names)
    flush()
    return out


def stub(source: str, statement: str = "") -> str:
    """The student version of a solution cell (see the module docstring).

    ``statement`` is the question's text; a marked ``def`` whose name occurs in it keeps its
    signature. Raises ``SyntaxError`` when the cell is not valid Python once the markers are gone.
    """
    clean, marked = marked_lines(source)
    if not marked:
        return source
    # IPython magics and shell lines are not Python: keep them verbatim around a parse.
    masked = [("pass  # " + ln) if ln.lstrip().startswith(("%", "!")) else ln for ln in clean]
    tree = ast.parse("\n".join(masked))
    lines = _stmts(tree.body, clean, marked, "", statement)
    lines += [clean[i] for i in range(_span(tree.body[-1]).stop, len(clean)) if i not in marked] \
        if tree.body else []
    while len(lines) > 1 and lines[-1].rstrip() in ("...", "") and any(
            ln.rstrip().endswith("= ...") or ln.rstrip().endswith(", ...") for ln in lines):
        lines.pop()  # a trailing "..." (a dropped print) after the answer stubs says nothing
    text = "\n".join(lines).strip("\n")
    text = re.sub(r"\n{3,}", "\n\n\n", text)
    compile(text, "<stub>", "exec")  # a stub that does not parse is a bug here, not the author's
    return text
