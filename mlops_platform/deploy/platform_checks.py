"""Will the deployed platform work for the people and services that use it? Checks that name exactly what is missing.

Each is something AWS refuses at use time and no deployment error reports: a launch path for the state machine that
provisions notebooks and for the caller who creates projects, and the account's API Gateway CloudWatch role the URL
APIs' access logs need, and — when the account's SageMaker project launch role existed before the platform — whether
that role allows what a project launch does; and, in the secure ML environment, whether each platform function can
reach every service its role lets it call (an endpoint in its VPC, or a NAT route), since a call with no route times
out. Before the first ``mlops deploy`` they report what the deployment will set.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from embedded_aws.iam.evaluator import evaluate
from embedded_aws.network.reach import function_reach, view_from_api
from embedded_aws.network.services import endpoint_service
from mlops_platform.deploy.account_checks import Check
from mlops_platform.deploy.cloudformation import describe_stack, outputs_of
from mlops_platform.deploy.platform import principal_arn
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.projects.names import LAUNCH_ROLE_NAME

TOOLING = "tooling"


def _principals(catalog: Any, portfolio_id: str) -> set[str]:
    pages = catalog.get_paginator("list_principals_for_portfolio").paginate(PortfolioId=portfolio_id)
    return {p["PrincipalARN"] for page in pages for p in page["Principals"]}


def _launch_path(catalog: Any, what: str, portfolio_id: str, principal: str, groups: frozenset[str] | set[str] = frozenset()) -> Check:
    principals = _principals(catalog, portfolio_id)
    if principal in principals or groups & principals:
        return Check(TOOLING, what, True, f"{principal} may launch from portfolio {portfolio_id}")
    return Check(TOOLING, what, False, f"{principal} has no launch path to portfolio {portfolio_id} (Service Catalog "
                                       "refuses with 'No launch paths found'): associate it, or redeploy as it (mlops deploy)")


def _console_launch_trail(cloudtrail: Any, region: str) -> Check:
    """EventBridge receives CloudTrail's ProvisionProduct events (console launches) only from a trail logging management
    write events in the region."""
    what = "trail for console launches"
    for trail in cloudtrail.describe_trails(includeShadowTrails=True)["trailList"]:
        if trail.get("HomeRegion") != region and not trail.get("IsMultiRegionTrail"):
            continue
        if not cloudtrail.get_trail_status(Name=trail["TrailARN"]).get("IsLogging"):
            continue
        selectors = cloudtrail.get_event_selectors(TrailName=trail["TrailARN"])
        if _logs_management_writes(selectors):
            return Check(TOOLING, what, True, f"{trail['Name']} logs management write events in {region}")
    return Check(TOOLING, what, False, f"no trail logs management write events in {region}: notebooks launched from the Service "
                                       "Catalog console are never adopted (no URL); deploy with management_trail or start one")


def _logs_management_writes(selectors: dict[str, Any]) -> bool:
    advanced = selectors.get("AdvancedEventSelectors") or []
    if advanced:
        return any(any(f["Field"] == "eventCategory" and "Management" in f.get("Equals", []) for f in a["FieldSelectors"])
                   and not any(f["Field"] == "readOnly" and "true" in f.get("Equals", []) for f in a["FieldSelectors"])
                   for a in advanced)
    basic = selectors.get("EventSelectors") or []
    return not basic or any(b.get("IncludeManagementEvents", True) and b.get("ReadWriteType", "All") in ("All", "WriteOnly")
                            for b in basic)


def _api_gateway_role(apigateway: Any, iam: Any) -> Check:
    what = "API Gateway CloudWatch role"
    role_arn = apigateway.get_account().get("cloudwatchRoleArn")
    if not role_arn:
        return Check(TOOLING, what, False, "the account has no API Gateway CloudWatch role: stages with access logs cannot be "
                                           "created (mlops deploy sets one)")
    try:
        role = iam.get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]
    except iam.exceptions.NoSuchEntityException:
        return Check(TOOLING, what, False, f"the account's API Gateway CloudWatch role {role_arn} no longer exists: redeploy (mlops deploy)")
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(urllib.parse.unquote(trust))
    if "apigateway.amazonaws.com" not in json.dumps(trust):
        return Check(TOOLING, what, False, f"{role_arn} does not trust apigateway.amazonaws.com")
    return Check(TOOLING, what, True, f"{role_arn}")


def _documents(iam: Any, role_name: str) -> list[dict[str, Any]]:
    """The role's inline and attached managed policy documents."""
    def parsed(document: Any) -> dict[str, Any]:
        return document if isinstance(document, dict) else json.loads(urllib.parse.unquote(document))

    documents = [parsed(iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"])
                 for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]]
    for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
        version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
        documents.append(parsed(iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]))
    return documents


def project_launch_needs(project: str, account: str, region: str) -> list[tuple[str, str]]:
    """(action, resource) pairs a project launch asks of the launch role: the project's roles, builds and pipelines."""
    named = f"{project}-*"
    return [("iam:CreateRole", f"arn:aws:iam::{account}:role/{named}"),
            ("iam:PutRolePolicy", f"arn:aws:iam::{account}:role/{named}"),
            ("iam:PassRole", f"arn:aws:iam::{account}:role/{named}"),
            ("codebuild:CreateProject", f"arn:aws:codebuild:{region}:{account}:project/{named}"),
            ("codepipeline:CreatePipeline", f"arn:aws:codepipeline:{region}:{account}:{named}"),
            ("s3:CreateBucket", f"arn:aws:s3:::{named}"),
            ("sagemaker:CreateModelPackageGroup", f"arn:aws:sagemaker:{region}:{account}:model-package-group/{named}"),
            ("kms:CreateAlias", f"arn:aws:kms:{region}:{account}:alias/{named}"),
            ("cloudformation:CreateStack", f"arn:aws:cloudformation:{region}:{account}:stack/SC-{account}-pp-*/*")]


def _project_launch_role(iam: Any, stack: dict[str, Any], config: PlatformConfig, account: str, region: str) -> Check:
    """A launch role the platform did not create (SageMaker's own) must still allow what a project launch does."""
    what = "project launch role"
    created = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}.get("CreateProjectLaunchRole")
    if created != "false":
        return Check(TOOLING, what, True, f"{LAUNCH_ROLE_NAME} is the platform's own")
    policies = _documents(iam, LAUNCH_ROLE_NAME)
    missing = [action for action, resource in project_launch_needs(config.project, account, region)
               if not evaluate(policies, action, resource).allowed]
    if missing:
        return Check(TOOLING, what, False, f"the existing {LAUNCH_ROLE_NAME} (not the platform's) may not {', '.join(missing)} "
                                           f"on {config.project}-* resources: project launches would fail; grant these or "
                                           "delete the role and redeploy so that the platform creates its own")
    return Check(TOOLING, what, True, f"the existing {LAUNCH_ROLE_NAME} allows what a project launch does")


#: Actions in a function's role that the Lambda service performs for it (network interfaces, its logs, traces).
_SERVICE_SIDE = frozenset({"ec2", "logs", "xray"})
#: Permissions that authorize no call of their own (checked when the function hands a role to a service).
_PERMISSION_ONLY = frozenset({"iam:PassRole"})


def called_services(documents: list[dict[str, Any]]) -> set[str]:
    """The endpoint services a role's allowed actions go to (``sagemaker:InvokeEndpoint`` → ``sagemaker.runtime``)."""
    services = set()
    for document in documents:
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement.get("Action", [])
            for action in actions if isinstance(actions, list) else [actions]:
                prefix, _, name = str(action).partition(":")
                if prefix in _SERVICE_SIDE or prefix == "*" or action in _PERMISSION_ONLY:
                    continue
                services.add("sagemaker.runtime" if prefix == "sagemaker" and name.startswith("InvokeEndpoint")
                             else endpoint_service(prefix, ""))
    return services


def _network_reach(client: Callable[[str, str], Any], iam: Any, project: str, account: str, region: str) -> list[Check]:
    """Each platform function in a VPC reaches every service its role lets it call."""
    checks, ec2 = [], client("ec2", TOOLING)
    pages = client("lambda", TOOLING).get_paginator("list_functions").paginate()
    for function in (f for page in pages for f in page["Functions"] if f["FunctionName"].startswith(f"{project}-")):
        placed = function.get("VpcConfig") or {}
        if not placed.get("SubnetIds"):
            continue
        name, vpc_id = function["FunctionName"], placed.get("VpcId") or ec2.describe_subnets(
            SubnetIds=placed["SubnetIds"][:1])["Subnets"][0]["VpcId"]
        reach = function_reach(view_from_api(ec2, vpc_id), account, region, placed["SubnetIds"], placed.get("SecurityGroupIds", []))
        needed = called_services(_documents(iam, function["Role"].rsplit("/", 1)[-1]))
        missing = sorted(needed - set(reach.endpoints)) if not reach.internet else []
        what = f"network reach of {name}"
        if missing:
            checks.append(Check(TOOLING, what, False, f"{name} may call {', '.join(missing)} but its subnets in {vpc_id} have no "
                                                      "endpoint for them that admits its security groups, and no NAT route: "
                                                      "those calls time out"))
        else:
            how = "a NAT route" if reach.internet else "the VPC's endpoints"
            checks.append(Check(TOOLING, what, True, f"reaches {', '.join(sorted(needed)) or 'nothing it needs'} through {how}"))
    return checks


def needed_service_linked_roles(config: PlatformConfig) -> list[tuple[str, str, str]]:
    """(service, role name, what needs it) for the service-linked roles AWS creates when the configuration is deployed."""
    if not config.studio_domain:
        return []
    return [("sagemaker.amazonaws.com", "AWSServiceRoleForAmazonSageMakerNotebooks", "the Studio domain"),
            ("elasticfilesystem.amazonaws.com", "AWSServiceRoleForAmazonElasticFileSystem", "the Studio domain's home volume")]


def _service_linked_roles(iam: Any, caller: str, account: str, config: PlatformConfig) -> list[Check]:
    """Each role exists, or the deployer may create it (AWS creates it at first use, as the caller)."""
    checks = []
    for service, name, user in needed_service_linked_roles(config):
        what = f"service-linked role {name}"
        if iam.list_roles(PathPrefix=f"/aws-service-role/{service}/")["Roles"]:  # the service names it; its path is fixed
            checks.append(Check(TOOLING, what, True, "exists"))
            continue
        arn = f"arn:aws:iam::{account}:role/aws-service-role/{service}/{name}"
        try:
            [result] = iam.simulate_principal_policy(PolicySourceArn=caller, ActionNames=["iam:CreateServiceLinkedRole"], ResourceArns=[arn],
                                                     ContextEntries=[{"ContextKeyName": "iam:AWSServiceName", "ContextKeyValues": [service],
                                                                      "ContextKeyType": "string"}])["EvaluationResults"]
        except ClientError as exc:
            checks.append(Check(TOOLING, what, False, f"missing, and whether you may create it is unknown ({exc.response['Error']['Code']}): "
                                                      f"{user} needs it"))
            continue
        if result["EvalDecision"] == "allowed":
            checks.append(Check(TOOLING, what, True, f"missing; AWS creates it for {user} (you may iam:CreateServiceLinkedRole)"))
        else:
            checks.append(Check(TOOLING, what, False, f"missing, and you may not iam:CreateServiceLinkedRole for {service}: "
                                                      f"deploying {user} would fail; have an administrator create it"))
    return checks


def check_platform(client: Callable[[str, str], Any], config: PlatformConfig) -> list[Check]:
    """The tooling account's checks: service-linked roles the deployment needs, launch paths (once deployed), the API
    Gateway CloudWatch role and the trail console launches need."""
    iam, sts = client("iam", TOOLING), client("sts", TOOLING)
    caller = principal_arn(sts, iam)
    linked = _service_linked_roles(iam, caller, str(sts.get_caller_identity()["Account"]), config) if caller else []
    stack = describe_stack(client("cloudformation", TOOLING), config.tooling_stack_name)
    if stack is None:
        return [Check(TOOLING, "platform deployed", False, f"{config.tooling_stack_name} is not deployed: run mlops deploy "
                                                            "(it sets the launch paths and the API Gateway role checked here)"), *linked]
    outputs = ToolingOutputs.from_stack_outputs(outputs_of(stack))
    catalog = client("servicecatalog", TOOLING)
    machine_role = client("stepfunctions", TOOLING).describe_state_machine(
        stateMachineArn=outputs.notebook_provisioning_state_machine_arn)["roleArn"]
    groups: set[str] = set()
    if ":user/" in caller:
        groups = {g["Arn"] for g in iam.list_groups_for_user(UserName=caller.rsplit("/", 1)[-1])["Groups"]}
    account, region = str(stack["StackId"]).split(":")[4], str(stack["StackId"]).split(":")[3]
    return [
        Check(TOOLING, "platform deployed", True, config.tooling_stack_name),
        _launch_path(catalog, "notebook provisioning launch path", outputs.notebook_portfolio_id, machine_role),
        _launch_path(catalog, "project launch path (you)", outputs.project_portfolio_id, caller, groups),
        _api_gateway_role(client("apigateway", TOOLING), iam),
        _console_launch_trail(client("cloudtrail", TOOLING), region),
        _project_launch_role(iam, stack, config, account, region),
        *_network_reach(client, iam, config.project, account, region),
        *linked,
    ]
