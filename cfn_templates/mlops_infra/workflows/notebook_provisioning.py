"""The notebook provisioning workflow as small builders: each returns one state or one sub-chain.

validate (a platform request, or a console launch seen through CloudTrail: adopted, refused or ignored) → apply
settings → find the analyst (IAM, from Step Functions: the functions may run where IAM has no endpoint) → record
(PENDING) → provision the product (a console launch is provisioned already) → save its record → wait for the notebook
(task token released by the status handler; on timeout a poll, bounded) → presigned URL → SSM → record → COMPLETED.
Any failure after the record: FAILED with the cause, the URL parameter removed, a Fail state. A refused console
launch: recorded FAILED with the reason (unless a live record holds the name), terminated once Service Catalog has
settled it, and a Fail state. Rendered to ASL offline
(``stepfunctions/definitions/``); the names of the states are part of that contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_servicecatalog as servicecatalog
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from mlops_runtime.notebooks import statuses
from mlops_runtime.notebooks.adoption import ADOPTED, IGNORED, REFUSED
from mlops_runtime.notebooks.waits import FAILED as PROGRESS_FAILED
from mlops_runtime.notebooks.waits import READY as PROGRESS_READY

#: What AWS raises when a call is throttled, as the aws-sdk and Lambda integrations name it.
#: Throttling as Step Functions names it, per aws-sdk service: SageMaker and Service Catalog do not model it, so it
#: arrives as their SDK's base exception; SSM models ThrottlingException and TooManyUpdates (a parameter updated too often).
THROTTLING = {"sagemaker": ["SageMaker.AmazonSageMakerException"],
              "servicecatalog": ["ServiceCatalog.AWSServiceCatalogException"],
              "ssm": ["Ssm.ThrottlingException", "Ssm.TooManyUpdatesException"]}
CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException"
#: The cause of a request by someone who is not an IAM user of the account (as the CLI says it).
UNKNOWN_USER = 'unknown user "{}": no IAM user of that name in the platform account'
TaskT = TypeVar("TaskT", bound=sfn.TaskStateBase)


@dataclass(frozen=True)
class ProvisioningResources:
    """What the workflow's states act on."""

    table: dynamodb.ITable
    key: kms.IKey
    product: servicecatalog.IProduct
    product_version: str
    notebook_arn: str
    parameter_arn: str
    validate_fn: lambda_.IFunction
    waiter_fn: lambda_.IFunction
    progress_fn: lambda_.IFunction
    #: poll_seconds, max_polls, url_session_seconds
    settings: dict[str, int]


def build_definition(scope: Construct, r: ProvisioningResources) -> sfn.IChainable:
    """The whole workflow, started by the request (``user``, ``request_id``, optional limits)."""
    failed = failure_path(scope, r)
    invalid = sfn.Fail(scope, "Invalid request", error="InvalidRequest", cause_path="$.error.Cause")
    validate, find = validate_request(scope, r, invalid), find_analyst(scope, invalid)
    settings, record = apply_settings(scope, r), record_request(scope, r)
    provision, save = provision_product(scope, r), save_provisioning_record(scope, r)
    wait, check = wait_for_notebook(scope, r), check_progress(scope, r)
    issue = issue_url(scope, r, failed)
    for step in (provision, save, check):
        step.add_catch(failed, errors=["States.ALL"], result_path="$.error")
    wait.add_catch(check, errors=["States.Timeout"], result_path="$.timeout")
    wait.add_catch(failed, errors=["States.ALL"], result_path="$.error")
    check.next(poll_decision(scope, ready=issue, wait=wait, failed=failed))
    launched = (sfn.Choice(scope, "Launched already?", comment="A console launch is provisioned by the analyst's own call")
                .when(sfn.Condition.string_equals("$.launch", ADOPTED), save).otherwise(provision))
    provision.next(save)
    save.next(wait).next(issue)
    route = (sfn.Choice(scope, "Which launch?")
             .when(sfn.Condition.string_equals("$.launch", IGNORED), sfn.Succeed(scope, "Not a launch to adopt"))
             .when(sfn.Condition.string_equals("$.launch", REFUSED), refuse_launch(scope, r))
             .otherwise(find))
    find.next(record).next(launched)
    return validate.next(settings).next(route)


def validate_request(scope: Construct, r: ProvisioningResources, invalid: sfn.Fail) -> tasks.LambdaInvoke:
    """The request against the product's limits; ``InvalidRequest`` ends the execution before anything exists."""
    validate = tasks.LambdaInvoke(scope, "Validate request", lambda_function=r.validate_fn, payload_response_only=True, result_path="$")
    validate.add_catch(invalid, errors=["InvalidRequest"], result_path="$.error")
    return validate


def find_analyst(scope: Construct, invalid: sfn.Fail) -> tasks.CallAwsService:
    """The requester must be an IAM user of this account (analysts are); anyone else is refused before anything exists."""
    find = tasks.CallAwsService(
        scope, "Find analyst", service="iam", action="getUser", parameters={"UserName.$": "$.user"},
        iam_resources=[f"arn:{cdk.Aws.PARTITION}:iam::{cdk.Aws.ACCOUNT_ID}:user/*"], result_path=sfn.JsonPath.DISCARD)
    unknown = sfn.Pass(scope, "Unknown analyst", result_path="$.error", parameters={"Cause": sfn.JsonPath.format(
        UNKNOWN_USER, sfn.JsonPath.string_at("$.user"))})
    find.add_catch(unknown.next(invalid), errors=["Iam.NoSuchEntityException"], result_path="$.error")
    return find


def refuse_launch(scope: Construct, r: ProvisioningResources) -> sfn.Chain:
    """A console launch the platform does not adopt: record FAILED with the reason (a live record keeps its notebook),
    let Service Catalog settle the launch (bounded), terminate it, and end in ``LaunchRefused``."""
    record = tasks.DynamoPutItem(
        scope, "Record refused launch", table=r.table, result_path=sfn.JsonPath.DISCARD,
        item={"environment_id": _string_at("$.environment_id"), "owner": _string_at("$.owner"),
              "environment_type": _string_at("$.environment_type"), "request_id": _string_at("$.request_id"),
              "status": _string(statuses.FAILED), "failure_reason": _string_at("$.error.Cause"),
              "failure_error": _string_at("$.error.Error"), "created_at": _string_at("$$.State.EnteredTime"),
              "execution_arn": _string_at("$$.Execution.Id")},
        condition_expression="attribute_not_exists(environment_id) OR #s IN (:terminated, :failed)",
        expression_attribute_names={"#s": "status"},
        expression_attribute_values={":terminated": _string(statuses.TERMINATED), ":failed": _string(statuses.FAILED)})
    check = _retry_throttling(tasks.CallAwsService(
        scope, "Check refused launch", service="servicecatalog", action="describeRecord",
        parameters={"Id.$": "$.provisioning.record_id"}, iam_resources=["*"],
        result_selector={"status.$": "$.RecordDetail.Status"}, result_path="$.launched"), "servicecatalog")
    terminate = _retry_throttling(tasks.CallAwsService(
        scope, "Terminate refused launch", service="servicecatalog", action="terminateProvisionedProduct",
        parameters={"ProvisionedProductId.$": "$.provisioning.provisioned_product_id", "TerminateToken.$": "$.provisioning.record_id"},
        iam_resources=["*"], result_path=sfn.JsonPath.DISCARD), "servicecatalog")
    refused = sfn.Fail(scope, "Launch refused", error=statuses.LAUNCH_REFUSED, cause_path="$.error.Cause")
    terminate.add_catch(refused, errors=["ServiceCatalog.ResourceNotFoundException"], result_path="$.cleanup_error")
    record.add_catch(check, errors=[CONDITION_FAILED], result_path="$.record_error")
    count = sfn.Pass(scope, "Count launch check", parameters={
        "polls.$": "States.MathAdd($.wait.polls, 1)", "max_polls.$": "$.wait.max_polls",
        "poll_seconds.$": "$.wait.poll_seconds", "url_session_seconds.$": "$.wait.url_session_seconds"}, result_path="$.wait")
    pause = sfn.Wait(scope, "Let the launch settle", time=sfn.WaitTime.seconds_path("$.wait.poll_seconds"))
    in_progress = sfn.Condition.or_(*(sfn.Condition.string_equals("$.launched.status", status)
                                      for status in ("CREATED", "IN_PROGRESS", "IN_PROGRESS_IN_ERROR")))
    settled = (sfn.Choice(scope, "Launch settled?")
               .when(sfn.Condition.and_(in_progress, sfn.Condition.number_less_than_json_path("$.wait.polls", "$.wait.max_polls")),
                     count.next(pause).next(check))
               .otherwise(terminate.next(refused)))
    return record.next(check).next(settled)


def apply_settings(scope: Construct, r: ProvisioningResources) -> sfn.Pass:
    return sfn.Pass(scope, "Apply platform settings", parameters={**r.settings, "polls": 0}, result_path="$.wait")


def record_request(scope: Construct, r: ProvisioningResources) -> tasks.DynamoPutItem:
    """The environment record, PENDING; a duplicate request (same id) succeeds without doing the work twice."""
    record = tasks.DynamoPutItem(
        scope, "Record request", table=r.table, result_path=sfn.JsonPath.DISCARD,
        item={
            "environment_id": _string_at("$.environment_id"),
            "owner": _string_at("$.user"),
            "environment_type": _string_at("$.environment_type"),
            "request_id": _string_at("$.request_id"),
            "status": _string(statuses.PENDING),
            "created_at": _string_at("$$.State.EnteredTime"),
            "execution_arn": _string_at("$$.Execution.Id"),
        },
        condition_expression="attribute_not_exists(environment_id) OR (#s IN (:terminated, :failed) AND request_id <> :rid)",
        expression_attribute_names={"#s": "status"},
        expression_attribute_values={":terminated": _string(statuses.TERMINATED), ":failed": _string(statuses.FAILED),
                                     ":rid": _string_at("$.request_id")},
    )
    record.add_catch(sfn.Succeed(scope, "Already requested", comment="A duplicate request: the first one does the work"),
                     errors=[CONDITION_FAILED], result_path="$.error")
    return record


def provision_product(scope: Construct, r: ProvisioningResources) -> tasks.CallAwsService:
    """ProvisionProduct through the SDK integration (the request id is the idempotency token)."""
    return _retry_throttling(tasks.CallAwsService(
        scope, "Provision product", service="servicecatalog", action="provisionProduct",
        parameters={"ProductId": r.product.product_id, "ProvisioningArtifactName": r.product_version,
                    "ProvisionedProductName.$": "$.notebook_name", "ProvisionToken.$": "$.request_id",
                    "ProvisioningParameters.$": "$.provisioning_parameters", "Tags.$": "$.tags"},
        iam_resources=[f"arn:{cdk.Aws.PARTITION}:catalog:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:product/{r.product.product_id}"],
        result_selector={"record_id.$": "$.RecordDetail.RecordId", "provisioned_product_id.$": "$.RecordDetail.ProvisionedProductId"},
        result_path="$.provisioning"), "servicecatalog")


def save_provisioning_record(scope: Construct, r: ProvisioningResources) -> tasks.DynamoUpdateItem:
    return tasks.DynamoUpdateItem(scope, "Save provisioning record", table=r.table, key=_environment_key(),
                                  result_path=sfn.JsonPath.DISCARD,
                                  update_expression="SET record_id = :r, provisioned_product_id = :p",
                                  expression_attribute_values={":r": _string_at("$.provisioning.record_id"),
                                                               ":p": _string_at("$.provisioning.provisioned_product_id")})


def wait_for_notebook(scope: Construct, r: ProvisioningResources) -> tasks.LambdaInvoke:
    """Park a task token on the record; the status handler releases it on the notebook's state-change event."""
    return tasks.LambdaInvoke(scope, "Wait for notebook", lambda_function=r.waiter_fn,
                              integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
                              payload=sfn.TaskInput.from_object({
                                  "environment_id": sfn.JsonPath.string_at("$.environment_id"),
                                  "notebook_name": sfn.JsonPath.string_at("$.notebook_name"),
                                  "record_id": sfn.JsonPath.string_at("$.provisioning.record_id"),
                                  "task_token": sfn.JsonPath.task_token}),
                              task_timeout=sfn.Timeout.at("$.wait.poll_seconds"), result_path="$.progress")


def check_progress(scope: Construct, r: ProvisioningResources) -> tasks.LambdaInvoke:
    """The poll fallback: the provisioning record and the notebook's status, read once."""
    return tasks.LambdaInvoke(scope, "Check progress", lambda_function=r.progress_fn, payload_response_only=True,
                              payload=sfn.TaskInput.from_object({"notebook_name": sfn.JsonPath.string_at("$.notebook_name"),
                                                                 "record_id": sfn.JsonPath.string_at("$.provisioning.record_id")}),
                              result_path="$.progress")


def poll_decision(scope: Construct, *, ready: sfn.IChainable, wait: sfn.IChainable, failed: sfn.IChainable) -> sfn.Choice:
    """READY → issue the URL; FAILED → the failure path; else wait again, at most ``max_polls`` times."""
    count = sfn.Pass(scope, "Count poll", parameters={
        "polls.$": "States.MathAdd($.wait.polls, 1)", "max_polls.$": "$.wait.max_polls",
        "poll_seconds.$": "$.wait.poll_seconds", "url_session_seconds.$": "$.wait.url_session_seconds"}, result_path="$.wait")
    progress_failed = sfn.Pass(scope, "Provisioning failed", parameters={"Error": "NotebookFailed", "Cause.$": "$.progress.reason"},
                               result_path="$.error")
    timed_out = sfn.Pass(scope, "Provisioning timed out", parameters={
        "Error": "ProvisioningTimedOut", "Cause": "The notebook was not InService within the provisioning time limit"},
        result_path="$.error")
    keep_waiting = (sfn.Choice(scope, "Keep waiting?")
                    .when(sfn.Condition.number_less_than_json_path("$.wait.polls", "$.wait.max_polls"), wait)
                    .otherwise(timed_out.next(failed)))
    return (sfn.Choice(scope, "Ready?")
            .when(sfn.Condition.string_equals("$.progress.state", PROGRESS_READY), ready)
            .when(sfn.Condition.string_equals("$.progress.state", PROGRESS_FAILED), progress_failed.next(failed))
            .otherwise(count.next(keep_waiting)))


def issue_url(scope: Construct, r: ProvisioningResources, failed: sfn.IChainable) -> sfn.Chain:
    """Presigned URL → owner-tagged SecureString → URL on the record → COMPLETED (unless the record moved on)."""
    url = _retry_throttling(tasks.CallAwsService(
        scope, "Create presigned URL", service="sagemaker", action="createPresignedNotebookInstanceUrl",
        parameters={"NotebookInstanceName.$": "$.notebook_name", "SessionExpirationDurationInSeconds.$": "$.wait.url_session_seconds"},
        iam_resources=[r.notebook_arn], result_selector={"url.$": "$.AuthorizedUrl"}, result_path="$.presigned"), "sagemaker")
    store = _retry_throttling(tasks.CallAwsService(
        scope, "Store URL", service="ssm", action="putParameter",
        parameters={"Name.$": "$.url_parameter", "Value.$": "$.presigned.url", "Type": "SecureString",
                    "KeyId": r.key.key_arn, "Overwrite": True,
                    # a presigned notebook URL opens the notebook for five minutes after its issue
                    "Description.$": "States.Format('Presigned URL of {} issued {}: it opens the notebook for 5 minutes only; read a "
                                     "fresh one with mlops notebook url or GET /notebooks/url', $.notebook_name, $$.State.EnteredTime)"},
        iam_resources=[r.parameter_arn], additional_iam_statements=[
            iam.PolicyStatement(actions=["kms:Encrypt", "kms:GenerateDataKey"], resources=[r.key.key_arn])],
        result_path=sfn.JsonPath.DISCARD), "ssm")
    tag = _retry_throttling(tasks.CallAwsService(
        scope, "Tag URL with owner", service="ssm", action="addTagsToResource",
        parameters={"ResourceType": "Parameter", "ResourceId.$": "$.url_parameter", "Tags": [{"Key": "owner", "Value.$": "$.user"}]},
        iam_resources=[r.parameter_arn], result_path=sfn.JsonPath.DISCARD), "ssm")
    remember = tasks.DynamoUpdateItem(scope, "Record URL", table=r.table, key=_environment_key(), result_path=sfn.JsonPath.DISCARD,
                                      update_expression="SET url_parameter = :u, url_issued_at = :t",
                                      expression_attribute_values={":u": _string_at("$.url_parameter"),
                                                                   ":t": _string_at("$$.State.EnteredTime")})
    complete = tasks.DynamoUpdateItem(scope, "Mark completed", table=r.table, key=_environment_key(), result_path=sfn.JsonPath.DISCARD,
                                      update_expression="SET #s = :done", condition_expression="#s IN (:pending, :done)",
                                      expression_attribute_names={"#s": "status"},
                                      expression_attribute_values={":done": _string(statuses.COMPLETED),
                                                                   ":pending": _string(statuses.PENDING)})
    done = sfn.Succeed(scope, "Notebook ready")
    complete.add_catch(done, errors=[CONDITION_FAILED], result_path="$.error")
    for step in (url, store, tag, remember):
        step.add_catch(failed, errors=["States.ALL"], result_path="$.error")
    return url.next(store).next(tag).next(remember).next(complete).next(done)


def failure_path(scope: Construct, r: ProvisioningResources) -> sfn.Chain:
    """Record FAILED with the cause, remove any URL parameter, end in a Fail state."""
    record = tasks.DynamoUpdateItem(scope, "Record failure", table=r.table, key=_environment_key(), result_path=sfn.JsonPath.DISCARD,
                                    update_expression="SET #s = :failed, failure_reason = :reason, failure_error = :error",
                                    condition_expression="attribute_exists(environment_id)",
                                    expression_attribute_names={"#s": "status"},
                                    expression_attribute_values={":failed": _string(statuses.FAILED),
                                                                 ":reason": _string_at("$.error.Cause"),
                                                                 ":error": _string_at("$.error.Error")})
    remove = tasks.CallAwsService(scope, "Remove URL parameter", service="ssm", action="deleteParameter",
                                  parameters={"Name.$": "$.url_parameter"}, iam_resources=[r.parameter_arn],
                                  result_path=sfn.JsonPath.DISCARD)
    fail = sfn.Fail(scope, "Provisioning failed (recorded)", error_path="$.error.Error", cause_path="$.error.Cause")
    remove.add_catch(fail, errors=["States.ALL"], result_path="$.cleanup_error")  # ParameterNotFound included
    record.add_catch(remove, errors=["States.ALL"], result_path="$.record_error")
    return record.next(remove).next(fail)


def _retry_throttling(task: TaskT, service: str) -> TaskT:
    """Retry ``task`` (an aws-sdk call of ``service``) on throttling, with jittered backoff."""
    task.add_retry(errors=THROTTLING[service], interval=cdk.Duration.seconds(2), backoff_rate=2, max_attempts=6, jitter_strategy=sfn.JitterType.FULL)
    return task


def _string(value: str) -> tasks.DynamoAttributeValue:
    return tasks.DynamoAttributeValue.from_string(value)


def _string_at(path: str) -> tasks.DynamoAttributeValue:
    return tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at(path))


def _environment_key() -> dict[str, tasks.DynamoAttributeValue]:
    return {"environment_id": _string_at("$.environment_id")}
