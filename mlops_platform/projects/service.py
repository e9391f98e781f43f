"""Create, list and delete SageMaker projects launched from the platform's project template.

A project is what SageMaker launches from the template (its provisioned product and stack) plus what
its pipelines made afterwards: the two stage stack sets (instances in staging and prod), registered
model versions and the objects in its buckets. Deleting a project removes all of it, in the order
that lets each step succeed: stack sets (while the roles exist), model versions, bucket contents, then
the project itself (SageMaker terminates the product; CloudFormation deletes the emptied buckets).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mlops_platform.deploy.cleanup import empty_bucket, remove_stack_set
from mlops_runtime import waiting
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import ConfigError, MlopsError
from mlops_runtime.projects.names import max_project_name_length, project_name_pattern
from mlops_runtime.projects.seed import SEED_KINDS

Progress = Callable[[str], None]
#: The platform name when none is given (PlatformConfig's default).
DEFAULT_PLATFORM = PlatformConfig().project
ACCOUNT = re.compile(r"^\d{12}$")
UNIT = re.compile(r"^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$")
#: The platform's outputs naming the two project templates: stages in accounts, stages in organizational units.
PRODUCT_OUTPUTS = ("ProjectProductId", "ProjectUnitsProductId")


class ProjectError(MlopsError):
    """A project could not be created or deleted (the reason is SageMaker's or CloudFormation's)."""


@dataclass(frozen=True)
class Project:
    """A project as SageMaker reports it, with what its template created."""

    name: str
    id: str
    status: str
    reason: str = ""
    stack_id: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "id": self.id, "status": self.status, "reason": self.reason, "outputs": self.outputs}


@dataclass(frozen=True)
class ProjectClients:
    """Tooling-account clients a project operation needs."""

    sagemaker: Any
    servicecatalog: Any
    cloudformation: Any
    s3: Any
    codepipeline: Any

    @classmethod
    def of(cls, client: Callable[[str, str], Any]) -> ProjectClients:
        """The clients from ``client(service, account)`` (an account set's or the embedded AWS's)."""
        return cls(*(client(service, "tooling") for service in ("sagemaker", "servicecatalog", "cloudformation", "s3", "codepipeline")))


def validate(name: str, staging: str | None = None, prod: str | None = None, *, platform: str = DEFAULT_PLATFORM) -> None:
    """Refuse what the templates of ``platform`` would refuse, before anything is created."""
    if not re.match(project_name_pattern(platform), name):
        raise ConfigError(f"project name must be 2-{max_project_name_length(platform)} lowercase letters, digits or '-', starting "
                          f"with a letter (its bucket names must fit S3's 63 characters): {name!r}")
    for stage, target in (("staging", staging), ("prod", prod)):
        if target is not None and not (ACCOUNT.match(target) or UNIT.match(target)):
            raise ConfigError(f"{stage} must be a 12-digit account id or an organizational unit id (ou-...), got {target!r}")
    if staging is not None and prod is not None and bool(UNIT.match(staging)) != bool(UNIT.match(prod)):
        raise ConfigError("staging and prod must both be accounts or both organizational units")


def by_unit(staging: str) -> bool:
    """Whether the stages are organizational units (the units template) rather than accounts."""
    return bool(UNIT.match(staging))


def template_product(outputs: ToolingOutputs, staging: str) -> str:
    """The product of the template for these targets, from the platform's outputs."""
    return outputs.project_units_product_id if by_unit(staging) else outputs.project_product_id


def _provisioning_parameters(staging: str, prod: str) -> list[dict[str, str]]:
    kind = "OrganizationalUnitId" if by_unit(staging) else "AccountId"
    return [{"Key": f"Staging{kind}", "Value": staging}, {"Key": f"Prod{kind}", "Value": prod}]


def describe_project(clients: ProjectClients, name: str) -> Project:
    """The project, its status and (once launched) its stack outputs."""
    try:
        described = clients.sagemaker.describe_project(ProjectName=name)
    except clients.sagemaker.exceptions.ClientError as exc:
        if "does not exist" in exc.response["Error"].get("Message", ""):
            raise ConfigError(f"no project named {name!r}") from exc
        raise
    return _project(clients, described)


def _project(clients: ProjectClients, described: dict[str, Any]) -> Project:
    """A DescribeProject answer with the outputs of the stack it launched."""
    provisioned_id = (described.get("ServiceCatalogProvisionedProductDetails") or {}).get("ProvisionedProductId")
    reason = (described.get("ServiceCatalogProvisionedProductDetails") or {}).get("ProvisionedProductStatusMessage", "")
    stack_id, outputs = None, {}
    if provisioned_id:
        found = clients.servicecatalog.search_provisioned_products(
            Filters={"SearchQuery": [f"id:{provisioned_id}"]})["ProvisionedProducts"]
        stack_id = found[0].get("PhysicalId") if found else None  # the stack ARN of a CFN_STACK product
    for provider in described.get("TemplateProviderDetails") or []:  # the S3-stored template option: SageMaker's own stack
        stack_id = stack_id or ((provider.get("CfnTemplateProviderDetail") or {}).get("StackDetail") or {}).get("Id")
    if stack_id:
        stack = clients.cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return Project(described["ProjectName"], described["ProjectId"], described["ProjectStatus"], reason, stack_id, outputs)


def list_projects(clients: ProjectClients, product_ids: Iterable[str]) -> list[Project]:
    """Projects launched from the platform's templates, newest first."""
    wanted = set(product_ids)
    found = []
    for summary in clients.sagemaker.list_projects(SortBy="CreationTime", SortOrder="Descending")["ProjectSummaryList"]:
        described = clients.sagemaker.describe_project(ProjectName=summary["ProjectName"])
        if (described.get("ServiceCatalogProvisioningDetails") or {}).get("ProductId") in wanted:
            found.append(_project(clients, described))
    return found


def create_project(clients: ProjectClients, product_id: str, name: str, staging: str, prod: str, tags: dict[str, str],
                   progress: Progress = lambda _: None, timeout: float = 1800.0,
                   sleep: Callable[[float], None] = time.sleep, platform: str = DEFAULT_PLATFORM) -> Project:
    """Launch the template for ``name`` as Studio does and wait for it; the template seeds both repositories."""
    validate(name, staging, prod, platform=platform)
    try:
        clients.sagemaker.create_project(
            ProjectName=name, ProjectDescription=f"Model build and deploy of {name}",
            ServiceCatalogProvisioningDetails={"ProductId": product_id, "ProvisioningParameters": _provisioning_parameters(staging, prod)},
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    except clients.sagemaker.exceptions.ClientError as exc:
        raise ProjectError(f"project {name}: {exc.response['Error'].get('Message', exc)}") from exc
    progress(f"project {name}: launching the template")
    project = _settle(clients, name, ("Pending", "CreateInProgress"), timeout, sleep)
    if project.status != "CreateCompleted":
        raise ProjectError(f"project {name}: {project.status}: {project.reason}")
    for kind in SEED_KINDS:
        clone_url, bucket = project.outputs.get(f"{kind}RepositoryCloneUrl"), project.outputs.get(f"{kind}SourceBucketName")
        where = f"git repository {clone_url}" if clone_url else f"s3://{bucket}/{project.outputs[f'{kind}SourceKey']}" if bucket else None
        if where:
            progress(f"project {name}: {kind} seed code in {where} (its pipeline's first execution builds it)")
    return project


def delete_project(clients: ProjectClients, name: str, progress: Progress = lambda _: None, timeout: float = 1800.0,
                   sleep: Callable[[float], None] = time.sleep) -> Project:
    """Remove the project and everything its pipelines made; returns the project as it was."""
    project = describe_project(clients, name)
    if project.status in ("Pending", "CreateInProgress", "DeleteInProgress"):
        raise ProjectError(f"project {name} is {project.status}; try again when it settles")
    pipelines = [project.outputs[k] for k in ("ModelBuildPipelineName", "ModelDeployPipelineName") if k in project.outputs]
    _wait_for_running_executions(clients.codepipeline, pipelines, progress, timeout, sleep)
    for key in ("StagingStackSetName", "ProdStackSetName"):
        if key in project.outputs:
            remove_stack_set(clients.cloudformation, project.outputs[key], progress)
    if "ModelPackageGroupName" in project.outputs:
        _remove_model_versions(clients.sagemaker, project.outputs["ModelPackageGroupName"], progress)
    if project.stack_id:
        for bucket in _buckets(clients.cloudformation, project.stack_id):
            removed = empty_bucket(clients.s3, bucket)
            if removed:
                progress(f"bucket {bucket}: {removed} object version(s) deleted")
    clients.sagemaker.delete_project(ProjectName=name)
    progress(f"project {name}: deleting its stack")
    def listed() -> dict[str, Any] | None:
        found = clients.sagemaker.list_projects(NameContains=name)["ProjectSummaryList"]
        return next((p for p in found if p["ProjectName"] == name), None)

    current = waiting.poll(listed, lambda p: p is None or p["ProjectStatus"] == "DeleteFailed", timeout=timeout, interval=1.0,
                           on_timeout=lambda p: ProjectError(f"project {name}: still {p['ProjectStatus'] if p else 'gone'} "
                                                             f"after {timeout:.0f} s"),
                           clock=waiting.Clock(sleep=sleep))
    if current is not None:
        raise ProjectError(f"project {name}: DeleteFailed: {describe_project(clients, name).reason}")
    return project


def _wait_for_running_executions(codepipeline: Any, pipelines: list[str], progress: Progress, timeout: float,
                                 sleep: Callable[[float], None]) -> None:
    """Let running executions of the project's pipelines end (they write into its buckets); one held at a manual
    approval writes nothing and is left to go with its pipeline."""
    reported: list[str] = []

    def running() -> list[str]:
        busy = [name for name in pipelines if _busy(codepipeline, name)]
        if busy and not reported:
            reported.extend(busy)
            progress(f"waiting for the running executions of {', '.join(busy)}")
        return busy

    waiting.poll(running, lambda busy: not busy, timeout=timeout, interval=2.0, clock=waiting.Clock(sleep=sleep),
                 on_timeout=lambda busy: ProjectError(f"pipelines {', '.join(busy)} still running after {timeout:.0f} s; "
                                                      "stop them and try again"))


def _busy(codepipeline: Any, pipeline: str) -> bool:
    """An execution is in progress and not just waiting for a person's approval."""
    executions = codepipeline.list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]
    if not any(e["status"] == "InProgress" for e in executions):
        return False
    for stage in codepipeline.get_pipeline_state(name=pipeline)["stageStates"]:
        for action in stage.get("actionStates", []):
            if (action.get("latestExecution") or {}).get("status") == "InProgress" and "token" not in action["latestExecution"]:
                return True
    return False


def _settle(clients: ProjectClients, name: str, busy: tuple[str, ...], timeout: float, sleep: Callable[[float], None]) -> Project:
    return waiting.poll(lambda: describe_project(clients, name), lambda project: project.status not in busy, timeout=timeout,
                        interval=1.0, on_timeout=lambda project: ProjectError(f"project {name}: still {project.status} after {timeout:.0f} s"),
                        clock=waiting.Clock(sleep=sleep))


def _buckets(cfn: Any, stack_id: str) -> list[str]:
    resources = cfn.list_stack_resources(StackName=stack_id)["StackResourceSummaries"]
    return sorted(r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::S3::Bucket" and r.get("PhysicalResourceId"))


def _remove_model_versions(sm: Any, group: str, progress: Progress) -> None:
    packages = [p["ModelPackageArn"] for page in sm.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group)
                for p in page["ModelPackageSummaryList"]]
    for arn in packages:
        sm.delete_model_package(ModelPackageName=arn)
    if packages:
        progress(f"model group {group}: {len(packages)} version(s) deleted")
