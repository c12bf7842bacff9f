"""Check 8's null (no complacency) still shows pressure protecting an embedded field: which channel
carries that? A diagnostic on tuning seeds 9000-9199 (nothing in the model changes): the share of
runs whose embedded field falls back within 120 months, no pressure vs high pressure, with
complacency off and one more channel of pressure knocked out at a time."""
import model.experiments.validation as v

v.SEED_BASE = 9000
N = 200
ARMS = {
    "as shipped": {},
    "no complacency (check 8's null)": dict(complacency_rate=0.0),
    "  + pressure does not enable (knockout pressure_enables)": dict(complacency_rate=0.0, knockouts=("pressure_enables",)),
    "  + no continuous improvement (improvement_rate 0)": dict(complacency_rate=0.0, improvement_rate=0.0),
    "  + value does not gate (knockout value_gate)": dict(complacency_rate=0.0, knockouts=("value_gate",)),
    "  + both pressure_enables and improvement 0": dict(complacency_rate=0.0, improvement_rate=0.0,
                                                       knockouts=("pressure_enables",)),
}
for name, kw in ARMS.items():
    calm, high = v._fell_back(N, **v.CALM, **kw), v._fell_back(N, **v.HIGH, **kw)
    print(f"{name:60s} no pressure {calm:.3f}  high {high:.3f}  difference {calm - high:+.3f}", flush=True)
