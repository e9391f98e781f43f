"""``mlops model plan``: the dry run of a stage config, and bad configs named with the limit."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mlops_platform.cli.main import cli


def test_prod_plan_from_the_shipped_config() -> None:
    result = CliRunner().invoke(cli, ["model", "plan", "--stage", "prod", "--output", "json"])
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    # canary of 1 of 4 instances; alarm after 2 × 60 s at 200 req/s: 0.25 × 200 × 120 = 6000
    assert plan["steps"] == [{"at_seconds": 0, "new_fleet_percent": 25.0}, {"at_seconds": 600, "new_fleet_percent": 100.0}]
    assert (plan["detection_seconds"], plan["worst_case_bad_requests"], plan["total_seconds"]) == (120, 6000, 1800)


def test_overrides_change_the_worst_case() -> None:
    result = CliRunner().invoke(cli, ["model", "plan", "--stage", "prod", "--rate", "10", "--alarm-period", "30",
                                      "--evaluation-periods", "1", "--output", "json"])
    assert json.loads(result.stdout)["worst_case_bad_requests"] == 75  # 0.25 × 10 × 30


def test_a_config_outside_the_limits_is_refused(tmp_path: Path) -> None:
    config = json.loads((Path(__file__).resolve().parents[3] / "seed_code" / "modeldeploy" / "staging-config.json").read_text())
    config["Guardrail"].update(type="LINEAR", size=5)
    path = tmp_path / "staging-config.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(cli, ["model", "plan", "--stage", "staging", "--config", str(path)])
    assert (result.exit_code, result.stderr) == (2, "error: staging-config.json: linear step size is 5 %; SageMaker allows 10–50 %\n")
