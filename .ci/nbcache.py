"""The book's two reads and writes of jupyter-cache beyond executing notebooks, in one place.

``cached_notebook`` reads a notebook's executed copy (the build and the claims ledger read the
same one); ``clear_tracebacks`` reaches into jupyter-cache's database layer, the one internal
call the tooling makes (see its docstring).
"""

from __future__ import annotations

from pathlib import Path


def cached_notebook(cache, path: Path):
    """The cache record of the notebook at ``path``, or None when it is not (validly) cached."""
    try:
        return cache.get_cached_project_nb(str(path))
    except KeyError:
        return None


def clear_tracebacks(cache, records) -> None:
    """Forget the tracebacks that earlier runs stored for the project ``records``.

    A notebook that failed once keeps its traceback in the project table even after it was
    fixed (or restored) and executed successfully, and ``.ci/execute.py`` would report it as
    failed. jupyter-cache 1.0 has no public call for this, so this goes through
    ``jupyter_cache.cache.db.NbProjectRecord.remove_tracebacks``, an internal of the pinned
    version: check it when upgrading jupyter-cache.
    """
    from jupyter_cache.cache.db import NbProjectRecord

    NbProjectRecord.remove_tracebacks([r.pk for r in records], cache.db)
