"""Extension sagemaker-projects: a project launches its template (Service Catalog or S3) and its delete removes it."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from support import wait_for

TEMPLATE = {
    "Parameters": {"SageMakerProjectName": {"Type": "String"}, "SageMakerProjectId": {"Type": "String"},
                   "Stage": {"Type": "String", "AllowedValues": ["staging", "prod"]}},
    "Resources": {"Models": {"Type": "AWS::SageMaker::ModelPackageGroup", "Properties": {
        "ModelPackageGroupName": {"Fn::Sub": "${SageMakerProjectName}-${Stage}-models"},
        "ModelPackageGroupDescription": {"Ref": "SageMakerProjectId"}}}},
    "Outputs": {"Group": {"Value": {"Ref": "Models"}}},
}


#: Service Catalog calls CloudFormation as the launch role, which creates the template's resources with it.
STACKS = {"Effect": "Allow", "Resource": "arn:aws:cloudformation:*:*:stack/SC-*", "Action": [
    "cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents"]}
MODEL_GROUPS = {"Effect": "Allow", "Resource": "arn:aws:sagemaker:*:*:model-package-group/*", "Action": [
    "sagemaker:CreateModelPackageGroup", "sagemaker:DeleteModelPackageGroup", "sagemaker:AddTags"]}


def _template(aws: EmbeddedAws) -> str:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="project.json", Body=json.dumps(TEMPLATE).encode(),
                  Tagging="sagemaker:studio-visibility=true")
    return "https://templates.s3.us-east-1.amazonaws.com/project.json"


def _product(aws: EmbeddedAws, launch_path: bool = True) -> str:
    url = _template(aws)
    sc = aws.client("servicecatalog")
    portfolio = sc.create_portfolio(DisplayName="projects", ProviderName="platform")["PortfolioDetail"]["Id"]
    product_id = sc.create_product(Name="project", Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
                                   Tags=[{"Key": "sagemaker:studio-visibility", "Value": "true"}],
                                   ProvisioningArtifactParameters={"Name": "v1", "Info": {"LoadTemplateFromURL": url}},
                                   )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
    if launch_path:  # the caller (aws.client's admin user) may launch through the portfolio
        sc.associate_principal_with_portfolio(PortfolioId=portfolio, PrincipalType="IAM",
                                              PrincipalARN="arn:aws:iam::123456789012:user/embedded-admin")
    iam = aws.client("iam")
    iam.create_role(RoleName="launch", Path="/service-role/", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "servicecatalog.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="launch", PolicyName="templates", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {
            "StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}}}, STACKS, MODEL_GROUPS]}))
    sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH", Parameters=json.dumps({"LocalRoleName": "launch"}))
    return product_id


def _settled(aws: EmbeddedAws, name: str) -> dict:
    sm = aws.client("sagemaker")
    return wait_for(lambda: (p := sm.describe_project(ProjectName=name))["ProjectStatus"] not in ("Pending", "CreateInProgress") and p)


def test_a_project_provisions_its_template_with_the_names_sagemaker_passes(aws: EmbeddedAws) -> None:
    product_id = _product(aws)
    sm = aws.client("sagemaker")
    created = sm.create_project(ProjectName="churn", ProjectDescription="churn model", ServiceCatalogProvisioningDetails={
        "ProductId": product_id, "ProvisioningParameters": [{"Key": "Stage", "Value": "staging"}]}, Tags=[{"Key": "team", "Value": "ds"}])
    assert created["ProjectId"].startswith("p-") and len(created["ProjectId"]) == 14
    project = _settled(aws, "churn")
    assert project["ProjectStatus"] == "CreateCompleted"
    group = sm.describe_model_package_group(ModelPackageGroupName="churn-staging-models")
    assert group["ModelPackageGroupDescription"] == created["ProjectId"]
    provisioned = aws.client("servicecatalog").describe_provisioned_product(
        Id=project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductId"])["ProvisionedProductDetail"]
    assert provisioned["Name"] == f"SageMaker-churn-{created['ProjectId']}" and provisioned["Status"] == "AVAILABLE"
    stack = aws.client("cloudformation").describe_stacks(StackName=f"SC-123456789012-{provisioned['Id']}")["Stacks"][0]
    assert "RoleARN" not in stack  # Service Catalog calls CloudFormation as the launch role
    assert {"Key": "sagemaker:project-id", "Value": created["ProjectId"]} in stack["Tags"] and {"Key": "team", "Value": "ds"} in stack["Tags"]
    assert [p["ProjectName"] for p in sm.list_projects()["ProjectSummaryList"]] == ["churn"]


def test_a_failed_launch_is_create_failed_with_the_reason(aws: EmbeddedAws) -> None:
    product_id = _product(aws)
    sm = aws.client("sagemaker")
    sm.create_project(ProjectName="churn", ServiceCatalogProvisioningDetails={
        "ProductId": product_id, "ProvisioningParameters": [{"Key": "Stage", "Value": "dev"}]})
    project = _settled(aws, "churn")
    assert project["ProjectStatus"] == "CreateFailed"
    assert "Stage" in project["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"]


def test_delete_removes_what_the_project_launched(aws: EmbeddedAws) -> None:
    product_id = _product(aws)
    sm = aws.client("sagemaker")
    sm.create_project(ProjectName="churn", ServiceCatalogProvisioningDetails={
        "ProductId": product_id, "ProvisioningParameters": [{"Key": "Stage", "Value": "prod"}]})
    _settled(aws, "churn")
    sm.delete_project(ProjectName="churn")
    wait_for(lambda: sm.list_projects()["ProjectSummaryList"] == [])
    with pytest.raises(ClientError, match="Project churn does not exist"):
        sm.describe_project(ProjectName="churn")
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    assert aws.client("servicecatalog").scan_provisioned_products()["ProvisionedProducts"] == []


def test_the_s3_template_option_creates_the_stack_with_the_given_role(aws: EmbeddedAws) -> None:
    url = _template(aws)
    sm, iam = aws.client("sagemaker"), aws.client("iam")
    iam.create_role(RoleName="cfn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="cfn", PolicyName="models", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [MODEL_GROUPS]}))
    created = sm.create_project(ProjectName="fraud", TemplateProviders=[{"CfnTemplateProvider": {
        "TemplateName": "build", "TemplateURL": url, "RoleARN": "arn:aws:iam::123456789012:role/cfn",
        "Parameters": [{"Key": "Stage", "Value": "staging"}]}}])
    project = _settled(aws, "fraud")
    assert project["ProjectStatus"] == "CreateCompleted"
    [detail] = project["TemplateProviderDetails"]
    stack_name = detail["CfnTemplateProviderDetail"]["StackDetail"]["Name"]
    assert stack_name == f"SageMaker-{created['ProjectId']}-build"
    assert aws.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]["RoleARN"] == "arn:aws:iam::123456789012:role/cfn"
    assert sm.describe_model_package_group(ModelPackageGroupName="fraud-staging-models")["ModelPackageGroupDescription"] == created["ProjectId"]
    sm.delete_project(ProjectName="fraud")
    wait_for(lambda: sm.list_projects()["ProjectSummaryList"] == [])
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []


def test_names_are_unique_and_exactly_one_template_source_is_given(aws: EmbeddedAws) -> None:
    product_id = _product(aws)
    sm = aws.client("sagemaker")
    details = {"ProductId": product_id, "ProvisioningParameters": [{"Key": "Stage", "Value": "prod"}]}
    sm.create_project(ProjectName="churn", ServiceCatalogProvisioningDetails=details)
    with pytest.raises(ClientError, match="Project churn already exists"):
        sm.create_project(ProjectName="churn", ServiceCatalogProvisioningDetails=details)
    with pytest.raises(ClientError, match="exactly one of ServiceCatalogProvisioningDetails and TemplateProviders"):
        sm.create_project(ProjectName="other")
    _settled(aws, "churn")


def test_without_the_extension_moto_has_no_projects(aws: EmbeddedAws) -> None:
    with extensions.disabled("sagemaker-projects"):
        with pytest.raises(ClientError) as error:
            aws.client("sagemaker").list_projects()
    assert error.value.response["Error"]["Code"] == "NotImplemented"


def test_a_caller_without_a_launch_path_cannot_create_the_project(aws: EmbeddedAws) -> None:
    product_id = _product(aws, launch_path=False)
    with pytest.raises(ClientError) as raised:
        aws.client("sagemaker").create_project(ProjectName="orphan", ServiceCatalogProvisioningDetails={"ProductId": product_id})
    assert raised.value.response["Error"] == {"Code": "ValidationException",
                                              "Message": f"No launch paths found for resource: {product_id}"}
    assert aws.client("sagemaker").list_projects()["ProjectSummaryList"] == []


def test_the_s3_template_option_refuses_a_role_cloudformation_cannot_assume(aws: EmbeddedAws) -> None:
    url = _template(aws)
    sm = aws.client("sagemaker")
    sm.create_project(ProjectName="fraud", TemplateProviders=[{"CfnTemplateProvider": {
        "TemplateName": "build", "TemplateURL": url, "RoleARN": "arn:aws:iam::123456789012:role/missing",
        "Parameters": [{"Key": "Stage", "Value": "staging"}]}}])
    assert _settled(aws, "fraud")["ProjectStatus"] == "CreateFailed"
    assert aws.client("cloudformation").describe_stacks()["Stacks"] == []  # CreateStack itself was refused
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
