"""``mlops local up|down|status``: the embedded AWS on this machine."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import click

from mlops_platform.accounts import LocalAccounts
from mlops_platform.cli.faults import fault
from mlops_platform.cli.options import platform_config, project_option, state_directory
from mlops_platform.cli.output import console, emit_json, output_option, progress, table
from mlops_platform.cli.platform import synthesize
from mlops_platform.deploy.platform import DeployedStack, deploy_platform
from mlops_platform.local.process import start_background, stop_background
from mlops_platform.local.state import LocalState, clear_state, load_state, save_state
from mlops_runtime.errors import ConfigError

state_dir_option = click.option("--state-dir", type=click.Path(file_okay=False), help="State folder. Env MLOPS_STATE_DIR; default ~/.mlops.")


@click.group()
def local() -> None:
    """Run the embedded AWS (moto + the platform's extensions, three accounts) on this machine."""


local.add_command(fault)


def describe(state: LocalState, deployed: list[DeployedStack], output: str) -> None:
    """Print how to reach the server and what was deployed."""
    if output == "json":
        emit_json({**state.to_dict(), "stacks": [
            {"stack_name": d.stack_name, "account": d.account, "account_id": d.account_id, "outputs": d.outputs} for d in deployed]})
        return
    console.print(f"Embedded AWS at [bold]{state.endpoint_url}[/bold] (region {state.region}, pid {state.pid})")
    table("Accounts", ["account", "account id", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
          [(name, a["account_id"], a["access_key_id"], a["secret_access_key"]) for name, a in state.accounts.items()])
    if deployed:
        table("Platform stacks", ["account", "account id", "stack"], [(d.account, d.account_id, d.stack_name) for d in deployed])
    tooling = state.accounts["tooling"]
    console.print("Use it from any AWS SDK or CLI, e.g.:")
    console.print(f"  export AWS_ENDPOINT_URL={state.endpoint_url} AWS_REGION={state.region} "
                  f"AWS_ACCESS_KEY_ID={tooling['access_key_id']} AWS_SECRET_ACCESS_KEY={tooling['secret_access_key']}")


def _deploy(state: LocalState, project: str, output: str) -> list[DeployedStack]:
    config = platform_config(project)
    with progress("Deploying the platform into the embedded AWS", enabled=output == "text") as report:
        return deploy_platform(LocalAccounts(state), config, synthesize(config), report)


def _check_port(host: str, port: int) -> None:
    from embedded_aws.errors import PortInUseError
    from embedded_aws.server import ensure_port_free

    if port:
        try:
            ensure_port_free(host, port)
        except PortInUseError as exc:
            raise ConfigError(str(exc)) from exc


@local.command("up")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port to listen on; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--background", is_flag=True, help="Run the server in its own process and return.")
@click.option("--no-deploy", is_flag=True, help="Start the server without deploying the platform stacks.")
@state_dir_option
@project_option
@output_option
def up(port: int, host: str, background: bool, no_deploy: bool, state_dir: str | None, project: str, output: str) -> None:
    """Start the embedded AWS, deploy the platform into it and print endpoint, accounts and keys."""
    directory = state_directory(state_dir)
    platform_config(project)  # validate before starting anything
    _check_port(host, port)
    if background:
        with progress("Starting the embedded AWS", enabled=output == "text"):
            state = start_background(directory, port, host)
        try:
            deployed = [] if no_deploy else _deploy(state, project, output)
        except Exception:
            stop_background(directory)
            raise
        describe(state, deployed, output)
        return
    _run_foreground(directory, port, host, no_deploy, project, output)


def _run_foreground(directory: Any, port: int, host: str, no_deploy: bool, project: str, output: str) -> None:
    from embedded_aws import EmbeddedAws

    existing = load_state(directory)
    if existing is not None and existing.answers():
        raise ConfigError(f"an embedded AWS already runs at {existing.endpoint_url} (pid {existing.pid}); stop it with: mlops local down")
    stop = threading.Event()
    with EmbeddedAws(port=port, host=host) as aws:
        state = LocalState.from_dict({**aws.describe(), "pid": os.getpid()})
        save_state(directory, state)
        try:
            deployed = [] if no_deploy else _deploy(state, project, output)
            describe(state, deployed, output)
            if output == "text":
                console.print("Running in the foreground; press Ctrl-C to stop.")
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
            stop.wait()
        finally:
            clear_state(directory)


@local.command("down")
@state_dir_option
@output_option
def down(state_dir: str | None, output: str) -> None:
    """Stop the embedded AWS started with ``mlops local up``."""
    state = stop_background(state_directory(state_dir))
    if output == "json":
        emit_json({"stopped": state is not None, "endpoint_url": state.endpoint_url if state else None})
    else:
        console.print(f"stopped the embedded AWS at {state.endpoint_url}" if state else "no embedded AWS was running")


@local.command("status")
@state_dir_option
@output_option
def status(state_dir: str | None, output: str) -> None:
    """Show whether the embedded AWS runs, where, and with which accounts."""
    state = load_state(state_directory(state_dir))
    running = state is not None and state.answers()
    if output == "json":
        emit_json({"running": running, **(state.to_dict() if state else {})})
    elif not running:
        console.print("not running" + (f" (stale state for {state.endpoint_url})" if state else ""))
    else:
        assert state is not None  # running means a state file answered
        describe(state, [], output)
