"""`python -m model`: run the built-in default locality and print a short summary."""

from __future__ import annotations

import argparse
import time

from .core.lifecycle import PHASE_NAMES
from .core.locality import Locality


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m model", description=(
        "Run the built-in default locality (five service fields, about 300 agents) and print, for "
        "each field, the phase it ended in, the furthest phase it reached and the public value created."))
    ap.add_argument("--months", type=int, default=120, help="how many months to simulate (default 120)")
    ap.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same run (default 1)")
    args = ap.parse_args(argv)
    if args.months < 1:
        ap.error("--months must be at least 1")

    t = time.perf_counter()
    m = Locality(seed=args.seed).run_for(args.months)
    elapsed = time.perf_counter() - t
    ts = m.timeseries()
    furthest = ts.groupby("field", observed=True).phase.max()
    s = m.summary()
    s.insert(2, "furthest phase", [PHASE_NAMES[furthest[f]] for f in m.fields])
    print(f"innovation-sim: default locality, {len(m.agents)} agents, {args.months} months, seed {args.seed} "
          f"({elapsed * 1000:.0f} ms)\n")
    print(s.rename(columns={"phase": "phase at end", "public_value": "public value"}).to_string(index=False))
    print(f"\nLocality phase (its leading innovation): {PHASE_NAMES[m.locality_phase]}; "
          f"innovativeness: {m.innovativeness}; total public value: {m.public_value.sum():+.3f}")
    print("Public value = performance above the starting level, summed over months / 12 (performance-years).")
    return 0


def _guarded() -> int:
    """`python -m model | head` ends quietly (a traceback used to follow), as `innovation-sim` does."""
    import sys
    try:
        return main()
    except BrokenPipeError:
        from .cli import reader_gone  # (only then: the command line's imports are not this one's)
        return reader_gone()
    except KeyboardInterrupt:
        print("python -m model: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(_guarded())
