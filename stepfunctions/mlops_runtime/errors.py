"""Errors shared by the functions and the CLI; each carries the CLI exit code it maps to."""

from __future__ import annotations


class MlopsError(Exception):
    """Base class: a failure the user can act on, reported as one line."""

    exit_code = 1


class ConfigError(MlopsError):
    """Bad input or settings (unknown profile, missing account id, bad flag value)."""

    exit_code = 2


class ApiError(Exception):
    """A refusal by an API handler, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
