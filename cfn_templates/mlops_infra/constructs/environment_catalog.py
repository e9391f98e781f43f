"""The environment as a product: a data-science admin launches secure ML environments from Service Catalog.

    portfolio "<platform> ML environments" ── access: <platform>-ds-admin
      └─ product "<platform> secure ML environment" (the ml-environment template, same parameters)
           launch role <platform>-environment-launch: the environment's resources, only through CloudFormation

The launch role may create exactly what the environment template holds (network, endpoints, keys,
stores, persona roles, the guardrail policy); every call except starting the stack must arrive through
CloudFormation (``aws:CalledVia``), so the role is no shortcut to creating roles or networks by hand.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from mlops_infra.constructs.personas import persona_name
from mlops_infra.constructs.provisioned_stacks import PRODUCT_TEMPLATES_REASON, PROVISIONED_STACKS_EVIDENCE, product_templates, provisioned_stacks
from mlops_infra.nag import suppress

PRODUCT_VERSION = "v1"
#: What the environment's network needs of EC2 (creation APIs name no resource before the call).
NETWORK_ACTIONS = [
    "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
    "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:CreateRoute",
    "ec2:DeleteRoute", "ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway",
    "ec2:DetachInternetGateway", "ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:CreateNatGateway", "ec2:DeleteNatGateway",
    "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints",
    "ec2:ModifyVpcEndpoint", "ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:CreateTags", "ec2:DeleteTags", "ec2:Describe*"]
THROUGH_CLOUDFORMATION = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["cloudformation.amazonaws.com"]}}


class EnvironmentCatalog(Construct):
    """Portfolio with the environment product, shared with the DS admin persona, launched by a scoped role."""

    def __init__(self, scope: Construct, id_: str, *, project: str, template: servicecatalog.ProductStack) -> None:
        super().__init__(scope, id_)
        self.launch_role = self._launch_role(project)
        self.portfolio = servicecatalog.Portfolio(self, "Portfolio", display_name=f"{project} ML environments",
                                                  provider_name=f"{project} platform",
                                                  description="Secure ML environments: private network, fenced stores, personas")
        self.product = servicecatalog.CloudFormationProduct(
            self, "Product", product_name=f"{project} secure ML environment", owner=f"{project} platform",
            description="A private ML network with endpoints, KMS-encrypted data and model stores fenced to it, personas and guardrails",
            product_versions=[servicecatalog.CloudFormationProductVersion(
                product_version_name=PRODUCT_VERSION,
                cloud_formation_template=servicecatalog.CloudFormationTemplate.from_product_stack(template))])
        self.portfolio.add_product(self.product)
        self.portfolio.set_local_launch_role(self.product, self.launch_role)
        # the platform's own environment (deployed before this stack) holds the DS admin persona
        self.portfolio.give_access_to_role(iam.Role.from_role_name(self, "DsAdmin", persona_name(project, "ds-admin"), mutable=False))

    def _launch_role(self, project: str) -> iam.Role:
        account, partition, region = cdk.Aws.ACCOUNT_ID, cdk.Aws.PARTITION, cdk.Aws.REGION
        role_arn = f"arn:{partition}:iam::{account}:role/*"
        statements = [
            provisioned_stacks("EnvironmentStacks"), product_templates("ProductTemplates"),
            iam.PolicyStatement(sid="Network", actions=NETWORK_ACTIONS, resources=["*"], conditions=THROUGH_CLOUDFORMATION),
            iam.PolicyStatement(sid="FlowLogGroups", actions=[
                "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DescribeLogGroups", "logs:TagResource",
                "logs:TagLogGroup", "logs:ListTagsForResource", "logs:CreateLogDelivery", "logs:DeleteLogDelivery"],
                resources=["*"], conditions=THROUGH_CLOUDFORMATION),
            iam.PolicyStatement(sid="EnvironmentRoles", actions=[
                "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
                "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies"], resources=[role_arn], conditions=THROUGH_CLOUDFORMATION),
            iam.PolicyStatement(sid="AttachOnlyTheEnvironmentsPolicies", actions=["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                                resources=[role_arn], conditions={**THROUGH_CLOUDFORMATION, "ArnLike": {"iam:PolicyARN": [
                                    f"arn:{partition}:iam::{account}:policy/*-ml-guardrails",
                                    f"arn:{partition}:iam::aws:policy/AdministratorAccess"]}}),
            iam.PolicyStatement(sid="PassFlowLogRole", actions=["iam:PassRole"], resources=[role_arn],
                                conditions={"StringEquals": {"iam:PassedToService": "vpc-flow-logs.amazonaws.com"}}),
            iam.PolicyStatement(sid="GuardrailPolicy", actions=[
                "iam:CreatePolicy", "iam:DeletePolicy", "iam:GetPolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion",
                "iam:ListPolicyVersions", "iam:TagPolicy"],
                resources=[f"arn:{partition}:iam::{account}:policy/*-ml-guardrails"], conditions=THROUGH_CLOUDFORMATION),
            iam.PolicyStatement(sid="CreateStoreKeys", actions=["kms:CreateKey"], resources=["*"], conditions=THROUGH_CLOUDFORMATION),
            iam.PolicyStatement(sid="ManageStoreKeys", actions=[
                "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DescribeKey", "kms:TagResource", "kms:ScheduleKeyDeletion",
                "kms:CreateAlias", "kms:DeleteAlias"],
                resources=[f"arn:{partition}:kms:{region}:{account}:key/*"],
                conditions={**THROUGH_CLOUDFORMATION, "StringEquals": {"aws:ResourceTag/project": project}}),
            # an alias is authorized on itself too, and aliases carry no tags: named, not tag-conditioned
            iam.PolicyStatement(sid="StoreKeyAliases", actions=["kms:CreateAlias", "kms:DeleteAlias"],
                                resources=[f"arn:{partition}:kms:{region}:{account}:alias/*-ml-*"], conditions=THROUGH_CLOUDFORMATION),
            iam.PolicyStatement(sid="Stores", actions=[
                "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:GetBucketPolicy",
                "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration", "s3:PutBucketLogging", "s3:PutBucketTagging", "s3:PutBucketOwnershipControls",
                "s3:GetBucketLocation"],
                resources=[f"arn:{partition}:s3:::*-ml-*"], conditions=THROUGH_CLOUDFORMATION),
        ]
        role = iam.Role(self, "LaunchRole", role_name=f"{project}-environment-launch",
                        assumed_by=iam.ServicePrincipal("servicecatalog.amazonaws.com"),
                        description="Service Catalog launch role of the ML environment product: its resources, through CloudFormation only",
                        inline_policies={"LaunchEnvironments": iam.PolicyDocument(statements=statements)})
        suppress(role, "AwsSolutions-IAM5", "An environment's names start with the name the DS admin gives it: roles, stores "
                 "(<name>-ml-*), keys (alias/<name>-ml-*) and the guardrail policy (<name>-ml-guardrails); EC2 and CloudWatch "
                 "Logs creation calls and kms:CreateKey name no resource before the call. Every such call must come through "
                 "CloudFormation (aws:CalledVia), keys are managed only when tagged with the platform, and only the guardrail "
                 "policy and the CloudFormation execution persona's AdministratorAccess may be attached"
                 + "; " + PRODUCT_TEMPLATES_REASON,
                 applies_to=["Resource::*", "Action::ec2:Describe*",
                             PROVISIONED_STACKS_EVIDENCE,
                             "Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*",
                             "Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:policy/*-ml-guardrails",
                             "Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*",
                             "Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:alias/*-ml-*",
                             "Resource::arn:<AWS::Partition>:s3:::*-ml-*"])
        return role
