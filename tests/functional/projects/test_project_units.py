"""A project whose stages are organizational units: approval → every member account of Staging → approval → Prod's."""

from __future__ import annotations

import pytest

from embedded_aws import EmbeddedAws
from mlops_platform.modelbuild.ci import decide_approval, execution_ids, wait_for_ci, wait_for_new_execution
from mlops_platform.projects.service import ProjectClients, create_project, delete_project
from mlops_runtime.config import PlatformConfig
from support import Platform, deployed_platform, model_data, organization_with_units, wait_for

CONFIG = PlatformConfig(retain_data=False)
STAGING, PROD = "222222222222", "333333333333"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


@pytest.fixture(scope="module")
def platform(embedded_server: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> Platform:
    return deployed_platform(embedded_server, tmp_path_factory.mktemp("cdk"), CONFIG)


def test_a_unit_project_deploys_to_the_member_accounts_of_each_unit_and_deletes_cleanly(platform: Platform) -> None:
    aws = platform.aws
    units = organization_with_units(aws)  # staging in unit Staging; prod in Critical, a child of unit Prod
    platform.client("cloudformation").activate_organizations_access()
    clients = ProjectClients.of(aws.client)
    project = create_project(clients, platform.outputs["ProjectUnitsProductId"], "units", units["staging"], units["prod"], {},
                             sleep=lambda _: None)
    outputs = project.outputs
    pipeline, codepipeline = outputs["ModelDeployPipelineName"], platform.client("codepipeline")
    # the seed's first push finds nothing approved and stops at the build
    first = wait_for(lambda: codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"], timeout=60)
    assert wait_for_ci(codepipeline, pipeline, first[-1]["pipelineExecutionId"], timeout=300)["status"] == "Failed"

    known = execution_ids(codepipeline, pipeline)
    platform.client("sagemaker").create_model_package(
        ModelPackageGroupName=outputs["ModelPackageGroupName"], ModelApprovalStatus="Approved", InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": model_data(aws, outputs["ArtifactsBucketName"], "models/v1/model.tar.gz")}],
            "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})
    execution = wait_for_new_execution(codepipeline, pipeline, known, timeout=60)
    staged = wait_for_ci(codepipeline, pipeline, execution, timeout=600, stop_at_approval=True)
    assert [(s["name"], s["status"]) for s in staged["stages"]][:4] == [
        ("Source", "Succeeded"), ("Build", "Succeeded"), ("Staging", "Succeeded"), ("ApproveProd", "InProgress")], staged
    cfn = platform.client("cloudformation")
    [instance] = cfn.list_stack_instances(StackSetName=outputs["StagingStackSetName"])["Summaries"]
    assert (instance["Account"], instance["OrganizationalUnitId"], instance["Status"]) == (STAGING, units["staging"], "CURRENT")
    verify = staged["stages"][2]["actions"][1]
    lines = [e["message"] for e in platform.client("logs").get_log_events(
        logGroupName="/aws/codebuild/mlops-units-modeldeploy", logStreamName=verify["summary"].split()[1].split(":", 1)[1])["events"]]
    assert any(line.startswith("staging: endpoint mlops-units-staging InService on ") and line.endswith(f"(account {STAGING})")
               for line in lines), lines

    decide_approval(codepipeline, pipeline, True, "staging verified")
    assert wait_for_ci(codepipeline, pipeline, execution, timeout=600)["status"] == "Succeeded"
    [instance] = cfn.list_stack_instances(StackSetName=outputs["ProdStackSetName"])["Summaries"]
    assert (instance["Account"], instance["OrganizationalUnitId"]) == (PROD, units["prod"])
    assert aws.client("sagemaker", "prod").describe_endpoint(EndpointName="mlops-units-prod")["EndpointStatus"] == "InService"
    assert [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]  # never the management account
            if s["StackName"].startswith("StackSet-mlops-units") and s["StackStatus"] != "DELETE_COMPLETE"] == []

    delete_project(clients, "units", sleep=lambda _: None)
    assert [s["StackSetName"] for s in cfn.list_stack_sets(Status="ACTIVE")["Summaries"] if s["StackSetName"].startswith("mlops-units")] == []
    for account in ("staging", "prod"):
        live = [s["StackName"] for s in aws.client("cloudformation", account).list_stacks()["StackSummaries"]
                if s["StackStatus"] != "DELETE_COMPLETE" and s["StackName"].startswith("StackSet-mlops-units")]
        assert live == [], account
