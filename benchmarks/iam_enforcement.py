"""What IAM enforcement costs per request on the embedded AWS, measured in one run.

Two measures, both printed:
- the authorizer alone: the median time to decide one request of each kind (the caller's policies read afresh, as
  every request does), against the issue's target of 2 ms;
- end to end: the median round trip of the same requests made by an IAM user with enforcement on and off, and the
  ratio of the two.

Run: ``.venv/bin/python benchmarks/iam_enforcement.py`` (``--requests N`` per kind, default 300).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.clients import credentials_client
from embedded_aws.extensions.iam_authorization import AUTHORIZER
from embedded_aws.iam.actions import Scope, authorization

POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:PutParameter"],
     "Resource": "arn:aws:ssm:*:*:parameter/SageMaker/Notebooks/${aws:username}-*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bench-data/*"},
    {"Effect": "Allow", "Action": ["sagemaker:DescribeNotebookInstance", "sagemaker:ListNotebookInstances"], "Resource": "*"},
    {"Effect": "Deny", "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
     "Condition": {"StringEquals": {"sagemaker:DirectInternetAccess": "Enabled"}}},
]}
TARGET_MS = 2.0


def median_ms(call: Callable[[], Any], n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    with EmbeddedAws() as aws:
        iam = aws.client("iam")
        iam.create_user(UserName="ana")
        iam.put_user_policy(UserName="ana", PolicyName="work", PolicyDocument=json.dumps(POLICY))
        key = iam.create_access_key(UserName="ana")["AccessKey"]
        aws.client("s3").create_bucket(Bucket="bench-data")
        aws.client("s3").put_object(Bucket="bench-data", Key="a.csv", Body=b"1")
        aws.client("ssm").put_parameter(Name="/SageMaker/Notebooks/ana-Notebook", Value="u", Type="String")

        def client(service: str) -> Any:
            return credentials_client(aws.endpoint_url, service, key["AccessKeyId"], key["SecretAccessKey"], region=aws.region)

        ssm, s3, sagemaker = client("ssm"), client("s3"), client("sagemaker")
        calls = {
            "ssm:GetParameter": lambda: ssm.get_parameter(Name="/SageMaker/Notebooks/ana-Notebook"),
            "s3:GetObject": lambda: s3.get_object(Bucket="bench-data", Key="a.csv")["Body"].read(),
            "sagemaker:ListNotebookInstances": lambda: sagemaker.list_notebook_instances(),
        }
        scope = Scope(aws.region, aws.accounts.tooling)
        decisions = {
            "ssm:GetParameter": authorization("ssm", "GetParameter", {"Name": "/SageMaker/Notebooks/ana-Notebook"}, scope),
            "s3:GetObject": authorization("s3", "GetObject", {}, scope),
            "sagemaker:ListNotebookInstances": authorization("sagemaker", "ListNotebookInstances", {}, scope),
        }
        for call in calls.values():
            call()  # warm caches and connections
        print(f"{'request':34} {'decide (ms)':>12} {'on (ms)':>9} {'off (ms)':>9} {'on/off':>7}")
        worst = 0.0
        for name, call in calls.items():
            request = decisions[name]
            decide = median_ms(lambda r=request: AUTHORIZER.check(key["AccessKeyId"], r), n)
            on = median_ms(call, n)
            with extensions.disabled("iam-authorization"):
                off = median_ms(call, n)
            worst = max(worst, decide)
            print(f"{name:34} {decide:12.3f} {on:9.2f} {off:9.2f} {on / off:7.2f}")
        verdict = "within" if worst < TARGET_MS else "ABOVE"
        print(f"slowest decision {worst:.3f} ms: {verdict} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
