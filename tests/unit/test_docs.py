"""The README and the capability pages keep up with the code they document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import embedded_aws.extensions as extensions

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_embedded_aws_page_lists_every_extension() -> None:
    page = (ROOT / "docs" / "embedded-aws.md").read_text()
    missing = [e.name for e in extensions.ALL if f"| `{e.name}` |" not in page]
    assert missing == []


def test_readme_gives_the_two_commands() -> None:
    assert "./run demo" in README and "./run test" in README


def test_readme_links_every_capability_page() -> None:
    linked = set(LINK.findall(README))
    assert [p.name for p in PAGES if f"docs/{p.name}" not in linked] == []


@pytest.mark.parametrize("document", [ROOT / "README.md", *PAGES], ids=lambda p: p.name)
def test_relative_links_resolve(document: Path) -> None:
    targets = [t for t in LINK.findall(document.read_text()) if "://" not in t]
    assert [t for t in targets if not (document.parent / t).exists()] == []


def test_readme_stays_a_front_page() -> None:
    # the details live in docs/<capability>.md; the README is the pitch, the two commands, the map and the status
    assert len(README.splitlines()) <= 150
