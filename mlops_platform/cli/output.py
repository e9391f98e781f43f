"""Output for people (rich tables, progress) or machines (``--output json``)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.table import Table

OUTPUT_ENV = "MLOPS_OUTPUT"
OUTPUT_FORMATS = ("text", "json")

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)


def output_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--output text|json`` (env ``MLOPS_OUTPUT``, default text)."""
    return click.option(
        "--output", "output", type=click.Choice(OUTPUT_FORMATS), default=lambda: os.environ.get(OUTPUT_ENV, "text"),
        show_default="text", help=f"Output format (env {OUTPUT_ENV}).",
    )(command)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(str(cell) for cell in row))
    console.print(grid)


@contextmanager
def progress(message: str, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A spinner with the latest step; yields the function that reports a step (to stderr)."""
    if not enabled:
        yield lambda _: None
        return
    with err_console.status(message) as status:
        def report(step: str) -> None:
            status.update(f"{message} — {step}")
            err_console.print(f"  • {step}")

        yield report
