"""User flow: a data scientist builds a model locally, then pushes the model-build repository and CI runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MLOPS = str(Path(sys.executable).parent / "mlops")


@pytest.mark.slow
def test_local_build_then_push_runs_the_seed_buildspec(tmp_path: Path) -> None:
    env = {**os.environ, "MLOPS_STATE_DIR": str(tmp_path / "state")}

    def mlops(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([MLOPS, *args], capture_output=True, text=True, env=env, timeout=600)
        assert result.returncode == 0, result.stderr
        return result

    mlops("local", "up", "--background")
    try:
        local = json.loads(mlops("pipeline", "run", "--local", "--output", "json").stdout)
        assert local["passed"] and local["metrics"]["accuracy"] >= 0.9
        uploaded = json.loads(mlops("pipeline", "upload-data", "--output", "json").stdout)
        assert uploaded == {"url": "s3://mlops-artifacts-123456789012-us-east-1/mlops/data/data.csv", "rows": 569}
        pushed = json.loads(mlops("pipeline", "push", "--output", "json").stdout)
        from mlops_platform.accounts import LocalAccounts
        from mlops_platform.local.state import running_state
        from mlops_platform.modelbuild.ci import wait_for_ci

        accounts = LocalAccounts(running_state(tmp_path / "state"))
        ci = wait_for_ci(accounts.client("codepipeline"), pushed["pipeline"], pushed["execution_id"], timeout=300)
        assert ci["status"] == "Succeeded", ci
        status = json.loads(mlops("pipeline", "status", "--output", "json").stdout)
        assert status["ci"]["execution_id"] == pushed["execution_id"] and status["ci"]["trigger"] == "CloudWatchEvent"
        # the build ran the seed repository's buildspec: its tests, then run-pipeline upserting the SageMaker pipeline
        logs = accounts.client("logs")
        build_id = status["ci"]["stages"][1]["actions"][0]["summary"].split()[1]
        lines = [e["message"] for e in logs.get_log_events(logGroupName="/aws/codebuild/mlops-modelbuild",
                                                           logStreamName=build_id.split(":", 1)[1])["events"]]
        assert any(line.endswith("passed in") or " passed in " in line for line in lines), lines
        assert "created arn:aws:sagemaker:us-east-1:123456789012:pipeline/mlops-model-build" in lines
        assert len(status["executions"]) == 1 and status["executions"][0]["arn"].startswith(
            "arn:aws:sagemaker:us-east-1:123456789012:pipeline/mlops-model-build/execution/")
        # the SageMaker pipeline the build started really ran: every step, then the registration
        latest = status["latest"]
        assert (latest["arn"], latest["status"]) == (status["executions"][0]["arn"], "Succeeded")
        assert [s["name"] for s in latest["steps"] if s["name"] != "Register-RepackModel-Model"] == [
            "Preprocess", "Train", "Evaluate", "AccuracyGate", "Register"]
        assert all(s["status"] == "Succeeded" and s["duration"] for s in latest["steps"])
        built, local_version = json.loads(mlops("pipeline", "list-models", "--output", "json").stdout)
        assert local_version["arn"] == local["model_package_arn"] and local_version["metrics"] == local["metrics"]
        assert (built["version"], built["status"]) == (2, "PendingManualApproval") and built["metrics"]["accuracy"] >= 0.9
    finally:
        subprocess.run([MLOPS, "local", "down"], capture_output=True, text=True, env=env, timeout=120)
