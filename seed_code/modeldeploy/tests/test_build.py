"""build.py: the latest approved model, stage parameters, and configs outside SageMaker's limits refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import build
import pytest

from deploy_support.guardrails import GuardrailError

HERE = Path(__file__).resolve().parents[1]
PACKAGE = {"ModelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3", "ModelPackageVersion": 3,
           "InferenceSpecification": {"Containers": [{"Image": "img:1", "ModelDataUrl": "s3://b/m.tar.gz",
                                                      "Environment": {"SAGEMAKER_PROGRAM": "inference.py"}}]}}


class Registry:
    """Answers the two registry calls build.py makes; records the listing request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def list_model_packages(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return {"ModelPackageSummaryList": [{"ModelPackageArn": PACKAGE["ModelPackageArn"]}]}

    def describe_model_package(self, ModelPackageName: str) -> dict[str, Any]:
        return PACKAGE


def test_shipped_configs_produce_parameters_for_both_stages(tmp_path: Path) -> None:
    registry = Registry()
    code = build.main(["--model-package-group-name", "churn", "--project-name", "churn", "--artifacts-bucket", "art",
                       "--artifacts-key-arn", "arn:aws:kms:us-east-1:123456789012:key/k",
                       "--stage", f"staging={HERE / 'staging-config.json'}", "--stage", f"prod={HERE / 'prod-config.json'}",
                       "--output-dir", str(tmp_path)], sagemaker=registry)
    assert code == 0
    assert registry.requests == [{"ModelPackageGroupName": "churn", "ModelApprovalStatus": "Approved", "SortBy": "CreationTime",
                                  "SortOrder": "Descending", "MaxResults": 1}]
    prod = {p["ParameterKey"]: p["ParameterValue"] for p in json.loads((tmp_path / "prod-params.json").read_text())}
    assert (prod["RoutingType"], prod["SizeType"], prod["SizeValue"], prod["InstanceCount"]) == ("CANARY", "INSTANCE_COUNT", "1", "4")
    assert (prod["ModelPackageVersion"], prod["ModelDataUrl"], prod["SageMakerProgram"]) == ("3", "s3://b/m.tar.gz", "inference.py")
    # the endpoint joins the ML network its account's platform stack names (default platform path)
    assert (prod["NetworkSubnetIds"], prod["NetworkSecurityGroupId"]) == (
        "/mlops/ml-environment/private-subnet-ids", "/mlops/ml-environment/workload-security-group-id")
    deployment = json.loads((tmp_path / "deployment.json").read_text())
    assert deployment["stages"][1] == {"stage": "prod", "endpoint": "churn-prod", "endpoint_config": "churn-prod-v3",
                                       "alarms": ["churn-prod-5xx", "churn-prod-model-latency"]}


def test_a_config_outside_the_limits_fails_naming_stage_and_limit(tmp_path: Path) -> None:
    config = json.loads((HERE / "prod-config.json").read_text())
    config["Guardrail"]["size"] = 3  # 3 of 4 instances: 75 %
    with pytest.raises(GuardrailError, match="prod: canary size is 75 % of the fleet; SageMaker allows at most 50 %"):
        build.stage_parameters("churn", "team", "prod", config, PACKAGE, "art", "key")


def test_the_network_parameters_path_comes_from_the_platform(tmp_path: Path) -> None:
    code = build.main(["--model-package-group-name", "churn", "--project-name", "churn", "--artifacts-bucket", "art",
                       "--artifacts-key-arn", "k", "--network-parameters", "/acme/ml-environment/",
                       "--stage", f"staging={HERE / 'staging-config.json'}", "--output-dir", str(tmp_path)], sagemaker=Registry())
    assert code == 0
    staging = {p["ParameterKey"]: p["ParameterValue"] for p in json.loads((tmp_path / "staging-params.json").read_text())}
    assert staging["NetworkSubnetIds"] == "/acme/ml-environment/private-subnet-ids"
