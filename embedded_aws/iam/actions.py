"""From one API request to what IAM authorizes: the action, the resource ARNs, condition keys and passed roles.

The table follows the Service Authorization Reference for the operations the platform makes: each entry names the ARN
templates of the resource types the operation is authorized on, filled from the request's parameters. An operation
missing from the table is authorized on ``*``, as AWS does for actions without resource types — so a policy that
grants it only on named resources is refused, and the missing entry shows up as a refusal rather than a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Params = Mapping[str, Any]

#: A signing name that is not the service's IAM prefix.
IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}

#: Operations whose IAM action has another name (service:operation → action).
ACTION_NAMES = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "lambda:InvokeAsync": "lambda:InvokeFunction",
    "sagemaker:InvokeEndpointAsync": "sagemaker:InvokeEndpointAsync",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:ListObjects": "s3:ListBucket",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:ListObjectVersions": "s3:ListBucketVersions",
    "s3:HeadObject": "s3:GetObject",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "s3:CopyObject": "s3:PutObject",
    "s3:CreateMultipartUpload": "s3:PutObject",
    "s3:UploadPart": "s3:PutObject",
    "s3:CompleteMultipartUpload": "s3:PutObject",
    "s3:DeleteObjects": "s3:DeleteObject",
    "s3:DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketCors": "s3:PutBucketCORS",
    "s3:PutObjectLockConfiguration": "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketReplication": "s3:PutReplicationConfiguration",
}

#: S3 subresources moto does not name: (bucket or object, method, query key) → IAM action.
S3_SUBRESOURCES = {
    ("bucket", "GET", "encryption"): "s3:GetEncryptionConfiguration",
    ("bucket", "PUT", "encryption"): "s3:PutEncryptionConfiguration",
    ("bucket", "DELETE", "encryption"): "s3:PutEncryptionConfiguration",
    ("bucket", "GET", "ownershipControls"): "s3:GetBucketOwnershipControls",
    ("bucket", "PUT", "ownershipControls"): "s3:PutBucketOwnershipControls",
    ("bucket", "DELETE", "ownershipControls"): "s3:PutBucketOwnershipControls",
    ("bucket", "GET", "object-lock"): "s3:GetBucketObjectLockConfiguration",
    ("bucket", "PUT", "object-lock"): "s3:PutBucketObjectLockConfiguration",
    ("bucket", "GET", "replication"): "s3:GetReplicationConfiguration",
    ("bucket", "PUT", "replication"): "s3:PutReplicationConfiguration",
    ("bucket", "GET", "publicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("bucket", "PUT", "publicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("bucket", "DELETE", "publicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("bucket", "POST", "delete"): "s3:DeleteObject",
    ("object", "GET", "retention"): "s3:GetObjectRetention",
    ("object", "PUT", "retention"): "s3:PutObjectRetention",
    ("object", "GET", "legal-hold"): "s3:GetObjectLegalHold",
    ("object", "PUT", "legal-hold"): "s3:PutObjectLegalHold",
    ("object", "GET", "attributes"): "s3:GetObjectAttributes",
    # A request for one version of an object is authorized as the version action.
    ("object", "GET", "versionId"): "s3:GetObjectVersion",
    ("object", "HEAD", "versionId"): "s3:GetObjectVersion",
    ("object", "DELETE", "versionId"): "s3:DeleteObjectVersion",
}


def s3_action(method: str, query_keys: set[str], on_object: bool, named_by_moto: str) -> str:
    """The IAM action of an S3 request: a subresource moto does not know, else moto's name mapped to IAM's."""
    kind = "object" if on_object else "bucket"
    for key in sorted(query_keys):
        found = S3_SUBRESOURCES.get((kind, method.upper(), key))
        if found:
            return found
    name = f"s3:{named_by_moto}"
    return ACTION_NAMES.get(name, name)


#: Operations every principal may call whatever its policies say.
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})

#: Operation → (role ARN parameter, service the role is passed to): IAM also authorizes iam:PassRole on that role.
PASSED_ROLES: dict[str, tuple[str, str]] = {
    "sagemaker:CreateNotebookInstance": ("RoleArn", "sagemaker.amazonaws.com"),
    "sagemaker:UpdateNotebookInstance": ("RoleArn", "sagemaker.amazonaws.com"),
    "sagemaker:CreateTrainingJob": ("RoleArn", "sagemaker.amazonaws.com"),
    "sagemaker:CreateProcessingJob": ("RoleArn", "sagemaker.amazonaws.com"),
    "sagemaker:CreateModel": ("ExecutionRoleArn", "sagemaker.amazonaws.com"),
    "sagemaker:CreatePipeline": ("RoleArn", "sagemaker.amazonaws.com"),
    "sagemaker:UpdatePipeline": ("RoleArn", "sagemaker.amazonaws.com"),
    "sagemaker:CreateProject": ("ServiceCatalogProvisioningDetails.RoleArn", "sagemaker.amazonaws.com"),
    "cloudformation:CreateStack": ("RoleARN", "cloudformation.amazonaws.com"),
    "cloudformation:UpdateStack": ("RoleARN", "cloudformation.amazonaws.com"),
    "cloudformation:CreateChangeSet": ("RoleARN", "cloudformation.amazonaws.com"),
    "cloudformation:CreateStackSet": ("AdministrationRoleARN", "cloudformation.amazonaws.com"),
    "cloudformation:UpdateStackSet": ("AdministrationRoleARN", "cloudformation.amazonaws.com"),
    "lambda:CreateFunction": ("Role", "lambda.amazonaws.com"),
    "lambda:UpdateFunctionConfiguration": ("Role", "lambda.amazonaws.com"),
    "states:CreateStateMachine": ("roleArn", "states.amazonaws.com"),
    "states:UpdateStateMachine": ("roleArn", "states.amazonaws.com"),
    "codebuild:CreateProject": ("serviceRole", "codebuild.amazonaws.com"),
    "codebuild:UpdateProject": ("serviceRole", "codebuild.amazonaws.com"),
    "codepipeline:CreatePipeline": ("pipeline.roleArn", "codepipeline.amazonaws.com"),
    "codepipeline:UpdatePipeline": ("pipeline.roleArn", "codepipeline.amazonaws.com"),
    "events:PutTargets": ("Targets[].RoleArn", "events.amazonaws.com"),
    "ec2:CreateFlowLogs": ("DeliverLogsPermissionArn", "vpc-flow-logs.amazonaws.com"),
}


@dataclass(frozen=True)
class Scope:
    """Where the request is made: the caller's region and the account the request acts in."""

    region: str
    account: str


@dataclass(frozen=True)
class Authorization:
    """What IAM evaluates for one request."""

    action: str
    resources: tuple[str, ...] = ("*",)
    context: dict[str, list[str]] = field(default_factory=dict)
    passed_roles: tuple[tuple[str, str], ...] = ()  # (role ARN, service)


def value(params: Params, path: str) -> list[str]:
    """The values at ``path`` (``A.B``, ``A[].B``) in the request parameters, as strings."""
    found: list[Any] = [params]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part.removesuffix("[]")
        nxt: list[Any] = []
        for item in found:
            if isinstance(item, Mapping) and item.get(key) is not None:
                got = item[key]
                nxt.extend(got if many and isinstance(got, list) else [got])
        found = nxt
    return [str(v) for v in found if isinstance(v, (str, int)) and str(v) != ""]


# -- ARN builders --------------------------------------------------------------------------------------------------
Resolver = Callable[[Params, Scope], list[str]]


def arns(service: str, template: str, *paths: str, lower: bool = False, strip_slash: bool = False) -> Resolver:
    """A resolver filling ``template`` (``{}`` per path) with each combination of the paths' first values.

    Only the first path may be a list (one ARN per element). Parameters that already hold an ARN are used as they are.
    """

    def resolve(params: Params, scope: Scope) -> list[str]:
        firsts = [value(params, p) for p in paths]
        if not all(firsts):
            return []
        out = []
        for head in firsts[0]:
            parts = [head] + [f[0] for f in firsts[1:]]
            if len(paths) == 1 and head.startswith("arn:"):
                prefix, _, resource = head.rpartition(":")
                out.append(f"{prefix}:{resource.lower()}" if lower else head)  # SageMaker authorizes lowercase ARNs
                continue
            if strip_slash:
                parts = [p.lstrip("/") for p in parts]
            if lower:
                parts = [p.lower() for p in parts]
            out.append(f"arn:aws:{service}:{scope.region}:{scope.account}:" + template.format(*parts))
        return out

    return resolve


def given(*paths: str) -> Resolver:
    """Parameters that hold the resource's ARN."""

    def resolve(params: Params, scope: Scope) -> list[str]:
        return [v for p in paths for v in value(params, p) if v.startswith("arn:")]

    return resolve


def _sm(template: str, *paths: str) -> Resolver:
    return arns("sagemaker", template, *paths, lower=True)


def _ssm(params: Params, scope: Scope) -> list[str]:
    names = value(params, "Name") or value(params, "Names[]") or value(params, "Path")
    return [n if n.startswith("arn:") else f"arn:aws:ssm:{scope.region}:{scope.account}:parameter/{n.lstrip('/')}"
            for n in names]


def _ssm_tags(params: Params, scope: Scope) -> list[str]:
    if value(params, "ResourceType") != ["Parameter"]:
        return ["*"]
    return [f"arn:aws:ssm:{scope.region}:{scope.account}:parameter/{n.lstrip('/')}" for n in value(params, "ResourceId")]


def _event_buses(params: Params, scope: Scope) -> list[str]:
    buses = value(params, "Entries[].EventBusName") or ["default"]
    if len(buses) < len(params.get("Entries") or []):
        buses.append("default")
    return sorted({b if b.startswith("arn:") else f"arn:aws:events:{scope.region}:{scope.account}:event-bus/{b}" for b in buses})


def _rule(params: Params, scope: Scope) -> list[str]:
    bus = (value(params, "EventBusName") or ["default"])[0]
    names = value(params, "Name") or value(params, "Rule")
    prefix = f"arn:aws:events:{scope.region}:{scope.account}:rule/"
    return [prefix + (n if bus == "default" else f"{bus}/{n}") for n in names]


def _execution(params: Params, scope: Scope) -> list[str]:
    return value(params, "executionArn")


def _task_token_owner(params: Params, scope: Scope) -> list[str]:
    """SendTask* are authorized on the state machine whose running execution issued the token."""
    tokens = value(params, "taskToken")
    if not tokens:
        return []
    from moto.stepfunctions.models import stepfunctions_backends  # the token's owner is known only to the backend

    backend = stepfunctions_backends[scope.account][scope.region]
    for machine in list(backend.state_machines):
        for execution in list(machine.executions):
            worker = getattr(execution, "exec_worker", None)
            pool = getattr(getattr(worker, "env", None), "callback_pool_manager", None)
            if pool is not None and pool.get(tokens[0]) is not None:
                return [machine.arn]
    return []


def _stack(params: Params, scope: Scope) -> list[str]:
    names = value(params, "StackName")
    return [n if n.startswith("arn:") else f"arn:aws:cloudformation:{scope.region}:{scope.account}:stack/{n}/*" for n in names]


def _iam(kind: str, param: str) -> Resolver:
    def resolve(params: Params, scope: Scope) -> list[str]:
        return [f"arn:aws:iam::{scope.account}:{kind}/{name}" for name in value(params, param)]

    return resolve


def _codebuild_builds(params: Params, scope: Scope) -> list[str]:
    return [f"arn:aws:codebuild:{scope.region}:{scope.account}:project/{build.split(':', 1)[0]}"
            for build in value(params, "ids[]")]


def _bucket(params: Params, scope: Scope) -> list[str]:
    return [f"arn:aws:s3:::{b}" for b in value(params, "Bucket")]


def _object(params: Params, scope: Scope) -> list[str]:
    return [f"arn:aws:s3:::{b}/{k}" for b in value(params, "Bucket") for k in value(params, "Key")]


def _kms_alias(params: Params, scope: Scope) -> list[str]:
    """CreateAlias/DeleteAlias are authorized on the alias and on its key."""
    aliases = [f"arn:aws:kms:{scope.region}:{scope.account}:{a}" for a in value(params, "AliasName")]
    return aliases + _kms({"KeyId": params.get("TargetKeyId")}, scope) if value(params, "TargetKeyId") else aliases


def _iam_policy(params: Params, scope: Scope) -> list[str]:
    arns_given = value(params, "PolicyArn")
    if arns_given:
        return arns_given
    path = (value(params, "Path") or ["/"])[0]
    return [f"arn:aws:iam::{scope.account}:policy{path}{name}" for name in value(params, "PolicyName")]


def _kms(params: Params, scope: Scope) -> list[str]:
    keys = value(params, "KeyId")
    return [k if k.startswith("arn:") else f"arn:aws:kms:{scope.region}:{scope.account}:" + ("" if k.startswith("alias/") else "key/") + k
            for k in keys]


_STACK_SET = arns("cloudformation", "stackset/{}:*", "StackSetName")
_PIPELINE = arns("codepipeline", "{}", "name")
_PIPELINE_BY = arns("codepipeline", "{}", "pipelineName")
_CB_PROJECT = arns("codebuild", "project/{}", "projectName")
_NOTEBOOK = _sm("notebook-instance/{}", "NotebookInstanceName")
_LIFECYCLE = _sm("notebook-instance-lifecycle-config/{}", "NotebookInstanceLifecycleConfigName")
_SM_PIPELINE = _sm("pipeline/{}", "PipelineName")
_SM_EXECUTION = given("PipelineExecutionArn")
_MODEL_PACKAGE_GROUP = _sm("model-package-group/{}", "ModelPackageGroupName")
_ENDPOINT = _sm("endpoint/{}", "EndpointName")
_ENDPOINT_CONFIG = _sm("endpoint-config/{}", "EndpointConfigName")
_MODEL = _sm("model/{}", "ModelName")
_TRAINING_JOB = _sm("training-job/{}", "TrainingJobName")
_PROCESSING_JOB = _sm("processing-job/{}", "ProcessingJobName")
_PROJECT = _sm("project/{}", "ProjectName")
_STATE_MACHINE = given("stateMachineArn")
_PRODUCT = arns("catalog", "product/{}", "ProductId")
_PORTFOLIO = arns("catalog", "portfolio/{}", "PortfolioId")
_FUNCTION = arns("lambda", "function:{}", "FunctionName")
_LOG_GROUP = arns("logs", "log-group:{}", "logGroupName")
_LOG_STREAM = arns("logs", "log-group:{}:log-stream:{}", "logGroupName", "logStreamName")
_ALARMS = arns("cloudwatch", "alarm:{}", "AlarmNames[]")
_ALARM = arns("cloudwatch", "alarm:{}", "AlarmName")
_TRAIL = arns("cloudtrail", "trail/{}", "Name")
_TRAIL_SELECTORS = arns("cloudtrail", "trail/{}", "TrailName")


def _table(params: Params, scope: Scope) -> list[str]:
    names = value(params, "TableName") or sorted(params.get("RequestItems") or {})
    return [n if n.startswith("arn:") else f"arn:aws:dynamodb:{scope.region}:{scope.account}:table/{n}" for n in names]


def _model_package(params: Params, scope: Scope) -> list[str]:
    names = value(params, "ModelPackageName") or value(params, "ModelPackageArn")
    return [n if n.startswith("arn:") else f"arn:aws:sagemaker:{scope.region}:{scope.account}:model-package/{n.lower()}" for n in names]


def _model_package_group_of(params: Params, scope: Scope) -> list[str]:
    groups = value(params, "ModelPackageGroupName")
    return [g if g.startswith("arn:") else f"arn:aws:sagemaker:{scope.region}:{scope.account}:model-package-group/{g.lower()}"
            for g in groups]


RESOURCES: dict[str, Resolver] = {
    # SSM Parameter Store
    **{f"ssm:{op}": _ssm for op in ("GetParameter", "GetParameters", "PutParameter", "DeleteParameter", "DeleteParameters",
                                     "GetParametersByPath", "GetParameterHistory", "LabelParameterVersion")},
    "ssm:AddTagsToResource": _ssm_tags, "ssm:RemoveTagsFromResource": _ssm_tags, "ssm:ListTagsForResource": _ssm_tags,
    # SageMaker
    **{f"sagemaker:{op}NotebookInstance": _NOTEBOOK for op in ("Create", "Describe", "Delete", "Start", "Stop", "Update")},
    "sagemaker:CreatePresignedNotebookInstanceUrl": _NOTEBOOK,
    **{f"sagemaker:{op}NotebookInstanceLifecycleConfig": _LIFECYCLE for op in ("Create", "Describe", "Delete", "Update")},
    **{f"sagemaker:{op}Pipeline": _SM_PIPELINE for op in ("Create", "Describe", "Delete", "Update")},
    "sagemaker:StartPipelineExecution": _SM_PIPELINE, "sagemaker:ListPipelineExecutions": _SM_PIPELINE,
    "sagemaker:DescribePipelineDefinitionForExecution": _SM_EXECUTION,
    **{f"sagemaker:{op}": _SM_EXECUTION for op in ("DescribePipelineExecution", "ListPipelineExecutionSteps",
                                                   "StopPipelineExecution", "RetryPipelineExecution",
                                                   "ListPipelineParametersForExecution")},
    **{f"sagemaker:{op}ModelPackageGroup": _MODEL_PACKAGE_GROUP for op in ("Create", "Describe", "Delete")},
    "sagemaker:ListModelPackages": _model_package_group_of,
    "sagemaker:CreateModelPackage": _model_package_group_of,
    **{f"sagemaker:{op}ModelPackage": _model_package for op in ("Describe", "Update", "Delete")},
    **{f"sagemaker:{op}Endpoint": _ENDPOINT for op in ("Create", "Describe", "Delete", "Update")},
    "sagemaker:UpdateEndpointWeightsAndCapacities": _ENDPOINT,
    "sagemaker:InvokeEndpoint": _ENDPOINT,
    **{f"sagemaker:{op}EndpointConfig": _ENDPOINT_CONFIG for op in ("Create", "Describe", "Delete")},
    **{f"sagemaker:{op}Model": _MODEL for op in ("Create", "Describe", "Delete")},
    **{f"sagemaker:{op}TrainingJob": _TRAINING_JOB for op in ("Create", "Describe", "Stop")},
    **{f"sagemaker:{op}ProcessingJob": _PROCESSING_JOB for op in ("Create", "Describe", "Stop")},
    **{f"sagemaker:{op}Project": _PROJECT for op in ("Create", "Describe", "Delete", "Update")},
    "sagemaker:AddTags": given("ResourceArn"), "sagemaker:DeleteTags": given("ResourceArn"),
    "sagemaker:ListTags": given("ResourceArn"),
    "sagemaker:CreatePresignedDomainUrl": _sm("user-profile/{}/{}", "DomainId", "UserProfileName"),
    # Service Catalog
    **{f"servicecatalog:{op}": _PRODUCT for op in ("ProvisionProduct", "DescribeProduct", "DescribeProductAsAdmin",
                                                    "DescribeProvisioningParameters", "ListLaunchPaths",
                                                    "UpdateProduct", "DeleteProduct", "CreateProvisioningArtifact")},
    **{f"servicecatalog:{op}": _PORTFOLIO for op in ("DescribePortfolio", "AssociatePrincipalWithPortfolio",
                                                      "DisassociatePrincipalFromPortfolio", "ListPrincipalsForPortfolio",
                                                      "DeletePortfolio", "UpdatePortfolio")},
    # Step Functions
    "states:StartExecution": _STATE_MACHINE, "states:StartSyncExecution": _STATE_MACHINE,
    "states:DescribeStateMachine": _STATE_MACHINE, "states:ListExecutions": _STATE_MACHINE,
    "states:UpdateStateMachine": _STATE_MACHINE, "states:DeleteStateMachine": _STATE_MACHINE,
    **{f"states:{op}": _task_token_owner for op in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat")},
    "states:DescribeExecution": _execution, "states:StopExecution": _execution, "states:GetExecutionHistory": _execution,
    # EventBridge
    "events:PutEvents": _event_buses,
    **{f"events:{op}": _rule for op in ("PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule",
                                         "PutTargets", "RemoveTargets", "ListTargetsByRule")},
    # Lambda
    **{f"lambda:{op}": _FUNCTION for op in ("Invoke", "InvokeAsync", "GetFunction", "GetFunctionConfiguration",
                                             "UpdateFunctionCode", "UpdateFunctionConfiguration", "DeleteFunction",
                                             "CreateFunction", "AddPermission", "RemovePermission")},
    # CloudFormation
    **{f"cloudformation:{op}": _stack for op in ("CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks",
                                                  "DescribeStackEvents", "DescribeStackResources", "GetTemplate",
                                                  "CreateChangeSet", "ExecuteChangeSet", "DescribeChangeSet",
                                                  "DeleteChangeSet", "ListStackResources", "SetStackPolicy")},
    **{f"cloudformation:{op}": _STACK_SET for op in ("CreateStackSet", "UpdateStackSet", "DeleteStackSet",
                                                      "DescribeStackSet", "DescribeStackSetOperation",
                                                      "CreateStackInstances", "DeleteStackInstances",
                                                      "UpdateStackInstances", "ListStackInstances",
                                                      "ListStackSetOperations")},
    # IAM
    **{f"iam:{op}": _iam("role", "RoleName") for op in ("GetRole", "CreateRole", "DeleteRole", "UpdateRole", "TagRole",
                                                         "UntagRole", "PutRolePolicy", "GetRolePolicy",
                                                         "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy",
                                                         "ListRolePolicies", "ListAttachedRolePolicies",
                                                         "UpdateAssumeRolePolicy")},
    **{f"iam:{op}": _iam("user", "UserName") for op in ("GetUser", "CreateUser", "DeleteUser", "PutUserPolicy",
                                                         "DeleteUserPolicy", "AttachUserPolicy", "DetachUserPolicy",
                                                         "CreateAccessKey", "ListAccessKeys")},
    **{f"iam:{op}": _iam("group", "GroupName") for op in ("CreateGroup", "DeleteGroup", "PutGroupPolicy", "DeleteGroupPolicy",
                                                           "AttachGroupPolicy", "DetachGroupPolicy")},
    "iam:CreatePolicy": _iam_policy, "iam:DeletePolicy": _iam_policy,
    "sts:AssumeRole": given("RoleArn"),
    "iam:SimulatePrincipalPolicy": given("PolicySourceArn"),
    # CodePipeline and CodeBuild
    **{f"codepipeline:{op}": _PIPELINE for op in ("GetPipeline", "GetPipelineState", "StartPipelineExecution",
                                                   "DeletePipeline")},
    "codepipeline:CreatePipeline": arns("codepipeline", "{}", "pipeline.name"),
    "codepipeline:UpdatePipeline": arns("codepipeline", "{}", "pipeline.name"),
    **{f"codepipeline:{op}": _PIPELINE_BY for op in ("GetPipelineExecution", "ListPipelineExecutions",
                                                      "PutApprovalResult", "StopPipelineExecution",
                                                      "RetryStageExecution")},
    **{f"codebuild:{op}": _CB_PROJECT for op in ("StartBuild",)},
    **{f"codecommit:{op}": arns("codecommit", "{}", "repositoryName")
       for op in ("CreateRepository", "GetRepository", "DeleteRepository", "GetBranch", "TagResource")},
    "codebuild:CreateProject": arns("codebuild", "project/{}", "name"),
    "codebuild:UpdateProject": arns("codebuild", "project/{}", "name"),
    "codebuild:DeleteProject": arns("codebuild", "project/{}", "name"),
    "codebuild:BatchGetBuilds": _codebuild_builds, "codebuild:StopBuild": _codebuild_builds,
    "codebuild:BatchGetProjects": arns("codebuild", "project/{}", "names[]"),
    # S3 buckets (objects are authorized through the S3 request path; GetObject here is a service reading for its caller)
    "s3:GetObject": _object,
    **{f"s3:{op}": _bucket for op in ("CreateBucket", "DeleteBucket", "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketTagging",
                                       "PutBucketEncryption", "PutBucketVersioning", "PutPublicAccessBlock",
                                       "PutBucketLifecycleConfiguration", "PutBucketLogging", "PutBucketNotification",
                                       "PutBucketOwnershipControls", "PutBucketCors", "PutBucketWebsite",
                                       "PutObjectLockConfiguration", "PutBucketReplication")},
    # CloudWatch and Logs
    "cloudwatch:TagResource": given("ResourceARN"), "logs:TagResource": given("resourceArn"),
    "codepipeline:TagResource": given("resourceArn"), "lambda:TagResource": _FUNCTION,
    "cloudwatch:DescribeAlarms": _ALARMS, "cloudwatch:DeleteAlarms": _ALARMS, "cloudwatch:PutMetricAlarm": _ALARM,
    "logs:CreateLogGroup": _LOG_GROUP, "logs:DeleteLogGroup": _LOG_GROUP, "logs:PutRetentionPolicy": _LOG_GROUP,
    "logs:DescribeLogStreams": _LOG_GROUP,
    **{f"cloudtrail:{op}": _TRAIL for op in ("CreateTrail", "DeleteTrail", "StartLogging", "StopLogging", "GetTrailStatus")},
    "cloudtrail:PutEventSelectors": _TRAIL_SELECTORS, "cloudtrail:GetEventSelectors": _TRAIL_SELECTORS,
    "logs:CreateLogStream": _LOG_STREAM, "logs:PutLogEvents": _LOG_STREAM, "logs:GetLogEvents": _LOG_STREAM,
    # DynamoDB
    **{f"dynamodb:{op}": _table for op in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                                            "DescribeTable", "BatchGetItem", "BatchWriteItem", "ConditionCheckItem")},
    # KMS
    **{f"kms:{op}": _kms for op in ("Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey", "EnableKeyRotation",
                                     "PutKeyPolicy", "ScheduleKeyDeletion", "CreateGrant", "TagResource")},
    "kms:CreateAlias": _kms_alias, "kms:DeleteAlias": _kms_alias,
}


def _sagemaker_keys(operation: str, params: Params) -> dict[str, list[str]]:
    """SageMaker's condition keys for the operations its guardrails are written against."""
    keys: dict[str, list[str]] = {}

    def put(key: str, *paths: str) -> None:
        for path in paths:
            found = value(params, path)
            if found:
                keys[key] = found
                return

    if operation == "CreateNotebookInstance":
        put("sagemaker:directinternetaccess", "DirectInternetAccess")
        put("sagemaker:rootaccess", "RootAccess")
        put("sagemaker:instancetypes", "InstanceType")
        put("sagemaker:vpcsubnets", "SubnetId")
        put("sagemaker:vpcsecuritygroupids", "SecurityGroupIds[]")
        put("sagemaker:volumekmskey", "KmsKeyId")
        keys.setdefault("sagemaker:directinternetaccess", ["Enabled"])  # AWS's default when the request omits it
        keys.setdefault("sagemaker:rootaccess", ["Enabled"])
    elif operation in ("CreateTrainingJob", "CreateProcessingJob"):
        put("sagemaker:vpcsubnets", "VpcConfig.Subnets[]", "NetworkConfig.VpcConfig.Subnets[]")
        put("sagemaker:vpcsecuritygroupids", "VpcConfig.SecurityGroupIds[]", "NetworkConfig.VpcConfig.SecurityGroupIds[]")
        put("sagemaker:volumekmskey", "ResourceConfig.VolumeKmsKeyId", "ProcessingResources.ClusterConfig.VolumeKmsKeyId")
        put("sagemaker:outputkmskey", "OutputDataConfig.KmsKeyId", "ProcessingOutputConfig.KmsKeyId")
        put("sagemaker:instancetypes", "ResourceConfig.InstanceType", "ProcessingResources.ClusterConfig.InstanceType")
    return keys


#: End-user operations whose scope IAM sees as servicecatalog:userLevel (accountLevel/roleLevel with AccessLevelFilter).
SERVICE_CATALOG_LEVELLED = frozenset(f"servicecatalog:{op}" for op in (
    "DescribeProvisionedProduct", "DescribeRecord", "ListRecordHistory", "ScanProvisionedProducts",
    "SearchProvisionedProducts", "TerminateProvisionedProduct", "UpdateProvisionedProduct"))


def _request_keys(action: str, params: Params) -> dict[str, list[str]]:
    service, operation = action.split(":", 1)
    keys: dict[str, list[str]] = {}
    if service == "sagemaker":
        keys.update(_sagemaker_keys(operation, params))
    elif action in SERVICE_CATALOG_LEVELLED:
        level = (value(params, "AccessLevelFilter.Key") or ["User"])[0].lower()
        keys[f"servicecatalog:{level}level"] = ["self"]
    elif action in ("cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
                    "cloudformation:CreateChangeSet"):
        if value(params, "RoleARN"):
            keys["cloudformation:rolearn"] = value(params, "RoleARN")
    elif action == "sts:AssumeRole":
        keys["sts:rolesessionname"] = value(params, "RoleSessionName")
    elif action == "events:PutEvents":
        keys["events:source"] = sorted(set(value(params, "Entries[].Source")))
        keys["events:detail-type"] = sorted(set(value(params, "Entries[].DetailType")))
    elif action == "cloudwatch:PutMetricData" and value(params, "Namespace"):
        keys["cloudwatch:namespace"] = value(params, "Namespace")
    elif action in ("iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:AttachGroupPolicy", "iam:DetachGroupPolicy",
                    "iam:AttachUserPolicy", "iam:DetachUserPolicy") and value(params, "PolicyArn"):
        keys["iam:policyarn"] = value(params, "PolicyArn")
    elif action == "iam:CreateRole" and value(params, "PermissionsBoundary"):
        keys["iam:permissionsboundary"] = value(params, "PermissionsBoundary")
    tags = params.get("Tags")
    if isinstance(tags, list) and tags and all(isinstance(t, Mapping) and "Key" in t for t in tags):
        keys["aws:tagkeys"] = [str(t["Key"]) for t in tags]
        for tag in tags:
            keys[f"aws:requesttag/{str(tag['Key']).lower()}"] = [str(tag.get("Value", ""))]
    return keys


def authorization(service: str, operation: str, params: Params, scope: Scope) -> Authorization:
    """What IAM authorizes for ``operation`` of ``service`` (its signing name) with ``params``."""
    prefix = IAM_PREFIX.get(service, service)
    name = f"{prefix}:{operation}"
    action = ACTION_NAMES.get(name, name)
    resolver = RESOURCES.get(name)
    resources = tuple(resolver(params, scope)) if resolver else ()
    passed: tuple[tuple[str, str], ...] = ()
    if name in PASSED_ROLES:
        path, to_service = PASSED_ROLES[name]
        passed = tuple((arn, to_service) for arn in value(params, path) if arn.startswith("arn:"))
    context = {"aws:requestedregion": [scope.region], **_request_keys(action, params)}
    return Authorization(action, resources or ("*",), context, passed)
