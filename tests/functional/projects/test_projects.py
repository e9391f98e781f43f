"""Projects from the platform's template on the embedded AWS: create (both pipelines, seeded sources), list, delete everything."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner

from embedded_aws import EmbeddedAws
from embedded_aws.accounts import ACCESS_ROLE_NAME
from mlops_platform.cli.main import cli
from mlops_platform.local.state import LocalState
from mlops_platform.projects.service import ProjectClients, create_project, delete_project, describe_project, list_projects
from mlops_runtime.config import PlatformConfig
from mlops_runtime.errors import ConfigError
from support import Platform, deployed_platform, wait_for, wait_for_stackset_operation

CONFIG = PlatformConfig(retain_data=False)
#: A stand-in for the endpoint template: what the platform's stack set execution role may create (a project's alarm).
ENDPOINT_TEMPLATE = {"Parameters": {"Name": {"Type": "String"}}, "Resources": {"Alarm": {
    "Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": {"Ref": "Name"}, "Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors", "Statistic": "Sum",
        "Period": 60, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold"}}}}


@pytest.fixture(scope="module")
def platform(embedded_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> Platform:
    return deployed_platform(embedded_server, tmp_path_factory.mktemp("cdk"), CONFIG)


@pytest.fixture
def clients(platform: Platform) -> ProjectClients:
    return ProjectClients.of(platform.aws.client)


@pytest.fixture(scope="module")
def state_dir(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> str:
    from mlops_platform.local.state import save_state

    directory = tmp_path_factory.mktemp("state")
    save_state(directory, LocalState.from_dict(platform.aws.describe()))
    return str(directory)


def _cli(state_dir: str, *args: str) -> Any:
    return CliRunner().invoke(cli, [*args, "--state-dir", state_dir, "--output", "json"])


def test_the_platform_creates_the_standard_launch_role_and_shares_the_template(platform: Platform) -> None:
    role = platform.client("iam").get_role(RoleName="AmazonSageMakerServiceCatalogProductsLaunchRole")["Role"]
    assert role["Path"] == "/service-role/"
    product = platform.client("servicecatalog").describe_product_as_admin(Id=platform.outputs["ProjectProductId"])
    assert {"Key": "sagemaker:studio-visibility", "Value": "true"} in product["Tags"]


def test_create_launches_both_pipelines_and_seeds_their_sources(platform: Platform, clients: ProjectClients) -> None:
    steps: list[str] = []
    project = create_project(clients, platform.outputs["ProjectProductId"], "churn", "222222222222", "333333333333",
                             tags={"team": "ds"}, progress=steps.append, sleep=lambda _: None)
    assert project.status == "CreateCompleted" and project.id.startswith("p-")
    outputs = project.outputs
    assert (outputs["ModelBuildPipelineName"], outputs["ModelDeployPipelineName"]) == ("mlops-churn-modelbuild", "mlops-churn-modeldeploy")
    pipeline = platform.client("codepipeline")
    stages = {name: [s["name"] for s in pipeline.get_pipeline(name=name)["pipeline"]["stages"]]
              for name in (outputs["ModelBuildPipelineName"], outputs["ModelDeployPipelineName"])}
    assert stages == {"mlops-churn-modelbuild": ["Source", "Build"],
                      "mlops-churn-modeldeploy": ["Source", "Build", "Staging", "ApproveProd", "Prod"]}
    assert platform.client("sagemaker").describe_model_package_group(ModelPackageGroupName="mlops-churn-models")
    _assert_seeded(platform, outputs)
    assert steps == ["project churn: launching the template",
                     f"project churn: ModelBuild seed code in s3://{outputs['ModelBuildSourceBucketName']}/modelbuild.zip "
                     "(its pipeline's first execution builds it)",
                     f"project churn: ModelDeploy seed code in s3://{outputs['ModelDeploySourceBucketName']}/modeldeploy.zip "
                     "(its pipeline's first execution builds it)"]
    [listed] = list_projects(clients, [platform.outputs["ProjectProductId"]])
    assert (listed.name, listed.id, listed.status) == ("churn", project.id, "CreateCompleted")


def test_the_s3_stored_template_option_creates_a_seeded_project_the_cli_can_delete(platform: Platform, clients: ProjectClients) -> None:
    """CreateProject(TemplateProviders=...) with the template the platform published, run as the standard launch role."""
    sm = platform.client("sagemaker")
    role = platform.client("iam").get_role(RoleName="AmazonSageMakerServiceCatalogProductsLaunchRole")["Role"]["Arn"]
    sm.create_project(ProjectName="s3tpl", TemplateProviders=[{"CfnTemplateProvider": {
        "TemplateName": "build-deploy", "TemplateURL": platform.outputs["ProjectTemplateUrl"], "RoleARN": role,
        "Parameters": [{"Key": "StagingAccountId", "Value": "222222222222"}, {"Key": "ProdAccountId", "Value": "333333333333"}]}}])
    project = wait_for(lambda: (p := describe_project(clients, "s3tpl")).status == "CreateCompleted" and p, timeout=120)
    assert project.outputs["ModelPackageGroupName"] == "mlops-s3tpl-models" and project.stack_id
    _assert_seeded(platform, project.outputs)
    delete_project(clients, "s3tpl", sleep=lambda _: None)
    assert [p["ProjectName"] for p in sm.list_projects()["ProjectSummaryList"]] == ["churn"]


def test_bad_input_is_refused_before_anything_is_created(platform: Platform, clients: ProjectClients) -> None:
    with pytest.raises(ConfigError, match="project name must be 2-10 lowercase"):
        create_project(clients, platform.outputs["ProjectProductId"], "Churn_Model", "222222222222", "333333333333", {})
    with pytest.raises(ConfigError, match=r"staging must be a 12-digit account id or an organizational unit id \(ou-...\), got '2222'"):
        create_project(clients, platform.outputs["ProjectProductId"], "fraud", "2222", "333333333333", {})
    with pytest.raises(ConfigError, match="staging and prod must both be accounts or both organizational units"):
        create_project(clients, platform.outputs["ProjectProductId"], "fraud", "ou-ab12-cd34ef56", "333333333333", {})
    assert [p["ProjectName"] for p in platform.client("sagemaker").list_projects()["ProjectSummaryList"]] == ["churn"]


def test_delete_removes_stack_sets_models_buckets_and_the_project(platform: Platform, clients: ProjectClients, state_dir: str) -> None:
    project = describe_project(clients, "churn")
    _deployed_stage_stack_sets(platform, project.outputs)
    sm = platform.client("sagemaker")
    sm.create_model_package(ModelPackageGroupName="mlops-churn-models", ModelApprovalStatus="Approved", InferenceSpecification={
        "Containers": [{"Image": "img:1"}], "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})
    buckets = [r["PhysicalResourceId"] for r in platform.client("cloudformation").list_stack_resources(
        StackName=project.stack_id)["StackResourceSummaries"] if r["ResourceType"] == "AWS::S3::Bucket"]
    assert len(buckets) == 4

    result = _cli(state_dir, "project", "delete", "churn")
    assert result.exit_code == 2 and "pass --yes" in result.stderr
    result = _cli(state_dir, "project", "delete", "churn", "--yes")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "Deleted"

    assert sm.list_projects()["ProjectSummaryList"] == []
    cfn = platform.client("cloudformation")
    assert [s["StackSetName"] for s in cfn.list_stack_sets(Status="ACTIVE")["Summaries"]] == []
    for account in ("staging", "prod"):
        live = [s["StackName"] for s in platform.aws.client("cloudformation", account).list_stacks()["StackSummaries"]
                if s["StackStatus"] != "DELETE_COMPLETE" and s["StackName"].startswith("StackSet-")]
        assert live == [], account
    s3_names = {b["Name"] for b in platform.client("s3").list_buckets()["Buckets"]}
    assert not set(buckets) & s3_names
    with pytest.raises(ClientError):
        sm.describe_model_package_group(ModelPackageGroupName="mlops-churn-models")
    assert [p["name"] for p in platform.client("codepipeline").list_pipelines()["pipelines"] if p["name"].startswith("mlops-churn")] == []


def test_cli_create_list_and_unknown_delete(state_dir: str) -> None:
    created = _cli(state_dir, "project", "create", "fraud")
    assert created.exit_code == 0, created.stderr
    body = json.loads(created.stdout)
    assert body["status"] == "CreateCompleted" and body["outputs"]["ModelPackageGroupName"] == "mlops-fraud-models"
    listed = _cli(state_dir, "project", "list")
    assert [(p["name"], p["status"]) for p in json.loads(listed.stdout)] == [("fraud", "CreateCompleted")]
    missing = _cli(state_dir, "project", "delete", "nosuch", "--yes")
    assert (missing.exit_code, missing.stderr) == (2, "error: no project named 'nosuch'\n")
    no_git = _cli(state_dir, "project", "clone", "fraud")
    assert (no_git.exit_code, no_git.stderr) == (2, "error: project fraud has no modelbuild Git repository (its sources are S3 buckets: "
                                                    "the platform was deployed without --repository-source codecommit)\n")
    assert _cli(state_dir, "project", "delete", "fraud", "--yes").exit_code == 0


def _assert_seeded(platform: Platform, outputs: dict[str, str]) -> None:
    """Both sources hold their seed repository, and each pipeline's one execution — CodePipeline's at its creation — read it."""
    s3, pipeline = platform.client("s3"), platform.client("codepipeline")
    for kind, marker in (("ModelBuild", "pipelines/modelbuild/pipeline.py"), ("ModelDeploy", "endpoint-config-template.yml")):
        seed = s3.get_object(Bucket=outputs[f"{kind}SourceBucketName"], Key=outputs[f"{kind}SourceKey"])
        names = zipfile.ZipFile(io.BytesIO(seed["Body"].read())).namelist()
        assert "buildspec.yml" in names and marker in names, kind
        assert not [n for n in names if "__pycache__" in n], kind
        name = outputs[f"{kind}PipelineName"]
        source = wait_for(lambda name=name: (found := _source_state(pipeline, name)).get("status") in ("Succeeded", "Failed") and found)
        assert (source["status"], source["externalExecutionId"]) == ("Succeeded", seed["VersionId"]), kind
        [first] = pipeline.list_pipeline_executions(pipelineName=name)["pipelineExecutionSummaries"]  # the copy started no second one
        assert first["trigger"]["triggerType"] == "CreatePipeline", kind


def _source_state(codepipeline: Any, name: str) -> dict[str, Any]:
    stages = codepipeline.get_pipeline_state(name=name)["stageStates"]
    return dict(stages[0]["actionStates"][0].get("latestExecution", {}))


def test_a_project_created_as_studio_does_gets_seeded_sources_and_running_pipelines(platform: Platform, clients: ProjectClients) -> None:
    """Studio calls CreateProject and nothing else: the template seeds the repositories itself."""
    sm = platform.client("sagemaker")
    sm.create_project(ProjectName="studio", ServiceCatalogProvisioningDetails={
        "ProductId": platform.outputs["ProjectProductId"], "ProvisioningParameters": [
            {"Key": "StagingAccountId", "Value": "222222222222"}, {"Key": "ProdAccountId", "Value": "333333333333"}]})
    project = wait_for(lambda: (p := describe_project(clients, "studio")).status == "CreateCompleted" and p, timeout=120)
    _assert_seeded(platform, project.outputs)
    delete_project(clients, "studio", sleep=lambda _: None)


def _deployed_stage_stack_sets(platform: Platform, outputs: dict[str, str]) -> None:
    """What the deploy pipeline leaves: one stack set per stage with an instance in its account."""
    cfn = platform.client("cloudformation")
    for key, account in (("StagingStackSetName", "222222222222"), ("ProdStackSetName", "333333333333")):
        name = outputs[key]
        cfn.create_stack_set(StackSetName=name, TemplateBody=json.dumps(ENDPOINT_TEMPLATE),
                             Parameters=[{"ParameterKey": "Name", "ParameterValue": f"{name}-errors"}],
                             AdministrationRoleARN=platform.outputs["StackSetAdministrationRoleArn"],
                             ExecutionRoleName=CONFIG.stackset_execution_role_name)
        operation = cfn.create_stack_instances(StackSetName=name, Accounts=[account], Regions=["us-east-1"])["OperationId"]
        assert wait_for_stackset_operation(cfn, name, operation)["Status"] == "SUCCEEDED"


def test_destroy_removes_projects_then_the_platform_leaving_nothing_in_any_account(platform: Platform, clients: ProjectClients) -> None:
    from mlops_platform.accounts import ACCOUNT_NAMES
    from mlops_platform.deploy.cleanup import leftovers
    from mlops_platform.deploy.platform import destroy_platform

    project = create_project(clients, platform.outputs["ProjectProductId"], "gone", "222222222222", "333333333333", {})
    _deployed_stage_stack_sets(platform, project.outputs)
    steps: list[str] = []
    destroy_platform(platform.accounts, CONFIG, steps.append)
    assert "project gone: deleting its stack" in steps
    assert platform.client("sagemaker").list_projects()["ProjectSummaryList"] == []
    for account in ACCOUNT_NAMES:
        aws = platform.aws
        live = [s["StackName"] for s in aws.client("cloudformation", account).list_stacks()["StackSummaries"]
                if s["StackStatus"] != "DELETE_COMPLETE"]
        assert live == [], account
        assert aws.client("s3", account).list_buckets()["Buckets"] == [], account
        assert aws.client("cloudformation", account).list_stack_sets(Status="ACTIVE")["Summaries"] == [], account
        roles = [r["RoleName"] for r in aws.client("iam", account).list_roles()["Roles"]]
        assert roles == ([] if account == "tooling" else [ACCESS_ROLE_NAME]), account  # the embedded AWS's bootstrap role only
    assert platform.client("codepipeline").list_pipelines()["pipelines"] == []
    assert platform.client("servicecatalog").list_portfolios()["PortfolioDetails"] == []
    assert leftovers(platform.accounts, "mlops", ACCOUNT_NAMES) == []
