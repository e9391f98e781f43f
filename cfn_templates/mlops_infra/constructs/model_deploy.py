"""CD for models: an approved model package goes to staging, then — after a person approves — to prod.

    Approved (this group only) ───────────────────────┐
    push (modeldeploy.zip, git push: CodeCommit/GitHub…) ─┴▶ Source ▶ Build (build.py: latest approved, configs validated)
        ▶ Staging: StackSet <project>-staging ▶ Verify (endpoint InService on the new config)
        ▶ ApproveProd (manual) ▶ Prod: StackSet <project>-prod ▶ Verify

One stack set per stage, so a staging update can never reach prod: self-managed for a stage that
is one account (administration role here, execution role in the target account), service-managed
for a stage that is an organizational unit (every member account of the unit; CloudFormation's own
roles). The verify step checks every account holding an instance of the stage's stack set. The endpoint template deploys blue/green with
alarm rollback; a rollback fails the stage's StackSet action with the stack's reason (the alarm),
and the verify step fails independently if the endpoint does not serve the new config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from mlops_infra.constructs.code_repository import CodeRepository, SeedCode
from mlops_infra.constructs.connection_repository import ConnectionRepository
from mlops_infra.constructs.first_execution import after_action_policies
from mlops_infra.constructs.source_bucket import SourceBucket
from mlops_infra.nag import logical_id, suppress
from mlops_runtime.contracts import approval_event_pattern

SOURCE_KEY = "modeldeploy.zip"
TEMPLATE_FILE = "endpoint-config-template.yml"
VERIFY_SPEC = {"version": "0.2", "phases": {"build": {"commands": [
    'python verify.py --deployment deployment.json --stage "$STAGE" --stack-set "$STACK_SET_NAME" '
    '--verifier-role-name "$VERIFIER_ROLE_NAME" --smoke-request smoke-request.csv']}}}


@dataclass(frozen=True)
class DeployStage:
    """A target of the deploy: its name, its stack set, and one account or (``organizational_unit_id``) one unit."""

    name: str
    account_id: str
    stack_set_name: str
    organizational_unit_id: str = ""

    @classmethod
    def in_unit(cls, name: str, organizational_unit_id: str, stack_set_name: str) -> DeployStage:
        """A stage deploying to every member account of an organizational unit (and its child units)."""
        return cls(name, "", stack_set_name, organizational_unit_id)

    @property
    def by_unit(self) -> bool:
        return bool(self.organizational_unit_id)

    def unit_paths(self) -> list[str]:
        """``aws:PrincipalOrgPaths`` / ``aws:ResourceOrgPaths`` patterns of the unit and its children."""
        return [f"o-*/r-*/{self.organizational_unit_id}/*", f"o-*/r-*/*/{self.organizational_unit_id}/*"]


def network_parameters_path(platform: str) -> str:
    """SSM path under which each target account's platform stack names its ML network (subnets, workload group)."""
    return f"/{platform}/ml-environment"


class ModelDeploy(Construct):
    """Approval rule, source, build and verify projects, and the staging → approval → prod pipeline."""

    def __init__(self, scope: Construct, id_: str, *, project: str, bucket: s3.IBucket, key: kms.IKey, access_logs: s3.IBucket,
                 model_package_group_name: str, stages: list[DeployStage], administration_role_arn: str,
                 execution_role_name: str, verifier_role_name: str, verify_role_name: str,
                 removal_policy: cdk.RemovalPolicy, platform: str, shared_verify_role: bool = False, use_codecommit: bool = False,
                 branch: str = "main", seed: SeedCode | None = None, repository: ConnectionRepository | None = None) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self.source: SourceBucket | None = None
        self.code_repository: CodeRepository | None = None
        self.connection_repository = repository
        if repository is not None:
            origin: ConnectionRepository | CodeRepository | SourceBucket = repository
        elif use_codecommit:
            self.code_repository = origin = CodeRepository(
                self, "Repository", name=f"{project}-modeldeploy", branch=branch, removal_policy=removal_policy, seed=seed,
                description=f"{project}: the model-deploy repository (model selection, endpoint template, stage configs)")
        else:
            self.source = origin = SourceBucket(
                self, "Source", bucket_name=f"{project}-modeldeploy-source-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}",
                object_key=SOURCE_KEY, key=key, access_logs=access_logs, rule_name=f"{project}-modeldeploy-on-push",
                access_log_prefix="modeldeploy-source/",
                removal_policy=removal_policy)
        log_group = logs.LogGroup(self, "BuildLogs", log_group_name=f"/aws/codebuild/{project}-modeldeploy",
                                  retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.DESTROY)
        environment = codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0, compute_type=codebuild.ComputeType.SMALL)
        logging = codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=log_group))
        self.build_project = codebuild.PipelineProject(
            self, "Build", project_name=f"{project}-modeldeploy", environment=environment, encryption_key=key, logging=logging,
            description="Picks the latest approved model, validates each stage's guardrails and writes the StackSet parameters",
            build_spec=codebuild.BuildSpec.from_source_filename("buildspec.yml"),
            environment_variables={name: codebuild.BuildEnvironmentVariable(value=value) for name, value in {
                "MODEL_PACKAGE_GROUP_NAME": model_package_group_name, "SAGEMAKER_PROJECT_NAME": project,
                "ARTIFACT_BUCKET": bucket.bucket_name, "ARTIFACT_KMS_KEY": key.key_arn,
                # where the target accounts' stack keeps the ML network the endpoints join ("none" outside an environment)
                "NETWORK_PARAMETERS": network_parameters_path(platform)}.items()},
            timeout=cdk.Duration.minutes(30))
        self._allow_registry_reads(stack, model_package_group_name)
        self._grant_target_endpoints(stack, project, bucket, key, stages)

        verify_role = self._verify_role(stack, stages, verifier_role_name, verify_role_name, shared_verify_role)
        self.verify_project = codebuild.PipelineProject(
            self, "Verify", project_name=f"{project}-modeldeploy-verify", environment=environment, encryption_key=key,
            logging=logging, role=verify_role, build_spec=codebuild.BuildSpec.from_object(VERIFY_SPEC),
            description="Fails unless the stage's endpoint is InService on the config just deployed, naming a rollback's alarm",
            timeout=cdk.Duration.hours(9))

        self.pipeline = codepipeline.Pipeline(
            self, "Pipeline", pipeline_name=f"{project}-modeldeploy", pipeline_type=codepipeline.PipelineType.V2,
            artifact_bucket=bucket, restart_execution_on_update=False)
        source_output, build_output = codepipeline.Artifact("SourceOutput"), codepipeline.Artifact("BuildOutput")
        self.pipeline.add_stage(stage_name="Source", actions=[origin.source_action(source_output)])
        self.pipeline.add_stage(stage_name="Build", actions=[actions.CodeBuildAction(
            action_name="SelectModel", project=self.build_project, input=source_output, outputs=[build_output])])
        administration = iam.Role.from_role_arn(self, "StackSetAdministration", administration_role_arn, mutable=False)
        for index, stage in enumerate(stages):
            if index > 0:
                self.pipeline.add_stage(stage_name=f"Approve{stage.name.title()}", actions=[actions.ManualApprovalAction(
                    action_name="Approve", additional_information=f"Deploy the model verified in {stages[index - 1].name} to {stage.name}")])
            if stage.by_unit:  # no auto-deployment: an account joining the unit gets the model from the next verified deploy
                instances = actions.StackInstances.in_organizational_units([stage.organizational_unit_id], [stack.region])
                model = actions.StackSetDeploymentModel.organizations(
                    auto_deployment=actions.StackSetOrganizationsAutoDeployment.DISABLED)
            else:
                instances = actions.StackInstances.in_accounts([stage.account_id], [stack.region])
                model = actions.StackSetDeploymentModel.self_managed(administration_role=administration,
                                                                     execution_role_name=execution_role_name)
            self.pipeline.add_stage(stage_name=stage.name.title(), actions=[
                actions.CloudFormationDeployStackSetAction(
                    action_name="Deploy", run_order=1, stack_set_name=stage.stack_set_name,
                    template=actions.StackSetTemplate.from_artifact_path(build_output.at_path(TEMPLATE_FILE)),
                    parameters=actions.StackSetParameters.from_artifact_path(build_output.at_path(f"{stage.name}-params.json")),
                    stack_instances=instances, deployment_model=model,
                    cfn_capabilities=[cdk.CfnCapabilities.NAMED_IAM], failure_tolerance_percentage=0,
                    description=f"{project} model endpoint in {stage.name}"),
                actions.CodeBuildAction(
                    action_name="Verify", run_order=2, project=self.verify_project, input=build_output,
                    environment_variables={
                        "STAGE": codebuild.BuildEnvironmentVariable(value=stage.name),
                        "STACK_SET_NAME": codebuild.BuildEnvironmentVariable(value=stage.stack_set_name),
                        "VERIFIER_ROLE_NAME": codebuild.BuildEnvironmentVariable(value=verifier_role_name)}),
            ])

        after_action_policies(self.pipeline)
        origin.trigger(self.pipeline, "A new modeldeploy.zip in the source bucket starts the deploy" if self.source
                       else f"A push to {branch} starts the deploy")
        self.approval_rule = events.Rule(
            self, "OnApproval", rule_name=f"{project}-modeldeploy-on-approval",
            description=f"A model package of {model_package_group_name} becoming Approved (nothing else) starts the deploy",
            event_pattern=_pattern(approval_event_pattern(model_package_group_name)),
            targets=[targets.CodePipeline(self.pipeline)])

        if shared_verify_role:
            self._name_shared_policy(project)
        suppress(self, "AwsSolutions-IAM5", "CDK's pipeline, action and build roles read and write the pipeline's own artifacts "
                 "(objects under the artifacts bucket) with its key, write their own log streams and report groups, and "
                 "the deploy actions manage the two stage stack sets only",
                 applies_to=["Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
                             "Action::s3:List*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
                             f"Resource::<{logical_id(bucket)}.Arn>/*",
                             *([f"Resource::<{logical_id(self.source.bucket)}.Arn>/*"] if self.source else []),
                             *(f"Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stackset/{s.stack_set_name}:*"
                               for s in stages),
                             *(f"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<{logical_id(p)}>:*"
                               for p in (self.build_project, self.verify_project)),
                             *(f"Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/<{logical_id(p)}>-*"
                               for p in (self.build_project, self.verify_project))])

    def _verify_role(self, stack: cdk.Stack, stages: list[DeployStage], verifier_role_name: str, verify_role_name: str,
                     shared: bool) -> iam.IRole:
        """The role the verify step runs as: the only one the target accounts' verifier roles trust.

        The platform's own deploy creates it; a project's deploy (``shared``) attaches what its verify
        project needs (its logs, its artifacts, its stages' verifiers) to that same role instead.
        It lists the instances of the stages' stack sets and assumes the verifier role of their
        accounts: named accounts, or any member of a stage's organizational unit.
        """
        if shared:
            role: iam.IRole = iam.Role.from_role_name(self, "VerifyRole", verify_role_name)
        else:
            role = iam.Role(self, "VerifyRole", role_name=verify_role_name, assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
                            description="Deploy verify step: assumes the read-only verifier role of staging and prod")
        prefix = "Project" if shared else ""
        account_arns = [f"arn:{stack.partition}:iam::{s.account_id}:role/{verifier_role_name}" for s in stages if not s.by_unit]
        if account_arns:
            role.add_to_principal_policy(iam.PolicyStatement(sid=f"{prefix}AssumeTargetVerifiers", actions=["sts:AssumeRole"],
                                                             resources=account_arns))
        units = [s for s in stages if s.by_unit]
        if units:
            role.add_to_principal_policy(iam.PolicyStatement(
                sid=f"{prefix}AssumeUnitVerifiers", actions=["sts:AssumeRole"],
                resources=[f"arn:{stack.partition}:iam::*:role/{verifier_role_name}"],
                conditions={"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": [p for s in units for p in s.unit_paths()]}}))
            suppress(self, "AwsSolutions-IAM5", "A unit's member accounts are not known when the template is launched: the verifier "
                     "role of any account, only where the account is in the stage's organizational unit (aws:ResourceOrgPaths)",
                     applies_to=[f"Resource::arn:<AWS::Partition>:iam::*:role/{verifier_role_name}"])
        role.add_to_principal_policy(iam.PolicyStatement(
            sid=f"{prefix}ListStageInstances", actions=["cloudformation:ListStackInstances"],
            resources=[f"arn:{stack.partition}:cloudformation:{stack.region}:{stack.account}:stackset/{s.stack_set_name}:*" for s in stages]))
        return role

    def _name_shared_policy(self, project: str) -> None:
        """The policy this deploy adds to the shared verify role is named after the project: inline policy names are
        per role, and CDK's generated name is the same in every project's stack (one project would replace another's)."""
        role = self.node.try_find_child("VerifyRole")
        policy = role.node.try_find_child("Policy") if role is not None else None
        assert isinstance(policy, iam.Policy), "the shared verify role received no policy"
        resource = policy.node.default_child
        assert isinstance(resource, iam.CfnPolicy)
        resource.policy_name = f"{project}-verify"

    @staticmethod
    def _grant_target_endpoints(stack: cdk.Stack, project: str, bucket: s3.IBucket, key: kms.IKey, stages: list[DeployStage]) -> None:
        """Each stage's endpoint role (``<project>-<stage>-endpoint`` in its account) reads model artifacts and writes its data capture.

        The registry is not shared: the build resolves the package in this account and passes the image
        and model data URL as parameters, so target accounts need no registry access at all.
        """
        for stage in stages:
            principal: iam.IPrincipal
            if stage.by_unit:  # any member account of the unit, and only the stage's endpoint role there
                principal = iam.AnyPrincipal()
                role: dict[str, object] = {
                    "ArnLike": {"aws:PrincipalArn": f"arn:{stack.partition}:iam::*:role/{project}-{stage.name}-endpoint"},
                    "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": stage.unit_paths()}}
            else:
                principal = iam.AccountPrincipal(stage.account_id)
                role = {"ArnEquals": {"aws:PrincipalArn": f"arn:{stack.partition}:iam::{stage.account_id}:role/{project}-{stage.name}-endpoint"}}
            title = stage.name.title()
            bucket.add_to_resource_policy(iam.PolicyStatement(
                sid=f"{title}EndpointReadsModels", principals=[principal], actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects("*")], conditions=role))
            bucket.add_to_resource_policy(iam.PolicyStatement(
                sid=f"{title}EndpointWritesCapture", principals=[principal], actions=["s3:PutObject"],
                resources=[bucket.arn_for_objects(f"datacapture/{project}-{stage.name}/*")], conditions=role))
            key.add_to_resource_policy(iam.PolicyStatement(
                sid=f"{title}EndpointUsesKeyThroughS3", principals=[principal], actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"], conditions={**role, "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}}))

    def _allow_registry_reads(self, stack: cdk.Stack, group: str) -> None:
        """The build reads the project's model group and its versions — no writes, no other group."""
        arn = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}"
        role = self.build_project.role
        assert role is not None
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadModelRegistry", actions=["sagemaker:ListModelPackages", "sagemaker:DescribeModelPackage",
                                              "sagemaker:DescribeModelPackageGroup"],
            resources=[f"{arn}:model-package-group/{group}", f"{arn}:model-package/{group}/*"]))
        suppress(role, "AwsSolutions-IAM5", "Versions of the project's one model package group (model-package/<group>/<version>)",
                 applies_to=[f"Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/{group}/*"])


def _pattern(pattern: dict[str, Any]) -> events.EventPattern:
    """An EventBridge pattern (as the API writes it) as ``events.EventPattern``."""
    return events.EventPattern(source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"])
