"""Run Chapter 6's bound study (:func:`dlmath.studies.pac_bayes.run_bound_study`) and save it.

    python scripts/ch6_bound_study.py --post-steps 6000 --n-mc 1000 \
        --out chapters/06_pac_bayes/results/bound_study_long.json
    python scripts/ch6_bound_study.py --task fashion-binary --pool 1 --width 600 \
        --post-steps 20000 --out chapters/06_pac_bayes/results/bound_study_fashion.json

The JSON file holds the settings, seed, versions, git commit and every number of the study
(the bounds, their ingredients, test errors with Wilson intervals, the objective traces). Commit
it as written, never edited.
"""

from __future__ import annotations

import argparse

from dlmath.studies import pac_bayes as st


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="mnist5k-binary", choices=st.TASKS)
    ap.add_argument("--pool", type=int, default=2)
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--post-steps", type=int, default=6000)
    ap.add_argument("--n-mc", type=int, default=1000)
    ap.add_argument("--n-mc-test", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rec = st.run_bound_study(st.BoundStudy(task=a.task, pool=a.pool, width=a.width,
                                           post_steps=a.post_steps, n_mc=a.n_mc,
                                           n_mc_test=a.n_mc_test, seed=a.seed))
    out = st.save_record(rec, a.out)
    print({k: out[k]["bound"] for k in ("init_prior",)},
          [p["bound"] for p in out["path_prior"]], f"{out['seconds']:.0f} s")


if __name__ == "__main__":
    main()
