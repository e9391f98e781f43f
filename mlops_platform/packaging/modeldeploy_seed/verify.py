"""Verify step of the model deploy: the stage's endpoint must be InService on the config just deployed.

    python verify.py --deployment deployment.json --stage staging --stack-set <project>-staging --verifier-role-name <project>-deploy-verifier
    python verify.py --deployment deployment.json --stage staging --role-arn arn:aws:iam::<staging>:role/<project>-deploy-verifier

Runs after the stage's StackSet deployment. It reads the endpoint in the target account (through the
verifier role), waits while a deployment is in flight, and fails — naming the config the endpoint
serves and the alarm that rolled it back — unless it serves the new config with its rollback alarms
present and not in ALARM; then, with ``--smoke-request``, the endpoint must answer that request.
With ``--stack-set`` every account holding an instance of the stage's stack set is verified (a stage
that targets organizational units reaches every member account), each through its verifier role.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3

from deploy_support.endpoints import DeploymentCheckFailed, smoke_test, verify


def target_session(role_arn: str | None, session_name: str = "model-deploy-verify") -> Any:
    """A boto3 session in the target account (the current one without ``role_arn``)."""
    if not role_arn:
        return boto3.Session()
    credentials = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"])


def stack_set_targets(cloudformation: Any, sts: Any, stack_set: str, role_name: str) -> list[tuple[str, str]]:
    """``(account, verifier role ARN)`` for every account holding an instance of ``stack_set``."""
    partition = sts.get_caller_identity()["Arn"].split(":")[1]
    accounts = sorted({i["Account"] for page in cloudformation.get_paginator("list_stack_instances").paginate(StackSetName=stack_set)
                       for i in page["Summaries"]})
    return [(account, f"arn:{partition}:iam::{account}:role/{role_name}") for account in accounts]


def main(argv: list[str] | None = None, session: Any = None, open_session: Any = target_session) -> int:
    """``session``: the target account's (with ``--role-arn``) or the tooling account's (with ``--stack-set``)."""
    parser = argparse.ArgumentParser(prog="verify.py", description=__doc__.splitlines()[0])
    parser.add_argument("--deployment", default="deployment.json")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--role-arn", default=None, help="read-only role in the target account")
    parser.add_argument("--stack-set", help="verify every account with an instance of this stack set (instead of --role-arn)")
    parser.add_argument("--verifier-role-name", help="with --stack-set: the read-only role's name in each account")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--smoke-request", help="a request body (CSV) the endpoint must answer after the check")
    args = parser.parse_args(argv)
    deployment = json.loads(Path(args.deployment).read_text())
    stage = next((s for s in deployment["stages"] if s["stage"] == args.stage), None)
    if stage is None:
        print(f"error: {args.deployment} has no stage {args.stage!r}", file=sys.stderr)
        return 2
    if args.stack_set and not args.verifier_role_name:
        print("error: --stack-set needs --verifier-role-name", file=sys.stderr)
        return 2
    if args.stack_set:
        tooling = session or boto3.Session()
        targets = stack_set_targets(tooling.client("cloudformation"), tooling.client("sts"), args.stack_set, args.verifier_role_name)
        if not targets:
            print(f"error: {args.stage}: stack set {args.stack_set} has no stack instance", file=sys.stderr)
            return 1
    else:
        targets = [("", args.role_arn)]
    for account, role_arn in targets:
        where = f" (account {account})" if account else ""
        try:
            target = open_session(role_arn) if account else (session or open_session(role_arn))
            state = verify(target.client("sagemaker"), target.client("cloudwatch"), stage["endpoint"], stage["endpoint_config"],
                           stage["alarms"], timeout_seconds=args.timeout)
            answers = smoke_test(target.client("sagemaker-runtime"), stage["endpoint"],
                                 Path(args.smoke_request).read_bytes()) if args.smoke_request else []
        except DeploymentCheckFailed as exc:
            print(f"error: {args.stage}{where}: {exc}", file=sys.stderr)
            return 1
        print(f"{args.stage}: endpoint {state.name} InService on {state.config} "
              f"(model package version {deployment['model_package_version']}); alarms {', '.join(stage['alarms'])} OK"
              + (f"; smoke test answered {answers[-1].decode(errors='replace').strip()!r}" if answers else "") + where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
