"""What every output folder records about the program that wrote it."""

from __future__ import annotations

import importlib.metadata


def version() -> str:
    """The installed innovation-sim version, or "unknown"."""
    try:
        return importlib.metadata.version("innovation-sim")
    except Exception:  # running from a source tree that is not installed
        return "unknown"
