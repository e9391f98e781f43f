"""Intent of the ML data and model stores: own keys, no public access, TLS only, nothing from outside the S3 endpoint but break-glass."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from mlops_infra.constructs.secure_data_stores import DATA_ACTIONS
from support import environment_template, render


@pytest.fixture(scope="module")
def network(secure_synthesized: dict) -> Template:
    stacks = secure_synthesized
    return Template.from_json(environment_template(stacks["mlops-ml-environment"].template))


def _logical_id(template: Template, kind: str, properties: dict[str, Any]) -> str:
    [logical_id] = template.find_resources(kind, {"Properties": properties})
    return logical_id


def _store(network: Template, kind: str) -> tuple[str, dict[str, Any]]:
    buckets = {k: v for k, v in network.find_resources("AWS::S3::Bucket").items()
               if v["Properties"]["BucketName"]["Fn::Join"][1][0] == f"mlops-ml-{kind}-"}
    [(logical_id, bucket)] = buckets.items()
    return logical_id, bucket


@pytest.mark.parametrize("kind", ["data", "models"])
def test_each_store_has_its_own_rotating_key_and_blocks_public_access(network: Template, kind: str) -> None:
    _, bucket = _store(network, kind)
    key_id = _logical_id(network, "AWS::KMS::Alias", {"AliasName": f"alias/mlops-ml-{kind}"})
    key_ref = network.to_json()["Resources"][key_id]["Properties"]["TargetKeyId"]
    [rule] = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_ref} and rule["BucketKeyEnabled"]
    assert network.to_json()["Resources"][key_ref["Fn::GetAtt"][0]]["Properties"]["EnableKeyRotation"] is True
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}


@pytest.mark.parametrize("kind", ["data", "models"])
def test_objects_are_reachable_only_over_tls_through_the_s3_endpoint_or_by_break_glass(network: Template, kind: str) -> None:
    bucket_id, _ = _store(network, kind)
    [policy] = [p for p in network.find_resources("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": bucket_id}]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    tls = [s for s in statements if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    assert [(s["Effect"], s["Action"]) for s in tls] == [("Deny", "s3:*")]
    [fence] = [s for s in statements if s.get("Sid") == "DenyOutsideTheNetwork"]
    assert (fence["Effect"], fence["Principal"], fence["Action"]) == ("Deny", {"AWS": "*"}, sorted(DATA_ACTIONS))
    endpoint_id = _logical_id(network, "AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Gateway"})
    break_glass = _logical_id(network, "AWS::IAM::Role", {"RoleName": "mlops-data-break-glass"})
    assert fence["Condition"] == {"StringNotEquals": {"aws:SourceVpce": [{"Ref": endpoint_id}]},
                                  "ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": [break_glass, "Arn"]}}}
    assert sorted(str(r) for r in fence["Resource"]) == sorted(str(r) for r in [
        {"Fn::GetAtt": [bucket_id, "Arn"]}, {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]}])


def test_break_glass_needs_mfa_and_lasts_an_hour(network: Template) -> None:
    [role] = network.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-data-break-glass"}}).values()
    [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert statement["Principal"]["AWS"]["Fn::Join"][1][-1] == ":root"
    assert role["Properties"]["MaxSessionDuration"] == 3600


def test_the_stores_are_named_in_the_outputs(network: Template) -> None:
    outputs = network.to_json()["Outputs"]
    assert {"S3EndpointId", "MlDataBucketName", "MlDataKeyArn", "MlModelsBucketName", "MlModelsKeyArn", "DataBreakGlassRoleArn"} <= set(outputs)


def test_the_fence_as_iam_evaluates_it(network: Template) -> None:
    from embedded_aws.iam.evaluator import evaluate

    bucket_id, _ = _store(network, "data")
    endpoint_id = _logical_id(network, "AWS::EC2::VPCEndpoint", {"VpcEndpointType": "Gateway"})
    break_glass = _logical_id(network, "AWS::IAM::Role", {"RoleName": "mlops-data-break-glass"})
    names = {bucket_id: "arn:aws:s3:::mlops-ml-data-123456789012-us-east-1", endpoint_id: "vpce-0s3gateway",
             break_glass: "arn:aws:iam::123456789012:role/mlops-data-break-glass"}
    [policy] = [p for p in network.find_resources("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": bucket_id}]
    bucket_policy = render(policy["Properties"]["PolicyDocument"], names)
    scientist = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    obj = "arn:aws:s3:::mlops-ml-data-123456789012-us-east-1/raw/churn.csv"
    inside = {"aws:SourceVpce": "vpce-0s3gateway", "aws:SecureTransport": "true",
              "aws:PrincipalArn": "arn:aws:iam::123456789012:role/mlops-data-scientist"}
    assert evaluate([scientist, bucket_policy], "s3:GetObject", obj, inside).allowed
    outside = {k: v for k, v in inside.items() if k != "aws:SourceVpce"}
    assert evaluate([scientist, bucket_policy], "s3:GetObject", obj, outside).statement == "DenyOutsideTheNetwork"
    assert evaluate([scientist, bucket_policy], "s3:PutObject", obj, {**inside, "aws:SourceVpce": "vpce-0other"}).statement == "DenyOutsideTheNetwork"
    glass = {**outside, "aws:PrincipalArn": "arn:aws:iam::123456789012:role/mlops-data-break-glass"}
    assert evaluate([scientist, bucket_policy], "s3:GetObject", obj, glass).allowed
    assert not evaluate([scientist, bucket_policy], "s3:GetObject", obj, {**glass, "aws:SecureTransport": "false"}).allowed
    # managing the bucket stays possible from outside, so CloudFormation can update and delete the store
    assert evaluate([scientist, bucket_policy], "s3:PutBucketPolicy", "arn:aws:s3:::mlops-ml-data-123456789012-us-east-1", outside).allowed
