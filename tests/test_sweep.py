"""Tests of dlmath.sweep: keys, a tiny grid on joblib, resume after an interruption, Ray."""

import json
import sys
from pathlib import Path

import cloudpickle
import pytest

from dlmath import sweep

# Worker processes (loky, Ray) cannot import this test module: ship its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def square(settings):
    """A run: logs its call (so tests can count calls across processes) and returns x**2."""
    with open(settings["log"], "a") as f:
        f.write(f"{settings['x']}\n")
    if Path(settings["log"] + ".fail").exists() and settings["x"] == 3:
        raise RuntimeError("simulated crash at x=3")
    return {"y": settings["x"] ** 2, "x_seen": settings["x"]}


def other(settings):
    return {}


def grid(tmp_path, n=6):
    log = str(tmp_path / "calls.log")
    return [{"x": x, "seed": 10 + x, "log": log} for x in range(n)], log


def calls(log):
    p = Path(log)
    return [int(s) for s in p.read_text().split()] if p.exists() else []


def test_settings_key_ignores_order_and_separates_values():
    assert sweep.settings_key({"a": 1, "b": [2, 3]}) == sweep.settings_key({"b": [2, 3], "a": 1})
    assert sweep.settings_key({"a": 1}) != sweep.settings_key({"a": 2})
    assert sweep.settings_key({"a": 1}) != sweep.settings_key({"a": 1.0})
    assert len(sweep.settings_key({})) == 20


def test_settings_key_rejects_bad_input():
    with pytest.raises(TypeError, match="settings"):
        sweep.settings_key([("a", 1)])
    with pytest.raises(TypeError, match="JSON"):
        sweep.settings_key({"a": object()})


def test_tiny_grid_on_local_cores(tmp_path):
    settings, log = grid(tmp_path)
    recs = sweep.run_sweep(square, settings, tmp_path / "out", n_jobs=2, progress=False)
    assert [r["result"]["y"] for r in recs] == [x * x for x in range(6)]
    assert [r["settings"] for r in recs] == settings  # grid order, whatever the finishing order
    assert [r["seed"] for r in recs] == [10 + x for x in range(6)]
    r = recs[0]
    assert r["function"].endswith(":square")
    assert {"python", "numpy", "torch", "dlmath"} <= set(r["versions"])
    assert r["elapsed_s"] >= 0 and r["host"] and r["device"]
    files = sorted((tmp_path / "out").glob("*.json"))
    assert len(files) == 6
    on_disk = json.loads((tmp_path / "out" / f"{sweep.settings_key(settings[2])}.json").read_text())
    assert on_disk["result"]["y"] == 4
    assert sorted(calls(log)) == list(range(6))
    # Running the finished sweep again calls nothing.
    again = sweep.run_sweep(square, settings, tmp_path / "out", n_jobs=2, progress=False)
    assert again == recs and sorted(calls(log)) == list(range(6))


def test_duplicates_run_once(tmp_path):
    settings, log = grid(tmp_path, 2)
    recs = sweep.run_sweep(square, settings + [dict(settings[0])], tmp_path / "o",
                           backend="serial", progress=False)
    assert len(recs) == 2 and calls(log) == [0, 1]


def test_resume_after_interruption(tmp_path):
    settings, log = grid(tmp_path)
    Path(log + ".fail").touch()
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="simulated crash"):
        sweep.run_sweep(square, settings, out, backend="serial", progress=False)
    assert calls(log) == [0, 1, 2, 3]
    done = sweep.load_results(out, settings)
    assert [r["settings"]["x"] for r in done] == [0, 1, 2]  # what exists is loadable
    Path(log + ".fail").unlink()
    recs = sweep.run_sweep(square, settings, out, n_jobs=2, progress=False)
    assert sorted(calls(log)[4:]) == [3, 4, 5]  # only the unfinished runs were redone
    assert [r["result"]["y"] for r in recs] == [x * x for x in range(6)]


def test_on_error_warn_skips_and_continues(tmp_path):
    settings, log = grid(tmp_path)
    Path(log + ".fail").touch()
    with pytest.warns(RuntimeWarning, match="simulated crash"):
        recs = sweep.run_sweep(square, settings, tmp_path / "o", n_jobs=2, on_error="warn",
                               progress=False)
    assert [r["settings"]["x"] for r in recs] == [0, 1, 2, 4, 5]


def test_joblib_failure_raises_and_keeps_finished(tmp_path):
    settings, log = grid(tmp_path)
    Path(log + ".fail").touch()
    with pytest.raises(RuntimeError, match="simulated crash"):
        sweep.run_sweep(square, settings, tmp_path / "o", n_jobs=1, progress=False)
    assert len(sweep.load_results(tmp_path / "o")) >= 3


def test_load_results_ignores_partial_files_and_missing_dirs(tmp_path):
    assert sweep.load_results(tmp_path / "nope") == []
    settings, _ = grid(tmp_path, 2)
    sweep.run_sweep(square, settings, tmp_path / "o", backend="serial", progress=False)
    (tmp_path / "o" / "broken.json").write_text('{"key": ')
    assert len(sweep.load_results(tmp_path / "o")) == 2


def test_other_function_in_same_folder_is_refused(tmp_path):
    settings, _ = grid(tmp_path, 1)
    sweep.run_sweep(square, settings, tmp_path / "o", backend="serial", progress=False)
    with pytest.raises(ValueError, match="separate out_dir"):
        sweep.run_sweep(other, settings, tmp_path / "o", backend="serial", progress=False)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"backend": "dask"}, ValueError, "backend"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"n_jobs": 1.5}, TypeError, "n_jobs"),
        ({"on_error": "ignore"}, ValueError, "on_error"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, exc, match):
    settings, _ = grid(tmp_path, 1)
    with pytest.raises(exc, match=match):
        sweep.run_sweep(square, settings, tmp_path, progress=False, **kwargs)


def test_bad_fn_and_settings(tmp_path):
    with pytest.raises(TypeError, match="fn"):
        sweep.run_sweep(42, [{}], tmp_path)
    with pytest.raises(TypeError, match="settings_list"):
        sweep.run_sweep(square, {"x": 1}, tmp_path)
    with pytest.raises(TypeError, match=r"settings_list\[1\]"):
        sweep.run_sweep(square, [{}, 3], tmp_path)


def test_ray_local_single_node(tmp_path):
    ray = pytest.importorskip("ray")
    from ray import cloudpickle as ray_cloudpickle

    ray_cloudpickle.register_pickle_by_value(sys.modules[__name__])
    settings, log = grid(tmp_path, 4)
    out = tmp_path / "out"
    sweep.run_sweep(square, settings[:1], out, backend="serial", progress=False)  # "earlier run"
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        recs = sweep.run_sweep(square, settings, out, backend="ray", progress=False)
    finally:
        ray.shutdown()
    assert [r["result"]["y"] for r in recs] == [0, 1, 4, 9]
    assert sorted(calls(log)) == [0, 1, 2, 3]  # x=0 was not rerun
    assert len(list(out.glob("*.json"))) == 4
