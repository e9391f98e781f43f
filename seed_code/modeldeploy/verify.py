"""Verify step of the model deploy: the stage's endpoint must be InService on the config just deployed.

    python verify.py --deployment deployment.json --stage staging --role-arn arn:aws:iam::<staging>:role/<project>-deploy-verifier

Runs after the stage's StackSet deployment. It reads the endpoint in the target account (through the
verifier role), waits while a deployment is in flight, and fails — naming the config the endpoint
serves and the alarm that rolled it back — unless it serves the new config with its rollback alarms
present and not in ALARM; then, with ``--smoke-request``, the endpoint must answer that request.
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


def main(argv: list[str] | None = None, session: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="verify.py", description=__doc__.splitlines()[0])
    parser.add_argument("--deployment", default="deployment.json")
    parser.add_argument("--stage", required=True)
    parser.add_argument("--role-arn", default=None, help="read-only role in the target account")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--smoke-request", help="a request body (CSV) the endpoint must answer after the check")
    args = parser.parse_args(argv)
    deployment = json.loads(Path(args.deployment).read_text())
    stage = next((s for s in deployment["stages"] if s["stage"] == args.stage), None)
    if stage is None:
        print(f"error: {args.deployment} has no stage {args.stage!r}", file=sys.stderr)
        return 2
    try:
        session = session or target_session(args.role_arn)
        state = verify(session.client("sagemaker"), session.client("cloudwatch"), stage["endpoint"], stage["endpoint_config"],
                       stage["alarms"], timeout_seconds=args.timeout)
        answers = smoke_test(session.client("sagemaker-runtime"), stage["endpoint"],
                             Path(args.smoke_request).read_bytes()) if args.smoke_request else []
    except DeploymentCheckFailed as exc:
        print(f"error: {args.stage}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.stage}: endpoint {state.name} InService on {state.config} "
          f"(model package version {deployment['model_package_version']}); alarms {', '.join(stage['alarms'])} OK"
          + (f"; smoke test answered {answers[-1].decode(errors='replace').strip()!r}" if answers else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
