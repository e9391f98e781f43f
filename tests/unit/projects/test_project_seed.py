"""Custom-resource answering and project seeding: what is sent to CloudFormation and to S3."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from mlops_runtime.aws.custom_resources import CustomResourceRequest, Outcome, answer_request
from mlops_runtime.projects.seed import SeedLocation, on_request

SEEDS = {"ModelBuild": SeedLocation("assets", "build.zip"), "ModelDeploy": SeedLocation("assets", "deploy.zip")}
PROPERTIES = {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:mlops-project-seed",
              "ModelBuildSourceBucket": "b-build", "ModelBuildSourceKey": "modelbuild.zip",
              "ModelDeploySourceBucket": "b-deploy", "ModelDeploySourceKey": "modeldeploy.zip"}


def _event(request_type: str, physical_id: str | None = None) -> dict[str, Any]:
    event = {"RequestType": request_type, "LogicalResourceId": "Seed", "StackId": "arn:stack/s/1", "RequestId": "r-1",
             "ResponseURL": "https://cfn.example/answer", "ResourceProperties": PROPERTIES, "ResourceType": "Custom::ProjectSeed"}
    if physical_id:
        event["PhysicalResourceId"] = physical_id
    return event


def _s3() -> tuple[Any, Stubber]:
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return s3, Stubber(s3)


def test_an_operation_that_succeeds_is_answered_with_its_physical_id_and_data() -> None:
    sent: list[tuple[str, dict]] = []
    answer_request(_event("Create"), lambda request: Outcome("res-1", {"A": "b"}), put=lambda url, body: sent.append((url, body)))
    assert sent == [("https://cfn.example/answer", {"Status": "SUCCESS", "Reason": "", "PhysicalResourceId": "res-1", "Data": {"A": "b"},
                                                    "StackId": "arn:stack/s/1", "RequestId": "r-1", "LogicalResourceId": "Seed"})]


def test_a_failing_operation_is_still_answered_failed_with_its_error() -> None:
    sent: list[dict] = []

    def broken(request: Any) -> Outcome:
        raise KeyError("ModelBuildSourceBucket")

    answer_request(_event("Create"), broken, put=lambda url, body: sent.append(body))
    assert (sent[0]["Status"], sent[0]["Reason"], sent[0]["PhysicalResourceId"]) == (
        "FAILED", "KeyError: 'ModelBuildSourceBucket'", "Seed-not-created")
    sent.clear()
    answer_request(_event("Update", "b-build/seed"), broken, put=lambda url, body: sent.append(body))
    assert sent[0]["PhysicalResourceId"] == "b-build/seed"  # a failed update keeps the resource's id


def test_create_copies_each_seed_into_its_empty_source() -> None:
    s3, stub = _s3()
    for kind, bucket, key in (("ModelBuild", "b-build", "modelbuild.zip"), ("ModelDeploy", "b-deploy", "modeldeploy.zip")):
        stub.add_client_error("head_object", "404", http_status_code=404, expected_params={"Bucket": bucket, "Key": key})
        stub.add_response("copy_object", {}, expected_params={
            "Bucket": bucket, "Key": key, "CopySource": {"Bucket": "assets", "Key": SEEDS[kind].key},
            "ContentType": "application/zip", "MetadataDirective": "REPLACE"})
    with stub:
        outcome = on_request(s3, CustomResourceRequest.from_event(_event("Create")), SEEDS)
    stub.assert_no_pending_responses()
    assert outcome == Outcome("b-build/seed", {"ModelBuildSeed": "seeded", "ModelDeploySeed": "seeded"})


def test_an_update_never_overwrites_what_the_team_pushed() -> None:
    s3, stub = _s3()
    stub.add_response("head_object", {"ContentLength": 10}, expected_params={"Bucket": "b-build", "Key": "modelbuild.zip"})
    stub.add_client_error("head_object", "404", http_status_code=404, expected_params={"Bucket": "b-deploy", "Key": "modeldeploy.zip"})
    stub.add_response("copy_object", {}, expected_params={
        "Bucket": "b-deploy", "Key": "modeldeploy.zip", "CopySource": {"Bucket": "assets", "Key": "deploy.zip"},
        "ContentType": "application/zip", "MetadataDirective": "REPLACE"})
    with stub:
        outcome = on_request(s3, CustomResourceRequest.from_event(_event("Update", "b-build/seed")), SEEDS)
    stub.assert_no_pending_responses()
    assert outcome == Outcome("b-build/seed", {"ModelBuildSeed": "kept", "ModelDeploySeed": "seeded"})


def test_delete_touches_nothing() -> None:
    s3, stub = _s3()
    with stub:
        outcome = on_request(s3, CustomResourceRequest.from_event(_event("Delete", "b-build/seed")), SEEDS)
    assert outcome == Outcome("b-build/seed")


def test_a_head_error_other_than_missing_fails_the_request() -> None:
    s3, stub = _s3()
    stub.add_client_error("head_object", "403", http_status_code=403)
    sent: list[dict] = []
    with stub:
        answer_request(_event("Create"), lambda request: on_request(s3, request, SEEDS), put=lambda url, body: sent.append(body))
    assert sent[0]["Status"] == "FAILED" and sent[0]["Reason"].startswith("ClientError: An error occurred (403)")
