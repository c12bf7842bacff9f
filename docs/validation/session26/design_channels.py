"""Through which channel does authority act in design? (session 26, a diagnostic after design_margin.py;
nothing changed.) Check 6's losses on 1000 fresh seeds (10000-10999) at the baseline, with the model as
it is and with the authority-to-capacity flow cut (`flow_ac`: authority no longer feeds capacity along
links), and with every phase needing the corners equally (`flat_needs`, check 6's null). If authority
matters in design mostly by creating capacity (004:115-126: it "generate[s] increased organisational
capacity"), cutting the flow removes most of its loss. Expectation (before running): it removes about
half.

    python docs/validation/session26/design_channels.py > docs/validation/session26/design_channels.txt
"""
import numpy as np

from design_margin import margin, progress


def main() -> None:
    rng = np.random.default_rng(26)
    print("arm | loss A / C / V in design (runs) | A minus C, 90% bootstrap interval")
    for label, kw in (("as it is", {}), ("flow_ac cut", {"knockouts": ("flow_ac",)}),
                      ("flat_needs", {"knockouts": ("flat_needs",)})):
        loss, d, lo, hi, _ = margin(progress(10000, 1000, **kw), rng)
        print(f"{label} | {loss[0].mean():.3f} / {loss[1].mean():.3f} / {loss[2].mean():.3f} ({len(d)}) | "
              f"{d.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]", flush=True)


if __name__ == "__main__":
    main()
