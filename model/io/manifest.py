"""What every output folder records about the program that wrote it."""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the source checkout, when run from one


def version() -> str:
    """The installed innovation-sim version, or "unknown"."""
    try:
        return importlib.metadata.version("innovation-sim")
    except Exception:  # running from a source tree that is not installed
        return "unknown"


def git(*args: str, root: Path = ROOT) -> str | None:
    """Output of a read-only git command in the source checkout, or None (no git, not a checkout)."""
    try:
        r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def commit(root: Path = ROOT) -> str:
    """The git commit of the code that runs, "+ uncommitted changes" if the model's files differ
    from it, or "unknown" outside a git checkout."""
    head = git("rev-parse", "HEAD", root=root)
    if not head:
        return "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "model", "scenarios", root=root)
    return head + (" + uncommitted changes" if dirty else "")
