"""Extensions sfn-json-results, sfn-execution-names and sfn-cfn-state-machines."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.extensions.sfn_cfn_state_machines import resolve_definition
from embedded_aws.extensions.sfn_json_results import json_safe
from support import trust_policy, wait_for_execution

ROLE = "arn:aws:iam::123456789012:role/sfn"
ROLE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ssm:PutParameter", "ssm:GetParameter"], "Resource": "arn:aws:ssm:*:*:parameter/demo/*"},
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}


@pytest.fixture(autouse=True)
def execution_role(aws: EmbeddedAws) -> None:
    """The state machines' role: tasks call AWS as this role (extension sfn-task-credentials)."""
    iam = aws.client("iam")
    iam.create_role(RoleName="sfn", AssumeRolePolicyDocument=trust_policy("states.amazonaws.com"))
    iam.put_role_policy(RoleName="sfn", PolicyName="tasks", PolicyDocument=json.dumps(ROLE_POLICY))
SSM_ROUND_TRIP = {
    "StartAt": "Put",
    "States": {
        "Put": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:ssm:putParameter",
            "Parameters": {"Name": "/demo/p", "Value": "v", "Type": "String", "Overwrite": True},
            "ResultPath": None,
            "Next": "Get",
        },
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter", "Parameters": {"Name": "/demo/p"}, "End": True},
    },
}
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def _run(aws: EmbeddedAws, definition: dict) -> dict:
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    return wait_for_execution(sfn, sfn.start_execution(stateMachineArn=arn, name="run-1")["executionArn"])


def test_sdk_task_result_with_timestamp_is_json(aws: EmbeddedAws) -> None:
    described = _run(aws, SSM_ROUND_TRIP)
    assert described["status"] == "SUCCEEDED"
    parameter = json.loads(described["output"])["Parameter"]
    assert parameter["Value"] == "v"
    assert parameter["LastModifiedDate"].endswith("+00:00")  # ISO-8601 string, not a crash


def test_without_json_results_describe_execution_breaks(aws: EmbeddedAws) -> None:
    with extensions.disabled("sfn-json-results"), pytest.raises(ClientError) as raised:
        _run(aws, SSM_ROUND_TRIP)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_json_safe_converts_nested_values() -> None:
    import datetime

    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)
    assert json_safe({"a": [moment, b"x"], "d": datetime.date(2026, 1, 2)}) == {
        "a": ["2026-01-02T03:04:05+00:00", "x"],
        "d": "2026-01-02",
    }


def _two_unnamed_starts(aws: EmbeddedAws) -> tuple[str, str]:
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(name="unnamed", definition=json.dumps(PASS), roleArn=ROLE)["stateMachineArn"]
    return tuple(sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"] for _ in range(2))  # type: ignore[return-value]


def test_unnamed_executions_get_distinct_uuid_names(aws: EmbeddedAws) -> None:
    first, second = _two_unnamed_starts(aws)
    assert first != second
    assert len(first.rsplit(":", 1)[1]) == 36


def test_without_names_extension_unnamed_starts_collide(aws: EmbeddedAws) -> None:
    # moto names them "None": the second start replays the first (still running) or is refused (finished)
    with extensions.disabled("sfn-execution-names"):
        try:
            first, second = _two_unnamed_starts(aws)
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ExecutionAlreadyExists"
            assert exc.response["Error"]["Message"].endswith(":execution:unnamed:None'")
        else:
            assert first == second and first.endswith(":None")


CFN_STATE_MACHINE = {
    "Resources": {
        "Machine": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": "from-cfn",
                "RoleArn": ROLE,
                "Definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"bucket": "${Bucket}"}, "End": True}}},
                "DefinitionSubstitutions": {"Bucket": "artifacts-123"},
            },
        }
    },
    "Outputs": {"Arn": {"Value": {"Ref": "Machine"}}},
}


def _start_cfn_machine(aws: EmbeddedAws) -> dict:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="sm", TemplateBody=json.dumps(CFN_STATE_MACHINE))
    arn = cfn.describe_stacks(StackName="sm")["Stacks"][0]["Outputs"][0]["OutputValue"]
    sfn = aws.client("stepfunctions")
    return wait_for_execution(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])


def test_state_machine_from_cloudformation_executes_with_substitutions(aws: EmbeddedAws) -> None:
    described = _start_cfn_machine(aws)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"bucket": "artifacts-123"}


def test_without_cfn_extension_state_machine_is_invisible(aws: EmbeddedAws) -> None:
    with extensions.disabled("sfn-cfn-state-machines"), pytest.raises(ClientError) as raised:
        _start_cfn_machine(aws)
    assert raised.value.response["Error"]["Code"] == "StateMachineDoesNotExist"


def test_resolve_definition_prefers_definition_string() -> None:
    resolved = resolve_definition({"DefinitionString": "{\"a\":\"${X}\"}", "DefinitionSubstitutions": {"X": 1}})
    assert resolved == {"DefinitionString": "{\"a\":\"1\"}"}


CALLBACK = {"StartAt": "Wait", "States": {
    "Wait": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
             "Parameters": {"QueueUrl.$": "$.queue", "MessageBody": {"token.$": "$$.Task.Token"}},
             "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}], "End": True},
    "Caught": {"Type": "Pass", "OutputPath": "$.error", "End": True}}}


def _failed_callback(aws: EmbeddedAws) -> dict:
    sqs, sfn = aws.client("sqs"), aws.client("stepfunctions")
    queue = sqs.create_queue(QueueName="tokens")["QueueUrl"]
    arn = sfn.create_state_machine(name="cb", definition=json.dumps(CALLBACK), roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"queue": queue}))["executionArn"]
    from support import wait_for

    message = wait_for(lambda: sqs.receive_message(QueueUrl=queue).get("Messages"))[0]
    sfn.send_task_failure(taskToken=json.loads(message["Body"])["token"], error="NotebookFailed", cause="no capacity")
    return json.loads(wait_for_execution(sfn, execution)["output"])


def test_task_failure_cause_reaches_the_catch(aws: EmbeddedAws) -> None:
    assert _failed_callback(aws) == {"Error": "NotebookFailed", "Cause": "no capacity"}


def test_without_extension_the_cause_is_lost(aws: EmbeddedAws) -> None:
    with extensions.disabled("sfn-task-failure-cause"):
        assert _failed_callback(aws) == {"Error": "NotebookFailed", "Cause": None}


def test_stack_update_applies_new_substitutions(aws: EmbeddedAws) -> None:
    _start_cfn_machine(aws)
    updated = json.loads(json.dumps(CFN_STATE_MACHINE))
    updated["Resources"]["Machine"]["Properties"]["DefinitionSubstitutions"] = {"Bucket": "artifacts-456"}
    cfn, sfn = aws.client("cloudformation"), aws.client("stepfunctions")
    cfn.update_stack(StackName="sm", TemplateBody=json.dumps(updated))
    arn = cfn.describe_stacks(StackName="sm")["Stacks"][0]["Outputs"][0]["OutputValue"]
    described = wait_for_execution(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert json.loads(described["output"]) == {"bucket": "artifacts-456"}
