"""Run a function over a grid of settings on all local cores (joblib) or a Ray cluster, resumably.

A *sweep* is a function ``fn(settings: dict) -> dict`` and a list of settings dictionaries
(JSON-serialisable: numbers, strings, booleans, ``None``, lists, dicts). :func:`run_sweep`
calls ``fn`` once per settings dictionary and writes one JSON file per finished run,

``<out_dir>/<key>.json`` with ``key = settings_key(settings)`` (a SHA-256 of the settings in
canonical JSON), holding the settings, the result, the function's name, the seed (the
``"seed"`` entry of the settings, if any), the package versions, host and device, the run time
and the finishing time. A sweep that is interrupted (a crash, Ctrl-C, a lost node) resumes
where it stopped: runs whose record exists are not redone. A record counts only if it is a JSON
object holding a ``"result"`` and the very settings it is filed under (a file copied under
another setting's name, or one without a result, is redone); unreadable files (bad JSON, bad
UTF-8, not an object) are ignored. Temporary files left by killed writes are removed on the
next call. :func:`load_results` returns whatever results exist, so plots can be made while a
sweep is still running. joblib workers watch the driver and exit if it is killed.

Engines, not a home-made scheduler:

* ``backend="joblib"`` (default): ``joblib.Parallel`` with ``n_jobs`` processes
  (all local cores by default); results stream back as they finish and the parent writes them.
* ``backend="ray"``: Ray tasks on the cluster at ``address`` (``pip install "dlmath[ray]"``);
  each task asks for ``gpus_per_run`` GPUs (by default 1 when the cluster has GPUs), so that
  :func:`dlmath.config.device` inside ``fn`` picks the GPU Ray assigned. Results come back to
  the driver, which writes the files, so workers need no shared file system.
* ``backend="serial"``: a plain loop in this process (debugging, notebooks).

Chapter 5's autoencoder grid (:func:`dlmath.studies.ch5_autoencoders.run_experiment`) runs through it; any
chapter's full-scale grid can, as long as ``fn`` is importable by the workers (a module-level
function, not a lambda or a notebook-defined function, for the process-based engines).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._validate import check_bool, check_callable, check_choice, check_instance, check_int
from .config import progress as progress_bar

__all__ = ["settings_key", "run_sweep", "load_results", "BACKENDS"]

BACKENDS = ("joblib", "ray", "serial")
_RECORD_VERSION = 1


def _jsonable(obj: Any) -> Any:
    """``json`` fallback: NumPy scalars/arrays and torch tensors become plain Python values."""
    if hasattr(obj, "tolist"):  # numpy arrays and scalars, torch tensors
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable")


def _check_keys(obj: Any, where: str) -> None:
    """JSON turns the key ``1`` into ``"1"``: only string keys keep settings apart exactly."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"{where} keys must be strings, got {type(k).__name__} key {k!r}")
            _check_keys(v, f"{where}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _check_keys(v, f"{where}[{i}]")


def _canonical(settings: dict[str, Any]) -> str:
    return json.dumps(settings, sort_keys=True, separators=(",", ":"), default=_jsonable)


def settings_key(settings: dict[str, Any]) -> str:
    """The run's file stem: the first 20 hex digits of SHA-256 of the settings' canonical JSON.

    Key order does not matter (``{"a": 1, "b": 2}`` and ``{"b": 2, "a": 1}`` share a key);
    ``1`` and ``1.0`` are different settings. Keys must be strings at every depth (JSON would
    merge ``{1: "a"}`` with ``{"1": "a"}``); a tuple is stored, and keyed, as a list.
    """
    check_instance(settings, "settings", dict)
    _check_keys(settings, "settings")
    try:
        text = _canonical(settings)
    except TypeError as exc:
        raise TypeError(f"settings must be JSON-serialisable: {exc}") from exc
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _fn_name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"


def _versions() -> dict[str, str]:
    import numpy

    from . import __version__

    out = {"python": platform.python_version(), "numpy": numpy.__version__, "dlmath": __version__}
    try:
        import torch

        out["torch"] = torch.__version__
    except ImportError:  # pragma: no cover
        pass
    return out


def _device_info() -> str:
    try:
        import torch

        if torch.cuda.is_available():  # pragma: no cover - no GPU in CI
            return f"cuda:{torch.cuda.get_device_name()}"
    except ImportError:  # pragma: no cover
        pass
    return f"cpu:{platform.machine()}"


def _call(fn: Callable[[dict[str, Any]], Any], settings: dict[str, Any]) -> dict[str, Any]:
    """Run one setting in a worker and return the record the driver writes."""
    t0 = time.perf_counter()
    result = fn(settings)
    return {
        "record_version": _RECORD_VERSION,
        "key": settings_key(settings),
        "function": _fn_name(fn),
        "settings": settings,
        "seed": settings.get("seed"),
        "result": result,
        "elapsed_s": time.perf_counter() - t0,
        "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "device": _device_info(),
        "versions": _versions(),
    }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's live process
        return True
    return True


def _clean_stale_tmp(out_dir: Path) -> None:
    """Remove ``<key>.json.<pid>.tmp`` files whose writer (on this host) is gone."""
    for tmp in out_dir.glob("*.json.*.tmp"):
        try:
            pid = int(tmp.suffixes[-2].lstrip("."))
        except (ValueError, IndexError):
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            tmp.unlink(missing_ok=True)


def _watch_driver(driver_pid: int) -> None:
    """In a joblib worker: exit when the driver process is gone (SIGKILL leaves no clean-up)."""
    if os.getpid() == driver_pid or getattr(_watch_driver, "started", False):
        return
    import threading

    def watch():
        while _pid_alive(driver_pid) and os.getppid() != 1:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="dlmath-sweep-watchdog").start()
    _watch_driver.started = True


def _write(out_dir: Path, record: dict[str, Any]) -> None:
    path = out_dir / f"{record['key']}.json"
    tmp = path.with_suffix(f".json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=1, default=_jsonable))
    os.replace(tmp, path)  # atomic: a half-written file never looks finished


def _read(path: Path, settings: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The record in ``path`` if it is a finished one, else ``None``.

    Finished: a JSON object with a ``"result"``, ``"settings"`` whose key is the file's stem,
    and, when ``settings`` is given, those very settings (compared as canonical JSON).
    """
    try:
        rec = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(rec, dict) or "result" not in rec or not isinstance(rec.get("settings"), dict):
        return None
    try:
        if settings_key(rec["settings"]) != path.stem:
            return None
    except TypeError:
        return None
    if settings is not None and _canonical(rec["settings"]) != _canonical(json.loads(_canonical(settings))):
        return None  # pragma: no cover - equal keys with different settings: a hash collision
    return rec


def _check_settings_list(settings_list: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(settings_list, dict) or isinstance(settings_list, (str, bytes)):
        raise TypeError("settings_list must be a list of settings dicts")  # any other iterable goes
    out = list(settings_list)
    for i, s in enumerate(out):
        check_instance(s, f"settings_list[{i}]", dict)
        settings_key(s)  # raises if not JSON-serialisable
    return out


def run_sweep(
    fn: Callable[[dict[str, Any]], Any],
    settings_list: Sequence[dict[str, Any]],
    out_dir: str | os.PathLike[str],
    *,
    backend: str = "joblib",
    n_jobs: int = -1,
    address: str | None = None,
    gpus_per_run: float | None = None,
    cpus_per_run: float = 1,
    on_error: str = "raise",
    ray_init_kwargs: dict[str, Any] | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run ``fn`` on every settings dict not yet done in ``out_dir``; return all their records.

    Parameters
    ----------
    fn:
        ``fn(settings) -> result``; the result must be JSON-serialisable (NumPy and torch
        values are converted). For ``joblib``/``ray`` it must be importable by the workers.
    settings_list:
        The grid, one dict per run. Duplicates (same :func:`settings_key`) run once.
    out_dir:
        Folder of the per-run JSON files (created if missing). Finished runs are skipped.
    backend:
        ``"joblib"`` (all local cores), ``"ray"`` or ``"serial"``.
    n_jobs:
        joblib processes (``-1``: all cores; ``1`` runs in this process).
    address:
        Ray cluster address (``"auto"``, ``"ray://host:10001"``, ...); ``None`` starts or reuses
        a local Ray instance. Ignored by the other backends.
    gpus_per_run, cpus_per_run:
        Ray resources per task; ``gpus_per_run=None`` means 1 if the cluster has a GPU, else 0.
    on_error:
        ``"raise"``: stop at the first failing run (finished runs stay on disk);
        ``"warn"``: warn, skip it, go on (it is retried on the next call).
    ray_init_kwargs:
        Extra arguments for ``ray.init`` when this function starts Ray (e.g. ``runtime_env``).

    Returns
    -------
    list of dict
        The records of ``settings_list`` that exist after the sweep, in the grid's order.
    """
    check_callable(fn, "fn")
    settings_list = _check_settings_list(settings_list)
    backend = check_choice(backend, "backend", BACKENDS)
    on_error = check_choice(on_error, "on_error", ("raise", "warn"))
    n_jobs = check_int(n_jobs, "n_jobs")
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be -1 (all cores) or a positive integer, got {n_jobs}")
    progress = check_bool(progress, "progress")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir must name a folder, but {str(out)!r} is a file")
    out.mkdir(parents=True, exist_ok=True)
    _clean_stale_tmp(out)

    name = _fn_name(fn)
    todo: dict[str, dict[str, Any]] = {}
    for s in settings_list:
        key = settings_key(s)
        old = _read(out / f"{key}.json", s)
        if old is not None:
            if old.get("function") != name:
                raise ValueError(
                    f"{out / (key + '.json')} holds a result of {old.get('function')}, not of "
                    f"{name}: use a separate out_dir per experiment function"
                )
            continue
        todo.setdefault(key, s)

    if todo:
        kw = {} if progress else {"disable": True}
        pbar = progress_bar(total=len(todo), desc=f"sweep ({backend})", **kw)
        runner = {"serial": _run_serial, "joblib": _run_joblib, "ray": _run_ray}[backend]
        try:
            runner(fn, list(todo.values()), out, pbar, on_error=on_error, n_jobs=n_jobs,
                   address=address, gpus_per_run=gpus_per_run, cpus_per_run=cpus_per_run,
                   ray_init_kwargs=ray_init_kwargs or {})
        finally:
            pbar.close()
    return load_results(out, settings_list)


def _failed(settings: dict[str, Any], exc: BaseException, on_error: str) -> None:
    if on_error == "raise":
        raise exc
    warnings.warn(f"run {settings_key(settings)} failed ({exc!r}); it will be retried on the "
                  "next call", RuntimeWarning, stacklevel=3)


def _run_serial(fn, todo, out, pbar, *, on_error, **_):
    for s in todo:
        try:
            rec = _call(fn, s)
        except Exception as exc:
            _failed(s, exc, on_error)
        else:
            _write(out, rec)
        pbar.update()


def _safe_call(fn, settings, driver_pid=None):
    if driver_pid is not None:
        _watch_driver(driver_pid)
    try:
        return _call(fn, settings), None
    except Exception as exc:  # returned, so that one failure does not cancel the others
        return settings, exc


def _run_joblib(fn, todo, out, pbar, *, on_error, n_jobs, **_):
    from joblib import Parallel, delayed

    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_safe_call)(fn, s, os.getpid()) for s in todo
    )
    for rec, exc in results:
        if exc is None:
            _write(out, rec)
        else:
            _failed(rec, exc, on_error)
        pbar.update()


def _run_ray(fn, todo, out, pbar, *, on_error, address, gpus_per_run, cpus_per_run,
             ray_init_kwargs, **_):
    try:
        import ray
    except ImportError as exc:
        raise ImportError('backend="ray" needs Ray: pip install "dlmath[ray]"') from exc
    started = False
    if not ray.is_initialized():
        ray.init(address=address, **ray_init_kwargs)
        started = True
    try:
        if gpus_per_run is None:
            gpus_per_run = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
        task = ray.remote(num_cpus=cpus_per_run, num_gpus=gpus_per_run)(_safe_call)
        fn_ref = ray.put(fn)
        pending = [task.remote(fn_ref, s) for s in todo]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            rec, exc = ray.get(done[0])
            if exc is None:
                _write(out, rec)
            else:
                _failed(rec, exc, on_error)
            pbar.update()
    finally:
        if started:
            ray.shutdown()


def load_results(
    out_dir: str | os.PathLike[str], settings_list: Sequence[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Records found in ``out_dir``: all of them (sorted by key), or those of ``settings_list``.

    With ``settings_list``, runs not (yet) finished are left out and the grid's order is kept.
    A missing folder gives an empty list; unreadable, half-written or unfinished records (see
    the module's description) are ignored.
    """
    out = Path(out_dir)
    if not out.is_dir():
        return []
    if settings_list is None:
        recs = (_read(p) for p in sorted(out.glob("*.json")))
        return [r for r in recs if r is not None]
    found, seen = [], set()
    for s in _check_settings_list(settings_list):
        key = settings_key(s)
        rec = _read(out / f"{key}.json", s)
        if rec is not None and key not in seen:
            seen.add(key)
            found.append(rec)
    return found

