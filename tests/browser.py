"""Shared helpers of the browser tests (tests/test_app.py, tests/test_workshop.py): Debian's
chromium driven by Playwright (never `playwright install`), free localhost ports, and browser
contexts that block and record every request leaving 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(playwright):
    """Debian's chromium, headless; fails with the fix if it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium "
                    "(.ci/run installs it; never `playwright install`)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def offline(ctx):
    """Let ``ctx`` reach 127.0.0.1 (and data:/blob: URLs) only; other requests are aborted and
    kept in ``ctx.outside``. Returns the context."""
    ctx.outside = []

    def route(r):
        url = r.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            r.continue_()
        else:
            ctx.outside.append(url)
            r.abort()

    ctx.route("**/*", route)
    return ctx


def wait_until_serving(proc, url: str, log: Path, what: str, timeout: float = 60) -> None:
    """Wait until ``url`` answers 200; fail with the end of ``log`` if ``proc`` exits or ``timeout``
    seconds pass (then ``proc`` is killed)."""
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with code {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{what} did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
