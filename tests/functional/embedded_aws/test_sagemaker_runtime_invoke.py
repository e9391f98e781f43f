"""Extension sagemaker-runtime-invoke: the endpoint's model really serves, fails, and publishes the metrics alarms watch."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from support import model_data, trust_policy, wait_for

ROLE = "arn:aws:iam::123456789012:role/model"
DIMENSIONS = [{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "AllTraffic"}]


@pytest.fixture(autouse=True)
def fast_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDDED_AWS_DEPLOYMENT_TIME_SCALE", "0.01")


@pytest.fixture(autouse=True)
def model_role(aws: EmbeddedAws) -> None:
    """The models' execution role: deployment guardrails read the rollback alarms as this role."""
    iam = aws.client("iam")
    iam.create_role(RoleName="model", AssumeRolePolicyDocument=trust_policy("sagemaker.amazonaws.com"))
    iam.put_role_policy(RoleName="model", PolicyName="alarms", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms", "Resource": "*"}]}))


def _model(aws: EmbeddedAws, name: str, answer: str, url: str | None = None) -> None:
    sm = aws.client("sagemaker")
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": "img:1", "ModelDataUrl": url or model_data(aws, "models", f"{name}.tar.gz", answer=answer),
        "Environment": {"SAGEMAKER_PROGRAM": "inference.py"}})
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 2, "InstanceType": "ml.m5.large"}])


def _metric(aws: EmbeddedAws, name: str) -> list[float]:
    from moto.cloudwatch.models import cloudwatch_backends

    return [d.value for d in cloudwatch_backends["123456789012"]["us-east-1"].metric_data
            if d.name == name and {(x.name, x.value) for x in d.dimensions} == {("EndpointName", "churn"), ("VariantName", "AllTraffic")}]


def _invoke(aws: EmbeddedAws, body: str = "1,2") -> dict[str, Any]:
    return aws.client("sagemaker-runtime").invoke_endpoint(EndpointName="churn", Body=body, ContentType="text/csv", Accept="text/csv")


def test_the_model_answers_and_metrics_are_published(aws: EmbeddedAws) -> None:
    _model(aws, "churn-v1", "v1")
    aws.client("sagemaker").create_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")
    answer = _invoke(aws, "3,4")
    assert answer["Body"].read() == b"v1:3,4"
    assert answer["InvokedProductionVariant"] == "AllTraffic" and answer["ContentType"] == "text/csv"
    assert _metric(aws, "Invocations") == [1] and _metric(aws, "Invocation5XXErrors") == [0]
    [latency] = _metric(aws, "ModelLatency")
    assert 0 < latency < 1_000_000


def test_a_failing_model_answers_model_error_and_its_alarm_fires(aws: EmbeddedAws) -> None:
    _model(aws, "churn-v1", "fail")
    aws.client("sagemaker").create_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")
    cw = aws.client("cloudwatch")
    cw.put_metric_alarm(AlarmName="churn-5xx", Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors", Dimensions=DIMENSIONS,
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold")
    with pytest.raises(ClientError) as raised:
        _invoke(aws)
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("ModelError", 424)
    assert error["Error"]["Message"].startswith('Received server error (500) from AllTraffic with message "ValueError: model is broken".')
    assert _metric(aws, "Invocation5XXErrors") == [1]
    assert cw.describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    logs = aws.client("logs").filter_log_events(logGroupName="/aws/sagemaker/Endpoints/churn-v1")["events"]
    assert any("ValueError: model is broken" in e["message"] for e in logs)


def test_unknown_endpoint_is_a_validation_error(aws: EmbeddedAws) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(aws)
    assert raised.value.response["Error"]["Message"] == "Endpoint churn of account 123456789012 not found."


def test_a_bad_canary_under_traffic_rolls_back_on_its_own_errors(aws: EmbeddedAws) -> None:
    _model(aws, "churn-v1", "v1")
    _model(aws, "churn-v2", "fail")
    sm, cw = aws.client("sagemaker"), aws.client("cloudwatch")
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")
    cw.put_metric_alarm(AlarmName="churn-5xx", Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors", Dimensions=DIMENSIONS,
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="notBreaching")
    answers: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            try:
                answers.append(_invoke(aws)["Body"].read().decode())
            except ClientError as exc:
                answers.append(exc.response["Error"]["Code"])

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v2", DeploymentConfig={
            "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": 300,
                                                                      "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50}},
                                      "TerminationWaitInSeconds": 60, "MaximumExecutionTimeoutInSeconds": 3600},
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}]}})
        done = wait_for(lambda: (d := sm.describe_endpoint(EndpointName="churn"))["EndpointStatus"] == "InService" and d, timeout=30)
    finally:
        stop.set()
        sender.join()
    assert done["EndpointConfigName"] == "churn-v1"
    assert done["FailureReason"] == "Deployment of churn-v2 was rolled back: alarm churn-5xx went to ALARM"
    assert "ModelError" in answers and answers[-1] == "v1:1,2"  # the canary's errors were seen, then the old fleet served again


def test_a_new_fleet_without_model_data_fails_the_deployment(aws: EmbeddedAws) -> None:
    _model(aws, "churn-v1", "v1")
    _model(aws, "churn-v2", "v2", url="s3://models/missing.tar.gz")
    sm = aws.client("sagemaker")
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v2")
    done = wait_for(lambda: (d := sm.describe_endpoint(EndpointName="churn"))["EndpointStatus"] == "InService" and d, timeout=15)
    assert done["EndpointConfigName"] == "churn-v1"
    assert done["FailureReason"] == ("Deployment of churn-v2 was rolled back: the new fleet failed to start: "
                                     "Model data s3://models/missing.tar.gz does not exist")


def test_without_the_extension_moto_answers_a_canned_body(aws: EmbeddedAws) -> None:
    with extensions.disabled("sagemaker-runtime-invoke"):
        assert _invoke(aws)["Body"].read() != b""  # no endpoint exists, yet moto answers


def test_a_new_endpoint_whose_model_cannot_load_ends_failed(aws: EmbeddedAws) -> None:
    _model(aws, "churn-v1", "v1", url="s3://models/missing.tar.gz")
    sm = aws.client("sagemaker")
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")
    failed = wait_for(lambda: (d := sm.describe_endpoint(EndpointName="churn"))["EndpointStatus"] == "Failed" and d)
    assert failed["FailureReason"] == "The primary container failed to start: Model data s3://models/missing.tar.gz does not exist"


SLOW_MODEL = '''
import time


def model_fn(model_dir):
    time.sleep(120)
'''


def test_a_reset_stops_a_model_still_loading_and_the_name_can_be_served_again(aws: EmbeddedAws) -> None:
    from embedded_aws.extensions.sagemaker_runtime_invoke import CONTAINERS

    _model(aws, "churn-v1", "v1", url=model_data(aws, "models", "slow.tar.gz", program=SLOW_MODEL))
    aws.client("sagemaker").create_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")
    wait_for(lambda: CONTAINERS.loading() == ["churn-v1"])
    started = time.monotonic()
    aws.reset()
    assert time.monotonic() - started < 5 and CONTAINERS.loading() == []

    _model(aws, "churn-v1", "v2")
    aws.client("sagemaker").create_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")
    assert _invoke(aws, "5")["Body"].read() == b"v2:5"
