"""The notebook provisioning state machine: validate → record → provision → wait (callback) → URL → record.

No Lambda blocks on a waiter: the wait is a task token released by the status handler when the
notebook's state-change event arrives, with a bounded poll fallback and an overall timeout.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_servicecatalog as servicecatalog
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from mlops_infra.constructs.network_placement import NetworkPlacement
from mlops_infra.constructs.platform_function import PlatformFunction
from mlops_infra.nag import logical_id, suppress

REQUEST_SOURCE = "mlops.notebooks"
REQUEST_DETAIL_TYPE = "Notebook Requested"
THROTTLING = ["ThrottlingException", "SageMaker.ThrottlingException", "ServiceCatalog.ThrottlingException",
              "Ssm.ThrottlingException", "DynamoDB.ProvisionedThroughputExceededException", "Lambda.TooManyRequestsException"]
URL_SESSION_SECONDS = 43200


def _ddb_key(path: str = "$.environment_id") -> dict[str, tasks.DynamoAttributeValue]:
    return {"environment_id": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at(path))}


def _retry_throttling(task: sfn.TaskStateBase) -> sfn.TaskStateBase:
    task.add_retry(errors=THROTTLING, interval=cdk.Duration.seconds(2), backoff_rate=2, max_attempts=6, jitter_strategy=sfn.JitterType.FULL)
    return task


class NotebookProvisioning(Construct):
    """State machine ``<project>-notebook-provisioning``, its Lambda steps and its EventBridge trigger."""

    def __init__(self, scope: Construct, id_: str, *, project: str, table: dynamodb.ITable, key: kms.IKey,
                 product: servicecatalog.IProduct, product_version: str, notebook_role: iam.IRole, url_parameter_prefix: str,
                 poll_seconds: int, max_polls: int, lifecycle_config_name: str, backup_bucket: str) -> None:
        super().__init__(scope, id_)
        self.settings = {"poll_seconds": poll_seconds, "max_polls": max_polls, "url_session_seconds": URL_SESSION_SECONDS}
        account, partition, region = cdk.Aws.ACCOUNT_ID, cdk.Aws.PARTITION, cdk.Aws.REGION
        self.state_machine_name = f"{project}-notebook-provisioning"
        state_machine_arn = f"arn:{partition}:states:{region}:{account}:stateMachine:{self.state_machine_name}"
        notebook_arn = f"arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*-notebook"
        parameter_arn = f"arn:{partition}:ssm:{region}:{account}:parameter{url_parameter_prefix}*"

        environment = {"TABLE_NAME": table.table_name}
        self.validate_fn = PlatformFunction(self, "Validate", project=project, name="notebook-validate", handler_module="validate_request",
                                            description="Validates notebook requests against the product's limits",
                                            environment={**environment, "NOTEBOOK_ROLE_ARN": notebook_role.role_arn,
                                                         "NOTEBOOK_KMS_KEY_ID": key.key_arn,
                                                         "NOTEBOOK_LIFECYCLE_CONFIG": lifecycle_config_name,
                                                         "NOTEBOOK_BACKUP_BUCKET": backup_bucket, **_notebook_network(self)})
        self.validate_fn.role.add_to_policy(iam.PolicyStatement(actions=["iam:GetUser"], resources=[f"arn:{partition}:iam::{account}:user/*"]))
        self.waiter_fn = PlatformFunction(self, "Waiter", project=project, name="notebook-waiter", handler_module="register_waiter",
                                          description="Parks the provisioning task token on the environment record", environment=environment)
        self.progress_fn = PlatformFunction(self, "Progress", project=project, name="notebook-progress", handler_module="check_progress",
                                            description="Poll fallback: provisioning record and notebook status", environment=environment)
        self.waiter_fn.role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem", "dynamodb:UpdateItem"],
                                                              resources=[table.table_arn]))
        for fn in (self.waiter_fn, self.progress_fn):
            fn.role.add_to_policy(iam.PolicyStatement(actions=["sagemaker:DescribeNotebookInstance"], resources=[notebook_arn]))
            fn.role.add_to_policy(iam.PolicyStatement(actions=["servicecatalog:DescribeRecord"], resources=["*"]))
            suppress(fn.role, "AwsSolutions-IAM5", "servicecatalog:DescribeRecord has no resource-level permissions; notebook "
                                                   "instance names are chosen per analyst (<user>-Notebook)",
                     applies_to=["Resource::*",
                                 "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/*-notebook"])
        self.waiter_fn.role.add_to_policy(iam.PolicyStatement(actions=["states:SendTaskSuccess", "states:SendTaskFailure"],
                                                              resources=[state_machine_arn]))
        suppress(self.validate_fn.role, "AwsSolutions-IAM5", "Any analyst (IAM user of this account) may request a notebook",
                 applies_to=["Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*"])

        definition = self._definition(table, key, product, product_version, notebook_arn, parameter_arn)
        self.log_group = logs.LogGroup(self, "Logs", log_group_name=f"/aws/vendedlogs/states/{self.state_machine_name}",
                                       retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine", state_machine_name=self.state_machine_name,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=cdk.Duration.hours(2), tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        functions = (self.validate_fn, self.waiter_fn, self.progress_fn)
        suppress(self.state_machine.role, "AwsSolutions-IAM5",
                 "X-Ray and log delivery have no resource-level permissions (*); Lambda invoke covers the versions of the "
                 "platform's own three functions; notebooks and URL parameters are named per analyst under fixed prefixes",
                 applies_to=["Resource::*",
                             *(f"Resource::<{logical_id(fn.function)}.Arn>:*" for fn in functions),
                             "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/*-notebook",
                             f"Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter{url_parameter_prefix}*"])
        self.rule = events.Rule(self, "OnRequest", rule_name=f"{project}-notebook-requested",
                                description="Starts notebook provisioning for each request event",
                                event_pattern=events.EventPattern(source=[REQUEST_SOURCE], detail_type=[REQUEST_DETAIL_TYPE]))
        self.rule.add_target(targets.SfnStateMachine(self.state_machine, input=events.RuleTargetInput.from_event_path("$.detail")))

    def _definition(self, table: dynamodb.ITable, key: kms.IKey, product: servicecatalog.IProduct, product_version: str,
                    notebook_arn: str, parameter_arn: str) -> sfn.IChainable:
        failed = self._failure_path(table, parameter_arn)
        validate = tasks.LambdaInvoke(self, "Validate request", lambda_function=self.validate_fn.function,
                                      payload_response_only=True, result_path="$")
        validate.add_catch(sfn.Fail(self, "Invalid request", error="InvalidRequest", cause_path="$.error.Cause"),
                           errors=["InvalidRequest"], result_path="$.error")
        settings = sfn.Pass(self, "Apply platform settings", parameters={**self.settings, "polls": 0}, result_path="$.wait")
        record = tasks.DynamoPutItem(
            self, "Record request", table=table, result_path=sfn.JsonPath.DISCARD,
            item={
                "environment_id": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.environment_id")),
                "owner": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.user")),
                "environment_type": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.environment_type")),
                "request_id": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.request_id")),
                "status": tasks.DynamoAttributeValue.from_string("PENDING"),
                "created_at": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$$.State.EnteredTime")),
                "execution_arn": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$$.Execution.Id")),
            },
            condition_expression="attribute_not_exists(environment_id) OR (#s IN (:terminated, :failed) AND request_id <> :rid)",
            expression_attribute_names={"#s": "status"},
            expression_attribute_values={":terminated": tasks.DynamoAttributeValue.from_string("TERMINATED"),
                                         ":failed": tasks.DynamoAttributeValue.from_string("FAILED"),
                                         ":rid": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.request_id"))},
        )
        record.add_catch(sfn.Succeed(self, "Already requested", comment="A duplicate request: the first one does the work"),
                         errors=["DynamoDB.ConditionalCheckFailedException"], result_path="$.error")
        provision = _retry_throttling(tasks.CallAwsService(
            self, "Provision product", service="servicecatalog", action="provisionProduct",
            parameters={"ProductId": product.product_id, "ProvisioningArtifactName": product_version,
                        "ProvisionedProductName.$": "$.notebook_name", "ProvisionToken.$": "$.request_id",
                        "ProvisioningParameters.$": "$.provisioning_parameters", "Tags.$": "$.tags"},
            iam_resources=[f"arn:{cdk.Aws.PARTITION}:catalog:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:product/{product.product_id}"],
            result_selector={"record_id.$": "$.RecordDetail.RecordId", "provisioned_product_id.$": "$.RecordDetail.ProvisionedProductId"},
            result_path="$.provisioning"))
        save = tasks.DynamoUpdateItem(self, "Save provisioning record", table=table, key=_ddb_key(), result_path=sfn.JsonPath.DISCARD,
                                      update_expression="SET record_id = :r, provisioned_product_id = :p",
                                      expression_attribute_values={
                                          ":r": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.provisioning.record_id")),
                                          ":p": tasks.DynamoAttributeValue.from_string(
                                              sfn.JsonPath.string_at("$.provisioning.provisioned_product_id"))})
        wait = tasks.LambdaInvoke(self, "Wait for notebook", lambda_function=self.waiter_fn.function,
                                  integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
                                  payload=sfn.TaskInput.from_object({
                                      "environment_id": sfn.JsonPath.string_at("$.environment_id"),
                                      "notebook_name": sfn.JsonPath.string_at("$.notebook_name"),
                                      "record_id": sfn.JsonPath.string_at("$.provisioning.record_id"),
                                      "task_token": sfn.JsonPath.task_token}),
                                  task_timeout=sfn.Timeout.at("$.wait.poll_seconds"), result_path="$.progress")
        check = tasks.LambdaInvoke(self, "Check progress", lambda_function=self.progress_fn.function, payload_response_only=True,
                                   payload=sfn.TaskInput.from_object({"notebook_name": sfn.JsonPath.string_at("$.notebook_name"),
                                                                      "record_id": sfn.JsonPath.string_at("$.provisioning.record_id")}),
                                   result_path="$.progress")
        count = sfn.Pass(self, "Count poll", parameters={
            "polls.$": "States.MathAdd($.wait.polls, 1)", "max_polls.$": "$.wait.max_polls",
            "poll_seconds.$": "$.wait.poll_seconds", "url_session_seconds.$": "$.wait.url_session_seconds"}, result_path="$.wait")
        progress_failed = sfn.Pass(self, "Provisioning failed", parameters={
            "Error": "NotebookFailed", "Cause.$": "$.progress.reason"}, result_path="$.error")
        timed_out = sfn.Pass(self, "Provisioning timed out", parameters={
            "Error": "ProvisioningTimedOut", "Cause": "The notebook was not InService within the provisioning time limit"},
            result_path="$.error")
        url = _retry_throttling(tasks.CallAwsService(
            self, "Create presigned URL", service="sagemaker", action="createPresignedNotebookInstanceUrl",
            parameters={"NotebookInstanceName.$": "$.notebook_name", "SessionExpirationDurationInSeconds.$": "$.wait.url_session_seconds"},
            iam_resources=[notebook_arn], result_selector={"url.$": "$.AuthorizedUrl"}, result_path="$.presigned"))
        store = _retry_throttling(tasks.CallAwsService(
            self, "Store URL", service="ssm", action="putParameter",
            parameters={"Name.$": "$.url_parameter", "Value.$": "$.presigned.url", "Type": "SecureString",
                        "KeyId": key.key_arn, "Overwrite": True},
            iam_resources=[parameter_arn], additional_iam_statements=[
                iam.PolicyStatement(actions=["kms:Encrypt", "kms:GenerateDataKey"], resources=[key.key_arn])],
            result_path=sfn.JsonPath.DISCARD))
        tag = _retry_throttling(tasks.CallAwsService(
            self, "Tag URL with owner", service="ssm", action="addTagsToResource",
            parameters={"ResourceType": "Parameter", "ResourceId.$": "$.url_parameter",
                        "Tags": [{"Key": "owner", "Value.$": "$.user"}]},
            iam_resources=[parameter_arn], result_path=sfn.JsonPath.DISCARD))
        remember = tasks.DynamoUpdateItem(self, "Record URL", table=table, key=_ddb_key(), result_path=sfn.JsonPath.DISCARD,
                                          update_expression="SET url_parameter = :u, url_issued_at = :t",
                                          expression_attribute_values={
                                              ":u": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.url_parameter")),
                                              ":t": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$$.State.EnteredTime"))})
        complete = tasks.DynamoUpdateItem(self, "Mark completed", table=table, key=_ddb_key(), result_path=sfn.JsonPath.DISCARD,
                                          update_expression="SET #s = :done", condition_expression="#s IN (:pending, :done)",
                                          expression_attribute_names={"#s": "status"},
                                          expression_attribute_values={":done": tasks.DynamoAttributeValue.from_string("COMPLETED"),
                                                                       ":pending": tasks.DynamoAttributeValue.from_string("PENDING")})
        done = sfn.Succeed(self, "Notebook ready")
        complete.add_catch(done, errors=["DynamoDB.ConditionalCheckFailedException"], result_path="$.error")

        for step in (provision, save, url, store, tag, remember, check):
            step.add_catch(failed, errors=["States.ALL"], result_path="$.error")
        wait.add_catch(check, errors=["States.Timeout"], result_path="$.timeout")
        wait.add_catch(failed, errors=["States.ALL"], result_path="$.error")

        issue = url.next(store).next(tag).next(remember).next(complete).next(done)
        check.next(sfn.Choice(self, "Ready?")
                   .when(sfn.Condition.string_equals("$.progress.state", "READY"), issue)
                   .when(sfn.Condition.string_equals("$.progress.state", "FAILED"), progress_failed.next(failed))
                   .otherwise(count.next(sfn.Choice(self, "Keep waiting?")
                                         .when(sfn.Condition.number_less_than_json_path("$.wait.polls", "$.wait.max_polls"), wait)
                                         .otherwise(timed_out.next(failed)))))
        return validate.next(settings).next(record).next(provision).next(save).next(wait).next(issue)

    def _failure_path(self, table: dynamodb.ITable, parameter_arn: str) -> sfn.IChainable:
        """Record FAILED with the cause, remove any URL parameter, end in a Fail state."""
        record = tasks.DynamoUpdateItem(self, "Record failure", table=table, key=_ddb_key(), result_path=sfn.JsonPath.DISCARD,
                                        update_expression="SET #s = :failed, failure_reason = :reason, failure_error = :error",
                                        condition_expression="attribute_exists(environment_id)",
                                        expression_attribute_names={"#s": "status"},
                                        expression_attribute_values={
                                            ":failed": tasks.DynamoAttributeValue.from_string("FAILED"),
                                            ":reason": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.error.Cause")),
                                            ":error": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.error.Error"))})
        remove = tasks.CallAwsService(self, "Remove URL parameter", service="ssm", action="deleteParameter",
                                      parameters={"Name.$": "$.url_parameter"}, iam_resources=[parameter_arn],
                                      result_path=sfn.JsonPath.DISCARD)
        fail = sfn.Fail(self, "Provisioning failed (recorded)", error_path="$.error.Error", cause_path="$.error.Cause")
        remove.add_catch(fail, errors=["States.ALL"], result_path="$.cleanup_error")  # ParameterNotFound included
        record.add_catch(remove, errors=["States.ALL"], result_path="$.record_error")
        return record.next(remove).next(fail)


def _notebook_network(scope: Construct) -> dict[str, str]:
    """Subnet and security groups for new notebooks when the stack runs in the secure ML environment."""
    placement = NetworkPlacement.of(scope)
    if placement is None:
        return {}
    return {"NOTEBOOK_SUBNET_ID": placement.subnet_ids[0],
            "NOTEBOOK_SECURITY_GROUP_IDS": cdk.Fn.join(",", placement.notebook_security_group_ids)}
