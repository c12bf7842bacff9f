"""Bit-for-bit check of a mechanism switched off (session 12): digests of 8 scenarios x 3 seeds. Run once on the
commit before the mechanism (a git worktree, PYTHONPATH there) with no arguments, and once on the new code with
`off PARAMETER` (the parameter set to 0); the two outputs must be identical. Used for learning_from_failure
(reference 54e3bb9) and efficiency_threat (reference 46678cd, the Addendum 13 commit): 24 of 24 identical."""
import hashlib, sys, numpy as np
from model.io.scenario import load
off = len(sys.argv) > 1 and sys.argv[1] == "off"
out = []
for name in ["baseline", "inspection_failure", "knowsley", "highlands", "south_tyneside", "tower_hamlets", "partnership_board", "region_60"]:
    for seed in (0, 1, 2):
        s = load(name)
        if off:
            s = s.with_overrides(parameters={sys.argv[2]: 0.0})
        s2, _ = s.for_replicate(seed)
        m = s2.build(seed)
        m.run_for(min(s.months, 60) if name == "region_60" else s.months)
        e = m.engine
        h = hashlib.sha256()
        for a in (e.phase, e.performance, e.public_value, e.trial_quality, e.failed_trials, e.corners, e.realised):
            h.update(np.ascontiguousarray(a).tobytes())
        out.append(f"{name} {seed} {h.hexdigest()[:16]}")
print("\n".join(out))
