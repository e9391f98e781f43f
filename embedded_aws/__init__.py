"""Embedded AWS: moto's threaded server plus the platform's extensions, with three accounts.

The platform runs against this by default so that every flow can be tried on a laptop.
Start it with :class:`EmbeddedAws` (in-process) or ``python -m embedded_aws serve`` (own process).
"""

from embedded_aws.accounts import AccountSet
from embedded_aws.errors import EmbeddedAwsError, PortInUseError
from embedded_aws.server import EmbeddedAws

__all__ = ["AccountSet", "EmbeddedAws", "EmbeddedAwsError", "PortInUseError"]
