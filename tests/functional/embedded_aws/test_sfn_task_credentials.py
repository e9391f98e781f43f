"""Extensions sfn-task-credentials (task states call AWS as the state machine's role) and sfn-sdk-error-names."""

from __future__ import annotations

import json

from embedded_aws import EmbeddedAws, extensions
from support import trust_policy, wait_for_execution

ACCOUNT = "123456789012"
READ_TOKEN = {"StartAt": "Read", "States": {"Read": {
    "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter", "Parameters": {"Name": "/team/token"},
    "End": True}}}


def _machine(aws: EmbeddedAws, role: str, trusted_service: str = "states.amazonaws.com", allow: bool = False) -> str:
    iam = aws.client("iam")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(trusted_service))
    if allow:
        iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/team/*"}]}))
    return aws.client("stepfunctions").create_state_machine(
        name=role, definition=json.dumps(READ_TOKEN), roleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}")["stateMachineArn"]


def _run(aws: EmbeddedAws, machine: str) -> dict:
    sfn = aws.client("stepfunctions")
    return wait_for_execution(sfn, sfn.start_execution(stateMachineArn=machine)["executionArn"])


def _task_failure(aws: EmbeddedAws, described: dict) -> dict:
    history = aws.client("stepfunctions").get_execution_history(executionArn=described["executionArn"])["events"]
    return next(e["taskFailedEventDetails"] for e in history if e["type"] == "TaskFailed")


def test_a_task_reads_what_its_role_allows(aws: EmbeddedAws) -> None:
    aws.client("ssm").put_parameter(Name="/team/token", Value="t-1", Type="String")
    described = _run(aws, _machine(aws, "reader", allow=True))
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["Parameter"]["Value"] == "t-1"


def test_a_task_beyond_its_role_fails_with_access_denied(aws: EmbeddedAws) -> None:
    aws.client("ssm").put_parameter(Name="/team/token", Value="t-1", Type="String")
    described = _run(aws, _machine(aws, "no-grant"))
    assert described["status"] == "FAILED"
    failure = _task_failure(aws, described)
    assert "AccessDeniedException" in failure["error"] + failure["cause"]
    assert (f"arn:aws:sts::{ACCOUNT}:assumed-role/no-grant/states-task is not authorized to perform: ssm:GetParameter "
            f"on resource: arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/team/token") in failure["cause"]


def test_a_role_that_does_not_trust_step_functions_fails_the_task(aws: EmbeddedAws) -> None:
    described = _run(aws, _machine(aws, "lambda-only", trusted_service="lambda.amazonaws.com", allow=True))
    assert described["status"] == "FAILED"
    assert "nor the regional one is authorized to assume the provided role" in _task_failure(aws, described)["cause"]


def test_without_the_extension_tasks_act_as_the_account_root(aws: EmbeddedAws) -> None:
    aws.client("ssm").put_parameter(Name="/team/token", Value="t-1", Type="String")
    machine = _machine(aws, "unchecked")
    with extensions.disabled("sfn-task-credentials"):
        assert _run(aws, machine)["status"] == "SUCCEEDED"


# -- extension sfn-sdk-error-names ---------------------------------------------------------------------------------
CATCH_NAMES = {"StartAt": "Read", "States": {
    "Read": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter", "Parameters": {"Name": "/team/none"},
             "Catch": [{"ErrorEquals": ["Ssm.ParameterNotFoundException"], "ResultPath": "$.error", "Next": "Missing"}],
             "End": True},
    "Missing": {"Type": "Pass", "Parameters": {"caught.$": "$.error.Error"}, "End": True}}}


def test_a_modelled_error_is_named_with_the_pascal_case_service(aws: EmbeddedAws) -> None:
    machine = _machine(aws, "reader", allow=True)
    sfn = aws.client("stepfunctions")
    sfn.update_state_machine(stateMachineArn=machine, definition=json.dumps(CATCH_NAMES))
    described = _run(aws, machine)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"caught": "Ssm.ParameterNotFoundException"})


def test_an_unmodelled_error_carries_the_services_base_exception(aws: EmbeddedAws) -> None:
    described = _run(aws, _machine(aws, "lambda-only", trusted_service="lambda.amazonaws.com"))
    assert _task_failure(aws, described)["error"] == "Ssm.AWSSimpleSystemsManagementException"
    denied = _run(aws, _machine(aws, "no-grant"))  # SSM's model has AccessDeniedException
    assert _task_failure(aws, denied)["error"] == "Ssm.AccessDeniedException"


def test_without_the_extension_moto_invents_names_no_retry_list_has(aws: EmbeddedAws) -> None:
    machine = _machine(aws, "lambda-only", trusted_service="lambda.amazonaws.com")
    with extensions.disabled("sfn-sdk-error-names"):
        assert _task_failure(aws, _run(aws, machine))["error"] == "ssm.ssmException"


def test_error_names_of_the_services_the_platform_calls() -> None:
    from botocore.exceptions import ClientError

    from embedded_aws.extensions.sfn_sdk_error_names import exception_name, service_error_name

    unmodelled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "CreateNotebookInstance")
    assert [service_error_name(s) for s in ("sagemaker", "servicecatalog", "ssm", "dynamodb")] == [
        "SageMaker", "ServiceCatalog", "Ssm", "DynamoDb"]
    assert exception_name("SageMaker", unmodelled) == "SageMaker.AmazonSageMakerException"
    assert exception_name("ServiceCatalog", unmodelled) == "ServiceCatalog.AWSServiceCatalogException"

    class TooManyUpdates(ClientError):  # botocore's class for a modelled error is named as the error code
        pass

    assert exception_name("Ssm", TooManyUpdates({"Error": {"Code": "TooManyUpdates"}}, "PutParameter")) == "Ssm.TooManyUpdatesException"
