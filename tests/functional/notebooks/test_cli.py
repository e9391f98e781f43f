"""``mlops notebook`` against the embedded AWS: output, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlops_platform.cli.main import cli
from mlops_platform.local.state import LocalState, save_state
from support import Platform


@pytest.fixture(scope="module")
def run(platform: Platform, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    state_dir = tmp_path_factory.mktemp("state")
    save_state(state_dir, LocalState.from_dict(platform.aws.describe()))

    def invoke(*args: str) -> object:
        return CliRunner().invoke(cli, [*args, "--state-dir", str(state_dir)])

    return invoke


def test_request_then_read_with_json_output(run) -> None:  # type: ignore[no-untyped-def]
    requested = run("notebook", "request", "--user", "ivy", "--instance-type", "ml.t3.large", "--request-id", "cli-ivy", "--output", "json")
    assert requested.exit_code == 0, requested.stderr
    record = json.loads(requested.stdout)
    assert (record["environment_id"], record["status"], record["instance_type"]) == ("ivy-Notebook", "COMPLETED", "ml.t3.large")
    listed = json.loads(run("notebook", "list", "--user", "ivy", "--output", "json").stdout)
    assert [r["environment_id"] for r in listed] == ["ivy-Notebook"]
    url = json.loads(run("notebook", "url", "--user", "ivy", "--output", "json").stdout)
    assert url["url"].startswith("https://ivy-Notebook.notebook.us-east-1.sagemaker.aws?authToken=")
    connected = json.loads(run("notebook", "connect", "--user", "ivy", "--output", "json").stdout)
    assert connected["url"] != url["url"] and connected["parameter_name"] == "/SageMaker/Notebooks/ivy-Notebook"


@pytest.mark.parametrize(("args", "code", "message"), [
    (("notebook", "request", "--user", "ivy", "--instance-type", "ml.p4d.24xlarge"), 2,
     "error: instance type 'ml.p4d.24xlarge' is not allowed; choose one of: "),
    (("notebook", "request", "--user", "nobody"), 2, "error: unknown user 'nobody': no IAM user of that name in the platform account"),
    (("notebook", "status", "--user", "nobody"), 4, "error: 'nobody' has no notebook environment"),
    (("notebook", "start", "--user", "ivy"), 2, "error: cannot start ivy-Notebook: it is COMPLETED (needs START_FAILED or STOPPED)"),
], ids=["bad-instance-type", "unknown-user", "no-environment", "wrong-state"])
def test_errors_are_one_line_with_exit_codes(run, args: tuple, code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == code
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_platform_not_deployed_is_explained(tmp_path: Path, platform: Platform) -> None:
    state_dir = tmp_path / "state"
    save_state(state_dir, LocalState.from_dict(platform.aws.describe()))
    result = CliRunner().invoke(cli, ["notebook", "list", "--project", "other", "--state-dir", str(state_dir)])
    assert (result.exit_code, result.stderr) == (2, "error: the platform is not deployed (other-tooling not found): run mlops deploy\n")
