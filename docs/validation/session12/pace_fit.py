"""Validation-plan Addendum 12: alignment_rate fitted to the UK case timelines on the tuning seeds,
and each case predicted from the other three on the checks' and fresh seeds.
    python docs/validation/session12/pace_fit.py > pace_fit.txt"""
from concurrent.futures import ProcessPoolExecutor

import model.experiments.validation as v
from model.io.scenario import load

GRID = (0.06, 0.04, 0.03, 0.02, 0.015, 0.01)
SETS = {"tuning 9000-9199": 9000, "checks 1000-1199": 1000, "fresh 1200-1399": 1200}
N = 200


def shares(args):
    """{case: (case share, push share)} at one alignment_rate on one seed block."""
    rate, base = args
    v.SEED_BASE = base
    out = {}
    for name, targets in v.CASES.items():
        s = load(name)
        inspection = next(e for e in s.events if e.kind == "underperformance")
        months = (2007 - s.start_year + 1) * 12
        arms = (v.scenario_ensemble(s, N, months, alignment_rate=rate),
                v.ensemble(N, months, fields=s.fields, events=v.push(inspection.field, inspection.month), alignment_rate=rate))
        hit = []
        for e in arms:
            ts = e.timeseries()
            hit.append(float(v.case_hits(ts[ts.field == inspection.field], s.start_year, targets).mean()))
        out[name] = tuple(hit)
    return out


def best(table, cases):
    """The rate maximising the smallest share over ``cases``; ties to the larger rate (GRID order)."""
    return max(GRID, key=lambda r: (min(table[r][c][0] for c in cases), r))


if __name__ == "__main__":
    jobs = [(r, b) for b in SETS.values() for r in GRID]
    with ProcessPoolExecutor(2) as ex:
        res = dict(zip(jobs, ex.map(shares, jobs)))
    print("# python docs/validation/session12/pace_fit.py (Addendum 12; 200 runs per case and arm)")
    cases = list(v.CASES)
    for label, base in SETS.items():
        print(f"\n{label}: share of runs meeting all of a case's targets, case (generic push)")
        for r in GRID:
            print(f"  alignment_rate {r:<6}" + "".join(f" {c} {res[r, base][c][0]:.2f} ({res[r, base][c][1]:.2f})" for c in cases))
    tuning = {r: res[r, 9000] for r in GRID}
    fit = best(tuning, cases)
    print(f"\nfit on all four cases (tuning seeds): alignment_rate {fit}")
    print("prediction of each case from the other three (value fitted on them, tuning seeds):")
    for c in cases:
        r = best(tuning, [o for o in cases if o != c])
        got = [res[r, SETS[k]][c] for k in ("checks 1000-1199", "fresh 1200-1399")]
        ok = all(a > 0.5 and a > p for a, p in got)
        print(f"  {c}: fitted on the others {r}; checks' seeds {got[0][0]:.2f} (push {got[0][1]:.2f}), "
              f"fresh {got[1][0]:.2f} (push {got[1][1]:.2f}): {'predicted' if ok else 'not predicted'}")
