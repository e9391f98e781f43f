"""User flow: approving a model deploys it to staging, then (after approval) to prod; a bad model rolls back and fails the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MLOPS = str(Path(sys.executable).parent / "mlops")


@pytest.mark.slow
def test_good_model_reaches_prod_and_a_bad_canary_rolls_back(tmp_path: Path) -> None:
    env = {**os.environ, "MLOPS_STATE_DIR": str(tmp_path / "state")}

    def mlops(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([MLOPS, *args], capture_output=True, text=True, env=env, timeout=600)
        assert result.returncode == code, result.stdout + result.stderr
        return result

    mlops("local", "up", "--background")
    try:
        from mlops_platform.accounts import LocalAccounts
        from mlops_platform.cli.demo_deploy import register_regressed_copy
        from mlops_platform.local.state import running_state
        from mlops_platform.modelbuild.ci import execution_ids, wait_for_ci, wait_for_new_execution
        from mlops_platform.modeldeploy.traffic import Traffic, request_bodies

        accounts = LocalAccounts(running_state(tmp_path / "state"))
        codepipeline = accounts.client("codepipeline")
        assert json.loads(mlops("pipeline", "run", "--local", "--output", "json").stdout)["passed"]
        pushed = json.loads(mlops("model", "push", "--output", "json").stdout)
        unapproved = wait_for_ci(codepipeline, pushed["pipeline"], pushed["execution_id"], timeout=300)
        assert unapproved["status"] == "Failed" and unapproved["summary"].startswith("Build/SelectModel: Build ")
        assert mlops("model", "promote", "--summary", "x", code=2).stderr == "error: mlops-modeldeploy is not waiting for an approval\n"

        known = execution_ids(codepipeline, "mlops-modeldeploy")
        mlops("model", "approve", "--version", "1", "--description", "passes the gate")
        execution = wait_for_new_execution(codepipeline, "mlops-modeldeploy", known)
        staged = wait_for_ci(codepipeline, "mlops-modeldeploy", execution, timeout=300, stop_at_approval=True)
        assert [(s["name"], s["status"]) for s in staged["stages"]][:4] == [
            ("Source", "Succeeded"), ("Build", "Succeeded"), ("Staging", "Succeeded"), ("ApproveProd", "InProgress")]
        verify = staged["stages"][2]["actions"][1]
        lines = [e["message"] for e in accounts.client("logs").get_log_events(
            logGroupName="/aws/codebuild/mlops-modeldeploy", logStreamName=verify["summary"].split()[1].split(":", 1)[1])["events"]]
        assert any(line.startswith("staging: endpoint mlops-staging InService on mlops-staging-v1 (model package version 1)")
                   and "smoke test answered" in line for line in lines), lines
        deployments = json.loads(mlops("model", "deployments", "--output", "json").stdout)
        assert [(s["stage"], s["version"]) for s in deployments["stages"]] == [("staging", 1), ("prod", None)]

        mlops("model", "promote", "--summary", "staging verified")
        assert wait_for_ci(codepipeline, "mlops-modeldeploy", execution, timeout=300)["status"] == "Succeeded"
        deployments = json.loads(mlops("model", "deployments", "--output", "json").stdout)
        assert [(s["stage"], s["version"], s["last_deployment"], s["stack_instance"]["status"]) for s in deployments["stages"]] == [
            ("staging", 1, "completed", "CURRENT/SUCCEEDED"), ("prod", 1, "completed", "CURRENT/SUCCEEDED")]
        for stage, account in (("staging", "222222222222"), ("prod", "333333333333")):
            [instance] = accounts.client("cloudformation").list_stack_instances(StackSetName=f"mlops-{stage}")["Summaries"]
            [stack] = accounts.client("cloudformation", stage).describe_stacks(StackName=instance["StackId"])["Stacks"]
            assert instance["Account"] == account and stack["StackName"].startswith(f"StackSet-mlops-{stage}-")

        regressed = register_regressed_copy(accounts.client("s3"), accounts.client("sagemaker"), "mlops-models",
                                            _bucket(accounts), 1)
        known = execution_ids(codepipeline, "mlops-modeldeploy")
        bodies = request_bodies((Path(__file__).resolve().parents[2] / "seed_code" / "modeldeploy" / "smoke-request.csv").read_text())
        with Traffic(accounts.client("sagemaker-runtime", "staging"), "mlops-staging", bodies, rate=20) as clients:
            mlops("model", "approve", "--version", str(regressed["ModelPackageVersion"]))
            failed = wait_for_ci(codepipeline, "mlops-modeldeploy", wait_for_new_execution(codepipeline, "mlops-modeldeploy", known), timeout=300)
        assert failed["status"] == "Failed"
        assert failed["summary"].startswith("Staging/Deploy: Stack set operation ")
        assert failed["summary"].endswith("Deployment of mlops-staging-v2 was rolled back: alarm mlops-staging-5xx went to ALARM")
        assert clients.report.errors["ModelError"] >= 1 and clients.report.answered > clients.report.errors["ModelError"]
        status = mlops("model", "rollback-status", "--stage", "staging", "--output", "json", code=1)
        assert json.loads(status.stdout)["endpoint"]["config"] == "mlops-staging-v1"
        assert json.loads(status.stdout)["endpoint"]["failure_reason"].endswith("alarm mlops-staging-5xx went to ALARM")
        prod = json.loads(mlops("model", "rollback-status", "--stage", "prod", "--output", "json").stdout)
        assert (prod["version"], prod["rolled_back"]) == (1, False)

        destroyed = json.loads(mlops("destroy", "--yes", "--output", "json").stdout)
        assert sorted(f"{r['stack_name']}@{r['account']}" for r in destroyed["removed"]) == [
            "mlops-target-account@prod", "mlops-target-account@staging", "mlops-tooling@tooling"]
        assert {(s["StackSetName"], s["Status"]) for s in accounts.client("cloudformation").list_stack_sets()["Summaries"]} == {
            ("mlops-staging", "DELETED"), ("mlops-prod", "DELETED")}
        for stage in ("staging", "prod"):
            assert [s for s in accounts.client("cloudformation", stage).list_stacks()["StackSummaries"]
                    if s["StackStatus"] != "DELETE_COMPLETE"] == []
            assert accounts.client("sagemaker", stage).list_endpoints()["Endpoints"] == []
        # what is left is the data the platform retains by default (buckets, key, table, model registry), reported by name
        unexpected = [item for item in destroyed["left"] if item["account"] != "tooling"
                      or not (item["arn"].split(":")[2] in {"s3", "kms", "dynamodb"} or ":model-package" in item["arn"])]
        assert destroyed["left"] and unexpected == []
    finally:
        subprocess.run([MLOPS, "local", "down"], capture_output=True, text=True, env=env, timeout=120)


def _bucket(accounts: object) -> str:
    from mlops_platform.cli.options import platform_outputs

    return platform_outputs(accounts, "mlops").artifacts_bucket_name
