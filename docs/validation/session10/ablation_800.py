"""The ablation table and the UK case values on 800 fresh runs per arm, seeds 6000-6799
(docs/validation-plan.md Addendum 9): the same arms, pairing, bootstrap and criterion as
`innovation-sim validate --ablation` (model/experiments/ablation.py; only its defaults changed since,
to this table), more runs.

    .venv/bin/python docs/validation/session10/ablation_800.py [RUNS] [FIRST_SEED] > docs/validation/session10/ablation_800.md
"""

from __future__ import annotations

import sys
import time

from model.experiments import ablation


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 800
    base = int(sys.argv[2]) if len(sys.argv) > 2 else 6000
    start = time.perf_counter()
    text = ablation.markdown(ablation.table(n, base), n, base)
    text += "\n\n" + ablation.case_markdown(ablation.case_value(n, base), base)
    print(f"# Ablation table, {n} runs per arm (validation-plan Addendum 9)\n\n{text}\n\n"
          f"({time.perf_counter() - start:.0f} s on one core)")


if __name__ == "__main__":
    main()
