"""CloudFormation creates Service Catalog portfolios, products, associations and launch constraints.

moto 5.2.5 skips all five ``AWS::ServiceCatalog::*`` types the notebook product uses.
Requires the ``servicecatalog-admin-api`` extension for the calls moto does not implement.
"""

from __future__ import annotations

import json
from typing import Any

from embedded_aws.extensions.cfn_resource import ApiResource, ResourceTypesExtension, cfn_tags
from embedded_aws.extensions.service_catalog_api import ServiceCatalogAdminApi


class Portfolio(ApiResource):
    TYPE = "AWS::ServiceCatalog::Portfolio"
    SERVICE = "servicecatalog"
    ATTRIBUTES = ("PortfolioName",)

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        detail = client.create_portfolio(
            DisplayName=properties["DisplayName"],
            ProviderName=properties["ProviderName"],
            Description=properties.get("Description", ""),
            Tags=cfn_tags(properties),
        )["PortfolioDetail"]
        return detail["Id"], {"PortfolioName": detail["DisplayName"]}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_portfolio(Id=physical_id)


class CloudFormationProduct(ApiResource):
    TYPE = "AWS::ServiceCatalog::CloudFormationProduct"
    SERVICE = "servicecatalog"
    ATTRIBUTES = ("ProductName", "ProvisioningArtifactIds", "ProvisioningArtifactNames")

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        versions = properties["ProvisioningArtifactParameters"]
        response = client.create_product(
            Name=properties["Name"],
            Owner=properties["Owner"],
            Description=properties.get("Description", ""),
            Distributor=properties.get("Distributor", ""),
            SupportDescription=properties.get("SupportDescription", ""),
            SupportEmail=properties.get("SupportEmail", ""),
            ProductType=properties.get("ProductType", "CLOUD_FORMATION_TEMPLATE"),
            Tags=cfn_tags(properties),
            ProvisioningArtifactParameters=_artifact(versions[0]),
        )
        product_id = response["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
        details = [response["ProvisioningArtifactDetail"]]
        for version in versions[1:]:
            details.append(client.create_provisioning_artifact(ProductId=product_id, Parameters=_artifact(version))["ProvisioningArtifactDetail"])
        return product_id, {
            "ProductName": properties["Name"],
            "ProvisioningArtifactIds": ",".join(d["Id"] for d in details),
            "ProvisioningArtifactNames": ",".join(d["Name"] for d in details),
        }

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_product(Id=physical_id)


def _artifact(version: dict[str, Any]) -> dict[str, Any]:
    artifact = {"Name": version.get("Name", ""), "Description": version.get("Description", ""), "Info": version["Info"]}
    artifact["Type"] = version.get("Type", "CLOUD_FORMATION_TEMPLATE")
    return {key: value for key, value in artifact.items() if value != ""}


class PortfolioProductAssociation(ApiResource):
    TYPE = "AWS::ServiceCatalog::PortfolioProductAssociation"
    SERVICE = "servicecatalog"

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        client.associate_product_with_portfolio(ProductId=properties["ProductId"], PortfolioId=properties["PortfolioId"])
        return f"{properties['PortfolioId']}|{properties['ProductId']}", {}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.disassociate_product_from_portfolio(ProductId=properties["ProductId"], PortfolioId=properties["PortfolioId"])


class PortfolioPrincipalAssociation(ApiResource):
    TYPE = "AWS::ServiceCatalog::PortfolioPrincipalAssociation"
    SERVICE = "servicecatalog"

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        client.associate_principal_with_portfolio(
            PortfolioId=properties["PortfolioId"],
            PrincipalARN=properties["PrincipalARN"],
            PrincipalType=properties["PrincipalType"],
        )
        return f"{properties['PortfolioId']}|{properties['PrincipalARN']}", {}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.disassociate_principal_from_portfolio(PortfolioId=properties["PortfolioId"], PrincipalARN=properties["PrincipalARN"])


class LaunchRoleConstraint(ApiResource):
    TYPE = "AWS::ServiceCatalog::LaunchRoleConstraint"
    SERVICE = "servicecatalog"

    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        parameters = {key: properties[key] for key in ("RoleArn", "LocalRoleName") if key in properties}
        detail = client.create_constraint(
            PortfolioId=properties["PortfolioId"],
            ProductId=properties["ProductId"],
            Type="LAUNCH",
            Parameters=json.dumps(parameters),
            Description=properties.get("Description", ""),
        )["ConstraintDetail"]
        return detail["ConstraintId"], {}

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        client.delete_constraint(Id=physical_id)


RESOURCE_TYPES = (Portfolio, CloudFormationProduct, PortfolioProductAssociation, PortfolioPrincipalAssociation, LaunchRoleConstraint)


class ServiceCatalogResources(ResourceTypesExtension):
    name = "cfn-servicecatalog"
    summary = ("AWS::ServiceCatalog::{Portfolio,CloudFormationProduct,PortfolioProductAssociation,PortfolioPrincipalAssociation,"
               "LaunchRoleConstraint} are created")
    requires = (ServiceCatalogAdminApi.name,)
    resource_types = RESOURCE_TYPES
