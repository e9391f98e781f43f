"""The platform deployed once per module, and ``mlops`` invoked against it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from embedded_aws import EmbeddedAws
from mlops_platform.cli.main import cli
from mlops_platform.local.state import LocalState, save_state
from mlops_runtime.config import PlatformConfig
from support import Platform, deployed_platform

CONFIG = PlatformConfig(retain_data=False)




@pytest.fixture(scope="module")
def platform(embedded_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> Platform:
    return deployed_platform(embedded_server, tmp_path_factory.mktemp("cdk"), CONFIG)


@pytest.fixture(scope="module")
def run(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Result]:
    state_dir = tmp_path_factory.mktemp("state")
    save_state(state_dir, LocalState.from_dict(platform.aws.describe()))

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, [*args, "--state-dir", str(state_dir)])

    return invoke
