"""Extensions sagemaker-blue-green and cloudwatch-alarm-evaluation: deployments shift, bake, complete or roll back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from embedded_aws import EmbeddedAws, extensions
from support import model_data, server_error, trust_policy, wait_for

ROLE = "arn:aws:iam::123456789012:role/model"
DIMENSIONS = [{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "AllTraffic"}]


@pytest.fixture(autouse=True)
def fast_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDDED_AWS_DEPLOYMENT_TIME_SCALE", "0.005")  # a 60 s bake lasts 0.3 s


def _config(sm: Any, name: str, aws: Any, instances: int = 4) -> None:
    url = model_data(aws, "models", f"{name}.tar.gz", answer=name)
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": "img:1", "ModelDataUrl": url, "Environment": {"SAGEMAKER_PROGRAM": "inference.py"}})
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": instances, "InstanceType": "ml.m5.large"}])


def _model_role(aws: EmbeddedAws, reads_alarms: bool = True) -> None:
    iam = aws.client("iam")
    iam.create_role(RoleName="model", AssumeRolePolicyDocument=trust_policy("sagemaker.amazonaws.com"))
    if reads_alarms:  # deployment guardrails read the rollback alarms as the endpoint's execution role
        iam.put_role_policy(RoleName="model", PolicyName="alarms", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cloudwatch:DescribeAlarms",
                                                    "Resource": "arn:aws:cloudwatch:*:*:alarm:churn-*"}]}))


@pytest.fixture
def endpoint(aws: EmbeddedAws, request: pytest.FixtureRequest) -> Any:
    _model_role(aws, reads_alarms=getattr(request, "param", True))
    sm, cw = aws.client("sagemaker"), aws.client("cloudwatch")
    _config(sm, "churn-v1", aws)
    _config(sm, "churn-v2", aws)
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")
    cw.put_metric_alarm(AlarmName="churn-5xx", Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors", Dimensions=DIMENSIONS,
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="notBreaching")
    return sm


def _deployment(kind: str = "CANARY", wait: int = 60, **size: Any) -> dict[str, Any]:
    routing: dict[str, Any] = {"Type": kind, "WaitIntervalInSeconds": wait}
    if kind == "CANARY":
        routing["CanarySize"] = size or {"Type": "INSTANCE_COUNT", "Value": 1}
    if kind == "LINEAR":
        routing["LinearStepSize"] = size or {"Type": "CAPACITY_PERCENT", "Value": 25}
    return {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": 60,
                                      "MaximumExecutionTimeoutInSeconds": 3600},
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}]}}


def _history(name: str = "churn") -> list[float]:
    from moto.sagemaker.models import sagemaker_backends

    return list(sagemaker_backends["123456789012"]["us-east-1"].endpoints[name].traffic_history)


def test_linear_update_shifts_in_steps_and_completes(endpoint: Any) -> None:
    endpoint.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v2", DeploymentConfig=_deployment("LINEAR"))
    updating = endpoint.describe_endpoint(EndpointName="churn")
    assert updating["EndpointStatus"] == "Updating" and updating["EndpointConfigName"] == "churn-v1"
    assert updating["PendingDeploymentSummary"]["EndpointConfigName"] == "churn-v2"
    done = wait_for(lambda: (d := endpoint.describe_endpoint(EndpointName="churn"))["EndpointStatus"] == "InService" and d, timeout=15)
    assert done["EndpointConfigName"] == "churn-v2" and "FailureReason" not in done
    assert _history() == [0.25, 0.5, 0.75, 1.0]


def test_alarm_during_the_canary_rolls_back_and_names_the_alarm(aws: EmbeddedAws, endpoint: Any) -> None:
    # a 20-minute canary bake (6 s here): the alarm surely fires while the canary holds a quarter of the traffic
    endpoint.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v2", DeploymentConfig=_deployment(wait=1200))
    wait_for(lambda: _history() == [0.25])
    aws.client("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=[
        {"MetricName": "Invocation5XXErrors", "Dimensions": DIMENSIONS, "Value": 3}])
    [alarm] = aws.client("cloudwatch").describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"]
    assert alarm["StateValue"] == "ALARM" and alarm["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [3]")
    done = wait_for(lambda: (d := endpoint.describe_endpoint(EndpointName="churn"))["EndpointStatus"] == "InService" and d, timeout=15)
    assert done["EndpointConfigName"] == "churn-v1"
    assert done["FailureReason"] == "Deployment of churn-v2 was rolled back: alarm churn-5xx went to ALARM"
    assert _history() == [0.25, 0.0]  # never shifted past the canary


@pytest.mark.parametrize("endpoint", [False], indirect=True, ids=["role-cannot-read-alarms"])
def test_a_role_that_cannot_read_the_rollback_alarms_fails_the_deployment(endpoint: Any) -> None:
    endpoint.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v2", DeploymentConfig=_deployment())
    done = wait_for(lambda: (d := endpoint.describe_endpoint(EndpointName="churn"))["EndpointStatus"] == "InService" and d, timeout=15)
    assert done["EndpointConfigName"] == "churn-v1"
    assert done["FailureReason"] == (
        "Deployment of churn-v2 was rolled back: the rollback alarms cannot be monitored: User: "
        "arn:aws:sts::123456789012:assumed-role/model/SageMaker is not authorized to perform: cloudwatch:DescribeAlarms on "
        "resource: arn:aws:cloudwatch:us-east-1:123456789012:alarm:churn-5xx because no identity-based policy allows the "
        "cloudwatch:DescribeAlarms action")
    assert _history() == [0.0]  # no traffic ever reached the new fleet


def test_update_refuses_what_sagemaker_refuses(endpoint: Any) -> None:
    with pytest.raises(endpoint.exceptions.ClientError, match="Could not find endpoint configuration \"churn-v9\""):
        endpoint.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v9")
    endpoint.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v2", DeploymentConfig=_deployment())
    with pytest.raises(endpoint.exceptions.ClientError, match="Cannot update in-progress endpoint"):
        endpoint.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v1")


def test_alarm_evaluation_statistics_and_recovery(aws: EmbeddedAws, endpoint: Any) -> None:
    cw = aws.client("cloudwatch")
    cw.put_metric_alarm(AlarmName="churn-latency", Namespace="AWS/SageMaker", MetricName="ModelLatency", Dimensions=DIMENSIONS,
                        ExtendedStatistic="p99", Period=60, EvaluationPeriods=1, Threshold=500000, ComparisonOperator="GreaterThanThreshold")
    cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=[
        {"MetricName": "ModelLatency", "Dimensions": DIMENSIONS, "Values": [1000, 2000], "Counts": [98, 1]}])
    assert cw.describe_alarms(AlarmNames=["churn-latency"])["MetricAlarms"][0]["StateValue"] == "OK"
    cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=[{"MetricName": "ModelLatency", "Dimensions": DIMENSIONS, "Value": 900000}] * 3)
    assert cw.describe_alarms(AlarmNames=["churn-latency"])["MetricAlarms"][0]["StateValue"] == "ALARM"  # p99 of 102 points
    other = [{"Name": "EndpointName", "Value": "other"}, {"Name": "VariantName", "Value": "AllTraffic"}]
    cw.put_metric_data(Namespace="AWS/SageMaker", MetricData=[{"MetricName": "Invocation5XXErrors", "Dimensions": other, "Value": 9}])
    assert cw.describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"][0]["StateValue"] == "OK"  # another endpoint's errors


def test_without_the_extensions_moto_has_no_update_and_no_evaluation(aws: EmbeddedAws, endpoint: Any) -> None:
    with extensions.disabled("sagemaker-blue-green"), server_error():
        endpoint.update_endpoint(EndpointName="churn", EndpointConfigName="churn-v2")
    with extensions.disabled("cloudwatch-alarm-evaluation"):
        aws.client("cloudwatch").put_metric_data(Namespace="AWS/SageMaker", MetricData=[
            {"MetricName": "Invocation5XXErrors", "Dimensions": DIMENSIONS, "Value": 3}])
        assert aws.client("cloudwatch").describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"][0]["StateValue"] == "OK"
