"""mlops setup accounts on the embedded AWS: what is missing in a target account is named, and it passes once it exists."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from embedded_aws import EmbeddedAws
from mlops_infra.synth import synthesize
from mlops_platform.accounts import LocalAccounts
from mlops_platform.cli.main import cli
from mlops_platform.deploy.account_checks import check_accounts
from mlops_platform.deploy.platform import deploy_platform
from mlops_platform.local.state import LocalState, save_state
from mlops_runtime.config import PlatformConfig

CONFIG = PlatformConfig(retain_data=False)
IDS = {"tooling": "123456789012", "staging": "222222222222", "prod": "333333333333"}


def test_before_anything_is_deployed_every_missing_role_is_named(aws: EmbeddedAws) -> None:
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    checks = {(c.account, c.check): c for c in check_accounts(accounts.client, IDS, CONFIG)}
    assert checks[("staging", "reachable")].ok and checks[("prod", "reachable")].ok
    execution = checks[("staging", "stack-set execution role")]
    assert (execution.ok, execution.detail) == (
        False, "role mlops-stackset-execution is missing: deploy the target-account stack in this account")
    assert not checks[("tooling", "stack-set administration role")].ok


def test_the_cli_reports_a_missing_execution_role_in_prod_and_passes_once_it_exists(
        aws: EmbeddedAws, tmp_path_factory: pytest.TempPathFactory) -> None:
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    deploy_platform(accounts, CONFIG, synthesize(CONFIG, tmp_path_factory.mktemp("cdk")))
    state_dir = tmp_path_factory.mktemp("state")
    save_state(state_dir, LocalState.from_dict(aws.describe()))

    def run() -> tuple[int, dict]:
        result = CliRunner().invoke(cli, ["setup", "accounts", "--output", "json", "--state-dir", str(state_dir)])
        assert result.stdout, result.stderr
        return result.exit_code, json.loads(result.stdout)

    code, report = run()
    assert (code, report["ready"]) == (0, True) and all(c["ok"] for c in report["checks"])

    iam = aws.client("iam", "prod")
    role = iam.get_role(RoleName="mlops-stackset-execution")["Role"]
    for name in iam.list_role_policies(RoleName="mlops-stackset-execution")["PolicyNames"]:
        iam.delete_role_policy(RoleName="mlops-stackset-execution", PolicyName=name)
    iam.delete_role(RoleName="mlops-stackset-execution")
    code, report = run()
    failed = [c for c in report["checks"] if not c["ok"]]
    assert code == 1 and failed == [{"account": "prod", "check": "stack-set execution role", "ok": False,
                                     "detail": "role mlops-stackset-execution is missing: deploy the target-account stack in this account"}]

    iam.create_role(RoleName="mlops-stackset-execution", AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]))
    code, report = run()
    assert (code, report["ready"]) == (0, True)


def test_a_role_trusting_someone_else_is_reported(aws: EmbeddedAws) -> None:
    iam = aws.client("iam", "staging")
    iam.create_role(RoleName="mlops-stackset-execution", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:role/other"}, "Action": "sts:AssumeRole"}]}))
    accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
    [execution] = [c for c in check_accounts(accounts.client, IDS, CONFIG) if c.account == "staging" and c.check == "stack-set execution role"]
    assert execution.detail == "role mlops-stackset-execution does not trust arn:aws:iam::123456789012:role/mlops-stackset-administration"
