"""CI for models: a push to the model-build repository runs its buildspec, which upserts and starts the SageMaker pipeline.

    push ──▶ Source (S3 object via EventBridge, or CodeConnections) ──▶ Build (CodeBuild: run-pipeline) ──▶ model registry

The S3 source is the default: uploading ``modelbuild.zip`` to the source bucket is the push. With
``connection_arn`` the source is a CodeConnections repository (GitHub, GitLab, Bitbucket) and a V2 pipeline trigger
filters pushes to the branch. With ``use_codecommit`` the platform creates the CodeCommit repository
``<project>-modelbuild`` (``seed``: holding the seed code) and a push to the branch starts the pipeline through
CodeCommit's state-change event (for accounts that have CodeCommit, which is closed to new customers; the embedded
AWS serves it for ``git push``).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from mlops_infra.constructs.code_repository import CodeRepository, SeedCode
from mlops_infra.constructs.connection_repository import ConnectionRepository
from mlops_infra.constructs.first_execution import after_action_policies
from mlops_infra.constructs.network_placement import NetworkPlacement
from mlops_infra.constructs.source_bucket import SourceBucket
from mlops_infra.nag import logical_id, suppress

SOURCE_KEY = "modelbuild.zip"
#: First-party images the pipeline's jobs pull (scikit-learn processing/training/serving).
SKLEARN_IMAGE_ACCOUNT = "683313688378"


class ModelBuild(Construct):
    """Model package group, SageMaker pipeline role, source, CodeBuild project and the pipeline that ties them."""

    def __init__(self, scope: Construct, id_: str, *, project: str, bucket: s3.IBucket, key: kms.IKey,
                 access_logs: s3.IBucket, model_package_group_name: str, removal_policy: cdk.RemovalPolicy,
                 repository: ConnectionRepository | None = None, use_codecommit: bool = False, branch: str = "main",
                 seed: SeedCode | None = None) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self.pipeline_name = f"{project}-model-build"
        self.model_package_group_name = model_package_group_name
        self.group = sagemaker.CfnModelPackageGroup(
            self, "Models", model_package_group_name=model_package_group_name,
            model_package_group_description=f"{project}: models registered by the model-build pipeline")
        self.group.apply_removal_policy(removal_policy)
        self.pipeline_role = self._pipeline_role(project, bucket, key)

        log_group = logs.LogGroup(self, "BuildLogs", log_group_name=f"/aws/codebuild/{project}-modelbuild",
                                  retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.build_project = codebuild.PipelineProject(
            self, "Build", project_name=f"{project}-modelbuild",
            description="Upserts the SageMaker model-build pipeline, starts it and fails on a failed execution",
            build_spec=codebuild.BuildSpec.from_source_filename("buildspec.yml"),
            environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                                                   compute_type=codebuild.ComputeType.SMALL),
            environment_variables={name: codebuild.BuildEnvironmentVariable(value=value) for name, value in {
                "SAGEMAKER_PIPELINE_NAME": self.pipeline_name,
                "SAGEMAKER_PIPELINE_ROLE_ARN": self.pipeline_role.role_arn,
                "MODEL_PACKAGE_GROUP_NAME": model_package_group_name,
                "ARTIFACT_BUCKET": bucket.bucket_name,
                "ARTIFACT_KMS_KEY": key.key_arn,
                "SAGEMAKER_PROJECT_NAME": project,
                **self._network_variables(),
            }.items()},
            encryption_key=key,
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=log_group)),
            timeout=cdk.Duration.hours(3),
        )
        self._allow_pipeline_upsert(stack, bucket, key)

        self.pipeline = codepipeline.Pipeline(
            self, "Pipeline", pipeline_name=f"{project}-modelbuild", pipeline_type=codepipeline.PipelineType.V2,
            artifact_bucket=bucket, restart_execution_on_update=False)
        source_output = codepipeline.Artifact("SourceOutput")
        self.source_bucket: s3.Bucket | None = None
        self.source: SourceBucket | None = None
        self.code_repository: CodeRepository | None = None
        if repository is not None:
            origin: ConnectionRepository | CodeRepository | SourceBucket = repository
        elif use_codecommit:
            self.code_repository = origin = CodeRepository(
                self, "Repository", name=f"{project}-modelbuild", branch=branch, removal_policy=removal_policy, seed=seed,
                description=f"{project}: the model-build repository (pipeline code, step scripts, buildspec)")
        else:
            self.source = origin = SourceBucket(
                self, "Source", bucket_name=f"{project}-modelbuild-source-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}",
                object_key=SOURCE_KEY, key=key, access_logs=access_logs, rule_name=f"{project}-modelbuild-on-push",
                access_log_prefix="modelbuild-source/",
                removal_policy=removal_policy)
            self.source_bucket = self.source.bucket
        self.pipeline.add_stage(stage_name="Source", actions=[origin.source_action(source_output)])
        self.pipeline.add_stage(stage_name="Build", actions=[actions.CodeBuildAction(
            action_name="RunPipeline", project=self.build_project, input=source_output)])
        after_action_policies(self.pipeline)
        origin.trigger(self.pipeline, "A new modelbuild.zip in the source bucket starts the model-build pipeline" if self.source
                       else f"A push to {branch} starts the model-build pipeline")
        suppress(self.pipeline, "AwsSolutions-IAM5", "CDK's pipeline and action roles read and write the pipeline's own "
                 "artifacts (objects under the artifacts bucket) and use its key for them",
                 applies_to=["Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
                             "Action::s3:List*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
                             f"Resource::<{logical_id(bucket)}.Arn>/*",
                             *([f"Resource::<{logical_id(self.source_bucket)}.Arn>/*"]
                               if self.source_bucket else [])])

    def _pipeline_role(self, project: str, bucket: s3.IBucket, key: kms.IKey) -> iam.Role:
        """The role SageMaker runs the pipeline's jobs as: its data, its key, its jobs, its model group."""
        stack = cdk.Stack.of(self)
        role = iam.Role(self, "PipelineRole", role_name=f"{project}-sagemaker-pipeline",
                        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                        description="SageMaker model-build pipeline: processing, training, repack and registration")
        bucket.grant_read_write(role)
        key.grant_encrypt_decrypt(role)
        arn = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}"
        role.add_to_policy(iam.PolicyStatement(
            sid="PipelineJobs",
            actions=["sagemaker:CreateProcessingJob", "sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob",
                     "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob",
                     "sagemaker:AddTags"],
            resources=[f"{arn}:processing-job/pipelines-*", f"{arn}:training-job/pipelines-*"]))
        role.add_to_policy(iam.PolicyStatement(
            sid="Registry",
            actions=["sagemaker:CreateModelPackage", "sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup",
                     "sagemaker:AddTags"],
            resources=[f"{arn}:model-package-group/{self.model_package_group_name}",
                       f"{arn}:model-package/{self.model_package_group_name}/*"]))
        role.add_to_policy(iam.PolicyStatement(sid="PassSelfToJobs", actions=["iam:PassRole"], resources=[role.role_arn],
                                               conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}))
        role.add_to_policy(iam.PolicyStatement(
            sid="PullFirstPartyImages", actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            resources=[f"arn:{stack.partition}:ecr:{stack.region}:{SKLEARN_IMAGE_ACCOUNT}:repository/sagemaker-scikit-learn"]))
        role.add_to_policy(iam.PolicyStatement(sid="EcrToken", actions=["ecr:GetAuthorizationToken"], resources=["*"]))
        role.add_to_policy(iam.PolicyStatement(
            sid="JobLogs", actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:/aws/sagemaker/*"]))
        # what the SageMaker SDK requires of a training role (it simulates these before it uses the role, and refuses a role
        # that is denied any: a namespace condition on the metrics reads as a denial there): job metrics, and the network
        # interfaces SageMaker creates for jobs in a VPC (the secure ML environment's subnets)
        role.add_to_policy(iam.PolicyStatement(sid="JobMetrics", actions=["cloudwatch:PutMetricData"], resources=["*"]))
        role.add_to_policy(iam.PolicyStatement(sid="JobNetworkInterfaces", resources=["*"], actions=[
            "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions",
            "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"]))
        suppress(role, "AwsSolutions-IAM5", "ecr:GetAuthorizationToken, cloudwatch:PutMetricData and the EC2 network interface "
                 "and Describe actions SageMaker performs for jobs in a VPC have no resource-level permissions, and the SageMaker "
                 "SDK refuses a training role not allowed them on *; jobs are named pipelines-<execution>-<step> "
                 "by SageMaker; job logs go to /aws/sagemaker/<job type>; packages are versions of the one model group; "
                 "object and key grants cover the artifacts bucket only",
                 applies_to=["Resource::*", "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:processing-job/pipelines-*",
                             "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job/pipelines-*",
                             f"Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/{self.model_package_group_name}/*",
                             "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/*",
                             "Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
                             "Action::s3:List*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
                             f"Resource::<{logical_id(bucket)}.Arn>/*"])
        return role

    def _allow_pipeline_upsert(self, stack: cdk.Stack, bucket: s3.IBucket, key: kms.IKey) -> None:
        """The build may upsert and run this one SageMaker pipeline, pass it its role, and upload step code."""
        arn = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:pipeline/{self.pipeline_name}"
        role = self.build_project.role
        assert role is not None
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="UpsertAndRunPipeline",
            actions=["sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:DescribePipeline",
                     "sagemaker:StartPipelineExecution", "sagemaker:DescribePipelineExecution",
                     "sagemaker:ListPipelineExecutionSteps", "sagemaker:AddTags", "sagemaker:ListTags"],
            resources=[arn, f"{arn}/execution/*"]))
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="PassPipelineRole", actions=["iam:PassRole"], resources=[self.pipeline_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}))
        bucket.grant_read_write(role)
        key.grant_encrypt_decrypt(role)
        suppress(role, "AwsSolutions-IAM5", "Executions of the one model-build pipeline (pipeline/<name>/execution/<id>), "
                 "the build's own log streams and report groups, and objects of the artifacts bucket (step code uploads)",
                 applies_to=[f"Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:pipeline/{self.pipeline_name}/execution/*",
                             "Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
                             "Action::s3:List*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
                             f"Resource::<{logical_id(bucket)}.Arn>/*",
                             f"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<{logical_id(self.build_project)}>:*",
                             f"Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/<{logical_id(self.build_project)}>-*"])

    def grant_push(self, grantee: iam.IGrantable) -> None:
        """Let ``grantee`` push the model-build source: upload ``modelbuild.zip`` (S3, with the bucket's key) or ``git push``
        (CodeCommit). A CodeConnections repository's push rights live on its git host."""
        if self.source is not None:  # the one object, written under the bucket's key (S3 asks KMS for a data key)
            bucket_key = self.source.bucket.encryption_key
            assert bucket_key is not None, "the source bucket is KMS-encrypted"
            grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[self.source.bucket.arn_for_objects(SOURCE_KEY)]))
            grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(
                actions=["kms:GenerateDataKey"], resources=[bucket_key.key_arn]))
        elif self.code_repository is not None:
            self.code_repository.repository.grant_pull_push(grantee)

    def _network_variables(self) -> dict[str, str]:
        """Subnets and security groups for the pipeline's jobs (JSON lists), when the stack has a network placement."""
        placement = NetworkPlacement.of(self)
        if placement is None:
            return {}
        return {"SUBNETS_JSON": placement.subnets_json(), "SECURITY_GROUPS_JSON": placement.security_groups_json()}
