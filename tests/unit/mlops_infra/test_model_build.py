"""Intent of the model-build CI: push → source → CodeBuild (run-pipeline) with KMS artifacts; least-privilege roles."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from mlops_infra.synth import synthesize
from mlops_runtime.config import PlatformConfig


def _model_build_pipeline(template: Template) -> dict:
    [pipeline] = template.find_resources("AWS::CodePipeline::Pipeline", {"Properties": {"Name": "mlops-modelbuild"}}).values()
    return pipeline


def _stage_actions(template: Template) -> dict[str, list[dict]]:
    pipeline = _model_build_pipeline(template)
    return {s["Name"]: s["Actions"] for s in pipeline["Properties"]["Stages"]}


def test_push_of_the_source_object_starts_the_pipeline(tooling: Template) -> None:
    tooling.has_resource_properties("AWS::S3::Bucket", {
        "BucketName": {"Fn::Join": ["", ["mlops-modelbuild-source-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]},
        "VersioningConfiguration": {"Status": "Enabled"},
        "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"BucketKeyEnabled": True, "ServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}}]},
    })
    [rule] = tooling.find_resources("AWS::Events::Rule", {"Properties": {"Name": "mlops-modelbuild-on-push"}}).values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["object"] == {"key": ["modelbuild.zip"]}
    [target] = rule["Properties"]["Targets"]
    assert "codepipeline" in json.dumps(target["Arn"]) and target["RoleArn"]
    [source] = _stage_actions(tooling)["Source"]
    assert source["ActionTypeId"]["Provider"] == "S3"
    assert source["Configuration"]["S3ObjectKey"] == "modelbuild.zip" and source["Configuration"]["PollForSourceChanges"] is False


def test_build_runs_the_buildspec_with_the_pipeline_settings(tooling: Template) -> None:
    [build] = _stage_actions(tooling)["Build"]
    assert build["ActionTypeId"]["Provider"] == "CodeBuild"
    [project] = tooling.find_resources("AWS::CodeBuild::Project", {"Properties": {"Name": "mlops-modelbuild"}}).values()
    properties = project["Properties"]
    assert properties["Source"] == {"BuildSpec": "buildspec.yml", "Type": "CODEPIPELINE"}
    assert properties["EncryptionKey"] and properties["Environment"]["PrivilegedMode"] is False
    variables = {v["Name"]: v["Value"] for v in properties["Environment"]["EnvironmentVariables"]}
    assert variables["SAGEMAKER_PIPELINE_NAME"] == "mlops-model-build"
    assert variables["MODEL_PACKAGE_GROUP_NAME"] == "mlops-models"
    assert set(variables) == {"SAGEMAKER_PIPELINE_NAME", "SAGEMAKER_PIPELINE_ROLE_ARN", "MODEL_PACKAGE_GROUP_NAME",
                              "ARTIFACT_BUCKET", "ARTIFACT_KMS_KEY", "SAGEMAKER_PROJECT_NAME"}


def test_pipeline_artifacts_are_kms_encrypted(tooling: Template) -> None:
    pipeline = _model_build_pipeline(tooling)
    store = pipeline["Properties"]["ArtifactStore"]
    assert store["Type"] == "S3" and store["EncryptionKey"]["Type"] == "KMS"
    assert pipeline["Properties"]["PipelineType"] == "V2"


def test_build_may_only_upsert_and_run_its_own_pipeline(tooling: Template) -> None:
    statements = [s for p in tooling.find_resources("AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "UpsertAndRunPipeline"]
    [statement] = statements
    assert json.dumps(statement["Resource"]).count("pipeline/mlops-model-build") == 2
    assert "sagemaker:DeletePipeline" not in statement["Action"]
    [pass_role] = [s for p in tooling.find_resources("AWS::IAM::Policy").values()
                   for s in p["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "PassPipelineRole"]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_pipeline_role_runs_only_pipeline_jobs_and_registers_in_its_group(tooling: Template) -> None:
    tooling.has_resource_properties("AWS::IAM::Role", {"RoleName": "mlops-sagemaker-pipeline", "AssumeRolePolicyDocument": {
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}]}})
    statements = {s.get("Sid"): s for p in tooling.find_resources("AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"]}
    jobs = json.dumps(statements["PipelineJobs"]["Resource"])
    assert "processing-job/pipelines-*" in jobs and "training-job/pipelines-*" in jobs
    registry = json.dumps(statements["Registry"]["Resource"])
    assert "model-package-group/mlops-models" in registry and "model-package/mlops-models/*" in registry
    tooling.has_resource_properties("AWS::SageMaker::ModelPackageGroup", {"ModelPackageGroupName": "mlops-models"})


def test_the_pipeline_role_passes_the_sagemaker_sdks_training_role_check(tooling: Template) -> None:
    # the SDK simulates these actions on * for a training role and refuses the role when one is denied (it cannot
    # evaluate a condition there, so a conditioned grant counts as denied)
    from sagemaker.core.helper.iam_role_resolver import _get_smoke_test_actions

    from embedded_aws.iam.evaluator import evaluate

    role = next(lid for lid, r in tooling.find_resources("AWS::IAM::Role").items() if r["Properties"].get("RoleName") == "mlops-sagemaker-pipeline")
    documents = [p["Properties"]["PolicyDocument"] for p in tooling.find_resources("AWS::IAM::Policy").values()
                 if {"Ref": role} in p["Properties"].get("Roles", [])]
    required = _get_smoke_test_actions("training")
    assert "ec2:CreateNetworkInterface" in required and "cloudwatch:PutMetricData" in required
    assert [action for action in required if not evaluate(documents, action, "*").allowed] == []


def test_codeconnections_sources_trigger_on_pushes_to_the_branch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    arn = "arn:aws:codeconnections:us-east-1:123456789012:connection/abc"
    config = PlatformConfig(modelbuild_connection_arn=arn, modelbuild_repository="acme/churn-model", modelbuild_branch="release",
                            modeldeploy_repository="acme/churn-deploy")
    template = Template.from_json(synthesize(config, tmp_path)["mlops-tooling"].template)
    pipelines = {p["Properties"]["Name"]: p for p in template.find_resources("AWS::CodePipeline::Pipeline").values()}
    for name, repository in (("mlops-modelbuild", "acme/churn-model"), ("mlops-modeldeploy", "acme/churn-deploy")):
        [source] = pipelines[name]["Properties"]["Stages"][0]["Actions"]
        assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
        assert source["Configuration"] == {"ConnectionArn": arn, "FullRepositoryId": repository, "BranchName": "release",
                                           "DetectChanges": True}
        assert pipelines[name]["Properties"]["Triggers"] == [{"GitConfiguration": {"Push": [{"Branches": {"Includes": ["release"]}}],
                                                                                   "SourceActionName": "Code"},
                                                              "ProviderType": "CodeStarSourceConnection"}]
        assert template.find_resources("AWS::Events::Rule", {"Properties": {"Name": f"{name}-on-push"}}) == {}
    outputs = template.to_json()["Outputs"]
    assert not {"ModelBuildSourceBucketName", "ModelDeploySourceBucketName", "ModelDeploySourceKey"} & set(outputs)
    # approving a model still starts the deploy
    assert template.find_resources("AWS::Events::Rule", {"Properties": {"Name": "mlops-modeldeploy-on-approval"}}) != {}


def test_codeconnections_source_needs_a_repository() -> None:
    with pytest.raises(ValueError, match="a CodeConnections source needs modelbuild_repository as owner/name, got 'churn'"):
        PlatformConfig(modelbuild_connection_arn="arn:aws:codeconnections:us-east-1:1:connection/x", modelbuild_repository="churn")


@pytest.mark.parametrize(("settings", "message"), [
    ({"repository_source": "git"}, "repository_source must be 's3' or 'codecommit', got 'git'"),
    ({"modeldeploy_repository": "acme/deploy"}, "modeldeploy_repository is an owner/name repository reached through "
                                                "modelbuild_connection_arn, got 'acme/deploy' without a connection"),
    ({"modelbuild_connection_arn": "arn:aws:codeconnections:us-east-1:1:connection/x", "modelbuild_repository": "acme/churn",
      "modeldeploy_repository": "deploy"}, "modeldeploy_repository is an owner/name repository reached through modelbuild_connection_arn, got 'deploy'$"),
    ({"repository_source": "codecommit", "modelbuild_connection_arn": "arn:aws:codeconnections:us-east-1:1:connection/x",
      "modelbuild_repository": "acme/churn"}, "repository_source 'codecommit' and modelbuild_connection_arn exclude each other"),
])
def test_model_build_source_settings_are_checked(settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PlatformConfig(**settings)


def test_pipelines_are_created_after_their_action_roles_may_act(tooling: Template) -> None:
    """CodePipeline starts a pipeline when it creates it: that first run needs its actions' permissions in place."""
    resources = tooling.to_json()["Resources"]
    for logical, pipeline in tooling.find_resources("AWS::CodePipeline::Pipeline").items():
        action_roles = {a["RoleArn"]["Fn::GetAtt"][0] for s in pipeline["Properties"]["Stages"] for a in s["Actions"] if "RoleArn" in a}
        policies = {k for k, r in resources.items() if r["Type"] == "AWS::IAM::Policy"
                    and {role.get("Ref") for role in r["Properties"].get("Roles", [])} & action_roles}
        assert len(policies) >= 2 and policies <= set(pipeline["DependsOn"]), logical


def _persona_grants(template: Template) -> list[dict]:
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": ["mlops-data-scientist"]}}).values()
    return [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]


def test_data_scientists_of_the_environment_may_push_the_source_object_only(tooling: Template, secure_synthesized: dict) -> None:
    assert _persona_grants(tooling) == []  # no environment, no persona
    template = Template.from_json(secure_synthesized["mlops-tooling"].template)
    [bucket_id] = template.find_resources("AWS::S3::Bucket", {"Properties": {"BucketName": {"Fn::Join": ["", [
        "mlops-modelbuild-source-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]}}})
    [put, data_key] = _persona_grants(template)
    assert (put["Action"], put["Resource"]) == ("s3:PutObject", {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/modelbuild.zip"]]})
    assert data_key["Action"] == "kms:GenerateDataKey" and list(data_key["Resource"]) == ["Fn::GetAtt"]


def test_with_codecommit_they_may_pull_and_push_the_repository(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = PlatformConfig(repository_source="codecommit", network_cidr="10.60.0.0/16")
    template = Template.from_json(synthesize(config, tmp_path)["mlops-tooling"].template)
    [repository_id] = template.find_resources("AWS::CodeCommit::Repository", {"Properties": {"RepositoryName": "mlops-modelbuild"}})
    [grant] = _persona_grants(template)
    assert (sorted(grant["Action"]), grant["Resource"]) == (["codecommit:GitPull", "codecommit:GitPush"],
                                                            {"Fn::GetAtt": [repository_id, "Arn"]})
