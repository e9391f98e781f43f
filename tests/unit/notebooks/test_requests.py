"""Request validation against the product template's own parameter limits."""

from __future__ import annotations

import pytest

from mlops_runtime.environment_types import get_type
from mlops_runtime.notebooks.requests import InvalidRequest, NotebookRequest, provisioning_parameters
from mlops_runtime.notebooks.validation import parse_request

NOTEBOOK = get_type("sagemaker-notebook")


def test_parameters_are_those_the_product_declares() -> None:
    params = provisioning_parameters(NotebookRequest(user="ana", instance_type="ml.m5.xlarge", volume_size_gb=50,
                                                     platform_identifier="notebook-al2-v3"), NOTEBOOK)
    assert params == [{"Key": "UserName", "Value": "ana"}, {"Key": "InstanceType", "Value": "ml.m5.xlarge"},
                      {"Key": "VolumeSizeInGB", "Value": "50"}, {"Key": "PlatformIdentifier", "Value": "notebook-al2-v3"}]


@pytest.mark.parametrize(("fields", "message"), [
    ({"user": "Ana"}, "user name 'Ana' is not valid: 2-40 lowercase letters, digits or '-', starting with a letter"),
    ({"user": "ana", "platform_identifier": "notebook-al2-v1"}, "platform identifier 'notebook-al2-v1' is not allowed"),
    ({"user": "ana", "volume_size_gb": 4}, "volume size (GB) 4 is out of bounds: 5-512"),
    ({"user": "ana", "restore_snapshot": "s3://somewhere"}, "backup to restore 's3://somewhere' is not valid: a backup name <user>-Notebook_"),
])
def test_violations_name_the_limit(fields: dict, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        provisioning_parameters(NotebookRequest(**fields), NOTEBOOK)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(("data", "message"), [
    ({"user": "ana", "size": 3}, "unknown request fields: size"),
    ({}, "a notebook request needs a user"),
    ({"user": "ana", "volume_size_gb": "big"}, "volume size (GB) must be a whole number, got 'big'"),
])
def test_malformed_requests(data: dict, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_request(data)


def test_names_follow_the_type() -> None:
    assert (NOTEBOOK.resource_name("ana"), NOTEBOOK.url_parameter("ana")) == ("ana-Notebook", "/SageMaker/Notebooks/ana-Notebook")


def test_restore_snapshot_becomes_the_backup_snapshot_parameter() -> None:
    params = provisioning_parameters(NotebookRequest(user="ana", restore_snapshot="ana-Notebook_2026-11-24-10-00-00"), NOTEBOOK)
    assert {"Key": "BackupSnapshot", "Value": "ana-Notebook_2026-11-24-10-00-00"} in params


def test_platform_settings_are_ssm_parameters_of_the_project_never_request_fields() -> None:
    from mlops_runtime.notebooks.validation import expand_request

    settings = NOTEBOOK.platform_settings("team-a")
    assert settings == {name: f"/team-a/notebook-product/{name}" for name in (
        "NotebookRoleArn", "KmsKeyId", "LifecycleConfigName", "SubnetId", "SecurityGroupIds", "BackupBucket")}
    rendered = NOTEBOOK.template_for("team-a")["Parameters"]
    assert {name: rendered[name]["Default"] for name in settings} == settings
    assert NOTEBOOK.template()["Parameters"]["SubnetId"]["Default"] == "/mlops/notebook-product/SubnetId"  # the file is untouched
    expanded = expand_request({"user": "alice", "instance_type": "ml.t3.large"})
    assert expanded["provisioning_parameters"] == [{"Key": "UserName", "Value": "alice"}, {"Key": "InstanceType", "Value": "ml.t3.large"}]
    assert not set(settings) & set(NOTEBOOK.request_parameters.values())
    with pytest.raises(InvalidRequest, match="unknown request fields: SubnetId"):
        parse_request({"user": "alice", "SubnetId": "subnet-elsewhere"})
