"""Platform settings refused when AWS would refuse what they make."""

from __future__ import annotations

import pytest

from mlops_runtime.config import PlatformConfig


@pytest.mark.parametrize("seconds", [1799, 43201])
def test_a_notebook_session_outside_sagemakers_limits_is_refused(seconds: int) -> None:
    with pytest.raises(ValueError, match=f"^notebook_session_seconds must be 1800-43200 \\(SageMaker's limits\\), got {seconds}$"):
        PlatformConfig(notebook_session_seconds=seconds)


def test_the_session_length_reaches_the_state_machine_and_the_url_api(tmp_path: object) -> None:
    import json

    from mlops_infra.render import state_machines
    from mlops_infra.synth import synthesize

    tooling = synthesize(PlatformConfig(notebook_session_seconds=3600), tmp_path)["mlops-tooling"].template
    settings = state_machines(tooling)["mlops-notebook-provisioning"]["States"]["Apply platform settings"]["Parameters"]
    assert settings["url_session_seconds"] == 3600
    [api] = [r for r in tooling["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
             and r["Properties"]["FunctionName"] == "mlops-notebook-url-api"]
    assert api["Properties"]["Environment"]["Variables"]["SESSION_SECONDS"] == "3600"
    assert json.dumps(tooling["Outputs"]["NotebookSessionSeconds"]) == '{"Value": "3600"}'
