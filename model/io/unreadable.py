"""Why a file could not be read or written, in plain words for a one-line error: the class name of
the exception (UnicodeDecodeError, ArrowInvalid, JSONDecodeError) means nothing to the person who has
to fix the file, its position in the file (or the system's reason) does."""

from __future__ import annotations

import errno
import json
import tomllib


def os_reason(e: OSError, with_file: bool = False) -> str:
    """The system's reason an operation on a file failed ("Permission denied", "No space left on
    device"), its errno's name if it gave no words; ``with_file``: followed by the file it named."""
    what = e.strerror or errno.errorcode.get(e.errno or 0, "") or str(e)
    return f"{what}: {e.filename}" if with_file and e.filename else what


def why_unreadable(e: BaseException, kind: str, detail: bool = False) -> str:
    """What is wrong with a file that raised ``e`` when read as a ``kind`` ("Parquet file", "CSV
    table", "JSON file"...): e.g. "not UTF-8 text (byte 12)", "not a Parquet file or damaged".
    ``detail``: add the first line of the reader's own words, for readers that say where (pandas'
    CSV parser gives the line)."""
    if isinstance(e, UnicodeDecodeError):
        return f"not UTF-8 text (byte {e.start})"
    if isinstance(e, json.JSONDecodeError):
        return f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})"
    if isinstance(e, tomllib.TOMLDecodeError):
        return f"not valid TOML ({str(e).splitlines()[0]})"  # its text gives the line and column
    if isinstance(e, MemoryError):
        return "too large to read in the memory there is"
    if isinstance(e, OSError) and (e.strerror or e.errno):  # the system's reason: permission, missing...
        return e.strerror or errno.errorcode.get(e.errno or 0, "") or "cannot be read"
    # A reader's complaint about the content (pyarrow's "magic bytes not found", a CSV parser's or an
    # OSError without errno from a damaged page): the file is not what it should be.
    said = str(e).splitlines()[0].strip() if detail and str(e).strip() else ""
    return f"not a {kind} or damaged" + (f": {said}" if said else "")
