"""Extensions cfn-sagemaker-endpoints and cfn-update-rollback, on the model-deploy repository's endpoint template."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from support import model_data

TEMPLATE = (Path(__file__).resolve().parents[3] / "seed_code" / "modeldeploy" / "endpoint-config-template.yml").read_text()
PARAMETERS = {
    "ProjectName": "churn", "StageName": "staging", "ModelPackageVersion": "1", "ModelImage": "img:1",
    "ModelDataUrl": "s3://art/m1.tar.gz", "SageMakerProgram": "inference.py", "ArtifactsBucketName": "art",
    "ArtifactsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k", "InstanceType": "ml.m5.large", "InstanceCount": "2",
    "DataCapturePercent": "100", "RoutingType": "CANARY", "SizeType": "CAPACITY_PERCENT", "SizeValue": "50",
    "WaitIntervalSeconds": "600", "TerminationWaitSeconds": "60", "MaxExecutionTimeoutSeconds": "3600",
    "ErrorThreshold": "1", "LatencyThresholdMicros": "1000000", "AlarmPeriodSeconds": "60", "AlarmEvaluationPeriods": "1",
}
DIMENSIONS = [{"Name": "EndpointName", "Value": "churn-staging"}, {"Name": "VariantName", "Value": "AllTraffic"}]


@pytest.fixture(autouse=True)
def fast_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDDED_AWS_DEPLOYMENT_TIME_SCALE", "0.004")  # the 600 s canary bake lasts 2.4 s


def _stack(cfn: Any, action: str, **overrides: str) -> None:
    parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in {**PARAMETERS, **overrides}.items()]
    getattr(cfn, f"{action}_stack")(StackName="endpoint", TemplateBody=TEMPLATE, Parameters=parameters, Capabilities=["CAPABILITY_IAM"])


def _history() -> list[float]:
    from moto.sagemaker.models import sagemaker_backends

    return list(sagemaker_backends["123456789012"]["us-east-1"].endpoints["churn-staging"].traffic_history)


def _status(cfn: Any) -> tuple[str, dict[str, str]]:
    stack = cfn.describe_stacks(StackName="endpoint")["Stacks"][0]
    return stack["StackStatus"], {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _network(aws: EmbeddedAws, subnets: str = "none", group: str = "none") -> None:
    """What the target-account stack keeps: the ML network the endpoints join, or none."""
    for name, value in (("private-subnet-ids", subnets), ("workload-security-group-id", group)):
        aws.client("ssm").put_parameter(Name=f"/mlops/ml-environment/{name}", Value=value, Type="String", Overwrite=True)


@pytest.fixture
def deployed(aws: EmbeddedAws) -> Any:
    _network(aws)
    for version, answer in (("1", "v1"), ("2", "v2"), ("3", "fail")):
        model_data(aws, "art", f"m{version}.tar.gz", answer=answer)
    cfn = aws.client("cloudformation")
    _stack(cfn, "create")
    _stack(cfn, "update", ModelPackageVersion="2", ModelDataUrl="s3://art/m2.tar.gz")
    return cfn


def test_names_are_kept_and_a_new_version_deploys_blue_green(aws: EmbeddedAws, deployed: Any) -> None:
    sm = aws.client("sagemaker")
    assert _status(deployed) == ("UPDATE_COMPLETE", {"EndpointName": "churn-staging", "EndpointConfigName": "churn-staging-v2",
                                                     "ModelPackageVersion": "2"})
    endpoint = sm.describe_endpoint(EndpointName="churn-staging")
    assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == ("InService", "churn-staging-v2")
    assert endpoint["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["CanarySize"] == {
        "Type": "CAPACITY_PERCENT", "Value": 50}
    assert _history() == [0.5, 1.0]
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["churn-staging-v2"]
    assert {a["AlarmName"] for a in aws.client("cloudwatch").describe_alarms()["MetricAlarms"]} == {
        "churn-staging-5xx", "churn-staging-model-latency"}


def test_a_bad_model_rolls_the_stack_back_naming_the_alarm(aws: EmbeddedAws, deployed: Any) -> None:
    runtime, stop, answers = aws.client("sagemaker-runtime"), threading.Event(), []

    def traffic() -> None:  # clients keep calling the endpoint while the bad model (m3) takes its canary share
        while not stop.is_set():
            try:
                answers.append(runtime.invoke_endpoint(EndpointName="churn-staging", Body="1,2", ContentType="text/csv")["Body"].read())
            except runtime.exceptions.ModelError:
                answers.append(b"ModelError")

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        _stack(deployed, "update", ModelPackageVersion="3", ModelDataUrl="s3://art/m3.tar.gz")
    finally:
        stop.set()
        sender.join()
    assert b"ModelError" in answers and answers[-1] == b"v2:1,2"
    status, outputs = _status(deployed)
    assert (status, outputs["EndpointConfigName"]) == ("UPDATE_ROLLBACK_COMPLETE", "churn-staging-v2")
    reasons = [e["ResourceStatusReason"] for e in deployed.describe_stack_events(StackName="endpoint")["StackEvents"]
               if e["ResourceStatus"] == "UPDATE_FAILED"]
    assert reasons == ["Deployment of churn-staging-v3 was rolled back: alarm churn-staging-5xx went to ALARM"]
    endpoint = aws.client("sagemaker").describe_endpoint(EndpointName="churn-staging")
    assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == ("InService", "churn-staging-v2")
    assert endpoint["FailureReason"] == reasons[0]
    assert _history()[2:4] == [0.5, 0.0]  # the bad model never got more than the canary


def test_without_rollback_the_update_call_itself_fails(aws: EmbeddedAws, deployed: Any) -> None:
    aws.client("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=[
        {"MetricName": "Invocation5XXErrors", "Dimensions": DIMENSIONS, "Value": 7}])
    with extensions.disabled("cfn-update-rollback"), pytest.raises(deployed.exceptions.ClientError, match="rolled back"):
        _stack(deployed, "update", ModelPackageVersion="3", ModelDataUrl="s3://art/m3.tar.gz")
    assert _status(deployed)[0] == "UPDATE_COMPLETE"  # moto keeps the previous status: no trace of the failure on the stack


def test_without_the_endpoint_extension_moto_loses_the_declared_names(aws: EmbeddedAws) -> None:
    _network(aws)
    with extensions.disabled("cfn-sagemaker-endpoints"):
        _stack(aws.client("cloudformation"), "create")
    names = [e["EndpointName"] for e in aws.client("sagemaker").list_endpoints()["Endpoints"]]
    assert names and "churn-staging" not in names


def test_in_an_ml_network_the_model_runs_in_its_subnets_and_outside_one_without_vpc(aws: EmbeddedAws) -> None:
    model_data(aws, "art", "m1.tar.gz", answer="v1")
    cfn, sagemaker = aws.client("cloudformation"), aws.client("sagemaker")
    with pytest.raises(ClientError) as raised:  # the target-account stack is missing: named, nothing created
        _stack(cfn, "create")
    assert raised.value.response["Error"]["Message"] == (
        "Parameters: [ssm:/mlops/ml-environment/private-subnet-ids, ssm:/mlops/ml-environment/workload-security-group-id] cannot be found.")
    _network(aws, "subnet-0a,subnet-0b", "sg-0w")
    _stack(cfn, "create")
    assert _status(cfn)[0] == "CREATE_COMPLETE"
    model = sagemaker.describe_model(ModelName="churn-staging-v1")
    assert model["VpcConfig"] == {"Subnets": ["subnet-0a", "subnet-0b"], "SecurityGroupIds": ["sg-0w"]}
    cfn.delete_stack(StackName="endpoint")
    _network(aws)
    _stack(cfn, "create")
    assert not sagemaker.describe_model(ModelName="churn-staging-v1").get("VpcConfig")  # moto answers {} for none
