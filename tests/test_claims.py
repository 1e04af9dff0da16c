"""dlmath.claims: claim validation, decision rules, intervals, records and the generated pages."""

import numpy as np
import pytest
from scipy import stats

from dlmath import claims as cl
from dlmath.claims import _record


@pytest.fixture
def fake_registry(monkeypatch):
    reg = {
        "ch2.alpha": cl.Claim("ch2.alpha", "Alpha holds.", "Arora et al. 2018, Thm 3.9", "found",
                              "chapters/02_relu_nets/03_zonotopes"),
        "ch2.beta": cl.Claim("ch2.beta", "Beta holds.", "Arora et al. 2018, Lemma D.5", "recalled",
                             "chapters/02_relu_nets/02_depth_separation"),
    }
    monkeypatch.setattr(_record, "all_claims", lambda: reg)
    monkeypatch.setattr("dlmath.claims._report.all_claims", lambda: reg)
    return reg


def _nb(*records):
    return {"cells": [{"cell_type": "code", "outputs": [{"data": {cl.MIME: r}}]} for r in records]}


def test_claim_validation():
    with pytest.raises(ValueError, match="id must look like"):
        cl.Claim("chapter2.x", "s", "src", "found", "chapters/02_relu_nets/01_a")
    with pytest.raises(ValueError, match="provenance"):
        cl.Claim("ch2.x-y", "s", "src", "guessed", "chapters/02_relu_nets/01_a")
    with pytest.raises(ValueError, match="page"):
        cl.Claim("ch2.x-y", "s", "src", "ours", "chapters/02_relu_nets/01_a.ipynb")
    with pytest.raises(ValueError, match="statement"):
        cl.Claim("ch2.x-y", " ", "src", "ours", "chapters/02_relu_nets/01_a")
    assert cl.Claim("appA.kl-sharper", "s", "src", "ours", "chapters/A_x/01_a").chapter == "appA"


def test_decide_both_directions():
    assert cl.decide(0.1, 0.3, 0.0) == cl.REPRODUCED
    assert cl.decide(-0.3, -0.1, 0.0) == cl.NOT_AS_STATED
    assert cl.decide(-0.1, 0.1, 0.0) == cl.INCONCLUSIVE
    assert cl.decide(0.1, 0.3, 0.5, holds_if="below") == cl.REPRODUCED
    assert cl.decide(0.6, 0.7, 0.5, holds_if="below") == cl.NOT_AS_STATED
    with pytest.raises(ValueError, match="lower must be <= upper"):
        cl.decide(1.0, 0.0)
    with pytest.raises(ValueError, match="holds_if"):
        cl.decide(0.0, 1.0, holds_if="up")


def test_mean_ci_matches_scipy_and_covers():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    m, lo, hi = cl.mean_ci(x, 0.9)
    ref = stats.t.interval(0.9, df=3, loc=x.mean(), scale=stats.sem(x))
    assert m == pytest.approx(3.5) and (lo, hi) == pytest.approx(ref)
    rng = np.random.default_rng(0)
    cover = np.mean([lo < 0 < hi for _, lo, hi in (cl.mean_ci(rng.normal(size=5)) for _ in range(2000))])
    assert 0.93 < cover < 0.97
    with pytest.raises(ValueError, match="at least 2"):
        cl.mean_ci([1.0])


def test_proportion_ci_wilson():
    p, lo, hi = cl.proportion_ci(0, 20)
    assert p == 0 and lo == 0 and 0.13 < hi < 0.18  # Wilson upper bound for 0/20 is 0.161
    p, lo, hi = cl.proportion_ci(9, 10, 0.95)
    assert (lo, hi) == pytest.approx((0.5958, 0.9821), abs=1e-4)
    with pytest.raises(ValueError, match="successes"):
        cl.proportion_ci(11, 10)


def test_returned_record_is_not_displayed_twice(fake_registry, monkeypatch):
    """A check cell ending with cl.record(...) shows the box once, not the dict again."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    monkeypatch.setenv("DLMATH_SCALE", "smoke")
    shell = InteractiveShell.instance()
    shell.user_ns["cl"] = cl
    with capture_output() as cap:
        shell.run_cell('cl.record("ch2.alpha", cl.REPRODUCED, evidence={"a": 1}, rule="r")')
    assert "'verdict'" not in cap.stdout and len(cap.outputs) == 1  # the box only
    with capture_output() as cap:
        shell.run_cell('dict(cl.record("ch2.alpha", cl.REPRODUCED, evidence={"a": 1}, rule="r"))')
    assert "'verdict'" in cap.stdout  # a plain dict would be printed


def test_record_validates_and_returns(fake_registry, monkeypatch):
    monkeypatch.setenv("DLMATH_SCALE", "smoke")
    rec = cl.record("ch2.alpha", cl.REPRODUCED, evidence={"pieces": np.int64(12), "ratio": np.float64(2.0)},
                    rule="exact count equals the formula")
    assert rec["scale"] == "smoke" and rec["evidence"] == {"pieces": 12, "ratio": 2.0}
    assert type(rec["evidence"]["pieces"]) is int
    with pytest.raises(ValueError, match="not registered"):
        cl.record("ch2.gamma", cl.REPRODUCED, evidence={"a": 1}, rule="r")
    with pytest.raises(ValueError, match="verdict"):
        cl.record("ch2.alpha", "fine", evidence={"a": 1}, rule="r")
    with pytest.raises(ValueError, match="correction must be given"):
        cl.record("ch2.alpha", cl.CORRECTED, evidence={"a": 1}, rule="r")
    with pytest.raises(ValueError, match="finite"):
        cl.record("ch2.alpha", cl.REPRODUCED, evidence={"a": float("nan")}, rule="r")
    with pytest.raises(TypeError, match="evidence"):
        cl.record("ch2.alpha", cl.REPRODUCED, evidence={"a": [1, 2]}, rule="r")
    with pytest.raises(ValueError, match="rule"):
        cl.record("ch2.alpha", cl.REPRODUCED, evidence={"a": 1}, rule=" ")


def test_collect_render_compare(fake_registry):
    a = {"id": "ch2.alpha", "verdict": cl.NOT_AS_STATED, "evidence": {"pieces": 12}, "rule": "r",
         "correction": None, "scale": "default"}
    recs = cl.collect({"chapters/02_relu_nets/03_zonotopes": _nb(a)})
    assert set(recs) == {"ch2.alpha"}
    page = cl.render_ledger(recs, "default")
    assert "1 does not hold as stated" in page and "1 not run in this build" in page
    assert "chapters/02_relu_nets/03_zonotopes.html#claim-ch2-alpha" in page
    assert "Alpha holds." in cl.render_not_reproduced(recs, "default")
    assert "../../chapters/02_relu_nets/03_zonotopes.html" in cl.render_chapter("ch2", recs, "default")
    assert cl.compare(recs, {"ch2.alpha": cl.NOT_AS_STATED}) == []
    diff = cl.compare(recs, {"ch2.alpha": cl.REPRODUCED, "ch2.beta": cl.REPRODUCED})
    assert diff == [
        "ch2.alpha: verdict changed from 'reproduced' (expected) to 'does not hold as stated' (this build)",
        "ch2.beta: expected 'reproduced' but not recorded in this build",
    ]
    with pytest.raises(ValueError, match="registered to"):
        cl.collect({"chapters/02_relu_nets/01_other": _nb(a)})
    with pytest.raises(ValueError, match="twice"):
        cl.collect({"chapters/02_relu_nets/03_zonotopes": _nb(a, a)})


def test_registry_is_consistent():
    reg = cl.all_claims()
    for cid, claim in reg.items():
        assert claim.id == cid


def test_glue_unwraps_numpy():
    assert cl.glue("ch0_x", np.float64(0.5)) == 0.5
    with pytest.raises(ValueError, match="name"):
        cl.glue("bad name", 1.0)
