"""``mlops notebook ...``: analysts' notebooks on the embedded or a real AWS."""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from mlops_platform.cli.options import open_accounts, platform_outputs, project_option, target_options
from mlops_platform.cli.output import console, emit_json, output_option, progress, table
from mlops_runtime.notebooks.requests import NotebookRequest
from mlops_runtime.notebooks.service import NotebookPlatform, NotebookService
from mlops_runtime.notebooks.urls import IssuedUrl

user_option = click.option("--user", required=True, help="Analyst (IAM user name) who owns the notebook.")


def service(project: str, target: dict[str, Any]) -> NotebookService:
    """The notebook service of the deployed platform in the chosen target."""
    accounts = open_accounts(**target)
    return NotebookService(lambda name: accounts.client(name, "tooling"), NotebookPlatform.from_outputs(platform_outputs(accounts, project)))


def show_record(record: dict[str, Any], output: str, title: str) -> None:
    if output == "json":
        emit_json(record)
        return
    table(title, ["field", "value"], sorted((k, v) for k, v in record.items() if v is not None))


@click.group()
def notebook() -> None:
    """Self-service SageMaker notebooks: request, list, status, url, refresh, start, stop, terminate."""


@notebook.command("request")
@user_option
@click.option("--instance-type", help="Instance type from the product's allow-list (default ml.t3.medium).")
@click.option("--volume-size", type=int, help="EBS volume size in GB (5-512, default 20).")
@click.option("--platform-identifier", help="notebook-al2023-v1 (default) or notebook-al2-v3.")
@click.option("--restore-snapshot", help="Backup to restore into the new notebook (<user>-Notebook_<timestamp>).")
@click.option("--request-id", help="Idempotency key: the same id never provisions twice (default: new UUID).")
@click.option("--no-wait", is_flag=True, help="Return once provisioning has started.")
@target_options
@project_option
@output_option
def request(user: str, instance_type: str | None, volume_size: int | None, platform_identifier: str | None,
            restore_snapshot: str | None, request_id: str | None, no_wait: bool, project: str, output: str, **target: Any) -> None:
    """Request a notebook for USER and (unless --no-wait) wait until its URL is stored."""
    notebook_request = NotebookRequest(user=user, instance_type=instance_type, volume_size_gb=volume_size,
                                       platform_identifier=platform_identifier, restore_snapshot=restore_snapshot)
    if request_id:
        notebook_request = dataclasses.replace(notebook_request, request_id=request_id)
    notebooks = service(project, target)
    with progress(f"Provisioning a notebook for {user}", enabled=output == "text") as report:
        result = notebooks.request(notebook_request, wait=not no_wait, progress=report)
    show_record(result, output, f"Notebook for {user}")


@notebook.command("list")
@click.option("--user", help="Only this analyst's environments.")
@target_options
@project_option
@output_option
def list_(user: str | None, project: str, output: str, **target: Any) -> None:
    """List notebook environments and their status."""
    records = service(project, target).list(user)
    if output == "json":
        emit_json(records)
        return
    table("Notebook environments", ["environment", "owner", "status", "created"],
          [(r["environment_id"], r.get("owner", ""), r.get("status", ""), r.get("created_at", "")) for r in records])


@notebook.command("status")
@user_option
@target_options
@project_option
@output_option
def status(user: str, project: str, output: str, **target: Any) -> None:
    """Show USER's environment record and the notebook's live status."""
    show_record(service(project, target).status(user), output, f"Notebook of {user}")


@notebook.command("url")
@user_option
@target_options
@project_option
@output_option
def url(user: str, project: str, output: str, **target: Any) -> None:
    """Print a URL of USER's running notebook that can still be opened (the stored one while fresh, else a new one)."""
    issued = service(project, target).url(user)
    _print_url(issued, output)


@notebook.command("refresh")
@user_option
@target_options
@project_option
@output_option
def refresh(user: str, project: str, output: str, **target: Any) -> None:
    """Issue a new URL for USER's running notebook, store it and print it (alias: connect)."""
    issued = service(project, target).refresh(user)
    _print_url(issued, output)


def _print_url(issued: IssuedUrl, output: str) -> None:
    """The URL and until when it opens the notebook (or all of it as JSON)."""
    if output == "json":
        emit_json(issued.to_dict())
    else:
        console.print(issued.url, soft_wrap=True)
        console.print(f"open it before {issued.expires_at.isoformat(timespec='seconds')} (sessions last {issued.session_seconds} s)")


def _lifecycle(action: str, help_text: str) -> click.Command:
    @notebook.command(action, help=help_text)
    @user_option
    @target_options
    @project_option
    @output_option
    def command(user: str, project: str, output: str, **target: Any) -> None:
        record = getattr(service(project, target), action)(user)
        if output == "json":
            emit_json(record)
        else:
            console.print(f"{action}: {record['environment_id']} (was {record['status']})")

    return command


_lifecycle("stop", "Stop USER's running notebook (the record follows the SageMaker events).")
_lifecycle("start", "Start USER's stopped notebook.")
_lifecycle("terminate", "Delete USER's notebook, its provisioned product and its URL parameter.")


@notebook.command("reconcile")
@target_options
@project_option
@output_option
def reconcile(project: str, output: str, **target: Any) -> None:
    """Fix environment records that drifted from their notebooks (also runs every 15 minutes)."""
    fixed = service(project, target).reconcile()
    if output == "json":
        emit_json(fixed)
    elif fixed:
        table("Reconciled", ["environment", "recorded", "actual"], [(d["environment_id"], d["recorded"], d["actual"]) for d in fixed])
    else:
        console.print("every record matches its notebook")



notebook.add_command(refresh, "connect")  # opening a notebook = a fresh URL (valid for 5 minutes)

@notebook.command("migrate")
@user_option
@click.option("--platform-identifier", required=True, help="Target platform, e.g. notebook-al2023-v1.")
@target_options
@project_option
@output_option
def migrate(user: str, platform_identifier: str, project: str, output: str, **target: Any) -> None:
    """Move USER's notebook to another platform, keeping its volume (stop, update, start, new URL)."""
    notebooks = service(project, target)
    with progress(f"Migrating {user}'s notebook", enabled=output == "text") as report:
        result = notebooks.migrate(user, platform_identifier, report)
    show_record(result, output, f"Notebook of {user}")
