"""Who works in the secure ML environment: one role per persona, each least privilege and wearing the ML guardrails.

    <environment>-platform-admin        deploys the platform's stacks, only through the CloudFormation execution role
    <environment>-ds-admin              approves models and releases, manages the platform's portfolios, launches environments
    <environment>-data-scientist        runs SageMaker jobs and pipelines of the platform, registers (not approves) models
    <environment>-analyst               notebook self-service (the tooling stack adds what the analysts group has)
    <environment>-sagemaker-execution   what SageMaker jobs, pipelines and notebooks act as: the stores, logs, images, ENIs
    <environment>-cloudformation-execution   what CloudFormation acts as for the platform admin

Roles are named after the environment (the platform's own environment bears the platform's name);
what they may act on is the platform's: ``<platform>-*`` stacks, pipelines, model groups, portfolios.

People reach the human personas through the account's identity provider (trust: the account, with MFA).
Every role that can create SageMaker resources wears ``<platform>-ml-guardrails``: an explicit Deny wins
over whatever any other policy allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mlops_infra.nag import logical_id, suppress

HUMANS = ("platform-admin", "ds-admin", "data-scientist", "analyst")
#: The notebook URL API's stage (``constructs/notebook_url_api.py``).
NOTEBOOK_URL_STAGE = "v1"
SAGEMAKER_WORK = ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateHyperParameterTuningJob",
                  "sagemaker:CreateTransformJob", "sagemaker:CreateModel", "sagemaker:Describe*", "sagemaker:List*",
                  "sagemaker:StopTrainingJob", "sagemaker:StopProcessingJob", "sagemaker:StopTransformJob", "sagemaker:AddTags"]


@dataclass(frozen=True)
class Stores:
    data: s3.IBucket
    models: s3.IBucket


def people_with_mfa(session_named_after_user: bool = False) -> iam.IPrincipal:
    """The account's identity provider or administrators, with MFA (who may assume a role meant for people); with
    ``session_named_after_user`` only under their own user name as the session name (so a session names its person)."""
    conditions: dict[str, Any] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    if session_named_after_user:
        conditions["StringEquals"] = {"sts:RoleSessionName": "${aws:username}"}
    return iam.AccountRootPrincipal().with_conditions(conditions)


def persona_name(environment: str, persona: str) -> str:
    return f"{environment}-{persona}"


class Personas(Construct):
    """The persona roles and the two service roles, with the guardrail policy attached to each that creates SageMaker resources."""

    def __init__(self, scope: Construct, id_: str, *, project: str, environment: str, guardrails: iam.IManagedPolicy, stores: Stores,
                 vpc_id: str, stage_reader_role_name: str) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self._partition, self._region, self._account = stack.partition, stack.region, stack.account
        self.project, self.environment = project, environment
        named = f"{project}-*"
        self.roles: dict[str, iam.Role] = {}

        self.sagemaker_execution = self._role("sagemaker-execution", iam.ServicePrincipal("sagemaker.amazonaws.com"),
                                              "What SageMaker jobs, pipelines and notebooks of the platform act as", guardrails)
        stores.data.grant_read(self.sagemaker_execution)
        stores.models.grant_read_write(self.sagemaker_execution)
        self._add("sagemaker-execution",
                  iam.PolicyStatement(sid="OwnLogs", actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                                      resources=[self._arn("logs", "log-group:/aws/sagemaker/*")]),
                  iam.PolicyStatement(sid="PullImages", actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                                      resources=[f"arn:{self._partition}:ecr:{self._region}:*:repository/*"]),
                  iam.PolicyStatement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]),
                  iam.PolicyStatement(sid="DescribeNetwork", actions=["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                                                                      "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions"],
                                      resources=["*"]),
                  iam.PolicyStatement(sid="EnisInTheMlNetwork", actions=[
                      "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                      "ec2:DeleteNetworkInterfacePermission"], resources=["*"],
                      conditions={"ArnEqualsIfExists": {"ec2:Vpc": f"arn:{self._partition}:ec2:{self._region}:{self._account}:vpc/{vpc_id}"}}))

        self.cloudformation_execution = self._role("cloudformation-execution", iam.ServicePrincipal("cloudformation.amazonaws.com"),
                                                   "What CloudFormation acts as when the platform admin deploys the platform's stacks")
        self.cloudformation_execution.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name("AdministratorAccess"))

        self._role("platform-admin", people_with_mfa(), "Deploys and removes the platform's stacks", guardrails)
        self._add("platform-admin",
                  iam.PolicyStatement(sid="PlatformStacksThroughTheExecutionRole", actions=[
                      "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
                      "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
                      resources=[self._arn("cloudformation", f"stack/{named}/*")],
                      conditions={"ArnEquals": {"cloudformation:RoleArn": self.cloudformation_execution.role_arn}}),
                  iam.PolicyStatement(sid="ReadStacks", actions=["cloudformation:Describe*", "cloudformation:List*",
                                                                 "cloudformation:GetTemplate*", "cloudformation:ValidateTemplate"],
                                      resources=["*"]),
                  iam.PolicyStatement(sid="PassTheExecutionRole", actions=["iam:PassRole"], resources=[self.cloudformation_execution.role_arn],
                                      conditions={"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}),
                  iam.PolicyStatement(sid="PublishAssets", actions=["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:CreateBucket",
                                                                    "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration",
                                                                    "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging"],
                                      resources=[f"arn:{self._partition}:s3:::{project}-cdk-assets-*"]))

        self._role("ds-admin", people_with_mfa(), "Approves models and releases, manages access to the platform's portfolios", guardrails)
        self._add("ds-admin",
                  iam.PolicyStatement(sid="DecideModelApproval", actions=["sagemaker:UpdateModelPackage", "sagemaker:DescribeModelPackage",
                                                                          "sagemaker:ListModelPackages"],
                                      resources=[self._arn("sagemaker", f"model-package/{named}/*"),
                                                 self._arn("sagemaker", f"model-package-group/{named}")]),
                  iam.PolicyStatement(sid="DecideReleases", actions=["codepipeline:PutApprovalResult", "codepipeline:GetPipelineState",
                                                                     "codepipeline:ListPipelineExecutions", "codepipeline:GetPipelineExecution"],
                                      resources=[self._arn("codepipeline", named), self._arn("codepipeline", f"{named}/*")]),
                  self._read_platform_outputs(named),
                  # mlops model deployments: the stages' stack instances here, their endpoints through each account's verifier role
                  iam.PolicyStatement(sid="ReadStageDeployments", actions=["cloudformation:ListStackInstances"],
                                      resources=[self._arn("cloudformation", f"stackset/{named}:*")]),
                  iam.PolicyStatement(sid="ReadStageEndpoints", actions=["sts:AssumeRole"],
                                      resources=[f"arn:{self._partition}:iam::*:role/{stage_reader_role_name}"]),
                  iam.PolicyStatement(sid="PortfolioAccess", actions=[
                      "servicecatalog:AssociatePrincipalWithPortfolio", "servicecatalog:DisassociatePrincipalFromPortfolio",
                      "servicecatalog:ListPrincipalsForPortfolio", "servicecatalog:DescribePortfolio"],
                      resources=[f"arn:{self._partition}:catalog:{self._region}:{self._account}:portfolio/*"],
                      conditions={"StringEquals": {"aws:ResourceTag/project": project}}),
                  # environments are launched from the platform's environment portfolio (the portfolio's access list decides
                  # which products; its launch role does the work); a DS admin manages the environments they launched
                  iam.PolicyStatement(sid="LaunchEnvironments", actions=[
                      "servicecatalog:ProvisionProduct", "servicecatalog:DescribeProduct", "servicecatalog:DescribeProvisioningParameters",
                      "servicecatalog:ListLaunchPaths"],
                      resources=[f"arn:{self._partition}:catalog:{self._region}:{self._account}:product/*"]),
                  iam.PolicyStatement(sid="ManageOwnEnvironments", actions=[
                      "servicecatalog:SearchProducts", "servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeProvisionedProduct",
                      "servicecatalog:DescribeRecord", "servicecatalog:ListRecordHistory", "servicecatalog:UpdateProvisionedProduct",
                      "servicecatalog:TerminateProvisionedProduct"], resources=["*"],
                      conditions={"StringEquals": {"servicecatalog:userLevel": "self"}}))

        self._role("data-scientist", people_with_mfa(), "Runs the platform's SageMaker jobs and pipelines, registers models", guardrails)
        stores.data.grant_read_write(self.roles["data-scientist"])
        stores.models.grant_read(self.roles["data-scientist"])
        self._add("data-scientist",
                  iam.PolicyStatement(sid="SageMakerWork", actions=SAGEMAKER_WORK, resources=["*"]),
                  iam.PolicyStatement(sid="PlatformPipelines", actions=[
                      "sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:StartPipelineExecution",
                      "sagemaker:StopPipelineExecution", "sagemaker:CreateModelPackage"],
                      resources=[self._arn("sagemaker", f"pipeline/{named}"), self._arn("sagemaker", f"model-package/{named}/*"),
                                 self._arn("sagemaker", f"model-package-group/{named}")]),
                  iam.PolicyStatement(sid="PassTheExecutionRole", actions=["iam:PassRole"], resources=[self.sagemaker_execution.role_arn],
                                      conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
                  iam.PolicyStatement(sid="FollowPipelines", actions=["codepipeline:GetPipelineState", "codepipeline:ListPipelineExecutions",
                                                                      "codepipeline:GetPipelineExecution"],
                                      resources=[self._arn("codepipeline", named)]),
                  self._read_platform_outputs(named))

        # the notebook URL API takes a session of this role for the user it names: only the user themself may name it
        self._role("analyst", people_with_mfa(session_named_after_user=True),
                   "Requests and opens a notebook through the platform's self-service", guardrails)
        self._add("analyst",
                  iam.PolicyStatement(sid="FindNotebookProducts", actions=[
                      "servicecatalog:SearchProducts", "servicecatalog:ListPortfolios", "servicecatalog:DescribeProduct"], resources=["*"]),
                  iam.PolicyStatement(sid="OwnNotebookUrl", actions=["execute-api:Invoke"],
                                      resources=[self._arn("execute-api", f"*/{NOTEBOOK_URL_STAGE}/{method}/notebooks/url")
                                                 for method in ("GET", "POST")]))

        suppress(self, "AwsSolutions-IAM4", "CloudFormation's execution role deploys whatever the platform's templates hold (IAM, "
                 "KMS, networking, Lambda...): like CDK's bootstrap role it needs AdministratorAccess; only CloudFormation may assume "
                 "it and only the platform admin may pass it, for <platform>-* stacks",
                 applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess"])
        suppress(self, "AwsSolutions-IAM5", "Wildcards name families the personas own: <platform>-* stacks, pipelines and model groups "
                 "(created later by projects), SageMaker's job APIs whose resources are created by the call (the guardrails deny them "
                 "outside the network or without keys), tag-scoped portfolios, products as the portfolios' access lists admit them, "
                 "one's own provisioned products (userLevel self), the notebook URL methods of the platform's API (its id is "
                 "known only after the tooling stack), SageMaker's public images in AWS's ECR accounts, ENIs only in "
                 "the ML VPC, read-only listing, S3 object actions CDK grants on the two stores, and the read-only verifier role "
                 "of every target account (its accounts are the platform's stages, given at deploy time)",
                 applies_to=[*self._evidence(named), *(f"Resource::<{logical_id(b)}.Arn>/*"
                                                       for b in (stores.data, stores.models)),
                             f"Resource::arn:<AWS::Partition>:iam::*:role/{stage_reader_role_name}",
                             f"Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stackset/{named}:*"])

    # -- helpers ---------------------------------------------------------------------------
    def _role(self, persona: str, principal: iam.IPrincipal, description: str, guardrails: iam.IManagedPolicy | None = None) -> iam.Role:
        role = iam.Role(self, "".join(part.title() for part in persona.split("-")), role_name=persona_name(self.environment, persona),
                        assumed_by=principal, description=description, max_session_duration=cdk.Duration.hours(4 if persona in HUMANS else 1),
                        managed_policies=[guardrails] if guardrails else None)
        cdk.Tags.of(role).add("persona", persona)
        self.roles[persona] = role
        return role

    def _add(self, persona: str, *statements: iam.PolicyStatement) -> None:
        for statement in statements:
            self.roles[persona].add_to_policy(statement)

    def _read_platform_outputs(self, named: str) -> iam.PolicyStatement:
        """Every ``mlops`` command starts by reading the platform's stack outputs (pipeline, bucket and group names)."""
        return iam.PolicyStatement(sid="ReadPlatformOutputs", actions=["cloudformation:DescribeStacks"],
                                   resources=[self._arn("cloudformation", f"stack/{named}/*")])

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:{self._partition}:{service}:{self._region}:{self._account}:{resource}"

    def _evidence(self, named: str) -> list[str]:
        arn = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"
        return ["Resource::*", "Action::sagemaker:Describe*", "Action::sagemaker:List*", "Action::cloudformation:Describe*",
                "Action::cloudformation:List*", "Action::cloudformation:GetTemplate*", "Action::s3:GetObject*", "Action::s3:GetBucket*",
                "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
                f"Resource::{arn.format(service='logs', resource='log-group:/aws/sagemaker/*')}",
                "Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:*:repository/*",
                f"Resource::{arn.format(service='cloudformation', resource=f'stack/{named}/*')}",
                f"Resource::arn:<AWS::Partition>:s3:::{self.project}-cdk-assets-*",
                f"Resource::{arn.format(service='sagemaker', resource=f'model-package/{named}/*')}",
                f"Resource::{arn.format(service='sagemaker', resource=f'model-package-group/{named}')}",
                f"Resource::{arn.format(service='sagemaker', resource=f'pipeline/{named}')}",
                f"Resource::{arn.format(service='codepipeline', resource=named)}",
                f"Resource::{arn.format(service='codepipeline', resource=f'{named}/*')}",
                "Resource::arn:<AWS::Partition>:catalog:<AWS::Region>:<AWS::AccountId>:portfolio/*",
                "Resource::arn:<AWS::Partition>:catalog:<AWS::Region>:<AWS::AccountId>:product/*",
                *(f"Resource::{arn.format(service='execute-api', resource=f'*/{NOTEBOOK_URL_STAGE}/{m}/notebooks/url')}"
                  for m in ("GET", "POST"))]
