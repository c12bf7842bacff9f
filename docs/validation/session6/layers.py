"""ODD 8's note on the link layers: effect on P(pushed education reaches mainstreaming) of each vertical
layer at 0 (ablation seeds 5000-5199), with continuous improvement on and off, and with pressure as
enabler knocked out in both arms.
    python docs/validation/session6/layers.py"""
from model.experiments import ablation as ab

for label, ko, extra in (("full model", (), ()), ("improvement_rate 0", (), (("improvement_rate", 0.0),)),
                         ("pressure as enabler off", ("pressure_enables",), ())):
    full = ab.outcomes(200, ab.Arm("full", "full", ko, params=extra))
    line = [f"{label}: P(mainstreaming) {full.mainstreaming.mean():.3f}"]
    for arm in ab.ARMS:
        if arm.group == "layer" and "horizontal" not in arm.name:
            out = ab.outcomes(200, ab.Arm(arm.group, arm.name, ko, params=tuple(arm.params) + extra))
            line.append(f"{arm.name}: {out.mainstreaming.mean() - full.mainstreaming.mean():+.3f}")
    print("; ".join(line), flush=True)
