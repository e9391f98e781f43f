"""The embedded AWS server: start, accounts, configuration, errors."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from embedded_aws import EmbeddedAws, EmbeddedAwsError, PortInUseError
from embedded_aws.accounts import ACCESS_ROLE_NAME
from embedded_aws.server import ensure_port_free


def test_each_account_has_working_admin_keys(aws: EmbeddedAws) -> None:
    # WHEN each account's keys ask STS who they are
    identities = {name: aws.client("sts", name).get_caller_identity() for name in ("tooling", "staging", "prod")}
    # THEN every key acts in its own account
    assert {name: ident["Account"] for name, ident in identities.items()} == aws.accounts.by_name()
    assert identities["staging"]["Arn"] == "arn:aws:iam::222222222222:user/embedded-admin"


def test_resources_are_isolated_per_account(aws: EmbeddedAws) -> None:
    aws.client("ssm", "staging").put_parameter(Name="/where", Value="staging", Type="String")
    prod_ssm = aws.client("ssm", "prod")
    with pytest.raises(prod_ssm.exceptions.ParameterNotFound):
        prod_ssm.get_parameter(Name="/where")
    assert aws.client("ssm", "staging").get_parameter(Name="/where")["Parameter"]["Value"] == "staging"


def test_target_accounts_trust_tooling_through_the_access_role(aws: EmbeddedAws) -> None:
    role = aws.client("iam", "prod").get_role(RoleName=ACCESS_ROLE_NAME)["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert "iam" not in [r["RoleName"] for r in aws.client("iam", "tooling").list_roles()["Roles"]]


def test_plain_client_with_unknown_keys_lands_in_tooling(aws: EmbeddedAws) -> None:
    import boto3

    sts = boto3.client("sts", endpoint_url=aws.endpoint_url, region_name="us-east-1",
                       aws_access_key_id="anything", aws_secret_access_key="anything")
    assert sts.get_caller_identity()["Account"] == aws.accounts.tooling


def test_state_machine_execution_is_switched_on(aws: EmbeddedAws) -> None:
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="pass", roleArn="arn:aws:iam::123456789012:role/sfn",
        definition='{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"ok":1},"End":true}}}',
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    from support import wait_for_execution

    assert json.loads(wait_for_execution(sfn, execution)["output"]) == {"ok": 1}


def test_reset_forgets_resources_but_keeps_accounts(aws: EmbeddedAws) -> None:
    aws.client("s3").create_bucket(Bucket="gone-after-reset")
    aws.reset()
    assert aws.client("s3").list_buckets()["Buckets"] == []
    assert aws.client("sts", "prod").get_caller_identity()["Account"] == "333333333333"


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"port {port} on 127.0.0.1 is already in use"):
            ensure_port_free("127.0.0.1", port)


def test_second_server_in_one_process_is_refused(embedded_server: EmbeddedAws) -> None:
    with pytest.raises(EmbeddedAwsError, match="already runs in this process"):
        EmbeddedAws().start()


def test_config_endpoint_answers(aws: EmbeddedAws) -> None:
    config = requests.get(f"{aws.endpoint_url}/moto-api/config", timeout=5).json()
    assert config["lambda"]["use_docker"] is False
