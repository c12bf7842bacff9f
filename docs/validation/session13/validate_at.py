"""`innovation-sim validate --out DIR` with registry defaults changed for this process only (no file
is touched): validation-plan Addendum 14's run of every check with efficiency_threat at the eighth
ABC run's posterior median.
    python docs/validation/session13/validate_at.py DIR efficiency_threat=0.40 [name=value ...]"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "session12"))
from _common import set_defaults  # noqa: E402  (the session-12 folder's helper)

from model.cli import main  # noqa: E402

out, *pairs = sys.argv[1:]
set_defaults({k: float(v) for k, v in (p.split("=", 1) for p in pairs)})
sys.exit(main(["validate", "--out", out]))
