"""Reading back the JSON files the program writes (a sweep's _manifest.json, a folder's
manifest.json): each file kind has one pydantic model, and every caller reads it through ``load``,
so a file that is valid JSON of the wrong shape is one line naming the file and the key, whoever
reads it, rather than a traceback wherever a value is first used."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .unreadable import why_unreadable


class JsonFileError(ValueError):
    """A JSON file that cannot be read or has the wrong shape; one line."""


class Shape(BaseModel):
    """Base of the file models: JSON types as written (no "5" for 5), unknown keys kept."""
    model_config = ConfigDict(strict=True, extra="allow")


M = TypeVar("M", bound=BaseModel)
_TYPES = {"dict_type": "an object", "model_type": "an object", "list_type": "a list", "string_type": "a string",
          "int_type": "a whole number", "float_type": "a number", "bool_type": "true or false"}


def load(path: Path, model: type[M], fix: str) -> M:
    """The file at ``path`` as ``model``, or a JsonFileError naming the file, the key and ``fix``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise JsonFileError(f"{path}: unreadable ({why_unreadable(e, 'JSON file')}); {fix}") from None
    try:
        return model.model_validate_json(text)
    except ValidationError as e:
        raise JsonFileError(f"{path}: {explain(e.errors()[0])}; {fix}") from None


def explain(err: dict) -> str:
    """One pydantic error as 'key a.b: must be a list, got "x"'."""
    if err["type"] == "json_invalid":
        return f"not valid JSON ({err.get('ctx', {}).get('error', err['msg'])})"
    loc = ".".join(str(p) for p in err["loc"])
    where = f"key {loc!r}" if loc else "the whole file"
    if err["type"] == "missing":
        return f"{where}: missing"
    want = _TYPES.get(err["type"])
    what = f"must be {want}" if want else err["msg"][0].lower() + err["msg"][1:]
    got = err.get("input")
    shown = "null" if got is None else "a list" if isinstance(got, list) else "an object" if isinstance(got, dict) \
        else repr(got)
    return f"{where}: {what}, got {shown}"
