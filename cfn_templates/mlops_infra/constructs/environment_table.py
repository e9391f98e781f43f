"""Table of user environments (notebooks): one item per environment, status written conditionally."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

OWNER_INDEX = "by-owner"


class EnvironmentTable(Construct):
    """On-demand DynamoDB table keyed by ``environment_id`` with an owner index, PITR and a CMK."""

    def __init__(self, scope: Construct, id_: str, *, table_name: str, key: kms.IKey, removal_policy: cdk.RemovalPolicy) -> None:
        super().__init__(scope, id_)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=table_name,
            partition_key=dynamodb.Attribute(name="environment_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
            removal_policy=removal_policy,
        )
        self.table.add_global_secondary_index(
            index_name=OWNER_INDEX,
            partition_key=dynamodb.Attribute(name="owner", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="environment_id", type=dynamodb.AttributeType.STRING),
        )
