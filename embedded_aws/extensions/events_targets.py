"""EventBridge delivers events to Step Functions state machines, Lambda functions and CodePipeline pipelines.

moto delivers only to SQS, logs, archives, other buses and API destinations; a rule with a
Step Functions or Lambda target makes PutEvents raise ``NotImplementedError``, and a CodePipeline
target is ignored. A pipeline started by a rule records the trigger ``CloudWatchEvent`` with the rule.
Delivery here honours the target's ``Input``, ``InputPath`` and ``InputTransformer`` and is
asynchronous, as in EventBridge.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import re
import threading
import uuid
from typing import Any

from jsonpath_ng.ext import parse as jsonpath_parse
from moto.awslambda.utils import get_backend as lambda_backend
from moto.codepipeline.models import codepipeline_backends
from moto.events.models import Rule
from moto.stepfunctions.responses import get_backend as sfn_backend
from moto.utilities.arns import parse_arn

from embedded_aws.extensions.base import Extension, Patcher

HANDLED_SERVICES = ("states", "lambda", "codepipeline")
logger = logging.getLogger(__name__)


def _iso_time(value: Any) -> Any:
    if isinstance(value, (int, float)):
        moment = datetime.datetime.fromtimestamp(float(value), tz=datetime.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def select_path(document: Any, path: str) -> Any:
    """Evaluate a JSONPath as EventBridge's ``InputPath`` and ``InputPathsMap`` do (``None`` when absent)."""
    if path in ("", "$"):
        return document
    matches = jsonpath_parse(path).find(document)
    return matches[0].value if matches else None


_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def _inside_string(template: str, position: int) -> bool:
    """Whether ``position`` sits inside a JSON string literal of ``template``."""
    quotes = len(re.findall(r'(?<!\\)"', template[:position]))
    return quotes % 2 == 1


def render_input_template(template: str, values: dict[str, Any]) -> Any:
    """Fill ``<name>`` placeholders: JSON values in value positions, plain text inside strings."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if _inside_string(template, match.start()):
            text = value if isinstance(value, str) else json.dumps(value)
            return json.dumps(text)[1:-1] if text is not None else ""
        return json.dumps(value)

    rendered = _PLACEHOLDER.sub(fill, template)
    try:
        return json.loads(rendered)
    except ValueError:
        return rendered


def target_payload(target: dict[str, Any], event: dict[str, Any], rule_name: str = "", rule_arn: str = "") -> Any:
    """What the target receives: ``Input`` > ``InputPath`` > ``InputTransformer`` > the event."""
    event = {key: value for key, value in event.items() if key != "ingestion-time"}
    event["time"] = _iso_time(event.get("time"))
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        return select_path(event, target["InputPath"])
    transformer = target.get("InputTransformer")
    if transformer:
        values = {name: select_path(event, path) for name, path in (transformer.get("InputPathsMap") or {}).items()}
        values.update({"aws.events.event.json": event, "aws.events.event": event,
                       "aws.events.rule-name": rule_name, "aws.events.rule-arn": rule_arn})
        return render_input_template(transformer["InputTemplate"], values)
    return event


def start_pipeline(pipeline_arn: str, rule_arn: str) -> None:
    """Start the pipeline as an EventBridge trigger does; the execution names the rule."""
    arn = parse_arn(pipeline_arn)
    backend = codepipeline_backends[arn.account][arn.region]
    execution_id = backend.start_pipeline_execution(arn.resource_id, None)
    backend.pipelines[arn.resource_id].executions[execution_id].trigger = {"triggerType": "CloudWatchEvent", "triggerDetail": rule_arn}


def deliver(target: dict[str, Any], payload: Any, rule_arn: str = "") -> None:
    """Start the state machine or pipeline, or invoke the function, named by ``target['Arn']`` (failures are logged)."""
    try:
        if parse_arn(target["Arn"]).service == "codepipeline":
            start_pipeline(target["Arn"], rule_arn)
        else:
            _deliver(target, payload)
    except Exception:  # EventBridge records failed invocations; it never fails PutEvents for them
        logger.exception("delivery to %s failed", target["Arn"])


def _deliver(target: dict[str, Any], payload: Any) -> None:
    arn = parse_arn(target["Arn"])
    body = json.dumps(payload)
    if arn.service == "states":
        sfn_backend(arn.account, arn.region).start_execution(target["Arn"], str(uuid.uuid4()), body)
    else:
        backend = lambda_backend(arn.account, arn.region)
        function_name = target["Arn"].split(":function:", 1)[1]
        backend.invoke(function_name, None, body, {"X-Amz-Invocation-Type": "Event"}, {})


class EventTargetsDelivery(Extension):
    name = "events-targets"
    summary = "PutEvents reaches Step Functions and Lambda targets instead of raising NotImplementedError"

    def install(self, patcher: Patcher) -> None:
        original = Rule.send_to_targets

        def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
            if not self.event_pattern.matches_event(original_event):
                return
            ours = [t for t in self.targets if parse_arn(t["Arn"]).service in HANDLED_SERVICES]
            rest = [t for t in self.targets if t not in ours]
            for target in ours:
                payload = target_payload(target, original_event, self.name, self.arn) if transform_input else original_event
                threading.Thread(target=deliver, args=(target, payload, self.arn), daemon=True).start()
            if rest:
                view = copy.copy(self)
                view.targets = rest
                original(view, original_event, transform_input)

        patcher.replace(Rule, "send_to_targets", send_to_targets)
