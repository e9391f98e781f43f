"""The typed tooling outputs: keys as the stack writes them, required ones enforced, optional ones None."""

from __future__ import annotations

from dataclasses import MISSING, fields

import pytest

from mlops_runtime.contracts import ToolingOutputs

REQUIRED = {ToolingOutputs.key(f.name): f"value-of-{f.name}" for f in fields(ToolingOutputs) if f.default is MISSING}


@pytest.mark.parametrize(("field", "key"), [("sagemaker_pipeline_role_arn", "SageMakerPipelineRoleArn"),
                                            ("notebook_url_api_url", "NotebookUrlApiUrl"),
                                            ("stack_set_administration_role_arn", "StackSetAdministrationRoleArn")])
def test_key_is_the_field_in_camel_case(field: str, key: str) -> None:
    assert ToolingOutputs.key(field) == key


def test_reads_the_stack_outputs_with_optional_ones_absent() -> None:
    outputs = ToolingOutputs.from_stack_outputs({**REQUIRED, "StudioUrlApiId": "api-1", "SomethingElse": "ignored"})
    assert outputs.sagemaker_pipeline_name == "value-of-sagemaker_pipeline_name"
    assert (outputs.studio_url_api_id, outputs.studio_profile_table_name) == ("api-1", None)
    assert outputs.stack_set_name("prod") == "value-of-prod_stack_set_name"
    assert outputs.as_dict() == {**REQUIRED, "StudioUrlApiId": "api-1"}


def test_a_missing_required_output_names_it() -> None:
    partial = {k: v for k, v in REQUIRED.items() if k != "ModelDeployPipelineName"}
    with pytest.raises(ValueError, match="^the tooling stack has no output ModelDeployPipelineName$"):
        ToolingOutputs.from_stack_outputs(partial)
