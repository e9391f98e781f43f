"""Errors raised by the embedded AWS."""

from __future__ import annotations


class EmbeddedAwsError(Exception):
    """Base class for embedded AWS errors."""


class PortInUseError(EmbeddedAwsError):
    """The requested port is already bound by another process."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"port {port} on {host} is already in use; pick another with --port or stop the process using it")
        self.host = host
        self.port = port


class ServerNotRunningError(EmbeddedAwsError):
    """No embedded AWS server answers at the expected address."""
