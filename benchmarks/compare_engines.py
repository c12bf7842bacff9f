"""Do two versions of the model give the same runs? Runs a fixed set of localities (13 scenarios,
shocks, elections, arrivals, commissioning, grants) and two regions with the code of a git
revision and with the working tree, and compares every time series, event log and region table:
integers and text exactly, floats within 1e-9 (summation order may differ; ``--tol``).

    .venv/bin/python benchmarks/compare_engines.py [--base cea44a4] [--quick]

Issue 12 used it to show that the batched engine equals the 0.1 engine (cea44a4). Exit code 1 if
anything differs.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["knowsley", "tower_hamlets", "south_tyneside", "highlands", "inspection_failure",
             "new_chief_executive", "election_year", "leader_leaves_mainstreaming", "pilot_grant_ends",
             "budget_cut", "flood_crisis", "gouda"]

# Runs in a fresh interpreter with the code to test first on sys.path; prints a pickle path.
RUNNER = '''
import pickle, sys
sys.path.insert(0, sys.argv[1])
import model
try:
    from model.io.scenario import load
except ImportError:
    from model.scenario import load
quick = sys.argv[3] == "1"
out = {}
for s in range(2 if quick else 6):
    m = model.Locality(seed=s).run_for(120)
    out[("baseline", s)] = (m.timeseries(), m.events())
for name in %r[: 4 if quick else None]:
    sc = load(name)
    for s in (1, 2):
        m = sc.build(s)
        m.run_for(sc.months)
        out[(name, s)] = (m.timeseries(), m.events())
regions = {1: (40, 5, 120)} if quick else {1: (40, 5, 120), 2: (388, 47, 90)}
for s, (c, f, months) in regions.items():
    r = load("england_2006").with_overrides(parameters={"region.councils": c, "region.fire_authorities": f}).build(s)
    r.run_for(months)
    out[("region", s)] = (r.timeseries(), r.events(), r.diffusion(), r.survey())
pickle.dump(out, open(sys.argv[2], "wb"))
''' % (SCENARIOS,)


def run(code: Path, quick: bool, tmp: Path, tag: str) -> dict:
    out = tmp / f"{tag}.pkl"
    subprocess.run([sys.executable, "-c", RUNNER, str(code), str(out), "1" if quick else "0"], check=True,
                   cwd=code)
    return pickle.load(open(out, "rb"))


def differences(key, a: pd.DataFrame, b: pd.DataFrame, tol: float = 1e-9) -> list[str]:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return [f"{key}: shape or columns differ: {a.shape} {b.shape}"]
    out = []
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]):
            x, y = a[c].to_numpy(float), b[c].to_numpy(float)
            d = np.where(np.isnan(x) & np.isnan(y), 0.0, np.abs(x - y))
            if not (np.nan_to_num(d, nan=np.inf) <= tol).all():
                out.append(f"{key}: {c} differs by up to {np.nanmax(d):.3g}")
        elif not (a[c].astype(str).to_numpy() == b[c].astype(str).to_numpy()).all():
            out.append(f"{key}: {c} differs")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="cea44a4", help="git revision to compare with (default: the 0.1 engine)")
    ap.add_argument("--quick", action="store_true", help="fewer runs and one small region")
    ap.add_argument("--tol", type=float, default=1e-9, help="largest difference allowed between floats (0: bit for bit)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = tmp / "base"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.base, "model", "scenarios"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        t = time.perf_counter()
        old = run(base, args.quick, tmp, "base")
        new = run(ROOT, args.quick, tmp, "new")
    problems = []
    for key, frames in old.items():
        for a, b in zip(frames, new[key]):
            problems += differences(key, a, b, args.tol)
    print(f"{len(old)} runs compared with {args.base} in {time.perf_counter() - t:.0f} s: "
          + (f"identical (floats within {args.tol:g})" if not problems else f"{len(problems)} differences"))
    for p in problems[:20]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
