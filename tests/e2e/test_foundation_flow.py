"""User flow: start the embedded AWS with the platform, reach it from a plain boto3 client, stop it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

MLOPS = [str(Path(sys.executable).parent / "mlops")]


def _mlops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MLOPS, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "MLOPS_STATE_DIR": str(tmp_path / "state")}


@pytest.mark.slow
def test_local_up_background_then_plain_clients_see_each_account(env: dict[str, str], tmp_path: Path) -> None:
    assert shutil.which(MLOPS[0])
    started = _mlops("local", "up", "--background", "--output", "json", env=env)
    assert started.returncode == 0, started.stderr
    try:
        info = json.loads(started.stdout)
        assert {s["stack_name"] + "@" + s["account"] for s in info["stacks"]} == {
            "mlops-tooling@tooling", "mlops-target-account@staging", "mlops-target-account@prod"}
        for name, expected_stack in (("tooling", "mlops-tooling"), ("staging", "mlops-target-account"), ("prod", "mlops-target-account")):
            keys = info["accounts"][name]
            session = boto3.session.Session(aws_access_key_id=keys["access_key_id"], aws_secret_access_key=keys["secret_access_key"], region_name=info["region"])
            cfn = session.client("cloudformation", endpoint_url=info["endpoint_url"])
            assert [s["StackName"] for s in cfn.describe_stacks()["Stacks"]] == [expected_stack]
            assert session.client("sts", endpoint_url=info["endpoint_url"]).get_caller_identity()["Account"] == keys["account_id"]
        listed = _mlops("stacks", "--output", "json", env=env)
        assert listed.returncode == 0, listed.stderr
        assert sorted(r["account"] for r in json.loads(listed.stdout) if r["platform"]) == ["prod", "staging", "tooling"]
        second = _mlops("local", "up", "--background", env=env)
        assert second.returncode == 2 and "already runs at" in second.stderr
    finally:
        stopped = _mlops("local", "down", "--output", "json", env=env)
    assert json.loads(stopped.stdout)["stopped"] is True
    assert not (tmp_path / "state" / "local.json").exists()
    after = _mlops("stacks", env=env)
    assert after.returncode == 3


@pytest.mark.slow
def test_demo_deploys_the_platform_and_gets_a_notebook_url(env: dict[str, str]) -> None:
    result = _mlops("demo", "--output", "json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["accounts"] == {"tooling": "123456789012", "staging": "222222222222", "prod": "333333333333"}
    assert report["deployed"] == ["mlops-ml-environment@tooling", "mlops-ml-environment@staging", "mlops-ml-environment@prod",
                                  "mlops-tooling@tooling", "mlops-target-account@staging", "mlops-target-account@prod"]
    assert all(s["status"] == "CREATE_COMPLETE" for s in report["stacks"])
    # the demo runs inside the secure ML environment: one per account, the notebook in its private subnet without internet
    environment = report["environment"]
    assert sorted(environment) == ["prod", "staging", "tooling"]
    assert environment["staging"]["data_bucket"] == "mlops-ml-data-222222222222-us-east-1"
    assert environment["tooling"]["personas"] == ["mlops-analyst", "mlops-cloudformation-execution", "mlops-data-scientist",
                                                  "mlops-ds-admin", "mlops-platform-admin", "mlops-sagemaker-execution"]
    notebook = report["notebook"]
    assert (notebook["environment_id"], notebook["status"], notebook["notebook_status"]) == ("ana-Notebook", "COMPLETED", "InService")
    assert notebook["placement"]["subnet_id"] == environment["tooling"]["private_subnet_ids"][0]
    assert notebook["placement"]["direct_internet_access"] == "Disabled"
    # model build and deploy run there too: the good model reaches prod, the bad one is rolled back at its canary
    built = report["model_build"]  # a git push: CI ran the buildspec, whose run-pipeline ran every step of the SageMaker pipeline
    assert built["ci"]["status"] == "Succeeded" and built["execution"]["status"] == "Succeeded"
    source = built["ci"]["stages"][0]["actions"][0]  # CodePipeline's CodeCommit source: the pushed commit
    assert (source["name"], source["status"], source["summary"]) == ("Code", "Succeeded", "Model build: first version")
    assert {s["name"] for s in built["execution"]["steps"]} == {
        "Preprocess", "Train", "Evaluate", "Register-RepackModel-Model", "AccuracyGate", "Register"}
    assert (built["registered"]["version"], built["registered"]["status"]) == (1, "PendingManualApproval")
    assert built["registered"]["metrics"]["accuracy"] >= 0.9  # from the evaluation step that ran
    assert [(s["stage"], s["endpoint"]["status"]) for s in report["model_deploy"]["good"]["stages"]] == [
        ("staging", "InService"), ("prod", "InService")]
    assert report["model_deploy"]["bad"]["pipeline"]["status"] == "Failed"
    assert notebook["url"].startswith("https://ana-Notebook.notebook.us-east-1.sagemaker.aws?authToken=")
    launched = report["console_launch"]  # from the Service Catalog console: adopted, owned by its caller
    assert (launched["environment_id"], launched["owner"], launched["status"]) == ("bo-Notebook", "bo", "COMPLETED")
    assert (launched["instance_type"], launched["url_parameter"]) == ("ml.t3.large", "/SageMaker/Notebooks/bo-Notebook")
    assert launched["request_id"] == launched["record_id"]


@pytest.mark.slow
def test_local_up_in_the_foreground_stops_cleanly_on_interrupt(env: dict[str, str], tmp_path: Path) -> None:
    import signal
    import time

    from mlops_platform.local.state import load_state

    process = subprocess.Popen([*MLOPS, "local", "up", "--no-deploy", "--output", "json"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        state = None
        while state is None and time.monotonic() < deadline and process.poll() is None:
            state = load_state(tmp_path / "state")
            time.sleep(0.1)
        assert state is not None and state.pid == process.pid
        assert state.answers()
        status = _mlops("local", "status", "--output", "json", env=env)
        assert json.loads(status.stdout)["running"] is True
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert load_state(tmp_path / "state") is None
