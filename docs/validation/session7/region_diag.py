"""ODD 10.5 item 7: England 2006 at the shipped point with success strengthening links (7.3) on and
off; the session-6 diagnostic with MECHANISM success (named in validation-plan Addendum 7).
    python docs/validation/session7/region_diag.py FIRST LAST [ARMS=2]"""
import runpy
import sys
from pathlib import Path

sys.argv = [sys.argv[0], *sys.argv[1:4], *(["2"] if len(sys.argv) < 4 else []), "success"]
runpy.run_path(str(Path(__file__).parent.parent / "session6" / "region_diag.py"), run_name="__main__")
