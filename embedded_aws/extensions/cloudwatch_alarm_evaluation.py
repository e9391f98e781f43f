"""CloudWatch evaluates metric alarms: new datapoints move an alarm to ALARM or OK, as its settings say.

moto 5.2.5 stores metric data and alarms but never evaluates one against the other, so an alarm
only changes state through SetAlarmState. Here every PutMetricData re-evaluates the alarms on that
metric (same namespace, name and dimensions): the last ``EvaluationPeriods`` periods ending now are
aggregated with the alarm's statistic (Sum, Average, Minimum, Maximum, SampleCount or a ``pNN``
extended statistic) and compared with the threshold; ``DatapointsToAlarm`` of them breaching (default:
all) puts the alarm in ALARM, otherwise OK. Periods without data follow ``TreatMissingData``
(``breaching`` counts them, anything else does not).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, MetricAggregatedDatum, MetricDatum
from moto.core.utils import utcnow

from embedded_aws.extensions.base import Extension, Patcher

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


def percentile(values: list[float], rank: float) -> float:
    """Nearest-rank percentile (CloudWatch's ``pNN``)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def aggregate(data: list[Any], statistic: str | None, extended: str | None) -> float | None:
    """The alarm statistic of one period's datapoints (None when the period has none)."""
    if not data:
        return None
    values = [d.value for d in data if isinstance(d, MetricDatum)]
    aggregated: list[Any] = [d for d in data if isinstance(d, MetricAggregatedDatum)]  # moto sets its stats dynamically
    count = len(values) + sum(a.sample_count for a in aggregated)
    if extended:
        return percentile(values, float(extended.lstrip("p"))) if values else None
    if statistic == "Sum":
        return sum(values) + sum(a.sum_stat for a in aggregated)
    if statistic == "Average":
        return (sum(values) + sum(a.sum_stat for a in aggregated)) / count if count else None
    if statistic == "Maximum":
        return max([*values, *(a.max_stat for a in aggregated)])
    if statistic == "Minimum":
        return min([*values, *(a.min_stat for a in aggregated)])
    if statistic == "SampleCount":
        return float(count)
    return None


def _same_metric(alarm: Any, datum: Any) -> bool:
    return (alarm.namespace == datum.namespace and alarm.metric_name == datum.name
            and {(d.name, d.value) for d in alarm.dimensions} == {(d.name, d.value) for d in datum.dimensions})


def evaluate(backend: CloudWatchBackend, alarm: Any, now: datetime | None = None) -> str:
    """Evaluate ``alarm`` on the data stored now; change (and return) its state."""
    now = now or utcnow()
    periods = int(alarm.evaluation_periods or 1)
    needed = int(alarm.datapoints_to_alarm or periods)
    period = timedelta(seconds=int(alarm.period or 60))
    data = [d for d in backend.metric_data if _same_metric(alarm, d)]
    breaching, values = 0, []
    for index in range(periods):
        end = now - index * period
        bucket = [d for d in data if end - period < _naive(d.timestamp, now) <= end]
        value = aggregate(bucket, alarm.statistic, alarm.extended_statistic)
        values.append(value)
        if value is None:
            breaching += alarm.treat_missing_data == "breaching"
        elif COMPARISONS[alarm.comparison_operator](value, float(alarm.threshold)):
            breaching += 1
    state = "ALARM" if breaching >= needed else "OK"
    if state != alarm.state_value:
        shown = ", ".join("-" if v is None else f"{v:g}" for v in values)
        reason = (f"Threshold Crossed: {breaching} out of the last {periods} datapoints [{shown}] "
                  f"{'were' if state == 'ALARM' else 'were not'} {alarm.comparison_operator} {float(alarm.threshold):g}")
        alarm.update_state(reason, json.dumps({"recentDatapoints": [v for v in values if v is not None]}), state)
    return state


def _naive(moment: datetime, reference: datetime) -> datetime:
    """Compare timestamps whatever their tz-awareness (moto mixes both)."""
    if moment.tzinfo is None and reference.tzinfo is not None:
        return moment.replace(tzinfo=reference.tzinfo)
    if moment.tzinfo is not None and reference.tzinfo is None:
        return moment.replace(tzinfo=None)
    return moment


class AlarmEvaluation(Extension):
    name = "cloudwatch-alarm-evaluation"
    summary = "PutMetricData evaluates the alarms on that metric (statistic, threshold, M of N periods, missing data)"

    def install(self, patcher: Patcher) -> None:
        original = CloudWatchBackend.put_metric_data

        def put_metric_data(self: CloudWatchBackend, namespace: str, metric_data: list[dict[str, Any]]) -> None:
            before = len(self.metric_data)
            original(self, namespace, metric_data)
            fresh = self.metric_data[before:]
            for alarm in list(self.alarms.values()):
                if getattr(alarm, "metric_name", None) and alarm.comparison_operator in COMPARISONS \
                        and any(_same_metric(alarm, d) for d in fresh):
                    evaluate(self, alarm)

        patcher.replace(CloudWatchBackend, "put_metric_data", put_metric_data)
