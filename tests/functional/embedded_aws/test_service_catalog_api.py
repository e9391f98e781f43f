"""Extension servicecatalog-admin-api: artifacts, associations, principals and constraints."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions

TEMPLATE_URL = "https://s3.amazonaws.com/b/notebook.json"


def _catalog(aws: EmbeddedAws) -> tuple[object, str, str]:
    sc = aws.client("servicecatalog")
    portfolio = sc.create_portfolio(DisplayName="p", ProviderName="platform")["PortfolioDetail"]["Id"]
    product = sc.create_product(
        Name="notebook", Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={"Name": "v1", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}},
    )
    return sc, portfolio, product["ProductViewDetail"]["ProductViewSummary"]["ProductId"]


def test_create_product_returns_and_stores_its_first_version(aws: EmbeddedAws) -> None:
    sc, _, product_id = _catalog(aws)
    sc.create_provisioning_artifact(ProductId=product_id, Parameters={"Name": "v2", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}})  # type: ignore[attr-defined]
    versions = sc.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]  # type: ignore[attr-defined]
    assert [v["Name"] for v in versions] == ["v1", "v2"]
    assert all(v["Id"].startswith("pa-") and len(v["Id"]) == 16 for v in versions)
    assert [a["Name"] for a in sc.describe_product(Id=product_id)["ProvisioningArtifacts"]] == ["v1", "v2"]  # type: ignore[attr-defined]


def test_duplicate_version_name_is_rejected(aws: EmbeddedAws) -> None:
    sc, _, product_id = _catalog(aws)
    with pytest.raises(ClientError) as raised:
        sc.create_provisioning_artifact(ProductId=product_id, Parameters={"Name": "v1", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}})  # type: ignore[attr-defined]
    assert raised.value.response["Error"] == {
        "Code": "InvalidParametersException",
        "Message": f"Provisioning artifact with name v1 already exists for product {product_id}",
    }


def test_constraint_needs_the_product_in_the_portfolio(aws: EmbeddedAws) -> None:
    sc, portfolio, product_id = _catalog(aws)
    launch = json.dumps({"LocalRoleName": "launch"})
    with pytest.raises(ClientError) as raised:
        sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH", Parameters=launch)  # type: ignore[attr-defined]
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)  # type: ignore[attr-defined]
    sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH", Parameters=launch)  # type: ignore[attr-defined]
    with pytest.raises(ClientError) as again:
        sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH", Parameters=launch)  # type: ignore[attr-defined]
    assert again.value.response["Error"]["Message"] == "Only one launch constraint can be set per product in a portfolio"


@pytest.mark.parametrize("parameters", [{}, {"RoleArn": "arn:aws:iam::1:role/a", "LocalRoleName": "a"}], ids=["neither", "both"])
def test_launch_constraint_takes_exactly_one_role(aws: EmbeddedAws, parameters: dict) -> None:
    sc, portfolio, product_id = _catalog(aws)
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)  # type: ignore[attr-defined]
    with pytest.raises(ClientError) as raised:
        sc.create_constraint(PortfolioId=portfolio, ProductId=product_id, Type="LAUNCH", Parameters=json.dumps(parameters))  # type: ignore[attr-defined]
    assert raised.value.response["Error"]["Message"] == "A launch constraint takes exactly one of RoleArn or LocalRoleName"


def test_principals_are_listed_and_validated(aws: EmbeddedAws) -> None:
    sc, portfolio, _ = _catalog(aws)
    sc.associate_principal_with_portfolio(PortfolioId=portfolio, PrincipalARN="arn:aws:iam::123456789012:role/analyst", PrincipalType="IAM")  # type: ignore[attr-defined]
    with pytest.raises(ClientError) as raised:
        sc.associate_principal_with_portfolio(PortfolioId=portfolio, PrincipalARN="x", PrincipalType="GROUP")  # type: ignore[attr-defined]
    assert raised.value.response["Error"]["Message"] == "PrincipalType must be one of IAM, IAM_PATTERN"
    assert sc.list_principals_for_portfolio(PortfolioId=portfolio)["Principals"] == [  # type: ignore[attr-defined]
        {"PrincipalARN": "arn:aws:iam::123456789012:role/analyst", "PrincipalType": "IAM"}]


def test_without_extension_associations_are_not_implemented(aws: EmbeddedAws) -> None:
    sc, portfolio, product_id = _catalog(aws)
    with extensions.disabled("servicecatalog-admin-api"), pytest.raises(ClientError) as raised:
        sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)  # type: ignore[attr-defined]
    assert raised.value.response["Error"] == {
        "Code": "NotImplemented", "Message": "AssociateProductWithPortfolio is not implemented by the embedded AWS"}


def test_describe_product_as_admin_shows_the_tags_studio_reads(aws: EmbeddedAws) -> None:
    sc = aws.client("servicecatalog")
    product_id = sc.create_product(
        Name="project", Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE", Tags=[{"Key": "sagemaker:studio-visibility", "Value": "true"}],
        ProvisioningArtifactParameters={"Name": "v1", "Info": {"LoadTemplateFromURL": TEMPLATE_URL}},
    )["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    described = sc.describe_product_as_admin(Id=product_id)
    assert described["Tags"] == [{"Key": "sagemaker:studio-visibility", "Value": "true"}]
    assert [a["Name"] for a in described["ProvisioningArtifactSummaries"]] == ["v1"]
    assert described["ProductViewDetail"]["ProductViewSummary"]["Name"] == "project"
