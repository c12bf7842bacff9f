"""How sure is check 6's design verdict? (session 26, a diagnostic after design_slots.py refuted its
hypothesis: no slot is ever full; nothing changed.) Check 6's design half asks that lowering
authority on entering design cost more progress than lowering capacity (A > C). Per run, progress is
+1/0/-1 in each arm on common random numbers (`validation.phase_progress`, what check 6 averages), so
A's loss minus C's is a paired difference; this prints it with a 90% bootstrap interval for the
baseline and Addendum 30's proof threshold on the checks' seeds (1000-1199) and the tuning seeds
(9000-9199); then on 1000 fresh seeds (10000-10999, never used before) for each, to size the effect
(expectation written before that run: about +0.015 at the baseline, its interval reaching 0).

    python docs/validation/session26/design_margin.py > docs/validation/session26/design_margin.txt
"""
import numpy as np

import model.experiments.validation as v

N = 200


def progress(base: int, n: int = N, **kw) -> np.ndarray:
    """(4 arms: control, A, C, V lowered; runs entering design) progress, as check 6 measures it."""
    with v.on_seeds(base):
        return v.phase_progress(n, 1, **kw)


def margin(p: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float, float, np.ndarray]:
    """(losses A/C/V, A's loss minus C's per run, the 90% bootstrap interval of its mean, the resampled means)."""
    loss = p[0] - p[1:]  # (3, runs)
    d = loss[0] - loss[1]
    boot = np.array([d[rng.integers(0, len(d), len(d))].mean() for _ in range(4000)])
    lo, hi = np.percentile(boot, [5, 95])
    return loss, d, lo, hi, boot


def main() -> None:
    rng = np.random.default_rng(26)
    print("seeds proof_threshold | loss A / C / V (runs) | A minus C, 90% bootstrap interval | P(A > C) over resamples")
    for base, n in ((1000, N), (9000, N), (10000, 1000)):
        for pt in (0.5, 0.7274):
            loss, d, lo, hi, boot = margin(progress(base, n, proof_threshold=pt), rng)
            print(f"{base}-{base + n - 1} {pt:.4f} | {loss[0].mean():.3f} / {loss[1].mean():.3f} / {loss[2].mean():.3f} "
                  f"({len(d)}) | {d.mean():+.3f} [{lo:+.3f}, {hi:+.3f}] | {(boot > 0).mean():.2f}", flush=True)


if __name__ == "__main__":
    main()
