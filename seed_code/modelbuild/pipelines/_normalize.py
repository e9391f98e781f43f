"""Stable form of a rendered pipeline definition, for golden files and review diffs.

The SDK puts content hashes, upload timestamps and the build machine's paths into a definition; those
change on every render and say nothing about the pipeline's shape, so they are replaced by placeholders.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_PATTERNS = [
    (re.compile(r"/code/[0-9a-f]{64}/"), "/code/<sha256>/"),
    (re.compile(r"-\d{14}/input/"), "-<timestamp>/input/"),
]


def normalize(definition: dict[str, Any], source_root: Path | None = None) -> dict[str, Any]:
    """``definition`` with hashes, timestamps and the local ``source_root`` path replaced by placeholders."""
    text = json.dumps(definition)
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    if source_root is not None:
        text = text.replace(json.dumps(str(source_root))[1:-1], "<source>")
    return json.loads(text)
