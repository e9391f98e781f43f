"""Extension codebuild-runner: builds run their buildspec on this machine, with real outcomes."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from typing import Any

import pytest

from embedded_aws import EmbeddedAws, extensions
from support import trust_policy, wait_for

PACKAGE = {
    "setup.py": "from setuptools import setup\nsetup(name='hello-embedded-build', version='1.0', py_modules=['hello_embedded_build'])\n",
    "hello_embedded_build.py": "GREETING = 'hi from the build'\n",
}
GOOD = """version: 0.2
env:
  variables:
    STAGE: test
  parameter-store:
    TOKEN: /build/token
phases:
  install:
    commands:
      - pip install --quiet .
  build:
    commands:
      - python -c "import hello_embedded_build as h; print(h.GREETING, '$STAGE', '$TEAM', '$TOKEN')"
      - aws_account=$(python -c "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])") && echo "as $aws_account"
      - mkdir -p out && echo "$CODEBUILD_BUILD_ID" > out/build-id.txt
artifacts:
  files:
    - out/*
  discard-paths: yes
"""
FAILING = """version: 0.2
phases:
  build:
    commands:
      - echo before
      - exit 3
      - echo never
  post_build:
    commands:
      - echo "post_build ran, succeeding=$CODEBUILD_BUILD_SUCCEEDING"
"""


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


@pytest.fixture
def project(aws: EmbeddedAws) -> Any:
    iam, s3, build = aws.client("iam"), aws.client("s3"), aws.client("codebuild")
    role = iam.create_role(RoleName="builder", AssumeRolePolicyDocument=trust_policy("codebuild.amazonaws.com"))["Role"]["Arn"]
    for bucket in ("sources", "outputs"):
        s3.create_bucket(Bucket=bucket)
    aws.client("ssm").put_parameter(Name="/build/token", Value="s3cret", Type="SecureString")
    build.create_project(name="app", source={"type": "S3", "location": "sources/app.zip"}, artifacts={"type": "NO_ARTIFACTS"},
                         environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
                                      "environmentVariables": [{"name": "TEAM", "value": "ds", "type": "PLAINTEXT"}]},
                         serviceRole=role)
    return build


def _finished(build: Any, build_id: str) -> dict[str, Any]:
    return wait_for(lambda: (b := build.batch_get_builds(ids=[build_id])["builds"][0])["buildStatus"] != "IN_PROGRESS" and b, timeout=60)


def _log(aws: EmbeddedAws, finished: dict[str, Any]) -> list[str]:
    events = aws.client("logs").get_log_events(logGroupName=finished["logs"]["groupName"], logStreamName=finished["logs"]["streamName"])
    return [e["message"] for e in events["events"]]


def test_buildspec_runs_with_variables_role_and_its_own_python_environment(aws: EmbeddedAws, project: Any) -> None:
    aws.client("s3").put_object(Bucket="sources", Key="app.zip", Body=_zip({**PACKAGE, "buildspec.yml": GOOD}))
    started = project.start_build(projectName="app", artifactsOverride={"type": "S3", "location": "outputs/app/result.zip"})["build"]
    assert started["buildStatus"] == "IN_PROGRESS"
    finished = _finished(project, started["id"])
    lines = _log(aws, finished)
    assert finished["buildStatus"] == "SUCCEEDED", lines
    assert [p["phaseType"] for p in finished["phases"]] == [
        "SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD",
        "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]
    assert "hi from the build test ds s3cret" in lines
    assert "as arn:aws:sts::123456789012:assumed-role/builder/" + started["id"].split(":", 1)[1] in lines
    with zipfile.ZipFile(io.BytesIO(aws.client("s3").get_object(Bucket="outputs", Key="app/result.zip")["Body"].read())) as archive:
        assert archive.namelist() == ["build-id.txt"] and archive.read("build-id.txt").decode().strip() == started["id"]
    assert importlib.util.find_spec("hello_embedded_build") is None  # installed in the build's environment only


def test_failing_command_fails_the_build_and_post_build_still_runs(aws: EmbeddedAws, project: Any) -> None:
    aws.client("s3").put_object(Bucket="sources", Key="app.zip", Body=_zip({"buildspec.yml": FAILING}))
    finished = _finished(project, project.start_build(projectName="app")["build"]["id"])
    assert finished["buildStatus"] == "FAILED"
    build_phase = next(p for p in finished["phases"] if p["phaseType"] == "BUILD")
    assert build_phase["phaseStatus"] == "FAILED"
    assert build_phase["contexts"] == [{"statusCode": "COMMAND_EXECUTION_ERROR", "message": "Error while executing command: exit 3. Reason: exit status 3"}]
    assert next(p for p in finished["phases"] if p["phaseType"] == "POST_BUILD")["phaseStatus"] == "SUCCEEDED"
    lines = _log(aws, finished)
    assert "before" in lines and "never" not in lines and "post_build ran, succeeding=0" in lines
    assert "[Container] Running command echo before" in lines and "[Container] Running command echo never" not in lines


def test_missing_buildspec_fails_before_any_phase(aws: EmbeddedAws, project: Any) -> None:
    aws.client("s3").put_object(Bucket="sources", Key="app.zip", Body=_zip({"README.md": "no spec"}))
    finished = _finished(project, project.start_build(projectName="app")["build"]["id"])
    assert finished["buildStatus"] == "FAILED"
    assert [p["phaseType"] for p in finished["phases"]][-2:] == ["DOWNLOAD_SOURCE", "COMPLETED"]
    assert finished["phases"][-2]["contexts"][0]["message"] == "YAML_FILE_ERROR: buildspec buildspec.yml not found in the source"


def test_install_failure_skips_the_build_phase(aws: EmbeddedAws, project: Any) -> None:
    spec = "version: 0.2\nphases:\n  install:\n    commands:\n      - false\n  build:\n    commands:\n      - echo built\n"
    aws.client("s3").put_object(Bucket="sources", Key="app.zip", Body=_zip({"buildspec.yml": spec}))
    finished = _finished(project, project.start_build(projectName="app")["build"]["id"])
    assert finished["buildStatus"] == "FAILED" and "BUILD" not in [p["phaseType"] for p in finished["phases"]]
    assert "built" not in _log(aws, finished)


def test_without_the_extension_moto_succeeds_without_running_anything(aws: EmbeddedAws, project: Any) -> None:
    aws.client("s3").put_object(Bucket="sources", Key="app.zip", Body=_zip({"buildspec.yml": FAILING}))
    with extensions.disabled("codebuild-runner"):
        build_id = project.start_build(projectName="app")["build"]["id"]
        assert project.batch_get_builds(ids=[build_id])["builds"][0]["buildStatus"] == "SUCCEEDED"  # exit 3 never ran
