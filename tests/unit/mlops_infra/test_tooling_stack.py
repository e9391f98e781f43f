"""Intent of the tooling stack: encrypted, private, TLS-only artifacts; PITR table; scoped StackSet admin."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

TAGS = [{"Key": "environment", "Value": "dev"}, {"Key": "owner", "Value": "platform-team"}, {"Key": "project", "Value": "mlops"}]


def test_artifacts_bucket_is_kms_encrypted_versioned_and_private(tooling: Template) -> None:
    tooling.has_resource_properties("AWS::S3::Bucket", {
        "BucketName": {"Fn::Join": ["", ["mlops-artifacts-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": Match.any_value()}}]},
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "LoggingConfiguration": {"DestinationBucketName": Match.any_value(), "LogFilePrefix": "artifacts/"},
        "Tags": TAGS,
    })


def test_every_bucket_denies_plain_http(tooling: Template) -> None:
    policies = tooling.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == len(tooling.find_resources("AWS::S3::Bucket")) == 6
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)


def test_key_rotates_and_is_retained(tooling: Template) -> None:
    tooling.has_resource("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "Retain"})


def test_environment_table_has_pitr_cmk_and_owner_index(tooling: Template) -> None:
    tooling.has_resource_properties("AWS::DynamoDB::Table", {
        "TableName": "mlops-environments",
        "KeySchema": [{"AttributeName": "environment_id", "KeyType": "HASH"}],
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
        "GlobalSecondaryIndexes": [Match.object_like({"IndexName": "by-owner"})],
        "BillingMode": "PAY_PER_REQUEST",
    })


def test_stackset_admin_role_assumes_only_the_target_execution_roles(tooling: Template) -> None:
    [role] = tooling.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-stackset-administration"}}).values()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    [policy] = role["Properties"]["Policies"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "sts:AssumeRole")
    targets = {r["Fn::Join"][1][3]["Ref"]: r["Fn::Join"][1][4] for r in statement["Resource"]}
    assert targets == {"StagingAccountId": ":role/mlops-stackset-execution", "ProdAccountId": ":role/mlops-stackset-execution"}


def test_account_parameters_are_validated(tooling: Template) -> None:
    for name in ("StagingAccountId", "ProdAccountId"):
        tooling.has_parameter(name, {"Type": "String", "AllowedPattern": r"^\d{12}$"})


def test_outputs_name_what_other_stacks_need(tooling: Template) -> None:
    outputs = set(tooling.find_outputs("*"))
    assert [o for o in outputs if o.startswith("NotebookUrlApiEndpoint")]  # CDK's own endpoint output
    assert {o for o in outputs if not o.startswith("NotebookUrlApiEndpoint")} == {
        "ArtifactsBucketName", "ArtifactsKeyArn", "NotebookSessionSeconds", "EnvironmentTableName", "StackSetAdministrationRoleArn",
        "NotebookProvisioningStateMachineArn", "NotebookPortfolioId", "NotebookProductId", "AnalystsGroupName",
        "NotebookUrlApiId", "NotebookUrlApiUrl", "ModelPackageGroupName", "SageMakerPipelineName", "SageMakerPipelineRoleArn",
        "ModelBuildPipelineName", "ModelBuildProjectName", "ModelBuildSourceBucketName", "ModelBuildSourceKey",
        "ModelDeployPipelineName", "ModelDeploySourceBucketName", "ModelDeploySourceKey", "StagingStackSetName", "ProdStackSetName",
            "ProjectPortfolioId", "ProjectProductId", "ProjectUnitsProductId", "ProjectTemplateUrl", "ProjectUnitsTemplateUrl"}


def test_url_api_methods_require_iam_authorization(tooling: Template) -> None:
    methods = tooling.find_resources("AWS::ApiGateway::Method")
    assert sorted(m["Properties"]["HttpMethod"] for m in methods.values()) == ["GET", "POST"]
    assert {m["Properties"]["AuthorizationType"] for m in methods.values()} == {"AWS_IAM"}
    assert {m["Properties"]["Integration"]["Type"] for m in methods.values()} == {"AWS_PROXY"}


def test_every_output_is_a_field_of_the_typed_outputs_and_every_required_one_is_written(tooling: Template) -> None:
    import re
    from dataclasses import MISSING, fields

    from mlops_runtime.contracts import ToolingOutputs

    # the platform's own outputs (CDK adds some of its own, named with a hash: the RestApi's Endpoint)
    written = {key for key in tooling.to_json()["Outputs"] if not re.search(r"[0-9A-F]{8}$", key)}
    typed = {ToolingOutputs.key(f.name) for f in fields(ToolingOutputs)}
    required = {ToolingOutputs.key(f.name) for f in fields(ToolingOutputs) if f.default is MISSING}
    assert sorted(written - typed) == [] and sorted(required - written) == []


def test_the_provisioning_state_machine_and_the_platform_admin_have_launch_paths(tooling: Template) -> None:
    associations = tooling.find_resources("AWS::ServiceCatalog::PortfolioPrincipalAssociation")
    [machine_role] = [lid for lid in tooling.find_resources("AWS::IAM::Role") if lid.startswith("NotebookProvisioningStateMachineRole")]
    assert any(a["Properties"]["PrincipalARN"] == {"Fn::GetAtt": [machine_role, "Arn"]} for a in associations.values())
    [admin] = [a for a in associations.values() if a["Properties"]["PrincipalARN"] == {"Ref": "PlatformAdminArn"}]
    assert admin["Condition"] == "HasPlatformAdmin"
    assert "ProjectCatalogPortfolio" in json.dumps(admin["Properties"]["PortfolioId"])


def test_every_launch_role_reads_the_product_template_service_catalog_tags(tooling: Template) -> None:
    launch_roles = [r for r in tooling.find_resources("AWS::IAM::Role").values()
                    if "servicecatalog.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])]
    assert len(launch_roles) == 2  # notebooks and projects (environments need the secure environment)
    for role in launch_roles:
        statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
        assert {"Sid": "ProductTemplates", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}}} in statements


def test_stages_with_access_logs_wait_for_the_accounts_api_gateway_role(tooling: Template) -> None:
    [account_id] = tooling.find_resources("AWS::ApiGateway::Account")
    account = tooling.find_resources("AWS::ApiGateway::Account")[account_id]
    role = tooling.find_resources("AWS::IAM::Role")[account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    logged = {lid: s for lid, s in tooling.find_resources("AWS::ApiGateway::Stage").items() if "AccessLogSetting" in s["Properties"]}
    assert logged and all(account_id in s.get("DependsOn", []) for s in logged.values())


PARTITIONS = {"us-east-1": "aws", "eu-west-1": "aws", "us-gov-west-1": "aws-us-gov", "us-gov-east-1": "aws-us-gov", "cn-north-1": "aws-cn"}


def _resolve(value: object, region: str, conditions: dict) -> object:
    """Evaluate the template's Join/If/Equals/Ref of the pseudo parameters for ``region``."""
    if isinstance(value, dict):
        if "Ref" in value:
            return {"AWS::Region": region, "AWS::Partition": PARTITIONS[region]}[value["Ref"]]
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(_resolve(p, region, conditions)) for p in parts)
        if "Fn::If" in value:
            name, yes, no = value["Fn::If"]
            return _resolve(yes if _resolve(conditions[name], region, conditions) else no, region, conditions)
        if "Fn::Equals" in value:
            left, right = value["Fn::Equals"]
            return _resolve(left, region, conditions) == _resolve(right, region, conditions)
    return value


def test_every_function_uses_the_powertools_layer_published_in_its_partition_and_region(tooling: Template) -> None:
    template = tooling.to_json()
    functions = tooling.find_resources("AWS::Lambda::Function")
    expected = {"us-east-1": "arn:aws:lambda:us-east-1:017000801446", "eu-west-1": "arn:aws:lambda:eu-west-1:017000801446",
                "us-gov-west-1": "arn:aws-us-gov:lambda:us-gov-west-1:165093116878",
                "us-gov-east-1": "arn:aws-us-gov:lambda:us-gov-east-1:165087284144", "cn-north-1": "arn:aws-cn:lambda:cn-north-1:498634801083"}
    for name, function in functions.items():
        layer = function["Properties"]["Layers"][0]
        for region, prefix in expected.items():
            assert _resolve(layer, region, template["Conditions"]) == f"{prefix}:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:18", name
