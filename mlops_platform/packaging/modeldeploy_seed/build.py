"""Build step of the model deploy: pick the latest approved model, validate each stage's config, write the stack parameters.

    python build.py --model-package-group-name G --project-name P --artifacts-bucket B --artifacts-key-arn K \
        --stage staging=staging-config.json --stage prod=prod-config.json --output-dir out

Writes ``out/<stage>-params.json`` (the StackSet parameter list for ``endpoint-config-template.yml``) and
``out/deployment.json`` (what is deployed, for the verify step). A guardrail outside SageMaker's limits
fails the build naming the limit, before anything is deployed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3

from deploy_support.endpoints import alarm_names, endpoint_config_name, endpoint_name
from deploy_support.guardrails import Guardrail, GuardrailError, validate
from deploy_support.packages import latest_approved

#: Where the platform's target-account stack keeps the ML network parameters (``/<platform>/ml-environment``).
DEFAULT_NETWORK_PARAMETERS = "/mlops/ml-environment"
CONFIG_KEYS = {"InstanceType", "InstanceCount", "DataCapturePercent", "Guardrail", "Alarms", "Traffic"}


def stage_parameters(project: str, owner: str, stage: str, config: dict[str, Any], package: dict[str, Any],
                     bucket: str, key_arn: str, network_parameters: str = DEFAULT_NETWORK_PARAMETERS) -> list[dict[str, str]]:
    """The template's parameters for one stage; raises :class:`GuardrailError` for a bad config."""
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise GuardrailError(f"{stage}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(CONFIG_KEYS))}")
    guardrail = Guardrail.from_config({**config["Guardrail"], "alarms": alarm_names(project, stage)}, int(config["InstanceCount"]))
    try:
        validate(guardrail)
    except GuardrailError as exc:
        raise GuardrailError(f"{stage}: {exc}") from exc
    if not 0 <= int(config.get("DataCapturePercent", 0)) <= 100:
        raise GuardrailError(f"{stage}: DataCapturePercent is {config['DataCapturePercent']}; use 0–100")
    [container] = package["InferenceSpecification"]["Containers"]
    alarms = config["Alarms"]
    values = {
        "ProjectName": project, "Owner": owner, "StageName": stage, "ModelPackageVersion": str(package["ModelPackageVersion"]),
        "ModelImage": container["Image"], "ModelDataUrl": container["ModelDataUrl"],
        "SageMakerProgram": container.get("Environment", {}).get("SAGEMAKER_PROGRAM", ""),
        "ArtifactsBucketName": bucket, "ArtifactsKeyArn": key_arn,
        "InstanceType": config["InstanceType"], "InstanceCount": str(guardrail.instance_count),
        "DataCapturePercent": str(config.get("DataCapturePercent", 0)),
        "RoutingType": guardrail.type, "SizeType": guardrail.size_type, "SizeValue": str(int(guardrail.size)),
        "WaitIntervalSeconds": str(guardrail.wait_seconds), "TerminationWaitSeconds": str(guardrail.termination_wait_seconds),
        "MaxExecutionTimeoutSeconds": str(guardrail.max_execution_timeout_seconds),
        "ErrorThreshold": str(alarms["invocation_5xx_threshold"]), "LatencyThresholdMicros": str(alarms["model_latency_p99_microseconds"]),
        "AlarmPeriodSeconds": str(alarms["period_seconds"]), "AlarmEvaluationPeriods": str(alarms["evaluation_periods"]),
        # SSM parameter names: each target account's platform stack says there which ML network its endpoints join
        "NetworkSubnetIds": f"{network_parameters}/private-subnet-ids",
        "NetworkSecurityGroupId": f"{network_parameters}/workload-security-group-id",
    }
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def main(argv: list[str] | None = None, sagemaker: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    parser.add_argument("--model-package-group-name", required=True)
    parser.add_argument("--project-name", required=True)
    parser.add_argument("--owner", default="platform-team")
    parser.add_argument("--artifacts-bucket", required=True)
    parser.add_argument("--artifacts-key-arn", required=True)
    parser.add_argument("--stage", action="append", required=True, metavar="NAME=CONFIG.json")
    parser.add_argument("--network-parameters", default=DEFAULT_NETWORK_PARAMETERS,
                        help="SSM path of the target accounts' ML network parameters (the CodeBuild project passes it)")
    parser.add_argument("--output-dir", default="out")
    args = parser.parse_args(argv)
    try:
        package = latest_approved(sagemaker or boto3.client("sagemaker"), args.model_package_group_name)
        output = Path(args.output_dir)
        output.mkdir(parents=True, exist_ok=True)
        stages = []
        for spec in args.stage:
            stage, _, path = spec.partition("=")
            config = json.loads(Path(path).read_text())
            parameters = stage_parameters(args.project_name, args.owner, stage, config, package,
                                          args.artifacts_bucket, args.artifacts_key_arn, args.network_parameters.rstrip("/"))
            (output / f"{stage}-params.json").write_text(json.dumps(parameters, indent=2) + "\n")
            stages.append({"stage": stage, "endpoint": endpoint_name(args.project_name, stage),
                           "endpoint_config": endpoint_config_name(args.project_name, stage, package["ModelPackageVersion"]),
                           "alarms": alarm_names(args.project_name, stage)})
    except (GuardrailError, LookupError, OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    (output / "deployment.json").write_text(json.dumps({"model_package_arn": package["ModelPackageArn"],
                                                        "model_package_version": package["ModelPackageVersion"],
                                                        "stages": stages}, indent=2) + "\n")
    print(f"deploying {package['ModelPackageArn']} to {', '.join(s['stage'] for s in stages)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
