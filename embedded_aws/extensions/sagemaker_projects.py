"""SageMaker projects: CreateProject launches a project template, DeleteProject removes what it launched.

moto 5.2.5 has no SageMaker projects. Here, as in SageMaker:

* ``CreateProject`` with ``ServiceCatalogProvisioningDetails`` provisions the product (its default,
  i.e. newest active, version unless one is named) through Service Catalog with the caller's
  parameters plus ``SageMakerProjectName`` and ``SageMakerProjectId``, tagging it
  ``sagemaker:project-name`` / ``sagemaker:project-id``; with ``TemplateProviders`` it creates the
  CloudFormation stack of the template at ``TemplateURL`` with ``RoleARN`` (the S3-stored template option);
* the project is ``Pending``, then ``CreateInProgress``, then ``CreateCompleted`` or ``CreateFailed``
  with the provisioning error as ``ProvisionedProductStatusMessage``;
* ``DeleteProject`` terminates the provisioned product (or deletes the stack): ``DeleteInProgress``,
  then the project is gone, or ``DeleteFailed`` with the reason;
* names are unique per account and region; ``ListProjects`` sorts by creation time, newest first.

Emulation choices (the real service does not document them): the provisioned product is named
``SageMaker-<project name>-<project id>``, a template-provider stack ``SageMaker-<project id>-<template name>``.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.servicecatalog.exceptions import ResourceNotFoundException
from moto.servicecatalog.models import servicecatalog_backends

from embedded_aws.extensions.base import Extension, Patcher, Workers
from embedded_aws.extensions.cfn_resource import service_client
from embedded_aws.extensions.service_catalog_provisioning import ServiceCatalogProvisioning, require_launch_path

WORKERS = Workers("project")
POLL_SECONDS = 0.1
TIMEOUT_SECONDS = 600.0


@dataclass
class Project:
    name: str
    id: str
    arn: str
    description: str
    created_by: str
    tags: list[dict[str, str]]
    catalog: dict[str, Any] | None
    providers: list[dict[str, Any]]
    status: str = "Pending"
    provisioned_product_id: str | None = None
    status_message: str | None = None
    stacks: dict[str, dict[str, str]] = field(default_factory=dict)
    created: Any = field(default_factory=utcnow)
    modified: Any = field(default_factory=utcnow)

    def summary(self) -> dict[str, Any]:
        return {"ProjectName": self.name, "ProjectDescription": self.description, "ProjectArn": self.arn, "ProjectId": self.id,
                "CreationTime": self.created, "ProjectStatus": self.status}

    def detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {**self.summary(), "CreatedBy": {"UserProfileName": self.created_by}, "LastModifiedTime": self.modified}
        if self.catalog is not None:
            detail["ServiceCatalogProvisioningDetails"] = self.catalog
            provisioned = {"ProvisionedProductId": self.provisioned_product_id, "ProvisionedProductStatusMessage": self.status_message}
            detail["ServiceCatalogProvisionedProductDetails"] = {k: v for k, v in provisioned.items() if v}
        if self.providers:
            detail["TemplateProviderDetails"] = [{"CfnTemplateProviderDetail": {
                **p["CfnTemplateProvider"], **({"StackDetail": self.stacks[p["CfnTemplateProvider"]["TemplateName"]]}
                                               if p["CfnTemplateProvider"]["TemplateName"] in self.stacks else {})}}
                for p in self.providers]
        return {k: v for k, v in detail.items() if v not in (None, "")}

    def settle(self, status: str, message: str | None = None) -> None:
        self.status, self.modified = status, utcnow()
        if message is not None:
            self.status_message = message


def projects(backend: SageMakerModelBackend) -> dict[str, Project]:
    if not hasattr(backend, "projects_by_name"):
        backend.projects_by_name = {}
    return backend.projects_by_name


def _project(backend: SageMakerModelBackend, name: str) -> Project:
    project = projects(backend).get(name)
    if project is None:
        raise ValidationError(message=f"Project {name} does not exist.")
    return project


def _new_id() -> str:
    return "p-" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(12))


def _wait(probe: Any) -> Any:
    """Call ``probe`` until it answers (not ``None``), the workers stop, or the timeout passes."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline and not WORKERS.stopping.is_set():
        answer = probe()
        if answer is not None:
            return answer
        time.sleep(POLL_SECONDS)
    return ("TIMEOUT", "the embedded AWS stopped waiting")


def _record_result(catalog: Any, record_id: str) -> Any:
    record = catalog.describe_record(Id=record_id)["RecordDetail"]
    if record["Status"] in ("SUCCEEDED", "FAILED"):
        return record["Status"], "; ".join(e.get("Description", "") for e in record.get("RecordErrors", []))
    return None


def _stack_result(cfn: Any, stack_id: str) -> Any:
    stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    if stack["StackStatus"].endswith("_IN_PROGRESS"):
        return None
    return stack["StackStatus"], stack.get("StackStatusReason", "")


def _create(backend: SageMakerModelBackend, project: Project) -> None:
    project.settle("CreateInProgress")
    account, region = backend.account_id, backend.region_name
    sagemaker_tags = [{"Key": "sagemaker:project-name", "Value": project.name}, {"Key": "sagemaker:project-id", "Value": project.id}]
    given = {"SageMakerProjectName": project.name, "SageMakerProjectId": project.id}
    try:
        if project.catalog is not None:
            catalog = service_client("servicecatalog", account, region)
            details = project.catalog
            artifact = details.get("ProvisioningArtifactId") or _default_artifact(catalog, details["ProductId"])
            parameters = [*details.get("ProvisioningParameters", []), *({"Key": k, "Value": v} for k, v in given.items())]
            record = catalog.provision_product(
                ProductId=details["ProductId"], ProvisioningArtifactId=artifact, ProvisionToken=project.id,
                ProvisionedProductName=f"SageMaker-{project.name}-{project.id}", ProvisioningParameters=parameters,
                Tags=[*project.tags, *sagemaker_tags], **({"PathId": details["PathId"]} if details.get("PathId") else {}))["RecordDetail"]
            project.provisioned_product_id = record["ProvisionedProductId"]
            status, message = _wait(lambda: _record_result(catalog, record["RecordId"]))
            ok = status == "SUCCEEDED"
        else:
            cfn = service_client("cloudformation", account, region)
            ok, message = True, ""
            for provider in (p["CfnTemplateProvider"] for p in project.providers):
                stack_id = cfn.create_stack(
                    StackName=f"SageMaker-{project.id}-{provider['TemplateName']}", TemplateURL=provider["TemplateURL"],
                    Parameters=[{"ParameterKey": p["Key"], "ParameterValue": p["Value"]}
                                for p in [*provider.get("Parameters", []), *_declared(cfn, provider["TemplateURL"], given)]],
                    Tags=[*project.tags, *sagemaker_tags], Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                    **({"RoleARN": provider["RoleARN"]} if provider.get("RoleARN") else {}))["StackId"]
                status, message = _wait(lambda stack_id=stack_id: _stack_result(cfn, stack_id))
                project.stacks[provider["TemplateName"]] = {"Name": stack_id.split("/")[1], "Id": stack_id, "StatusMessage": status}
                ok = status == "CREATE_COMPLETE"
                if not ok:
                    break
    except ClientError as exc:
        ok, message = False, exc.response["Error"].get("Message", str(exc))
    project.settle("CreateCompleted" if ok else "CreateFailed", None if ok else message)


def _default_artifact(catalog: Any, product_id: str) -> str:
    artifacts = [a for a in catalog.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"] if a.get("Active", True)]
    if not artifacts:
        raise ClientError({"Error": {"Code": "ValidationException", "Message": f"Product {product_id} has no active version"}},
                          "CreateProject")
    return str(max(artifacts, key=lambda a: a["CreatedTime"])["Id"])


def _declared(cfn: Any, template_url: str, given: dict[str, str]) -> list[dict[str, str]]:
    """SageMaker's own parameters, for the ones the template declares."""
    declared = {p["ParameterKey"] for p in cfn.get_template_summary(TemplateURL=template_url).get("Parameters", [])}
    return [{"Key": k, "Value": v} for k, v in given.items() if k in declared]


def _delete(backend: SageMakerModelBackend, project: Project) -> None:
    project.settle("DeleteInProgress")
    account, region = backend.account_id, backend.region_name
    try:
        if project.provisioned_product_id:
            catalog = service_client("servicecatalog", account, region)
            record = catalog.terminate_provisioned_product(ProvisionedProductId=project.provisioned_product_id,
                                                           TerminateToken=f"{project.id}-delete")["RecordDetail"]
            status, message = _wait(lambda: _record_result(catalog, record["RecordId"]))
            ok = status == "SUCCEEDED"
        else:
            cfn = service_client("cloudformation", account, region)
            ok, message = True, ""
            for stack in project.stacks.values():
                cfn.delete_stack(StackName=stack["Id"])
                status, message = _wait(lambda stack_id=stack["Id"]: _stack_result(cfn, stack_id))
                ok = ok and status == "DELETE_COMPLETE"
    except ClientError as exc:
        ok, message = False, exc.response["Error"].get("Message", str(exc))
    if ok:
        project.settle("DeleteCompleted")
        projects(backend).pop(project.name, None)
    else:
        project.settle("DeleteFailed", message)


class _Api:
    @staticmethod
    def create_project(self: Any) -> ActionResult:
        backend, name = self.sagemaker_backend, self._get_param("ProjectName")
        catalog, providers = self._get_param("ServiceCatalogProvisioningDetails"), self._get_param("TemplateProviders") or []
        if name in projects(backend):
            raise ValidationError(message=f"Project {name} already exists.")
        if (catalog is None) == (not providers):
            raise ValidationError(message="Provide exactly one of ServiceCatalogProvisioningDetails and TemplateProviders.")
        if catalog is not None and not catalog.get("ProductId"):
            raise ValidationError(message="ServiceCatalogProvisioningDetails.ProductId is required.")
        if catalog is not None:  # the caller needs a launch path to the product, as for ProvisionProduct
            try:
                require_launch_path(servicecatalog_backends[self.current_account][backend.region_name],
                                    catalog["ProductId"], self.get_access_key())
            except ResourceNotFoundException as exc:
                raise ValidationError(message=exc.message) from exc
        project_id = _new_id()
        project = Project(name=name, id=project_id, description=self._get_param("ProjectDescription") or "",
                          arn=f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:project/{name}",
                          created_by=self.current_account, tags=self._get_param("Tags") or [], catalog=catalog, providers=providers)
        projects(backend)[name] = project
        WORKERS.start(project.arn, lambda: _create(backend, project))
        return ActionResult({"ProjectArn": project.arn, "ProjectId": project_id})

    @staticmethod
    def describe_project(self: Any) -> ActionResult:
        return ActionResult(_project(self.sagemaker_backend, self._get_param("ProjectName")).detail())

    @staticmethod
    def list_projects(self: Any) -> ActionResult:
        contains = self._get_param("NameContains") or ""
        found = sorted((p for p in projects(self.sagemaker_backend).values() if contains in p.name),
                       key=lambda p: p.created, reverse=self._get_param("SortOrder", "Descending") == "Descending")
        return ActionResult({"ProjectSummaryList": [p.summary() for p in found]})

    @staticmethod
    def delete_project(self: Any) -> ActionResult:
        backend = self.sagemaker_backend
        project = _project(backend, self._get_param("ProjectName"))
        if project.status.endswith("InProgress") or project.status == "Pending":
            raise ValidationError(message=f"Project {project.name} is {project.status}; try again when it settles.")
        WORKERS.start(project.arn, lambda: _delete(backend, project))
        return ActionResult({})


class SageMakerProjects(Extension):
    name = "sagemaker-projects"
    summary = "CreateProject/DescribeProject/ListProjects/DeleteProject launch and remove a project template (Service Catalog or S3)"
    requires = (ServiceCatalogProvisioning.name,)

    def install(self, patcher: Patcher) -> None:
        patcher.replace_methods(SageMakerResponse, _Api)

    def reset(self) -> None:
        WORKERS.stop_all()

    def shutdown(self) -> None:
        WORKERS.stop_all()
