"""(docs/validation/session21/at_particle.py; output at_particles.txt) Checks at one set of the lone council's shared settings (trigger_rate, proof_threshold,
reversal_rate_design) as every locality's default. argv: seed_base tr pt rr [check ids...]"""
import dataclasses, sys
import model.core.parameters as P
seed_base, tr, pt, rr = int(sys.argv[1]), *map(float, sys.argv[2:5])
only = [int(x) for x in sys.argv[5:]] or None
for k, val in zip(("trigger_rate", "proof_threshold", "reversal_rate_design"), (tr, pt, rr)):
    P.REGISTRY[k] = dataclasses.replace(P.REGISTRY[k], default=val)
import model.experiments.validation as v  # noqa: E402
v.SEED_BASE = seed_base
for c, r, sec in v.run_all(quick=False, only=only, progress=False):
    print(f"{tr:.3f} {pt:.3f} {rr:.4f} | {c.id} {v.status(c, r)} | {r.statistic} | {r.null} | {sec:.0f}s", flush=True)
