"""``mlops project ...``: SageMaker projects from the platform's template (the same product Studio shows)."""

from __future__ import annotations

from typing import Any

import click

from mlops_platform.cli.options import deployed_platform, platform_config, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, progress
from mlops_platform.projects.service import Project, ProjectClients, create_project, delete_project, list_projects, validate



@click.group("project")
def project_group() -> None:
    """SageMaker projects: model build and model deploy pipelines per project."""


def _platform(platform: str, target: dict[str, Any]) -> tuple[Any, ProjectClients, dict[str, str]]:
    accounts, outputs = deployed_platform(platform, target, needs="ProjectProductId", feature="project templates")
    clients = ProjectClients.of(accounts.client)
    return accounts, clients, outputs


def _print(project: Project) -> None:
    console.print(f"{project.name} ({project.id}): {project.status}" + (f" — {project.reason}" if project.reason else ""))
    for key in ("ModelBuildPipelineName", "ModelDeployPipelineName", "ModelPackageGroupName", "ModelBuildSourceBucketName"):
        if key in project.outputs:
            console.print(f"  {key}: {project.outputs[key]}")


@project_group.command("create")
@click.argument("name")
@click.option("--staging-account-id", help="Staging account (default: the platform's staging account).")
@click.option("--prod-account-id", help="Production account (default: the platform's prod account).")
@target_options
@project_option
@output_option
def create(name: str, staging_account_id: str | None, prod_account_id: str | None, project: str, output: str,
           **target: Any) -> None:
    """Launch the project template for NAME, as Studio does (the template seeds both repositories, starting both pipelines)."""
    validate(name, staging_account_id, prod_account_id)
    accounts, clients, outputs = _platform(project, target)
    with progress(f"Creating project {name}", enabled=output == "text") as report:
        created = create_project(
            clients, outputs["ProjectProductId"], name, staging_account_id or accounts.account_id("staging"),
            prod_account_id or accounts.account_id("prod"), platform_config(project).tags, progress=report)
    if output == "json":
        emit_json(created.to_dict())
    else:
        _print(created)


@project_group.command("list")
@target_options
@project_option
@output_option
def list_command(project: str, output: str, **target: Any) -> None:
    """Projects launched from the platform's template, newest first."""
    _, clients, outputs = _platform(project, target)
    found = list_projects(clients, outputs["ProjectProductId"])
    if output == "json":
        emit_json([p.to_dict() for p in found])
        return
    if not found:
        console.print("no projects")
    for item in found:
        _print(item)


@project_group.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Confirm: the project's endpoints, model versions and data are deleted too.")
@target_options
@project_option
@output_option
def delete(name: str, yes: bool, project: str, output: str, **target: Any) -> None:
    """Delete NAME: its stack sets (endpoints in staging and prod), model versions, bucket contents, then the project."""
    validate(name)
    if not yes:
        raise click.UsageError(f"deleting project {name} removes its endpoints, model versions and data: pass --yes")
    _, clients, _ = _platform(project, target)
    with progress(f"Deleting project {name}", enabled=output == "text") as report:
        removed = delete_project(clients, name, progress=report)
    if output == "json":
        emit_json({**removed.to_dict(), "status": "Deleted"})
    else:
        console.print(f"{name} ({removed.id}): deleted")
