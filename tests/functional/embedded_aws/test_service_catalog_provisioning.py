"""Extension servicecatalog-provisioning: products become real stacks, asynchronously, with records."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.extensions.service_catalog_provisioning import template_location
from support import server_error, wait_for

PRODUCT_TEMPLATE = {
    "Parameters": {"UserName": {"Type": "String", "AllowedPattern": "^[a-z]+$"}},
    "Resources": {"Notebook": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
        "NotebookInstanceName": {"Fn::Sub": "${UserName}-Notebook"}, "InstanceType": "ml.t3.medium",
        "RoleArn": "arn:aws:iam::123456789012:role/notebook"}}},
    "Outputs": {"NotebookName": {"Value": {"Fn::GetAtt": ["Notebook", "NotebookInstanceName"]}}},
}


ADMIN = "arn:aws:iam::123456789012:user/embedded-admin"  # the principal behind aws.client(...)


#: What AWS's launch-role example grants to read Service Catalog's copy of the template.
READ_TEMPLATE = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}}}
#: Service Catalog calls CloudFormation as the launch role: the provisioned products' stacks.
STACKS = {"Sid": "Stacks", "Effect": "Allow", "Resource": "arn:aws:cloudformation:*:*:stack/SC-*", "Action": [
    "cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents"]}
#: CloudFormation creates the product's resources as the launch role too.
NOTEBOOKS = {"Sid": "Notebooks", "Effect": "Allow", "Resource": "arn:aws:sagemaker:*:*:notebook-instance/*", "Action": [
    "sagemaker:CreateNotebookInstance", "sagemaker:AddTags", "sagemaker:StopNotebookInstance", "sagemaker:DeleteNotebookInstance"]}
PASS_NOTEBOOK_ROLE = {"Sid": "PassNotebookRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/notebook"}
LAUNCH = (READ_TEMPLATE, STACKS, NOTEBOOKS, PASS_NOTEBOOK_ROLE)


def _launch_role(aws: EmbeddedAws, *statements: dict) -> None:
    iam = aws.client("iam")
    iam.create_role(RoleName="launch", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "servicecatalog.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    if statements:
        iam.put_role_policy(RoleName="launch", PolicyName="launch", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": list(statements)}))


def _product(aws: EmbeddedAws, launch_role: bool = True, principal: str | None = ADMIN, role_statements: tuple | None = LAUNCH) -> str:
    s3, sc = aws.client("s3"), aws.client("servicecatalog")
    if launch_role and role_statements is not None:
        _launch_role(aws, *role_statements)
    s3.create_bucket(Bucket="products")
    s3.put_object(Bucket="products", Key="notebook.json", Body=json.dumps(PRODUCT_TEMPLATE).encode())
    portfolio = sc.create_portfolio(DisplayName="p", ProviderName="platform")["PortfolioDetail"]["Id"]
    product = sc.create_product(Name="notebook", Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
                                ProvisioningArtifactParameters={"Name": "v1", "Info": {
                                    "LoadTemplateFromURL": "https://products.s3.us-east-1.amazonaws.com/notebook.json"}})
    product_id = product["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
    if principal:  # a launch path for the caller, without which Service Catalog refuses ProvisionProduct
        sc.associate_principal_with_portfolio(PortfolioId=portfolio, PrincipalARN=principal, PrincipalType="IAM")
    if launch_role:
        sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH", Parameters=json.dumps({"LocalRoleName": "launch"}))
    return product_id


def _provision(aws: EmbeddedAws, product_id: str, user: str = "ana", token: str = "t-1") -> dict:
    return aws.client("servicecatalog").provision_product(
        ProductId=product_id, ProvisioningArtifactName="v1", ProvisionedProductName=f"{user}-Notebook",
        ProvisionToken=token, ProvisioningParameters=[{"Key": "UserName", "Value": user}],
        Tags=[{"Key": "owner", "Value": user}])["RecordDetail"]


def _settled(aws: EmbeddedAws, record_id: str) -> dict:
    sc = aws.client("servicecatalog")
    return wait_for(lambda: (r := sc.describe_record(Id=record_id))["RecordDetail"]["Status"] in ("SUCCEEDED", "FAILED") and r)


def test_provisioning_creates_the_stack_with_the_launch_role(aws: EmbeddedAws) -> None:
    record = _provision(aws, _product(aws))
    assert record["Status"] == "CREATED" and record["RecordType"] == "PROVISION_PRODUCT"
    settled = _settled(aws, record["RecordId"])
    assert settled["RecordDetail"]["Status"] == "SUCCEEDED"
    assert settled["RecordOutputs"] == [{"OutputKey": "NotebookName", "OutputValue": "ana-Notebook", "Description": ""}]
    assert settled["RecordDetail"]["LaunchRoleArn"] == "arn:aws:iam::123456789012:role/launch"
    stack = aws.client("cloudformation").describe_stacks(StackName=f"SC-123456789012-{record['ProvisionedProductId']}")["Stacks"][0]
    assert "RoleARN" not in stack  # Service Catalog calls CloudFormation as the launch role: no service role on the stack
    assert {"Key": "owner", "Value": "ana"} in stack["Tags"]
    [found] = aws.client("servicecatalog").search_provisioned_products(
        Filters={"SearchQuery": [f"id:{record['ProvisionedProductId']}"]})["ProvisionedProducts"]
    assert found["PhysicalId"] == stack["StackId"] and found["Tags"] == [{"Key": "owner", "Value": "ana"}]
    assert aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName="ana-Notebook")["NotebookInstanceStatus"] in ("Pending", "InService")
    detail = aws.client("servicecatalog").describe_provisioned_product(Name="ana-Notebook")["ProvisionedProductDetail"]
    assert (detail["Status"], detail["LastSuccessfulProvisioningRecordId"]) == ("AVAILABLE", record["RecordId"])


def test_same_token_returns_the_same_record_and_provisions_once(aws: EmbeddedAws) -> None:
    product_id = _product(aws)
    first, second = _provision(aws, product_id), _provision(aws, product_id)
    assert first["RecordId"] == second["RecordId"]
    _settled(aws, first["RecordId"])
    assert len(aws.client("servicecatalog").scan_provisioned_products()["ProvisionedProducts"]) == 1


def test_duplicate_name_with_a_new_token_is_refused(aws: EmbeddedAws) -> None:
    product_id = _product(aws)
    _provision(aws, product_id)
    with pytest.raises(ClientError) as raised:
        _provision(aws, product_id, token="t-2")
    assert raised.value.response["Error"] == {"Code": "DuplicateResourceException",
                                              "Message": "A provisioned product with the name ana-Notebook already exists."}


def test_bad_parameter_fails_the_record_with_the_stack_error(aws: EmbeddedAws) -> None:
    record = _provision(aws, _product(aws), user="Ana-1")
    settled = _settled(aws, record["RecordId"])
    assert settled["RecordDetail"]["Status"] == "FAILED"
    [error] = settled["RecordDetail"]["RecordErrors"]
    assert "UserName" in error["Description"]
    assert aws.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []


def test_terminate_deletes_the_stack_and_the_notebook(aws: EmbeddedAws) -> None:
    sc, sm = aws.client("servicecatalog"), aws.client("sagemaker")
    record = _provision(aws, _product(aws))
    _settled(aws, record["RecordId"])
    wait_for(lambda: sm.describe_notebook_instance(NotebookInstanceName="ana-Notebook")["NotebookInstanceStatus"] == "InService")
    terminated = sc.terminate_provisioned_product(ProvisionedProductName="ana-Notebook", TerminateToken="x-1")["RecordDetail"]
    assert _settled(aws, terminated["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    wait_for(lambda: not sm.list_notebook_instances()["NotebookInstances"])
    assert sc.scan_provisioned_products()["ProvisionedProducts"] == []


def test_unknown_artifact_is_refused(aws: EmbeddedAws) -> None:
    product_id = _product(aws)
    with pytest.raises(ClientError) as raised:
        aws.client("servicecatalog").provision_product(ProductId=product_id, ProvisioningArtifactName="v9",
                                                       ProvisionedProductName="x", ProvisionToken="t")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://b.s3.us-east-1.amazonaws.com/k/t.json", ("b", "k/t.json")),
    ("https://b.s3.amazonaws.com/t.json", ("b", "t.json")),
    ("https://s3.amazonaws.com/b/t.json", ("b", "t.json")),
])
def test_template_location(url: str, expected: tuple[str, str]) -> None:
    assert template_location(url) == expected


def test_without_extension_provision_product_is_not_implemented(aws: EmbeddedAws) -> None:
    product_id = _product(aws)
    with extensions.disabled("servicecatalog-provisioning"), server_error():
        _provision(aws, product_id)


# -- launch paths -------------------------------------------------------------------------------------------------
def test_a_principal_without_a_launch_path_is_refused_and_nothing_is_provisioned(aws: EmbeddedAws) -> None:
    product_id = _product(aws, principal=None)
    with pytest.raises(ClientError) as raised:
        _provision(aws, product_id)
    assert raised.value.response["Error"] == {"Code": "ResourceNotFoundException",
                                              "Message": f"No launch paths found for resource: {product_id}"}
    assert aws.client("servicecatalog").search_provisioned_products()["ProvisionedProducts"] == []


def test_a_group_association_is_a_launch_path_for_its_members_only(aws: EmbeddedAws) -> None:
    from embedded_aws.clients import credentials_client

    product_id = _product(aws, principal=None)
    sc, iam = aws.client("servicecatalog"), aws.client("iam")
    portfolio = sc.list_portfolios_for_product(ProductId=product_id)["PortfolioDetails"][0]["Id"]
    group = iam.create_group(GroupName="analysts")["Group"]["Arn"]
    sc.associate_principal_with_portfolio(PortfolioId=portfolio, PrincipalARN=group, PrincipalType="IAM")
    for name in ("ana", "outsider"):
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="launch", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "servicecatalog:ProvisionProduct", "Resource": "*"}]}))
    iam.add_user_to_group(GroupName="analysts", UserName="ana")

    def catalog(user: str) -> object:
        key = iam.create_access_key(UserName=user)["AccessKey"]
        return credentials_client(aws.endpoint_url, "servicecatalog", key["AccessKeyId"], key["SecretAccessKey"], region=aws.region)

    request = {"ProductId": product_id, "ProvisioningArtifactName": "v1", "ProvisioningParameters": [{"Key": "UserName", "Value": "ana"}]}
    record = catalog("ana").provision_product(ProvisionedProductName="ana-Notebook", ProvisionToken="t-ana", **request)
    assert record["RecordDetail"]["PathId"] == portfolio
    with pytest.raises(ClientError, match="No launch paths found"):
        catalog("outsider").provision_product(ProvisionedProductName="x-Notebook", ProvisionToken="t-x", **request)



@pytest.mark.parametrize(("statements", "reason"), [
    ((), "is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::products/notebook.json"),
    (None, "Service Catalog cannot assume the launch role arn:aws:iam::123456789012:role/launch"),
], ids=["cannot-read-template", "no-such-role"])
def test_a_launch_role_that_cannot_read_the_template_fails_the_record(aws: EmbeddedAws, statements: tuple | None, reason: str) -> None:
    record = _provision(aws, _product(aws, role_statements=statements))
    settled = _settled(aws, record["RecordId"])["RecordDetail"]
    assert settled["Status"] == "FAILED"
    assert reason in settled["RecordErrors"][0]["Description"]


def _failure(aws: EmbeddedAws, product_id: str) -> str:
    settled = _settled(aws, _provision(aws, product_id)["RecordId"])["RecordDetail"]
    assert settled["Status"] == "FAILED"
    return str(settled["RecordErrors"][0]["Description"])


@pytest.mark.parametrize(("left_out", "refusal"), [
    (STACKS, "User: arn:aws:sts::123456789012:assumed-role/launch/servicecatalog is not authorized to perform: "
             "cloudformation:CreateStack on resource: arn:aws:cloudformation:us-east-1:123456789012:stack/SC-123456789012-pp-"),
    (NOTEBOOKS, 'Notebook: Resource handler returned message: "User: arn:aws:sts::123456789012:assumed-role/launch/servicecatalog '
                "is not authorized to perform: sagemaker:CreateNotebookInstance on resource: "
                "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/ana-notebook because no identity-based policy allows"),
    (PASS_NOTEBOOK_ROLE, 'Notebook: Resource handler returned message: "User: arn:aws:sts::123456789012:assumed-role/launch/'
                         "servicecatalog is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/notebook"),
], ids=["stacks", "notebooks", "pass-role"])
def test_the_launch_role_creates_the_stack_and_its_resources_with_its_own_rights(aws: EmbeddedAws, left_out: dict, refusal: str) -> None:
    description = _failure(aws, _product(aws, role_statements=tuple(s for s in LAUNCH if s is not left_out)))
    assert description.startswith(refusal), description
    assert aws.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []


def test_without_a_launch_constraint_the_end_users_own_rights_decide(aws: EmbeddedAws) -> None:
    from embedded_aws.clients import credentials_client

    iam = aws.client("iam")
    iam.create_user(UserName="ana")
    iam.put_user_policy(UserName="ana", PolicyName="launch", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["servicecatalog:ProvisionProduct", "servicecatalog:DescribeRecord"], "Resource": "*"}, STACKS]}))
    product_id = _product(aws, launch_role=False, principal="arn:aws:iam::123456789012:user/ana")
    key = iam.create_access_key(UserName="ana")["AccessKey"]
    catalog = credentials_client(aws.endpoint_url, "servicecatalog", key["AccessKeyId"], key["SecretAccessKey"], region=aws.region)
    record = catalog.provision_product(ProductId=product_id, ProvisioningArtifactName="v1", ProvisionedProductName="ana-Notebook",
                                       ProvisionToken="t-ana", ProvisioningParameters=[{"Key": "UserName", "Value": "ana"}])["RecordDetail"]
    description = _settled(aws, record["RecordId"])["RecordDetail"]["RecordErrors"][0]["Description"]
    assert description.startswith('Notebook: Resource handler returned message: "User: arn:aws:iam::123456789012:user/ana is not '
                                  "authorized to perform: sagemaker:CreateNotebookInstance"), description
