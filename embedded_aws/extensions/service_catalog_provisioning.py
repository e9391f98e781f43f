"""Service Catalog provisions products: ProvisionProduct creates a real stack from the product's template.

moto 5.2.5 has no ProvisionProduct, DescribeRecord, TerminateProvisionedProduct or provisioned
product queries. Here provisioning is asynchronous, as in Service Catalog: the call returns a
``CREATED`` record, a worker creates the CloudFormation stack ``SC-<account>-<pp-id>`` from the
template at ``LoadTemplateFromURL`` (read from S3), and the record becomes ``SUCCEEDED`` with the stack outputs or
``FAILED`` with the error. Only a principal associated with a portfolio holding the product may launch it
(:mod:`embedded_aws.iam.launch_paths`). As Service Catalog does, the worker assumes the launch constraint's role and
calls CloudFormation as that role (which must trust Service Catalog, be allowed to read the template —
:func:`read_template_as` — and to create the stack and, through it, every resource); without a launch constraint it
calls CloudFormation with the end user's own credentials. Termination acts the same way.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.servicecatalog.exceptions import InvalidParametersException, ResourceNotFoundException
from moto.servicecatalog.models import ServiceCatalogBackend
from moto.servicecatalog.responses import ServiceCatalogResponse

from embedded_aws.clients import credentials_client
from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.extensions.cfn_resource import service_client
from embedded_aws.extensions.service_catalog_api import ServiceCatalogAdminApi, artifacts_of, catalog_state, new_id
from embedded_aws.iam.launch_paths import launch_paths
from embedded_aws.iam.principals import credentials_of, role_credentials, trusts_service

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$")


class DuplicateResourceException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("DuplicateResourceException", message)


@dataclass
class Record:
    id: str
    type: str
    provisioned_product_id: str
    provisioned_product_name: str
    product_id: str
    artifact_id: str
    path_id: str
    launch_role_arn: str | None
    status: str = "CREATED"
    errors: list[dict[str, str]] = field(default_factory=list)
    outputs: list[dict[str, str]] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    created: Any = field(default_factory=utcnow)
    updated: Any = field(default_factory=utcnow)

    def detail(self) -> dict[str, Any]:
        return {
            "RecordId": self.id, "ProvisionedProductName": self.provisioned_product_name, "Status": self.status,
            "CreatedTime": self.created, "UpdatedTime": self.updated, "ProvisionedProductType": "CFN_STACK",
            "RecordType": self.type, "ProvisionedProductId": self.provisioned_product_id, "ProductId": self.product_id,
            "ProvisioningArtifactId": self.artifact_id, "PathId": self.path_id, "RecordErrors": self.errors,
            "RecordTags": self.tags, **({"LaunchRoleArn": self.launch_role_arn} if self.launch_role_arn else {}),
        }

    def finish(self, status: str, errors: list[dict[str, str]] | None = None, outputs: list[dict[str, str]] | None = None) -> None:
        self.status, self.errors, self.outputs, self.updated = status, errors or [], outputs or [], utcnow()


@dataclass
class ProvisionedProduct:
    id: str
    name: str
    arn: str
    product_id: str
    artifact_id: str
    token: str
    launch_role_arn: str | None
    stack_name: str
    status: str = "UNDER_CHANGE"
    status_message: str = ""
    last_record_id: str = ""
    last_success_record_id: str | None = None
    physical_id: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    created: Any = field(default_factory=utcnow)

    def detail(self) -> dict[str, Any]:
        detail = {
            "Name": self.name, "Arn": self.arn, "Type": "CFN_STACK", "Id": self.id, "Status": self.status,
            "StatusMessage": self.status_message, "CreatedTime": self.created, "IdempotencyToken": self.token,
            "LastRecordId": self.last_record_id, "LastProvisioningRecordId": self.last_record_id,
            "ProductId": self.product_id, "ProvisioningArtifactId": self.artifact_id,
            "LaunchRoleArn": self.launch_role_arn,
        }
        if self.last_success_record_id:
            detail["LastSuccessfulProvisioningRecordId"] = self.last_success_record_id
        return {k: v for k, v in detail.items() if v is not None}

    def attributes(self) -> dict[str, Any]:
        """The search view: the detail plus the stack ARN (``PhysicalId``) and tags."""
        attributes = {**self.detail(), "PhysicalId": self.physical_id, "Tags": self.tags}
        attributes.pop("LaunchRoleArn", None)
        return {k: v for k, v in attributes.items() if v is not None}


def template_location(url: str) -> tuple[str, str]:
    """Bucket and key of an S3 HTTPS URL (virtual-hosted or path style)."""
    parsed = urlparse(url)
    host, path = parsed.netloc, parsed.path.lstrip("/")
    if ".s3" in host and not host.startswith("s3."):
        return host.split(".s3", 1)[0], path
    bucket, _, key = path.partition("/")
    return bucket, key


def require_launch_path(backend: ServiceCatalogBackend, product_id: str, access_key: str) -> list[str] | None:
    """The portfolios the caller may launch ``product_id`` through (``None``: root, any); refused when there is none."""
    state = catalog_state(backend)
    paths = launch_paths(access_key, state.product_portfolios.get(product_id, ()), state.principals)
    if paths == []:
        raise ResourceNotFoundException(f"No launch paths found for resource: {product_id}")
    return paths


def launch_role(backend: ServiceCatalogBackend, product_id: str, paths: list[str] | None = None) -> tuple[str | None, str]:
    """The launch constraint's role ARN for the product, and the portfolio (path) it comes from (one of ``paths``)."""
    state = catalog_state(backend)
    portfolios = sorted(state.product_portfolios.get(product_id, ()) if paths is None else paths)
    for constraint in state.constraints.values():
        if constraint.product_id == product_id and constraint.type == "LAUNCH" and constraint.portfolio_id in portfolios:
            parameters = json.loads(constraint.parameters)
            role = parameters.get("RoleArn") or _local_role_arn(backend.account_id, parameters["LocalRoleName"])
            return role, constraint.portfolio_id
    return None, portfolios[0] if portfolios else ""


def _local_role_arn(account_id: str, name: str) -> str:
    """The ARN of the account's role called ``name`` (with its path, e.g. ``/service-role/``)."""
    from moto.iam.models import iam_backends

    try:
        return str(iam_backends[account_id]["global"].get_role(name).arn)
    except Exception:  # noqa: BLE001 - no such role yet: the stack will fail when it assumes it, as in Service Catalog
        return f"arn:aws:iam::{account_id}:role/{name}"


#: The tag Service Catalog puts on its copy of a product template, which launch roles are granted to read.
PROVISIONING_TAG = "servicecatalog:provisioning"


def read_template_as(launch_role_arn: str, region: str, bucket: str, key: str) -> None:
    """Refuse (ClientError) unless the launch role may be assumed by Service Catalog and may read the template.

    CloudFormation fetches the template with the launch role's credentials; the object it reads is Service Catalog's
    copy, tagged ``servicecatalog:provisioning=true`` (AWS's launch-role policy grants ``s3:GetObject`` on that tag).
    """
    from embedded_aws.extensions.iam_authorization import AUTHORIZER
    from embedded_aws.iam.actions import Authorization

    if not trusts_service(launch_role_arn, "servicecatalog.amazonaws.com"):
        raise ClientError({"Error": {"Code": "InvalidParametersException", "Message": (
            f"Service Catalog cannot assume the launch role {launch_role_arn}")}}, "ProvisionProduct")
    refusal = AUTHORIZER.check_as_role(launch_role_arn, "servicecatalog", Authorization(
        "s3:GetObject", (f"arn:aws:s3:::{bucket}/{key}",), {f"s3:existingobjecttag/{PROVISIONING_TAG}": ["true"]}))
    if refusal is not None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": refusal.message}}, "GetObject")


#: The session name Service Catalog gives the launch role it assumes.
LAUNCH_SESSION = "servicecatalog"


def cloudformation_as(backend: ServiceCatalogBackend, launch_role_arn: str | None, access_key: str) -> Any:
    """CloudFormation as Service Catalog calls it: as a session of the launch role, else with the caller's credentials."""
    token: str | None
    if launch_role_arn:
        key, secret, token = role_credentials(launch_role_arn, LAUNCH_SESSION, backend.region_name)
    else:
        found = credentials_of(access_key)
        if found is None:  # root credentials (the embedded AWS's own clients)
            return service_client("cloudformation", backend.account_id, backend.region_name)
        (secret, token), key = found, access_key
    endpoint = service_client("cloudformation", backend.account_id, backend.region_name).meta.endpoint_url
    return credentials_client(endpoint, "cloudformation", key, secret, token, backend.region_name)


def _provision(backend: ServiceCatalogBackend, record: Record, product: ProvisionedProduct, template_url: str,
               parameters: list[dict[str, str]], tags: list[dict[str, str]], access_key: str) -> None:
    """Worker: create the stack and settle the record."""
    record.status = "IN_PROGRESS"
    try:
        bucket, key = template_location(template_url)
        if product.launch_role_arn:
            read_template_as(product.launch_role_arn, backend.region_name, bucket, key)
        cfn = cloudformation_as(backend, product.launch_role_arn, access_key)
        body = service_client("s3", backend.account_id, backend.region_name).get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        request: dict[str, Any] = {
            "StackName": product.stack_name, "TemplateBody": body, "Tags": tags,
            "Parameters": [{"ParameterKey": p["Key"], "ParameterValue": p["Value"]} for p in parameters],
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        }
        cfn.create_stack(**request)
        stack = cfn.describe_stacks(StackName=product.stack_name)["Stacks"][0]
        product.physical_id = stack["StackId"]  # Service Catalog: the stack ARN of a CFN_STACK product
    except ClientError as exc:
        _fail(record, product, exc.response["Error"].get("Code", "Error"), exc.response["Error"].get("Message", ""))
        return
    if stack["StackStatus"] != "CREATE_COMPLETE":
        _fail(record, product, stack["StackStatus"], _failure(cfn, stack))
        return
    outputs = [{"OutputKey": o["OutputKey"], "OutputValue": o["OutputValue"], "Description": o.get("Description", "")}
               for o in stack.get("Outputs", [])]
    record.finish("SUCCEEDED", outputs=outputs)
    product.status, product.last_success_record_id = "AVAILABLE", record.id


def _fail(record: Record, product: ProvisionedProduct, code: str, description: str) -> None:
    record.finish("FAILED", [{"Code": code, "Description": description}])
    product.status, product.status_message = "ERROR", description or code


def _failure(cfn: Any, stack: dict[str, Any]) -> str:
    """Why the stack failed: its first failed resource as ``LogicalId: reason`` (or the stack's own reason)."""
    events = cfn.describe_stack_events(StackName=stack["StackId"])["StackEvents"]
    failed = [e for e in reversed(events) if e["ResourceStatus"].endswith("_FAILED") and e["ResourceType"] != "AWS::CloudFormation::Stack"]
    if failed:
        return f"{failed[0]['LogicalResourceId']}: {failed[0].get('ResourceStatusReason', '')}"
    return str(stack.get("StackStatusReason", ""))


def _terminate(backend: ServiceCatalogBackend, record: Record, product: ProvisionedProduct, access_key: str) -> None:
    record.status = "IN_PROGRESS"
    try:
        cfn = cloudformation_as(backend, product.launch_role_arn, access_key)
        cfn.delete_stack(StackName=product.stack_name)
        stack = cfn.describe_stacks(StackName=product.physical_id)["Stacks"][0] if product.physical_id else None
        if stack is not None and stack["StackStatus"] != "DELETE_COMPLETE":
            _fail(record, product, stack["StackStatus"], _failure(cfn, stack))
            return
    except ClientError as exc:
        _fail(record, product, exc.response["Error"].get("Code", "Error"), exc.response["Error"].get("Message", ""))
        return
    record.finish("SUCCEEDED")
    catalog_state(backend).provisioned.pop(product.id, None)


_workers: set[threading.Thread] = set()
_workers_lock = threading.Lock()


def _in_background(target: Any, *args: Any) -> None:
    """Run a provisioning worker; :func:`drain_workers` waits for it."""
    def run() -> None:
        try:
            target(*args)
        finally:
            with _workers_lock:
                _workers.discard(thread)

    thread = threading.Thread(target=run, daemon=True)
    with _workers_lock:
        _workers.add(thread)
    thread.start()


def drain_workers(timeout: float = 30.0) -> None:
    """Wait for provisioning and termination workers still running (before a reset wipes their world)."""
    with _workers_lock:
        running = list(_workers)
    for thread in running:
        thread.join(timeout)


def find_provisioned(backend: ServiceCatalogBackend, product_id: str | None = None, name: str | None = None) -> ProvisionedProduct:
    for product in catalog_state(backend).provisioned.values():
        if product.id == product_id or (name is not None and product.name == name):
            return product
    raise ResourceNotFoundException(f"Provisioned product {product_id or name} not found.")


class _Api:
    @staticmethod
    def provision_product(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend, state = self.servicecatalog_backend, catalog_state(self.servicecatalog_backend)
        token = params.get("ProvisionToken")
        if not token:
            raise InvalidParametersException("ProvisionToken is required")
        if token in state.tokens:
            return ActionResult({"RecordDetail": state.records[state.tokens[token]].detail()})
        product = backend.describe_product(None, params.get("ProductId"), params.get("ProductName"))
        artifact_id, artifact_name = params.get("ProvisioningArtifactId"), params.get("ProvisioningArtifactName")
        artifact = next((a for a in artifacts_of(backend, product.id)
                         if a.active and (a.id == artifact_id if artifact_id else a.name == artifact_name)), None)
        if artifact is None:
            raise ResourceNotFoundException(f"Provisioning artifact {artifact_id or artifact_name} not found for product {product.id}.")
        name = params.get("ProvisionedProductName", "")
        if not NAME_PATTERN.match(name):
            raise InvalidParametersException(f"ProvisionedProductName {name!r} must match {NAME_PATTERN.pattern}")
        if any(p.name == name for p in state.provisioned.values()):
            raise DuplicateResourceException(f"A provisioned product with the name {name} already exists.")
        paths = require_launch_path(backend, product.id, self.get_access_key())
        role, path = launch_role(backend, product.id, paths)
        pp_id = new_id("pp-")
        provisioned = ProvisionedProduct(
            id=pp_id, name=name, product_id=product.id, artifact_id=artifact.id, token=token, launch_role_arn=role,
            arn=f"arn:aws:servicecatalog:{backend.region_name}:{backend.account_id}:stack/{name}/{pp_id}",
            stack_name=f"SC-{backend.account_id}-{pp_id}",
        )
        record = Record(id=new_id("rec-"), type="PROVISION_PRODUCT", provisioned_product_id=pp_id, provisioned_product_name=name,
                        product_id=product.id, artifact_id=artifact.id, path_id=params.get("PathId") or path,
                        launch_role_arn=role, tags=params.get("Tags") or [])
        provisioned.last_record_id = record.id
        state.provisioned[pp_id], state.records[record.id], state.tokens[token] = provisioned, record, record.id
        tags = (params.get("Tags") or []) + [{"Key": "aws:servicecatalog:provisionedProductArn", "Value": provisioned.arn}]
        provisioned.tags = params.get("Tags") or []
        created = record.detail()
        _in_background(_provision, backend, record, provisioned, artifact.info["LoadTemplateFromURL"],
                       params.get("ProvisioningParameters") or [], tags, self.get_access_key())
        return ActionResult({"RecordDetail": created})

    @staticmethod
    def describe_record(self: Any) -> ActionResult:
        record = catalog_state(self.servicecatalog_backend).records.get(json.loads(self.body)["Id"])
        if record is None:
            raise ResourceNotFoundException("Record not found.")
        return ActionResult({"RecordDetail": record.detail(), "RecordOutputs": record.outputs})

    @staticmethod
    def terminate_provisioned_product(self: Any) -> ActionResult:
        params = json.loads(self.body)
        backend, state = self.servicecatalog_backend, catalog_state(self.servicecatalog_backend)
        token = params.get("TerminateToken")
        if token in state.tokens:
            return ActionResult({"RecordDetail": state.records[state.tokens[token]].detail()})
        product = find_provisioned(backend, params.get("ProvisionedProductId"), params.get("ProvisionedProductName"))
        record = Record(id=new_id("rec-"), type="TERMINATE_PROVISIONED_PRODUCT", provisioned_product_id=product.id,
                        provisioned_product_name=product.name, product_id=product.product_id, artifact_id=product.artifact_id,
                        path_id="", launch_role_arn=product.launch_role_arn)
        product.status, product.last_record_id = "UNDER_CHANGE", record.id
        state.records[record.id] = record
        if token:
            state.tokens[token] = record.id
        created = record.detail()
        _in_background(_terminate, backend, record, product, self.get_access_key())
        return ActionResult({"RecordDetail": created})

    @staticmethod
    def describe_provisioned_product(self: Any) -> ActionResult:
        params = json.loads(self.body)
        product = find_provisioned(self.servicecatalog_backend, params.get("Id"), params.get("Name"))
        return ActionResult({"ProvisionedProductDetail": product.detail(), "CloudWatchDashboards": []})

    @staticmethod
    def scan_provisioned_products(self: Any) -> ActionResult:
        products = catalog_state(self.servicecatalog_backend).provisioned.values()
        return ActionResult({"ProvisionedProducts": [p.detail() for p in products]})

    @staticmethod
    def search_provisioned_products(self: Any) -> ActionResult:
        params = json.loads(self.body)
        queries = (params.get("Filters") or {}).get("SearchQuery", [])
        names = {q.split(":", 1)[1] for q in queries if q.startswith("name:")}
        ids = {q.split(":", 1)[1] for q in queries if q.startswith("id:")}
        products = [p for p in catalog_state(self.servicecatalog_backend).provisioned.values()
                    if (not names or p.name in names) and (not ids or p.id in ids)]
        return ActionResult({"ProvisionedProducts": [p.attributes() for p in products], "TotalResultsCount": len(products)})


class ServiceCatalogProvisioning(Extension):
    name = "servicecatalog-provisioning"
    summary = "ProvisionProduct/TerminateProvisionedProduct create and delete real stacks asynchronously, with records"
    requires = (ServiceCatalogAdminApi.name,)

    def install(self, patcher: Patcher) -> None:
        patcher.replace_methods(ServiceCatalogResponse, _Api)

    def reset(self) -> None:
        drain_workers()
