"""Intent of the ModelDeploy construct: approvals only, staging → verify → approval → prod, scoped cross-account access."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from mlops_runtime.contracts import approval_event_pattern


def _pipeline(tooling: Template) -> dict:
    [pipeline] = tooling.find_resources("AWS::CodePipeline::Pipeline", {"Properties": {"Name": "mlops-modeldeploy"}}).values()
    return pipeline


def _stages(tooling: Template) -> dict[str, list[dict]]:
    return {s["Name"]: s["Actions"] for s in _pipeline(tooling)["Properties"]["Stages"]}


def _logical_id(tooling: Template, type_: str, properties: dict) -> str:
    [logical_id] = tooling.find_resources(type_, {"Properties": properties})
    return logical_id


def test_only_approvals_of_the_group_start_the_deploy(tooling: Template) -> None:
    [rule] = tooling.find_resources("AWS::Events::Rule", {"Properties": {"Name": "mlops-modeldeploy-on-approval"}}).values()
    assert rule["Properties"]["EventPattern"] == approval_event_pattern("mlops-models")
    assert rule["Properties"]["EventPattern"]["detail"]["ModelApprovalStatus"] == ["Approved"]
    [target] = rule["Properties"]["Targets"]
    pipeline_id = _logical_id(tooling, "AWS::CodePipeline::Pipeline", {"Name": "mlops-modeldeploy"})
    assert pipeline_id in json.dumps(target["Arn"])


def test_stages_run_staging_verify_then_manual_approval_then_prod(tooling: Template) -> None:
    stages = _stages(tooling)
    assert list(stages) == ["Source", "Build", "Staging", "ApproveProd", "Prod"]
    assert [(a["Name"], a["ActionTypeId"]["Provider"]) for a in stages["ApproveProd"]] == [("Approve", "Manual")]
    for stage, account in (("Staging", "StagingAccountId"), ("Prod", "ProdAccountId")):
        deploy, verify = sorted(stages[stage], key=lambda a: a["RunOrder"])
        assert (deploy["ActionTypeId"]["Provider"], deploy["RunOrder"], verify["RunOrder"]) == ("CloudFormationStackSet", 1, 2)
        config = deploy["Configuration"]
        name = stage.lower()
        assert {k: config[k] for k in ("StackSetName", "TemplatePath", "Parameters", "Capabilities", "FailureTolerancePercentage",
                                       "DeploymentTargets", "PermissionModel", "ExecutionRoleName")} == {
            "StackSetName": f"mlops-{name}", "TemplatePath": "BuildOutput::endpoint-config-template.yml",
            "Parameters": f"BuildOutput::{name}-params.json", "Capabilities": "CAPABILITY_NAMED_IAM", "FailureTolerancePercentage": 0,
            "DeploymentTargets": {"Ref": account}, "PermissionModel": "SELF_MANAGED", "ExecutionRoleName": "mlops-stackset-execution"}
        assert config["AdministrationRoleArn"]["Fn::GetAtt"][0].startswith("StackSetAdministrationRole")
        assert verify["ActionTypeId"]["Provider"] == "CodeBuild" and verify["InputArtifacts"] == [{"Name": "BuildOutput"}]
        variables = {v["name"]: v["value"] for v in json.loads(verify["Configuration"]["EnvironmentVariables"])}
        assert variables == {"STAGE": name, "STACK_SET_NAME": f"mlops-{name}", "VERIFIER_ROLE_NAME": "mlops-deploy-verifier"}


def test_verify_project_may_only_assume_the_target_verifier_roles(tooling: Template) -> None:
    [role] = tooling.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-modeldeploy-verify"}}).values()
    role_id = _logical_id(tooling, "AWS::IAM::Role", {"RoleName": "mlops-modeldeploy-verify"})
    statements = [s for p in tooling.find_resources("AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"].get("Roles", [])
                  for s in p["Properties"]["PolicyDocument"]["Statement"]]
    [assume] = [s for s in statements if s.get("Sid") == "AssumeTargetVerifiers"]
    assert assume["Action"] == "sts:AssumeRole"
    assert sorted(json.dumps(r) for r in assume["Resource"]) == [
        json.dumps({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": account}, ":role/mlops-deploy-verifier"]]})
        for account in ("ProdAccountId", "StagingAccountId")]
    [listing] = [s for s in statements if s.get("Sid") == "ListStageInstances"]  # which accounts hold the stage's endpoint
    assert listing["Action"] == "cloudformation:ListStackInstances"
    assert sorted(r["Fn::Join"][1][-1] for r in listing["Resource"]) == [":stackset/mlops-prod:*", ":stackset/mlops-staging:*"]


def test_build_reads_only_its_model_group(tooling: Template) -> None:
    statements = [s for p in tooling.find_resources("AWS::IAM::Policy").values() for s in p["Properties"]["PolicyDocument"]["Statement"]
                  if s.get("Sid") == "ReadModelRegistry"]
    [statement] = statements
    assert sorted(statement["Action"]) == ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:ListModelPackages"]
    assert [r["Fn::Join"][1][-1] for r in statement["Resource"]] == [":model-package-group/mlops-models", ":model-package/mlops-models/*"]


def test_target_endpoint_roles_read_models_through_s3_only(tooling: Template) -> None:
    bucket_id = _logical_id(tooling, "AWS::S3::Bucket", {"BucketName": {"Fn::Join": ["", ["mlops-artifacts-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]}})
    [policy] = [p for p in tooling.find_resources("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": bucket_id}]
    statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    for stage, account in (("Staging", "StagingAccountId"), ("Prod", "ProdAccountId")):
        read = statements[f"{stage}EndpointReadsModels"]
        assert read["Action"] == "s3:GetObject"
        assert json.dumps({"Ref": account}) in json.dumps(read["Principal"])
        assert json.dumps(read["Condition"]["ArnEquals"]["aws:PrincipalArn"]).endswith(f':role/mlops-{stage.lower()}-endpoint"]]}}')
        capture = statements[f"{stage}EndpointWritesCapture"]
        assert capture["Action"] == "s3:PutObject"
        assert json.dumps(capture["Resource"]).endswith(f'/datacapture/mlops-{stage.lower()}/*"]]}}')
    [key] = tooling.find_resources("AWS::KMS::Key").values()
    grants = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    for stage in ("Staging", "Prod"):
        grant = grants[f"{stage}EndpointUsesKeyThroughS3"]
        assert grant["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert grant["Condition"]["StringEquals"] == {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
