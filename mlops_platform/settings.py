"""Configuration: explicit argument > environment variable > default, resolved in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from mlops_runtime.errors import ConfigError

# Environment variable names -------------------------------------------------------------
TARGET_ENV = "MLOPS_TARGET"
STATE_DIR_ENV = "MLOPS_STATE_DIR"
PROJECT_ENV = "MLOPS_PROJECT"
STAGING_ACCOUNT_ENV = "MLOPS_STAGING_ACCOUNT"
PROD_ACCOUNT_ENV = "MLOPS_PROD_ACCOUNT"
TARGET_ROLE_ENV = "MLOPS_TARGET_ROLE"

TARGETS = ("local", "aws")
DEFAULT_REGION = "us-east-1"
DEFAULT_TARGET_ROLE = "OrganizationAccountAccessRole"


@overload
def resolve(argument: str | None, env_var: str, default: str) -> str: ...
@overload
def resolve(argument: str | None, env_var: str, default: None = None) -> str | None: ...
def resolve(argument: str | None, env_var: str, default: str | None = None) -> str | None:
    """The explicit argument if given, else the environment variable, else ``default``."""
    if argument not in (None, ""):
        return argument
    return os.environ.get(env_var) or default


def state_dir(argument: str | None = None) -> Path:
    """Folder holding the local server's state file (``~/.mlops`` by default)."""
    return Path(resolve(argument, STATE_DIR_ENV, str(Path.home() / ".mlops")))


@dataclass(frozen=True)
class TargetSettings:
    """Where commands act: the embedded AWS (``local``) or a real account (``aws``)."""

    target: str
    region: str
    profile: str | None
    staging_account: str | None
    prod_account: str | None
    target_role: str

    @classmethod
    def resolve(
        cls,
        target: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        staging_account: str | None = None,
        prod_account: str | None = None,
        target_role: str | None = None,
    ) -> TargetSettings:
        chosen = resolve(target, TARGET_ENV, "local")
        if chosen not in TARGETS:
            raise ConfigError(f"unknown target {chosen!r}: use one of {', '.join(TARGETS)}")
        resolved_region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        settings = cls(
            target=chosen,
            region=resolved_region,
            profile=resolve(profile, "AWS_PROFILE"),
            staging_account=resolve(staging_account, STAGING_ACCOUNT_ENV),
            prod_account=resolve(prod_account, PROD_ACCOUNT_ENV),
            target_role=resolve(target_role, TARGET_ROLE_ENV, DEFAULT_TARGET_ROLE),
        )
        for name in ("staging_account", "prod_account"):
            value = getattr(settings, name)
            if value is not None and not (value.isdigit() and len(value) == 12):
                raise ConfigError(f"--{name.replace('_', '-')} must be a 12-digit account id, got {value!r}")
        return settings
