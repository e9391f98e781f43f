"""A training job: channels under /opt/ml/input/data, the config files, the entrypoint, the model tarred to S3.

The contract SageMaker gives a training container: ``/opt/ml/input/config/{hyperparameters,resourceconfig,
inputdataconfig}.json`` (hyperparameters as strings), one folder per channel, ``/opt/ml/model`` packed as
``<S3OutputPath>/<job>/output/model.tar.gz``, ``/opt/ml/output/data`` as ``output.tar.gz``, the failure reason read
from ``/opt/ml/output/failure``; final metrics from the job's ``MetricDefinitions`` matched against its log.
"""

from __future__ import annotations

import json
import re
import tarfile
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from embedded_aws.jobs import container as containers
from embedded_aws.jobs.container import Container, JobResult
from embedded_aws.jobs.s3_data import DataError, download, split_uri, upload_file

HOST = "algo-1"
DEFAULT_MAX_SECONDS = 86400


class MetricWatcher:
    """The last value each metric definition's regex found in the log (FinalMetricDataList)."""

    def __init__(self, definitions: list[dict[str, str]]) -> None:
        self.patterns = [(d["Name"], re.compile(d["Regex"])) for d in definitions]
        self.values: dict[str, tuple[float, datetime]] = {}

    def __call__(self, line: str) -> None:
        for name, pattern in self.patterns:
            found = pattern.search(line)
            if found:
                try:
                    self.values[name] = (float(found.group(1)), datetime.now(timezone.utc))
                except (IndexError, ValueError):
                    continue

    def final(self) -> list[dict[str, Any]]:
        return [{"MetricName": name, "Value": value, "Timestamp": moment} for name, (value, moment) in self.values.items()]


def _write_config(box: Container, request: dict[str, Any]) -> None:
    config = box.path("/opt/ml/input/config")
    config.mkdir(parents=True, exist_ok=True)
    hyperparameters = {str(k): str(v) for k, v in (request.get("HyperParameters") or {}).items()}
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    instance_type = (request.get("ResourceConfig") or {}).get("InstanceType", "ml.m5.xlarge")
    (config / "resourceconfig.json").write_text(json.dumps({
        "current_host": HOST, "hosts": [HOST], "current_instance_type": instance_type,
        "current_group_name": "homogeneousCluster", "network_interface_name": "eth0",
        "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": instance_type, "hosts": [HOST]}]}))
    channels = {c["ChannelName"]: {"TrainingInputMode": c.get("InputMode") or (request.get("AlgorithmSpecification") or {}).get(
        "TrainingInputMode", "File"), "S3DistributionType": ((c.get("DataSource") or {}).get("S3DataSource") or {}).get(
        "S3DataDistributionType", "FullyReplicated"), "RecordWrapperType": c.get("RecordWrapperType", "None")}
        for c in request.get("InputDataConfig") or []}
    (config / "inputdataconfig.json").write_text(json.dumps(channels))


def _pack(folder: Path, target: Path) -> None:
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            archive.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)


def run_training_job(request: dict[str, Any], box: Container, s3: Any, env: dict[str, str], log: Callable[[str], None],
                     cancel: threading.Event) -> JobResult:
    """Run the job ``request`` (CreateTrainingJob's shape) in ``box``."""
    algorithm = request.get("AlgorithmSpecification") or {}
    if not algorithm.get("ContainerEntrypoint"):
        return JobResult("Failed", "ClientError: the embedded AWS runs training jobs whose AlgorithmSpecification names "
                                        "a ContainerEntrypoint (it does not pull the image to read its default)")
    try:
        for channel in request.get("InputDataConfig") or []:
            source = (channel.get("DataSource") or {}).get("S3DataSource")
            if source is None:
                return JobResult("Failed", f"ClientError: channel {channel['ChannelName']}: only S3 data sources are emulated")
            local = box.path(f"/opt/ml/input/data/{channel['ChannelName']}")
            download(s3, source["S3Uri"], local)
            box.map_code(local)
    except DataError as exc:
        return JobResult("Failed", f"ClientError: {exc}")
    _write_config(box, request)
    for folder in ("/opt/ml/model", "/opt/ml/output/data", "/opt/ml/code", "/opt/ml/checkpoints"):
        box.path(folder).mkdir(parents=True, exist_ok=True)
    command = [box.map_text(str(part)) for part in [*algorithm["ContainerEntrypoint"], *(algorithm.get("ContainerArguments") or [])]]
    watcher = MetricWatcher(algorithm.get("MetricDefinitions") or [])

    def log_and_watch(line: str) -> None:
        log(line)
        watcher(line)

    variables = {str(k): str(v) for k, v in (request.get("Environment") or {}).items()}
    variables["TRAINING_JOB_NAME"] = request["TrainingJobName"]
    seconds = float((request.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds") or DEFAULT_MAX_SECONDS)
    code = containers.run(command, {**env, **variables}, box.root, seconds, log_and_watch, cancel)
    if code == "stopped":
        return JobResult("Stopped", metrics=watcher.final())
    if code == "timeout":
        return JobResult("Failed", f"ClientError: MaxRuntimeInSeconds ({seconds:.0f}) exceeded", metrics=watcher.final())
    if code != 0:
        failure = box.path("/opt/ml/output/failure")
        text = failure.read_text(errors="replace").strip() if failure.is_file() else ""
        reason = f"AlgorithmError: {text}, exit code: {code}" if text else f"AlgorithmError: exit code: {code}"
        return JobResult("Failed", reason[:1024], metrics=watcher.final())
    output = request.get("OutputDataConfig") or {}
    bucket, prefix = split_uri(output["S3OutputPath"])
    base = f"{prefix.rstrip('/')}/{request['TrainingJobName']}/output".lstrip("/")
    try:
        _pack(box.path("/opt/ml/model"), box.root / "model.tar.gz")
        upload_file(s3, box.root / "model.tar.gz", bucket, f"{base}/model.tar.gz", output.get("KmsKeyId"))
        data = box.path("/opt/ml/output/data")
        if any(data.iterdir()):
            _pack(data, box.root / "output.tar.gz")
            upload_file(s3, box.root / "output.tar.gz", bucket, f"{base}/output.tar.gz", output.get("KmsKeyId"))
    except DataError as exc:
        return JobResult("Failed", f"ClientError: {exc}", metrics=watcher.final())
    return JobResult("Completed", model_artifacts=f"s3://{bucket}/{base}/model.tar.gz", metrics=watcher.final())
