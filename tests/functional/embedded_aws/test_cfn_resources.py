"""Extensions cfn-servicecatalog, cfn-codebuild, cfn-codepipeline, cfn-stackset, cfn-cloudwatch-alarm.

Each type is deployed through CloudFormation and then looked up through its own service API.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from embedded_aws import EmbeddedAws, extensions
from support import server_error, stack_outcome, stackset_roles

ROLE = "arn:aws:iam::123456789012:role/service"


def _deploy(aws: EmbeddedAws, resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> dict[str, str]:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="ext", TemplateBody=json.dumps({"Resources": resources, "Outputs": outputs or {}}))
    stack = cfn.describe_stacks(StackName="ext")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


CATALOG = {
    "Portfolio": {"Type": "AWS::ServiceCatalog::Portfolio",
                  "Properties": {"DisplayName": "Notebooks", "ProviderName": "Platform", "Tags": [{"Key": "project", "Value": "mlops"}]}},
    "Product": {"Type": "AWS::ServiceCatalog::CloudFormationProduct",
                "Properties": {"Name": "SageMaker notebook", "Owner": "Platform",
                               "ProvisioningArtifactParameters": [
                                   {"Name": "v1", "Info": {"LoadTemplateFromURL": "https://s3.amazonaws.com/b/notebook.json"}}]}},
    "Association": {"Type": "AWS::ServiceCatalog::PortfolioProductAssociation",
                    "Properties": {"PortfolioId": {"Ref": "Portfolio"}, "ProductId": {"Ref": "Product"}}},
    "Analysts": {"Type": "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
                 "Properties": {"PortfolioId": {"Ref": "Portfolio"}, "PrincipalARN": "arn:aws:iam::123456789012:role/analyst", "PrincipalType": "IAM"}},
    "Launch": {"Type": "AWS::ServiceCatalog::LaunchRoleConstraint", "DependsOn": "Association",
               "Properties": {"PortfolioId": {"Ref": "Portfolio"}, "ProductId": {"Ref": "Product"}, "LocalRoleName": "notebook-launch"}},
}
CATALOG_OUTPUTS = {
    "PortfolioId": {"Value": {"Ref": "Portfolio"}},
    "ProductId": {"Value": {"Ref": "Product"}},
    "ProductName": {"Value": {"Fn::GetAtt": ["Product", "ProductName"]}},
    "Versions": {"Value": {"Fn::GetAtt": ["Product", "ProvisioningArtifactIds"]}},
}


def test_service_catalog_resources_are_created(aws: EmbeddedAws) -> None:
    out = _deploy(aws, CATALOG, CATALOG_OUTPUTS)
    sc = aws.client("servicecatalog")
    assert out["ProductName"] == "SageMaker notebook"
    assert [p["Id"] for p in sc.list_portfolios_for_product(ProductId=out["ProductId"])["PortfolioDetails"]] == [out["PortfolioId"]]
    assert sc.list_principals_for_portfolio(PortfolioId=out["PortfolioId"])["Principals"] == [
        {"PrincipalARN": "arn:aws:iam::123456789012:role/analyst", "PrincipalType": "IAM"}
    ]
    [constraint] = sc.list_constraints_for_portfolio(PortfolioId=out["PortfolioId"])["ConstraintDetails"]
    assert constraint["Type"] == "LAUNCH"
    assert json.loads(sc.describe_constraint(Id=constraint["ConstraintId"])["ConstraintParameters"]) == {"LocalRoleName": "notebook-launch"}
    [artifact] = sc.list_provisioning_artifacts(ProductId=out["ProductId"])["ProvisioningArtifactDetails"]
    assert (artifact["Id"], artifact["Name"]) == (out["Versions"], "v1")


def test_deleting_the_stack_removes_the_catalog(aws: EmbeddedAws) -> None:
    out = _deploy(aws, CATALOG, CATALOG_OUTPUTS)
    aws.client("cloudformation").delete_stack(StackName="ext")
    sc = aws.client("servicecatalog")
    assert sc.list_portfolios()["PortfolioDetails"] == []
    with pytest.raises(sc.exceptions.ResourceNotFoundException):
        sc.describe_product(Id=out["ProductId"])


def test_without_extension_catalog_getatt_crashes_the_stack(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-servicecatalog"), server_error():
        _deploy(aws, CATALOG, CATALOG_OUTPUTS)


BUILD_AND_PIPELINE = {
    "Build": {"Type": "AWS::CodeBuild::Project",
              "Properties": {"Name": "model-build", "ServiceRole": ROLE,
                             "Source": {"Type": "CODEPIPELINE", "BuildSpec": "buildspec.yml"},
                             "Artifacts": {"Type": "CODEPIPELINE"},
                             "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL",
                                             "Image": "aws/codebuild/standard:7.0"}}},
    "Pipeline": {"Type": "AWS::CodePipeline::Pipeline",
                 "Properties": {"Name": "model-build", "RoleArn": ROLE,
                                "ArtifactStore": {"Type": "S3", "Location": "artifacts"},
                                "Stages": [
                                    {"Name": "Source", "Actions": [{"Name": "Source", "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "S3", "Version": "1"},
                                                                    "Configuration": {"S3Bucket": "src", "S3ObjectKey": "repo.zip"},
                                                                    "OutputArtifacts": [{"Name": "Src"}]}]},
                                    {"Name": "Build", "Actions": [{"Name": "Build", "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"},
                                                                   "Configuration": {"ProjectName": {"Ref": "Build"}},
                                                                   "InputArtifacts": [{"Name": "Src"}]}]}]}},
}


def test_codebuild_and_codepipeline_are_created(aws: EmbeddedAws) -> None:
    aws.client("iam").create_role(RoleName="service", AssumeRolePolicyDocument=json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    out = _deploy(aws, BUILD_AND_PIPELINE, {"BuildArn": {"Value": {"Fn::GetAtt": ["Build", "Arn"]}}})
    [project] = aws.client("codebuild").batch_get_projects(names=["model-build"])["projects"]
    assert project["source"] == {"type": "CODEPIPELINE", "buildspec": "buildspec.yml"}
    assert out["BuildArn"] == project["arn"]
    pipeline = aws.client("codepipeline").get_pipeline(name="model-build")["pipeline"]
    assert [s["name"] for s in pipeline["stages"]] == ["Source", "Build"]
    assert pipeline["stages"][1]["actions"][0]["configuration"] == {"ProjectName": "model-build"}


def test_without_extension_codebuild_project_is_skipped(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-codebuild"):
        _deploy(aws, {"Build": BUILD_AND_PIPELINE["Build"]})
    assert aws.client("codebuild").batch_get_projects(names=["model-build"])["projects"] == []


ALARM = {"Errors": {"Type": "AWS::CloudWatch::Alarm",
                    "Properties": {"AlarmName": "ep-5xx", "Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors",
                                   "Dimensions": [{"Name": "EndpointName", "Value": "ep"}], "Statistic": "Sum",
                                   "Period": "60", "EvaluationPeriods": "1", "Threshold": "1",
                                   "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching"}}}


def test_alarm_is_created(aws: EmbeddedAws) -> None:
    out = _deploy(aws, ALARM, {"Arn": {"Value": {"Fn::GetAtt": ["Errors", "Arn"]}}})
    [alarm] = aws.client("cloudwatch").describe_alarms(AlarmNames=["ep-5xx"])["MetricAlarms"]
    assert (alarm["MetricName"], alarm["Threshold"], alarm["Period"]) == ("Invocation5XXErrors", 1.0, 60)
    assert out["Arn"] == alarm["AlarmArn"]


def test_without_extension_alarm_is_skipped(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-cloudwatch-alarm"):
        _deploy(aws, ALARM)
    assert aws.client("cloudwatch").describe_alarms()["MetricAlarms"] == []


STACKSET = {"Roles": {"Type": "AWS::CloudFormation::StackSet",
                      "Properties": {"StackSetName": "endpoint", "PermissionModel": "SELF_MANAGED",
                                     "TemplateBody": json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "endpoint-q"}}}}),
                                     "StackInstancesGroup": [{"DeploymentTargets": {"Accounts": ["222222222222", "333333333333"]}, "Regions": ["us-east-1"]}]}}}


def test_stackset_instances_are_deployed_in_target_accounts(aws: EmbeddedAws) -> None:
    stackset_roles(aws)
    out = _deploy(aws, STACKSET, {"Id": {"Value": {"Fn::GetAtt": ["Roles", "StackSetId"]}}})
    cfn = aws.client("cloudformation")
    assert cfn.describe_stack_set(StackSetName="endpoint")["StackSet"]["StackSetId"] == out["Id"]
    assert sorted(i["Account"] for i in cfn.list_stack_instances(StackSetName="endpoint")["Summaries"]) == ["222222222222", "333333333333"]
    for account in ("staging", "prod"):
        assert aws.client("sqs", account).get_queue_url(QueueName="endpoint-q")["QueueUrl"]


def test_deleting_the_stack_removes_stackset_and_instances(aws: EmbeddedAws) -> None:
    stackset_roles(aws)
    _deploy(aws, STACKSET)
    aws.client("cloudformation").delete_stack(StackName="ext")
    assert aws.client("sqs", "staging").list_queues().get("QueueUrls", []) == []
    cfn = aws.client("cloudformation")
    with pytest.raises(cfn.exceptions.StackSetNotFoundException):
        cfn.describe_stack_set(StackSetName="endpoint")


def test_without_extension_stackset_is_skipped(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-stackset"):
        _deploy(aws, STACKSET)
    assert aws.client("cloudformation").list_stack_sets()["Summaries"] == []


KEY_AND_POLICY = {
    "Key": {"Type": "AWS::KMS::Key", "Properties": {
        "KeyPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]},
        "EnableKeyRotation": True, "Tags": [{"Key": "owner", "Value": "platform"}]}},
    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "tls-only"}},
    "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "arn:aws:s3:::tls-only/*",
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}},
}


def test_tagged_kms_key_and_bucket_policy_are_created(aws: EmbeddedAws) -> None:
    out = _deploy(aws, KEY_AND_POLICY, {"Key": {"Value": {"Ref": "Key"}}})
    kms = aws.client("kms")
    assert kms.list_resource_tags(KeyId=out["Key"])["Tags"] == [{"TagKey": "owner", "TagValue": "platform"}]
    assert json.loads(kms.get_key_policy(KeyId=out["Key"], PolicyName="default")["Policy"])["Statement"][0]["Action"] == "kms:*"
    policy = json.loads(aws.client("s3").get_bucket_policy(Bucket="tls-only")["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def _failed(aws: EmbeddedAws, resources: dict[str, Any]) -> list[tuple[str, str]]:
    """Create the stack expecting it to roll back; its failed resources."""
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="ext", TemplateBody=json.dumps({"Resources": resources}))
    status, failed = stack_outcome(cfn, "ext")
    assert status == "ROLLBACK_COMPLETE", failed
    return failed


def test_without_kms_extension_tagged_key_breaks_the_stack(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-kms-key"):
        assert [logical_id for logical_id, _ in _failed(aws, {"Key": KEY_AND_POLICY["Key"]})] == ["Key"]


def test_without_policy_extension_bucket_policy_is_skipped(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-s3-bucket-policy"):
        _deploy(aws, {"Bucket": KEY_AND_POLICY["Bucket"], "Policy": KEY_AND_POLICY["Policy"]})
    s3 = aws.client("s3")
    with pytest.raises(s3.exceptions.ClientError) as raised:
        s3.get_bucket_policy(Bucket="tls-only")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


RETAINED_BUCKET = {"Backups": {"Type": "AWS::S3::Bucket", "Properties": {
    "BucketName": "backups-b", "VersioningConfiguration": {"Status": "Enabled"},
    "LifecycleConfiguration": {"Rules": [{"Status": "Enabled", "ExpirationInDays": 30, "NoncurrentVersionExpiration": {"NoncurrentDays": 7}}]},
    "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}}}}


def _sends_to_eventbridge(bucket: str) -> bool:
    """moto stores the EventBridge setting (and acts on it) but GetBucketNotificationConfiguration does not return it."""
    from moto.s3.models import s3_backends

    configuration = s3_backends["123456789012"]["global"].buckets[bucket].notification_configuration
    return configuration is not None and configuration.event_bridge is not None


def test_bucket_lifecycle_and_versioning_are_applied(aws: EmbeddedAws) -> None:
    _deploy(aws, RETAINED_BUCKET)
    s3 = aws.client("s3")
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket="backups-b")["Rules"]
    assert (rule["Expiration"], rule["NoncurrentVersionExpiration"], rule["Status"]) == ({"Days": 30}, {"NoncurrentDays": 7}, "Enabled")
    assert s3.get_bucket_versioning(Bucket="backups-b")["Status"] == "Enabled"
    assert _sends_to_eventbridge("backups-b")


def test_without_extension_the_lifecycle_is_dropped(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-s3-bucket-settings"):
        _deploy(aws, RETAINED_BUCKET)
    s3 = aws.client("s3")
    with pytest.raises(s3.exceptions.ClientError) as raised:
        s3.get_bucket_lifecycle_configuration(Bucket="backups-b")
    assert raised.value.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
    assert not _sends_to_eventbridge("backups-b")


CODEPIPELINE_ONLY = {"Pipeline": BUILD_AND_PIPELINE["Pipeline"]}


def test_without_extension_codepipeline_is_skipped(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-codepipeline"):
        _deploy(aws, CODEPIPELINE_ONLY)
    assert aws.client("codepipeline").list_pipelines()["pipelines"] == []


GROUP = {"Analysts": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "analysts", "Policies": [{
    "PolicyName": "read", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}},
    "Attached": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "extra", "Groups": [{"Ref": "Analysts"}], "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]}}}}


def test_iam_group_is_created_with_its_policies(aws: EmbeddedAws) -> None:
    out = _deploy(aws, GROUP, {"Arn": {"Value": {"Fn::GetAtt": ["Analysts", "Arn"]}}})
    iam = aws.client("iam")
    assert out["Arn"] == "arn:aws:iam::123456789012:group/analysts"
    assert sorted(iam.list_group_policies(GroupName="analysts")["PolicyNames"]) == ["extra", "read"]
    aws.client("cloudformation").delete_stack(StackName="ext")
    assert iam.list_groups()["Groups"] == []


ROLE = {"Worker": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "worker", "AssumeRolePolicyDocument": {
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}}


def test_a_role_stack_deletes_while_a_group_policy_exists_elsewhere(aws: EmbeddedAws) -> None:
    _deploy(aws, GROUP)
    cfn = aws.client("cloudformation")
    stack_id = cfn.create_stack(StackName="roles", TemplateBody=json.dumps({"Resources": ROLE}))["StackId"]
    cfn.delete_stack(StackName="roles")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert [r["RoleName"] for r in aws.client("iam").list_roles()["Roles"] if r["RoleName"] == "worker"] == []


def test_a_template_role_inline_policy_reads_back_as_a_document(aws: EmbeddedAws) -> None:
    role = {"Worker": {**ROLE["Worker"], "Properties": {**ROLE["Worker"]["Properties"], "Policies": [{"PolicyName": "assume", "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::222222222222:role/x"}]}}]}}}
    _deploy(aws, role)
    document = aws.client("iam").get_role_policy(RoleName="worker", PolicyName="assume")["PolicyDocument"]
    assert document["Statement"][0]["Action"] == "sts:AssumeRole"


def test_without_extension_a_policy_on_the_group_breaks_the_stack(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-iam-group"):
        [(logical_id, reason)] = _failed(aws, GROUP)
    assert logical_id == "Attached" and "Group" in reason and "not found" in reason
