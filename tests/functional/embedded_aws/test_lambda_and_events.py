"""Extensions lambda-python-runtime and events-targets."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.extensions.events_targets import render_input_template, target_payload
from support import trust_policy, wait_for, wait_for_execution, zip_module

HANDLER = '''
import os, boto3

def handler(event, context):
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/seen/" + event["name"], Value=os.environ["GREETING"], Type="String", Overwrite=True)
    who = boto3.client("sts").get_caller_identity()["Arn"]
    return {"who": who, "function": context.function_name, "left_ms": context.get_remaining_time_in_millis() > 0}

def fail(event, context):
    raise ValueError("bad input: " + event["name"])
'''


SEEN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "arn:aws:ssm:*:*:parameter/seen/*"}]})


def _function(aws: EmbeddedAws, account: str = "tooling", handler: str = "app.handler", allowed: bool = True) -> str:
    iam, lam = aws.client("iam", account), aws.client("lambda", account)
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    if allowed:
        iam.put_role_policy(RoleName="fn-role", PolicyName="seen", PolicyDocument=SEEN_POLICY)
    return lam.create_function(
        FunctionName="fn", Runtime="python3.11", Role=role, Handler=handler, Timeout=30,
        Code={"ZipFile": zip_module({"app.py": HANDLER})}, Environment={"Variables": {"GREETING": "hello"}},
    )["FunctionArn"]


def test_handler_runs_deployed_code_with_its_role_and_environment(aws: EmbeddedAws) -> None:
    _function(aws, account="staging")
    lam = aws.client("lambda", "staging")
    response = lam.invoke(FunctionName="fn", Payload=json.dumps({"name": "a"}))
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {
        "who": "arn:aws:sts::222222222222:assumed-role/fn-role/fn", "function": "fn", "left_ms": True,
    }
    assert aws.client("ssm", "staging").get_parameter(Name="/seen/a")["Parameter"]["Value"] == "hello"


def test_the_function_acts_only_as_far_as_its_role_allows(aws: EmbeddedAws) -> None:
    _function(aws, allowed=False)
    response = aws.client("lambda").invoke(FunctionName="fn", Payload=json.dumps({"name": "a"}))
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "AccessDeniedException"
    assert error["errorMessage"].endswith(
        "User: arn:aws:sts::123456789012:assumed-role/fn-role/fn is not authorized to perform: ssm:PutParameter on "
        "resource: arn:aws:ssm:us-east-1:123456789012:parameter/seen/a because no identity-based policy allows the "
        "ssm:PutParameter action")


def test_a_published_layer_is_imported_before_the_runtime_packages(aws: EmbeddedAws) -> None:
    lam = aws.client("lambda")
    layer = lam.publish_layer_version(LayerName="libs", Content={"ZipFile": zip_module({
        "python/layered.py": "VALUE = 'from the layer'\n", "python/jwt/__init__.py": "__version__ = 'layer copy'\n"})})
    role = aws.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    code = "import jwt, layered\n\ndef handler(event, context):\n    return [layered.VALUE, jwt.__version__]\n"
    lam.create_function(FunctionName="fn", Runtime="python3.11", Role=role, Handler="app.handler", Timeout=30,
                        Code={"ZipFile": zip_module({"app.py": code})}, Layers=[layer["LayerVersionArn"]])
    assert json.loads(lam.invoke(FunctionName="fn")["Payload"].read()) == ["from the layer", "layer copy"]


def test_unpacked_code_lives_only_between_the_first_invocation_and_shutdown(aws: EmbeddedAws) -> None:
    # nothing is written when the runtime is imported or reset; the code folder goes with the warm workers
    import os

    from embedded_aws.extensions.lambda_runtime import RUNTIME

    assert RUNTIME._root is None
    _function(aws)
    aws.client("lambda").invoke(FunctionName="fn", Payload=json.dumps({"name": "b"}))
    root = RUNTIME._root
    assert root is not None and os.listdir(root)
    RUNTIME.shutdown()
    assert RUNTIME._root is None and not os.path.exists(root)


def test_handler_error_is_reported_as_function_error(aws: EmbeddedAws) -> None:
    _function(aws, handler="app.fail")
    response = aws.client("lambda").invoke(FunctionName="fn", Payload=json.dumps({"name": "x"}))
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "bad input: x")


def test_init_phase_is_not_counted_against_the_function_timeout(aws: EmbeddedAws) -> None:
    """A slow module import (1.5 s) within a 1 s function timeout works, as Lambda's init phase has its own limit."""
    role = aws.client("iam").create_role(RoleName="slow-role", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    slow = "import time\ntime.sleep(1.5)\n\ndef handler(event, context):\n    return 'ok'\n"
    aws.client("lambda").create_function(FunctionName="slow-init", Runtime="python3.11", Role=role, Handler="app.handler", Timeout=1,
                                         Code={"ZipFile": zip_module({"app.py": slow})})
    response = aws.client("lambda").invoke(FunctionName="slow-init", Payload=b"{}")
    assert "FunctionError" not in response and json.loads(response["Payload"].read()) == "ok"


def test_missing_handler_module_is_an_import_module_error(aws: EmbeddedAws) -> None:
    _function(aws, handler="nope.handler")
    response = aws.client("lambda").invoke(FunctionName="fn", Payload=b"{}")
    error = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert (error["errorType"], error["errorMessage"]) == ("Runtime.ImportModuleError", "No module named 'nope'")


def test_without_runtime_moto_echoes_the_payload(aws: EmbeddedAws) -> None:
    _function(aws)
    with extensions.disabled("lambda-python-runtime"):
        response = aws.client("lambda").invoke(FunctionName="fn", Payload=json.dumps({"name": "a"}))
    assert json.loads(response["Payload"].read()) == {"name": "a"}


def _rule_to(aws: EmbeddedAws, target: dict) -> None:
    events = aws.client("events")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["demo.app"]}))
    events.put_targets(Rule="r", Targets=[{"Id": "t", **target}])


def _emit(aws: EmbeddedAws, detail: dict) -> None:
    aws.client("events").put_events(Entries=[{"Source": "demo.app", "DetailType": "Thing", "Detail": json.dumps(detail)}])


def test_event_starts_state_machine_with_input_path(aws: EmbeddedAws) -> None:
    sfn = aws.client("stepfunctions")
    machine = sfn.create_state_machine(
        name="on-event", roleArn="arn:aws:iam::123456789012:role/x",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    _rule_to(aws, {"Arn": machine, "RoleArn": "arn:aws:iam::123456789012:role/events", "InputPath": "$.detail"})
    _emit(aws, {"user": "ana"})
    executions = wait_for(lambda: sfn.list_executions(stateMachineArn=machine)["executions"])
    assert json.loads(wait_for_execution(sfn, executions[0]["executionArn"])["output"]) == {"user": "ana"}


def test_event_invokes_lambda_handler(aws: EmbeddedAws) -> None:
    arn = _function(aws)
    _rule_to(aws, {"Arn": arn, "InputTransformer": {"InputPathsMap": {"n": "$.detail.user"}, "InputTemplate": '{"name": <n>}'}})
    _emit(aws, {"user": "bo"})
    ssm = aws.client("ssm")
    assert wait_for(lambda: ssm.get_parameters(Names=["/seen/bo"])["Parameters"])[0]["Value"] == "hello"


def test_without_delivery_put_events_fails_for_lambda_targets(aws: EmbeddedAws) -> None:
    _rule_to(aws, {"Arn": _function(aws)})
    with extensions.disabled("events-targets"), pytest.raises(ClientError) as raised:
        _emit(aws, {"user": "x"})
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert raised.value.response["Error"]["Message"].startswith("PutEvents: ")


EVENT = {"id": "1", "source": "s", "detail-type": "d", "time": 0, "region": "us-east-1", "account": "1", "resources": [], "detail": {"a": {"b": 2}}}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"Input": '{"fixed": true}'}, {"fixed": True}),
        ({"InputPath": "$.detail.a"}, {"b": 2}),
        ({"InputTransformer": {"InputPathsMap": {"b": "$.detail.a.b"}, "InputTemplate": '{"value": <b>}'}}, {"value": 2}),
    ],
    ids=["input", "input-path", "input-transformer"],
)
def test_target_payload(target: dict, expected: object) -> None:
    assert target_payload(target, EVENT) == expected


def test_whole_event_has_iso_time_and_no_internal_fields() -> None:
    delivered = target_payload({}, {**EVENT, "ingestion-time": 1.5})
    assert delivered["time"] == "1970-01-01T00:00:00Z"
    assert "ingestion-time" not in delivered


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{"name": <n>, "count": <c>}', {"name": "bo", "count": 2}),
        ('"user <n> has <c>"', "user bo has 2"),
        ('{"rule": "<aws.events.rule-name>", "missing": <nope>}', '{"rule": "r1", "missing": <nope>}'),
    ],
    ids=["json-positions", "inside-string", "predefined-and-unknown"],
)
def test_render_input_template(template: str, expected: object) -> None:
    values = {"n": "bo", "c": 2, "aws.events.rule-name": "r1"}
    assert render_input_template(template, values) == expected


POWERTOOLS = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:18"


def _function_with_layer(aws: EmbeddedAws, layer: str) -> dict:
    role = aws.client("iam").create_role(RoleName="layered", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    return aws.client("lambda").create_function(FunctionName="layered", Runtime="python3.11", Role=role, Handler="app.handler",
                                                Code={"ZipFile": zip_module({"app.py": "def handler(e, c):\n    return 1\n"})}, Layers=[layer])


def test_public_powertools_layer_is_accepted(aws: EmbeddedAws) -> None:
    assert _function_with_layer(aws, POWERTOOLS)["Layers"][0]["Arn"] == POWERTOOLS


def test_unknown_private_layer_is_still_refused(aws: EmbeddedAws) -> None:
    with pytest.raises(ClientError) as raised:
        _function_with_layer(aws, "arn:aws:lambda:us-east-1:123456789012:layer:mine:1")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_without_extension_public_layer_is_refused(aws: EmbeddedAws) -> None:
    with extensions.disabled("lambda-public-layers"), pytest.raises(ClientError) as raised:
        _function_with_layer(aws, POWERTOOLS)
    assert raised.value.response["Error"]["Message"] == f"One or more LayerVersion does not exist ['{POWERTOOLS}']"


def test_handler_output_lands_in_the_function_log_group(aws: EmbeddedAws) -> None:
    _function(aws, handler="app.fail")
    aws.client("lambda").invoke(FunctionName="fn", Payload=json.dumps({"name": "x"}))
    logs = aws.client("logs")

    def messages() -> list[str]:
        streams = logs.describe_log_streams(logGroupName="/aws/lambda/fn").get("logStreams", [])
        return [e["message"] for s in streams for e in logs.get_log_events(logGroupName="/aws/lambda/fn", logStreamName=s["logStreamName"])["events"]]

    assert any("ValueError: bad input: x" in m for m in wait_for(lambda: messages() if any("ValueError" in m for m in messages()) else None))
