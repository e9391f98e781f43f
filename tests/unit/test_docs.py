"""The README keeps up with the code it documents."""

from __future__ import annotations

from pathlib import Path

import embedded_aws.extensions as extensions

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_readme_lists_every_extension() -> None:
    missing = [e.name for e in extensions.ALL if f"| `{e.name}` |" not in README]
    assert missing == []


def test_readme_gives_the_two_commands() -> None:
    assert "./run demo" in README and "./run test" in README
