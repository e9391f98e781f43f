"""The API calls CloudFormation makes for a template resource, so IAM can judge them as the stack's principal.

CloudFormation creates, updates and deletes each resource by calling the resource's service with the caller's
credentials, or the stack's service role's (a launch role for Service Catalog, the execution role for StackSets),
through forward access sessions (``aws:CalledVia`` = CloudFormation, ``aws:ViaAWSService`` = true). Each entry here
turns a resource's properties into those calls (``service``, operation, API parameters); the calls are then authorized
like any request (:func:`embedded_aws.iam.actions.authorization`: resource ARNs, condition keys, passed roles).

Only what the handler certainly calls is listed: the create/delete operation, the calls that properties imply (tags,
inline and managed policies, bucket settings, targets, retention), never the handler's whole permission list. A type
absent from the table is created without a check (:func:`covered`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Call = tuple[str, str, dict[str, Any]]  # (signing service, operation, parameters)

#: The keys forward access sessions carry for every call CloudFormation makes for a stack.
THROUGH_CLOUDFORMATION = {"aws:calledvia": ["cloudformation.amazonaws.com"], "aws:calledviafirst": ["cloudformation.amazonaws.com"],
                          "aws:calledvialast": ["cloudformation.amazonaws.com"], "aws:viaawsservice": ["true"]}


@dataclass(frozen=True)
class Target:
    """One template resource as CloudFormation acts on it."""

    type: str
    properties: dict[str, Any]
    name: str  # the physical name: the name property's value, or the one CloudFormation generates
    tags: dict[str, str] = field(default_factory=dict)  # the resource's own tags and the stack's, as propagated
    role_path: Callable[[str], str] = lambda name: name  # a role name → ``<path>/<name>`` (the role's ARN resource)


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _names(value: Any) -> list[str]:
    return [str(v) for v in (value or []) if isinstance(v, str)]


# -- IAM --------------------------------------------------------------------------------------------------------------

def _role(t: Target) -> list[Call]:
    path = str(t.properties.get("Path") or "/").strip("/")
    role = f"{path}/{t.name}" if path else t.name
    create: dict[str, Any] = {"RoleName": role}
    if t.properties.get("PermissionsBoundary"):
        create["PermissionsBoundary"] = t.properties["PermissionsBoundary"]
    calls: list[Call] = [("iam", "CreateRole", {**create, "Tags": _tag_list(t.tags)})]
    if t.tags:
        calls.append(("iam", "TagRole", {"RoleName": role, "Tags": _tag_list(t.tags)}))
    calls += [("iam", "PutRolePolicy", {"RoleName": role}) for _ in t.properties.get("Policies") or []]
    calls += [("iam", "AttachRolePolicy", {"RoleName": role, "PolicyArn": arn}) for arn in _names(t.properties.get("ManagedPolicyArns"))]
    return calls


def _role_delete(t: Target) -> list[Call]:
    path = str(t.properties.get("Path") or "/").strip("/")
    role = f"{path}/{t.name}" if path else t.name
    calls: list[Call] = [("iam", "DeleteRolePolicy", {"RoleName": role}) for _ in t.properties.get("Policies") or []]
    calls += [("iam", "DetachRolePolicy", {"RoleName": role, "PolicyArn": arn}) for arn in _names(t.properties.get("ManagedPolicyArns"))]
    return [*calls, ("iam", "DeleteRole", {"RoleName": role})]


def _attached(t: Target, verb: str, policy_arn: str | None = None) -> list[Call]:
    """``Put/Delete<Kind>Policy`` (inline) or ``Attach/Detach<Kind>Policy`` (``policy_arn``) on the roles, groups, users."""
    extra = {"PolicyArn": policy_arn} if policy_arn else {}
    calls: list[Call] = [("iam", f"{verb}RolePolicy", {"RoleName": t.role_path(r), **extra}) for r in _names(t.properties.get("Roles"))]
    calls += [("iam", f"{verb}GroupPolicy", {"GroupName": g, **extra}) for g in _names(t.properties.get("Groups"))]
    calls += [("iam", f"{verb}UserPolicy", {"UserName": u, **extra}) for u in _names(t.properties.get("Users"))]
    return calls


def _managed_policy(t: Target) -> list[Call]:
    path = str(t.properties.get("Path") or "/")
    arn = f"arn:aws:iam::{{account}}:policy{path}{t.name}"
    return [("iam", "CreatePolicy", {"PolicyName": t.name, "Path": path}), *_attached(t, "Attach", arn)]


def _managed_policy_delete(t: Target) -> list[Call]:
    path = str(t.properties.get("Path") or "/")
    arn = f"arn:aws:iam::{{account}}:policy{path}{t.name}"
    return [*_attached(t, "Detach", arn), ("iam", "DeletePolicy", {"PolicyArn": arn})]


def _group(t: Target) -> list[Call]:
    calls: list[Call] = [("iam", "CreateGroup", {"GroupName": t.name})]
    calls += [("iam", "PutGroupPolicy", {"GroupName": t.name}) for _ in t.properties.get("Policies") or []]
    calls += [("iam", "AttachGroupPolicy", {"GroupName": t.name, "PolicyArn": a}) for a in _names(t.properties.get("ManagedPolicyArns"))]
    return calls


# -- S3 ---------------------------------------------------------------------------------------------------------------

#: Bucket properties → the call that applies them.
BUCKET_SETTINGS = {
    "BucketEncryption": "PutBucketEncryption", "VersioningConfiguration": "PutBucketVersioning",
    "PublicAccessBlockConfiguration": "PutPublicAccessBlock", "LifecycleConfiguration": "PutBucketLifecycleConfiguration",
    "LoggingConfiguration": "PutBucketLogging", "NotificationConfiguration": "PutBucketNotification",
    "OwnershipControls": "PutBucketOwnershipControls", "CorsConfiguration": "PutBucketCors", "WebsiteConfiguration": "PutBucketWebsite",
    "ObjectLockConfiguration": "PutObjectLockConfiguration", "ReplicationConfiguration": "PutBucketReplication",
}


def _bucket(t: Target) -> list[Call]:
    calls: list[Call] = [("s3", "CreateBucket", {"Bucket": t.name})]
    calls += [("s3", operation, {"Bucket": t.name}) for prop, operation in BUCKET_SETTINGS.items() if t.properties.get(prop)]
    if t.tags:
        calls.append(("s3", "PutBucketTagging", {"Bucket": t.name}))
    return calls


# -- KMS --------------------------------------------------------------------------------------------------------------

#: The key a new ``AWS::KMS::Key`` will be (its id exists only once created; policies name keys by ``key/*``).
NEW_KEY = "00000000-0000-0000-0000-000000000000"


def _key(t: Target) -> list[Call]:
    calls: list[Call] = [("kms", "CreateKey", {"Tags": _tag_list(t.tags)})]
    if t.tags:
        calls.append(("kms", "TagResource", {"KeyId": NEW_KEY, "Tags": _tag_list(t.tags)}))
    if str(t.properties.get("EnableKeyRotation")).lower() == "true":
        calls.append(("kms", "EnableKeyRotation", {"KeyId": NEW_KEY}))
    return calls


# -- the rest -----------------------------------------------------------------------------------------------------------

def _tagged(service: str, operation: str, params: Callable[[Target], dict[str, Any]],
            tag_call: Callable[[Target], Call] | None = None) -> Callable[[Target], list[Call]]:
    """One create call (with the tags as the API takes them), then the tagging call when there are tags."""

    def calls(t: Target) -> list[Call]:
        created: list[Call] = [(service, operation, {**params(t), "Tags": _tag_list(t.tags)})]
        return created + ([tag_call(t)] if tag_call and t.tags else [])

    return calls


def _sagemaker(operation: str, name_param: str, arn_kind: str, *passed: str) -> Callable[[Target], list[Call]]:
    def params(t: Target) -> dict[str, Any]:
        return {**{p: t.properties[p] for p in passed if p in t.properties}, **_notebook_keys(t, operation), name_param: t.name}

    return _tagged("sagemaker", operation, params, lambda t: (
        "sagemaker", "AddTags", {"ResourceArn": f"arn:aws:sagemaker:{{region}}:{{account}}:{arn_kind}/{t.name.lower()}"}))


def _notebook_keys(t: Target, operation: str) -> dict[str, Any]:
    """The properties SageMaker's notebook condition keys read (the API's own names)."""
    if operation != "CreateNotebookInstance":
        return {}
    keys = ("DirectInternetAccess", "RootAccess", "InstanceType", "SubnetId", "SecurityGroupIds", "KmsKeyId")
    return {k: t.properties[k] for k in keys if k in t.properties}


def _log_group(t: Target) -> list[Call]:
    calls: list[Call] = [("logs", "CreateLogGroup", {"logGroupName": t.name, "Tags": _tag_list(t.tags)})]
    if t.properties.get("RetentionInDays"):
        calls.append(("logs", "PutRetentionPolicy", {"logGroupName": t.name}))
    if t.tags:
        calls.append(("logs", "TagResource", {"resourceArn": f"arn:aws:logs:{{region}}:{{account}}:log-group:{t.name}"}))
    return calls


def _rule(t: Target) -> list[Call]:
    bus = {"EventBusName": t.properties["EventBusName"]} if t.properties.get("EventBusName") else {}
    calls: list[Call] = [("events", "PutRule", {"Name": t.name, **bus, "Tags": _tag_list(t.tags)})]
    if t.properties.get("Targets"):
        calls.append(("events", "PutTargets", {"Rule": t.name, **bus, "Targets": t.properties["Targets"]}))
    return calls


def _rule_delete(t: Target) -> list[Call]:
    bus = {"EventBusName": t.properties["EventBusName"]} if t.properties.get("EventBusName") else {}
    calls: list[Call] = [("events", "RemoveTargets", {"Rule": t.name, **bus})] if t.properties.get("Targets") else []
    return [*calls, ("events", "DeleteRule", {"Name": t.name, **bus})]


def _security_group(t: Target) -> list[Call]:
    calls: list[Call] = [("ec2", "CreateSecurityGroup", {"GroupName": t.name})]
    if t.properties.get("SecurityGroupIngress"):
        calls.append(("ec2", "AuthorizeSecurityGroupIngress", {}))
    if t.properties.get("SecurityGroupEgress"):  # the group's own rules replace the default allow-all egress
        calls += [("ec2", "RevokeSecurityGroupEgress", {}), ("ec2", "AuthorizeSecurityGroupEgress", {})]
    return calls + ([("ec2", "CreateTags", {})] if t.tags else [])


def _ec2(operation: str) -> Callable[[Target], list[Call]]:
    def calls(t: Target) -> list[Call]:
        tagging: list[Call] = [("ec2", "CreateTags", {})] if t.tags and "Tags" in t.properties else []
        return [("ec2", operation, {}), *tagging]

    return calls


def _one(service: str, operation: str, params: Callable[[Target], dict[str, Any]]) -> Callable[[Target], list[Call]]:
    return lambda t: [(service, operation, params(t))]


CREATE: dict[str, Callable[[Target], list[Call]]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::Policy": lambda t: _attached(t, "Put"),
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::Group": _group,
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _one("s3", "PutBucketPolicy", lambda t: {"Bucket": t.properties.get("Bucket")}),
    "AWS::CloudTrail::Trail": lambda t: [("cloudtrail", op, {"Name": t.name}) for op in ("CreateTrail", "StartLogging")],
    "AWS::CodeCommit::Repository": lambda t: [
        ("codecommit", "CreateRepository", {"repositoryName": t.name}),
        *([("codecommit", "TagResource", {"repositoryName": t.name})] if t.tags else []),
        *([("s3", "GetObject", {"Bucket": t.properties["Code"]["S3"].get("Bucket"), "Key": t.properties["Code"]["S3"].get("Key")})]
          if (t.properties.get("Code") or {}).get("S3") else [])],
    "AWS::KMS::Key": _key,
    "AWS::KMS::Alias": _one("kms", "CreateAlias", lambda t: {"AliasName": t.properties.get("AliasName"),
                                                             "TargetKeyId": t.properties.get("TargetKeyId")}),
    "AWS::Lambda::Function": _tagged("lambda", "CreateFunction", lambda t: {"FunctionName": t.name, "Role": t.properties.get("Role")},
                                     lambda t: ("lambda", "TagResource", {"FunctionName": t.name})),
    "AWS::Lambda::Permission": _one("lambda", "AddPermission", lambda t: {"FunctionName": t.properties.get("FunctionName")}),
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Events::Rule": _rule,
    "AWS::CodeBuild::Project": _tagged("codebuild", "CreateProject", lambda t: {"name": t.name, "serviceRole": t.properties.get("ServiceRole")}),
    "AWS::CodePipeline::Pipeline": _tagged(
        "codepipeline", "CreatePipeline", lambda t: {"pipeline": {"name": t.name, "roleArn": t.properties.get("RoleArn")}},
        lambda t: ("codepipeline", "TagResource", {"resourceArn": f"arn:aws:codepipeline:{{region}}:{{account}}:{t.name}"})),
    "AWS::SageMaker::NotebookInstance": _sagemaker("CreateNotebookInstance", "NotebookInstanceName", "notebook-instance", "RoleArn"),
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": _one("sagemaker", "CreateNotebookInstanceLifecycleConfig",
                                                            lambda t: {"NotebookInstanceLifecycleConfigName": t.name}),
    "AWS::SageMaker::ModelPackageGroup": _sagemaker("CreateModelPackageGroup", "ModelPackageGroupName", "model-package-group"),
    "AWS::SageMaker::Model": _sagemaker("CreateModel", "ModelName", "model", "ExecutionRoleArn"),
    "AWS::SageMaker::EndpointConfig": _sagemaker("CreateEndpointConfig", "EndpointConfigName", "endpoint-config"),
    "AWS::SageMaker::Endpoint": _sagemaker("CreateEndpoint", "EndpointName", "endpoint"),
    "AWS::CloudWatch::Alarm": _tagged("monitoring", "PutMetricAlarm", lambda t: {"AlarmName": t.name}, lambda t: (
        "monitoring", "TagResource", {"ResourceARN": f"arn:aws:cloudwatch:{{region}}:{{account}}:alarm:{t.name}"})),
    "AWS::SSM::Parameter": _tagged("ssm", "PutParameter", lambda t: {"Name": t.name}, lambda t: (
        "ssm", "AddTagsToResource", {"ResourceType": "Parameter", "ResourceId": t.name})),
    "AWS::EC2::VPC": _ec2("CreateVpc"),
    "AWS::EC2::Subnet": _ec2("CreateSubnet"),
    "AWS::EC2::RouteTable": _ec2("CreateRouteTable"),
    "AWS::EC2::Route": _ec2("CreateRoute"),
    "AWS::EC2::SubnetRouteTableAssociation": _ec2("AssociateRouteTable"),
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::SecurityGroupIngress": _ec2("AuthorizeSecurityGroupIngress"),
    "AWS::EC2::SecurityGroupEgress": _ec2("AuthorizeSecurityGroupEgress"),
    "AWS::EC2::VPCEndpoint": _ec2("CreateVpcEndpoint"),
    "AWS::EC2::InternetGateway": _ec2("CreateInternetGateway"),
    "AWS::EC2::NatGateway": _ec2("CreateNatGateway"),
    "AWS::EC2::FlowLog": lambda t: [("ec2", "CreateFlowLogs", {"DeliverLogsPermissionArn": t.properties.get("DeliverLogsPermissionArn")})]
    + ([("ec2", "CreateTags", {})] if t.tags and "Tags" in t.properties else []),
    "Custom::*": _one("lambda", "Invoke", lambda t: {"FunctionName": t.properties.get("ServiceToken")}),
}

DELETE: dict[str, Callable[[Target], list[Call]]] = {
    "AWS::IAM::Role": _role_delete,
    "AWS::IAM::Policy": lambda t: _attached(t, "Delete"),
    "AWS::IAM::ManagedPolicy": _managed_policy_delete,
    "AWS::S3::Bucket": _one("s3", "DeleteBucket", lambda t: {"Bucket": t.name}),
    "AWS::S3::BucketPolicy": _one("s3", "DeleteBucketPolicy", lambda t: {"Bucket": t.properties.get("Bucket")}),
    "AWS::CloudTrail::Trail": _one("cloudtrail", "DeleteTrail", lambda t: {"Name": t.name}),
    "AWS::CodeCommit::Repository": _one("codecommit", "DeleteRepository", lambda t: {"repositoryName": t.name}),
    "AWS::KMS::Alias": _one("kms", "DeleteAlias", lambda t: {"AliasName": t.properties.get("AliasName"),
                                                             "TargetKeyId": t.properties.get("TargetKeyId")}),
    "AWS::Lambda::Function": _one("lambda", "DeleteFunction", lambda t: {"FunctionName": t.name}),
    "AWS::Logs::LogGroup": _one("logs", "DeleteLogGroup", lambda t: {"logGroupName": t.name}),
    "AWS::Events::Rule": _rule_delete,
    "AWS::CodeBuild::Project": _one("codebuild", "DeleteProject", lambda t: {"name": t.name}),
    "AWS::CodePipeline::Pipeline": _one("codepipeline", "DeletePipeline", lambda t: {"name": t.name}),
    "AWS::SageMaker::NotebookInstance": lambda t: [("sagemaker", "StopNotebookInstance", {"NotebookInstanceName": t.name}),
                                                   ("sagemaker", "DeleteNotebookInstance", {"NotebookInstanceName": t.name})],
    "AWS::SageMaker::ModelPackageGroup": _one("sagemaker", "DeleteModelPackageGroup", lambda t: {"ModelPackageGroupName": t.name}),
    "AWS::SageMaker::Model": _one("sagemaker", "DeleteModel", lambda t: {"ModelName": t.name}),
    "AWS::SageMaker::EndpointConfig": _one("sagemaker", "DeleteEndpointConfig", lambda t: {"EndpointConfigName": t.name}),
    "AWS::SageMaker::Endpoint": _one("sagemaker", "DeleteEndpoint", lambda t: {"EndpointName": t.name}),
    "AWS::CloudWatch::Alarm": _one("monitoring", "DeleteAlarms", lambda t: {"AlarmNames": [t.name]}),
    "AWS::SSM::Parameter": _one("ssm", "DeleteParameter", lambda t: {"Name": t.name}),
    "Custom::*": _one("lambda", "Invoke", lambda t: {"FunctionName": t.properties.get("ServiceToken")}),
}

#: Updates: the call that changes the resource in place (the others are replaced: create, then delete).
UPDATE: dict[str, Callable[[Target], list[Call]]] = {
    "AWS::IAM::Policy": lambda t: _attached(t, "Put"),
    "AWS::Lambda::Function": lambda t: [("lambda", "UpdateFunctionCode", {"FunctionName": t.name}),
                                        ("lambda", "UpdateFunctionConfiguration", {"FunctionName": t.name, "Role": t.properties.get("Role")})],
    "AWS::SageMaker::NotebookInstance": _one("sagemaker", "UpdateNotebookInstance", lambda t: {"NotebookInstanceName": t.name,
                                                                                               **_role_arn(t)}),
    "AWS::SageMaker::Endpoint": _one("sagemaker", "UpdateEndpoint", lambda t: {"EndpointName": t.name}),
    "AWS::CloudWatch::Alarm": _one("monitoring", "PutMetricAlarm", lambda t: {"AlarmName": t.name}),
    "AWS::SSM::Parameter": _one("ssm", "PutParameter", lambda t: {"Name": t.name}),
    "AWS::CodeBuild::Project": _one("codebuild", "UpdateProject", lambda t: {"name": t.name, "serviceRole": t.properties.get("ServiceRole")}),
    "AWS::CodePipeline::Pipeline": _one("codepipeline", "UpdatePipeline", lambda t: {
        "pipeline": {"name": t.name, "roleArn": t.properties.get("RoleArn")}}),
    "AWS::Events::Rule": lambda t: _rule(Target(t.type, t.properties, t.name)),
    "Custom::*": _one("lambda", "Invoke", lambda t: {"FunctionName": t.properties.get("ServiceToken")}),
}


def _role_arn(t: Target) -> dict[str, Any]:
    return {"RoleArn": t.properties["RoleArn"]} if t.properties.get("RoleArn") else {}


#: The property naming each covered resource (without it CloudFormation generates the name).
NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName", "AWS::IAM::Policy": "PolicyName", "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Group": "GroupName", "AWS::S3::Bucket": "BucketName", "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName", "AWS::Events::Rule": "Name", "AWS::CodeBuild::Project": "Name",
    "AWS::CodePipeline::Pipeline": "Name", "AWS::SageMaker::NotebookInstance": "NotebookInstanceName",
    "AWS::SageMaker::NotebookInstanceLifecycleConfig": "NotebookInstanceLifecycleConfigName",
    "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupName", "AWS::SageMaker::Model": "ModelName",
    "AWS::SageMaker::EndpointConfig": "EndpointConfigName", "AWS::SageMaker::Endpoint": "EndpointName",
    "AWS::CloudWatch::Alarm": "AlarmName", "AWS::SSM::Parameter": "Name", "AWS::EC2::SecurityGroup": "GroupName",
    "AWS::CloudTrail::Trail": "TrailName", "AWS::CodeCommit::Repository": "RepositoryName",
}

def _kind(resource_type: str) -> str:
    return "Custom::*" if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource" else resource_type


def covered(resource_type: str) -> bool:
    """Whether CloudFormation's calls for ``resource_type`` are known here."""
    return _kind(resource_type) in CREATE


def calls_for(operation: str, target: Target) -> list[Call] | None:
    """The calls CloudFormation makes to ``operation`` (create/update/delete) ``target``; ``None`` when not covered."""
    table = {"create": CREATE, "update": UPDATE, "delete": DELETE}[operation]
    entry = table.get(_kind(target.type))
    return entry(target) if entry else None
