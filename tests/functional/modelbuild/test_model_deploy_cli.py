"""``mlops model push|promote|deployments|rollback-status|traffic`` on a platform with nothing deployed yet."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

Run = Callable[..., Result]


def test_deployments_before_any_deployment(run: Run) -> None:
    result = run("model", "deployments", "--output", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(s["stage"], s["account_id"], s["version"], s["last_deployment"], s["endpoint"]) for s in report["stages"]] == [
        ("staging", "222222222222", None, "never", None), ("prod", "333333333333", None, "never", None)]
    # CodePipeline ran the pipeline once when it was created: nothing pushed yet, so its source failed
    pipeline = report["pipeline"]
    assert (pipeline["pipeline"], pipeline["status"], pipeline["trigger"]) == ("mlops-modeldeploy", "Failed", "CreatePipeline")
    assert pipeline["summary"].startswith("Source/Code: The object with key 'modeldeploy.zip' does not exist in bucket 'mlops-modeldeploy-source-")


def test_rollback_status_without_an_endpoint(run: Run) -> None:
    result = run("model", "rollback-status", "--stage", "prod")
    assert (result.exit_code, result.stdout.strip()) == (0, "prod: no endpoint deployed yet")


def test_promote_when_no_gate_waits_is_refused(run: Run) -> None:
    result = run("model", "promote", "--summary", "ship it")
    assert (result.exit_code, result.stderr) == (2, "error: mlops-modeldeploy is not waiting for an approval\n")


def test_push_needs_a_repository_with_a_buildspec(run: Run, tmp_path: Path) -> None:
    result = run("model", "push", "--source", str(tmp_path))
    assert (result.exit_code, result.stderr) == (2, f"error: {tmp_path} is not a model-deploy repository: buildspec.yml missing\n")


def test_traffic_to_a_missing_endpoint_reports_the_errors(run: Run) -> None:
    result = run("model", "traffic", "--stage", "staging", "--seconds", "0.3", "--rate", "10", "--output", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["sent"] >= 1 and report["answered"] == 0 and report["errors"] == {"ValidationError": report["sent"]}
    assert report["last_error"] == "Endpoint mlops-staging of account 222222222222 not found."
