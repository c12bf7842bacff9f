"""Output folders written whole: filled in a hidden temporary folder beside the target, then
swapped into place, so an interrupted or failed write never leaves a half-written folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``out`` (an older ``out`` is removed), on
    any error or interrupt it is removed and ``out`` is left as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_atomic(path: Path, text: str, private: bool = False) -> None:
    """Write ``text`` to a hidden temporary file beside ``path``, then rename it into place: a crash
    mid-write leaves the old file (or none), never a half-written one. The temporary name carries
    the process id, so two processes writing the same file do not share one. ``private``: readable
    and writable by the owner only (0600) from the moment it exists, for files holding secrets."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if private:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by the umask; an existing file keeps its own
        with os.fdopen(fd, "w") as f:
            f.write(text)
    else:
        tmp.write_text(text)
    os.replace(tmp, path)
