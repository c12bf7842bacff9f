import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # shared test helpers (clihelp.py)

# A shell without job control starts a background job (`make test &`) with SIGINT ignored, and
# every child inherits that, so the Ctrl-C tests' subprocesses would never see their Ctrl-C.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def playwright():
    """The one Playwright of this test process: the sync API refuses a second instance while one
    is running in the same thread, so every browser test shares this one (tests/browser.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
