"""Output folders written whole: filled in a hidden temporary folder beside the target, then
swapped into place, so an interrupted or failed write never leaves a half-written folder."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


# The advisory lock a sweep or a workshop holds beside what it writes (``one_writer``).
LOCK_SUFFIX = ".innovation-sim-lock"
# The file that marks a calibration's folder (experiments/abc.py; reproduce reads it too).
CALIBRATION_MARKER = "_calibration.json"


def check_replaceable(out: Path, marker: str | None, flag: str = "--out") -> None:
    """Refuse (FileExistsError, one line) to replace ``out`` unless it is absent, empty, or an
    earlier output of the same command (it holds ``marker``; None: a folder only this command
    writes, such as a sweep's _analysis/): a folder of anything else, the current folder or one
    above it would be deleted by the swap."""
    out = Path(out)
    if not out.exists():
        above = next((a for a in out.parents if a.exists()), None)
        if above is not None and not above.is_dir():  # discovered the hard way after the work, before
            raise FileExistsError(errno.EEXIST, f"{flag} {out}: {above} is a file, not a folder; choose a folder "
                                                f"for the results")
        return
    if not out.is_dir():
        raise FileExistsError(errno.EEXIST, f"{flag} {out}: is a file, not a folder; choose a folder for the results")
    if Path.cwd().resolve().is_relative_to(out.resolve()):
        raise FileExistsError(errno.EEXIST, f"{flag} {out}: is the current folder or holds it; choose a new folder")
    if marker is not None and any(out.iterdir()) and not (out / marker).is_file():
        raise FileExistsError(errno.EEXIST, f"{flag} {out}: already exists and holds files this command did not "
                                            f"write (no {marker}); choose another folder")


@contextmanager
def staged(out: Path, marker: str | None) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``out`` (an earlier output of the same
    command, which holds ``marker``, is removed), on any error or interrupt it is removed and
    ``out`` is left as it was. Any other existing folder is refused (``check_replaceable``)."""
    check_replaceable(out, marker)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as e:  # named by the folder asked for, not by a temporary one
        raise OSError(e.errno, f"{e.strerror or e}: {out}") from None
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """A hidden temporary path beside ``path`` to write to, renamed into place when the block ends
    and removed if it fails or is interrupted: a crash mid-write leaves the old file (or none),
    never a half-written one. The temporary name carries the process id, so two processes writing
    the same file do not share one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str, private: bool = False) -> None:
    """Write ``text`` whole or not at all (``written_whole``). ``private``: readable and writable by
    the owner only (0600) from the moment it exists, for files holding secrets."""
    with written_whole(path) as tmp:
        if private:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by the umask; an existing file keeps its own
            with os.fdopen(fd, "w") as f:
                f.write(text)
        else:
            tmp.write_text(text)


class Busy(Exception):
    """Another process holds the lock of ``one_writer``."""


@contextmanager
def one_writer(out: Path) -> Iterator[None]:
    """Hold ``out`` (a folder or a file) for this process while it writes: a second writer (started at
    the same moment, both seeing it empty, or a second workshop server on one save file) is refused
    (``Busy``) instead of overwriting the first's work. An advisory lock (flock) in a hidden file
    beside it, released when the process ends, however it ends; on a file system without locks
    (some NFS, FUSE), no lock. OSError if the folder beside it cannot be made."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    out = Path(out)
    lock = out.parent / f".{out.name}{LOCK_SUFFIX}"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = None
    for _ in range(10):  # the file locked must still be the one named: a holder unlinks it as it ends
        try:
            fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise Busy(str(out)) from None
        except OSError:  # no locks here (ENOLCK, EOPNOTSUPP...) or no lock file: go on without
            if fd is not None:
                os.close(fd)
            fd = None
            break
        try:
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
        fd = None
    try:
        yield
    finally:
        if fd is not None:
            lock.unlink(missing_ok=True)
            os.close(fd)
