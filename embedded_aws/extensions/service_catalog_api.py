"""Service Catalog administration APIs moto 5.2.5 lacks: artifacts, associations, constraints.

moto stores portfolios and products only; ``CreateProduct`` drops the provisioning artifact and
the association, principal and constraint calls raise ``NotImplementedError``. The state added
here lives on moto's own backend object, so ``/moto-api/reset`` clears it with everything else.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.servicecatalog.exceptions import InvalidParametersException, ResourceNotFoundException
from moto.servicecatalog.models import ServiceCatalogBackend
from moto.servicecatalog.responses import ServiceCatalogResponse

from embedded_aws.extensions.base import Extension, Patcher

PRINCIPAL_TYPES = ("IAM", "IAM_PATTERN")
CONSTRAINT_TYPES = ("LAUNCH", "NOTIFICATION", "RESOURCE_UPDATE", "STACKSET", "TEMPLATE")


def new_id(prefix: str) -> str:
    """An id shaped like Service Catalog's (``pa-`` + 13 lowercase letters and digits)."""
    return prefix + "".join(random.choices(string.ascii_lowercase + string.digits, k=13))


@dataclass
class ProvisioningArtifact:
    id: str
    name: str
    description: str
    info: dict[str, str]
    type: str = "CLOUD_FORMATION_TEMPLATE"
    active: bool = True
    guidance: str = "DEFAULT"
    created_time: Any = field(default_factory=utcnow)

    def summary(self) -> dict[str, Any]:
        return {"Id": self.id, "Name": self.name, "Description": self.description, "CreatedTime": self.created_time}

    def detail(self) -> dict[str, Any]:
        return {**self.summary(), "Type": self.type, "Active": self.active, "Guidance": self.guidance}


@dataclass
class Constraint:
    id: str
    type: str
    portfolio_id: str
    product_id: str
    parameters: str
    description: str
    owner: str

    def detail(self) -> dict[str, Any]:
        return {
            "ConstraintId": self.id,
            "Type": self.type,
            "Description": self.description,
            "Owner": self.owner,
            "ProductId": self.product_id,
            "PortfolioId": self.portfolio_id,
        }


@dataclass
class CatalogState:
    """What moto's Service Catalog backend does not store."""

    artifacts: dict[str, list[ProvisioningArtifact]] = field(default_factory=dict)  # product id -> versions
    product_portfolios: dict[str, set[str]] = field(default_factory=dict)  # product id -> portfolio ids
    principals: dict[str, dict[str, str]] = field(default_factory=dict)  # portfolio id -> arn -> type
    constraints: dict[str, Constraint] = field(default_factory=dict)
    provisioned: dict[str, Any] = field(default_factory=dict)  # provisioned product id -> ProvisionedProduct
    records: dict[str, Any] = field(default_factory=dict)  # record id -> Record
    tokens: dict[str, str] = field(default_factory=dict)  # provision/terminate token -> record id


def catalog_state(backend: ServiceCatalogBackend) -> CatalogState:
    """The extension's state for one account and region (created on first use)."""
    state = backend.__dict__.get("_embedded_catalog")
    if state is None:
        state = backend.__dict__["_embedded_catalog"] = CatalogState()
    return state


def require_portfolio(backend: ServiceCatalogBackend, portfolio_id: str) -> None:
    if portfolio_id not in backend.portfolios:
        raise ResourceNotFoundException(f"Portfolio {portfolio_id} not found.")


def require_product(backend: ServiceCatalogBackend, product_id: str) -> None:
    if product_id not in backend.products:
        raise ResourceNotFoundException(f"Product {product_id} not found.")


def add_artifact(backend: ServiceCatalogBackend, product_id: str, parameters: dict[str, Any]) -> ProvisioningArtifact:
    """Store a new version of a product; ``Info.LoadTemplateFromURL`` (or ``ImportFromPhysicalId``) is required."""
    info = parameters.get("Info") or {}
    if not any(key in info for key in ("LoadTemplateFromURL", "ImportFromPhysicalId")):
        raise InvalidParametersException("ProvisioningArtifactParameters.Info must contain LoadTemplateFromURL")
    versions = catalog_state(backend).artifacts.setdefault(product_id, [])
    name = parameters.get("Name") or f"v{len(versions) + 1}"
    if any(version.name == name for version in versions):
        raise InvalidParametersException(f"Provisioning artifact with name {name} already exists for product {product_id}")
    artifact = ProvisioningArtifact(
        id=new_id("pa-"),
        name=name,
        description=parameters.get("Description", ""),
        info=dict(info),
        type=parameters.get("Type", "CLOUD_FORMATION_TEMPLATE"),
    )
    versions.append(artifact)
    return artifact


def artifacts_of(backend: ServiceCatalogBackend, product_id: str) -> list[ProvisioningArtifact]:
    require_product(backend, product_id)
    return catalog_state(backend).artifacts.get(product_id, [])


class _Api:
    """Methods added to moto's ``ServiceCatalogResponse`` (moto routes ``Action`` to snake_case)."""

    @staticmethod
    def create_product(self: Any) -> ActionResult:
        params = json.loads(self.body)
        artifact_parameters = params.get("ProvisioningArtifactParameters") or {}
        backend = self.servicecatalog_backend
        product = backend.create_product(
            name=params.get("Name"),
            owner=params.get("Owner"),
            description=params.get("Description"),
            distributor=params.get("Distributor"),
            support_description=params.get("SupportDescription"),
            support_email=params.get("SupportEmail"),
            support_url=params.get("SupportUrl"),
            product_type=params.get("ProductType"),
            tags=params.get("Tags"),
            provisioning_artifact_parameters=artifact_parameters,
            idempotency_token=params.get("IdempotencyToken"),
            source_connection=params.get("SourceConnection"),
            accept_language=params.get("AcceptLanguage"),
        )
        versions = catalog_state(backend).artifacts.get(product.id)
        artifact = versions[0] if versions else add_artifact(backend, product.id, artifact_parameters)
        return ActionResult(
            {
                "ProductViewDetail": {
                    "ProductViewSummary": product.to_dict(),
                    "Status": "AVAILABLE",
                    "ProductARN": product.arn,
                    "CreatedTime": product.created_time,
                },
                "ProvisioningArtifactDetail": artifact.detail(),
                "Tags": product.tags,
            }
        )

    @staticmethod
    def describe_product(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        product = backend.describe_product(params.get("AcceptLanguage"), params.get("Id"), params.get("Name"))
        return ActionResult(
            {
                "ProductViewSummary": product.to_dict(),
                "ProvisioningArtifacts": [a.summary() for a in artifacts_of(backend, product.id) if a.active],
                "Budgets": [],
                "LaunchPaths": [{"Id": pid, "Name": backend.portfolios[pid].display_name}
                                for pid in sorted(catalog_state(backend).product_portfolios.get(product.id, ()))
                                if pid in backend.portfolios],
            }
        )

    @staticmethod
    def describe_product_as_admin(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        product = backend.describe_product(params.get("AcceptLanguage"), params.get("Id"), params.get("Name"))
        return ActionResult(
            {
                "ProductViewDetail": {"ProductViewSummary": product.to_dict(), "Status": "AVAILABLE", "ProductARN": product.arn,
                                      "CreatedTime": product.created_time},
                "ProvisioningArtifactSummaries": [a.summary() for a in artifacts_of(backend, product.id)],
                "Tags": product.tags or [],
                "TagOptions": [],
                "Budgets": [],
            }
        )

    @staticmethod
    def create_provisioning_artifact(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        require_product(backend, params["ProductId"])
        artifact = add_artifact(backend, params["ProductId"], params.get("Parameters") or {})
        return ActionResult({"ProvisioningArtifactDetail": artifact.detail(), "Info": artifact.info, "Status": "CREATING"})

    @staticmethod
    def list_provisioning_artifacts(self: Any) -> ActionResult:
        params = json.loads(self.body)
        artifacts = artifacts_of(self.servicecatalog_backend, params["ProductId"])
        return ActionResult({"ProvisioningArtifactDetails": [a.detail() for a in artifacts]})

    @staticmethod
    def describe_provisioning_artifact(self: Any) -> ActionResult:
        params = json.loads(self.body)
        for artifact in artifacts_of(self.servicecatalog_backend, params["ProductId"]):
            if artifact.id == params.get("ProvisioningArtifactId") or artifact.name == params.get("ProvisioningArtifactName"):
                return ActionResult({"ProvisioningArtifactDetail": artifact.detail(), "Info": artifact.info, "Status": "AVAILABLE"})
        raise ResourceNotFoundException("Provisioning artifact not found.")

    @staticmethod
    def associate_product_with_portfolio(self: Any) -> EmptyResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        require_product(backend, params["ProductId"])
        require_portfolio(backend, params["PortfolioId"])
        catalog_state(backend).product_portfolios.setdefault(params["ProductId"], set()).add(params["PortfolioId"])
        return EmptyResult()

    @staticmethod
    def disassociate_product_from_portfolio(self: Any) -> EmptyResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        portfolios = catalog_state(backend).product_portfolios.get(params["ProductId"], set())
        if params["PortfolioId"] not in portfolios:
            raise ResourceNotFoundException(f"Product {params['ProductId']} is not in portfolio {params['PortfolioId']}.")
        portfolios.discard(params["PortfolioId"])
        return EmptyResult()

    @staticmethod
    def list_portfolios_for_product(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        require_product(backend, params["ProductId"])
        ids = sorted(catalog_state(backend).product_portfolios.get(params["ProductId"], ()))
        return ActionResult({"PortfolioDetails": [backend.portfolios[i].to_dict() for i in ids if i in backend.portfolios]})

    @staticmethod
    def search_products_as_admin(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        portfolio_id = params.get("PortfolioId")
        if portfolio_id:
            require_portfolio(backend, portfolio_id)
        products = [
            product for product in backend.products.values()
            if not portfolio_id or portfolio_id in catalog_state(backend).product_portfolios.get(product.id, ())
        ]
        return ActionResult(
            {"ProductViewDetails": [
                {"ProductViewSummary": p.to_dict(), "Status": "AVAILABLE", "ProductARN": p.arn, "CreatedTime": p.created_time}
                for p in products
            ]}
        )

    @staticmethod
    def associate_principal_with_portfolio(self: Any) -> EmptyResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        require_portfolio(backend, params["PortfolioId"])
        if params.get("PrincipalType") not in PRINCIPAL_TYPES:
            raise InvalidParametersException(f"PrincipalType must be one of {', '.join(PRINCIPAL_TYPES)}")
        catalog_state(backend).principals.setdefault(params["PortfolioId"], {})[params["PrincipalARN"]] = params["PrincipalType"]
        return EmptyResult()

    @staticmethod
    def disassociate_principal_from_portfolio(self: Any) -> EmptyResult:
        params = json.loads(self.body)
        principals = catalog_state(self.servicecatalog_backend).principals.get(params["PortfolioId"], {})
        if params["PrincipalARN"] not in principals:
            raise ResourceNotFoundException(f"Principal {params['PrincipalARN']} is not associated.")
        del principals[params["PrincipalARN"]]
        return EmptyResult()

    @staticmethod
    def list_principals_for_portfolio(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        require_portfolio(backend, params["PortfolioId"])
        principals = catalog_state(backend).principals.get(params["PortfolioId"], {})
        return ActionResult({"Principals": [{"PrincipalARN": arn, "PrincipalType": kind} for arn, kind in principals.items()]})

    @staticmethod
    def create_constraint(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        require_portfolio(backend, params["PortfolioId"])
        require_product(backend, params["ProductId"])
        if params["PortfolioId"] not in catalog_state(backend).product_portfolios.get(params["ProductId"], ()):
            raise ResourceNotFoundException(f"Product {params['ProductId']} is not in portfolio {params['PortfolioId']}.")
        kind = params.get("Type")
        if kind not in CONSTRAINT_TYPES:
            raise InvalidParametersException(f"Type must be one of {', '.join(CONSTRAINT_TYPES)}")
        parameters = json.loads(params.get("Parameters") or "{}")
        if kind == "LAUNCH" and ("RoleArn" in parameters) == ("LocalRoleName" in parameters):
            raise InvalidParametersException("A launch constraint takes exactly one of RoleArn or LocalRoleName")
        existing = [c for c in catalog_state(backend).constraints.values()
                    if (c.portfolio_id, c.product_id, c.type) == (params["PortfolioId"], params["ProductId"], kind)]
        if kind == "LAUNCH" and existing:
            raise InvalidParametersException("Only one launch constraint can be set per product in a portfolio")
        constraint = Constraint(
            id=new_id("cons-"), type=kind, portfolio_id=params["PortfolioId"], product_id=params["ProductId"],
            parameters=json.dumps(parameters), description=params.get("Description", ""), owner=backend.account_id,
        )
        catalog_state(backend).constraints[constraint.id] = constraint
        return ActionResult({"ConstraintDetail": constraint.detail(), "ConstraintParameters": constraint.parameters, "Status": "AVAILABLE"})

    @staticmethod
    def describe_constraint(self: Any) -> ActionResult:
        params = json.loads(self.body)
        constraint = catalog_state(self.servicecatalog_backend).constraints.get(params["Id"])
        if constraint is None:
            raise ResourceNotFoundException(f"Constraint {params['Id']} not found.")
        return ActionResult({"ConstraintDetail": constraint.detail(), "ConstraintParameters": constraint.parameters, "Status": "AVAILABLE"})

    @staticmethod
    def delete_constraint(self: Any) -> EmptyResult:
        params = json.loads(self.body)
        if catalog_state(self.servicecatalog_backend).constraints.pop(params["Id"], None) is None:
            raise ResourceNotFoundException(f"Constraint {params['Id']} not found.")
        return EmptyResult()

    @staticmethod
    def list_constraints_for_portfolio(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend = self.servicecatalog_backend
        require_portfolio(backend, params["PortfolioId"])
        constraints = [c for c in catalog_state(backend).constraints.values()
                       if c.portfolio_id == params["PortfolioId"] and params.get("ProductId") in (None, c.product_id)]
        return ActionResult({"ConstraintDetails": [c.detail() for c in constraints]})


API_METHODS = {name: value.__func__ for name, value in vars(_Api).items() if isinstance(value, staticmethod)}


class ServiceCatalogAdminApi(Extension):
    name = "servicecatalog-admin-api"
    summary = "Provisioning artifacts, product/principal associations and constraints are stored and listed"

    def install(self, patcher: Patcher) -> None:
        for name, method in API_METHODS.items():
            patcher.replace(ServiceCatalogResponse, name, method)
