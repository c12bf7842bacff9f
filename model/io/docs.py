"""`python -m model.io.docs`: rewrite the parameter table in docs/ODD.md from the registry."""

from __future__ import annotations

import re
from pathlib import Path

from ..core.parameters import markdown_table, region_markdown_table

ODD = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"
BLOCK = re.compile(r"(<!-- parameters:start -->\n).*?(<!-- parameters:end -->)", re.S)
REGION_BLOCK = re.compile(r"(<!-- region-parameters:start -->\n).*?(<!-- region-parameters:end -->)", re.S)


def render(text: str) -> str:
    text = BLOCK.sub(lambda m: m.group(1) + markdown_table() + "\n" + m.group(2), text)
    return REGION_BLOCK.sub(lambda m: m.group(1) + region_markdown_table() + "\n" + m.group(2), text)


if __name__ == "__main__":
    ODD.write_text(render(ODD.read_text()))
    print(f"updated {ODD}")
