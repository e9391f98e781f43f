"""Notebook provisioning: the platform's state machine vs. an anchor-style Lambda poller, same embedded AWS.

Measures, per provisioning:
  * overhead — from the notebook becoming InService to its URL being stored in SSM;
  * state transitions (the platform) / Lambda seconds spent waiting (the anchor).
Prints medians of ``--runs`` provisionings each, and the ratios. Run with the project's environment:
``.venv/bin/python benchmarks/notebook_provisioning.py --runs 3``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
import zipfile
from pathlib import Path

from embedded_aws import EmbeddedAws
from mlops_infra.synth import synthesize
from mlops_platform.accounts import LocalAccounts
from mlops_platform.deploy.platform import deploy_platform
from mlops_platform.local.state import LocalState
from mlops_runtime.config import PlatformConfig
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.notebooks.requests import NotebookRequest
from mlops_runtime.notebooks.service import NotebookPlatform, NotebookService

SFN_PRICE_PER_TRANSITION = 0.000025  # USD, Standard workflows, us-east-1
LAMBDA_PRICE_PER_GB_SECOND = 0.0000166667  # USD, x86
ANCHOR_MEMORY_GB = 0.128


def url_overhead(aws: EmbeddedAws, user: str) -> float:
    """Seconds from InService (the notebook's LastModifiedTime) to the URL parameter's LastModifiedDate."""
    notebook = aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName=f"{user}-Notebook")
    parameter = aws.client("ssm").get_parameter(Name=f"/SageMaker/Notebooks/{user}-Notebook")["Parameter"]
    return (parameter["LastModifiedDate"] - notebook["LastModifiedTime"]).total_seconds()


def platform_run(aws: EmbeddedAws, service: NotebookService, user: str) -> dict[str, float]:
    started = time.monotonic()
    result = service.request(NotebookRequest(user=user))
    total = time.monotonic() - started
    events = aws.client("stepfunctions").get_execution_history(executionArn=result["execution_arn"], maxResults=1000)["events"]
    transitions = sum(1 for e in events if e["type"].endswith("StateEntered"))
    return {"overhead_s": url_overhead(aws, user), "total_s": total, "transitions": transitions}


def deploy_anchor(aws: EmbeddedAws) -> str:
    iam = aws.client("iam")
    trust = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="anchor-poller", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.write(Path(__file__).with_name("anchor_poller.py"), "anchor_poller.py")
    aws.client("lambda").create_function(FunctionName="anchor-poller", Runtime="python3.11", Role=role, Handler="anchor_poller.handler",
                                         Code={"ZipFile": code.getvalue()}, Timeout=900, MemorySize=128)
    return role


def anchor_run(aws: EmbeddedAws, role: str, user: str) -> dict[str, float]:
    from botocore.config import Config

    client = aws.client("lambda", config=Config(read_timeout=900, retries={"total_max_attempts": 1}))
    started = time.monotonic()
    response = client.invoke(FunctionName="anchor-poller", Payload=json.dumps({"user": user, "role_arn": role}))
    duration = time.monotonic() - started
    if response.get("FunctionError"):
        raise RuntimeError(response["Payload"].read().decode())
    return {"overhead_s": url_overhead(aws, user), "total_s": duration, "lambda_s": duration}


def median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="provisionings per flow (default 3)")
    args = parser.parse_args(argv)
    config = PlatformConfig(retain_data=False)
    with EmbeddedAws() as aws:
        accounts = LocalAccounts(LocalState.from_dict(aws.describe()))
        outputs = ToolingOutputs.from_stack_outputs(deploy_platform(accounts, config, synthesize(config))[0].outputs)
        service = NotebookService(lambda name: accounts.client(name, "tooling"), NotebookPlatform.from_outputs(outputs))
        for index in range(args.runs):
            aws.client("iam").create_user(UserName=f"bench-{index}")
        ours = [platform_run(aws, service, f"bench-{index}") for index in range(args.runs)]
        role = deploy_anchor(aws)
        theirs = [anchor_run(aws, role, f"anchor-{index}") for index in range(args.runs)]
    rows: list[tuple[str, str, str]] = [
        ("overhead InService → URL stored (s)", f"{median(ours, 'overhead_s'):.2f}", f"{median(theirs, 'overhead_s'):.2f}"),
        ("request → URL stored (s)", f"{median(ours, 'total_s'):.2f}", f"{median(theirs, 'total_s'):.2f}"),
        ("state transitions per provisioning", f"{median(ours, 'transitions'):.0f}", "-"),
        ("Lambda seconds blocked waiting", "0", f"{median(theirs, 'lambda_s'):.1f}"),
    ]
    ours_cost = median(ours, "transitions") * SFN_PRICE_PER_TRANSITION
    theirs_cost = median(theirs, "lambda_s") * ANCHOR_MEMORY_GB * LAMBDA_PRICE_PER_GB_SECOND
    rows.append(("orchestration cost per provisioning (USD)", f"{ours_cost:.6f}", f"{theirs_cost:.6f}"))
    # On AWS a notebook stays Pending for minutes: the anchor's Lambda bills (and risks its 15-minute limit) for all of it.
    real_pending_s = 300
    anchor_real = (real_pending_s + 30) * ANCHOR_MEMORY_GB * LAMBDA_PRICE_PER_GB_SECOND
    rows.append((f"same, with a {real_pending_s // 60}-minute real launch (USD)", f"{ours_cost:.6f}", f"{anchor_real:.6f}"))
    print(f"Notebook provisioning on the embedded AWS, median of {args.runs} runs each")
    print(f"{'':44}{'platform':>12}{'anchor':>12}")
    for label, ours_value, theirs_value in rows:
        print(f"{label:44}{ours_value:>12}{theirs_value:>12}")
    ratio = median(theirs, "overhead_s") / max(median(ours, "overhead_s"), 0.001)
    print(f"\nthe anchor's URL arrives {ratio:.0f}x later after InService; "
          f"targets: overhead <= 1 s ({'met' if median(ours, 'overhead_s') <= 1 else 'missed'}), "
          f"<= 15 transitions ({'met' if median(ours, 'transitions') <= 15 else 'missed'})")


if __name__ == "__main__":
    main()
