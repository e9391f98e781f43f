"""Embedded AWS: moto's threaded server plus the platform's extensions, with three accounts.

The platform runs against this by default so that every flow can be tried on a laptop.
Start it with :class:`EmbeddedAws` (in-process) or ``python -m embedded_aws serve`` (own process).

The server's names load on first use, so that :mod:`embedded_aws.iam.evaluator` (pure Python) serves the operator's
offline policy checks where moto is not installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embedded_aws.accounts import AccountSet
    from embedded_aws.errors import EmbeddedAwsError, PortInUseError
    from embedded_aws.server import EmbeddedAws

__all__ = ["AccountSet", "EmbeddedAws", "EmbeddedAwsError", "PortInUseError"]

_HOMES = {"AccountSet": "embedded_aws.accounts", "EmbeddedAwsError": "embedded_aws.errors",
          "PortInUseError": "embedded_aws.errors", "EmbeddedAws": "embedded_aws.server"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'embedded_aws' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
