"""The environment status handler: EventBridge events → conditional record updates → released waiters."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from mlops_infra.constructs.platform_function import PlatformFunction
from mlops_infra.nag import suppress


class EnvironmentStatus(Construct):
    """Function ``<project>-environment-status`` subscribed to every event the environment types map."""

    def __init__(self, scope: Construct, id_: str, *, project: str, table: dynamodb.ITable,
                 event_sources: Sequence[tuple[str, Sequence[str]]], waiting_state_machine_names: Sequence[str],
                 url_parameter_prefix: str) -> None:
        super().__init__(scope, id_)
        partition, region, account = cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID
        self.handler = PlatformFunction(self, "Handler", project=project, name="environment-status", handler_module="status_events",
                                        description="Maps environment events to stored status and releases waiting executions",
                                        environment={"TABLE_NAME": table.table_name})
        self.handler.role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem", "dynamodb:UpdateItem"], resources=[table.table_arn]))
        self.handler.role.add_to_policy(iam.PolicyStatement(
            actions=["states:SendTaskSuccess", "states:SendTaskFailure"],
            resources=[f"arn:{partition}:states:{region}:{account}:stateMachine:{name}" for name in waiting_state_machine_names]))
        notebooks = f"arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*-notebook"
        # a failure the event does not explain is read from the notebook; a terminated environment's URL goes with it
        self.handler.role.add_to_policy(iam.PolicyStatement(sid="ReadFailureReasons", actions=["sagemaker:DescribeNotebookInstance"],
                                                            resources=[notebooks]))
        self.handler.role.add_to_policy(iam.PolicyStatement(
            sid="RemoveTerminatedUrls", actions=["ssm:DeleteParameter"],
            resources=[f"arn:{partition}:ssm:{region}:{account}:parameter{url_parameter_prefix}*"]))
        suppress(self.handler.role, "AwsSolutions-IAM5", "Every analyst's notebook (<user>-Notebook) and URL parameter",
                 applies_to=["Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/*-notebook",
                             f"Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter{url_parameter_prefix}*"])
        self.reconciler = PlatformFunction(self, "Reconciler", project=project, name="environment-reconciler", handler_module="reconcile",
                                           description="Every 15 minutes: fixes records that drifted from their notebooks",
                                           environment={"TABLE_NAME": table.table_name}, timeout_seconds=300)
        self.reconciler.role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:UpdateItem"],
                                                               resources=[table.table_arn]))
        self.reconciler.role.add_to_policy(iam.PolicyStatement(
            actions=["sagemaker:DescribeNotebookInstance"],
            resources=[f"arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*-notebook"]))
        suppress(self.reconciler.role, "AwsSolutions-IAM5", "Reconciles every analyst's notebook (<user>-Notebook)",
                 applies_to=["Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/*-notebook"])
        schedule = events.Rule(self, "Schedule", description="Reconcile environment records",
                               schedule=events.Schedule.rate(cdk.Duration.minutes(15)))
        schedule.add_target(targets.LambdaFunction(self.reconciler.function, retry_attempts=2))
        self.rules = []
        for index, (source, detail_types) in enumerate(sorted((source, tuple(types)) for source, types in event_sources)):
            rule = events.Rule(self, f"Events{index}", description=f"{source}: {', '.join(detail_types)} → environment status",
                               event_pattern=events.EventPattern(source=[source], detail_type=list(detail_types)))
            rule.add_target(targets.LambdaFunction(self.handler.function, retry_attempts=8, max_event_age=cdk.Duration.hours(2)))
            self.rules.append(rule)
