"""dlmath.sweep: records are checked against their settings; bad files are ignored; killed
writes and killed drivers leave nothing behind."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dlmath import sweep


def double(settings):
    return {"y": 2 * settings["x"]}


def test_settings_key_is_type_exact_about_keys():
    with pytest.raises(TypeError, match="keys must be strings"):
        sweep.settings_key({1: "a"})
    with pytest.raises(TypeError, match=r"settings\['opt'\] keys"):
        sweep.settings_key({"opt": {2: 0.1}})
    assert sweep.settings_key({"a": (1, 2)}) == sweep.settings_key({"a": [1, 2]})  # stored as a list


def _run(out, xs):
    return sweep.run_sweep(double, [{"x": x} for x in xs], out, backend="serial", progress=False)


def test_record_copied_under_another_name_is_not_returned(tmp_path):
    out = tmp_path / "o"
    _run(out, [1])
    k1, k2 = sweep.settings_key({"x": 1}), sweep.settings_key({"x": 2})
    (out / f"{k2}.json").write_text((out / f"{k1}.json").read_text())
    assert sweep.load_results(out, [{"x": 2}]) == []
    assert len(sweep.load_results(out)) == 1  # the misfiled copy is not a record either
    recs = _run(out, [2])  # ...so the run is redone, and the file repaired
    assert recs[0]["result"]["y"] == 4 and recs[0]["settings"] == {"x": 2}


def test_records_without_result_or_of_wrong_type_count_as_unfinished(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    k = sweep.settings_key({"x": 3})
    for text in ('{"settings": {"x": 3}, "function": "x"}', "[]", "3", '"s"'):
        (out / f"{k}.json").write_text(text)
        assert sweep.load_results(out, [{"x": 3}]) == [] and sweep.load_results(out) == []
    (out / f"{k}.json").write_bytes(b'{"result": "\xff\xfe"}')  # not UTF-8
    assert sweep.load_results(out) == []
    recs = _run(out, [3])
    assert recs[0]["result"] == {"y": 6}


def test_stale_tmp_files_are_removed(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / f"abc.json.{dead.pid}.tmp"
    stale.write_text("x" * 1000)
    live = out / f"abd.json.{os.getpid()}.tmp"  # a write in progress (this process): kept
    live.write_text("x")
    _run(out, [1])
    assert not stale.exists() and live.exists()


DRIVER = """
import sys, time
from dlmath import sweep
import cloudpickle

def slow(settings):
    import os
    open(settings["dir"] + f"/worker.{os.getpid()}", "w").close()
    time.sleep(120)
    return {}

cloudpickle.register_pickle_by_value(sys.modules[__name__])
sweep.run_sweep(slow, [{"i": i, "dir": sys.argv[1]} for i in range(2)], sys.argv[1] + "/out",
                n_jobs=2, progress=False)
"""


def test_joblib_workers_exit_when_the_driver_is_killed(tmp_path):
    script = tmp_path / "driver.py"
    script.write_text(textwrap.dedent(DRIVER))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[1])] + sys.path))
    driver = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env)
    deadline = time.time() + 60
    while len(list(tmp_path.glob("worker.*"))) < 2 and time.time() < deadline:
        time.sleep(0.2)
    pids = [int(p.suffix[1:]) for p in tmp_path.glob("worker.*")]
    assert len(pids) == 2, "the workers did not start"
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    deadline = time.time() + 10
    while any(sweep._pid_alive(p) for p in pids) and time.time() < deadline:
        time.sleep(0.2)
    alive = [p for p in pids if sweep._pid_alive(p)]
    for p in alive:  # do not leave them behind if the test fails
        os.kill(p, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived the killed driver"


def test_record_holds_and_checks_its_settings(tmp_path):
    out = tmp_path / "o"
    rec = _run(out, [5])[0]
    on_disk = json.loads((out / f"{rec['key']}.json").read_text())
    assert on_disk["settings"] == {"x": 5} and on_disk["key"] == sweep.settings_key({"x": 5})
