"""CLI: bad input gives one clear line on stderr, a non-zero exit code, and creates nothing."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_platform.cli.main import cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    empty = tmp_path / "aws-config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("MLOPS_STATE_DIR", str(tmp_path / "state"))
    for name in ("MLOPS_TARGET", "MLOPS_OUTPUT", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str) -> object:
        return CliRunner().invoke(cli, list(args))

    return invoke


def test_unknown_profile(run) -> None:  # type: ignore[no-untyped-def]
    result = run("stacks", "--target", "aws", "--profile", "nope")
    assert result.exit_code == 2
    assert result.stderr == "error: AWS profile 'nope' not found in your AWS config files\n"


def test_bad_account_id(run) -> None:  # type: ignore[no-untyped-def]
    result = run("deploy", "--target", "aws", "--staging-account", "123")
    assert result.exit_code == 2
    assert result.stderr == "error: --staging-account must be a 12-digit account id, got '123'\n"


@pytest.mark.parametrize(("args", "message"), [
    (("--network-cidr", "10.0.0.0/8"), "error: --network-cidr: network_cidr must be a private IPv4 block of size /16 to /20, got '10.0.0.0/8'\n"),
    (("--through-execution-role",),
     "error: --through-execution-role: the execution role comes with the secure ML environment; give --network-cidr\n"),
    (("--modeldeploy-repository", "acme/deploy"), "error: --modeldeploy-repository: modeldeploy_repository is an owner/name repository "
                                                  "reached through modelbuild_connection_arn, got 'acme/deploy' without a connection\n"),
    (("--connection-arn", "arn:aws:codeconnections:us-east-1:123456789012:connection/abc", "--modelbuild-repository", "churn"),
     "error: --modelbuild-repository: a CodeConnections source needs modelbuild_repository as owner/name, got 'churn'\n"),
    (("--connection-arn", "arn:aws:codeconnections:us-east-1:123456789012:connection/abc", "--modelbuild-repository", "acme/churn",
      "--repository-source", "codecommit"),
     "error: --repository-source: repository_source 'codecommit' and modelbuild_connection_arn exclude each other: pick one source\n"),
], ids=["network-too-large", "execution-role-without-environment", "deploy-repository-without-connection", "build-repository-not-owner-name",
        "codecommit-and-connection"])
def test_bad_environment_options_are_refused_before_any_call(run, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run("deploy", *args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_unknown_target_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("deploy", "--target", "mars")
    assert result.exit_code == 2
    assert "Invalid value for '--target': 'mars' is not one of 'local', 'aws'" in result.stderr


def test_unknown_target_from_environment(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MLOPS_TARGET", "mars")
    result = run("stacks")
    assert (result.exit_code, result.stderr) == (2, "error: unknown target 'mars': use one of local, aws\n")


def test_local_commands_need_a_running_server(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("stacks")
    assert result.exit_code == 3
    assert result.stderr.startswith("error: no embedded AWS is running")
    assert "mlops local up --background" in result.stderr


def test_port_in_use(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run("local", "up", "--background", "--port", str(port))
    assert result.exit_code == 2
    assert result.stderr == f"error: port {port} on 127.0.0.1 is already in use; pick another with --port or stop the process using it\n"
    assert not (tmp_path / "state" / "local.json").exists()


def test_bad_project_name(run) -> None:  # type: ignore[no-untyped-def]
    result = run("synth", "--project", "Bad_Name")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --project: project must be 2-21 lowercase letters")


def test_unknown_option_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("stacks", "--colour", "red")
    assert result.exit_code == 2
    assert "Error: No such option '--colour'." in result.stderr


def test_local_down_without_server_is_not_an_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("local", "down", "--output", "json")
    assert result.exit_code == 0
    assert result.stdout.strip().replace(" ", "").replace("\n", "") == '{"stopped":false,"endpoint_url":null}'


def test_an_aws_refusal_is_one_line_naming_operation_code_and_message(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from botocore.exceptions import ClientError

    from mlops_platform.cli import options

    def refused(*_: object, **__: object) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "User: arn:aws:sts::1:assumed-role/r/s is not authorized"}},
                          "DescribeStacks")

    monkeypatch.setattr(options, "platform_outputs", refused)
    result = run("pipeline", "status", "--target", "aws", "--region", "us-east-1")
    assert result.exit_code == 1
    assert result.stderr == "error: DescribeStacks: AccessDenied: User: arn:aws:sts::1:assumed-role/r/s is not authorized\n"
