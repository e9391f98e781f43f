"""Errors only the operator's side raises (the shared ones live in ``mlops_runtime.errors``)."""

from __future__ import annotations

from mlops_runtime.errors import MlopsError


class LocalNotRunningError(MlopsError):
    """A command needs the embedded AWS but none is running."""

    exit_code = 3


class DeployError(MlopsError):
    """A stack did not reach a complete state."""
