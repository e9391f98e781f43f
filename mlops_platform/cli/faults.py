"""``mlops local fault ...``: make a running embedded AWS fail the way AWS sometimes does."""

from __future__ import annotations

from typing import Any

import click

from mlops_platform.cli.options import state_directory
from mlops_platform.cli.output import console, emit_json, output_option, table
from mlops_platform.local.faults import FaultApi
from mlops_platform.local.state import load_state
from mlops_runtime.errors import MlopsError

state_dir_option = click.option("--state-dir", type=click.Path(file_okay=False), help="State folder. Env MLOPS_STATE_DIR; default ~/.mlops.")


def _api(state_dir: str | None) -> FaultApi:
    state = load_state(state_directory(state_dir))
    if state is None or not state.answers():
        raise MlopsError("no embedded AWS is running: start one with `mlops local up`")
    return FaultApi(state.endpoint_url)


def _show(faults: dict[str, Any], output: str) -> None:
    if output == "json":
        emit_json(faults)
        return
    rows = [("capacity", t, "launches fail: InsufficientInstanceCapacity") for t in faults["capacity"]]
    rows += [("throttle", f"{t['service']} {t['operation']}", f"next {t['remaining']} call(s) throttled") for t in faults["throttles"]]
    rows += [("notebook start", s["notebook"], s["reason"]) for s in faults["notebook_starts"]]
    if rows:
        table("Faults in force", ["fault", "on", "effect"], rows)
    else:
        console.print("no faults in force")


@click.group("fault")
def fault() -> None:
    """Inject failures into the running embedded AWS: capacity, throttling, notebook starts."""


@fault.command("list")
@state_dir_option
@output_option
def list_faults(state_dir: str | None, output: str) -> None:
    """Show the faults in force."""
    _show(_api(state_dir).list(), output)


@fault.command("clear")
@state_dir_option
@output_option
def clear(state_dir: str | None, output: str) -> None:
    """Remove every fault."""
    _show(_api(state_dir).clear(), output)


@fault.command("capacity")
@click.option("--instance-type", required=True, help="Instances of this type fail to launch (InsufficientInstanceCapacity).")
@state_dir_option
@output_option
def capacity(instance_type: str, state_dir: str | None, output: str) -> None:
    """Run out of capacity for an instance type."""
    _show(_api(state_dir).exhaust_capacity(instance_type), output)


@fault.command("throttle")
@click.option("--service", required=True, help="SDK service name, e.g. sagemaker, servicecatalog, ssm.")
@click.option("--operation", required=True, help="API operation, e.g. CreateNotebookInstance.")
@click.option("--times", type=click.IntRange(min=1), default=1, show_default=True, help="How many calls are throttled.")
@state_dir_option
@output_option
def throttle(service: str, operation: str, times: int, state_dir: str | None, output: str) -> None:
    """Throttle the next calls of one operation (ThrottlingException: Rate exceeded)."""
    _show(_api(state_dir).throttle(service, operation, times), output)


@fault.command("notebook-start")
@click.option("--user", help="The analyst whose notebook (<user>-Notebook) fails to start.")
@click.option("--notebook", help="The notebook instance name (instead of --user).")
@click.option("--reason", help="The failure reason the notebook reports.")
@state_dir_option
@output_option
def notebook_start(user: str | None, notebook: str | None, reason: str | None, state_dir: str | None, output: str) -> None:
    """Make the next launch or start of a notebook end Failed."""
    if bool(user) == bool(notebook):
        raise click.UsageError("give exactly one of --user and --notebook")
    _show(_api(state_dir).fail_notebook_start(notebook or f"{user}-Notebook", reason), output)
