"""CloudFormation creates CloudWatch metric alarms (moto 5.2.5 skips ``AWS::CloudWatch::Alarm``)."""

from __future__ import annotations

from typing import Any

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension, cfn_tags

ALARM_KEYS = (
    "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName",
    "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
    "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "EvaluateLowSampleCountPercentile",
    "Metrics", "ThresholdMetricId",
)
NUMERIC_KEYS = {"Period": int, "EvaluationPeriods": int, "DatapointsToAlarm": int, "Threshold": float}


class Alarm(ApiResource):
    TYPE = "AWS::CloudWatch::Alarm"
    SERVICE = "cloudwatch"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request = {key: properties[key] for key in ALARM_KEYS if key in properties}
        for key, convert in NUMERIC_KEYS.items():
            if key in request:
                request[key] = convert(request[key])
        if "ActionsEnabled" in request:
            request["ActionsEnabled"] = str(request["ActionsEnabled"]).lower() == "true"
        client.put_metric_alarm(AlarmName=name, Tags=cfn_tags(properties), **request)
        alarm = client.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        return name, {"Arn": alarm["AlarmArn"]}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_alarms(AlarmNames=[physical_id])


class CloudWatchAlarmResource(ResourceTypesExtension):
    name = "cfn-cloudwatch-alarm"
    summary = "AWS::CloudWatch::Alarm is created through PutMetricAlarm"
    resource_types = (Alarm,)
