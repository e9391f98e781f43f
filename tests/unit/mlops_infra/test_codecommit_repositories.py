"""``repository_source="codecommit"``: the platform's and every project's model-build and model-deploy repositories are
CodeCommit repositories whose push to the branch starts their pipeline; projects' are created holding the seed code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from mlops_infra.synth import SynthesizedStack, synthesize
from mlops_runtime.config import PlatformConfig

KINDS = (("ModelBuild", "modelbuild"), ("ModelDeploy", "modeldeploy"))
PREFIX = ["mlops-", {"Ref": "SageMakerProjectName"}]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    return synthesize(PlatformConfig(repository_source="codecommit", modelbuild_branch="release"), tmp_path_factory.mktemp("cdk-codecommit"))


@pytest.fixture(scope="module")
def tooling(synthesized: dict[str, SynthesizedStack]) -> Template:
    return Template.from_json(synthesized["mlops-tooling"].template)


@pytest.fixture(scope="module")
def project(synthesized: dict[str, SynthesizedStack]) -> Template:
    templates = [json.loads(p.read_text()) for p in Path(synthesized["mlops-tooling"].template_file).parent.glob("*.product.template.json")]
    [found] = [t for t in templates if "StagingAccountId" in t["Parameters"]]
    return Template.from_json(found)


def _source_action(template: Template, repository_id: str) -> dict[str, Any]:
    for pipeline in template.find_resources("AWS::CodePipeline::Pipeline").values():
        [source] = pipeline["Properties"]["Stages"][0]["Actions"]
        if source["Configuration"].get("RepositoryName") == {"Fn::GetAtt": [repository_id, "Name"]}:
            return dict(source)
    raise AssertionError(f"no pipeline reads {repository_id}")


def _push_rule(template: Template, repository_id: str) -> dict[str, Any]:
    [rule] = [r for r in template.find_resources("AWS::Events::Rule").values()
              if r["Properties"].get("EventPattern", {}).get("resources") == [{"Fn::GetAtt": [repository_id, "Arn"]}]]
    return dict(rule["Properties"])


@pytest.mark.parametrize(("kind", "suffix"), KINDS)
def test_the_platforms_repositories_start_their_pipeline_on_a_push_to_the_branch(tooling: Template, kind: str, suffix: str) -> None:
    [repository_id] = tooling.find_resources("AWS::CodeCommit::Repository", {"Properties": {"RepositoryName": f"mlops-{suffix}"}})
    source = _source_action(tooling, repository_id)
    assert source["ActionTypeId"]["Provider"] == "CodeCommit"
    assert source["Configuration"] == {"RepositoryName": {"Fn::GetAtt": [repository_id, "Name"]}, "BranchName": "release",
                                       "PollForSourceChanges": False}
    rule = _push_rule(tooling, repository_id)
    assert rule["Name"] == f"mlops-{suffix}-on-push"
    assert rule["EventPattern"]["detail-type"] == ["CodeCommit Repository State Change"]
    assert rule["EventPattern"]["detail"] == {"event": ["referenceCreated", "referenceUpdated"], "referenceName": ["release"]}
    outputs = tooling.to_json()["Outputs"]
    assert outputs[f"{kind}RepositoryCloneUrl"]["Value"] == {"Fn::GetAtt": [repository_id, "CloneUrlHttp"]}
    assert outputs[f"{kind}RepositoryName"]["Value"] == {"Fn::GetAtt": [repository_id, "Name"]}
    assert f"{kind}SourceBucketName" not in outputs
    assert not [b for b in tooling.find_resources("AWS::S3::Bucket").values()
                if f"{suffix}-source" in json.dumps(b["Properties"].get("BucketName", ""))]


def test_the_platform_names_the_branch_its_pipelines_build(tooling: Template) -> None:
    assert tooling.to_json()["Outputs"]["RepositoryBranch"]["Value"] == "release"


def test_without_s3_sources_there_is_no_seeding_function(tooling: Template) -> None:
    assert tooling.find_resources("AWS::Lambda::Function", {"Properties": {"FunctionName": "mlops-project-seed"}}) == {}


@pytest.mark.parametrize(("kind", "suffix"), KINDS)
def test_a_projects_repositories_are_created_holding_the_seed_code(project: Template, tooling: Template, kind: str,
                                                                    suffix: str) -> None:
    [(repository_id, repository)] = [(k, r) for k, r in project.find_resources("AWS::CodeCommit::Repository").items()
                                     if r["Properties"]["RepositoryName"] == {"Fn::Join": ["", [*PREFIX, f"-{suffix}"]]}]
    code = repository["Properties"]["Code"]
    assert code["BranchName"] == "release"
    assert code["S3"]["Bucket"] == {"Fn::Sub": "mlops-cdk-assets-${AWS::AccountId}-${AWS::Region}"}
    seeds = [json.dumps(s) for s in _launch_role_statements(tooling)["ReadSeedCode"]["Resource"]]
    assert json.dumps({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", code["S3"]["Bucket"], f"/{code['S3']['Key']}"]]}) in seeds
    assert _push_rule(project, repository_id)["Name"] == {"Fn::Join": ["", [*PREFIX, f"-{suffix}-on-push"]]}
    assert _source_action(project, repository_id)["Configuration"]["BranchName"] == "release"
    outputs = project.to_json()["Outputs"]
    assert outputs[f"{kind}RepositoryCloneUrl"]["Value"] == {"Fn::GetAtt": [repository_id, "CloneUrlHttp"]}
    assert f"{kind}SourceBucketName" not in outputs
    assert project.find_resources("Custom::ProjectSeed") == {}


def _launch_role_statements(tooling: Template) -> dict[str, dict[str, Any]]:
    [role] = tooling.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "AmazonSageMakerServiceCatalogProductsLaunchRole"}}).values()
    [policy] = role["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def test_the_launch_role_manages_only_platform_named_repositories_and_reads_only_the_two_seeds(tooling: Template) -> None:
    statements = _launch_role_statements(tooling)
    repositories = statements["ProjectRepositories"]
    assert repositories["Resource"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":codecommit:", {"Ref": "AWS::Region"}, ":",
                                                          {"Ref": "AWS::AccountId"}, ":mlops-*"]]}
    assert not [a for a in repositories["Action"] if not a.startswith("codecommit:") or a.endswith("*") or "GitPush" in a]
    read = statements["ReadSeedCode"]
    assert read["Action"] == "s3:GetObject" and len(read["Resource"]) == 2
    assert "SeedProjects" not in statements  # no seeding function to call
