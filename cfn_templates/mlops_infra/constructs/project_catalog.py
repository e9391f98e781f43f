"""SageMaker project templates in Studio: a portfolio with the MLOps project product, who may use it, and how it launches.

SageMaker lists a Service Catalog product as a project template when the product carries the tag
``sagemaker:studio-visibility=true`` and the Studio user's execution role has access to its portfolio.
A project launches with the standard ``AmazonSageMakerServiceCatalogProductsLaunchRole`` (a local
launch-role constraint, so the name resolves in the account). The platform creates that role when the
account lacks it, scoped to what the template creates: ``<platform>-*`` names and the project stacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from mlops_infra.constructs.code_repository import SeedCode
from mlops_infra.constructs.provisioned_stacks import PRODUCT_TEMPLATES_REASON, PROVISIONED_STACKS_EVIDENCE, product_templates, provisioned_stacks
from mlops_infra.nag import suppress
from mlops_runtime.projects.names import LAUNCH_ROLE_NAME, STUDIO_VISIBILITY_TAG

PRODUCT_VERSION = "v1"


@dataclass(frozen=True)
class ProjectProduct:
    """One project template offered in Studio."""

    construct_id: str
    name: str
    description: str
    template: servicecatalog.ProductStack


class ProjectCatalog(Construct):
    """Portfolio ``<platform> MLOps projects`` with the project products, shared with the Studio execution roles."""

    def __init__(self, scope: Construct, id_: str, *, project: str, products: Sequence[ProjectProduct],
                 studio_roles: Sequence[iam.IRole], create_launch_role: cdk.CfnCondition, verify_role_name: str,
                 seed_code: Sequence[SeedCode] = ()) -> None:
        super().__init__(scope, id_)
        self.launch_role = self._launch_role(project, verify_role_name, seed_code)
        role_resource = self.launch_role.node.default_child
        assert isinstance(role_resource, iam.CfnRole)
        role_resource.cfn_options.condition = create_launch_role

        self.portfolio = servicecatalog.Portfolio(self, "Portfolio", display_name=f"{project} MLOps projects",
                                                  provider_name=f"{project} platform",
                                                  description="SageMaker project templates: model build and model deploy")
        self.products: dict[str, servicecatalog.CloudFormationProduct] = {}
        for offered in products:
            product = servicecatalog.CloudFormationProduct(
                self, offered.construct_id, product_name=offered.name, owner=f"{project} platform", description=offered.description,
                product_versions=[servicecatalog.CloudFormationProductVersion(
                    product_version_name=PRODUCT_VERSION,
                    cloud_formation_template=servicecatalog.CloudFormationTemplate.from_product_stack(offered.template))])
            cdk.Tags.of(product).add(STUDIO_VISIBILITY_TAG, "true")
            self.portfolio.add_product(product)
            constraint = servicecatalog.CfnLaunchRoleConstraint(
                self, f"{offered.construct_id}LaunchConstraint" if self.products else "LaunchConstraint",
                portfolio_id=self.portfolio.portfolio_id, product_id=product.product_id,
                description="Projects launch with the SageMaker project launch role",
                local_role_name=cdk.Fn.condition_if(create_launch_role.logical_id, self.launch_role.role_name, LAUNCH_ROLE_NAME).to_string())
            constraint.node.add_dependency(self._association(product))
            self.products[offered.construct_id] = product
        for role in studio_roles:
            self.portfolio.give_access_to_role(role)

    def template_url(self, construct_id: str) -> str:
        """Where the product's template was published (the S3-stored template option of CreateProject uses it too)."""
        resource = self.products[construct_id].node.default_child
        assert isinstance(resource, servicecatalog.CfnCloudFormationProduct)
        [version] = resource.provisioning_artifact_parameters  # type: ignore[misc]  # a list here: the CDK types it IResolvable too
        assert isinstance(version, servicecatalog.CfnCloudFormationProduct.ProvisioningArtifactPropertiesProperty)
        return str(version.info["LoadTemplateFromURL"])

    def _association(self, product: servicecatalog.CloudFormationProduct) -> cdk.CfnResource:
        """The portfolio-product association CDK created (a launch constraint needs it first)."""
        for child in self.portfolio.node.children:
            if isinstance(child, servicecatalog.CfnPortfolioProductAssociation) and child.product_id == product.product_id:
                return child
        raise LookupError(f"the portfolio has no association with {product.node.id}")

    def _launch_role(self, project: str, verify_role_name: str, seed_code: Sequence[SeedCode]) -> iam.Role:
        account, partition, region = cdk.Aws.ACCOUNT_ID, cdk.Aws.PARTITION, cdk.Aws.REGION
        named = f"{project}-*"

        def arn(service: str, resource: str) -> str:
            return f"arn:{partition}:{service}:{region}:{account}:{resource}"

        statements = [
            provisioned_stacks("ProjectStacks"), product_templates("ProductTemplates"),
            iam.PolicyStatement(sid="ProjectBuckets", actions=[
                "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:GetBucketPolicy",
                "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration", "s3:PutBucketLogging", "s3:PutBucketNotification", "s3:PutBucketTagging",
                "s3:PutBucketOwnershipControls", "s3:GetBucketLocation"],
                resources=[f"arn:{partition}:s3:::{named}"]),
            iam.PolicyStatement(sid="CreateProjectKeys", actions=["kms:CreateKey"], resources=["*"]),
            iam.PolicyStatement(sid="ManageProjectKeys", actions=[
                "kms:PutKeyPolicy", "kms:EnableKeyRotation", "kms:DescribeKey", "kms:TagResource", "kms:ScheduleKeyDeletion",
                "kms:CreateAlias", "kms:DeleteAlias"],
                resources=[arn("kms", "key/*")], conditions={"StringEquals": {"aws:ResourceTag/project": project}}),
            # an alias is authorized on itself too, and aliases carry no tags: named, not tag-conditioned
            iam.PolicyStatement(sid="ProjectKeyAliases", actions=["kms:CreateAlias", "kms:DeleteAlias"],
                                resources=[arn("kms", f"alias/{named}")]),
            iam.PolicyStatement(sid="ProjectServiceRoles", actions=[
                "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:TagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                "iam:GetRolePolicy", "iam:PassRole"],
                # unnamed roles are named after the stack: SC-<account>-pp-<id> (Service Catalog) or SageMaker-p-<id>-<template>
                # (the S3-stored template option)
                resources=[f"arn:{partition}:iam::{account}:role/{named}", f"arn:{partition}:iam::{account}:role/SC-{account}-pp-*",
                           f"arn:{partition}:iam::{account}:role/SageMaker-p-*"]),
            iam.PolicyStatement(sid="ShareVerifyRole", actions=["iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:GetRolePolicy"],
                                resources=[f"arn:{partition}:iam::{account}:role/{verify_role_name}"]),
            iam.PolicyStatement(sid="ProjectPipelines", actions=[
                "codebuild:CreateProject", "codebuild:UpdateProject", "codebuild:DeleteProject", "codebuild:BatchGetProjects",
                "codepipeline:CreatePipeline", "codepipeline:UpdatePipeline", "codepipeline:DeletePipeline",
                "codepipeline:GetPipeline", "codepipeline:TagResource",
                "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets", "events:RemoveTargets",
                "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource",
                "sagemaker:CreateModelPackageGroup", "sagemaker:DeleteModelPackageGroup", "sagemaker:DescribeModelPackageGroup",
                "sagemaker:AddTags"],
                resources=[arn("codebuild", f"project/{named}"), arn("codepipeline", named), arn("events", f"rule/{named}"),
                           arn("logs", f"log-group:/aws/codebuild/{named}"), arn("sagemaker", f"model-package-group/{named}")]),
        ]
        if not seed_code:  # S3 sources: CloudFormation calls Custom::ProjectSeed as this role
            statements.append(iam.PolicyStatement(sid="SeedProjects", actions=["lambda:InvokeFunction"],
                                                  resources=[arn("lambda", f"function:{project}-project-seed")]))
        else:  # projects' repositories in CodeCommit, created holding the seed code (CloudFormation reads it as this role)
            statements += [
                iam.PolicyStatement(sid="ProjectRepositories", resources=[arn("codecommit", named)], actions=[
                    "codecommit:CreateRepository", "codecommit:DeleteRepository", "codecommit:GetRepository", "codecommit:CreateCommit",
                    "codecommit:UpdateRepositoryDescription", "codecommit:TagResource", "codecommit:UntagResource"]),
                iam.PolicyStatement(sid="ReadSeedCode", actions=["s3:GetObject"],
                                    resources=[f"arn:{partition}:s3:::{seed.bucket}/{seed.key}" for seed in seed_code])]
        role = iam.Role(self, "LaunchRole", role_name=LAUNCH_ROLE_NAME, path="/service-role/",
                        # Service Catalog assumes it to launch the product; CloudFormation assumes it as the stack role of
                        # the S3-stored template option (CreateProject TemplateProviders RoleARN)
                        assumed_by=iam.CompositePrincipal(iam.ServicePrincipal("servicecatalog.amazonaws.com"),
                                                          iam.ServicePrincipal("cloudformation.amazonaws.com")),
                        description="SageMaker project launch role (created by the platform): project stacks and <platform>-* resources",
                        inline_policies={"LaunchProjects": iam.PolicyDocument(statements=statements)})
        suppress(role, "AwsSolutions-IAM5", "kms:CreateKey has no resource-level permissions (keys are managed only when tagged "
                 "with the platform); Service Catalog names stacks SC-<account>-pp-<id>, SageMaker names S3-template stacks "
                 "SageMaker-p-<id>-<template>, and CloudFormation names the pipelines' unnamed service roles after the stack; "
                 "a project's resources are named "
                 "<platform>-<project>-* when it is launched"
                 + "; " + PRODUCT_TEMPLATES_REASON,
                 applies_to=["Resource::*", "Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*",
                             PROVISIONED_STACKS_EVIDENCE,
                             f"Resource::arn:<AWS::Partition>:s3:::{named}",
                             f"Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:alias/{named}",
                             f"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/{named}",
                             "Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/SC-<AWS::AccountId>-pp-*",
                             "Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/SageMaker-p-*",
                             f"Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:project/{named}",
                             f"Resource::arn:<AWS::Partition>:codepipeline:<AWS::Region>:<AWS::AccountId>:{named}",
                             f"Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/{named}",
                             f"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/{named}",
                             f"Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package-group/{named}",
                             f"Resource::arn:<AWS::Partition>:codecommit:<AWS::Region>:<AWS::AccountId>:{named}"])
        return role
