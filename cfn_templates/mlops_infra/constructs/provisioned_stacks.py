"""What every Service Catalog launch role of the platform needs: the stacks Service Catalog provisions with it, and
the product templates CloudFormation reads with the role's credentials.

Service Catalog names each provisioned product's stack ``SC-<account>-pp-<id>`` at launch time, so the
statement (and its cdk-nag evidence) is the same for the notebook, project and environment products.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

#: cdk-nag's rendering of the stacks' ARN pattern (for ``applies_to`` of an AwsSolutions-IAM5 suppression).
PROVISIONED_STACKS_EVIDENCE = "Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-<AWS::AccountId>-pp-*/*"


def provisioned_stacks(sid: str) -> iam.PolicyStatement:
    """Create, update, delete and follow the stacks of the products launched with the role."""
    account, partition, region = cdk.Aws.ACCOUNT_ID, cdk.Aws.PARTITION, cdk.Aws.REGION
    return iam.PolicyStatement(sid=sid, actions=[
        "cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:UpdateStack",
        "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents", "cloudformation:GetTemplateSummary",
        "cloudformation:SetStackPolicy", "cloudformation:ValidateTemplate"],
        resources=[f"arn:{partition}:cloudformation:{region}:{account}:stack/SC-{account}-pp-*/*"])


#: Why :func:`product_templates` names no bucket (for the AwsSolutions-IAM5 suppression of ``Resource::*``).
PRODUCT_TEMPLATES_REASON = ("the launch role reads Service Catalog's own copy of the product template, in a bucket Service "
                            "Catalog owns, only as tagged servicecatalog:provisioning=true (AWS's launch-role example)")


def product_templates(sid: str) -> iam.PolicyStatement:
    """Read the product template Service Catalog hands CloudFormation (its copy carries the provisioning tag)."""
    return iam.PolicyStatement(sid=sid, actions=["s3:GetObject"], resources=["*"],
                               conditions={"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}})
