"""``run-pipeline``: upsert the pipeline, start it, wait, and fail (exit 1) unless the execution succeeds.

The SageMaker project convention, used by the model-build CodeBuild job after each push.
"""

from __future__ import annotations

import argparse
import json
import sys

import boto3

from pipelines._executions import start_execution, upsert_pipeline, wait_for_execution
from pipelines._utils import get_pipeline_driver, parse_kwargs


def _tags(text: str | None) -> list[dict[str, str]]:
    """``--tags`` as ``[{"Key": ..., "Value": ...}]`` or ``{"key": "value"}``."""
    if not text:
        return []
    value = json.loads(text)
    if isinstance(value, dict):
        return [{"Key": str(k), "Value": str(v)} for k, v in value.items()]
    if isinstance(value, list) and all(isinstance(t, dict) and {"Key", "Value"} <= set(t) for t in value):
        return value
    raise ValueError('--tags must be a JSON object or a list of {"Key": ..., "Value": ...}')


def main(argv: list[str] | None = None, sagemaker: object | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run-pipeline", description=__doc__)
    parser.add_argument("--module-name", default="pipelines.modelbuild.pipeline", help="module exposing get_pipeline(**kwargs)")
    parser.add_argument("--role-arn", required=True, help="role the pipeline runs as")
    parser.add_argument("--kwargs", help="JSON object of get_pipeline keyword arguments")
    parser.add_argument("--tags", help="JSON tags for a new pipeline")
    parser.add_argument("--description", default="", help="pipeline description")
    parser.add_argument("--parameters", help="JSON object of pipeline parameter overrides for this execution")
    parser.add_argument("--no-wait", action="store_true", help="start and return without waiting")
    parser.add_argument("--poll-seconds", type=float, default=30.0)
    parser.add_argument("--timeout-seconds", type=float, default=7200.0)
    args = parser.parse_args(argv)
    try:
        kwargs = parse_kwargs(args.kwargs)
        tags, overrides = _tags(args.tags), parse_kwargs(args.parameters)
        pipeline = get_pipeline_driver(args.module_name, kwargs)
        client = sagemaker or boto3.client("sagemaker", region_name=kwargs.get("region"))
        arn, created = upsert_pipeline(client, pipeline.name, pipeline.definition(), args.role_arn, args.description, tags)
        print(f"{'created' if created else 'updated'} {arn}")
        execution = start_execution(client, pipeline.name, overrides)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"started {execution}")
    if args.no_wait:
        return 0
    result = wait_for_execution(client, execution, args.poll_seconds, args.timeout_seconds, progress=lambda s: print(f"status {s}"))
    for step in result.steps:
        print(f"  {step['name']}: {step['status']}" + (f" ({step['failure_reason']})" if step["failure_reason"] else ""))
    if not result.succeeded:
        print(f"error: execution {result.status}: {result.failure_reason or 'no reason given'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
