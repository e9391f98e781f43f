"""Intent of the project templates: visible in Studio, shared with Studio roles, launched by the standard role, names scoped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from mlops_infra.synth import SynthesizedStack
from mlops_runtime.config import PlatformConfig

STUDIO_ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-1"
PREFIX = ["mlops-", {"Ref": "SageMakerProjectName"}]


@pytest.fixture(scope="module")
def project(synthesized: dict[str, SynthesizedStack]) -> Template:
    return _product(synthesized, units=False)


@pytest.fixture(scope="module")
def units_project(synthesized: dict[str, SynthesizedStack]) -> Template:
    return _product(synthesized, units=True)


def _product(synthesized: dict[str, SynthesizedStack], units: bool) -> Template:
    templates = [json.loads(p.read_text()) for p in Path(synthesized["mlops-tooling"].template_file).parent.glob("*.product.template.json")]
    [found] = [t for t in templates if ("StagingOrganizationalUnitId" in t["Parameters"]) == units]
    return Template.from_json(found)


def _named(suffix: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [*PREFIX, suffix]]}


def test_the_product_is_visible_in_studio_and_in_its_own_portfolio(tooling: Template) -> None:
    for name in ("mlops model build and deploy", "mlops model build and deploy to organizational units"):
        tooling.has_resource_properties("AWS::ServiceCatalog::CloudFormationProduct", {
            "Name": name, "Tags": Match.array_with([{"Key": "sagemaker:studio-visibility", "Value": "true"}])})
    tooling.has_resource_properties("AWS::ServiceCatalog::Portfolio", {"DisplayName": "mlops MLOps projects"})


def test_projects_launch_with_the_standard_role_created_only_when_missing(tooling: Template) -> None:
    constraints = [c for c in tooling.find_resources("AWS::ServiceCatalog::LaunchRoleConstraint").values()
                   if "Fn::If" in c["Properties"]["LocalRoleName"]]
    assert len(constraints) == 2  # one per project product
    for constraint in constraints:
        condition, created, existing = constraint["Properties"]["LocalRoleName"]["Fn::If"]
        assert existing == "AmazonSageMakerServiceCatalogProductsLaunchRole" and condition == "CreatesProjectLaunchRole"
    [(logical_id, role)] = tooling.find_resources("AWS::IAM::Role", {
        "Properties": {"RoleName": "AmazonSageMakerServiceCatalogProductsLaunchRole"}}).items()
    assert created == {"Ref": logical_id}
    assert role["Condition"] == "CreatesProjectLaunchRole" and role["Properties"]["Path"] == "/service-role/"
    assert tooling.to_json()["Parameters"]["CreateProjectLaunchRole"]["AllowedValues"] == ["true", "false"]


def test_the_launch_role_creates_only_platform_named_resources(tooling: Template) -> None:
    [role] = tooling.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "AmazonSageMakerServiceCatalogProductsLaunchRole"}}).values()
    statements = {s["Sid"]: s for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}
    assert statements["CreateProjectKeys"]["Resource"] == "*" and statements["CreateProjectKeys"]["Action"] == "kms:CreateKey"
    assert statements["ManageProjectKeys"]["Condition"] == {"StringEquals": {"aws:ResourceTag/project": "mlops"}}
    buckets = json.dumps(statements["ProjectBuckets"]["Resource"])
    assert ":s3:::mlops-*" in buckets
    # the template read is "*" only as tagged by Service Catalog for provisioning (its copy lives in its own bucket)
    assert statements["ProductTemplates"] == {
        "Sid": "ProductTemplates", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}}}
    for sid, statement in statements.items():
        if sid not in ("CreateProjectKeys", "ProductTemplates"):
            assert statement["Resource"] != "*", sid
    assert not any(a.endswith(":*") or a == "*" for s in statements.values() for a in _list(s["Action"]))


def test_studio_execution_roles_get_the_portfolio(tmp_path_factory: pytest.TempPathFactory) -> None:
    from mlops_infra.synth import synthesize

    config = PlatformConfig(studio_execution_role_arns=(STUDIO_ROLE,))
    tooling = Template.from_json(synthesize(config, tmp_path_factory.mktemp("cdk"))["mlops-tooling"].template)
    tooling.has_resource_properties("AWS::ServiceCatalog::PortfolioPrincipalAssociation",
                                    {"PrincipalARN": STUDIO_ROLE, "PrincipalType": "IAM"})


def test_a_studio_role_must_be_a_role_arn() -> None:
    with pytest.raises(ValueError, match="studio_execution_role_arns must be IAM role ARNs"):
        PlatformConfig(studio_execution_role_arns=("AmazonSageMaker-ExecutionRole",))


def test_the_template_takes_what_sagemaker_passes_and_the_two_target_accounts(project: Template) -> None:
    parameters = project.to_json()["Parameters"]
    assert {k: v["AllowedPattern"] for k, v in parameters.items()} == {
        "SageMakerProjectName": r"^[a-z][a-z0-9-]{1,9}$", "SageMakerProjectId": r"^p-[a-z0-9]{12}$",
        "StagingAccountId": r"^\d{12}$", "ProdAccountId": r"^\d{12}$"}


def test_every_name_is_scoped_to_the_platform_and_the_project(project: Template) -> None:
    project.has_resource_properties("AWS::SageMaker::ModelPackageGroup", {"ModelPackageGroupName": _named("-models")})
    project.has_resource_properties("AWS::CodePipeline::Pipeline", {"Name": _named("-modelbuild")})
    project.has_resource_properties("AWS::CodePipeline::Pipeline", {"Name": _named("-modeldeploy")})
    project.has_resource_properties("AWS::Events::Rule", {"Name": _named("-modeldeploy-on-approval")})
    stack_sets = [a["Configuration"]["StackSetName"] for p in project.find_resources("AWS::CodePipeline::Pipeline").values()
                  for s in p["Properties"]["Stages"] for a in s["Actions"] if a["ActionTypeId"]["Provider"] == "CloudFormationStackSet"]
    assert stack_sets == [_named("-staging"), _named("-prod")]


def test_the_deploy_uses_the_platform_roles_the_targets_trust(project: Template) -> None:
    actions = [a for p in project.find_resources("AWS::CodePipeline::Pipeline").values()
               for s in p["Properties"]["Stages"] for a in s["Actions"] if a["ActionTypeId"]["Provider"] == "CloudFormationStackSet"]
    assert {json.dumps(a["Configuration"]["AdministrationRoleArn"]) for a in actions} == {json.dumps(
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":role/mlops-stackset-administration"]]})}
    assert {a["Configuration"]["ExecutionRoleName"] for a in actions} == {"mlops-stackset-execution"}
    assert project.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-modeldeploy-verify"}}) == {}
    project.has_resource_properties("AWS::IAM::Policy", {"Roles": ["mlops-modeldeploy-verify"]})
    [verify] = [p for p in project.find_resources("AWS::CodeBuild::Project").values()
                if p["Properties"]["Name"] == _named("-modeldeploy-verify")]
    assert verify["Properties"]["ServiceRole"] == {"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":role/mlops-modeldeploy-verify"]]}


def test_project_resources_carry_the_sagemaker_project_tags(project: Template) -> None:
    project.has_resource_properties("AWS::CodePipeline::Pipeline", {"Name": _named("-modelbuild"), "Tags": Match.array_with([
        {"Key": "sagemaker:project-id", "Value": {"Ref": "SageMakerProjectId"}},
        {"Key": "sagemaker:project-name", "Value": {"Ref": "SageMakerProjectName"}}])})


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_template_seeds_both_sources_before_their_pipelines_exist(project: Template) -> None:
    """CodePipeline runs a pipeline when it creates it: that first execution builds the seed, and no push rule exists yet to
    start a second one for the copy."""
    [(logical_id, seed)] = project.find_resources("Custom::ProjectSeed").items()
    properties = seed["Properties"]
    assert properties["ServiceToken"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":lambda:", {"Ref": "AWS::Region"}, ":",
                                                             {"Ref": "AWS::AccountId"}, ":function:mlops-project-seed"]]}
    assert (properties["ModelBuildSourceKey"], properties["ModelDeploySourceKey"]) == ("modelbuild.zip", "modeldeploy.zip")
    resources = project.to_json()["Resources"]
    pipelines = [k for k, r in resources.items() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    assert len(pipelines) == 2 and all(logical_id in resources[p]["DependsOn"] for p in pipelines)
    for kind in ("ModelBuild", "ModelDeploy"):
        bucket = properties[f"{kind}SourceBucket"]["Ref"]
        assert resources[bucket]["Type"] == "AWS::S3::Bucket"
        [rule] = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"
                  and r["Properties"].get("EventPattern", {}).get("detail", {}).get("bucket") == {"name": [{"Ref": bucket}]}]
        [target] = rule["Properties"]["Targets"]
        assert target["Arn"]["Fn::Join"][1][-1]["Ref"] in pipelines, kind  # the rule follows its pipeline, so the seed
    [key] = project.find_resources("AWS::KMS::Key")
    assert key in seed["DependsOn"]
    assert logical_id == "Seed"


def test_the_project_key_admits_the_seeder_through_s3_only(project: Template) -> None:
    [key] = project.find_resources("AWS::KMS::Key").values()
    [statement] = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "SeedSources"]
    assert statement["Principal"] == {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"},
                                                                 ":role/mlops-project-seed"]]}}
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}}


def test_the_seeder_reads_its_seed_assets_and_writes_only_project_source_objects(tooling: Template) -> None:
    tooling.has_resource_properties("AWS::Lambda::Function", {
        "FunctionName": "mlops-project-seed", "Handler": "mlops_runtime.handlers.project_seed.handler",
        "Environment": {"Variables": Match.object_like({"SEED_BUCKET": Match.any_value(), "MODELBUILD_SEED_KEY": Match.string_like_regexp(r"^[0-9a-f]{64}\.zip$"),
                                                        "MODELDEPLOY_SEED_KEY": Match.string_like_regexp(r"^[0-9a-f]{64}\.zip$")})}})
    [role_id] = tooling.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-project-seed"}})
    [policy] = [p for p in tooling.find_resources("AWS::IAM::Policy").values() if p["Properties"].get("Roles") == [{"Ref": role_id}]]
    statements = {s.get("Sid", "logs"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    write = statements["WriteProjectSources"]
    assert write["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert [json.dumps(r) for r in write["Resource"]] == [json.dumps({"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, f":s3:::mlops-*-{kind}-source-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"},
        f"/{kind}.zip"]]}) for kind in ("modelbuild", "modeldeploy")]
    assert {s["Action"] for sid, s in statements.items() if sid.startswith("Read")} == {"s3:GetObject"}
    listing = statements["SeeProjectSources"]  # a missing source object is 404, not 403, only to a role that may list
    assert listing["Action"] == "s3:ListBucket"
    assert [json.dumps(r) for r in listing["Resource"]] == [json.dumps({"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, f":s3:::mlops-*-{kind}-source-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]})
        for kind in ("modelbuild", "modeldeploy")]


def _join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def test_the_units_template_takes_two_organizational_units(units_project: Template) -> None:
    parameters = units_project.to_json()["Parameters"]
    assert {k: v["AllowedPattern"] for k, v in parameters.items()} == {
        "SageMakerProjectName": r"^[a-z][a-z0-9-]{1,9}$", "SageMakerProjectId": r"^p-[a-z0-9]{12}$",
        "StagingOrganizationalUnitId": r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$", "ProdOrganizationalUnitId": r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$"}


def test_unit_stages_deploy_service_managed_stack_sets_without_auto_deployment(units_project: Template) -> None:
    actions = {a["Configuration"]["DeploymentTargets"]["Ref"]: a["Configuration"]
               for p in units_project.find_resources("AWS::CodePipeline::Pipeline").values()
               for s in p["Properties"]["Stages"] for a in s["Actions"] if a["ActionTypeId"]["Provider"] == "CloudFormationStackSet"}
    assert sorted(actions) == ["ProdOrganizationalUnitId", "StagingOrganizationalUnitId"]
    for config in actions.values():
        assert (config["PermissionModel"], config["OrganizationsAutoDeployment"]) == ("SERVICE_MANAGED", "Disabled")
        assert "AdministrationRoleArn" not in config and "ExecutionRoleName" not in config


def test_unit_stages_are_verified_in_every_member_account_of_their_unit(units_project: Template) -> None:
    policies = [p["Properties"]["PolicyDocument"]["Statement"] for p in units_project.find_resources("AWS::IAM::Policy").values()
                if p["Properties"].get("Roles") == ["mlops-modeldeploy-verify"]]
    statements = {s["Sid"]: s for document in policies for s in document if "Sid" in s}
    assume = statements["ProjectAssumeUnitVerifiers"]
    assert (assume["Action"], assume["Resource"]) == ("sts:AssumeRole", _join("arn:", {"Ref": "AWS::Partition"}, ":iam::*:role/mlops-deploy-verifier"))
    assert assume["Condition"] == {"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": [
        _join("o-*/r-*/", {"Ref": f"{stage}OrganizationalUnitId"}, "/*") if deep == "" else _join("o-*/r-*/*/", {"Ref": f"{stage}OrganizationalUnitId"}, "/*")
        for stage in ("Staging", "Prod") for deep in ("", "*/")]}}
    assert statements["ProjectListStageInstances"]["Action"] == "cloudformation:ListStackInstances"
    assert "ProjectAssumeTargetVerifiers" not in statements
    [verify] = [p for p in units_project.find_resources("AWS::CodeBuild::Project").values() if p["Properties"]["Name"] == _named("-modeldeploy-verify")]
    [command] = json.loads(verify["Properties"]["Source"]["BuildSpec"])["phases"]["build"]["commands"]
    assert '--stack-set "$STACK_SET_NAME" --verifier-role-name "$VERIFIER_ROLE_NAME"' in command


def test_only_the_stage_endpoint_role_in_a_member_account_of_the_unit_reads_models(units_project: Template) -> None:
    [statement] = [s for p in units_project.find_resources("AWS::S3::BucketPolicy").values()
                   for s in p["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "StagingEndpointReadsModels"]
    assert statement["Principal"] == {"AWS": "*"} and statement["Action"] == "s3:GetObject"
    assert statement["Condition"]["ArnLike"] == {"aws:PrincipalArn": _join(
        "arn:", {"Ref": "AWS::Partition"}, ":iam::*:role/mlops-", {"Ref": "SageMakerProjectName"}, "-staging-endpoint")}
    assert statement["Condition"]["ForAnyValue:StringLike"]["aws:PrincipalOrgPaths"][0] == _join(
        "o-*/r-*/", {"Ref": "StagingOrganizationalUnitId"}, "/*")


def test_the_launch_role_may_call_the_seeder(tooling: Template) -> None:
    [role] = tooling.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "AmazonSageMakerServiceCatalogProductsLaunchRole"}}).values()
    statements = {s["Sid"]: s for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}
    assert statements["SeedProjects"]["Action"] == "lambda:InvokeFunction"
    assert statements["SeedProjects"]["Resource"] == _join("arn:", {"Ref": "AWS::Partition"}, ":lambda:", {"Ref": "AWS::Region"}, ":",
                                                           {"Ref": "AWS::AccountId"}, ":function:mlops-project-seed")


def test_each_project_names_its_policy_on_the_shared_verify_role_after_itself(project: Template, units_project: Template) -> None:
    """Inline policy names are per role: a fixed name would let one project's stack replace (and delete) another's."""
    for template in (project, units_project):
        [policy] = [p for p in template.find_resources("AWS::IAM::Policy").values() if p["Properties"]["Roles"] == ["mlops-modeldeploy-verify"]]
        assert policy["Properties"]["PolicyName"] == _named("-verify")
