"""(docs/validation/session23/design_channels.py; output design_channels.txt) Check 6's design arm (loss
of progress when a corner's agents aim 0.1 lower on entering design; 200 runs, tuning seeds
9000-9199) at the baseline's proof threshold and at the adopted posterior's median (0.644), and at
0.644 with one of capacity's channels in design switched off at a time, to see which carries
capacity's lead there (a diagnostic; nothing changed).
    .venv/bin/python docs/validation/session23/design_channels.py"""
import model.experiments.validation as v
from model.core.lifecycle import Phase

v.SEED_BASE = 9000
ARMS = {
    "proof 0.5 (baseline)": {},
    "proof 0.644": {"proof_threshold": 0.644},
    "proof 0.644, no capacity gate to leave design (capacity_threshold 0)": {"proof_threshold": 0.644, "capacity_threshold": 0.0},
    "proof 0.644, trials never killed (trial_failure_rate 0)": {"proof_threshold": 0.644, "trial_failure_rate": 0.0},
    "proof 0.644, no reversal from design (reversal_rate_design 0)": {"proof_threshold": 0.644, "reversal_rate_design": 0.0},
}
for name, kw in ARMS.items():
    sens, runs = v.phase_sensitivity(200, Phase.DESIGN, after=24, **kw)
    print(f"{name}: design A/C/V {sens[0]:.3f}/{sens[1]:.3f}/{sens[2]:.3f} ({runs} runs)", flush=True)
