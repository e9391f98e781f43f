"""A platform deployed once per test module (deploying takes seconds); tests use distinct users."""

from __future__ import annotations

import pytest

from embedded_aws import EmbeddedAws
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.notebooks.service import NotebookPlatform, NotebookService
from support import Platform, deployed_platform

# The poll fallback waits 10 s: long enough that a loaded test machine (pipelines run their jobs in parallel modules)
# still releases the token by the event.
CONFIG = PlatformConfig(retain_data=False, notebook_poll_seconds=10, notebook_max_polls=6)
USERS = ("ana", "bob", "cy", "dee", "eve", "fay", "gus", "hal", "ivy")




@pytest.fixture(scope="module")
def platform(embedded_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> Platform:
    deployed = deployed_platform(embedded_server, tmp_path_factory.mktemp("cdk"), CONFIG)
    accounts, outputs = deployed.accounts, deployed.outputs
    iam = embedded_server.client("iam")
    for user in USERS:
        iam.create_user(UserName=user)
        iam.add_user_to_group(GroupName=outputs["AnalystsGroupName"], UserName=user)
    service = NotebookService(lambda name: accounts.client(name, "tooling"), NotebookPlatform.from_outputs(ToolingOutputs.from_stack_outputs(outputs)))
    return Platform(embedded_server, accounts, outputs, service)
