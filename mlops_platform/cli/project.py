"""``mlops project ...``: SageMaker projects from the platform's template (the same product Studio shows)."""

from __future__ import annotations

from typing import Any

import click

from mlops_platform.cli.options import deployed_platform, platform_config, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, progress
from mlops_platform.projects.service import (
    ACCOUNT,
    UNIT,
    Project,
    ProjectClients,
    create_project,
    delete_project,
    describe_project,
    list_projects,
    template_product,
    validate,
)
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.errors import ConfigError


@click.group("project")
def project_group() -> None:
    """SageMaker projects: model build and model deploy pipelines per project."""


def _platform(platform: str, target: dict[str, Any]) -> tuple[Any, ProjectClients, ToolingOutputs]:
    accounts, outputs = deployed_platform(platform, target)
    clients = ProjectClients.of(accounts.client)
    return accounts, clients, outputs


def _print(project: Project) -> None:
    console.print(f"{project.name} ({project.id}): {project.status}" + (f" — {project.reason}" if project.reason else ""))
    for key in ("ModelBuildPipelineName", "ModelDeployPipelineName", "ModelPackageGroupName", "ModelBuildRepositoryCloneUrl",
                "ModelDeployRepositoryCloneUrl", "ModelBuildSourceBucketName", "ModelDeploySourceBucketName"):
        if key in project.outputs:
            console.print(f"  {key}: {project.outputs[key]}", soft_wrap=True)  # URLs stay whole, to copy


@project_group.command("create")
@click.argument("name")
@click.option("--staging-account-id", help="Staging account (default: the platform's staging account).")
@click.option("--prod-account-id", help="Production account (default: the platform's prod account).")
@click.option("--staging-ou", help="Deploy staging to every member account of this organizational unit (with --prod-ou).")
@click.option("--prod-ou", help="Deploy prod to every member account of this organizational unit (with --staging-ou).")
@target_options
@project_option
@output_option
def create(name: str, staging_account_id: str | None, prod_account_id: str | None, staging_ou: str | None, prod_ou: str | None,
           project: str, output: str, **target: Any) -> None:
    """Launch the project template for NAME, as Studio does: both repositories start with the seed code, which both
    pipelines' first executions build. With CodeCommit repositories, prints their clone URLs (git push starts CI).

    Stages are accounts (default: the platform's staging and prod) or, with --staging-ou/--prod-ou,
    organizational units: launch from the organization's management or delegated-administrator account.
    """
    if (staging_ou or prod_ou) and (staging_account_id or prod_account_id):
        raise ConfigError("give the stages as accounts or as organizational units, not both")
    if bool(staging_ou) != bool(prod_ou):
        raise ConfigError("--staging-ou and --prod-ou go together")
    for flag, value, pattern in (("--staging-account-id", staging_account_id, ACCOUNT), ("--prod-account-id", prod_account_id, ACCOUNT),
                                 ("--staging-ou", staging_ou, UNIT), ("--prod-ou", prod_ou, UNIT)):
        if value is not None and not pattern.match(value):
            raise ConfigError(f"{flag}: {value!r} is not {'a 12-digit account id' if pattern is ACCOUNT else 'an organizational unit id (ou-...)'}")
    validate(name, staging_ou or staging_account_id, prod_ou or prod_account_id, platform=project)
    accounts, clients, outputs = _platform(project, target)
    staging = staging_ou or staging_account_id or accounts.account_id("staging")
    prod = prod_ou or prod_account_id or accounts.account_id("prod")
    product_id = template_product(outputs, staging)
    with progress(f"Creating project {name}", enabled=output == "text") as report:
        created = create_project(clients, product_id, name, staging, prod, platform_config(project).tags, progress=report,
                                 platform=project)
    if output == "json":
        emit_json(created.to_dict())
    else:
        _print(created)


@project_group.command("clone")
@click.argument("name")
@click.option("--repository", type=click.Choice(["modelbuild", "modeldeploy"]), default="modelbuild", show_default=True,
              help="Which of the project's repositories.")
@click.option("--into", "into", type=click.Path(file_okay=False), help="Folder to clone into (default: ./<project>-<repository>).")
@target_options
@project_option
@output_option
def clone_command(name: str, repository: str, into: str | None, project: str, output: str, **target: Any) -> None:
    """Clone a project's CodeCommit repository with your credentials (kept in the clone: git push there starts its pipeline)."""
    from pathlib import Path

    from mlops_platform.modelbuild.git_source import clone

    validate(name, platform=project)
    accounts, clients, _ = _platform(project, target)
    found = describe_project(clients, name)
    kind = {"modelbuild": "ModelBuild", "modeldeploy": "ModelDeploy"}[repository]
    clone_url = found.outputs.get(f"{kind}RepositoryCloneUrl")
    if not clone_url:
        raise ConfigError(f"project {name} has no {repository} Git repository (its sources are S3 buckets: the platform was deployed "
                          "without --repository-source codecommit)")
    directory = Path(into) if into else Path.cwd() / f"{name}-{repository}"
    remote, git_args = accounts.git_remote(clone_url)
    commit = clone(remote, git_args, directory)
    result = {"project": name, "repository": found.outputs.get(f"{kind}RepositoryName"), "clone_url": clone_url,
              "directory": str(directory), "commit": commit}
    if output == "json":
        emit_json(result)
    else:
        console.print(f"cloned {result['repository']} into {directory} at {commit[:12] or 'an empty repository'}; "
                      "a git push there starts its pipeline", soft_wrap=True)


@project_group.command("list")
@target_options
@project_option
@output_option
def list_command(project: str, output: str, **target: Any) -> None:
    """Projects launched from the platform's template, newest first."""
    _, clients, outputs = _platform(project, target)
    found = list_projects(clients, [outputs.project_product_id, outputs.project_units_product_id])
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
    validate(name, platform=project)
    if not yes:
        raise click.UsageError(f"deleting project {name} removes its endpoints, model versions and data: pass --yes")
    _, clients, _ = _platform(project, target)
    with progress(f"Deleting project {name}", enabled=output == "text") as report:
        removed = delete_project(clients, name, progress=report)
    if output == "json":
        emit_json({**removed.to_dict(), "status": "Deleted"})
    else:
        console.print(f"{name} ({removed.id}): deleted")
