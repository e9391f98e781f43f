"""Personas run ``mlops`` with their own roles, as on AWS (``--target aws``): what their job needs works, the rest is one
clear refusal."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from embedded_aws import EmbeddedAws
from mlops_platform.cli.main import cli
from mlops_runtime.config import PlatformConfig
from support import Platform, assume_as_user, deployed_platform

TOOLING = "123456789012"


@pytest.fixture(scope="module")
def platform(embedded_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> Platform:
    """The platform with its secure ML environment, which brings the persona roles."""
    config = PlatformConfig(retain_data=False, network_cidr="10.60.0.0/16")
    return deployed_platform(embedded_server, tmp_path_factory.mktemp("cdk"), config)


def _as(platform: Platform, persona: str, *args: str) -> Result:
    """``mlops ARGS --target aws`` with the session of ``mlops-<persona>`` the user ana assumes with MFA, on the embedded endpoint."""
    credentials = assume_as_user(platform.aws, "ana", f"arn:aws:iam::{TOOLING}:role/mlops-{persona}", mfa=True)
    env = {"AWS_ENDPOINT_URL": platform.aws.endpoint_url, "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
           "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"], "AWS_SESSION_TOKEN": credentials["SessionToken"],
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    return CliRunner().invoke(cli, [*args, "--target", "aws", "--output", "json"], env=env)


def test_a_data_scientist_follows_the_model_build(platform: Platform) -> None:
    result = _as(platform, "data-scientist", "pipeline", "status")
    assert result.exit_code == 0, result.stderr
    assert '"pipeline": "mlops-modelbuild"' in result.stdout


def test_an_analyst_is_refused_the_platforms_outputs_in_one_line(platform: Platform) -> None:
    result = _as(platform, "analyst", "pipeline", "status")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: DescribeStacks: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/mlops-analyst/ana is not authorized to "
        "perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:us-east-1:123456789012:stack/mlops-tooling/* "
        "because no identity-based policy allows the cloudformation:DescribeStacks action\n")


def test_a_data_scientist_pushes_the_model_build_source_and_it_starts_the_pipeline(platform: Platform) -> None:
    result = _as(platform, "data-scientist", "pipeline", "push")
    assert result.exit_code == 0, result.stderr
    pushed = json.loads(result.stdout)
    uploaded = platform.client("s3").head_object(Bucket="mlops-modelbuild-source-123456789012-us-east-1", Key="modelbuild.zip")
    assert pushed["source_version"] == uploaded["VersionId"]
    execution = platform.client("codepipeline").get_pipeline_execution(
        pipelineName="mlops-modelbuild", pipelineExecutionId=pushed["execution_id"])["pipelineExecution"]
    assert execution["trigger"]["triggerType"] == "CloudWatchEvent"


def test_a_ds_admin_reads_the_deploy_pipelines_gate(platform: Platform) -> None:
    # before any version is approved (an approval starts the deploy pipeline towards its gate)
    result = _as(platform, "ds-admin", "model", "promote", "--summary", "staging verified")
    assert (result.exit_code, result.stderr) == (2, "error: mlops-modeldeploy is not waiting for an approval\n")


def test_a_ds_admin_reads_the_stages_through_their_verifier_roles(platform: Platform) -> None:
    # before any version is approved, so that no deployment is under way
    result = _as(platform, "ds-admin", "model", "deployments", "--staging-account", "222222222222", "--prod-account", "333333333333",
                 "--target-role", "mlops-deploy-verifier")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(s["stage"], s["account_id"], s["last_deployment"]) for s in report["stages"]] == [
        ("staging", "222222222222", "never"), ("prod", "333333333333", "never")]
    refused = _as(platform, "data-scientist", "model", "deployments", "--staging-account", "222222222222", "--prod-account",
                  "333333333333", "--target-role", "mlops-deploy-verifier")
    assert refused.exit_code == 2
    assert "mlops-data-scientist/ana is not authorized to perform: sts:AssumeRole on resource: " in refused.stderr


def test_a_ds_admin_decides_a_version_a_data_scientist_may_not(platform: Platform) -> None:
    sagemaker = platform.client("sagemaker")
    arn = sagemaker.create_model_package(ModelPackageGroupName="mlops-models", ModelApprovalStatus="PendingManualApproval",
                                         InferenceSpecification={
        "Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                        "ModelDataUrl": "s3://mlops-models/churn/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})["ModelPackageArn"]
    # the model build the data scientist pushed may have registered a version meanwhile: decide this one by its number
    version = str(sagemaker.describe_model_package(ModelPackageName=arn)["ModelPackageVersion"])
    refused = _as(platform, "data-scientist", "model", "approve", "--version", version)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: UpdateModelPackage: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/"
                                     "mlops-data-scientist/ana is not authorized to perform: sagemaker:UpdateModelPackage")
    assert sagemaker.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "PendingManualApproval"

    approved = _as(platform, "ds-admin", "model", "approve", "--version", version, "--description", "metrics hold")
    assert approved.exit_code == 0, approved.stderr
    assert json.loads(approved.stdout) == {"model_package_arn": arn, "version": int(version), "status": "Approved",
                                           "description": "metrics hold"}
    assert sagemaker.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "Approved"
