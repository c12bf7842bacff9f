"""Digest of built and run regions and localities, to check that a speed change keeps every result
bit for bit: England 2006, a 60-place region, a 60-place region whose places differ in roster
size, clique size and link settings (group effects), the baseline locality and localities whose
shocks change the roster and links (leaders, commissioning), seeds 0-5, each built and run 120 months.

    .venv/bin/python benchmarks/check_build_identical.py [--save ref.json] [--against ref.json]

The digest hashes every numpy array (and sparse matrix) in the engine's and the model's state
after the build and after the run, the random streams' states, and the outputs (records,
timeseries, outcomes, events).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import fields, is_dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

SCENARIOS = ("england_2006", "region_60", "region_60_mixed", "baseline", "new_chief_executive",
             "leader_leaves_mainstreaming", "knowsley", "election_year")
# region_60 with places of several rosters, clique sizes and link tables, interleaved in place order.
MIXED = {"effects.fire.n_residents": -100, "effects.london.n_councillors": 8, "effects.district.core_clique_size": 3,
         "effects.north_west.density_within_layer": 0.05, "effects.county.n_partners": 6}
SEEDS = range(6)
MONTHS = 120


def _feed(h, name: str, v, depth: int = 0) -> None:
    """Hash ``v`` (arrays, sparse matrices, containers of them, plain values) into ``h``."""
    h.update(name.encode())
    if isinstance(v, np.ndarray):
        h.update(str((v.dtype, v.shape)).encode())
        h.update(np.ascontiguousarray(v).tobytes() if v.dtype != object else repr(v.tolist()).encode())
    elif sp.issparse(v):
        v = sp.csr_array(v)
        for part in (v.data, v.indices, v.indptr, np.array(v.shape)):
            _feed(h, "", part)
    elif isinstance(v, pd.DataFrame):
        h.update(pd.util.hash_pandas_object(v, index=True).values.tobytes())
        h.update(repr(list(v.columns)).encode())
    elif isinstance(v, np.random.Generator):
        h.update(repr(v.bit_generator.state).encode())
    elif depth < 3 and isinstance(v, dict):
        for k in sorted(v, key=str):
            _feed(h, str(k), v[k], depth + 1)
    elif depth < 3 and isinstance(v, (list, tuple)):
        for k, x in enumerate(v):
            _feed(h, str(k), x, depth + 1)
    elif depth < 3 and is_dataclass(v) and not isinstance(v, type):
        for f in fields(v):
            _feed(h, f.name, getattr(v, f.name), depth + 1)
    elif isinstance(v, (int, float, str, bool, type(None), np.generic)):
        h.update(repr(v).encode())


def state_digest(obj) -> str:
    """Hash of the numeric state of a model and its engine."""
    h = hashlib.sha256()
    for owner in (obj, obj.engine):
        for k in sorted(vars(owner)):
            if k.startswith("_phase") or k in ("_beacon_key",):
                continue  # caches keyed on bytes: their content is hashed elsewhere
            _feed(h, k, vars(owner)[k])
    _feed(h, "rngs", obj.engine.rngs)
    return h.hexdigest()


def output_digest(obj) -> str:
    h = hashlib.sha256()
    if hasattr(obj, "_records"):
        _feed(h, "records", obj._records)
        _feed(h, "events", obj.events())
    else:
        _feed(h, "timeseries", obj.timeseries())
        _feed(h, "events", pd.DataFrame(obj.event_log))
    _feed(h, "place_events", obj.engine.events_frame(None))
    _feed(h, "outcomes", obj.outcomes())
    return h.hexdigest()


def digests() -> dict[str, str]:
    from model.io.scenario import load
    out = {}
    for name in SCENARIOS:
        s = load("region_60").with_overrides(parameters=MIXED) if name == "region_60_mixed" else load(name)
        for seed in SEEDS:
            m = s.build(seed)
            out[f"{name}/{seed}/build"] = state_digest(m)
            m.run_for(MONTHS)
            out[f"{name}/{seed}/run_state"] = state_digest(m)
            out[f"{name}/{seed}/outputs"] = output_digest(m)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--save")
    ap.add_argument("--against")
    args = ap.parse_args()
    import model
    print("model from", model.__file__)
    d = digests()
    if args.save:
        with open(args.save, "w") as f:
            json.dump(d, f, indent=1)
    if args.against:
        with open(args.against) as f:
            ref = json.load(f)
        bad = [k for k in ref if ref[k] != d.get(k)]
        print(f"{len(ref) - len(bad)}/{len(ref)} digests identical")
        for k in bad:
            print("  DIFFERS:", k)
        sys.exit(1 if bad else 0)
    for k, v in d.items():
        print(k, v[:16])


if __name__ == "__main__":
    main()
