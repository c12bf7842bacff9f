import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # shared test helpers (clihelp.py)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def playwright():
    """The one Playwright of this test process: the sync API refuses a second instance while one
    is running in the same thread, so every browser test shares this one (tests/browser.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
