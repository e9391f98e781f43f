"""The notebook provisioning state machine: its Lambda steps, their permissions, the machine and its trigger.

The workflow itself (validate → record → provision → wait (callback) → URL → record) is built in
``mlops_infra.workflows.notebook_provisioning``. No Lambda blocks on a waiter: the wait is a task token released by the
status handler when the notebook's state-change event arrives, with a bounded poll fallback and an overall timeout.
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
from constructs import Construct

from mlops_infra.constructs.platform_function import PlatformFunction
from mlops_infra.nag import logical_id, suppress
from mlops_infra.workflows.notebook_provisioning import ProvisioningResources, build_definition

REQUEST_SOURCE = "mlops.notebooks"
REQUEST_DETAIL_TYPE = "Notebook Requested"


class NotebookProvisioning(Construct):
    """State machine ``<project>-notebook-provisioning``, its Lambda steps and its EventBridge trigger."""

    def __init__(self, scope: Construct, id_: str, *, project: str, table: dynamodb.ITable, key: kms.IKey,
                 product: servicecatalog.IProduct, product_version: str, url_parameter_prefix: str,
                 poll_seconds: int, max_polls: int, session_seconds: int) -> None:
        super().__init__(scope, id_)
        self.settings = {"poll_seconds": poll_seconds, "max_polls": max_polls, "url_session_seconds": session_seconds}
        account, partition, region = cdk.Aws.ACCOUNT_ID, cdk.Aws.PARTITION, cdk.Aws.REGION
        self.state_machine_name = f"{project}-notebook-provisioning"
        state_machine_arn = f"arn:{partition}:states:{region}:{account}:stateMachine:{self.state_machine_name}"
        notebook_arn = f"arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*-notebook"
        parameter_arn = f"arn:{partition}:ssm:{region}:{account}:parameter{url_parameter_prefix}*"

        environment = {"TABLE_NAME": table.table_name}
        self.validate_fn = PlatformFunction(self, "Validate", project=project, name="notebook-validate", handler_module="validate_request",
                                            description="Validates notebook requests against the product's limits",
                                            environment={**environment, "PRODUCT_ID": product.product_id})
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

        definition = build_definition(self, ProvisioningResources(
            table=table, key=key, product=product, product_version=product_version, notebook_arn=notebook_arn,
            parameter_arn=parameter_arn, validate_fn=self.validate_fn.function, waiter_fn=self.waiter_fn.function,
            progress_fn=self.progress_fn.function, settings=self.settings))
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
                 "platform's own three functions; notebooks and URL parameters are named per analyst under fixed prefixes; "
                 "any analyst (IAM user of this account) may request a notebook",
                 applies_to=["Resource::*", "Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*",
                             *(f"Resource::<{logical_id(fn.function)}.Arn>:*" for fn in functions),
                             "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/*-notebook",
                             f"Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter{url_parameter_prefix}*"])
        self.rule = events.Rule(self, "OnRequest", rule_name=f"{project}-notebook-requested",
                                description="Starts notebook provisioning for each request event",
                                event_pattern=events.EventPattern(source=[REQUEST_SOURCE], detail_type=[REQUEST_DETAIL_TYPE]))
        self.rule.add_target(targets.SfnStateMachine(self.state_machine, input=events.RuleTargetInput.from_event_path("$.detail")))
        # a launch from the Service Catalog console, as CloudTrail records it (from a logging trail): adopted or refused
        self.console_rule = events.Rule(self, "OnConsoleLaunch", rule_name=f"{project}-notebook-console-launch",
                                        description="Adopts notebooks analysts launch from the Service Catalog console",
                                        event_pattern=console_launch_pattern(product.product_id))
        self.console_rule.add_target(targets.SfnStateMachine(self.state_machine, input=events.RuleTargetInput.from_object(
            {"console_launch": events.EventField.from_path("$.detail")})))



def console_launch_pattern(product_id: str) -> events.EventPattern:
    """Successful ProvisionProduct calls of the notebook product by IAM users (analysts; the platform's own calls are
    made by its state machine's role)."""
    return events.EventPattern(source=["aws.servicecatalog"], detail_type=["AWS API Call via CloudTrail"], detail={
        "eventSource": ["servicecatalog.amazonaws.com"], "eventName": ["ProvisionProduct"], "errorCode": [{"exists": False}],
        "requestParameters": {"productId": [product_id]}, "userIdentity": {"type": ["IAMUser"]}})
