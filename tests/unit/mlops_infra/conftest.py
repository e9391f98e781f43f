"""One synthesis of the default app, shared by the infrastructure tests (synth takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from mlops_infra.synth import SHIPPED_NETWORK_CIDR, SynthesizedStack, synthesize
from mlops_runtime.config import PlatformConfig


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    return synthesize(PlatformConfig(), tmp_path_factory.mktemp("cdk"))


@pytest.fixture(scope="session")
def tooling(synthesized: dict[str, SynthesizedStack]) -> Template:
    return Template.from_json(synthesized["mlops-tooling"].template)


@pytest.fixture(scope="session")
def target_account(synthesized: dict[str, SynthesizedStack]) -> Template:
    return Template.from_json(synthesized["mlops-target-account"].template)


@pytest.fixture(scope="session")
def templates_dir() -> Path:
    from mlops_infra.synth import TEMPLATES_DIR

    return TEMPLATES_DIR


@pytest.fixture(scope="session")
def secure_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk-secure")


@pytest.fixture(scope="session")
def secure_synthesized(secure_outdir: Path) -> dict[str, SynthesizedStack]:
    """The app with the secure ML environment (network CIDR set), synthesized once."""
    return synthesize(PlatformConfig(network_cidr=SHIPPED_NETWORK_CIDR), secure_outdir)
