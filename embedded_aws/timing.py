"""How long emulated AWS work takes (status transitions), scalable for tests and demos."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

ENV_PREFIX = "EMBEDDED_AWS_"


@dataclass
class Timings:
    """Seconds each emulated transition takes (real AWS: minutes; here: short but not instant)."""

    notebook_pending: float = 2.0
    notebook_stopping: float = 1.0
    notebook_deleting: float = 1.0
    notebook_updating: float = 1.0

    def load_environment(self) -> Timings:
        """Override fields from ``EMBEDDED_AWS_<FIELD>`` variables (e.g. ``EMBEDDED_AWS_NOTEBOOK_PENDING``)."""
        for field in fields(self):
            value = os.environ.get(ENV_PREFIX + field.name.upper())
            if value is not None:
                setattr(self, field.name, float(value))
        return self


#: The timings in force in this process.
TIMINGS = Timings().load_environment()
