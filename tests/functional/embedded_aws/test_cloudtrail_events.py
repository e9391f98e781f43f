"""Extension cloudtrail-events: API call events on EventBridge from a logging trail, bucket policy checks, the CFN type."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws
from embedded_aws.clients import credentials_client
from support import event_queue, queued_events, wait_for

ACCOUNT = "123456789012"
TEMPLATE = {"Parameters": {"UserName": {"Type": "String"}},
            "Resources": {"Setting": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Name": {"Fn::Sub": "/launched/${UserName}"}, "Type": "String", "Value": {"Ref": "UserName"}}}}}
#: What CloudTrail needs from its bucket (as AWS documents it).
TRAIL_BUCKET_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Acl", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
     "Resource": "arn:aws:s3:::trail-logs"},
    {"Sid": "Write", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
     "Resource": f"arn:aws:s3:::trail-logs/AWSLogs/{ACCOUNT}/*",
     "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}


def _catalog(aws: EmbeddedAws) -> tuple[str, Any]:
    """A product the IAM user ana may launch (no launch constraint: CloudFormation acts as ana), and ana's clients."""
    s3, sc, iam = aws.client("s3"), aws.client("servicecatalog"), aws.client("iam")
    s3.create_bucket(Bucket="products")
    s3.put_object(Bucket="products", Key="p.json", Body=json.dumps(TEMPLATE).encode())
    portfolio = sc.create_portfolio(DisplayName="p", ProviderName="platform")["PortfolioDetail"]["Id"]
    product = sc.create_product(Name="setting", Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE", ProvisioningArtifactParameters={
        "Name": "v1", "Info": {"LoadTemplateFromURL": "https://products.s3.us-east-1.amazonaws.com/p.json"}})
    product_id = product["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    sc.associate_product_with_portfolio(ProductId=product_id, PortfolioId=portfolio)
    arn = iam.create_user(UserName="ana")["User"]["Arn"]
    iam.put_user_policy(UserName="ana", PolicyName="launch", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["servicecatalog:ProvisionProduct", "cloudformation:*", "ssm:PutParameter", "s3:GetObject"],
         "Resource": "*"}]}))
    sc.associate_principal_with_portfolio(PortfolioId=portfolio, PrincipalARN=arn, PrincipalType="IAM")
    key = iam.create_access_key(UserName="ana")["AccessKey"]
    return product_id, lambda service: credentials_client(aws.endpoint_url, service, key["AccessKeyId"], key["SecretAccessKey"],
                                                          region=aws.region)


def _listening(aws: EmbeddedAws) -> str:
    """A queue receiving every Service Catalog API call event."""
    return event_queue(aws, "calls", {"source": ["aws.servicecatalog"], "detail-type": ["AWS API Call via CloudTrail"]})


def _trail(aws: EmbeddedAws, policy: dict[str, Any] | None = TRAIL_BUCKET_POLICY, **selectors: Any) -> None:
    s3, trails = aws.client("s3"), aws.client("cloudtrail")
    s3.create_bucket(Bucket="trail-logs")
    if policy:
        s3.put_bucket_policy(Bucket="trail-logs", Policy=json.dumps(policy))
    trails.create_trail(Name="management", S3BucketName="trail-logs", IsMultiRegionTrail=True)
    if selectors:
        trails.put_event_selectors(TrailName="management", **selectors)
    trails.start_logging(Name="management")


def _launch(clients: Any, product_id: str, token: str = "t-1") -> dict[str, Any]:
    return dict(clients("servicecatalog").provision_product(
        ProductId=product_id, ProvisioningArtifactName="v1", ProvisionedProductName="ana-setting", ProvisionToken=token,
        ProvisioningParameters=[{"Key": "UserName", "Value": "ana"}])["RecordDetail"])


def test_a_launch_reaches_eventbridge_with_the_caller_request_and_response(aws: EmbeddedAws) -> None:
    product_id, as_ana = _catalog(aws)
    queue = _listening(aws)
    _trail(aws)
    record = _launch(as_ana, product_id)
    [event] = wait_for(lambda: queued_events(aws, queue))
    detail = event["detail"]
    assert (event["source"], event["detail-type"], detail["recipientAccountId"]) == (
        "aws.servicecatalog", "AWS API Call via CloudTrail", ACCOUNT)
    assert (detail["eventSource"], detail["eventName"], detail["awsRegion"]) == ("servicecatalog.amazonaws.com", "ProvisionProduct", "us-east-1")
    identity = detail["userIdentity"]
    assert (identity["type"], identity["arn"], identity["userName"]) == ("IAMUser", f"arn:aws:iam::{ACCOUNT}:user/ana", "ana")
    assert identity["principalId"] == aws.client("iam").get_user(UserName="ana")["User"]["UserId"]
    assert detail["requestParameters"] == {
        "productId": product_id, "provisioningArtifactName": "v1", "provisionedProductName": "ana-setting", "provisionToken": "t-1",
        "provisioningParameters": [{"key": "UserName", "value": "ana"}]}
    response = detail["responseElements"]["recordDetail"]
    assert (response["recordId"], response["provisionedProductId"]) == (record["RecordId"], record["ProvisionedProductId"])
    assert "errorCode" not in detail and detail["readOnly"] is False


def test_a_refused_call_is_recorded_with_its_error(aws: EmbeddedAws) -> None:
    product_id, _ = _catalog(aws)
    queue = _listening(aws)
    _trail(aws)
    aws.client("iam").create_user(UserName="bob")
    aws.client("iam").put_user_policy(UserName="bob", PolicyName="launch", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "servicecatalog:ProvisionProduct", "Resource": "*"}]}))
    key = aws.client("iam").create_access_key(UserName="bob")["AccessKey"]
    as_bob = credentials_client(aws.endpoint_url, "servicecatalog", key["AccessKeyId"], key["SecretAccessKey"], region=aws.region)
    with pytest.raises(ClientError, match="No launch paths found"):
        _launch(lambda _: as_bob, product_id)
    [event] = wait_for(lambda: queued_events(aws, queue))
    detail = event["detail"]
    assert (detail["userIdentity"]["userName"], detail["errorCode"]) == ("bob", "ResourceNotFoundException")
    assert detail["errorMessage"] == f"No launch paths found for resource: {product_id}" and detail["responseElements"] is None


@pytest.mark.parametrize("trail", ["none", "stopped", "read-only"])
def test_without_a_trail_logging_management_writes_eventbridge_gets_nothing(aws: EmbeddedAws, trail: str) -> None:
    product_id, as_ana = _catalog(aws)
    queue = _listening(aws)
    if trail == "stopped":
        _trail(aws)
        aws.client("cloudtrail").stop_logging(Name="management")
    elif trail == "read-only":
        _trail(aws, EventSelectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    record = _launch(as_ana, product_id)
    wait_for(lambda: aws.client("servicecatalog").describe_record(Id=record["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED")
    assert queued_events(aws, queue) == []


def test_a_trail_needs_a_bucket_policy_admitting_cloudtrail(aws: EmbeddedAws) -> None:
    with pytest.raises(ClientError) as refused:
        _trail(aws, policy=None)
    assert refused.value.response["Error"]["Code"] == "InsufficientS3BucketPolicyException"
    assert refused.value.response["Error"]["Message"] == "Incorrect S3 bucket policy is detected for bucket: trail-logs"
    wrong_prefix = json.loads(json.dumps(TRAIL_BUCKET_POLICY).replace("/AWSLogs/", "/Elsewhere/"))
    aws.client("s3").put_bucket_policy(Bucket="trail-logs", Policy=json.dumps(wrong_prefix))
    with pytest.raises(ClientError, match="InsufficientS3BucketPolicyException"):
        aws.client("cloudtrail").create_trail(Name="management", S3BucketName="trail-logs")
    assert aws.client("cloudtrail").describe_trails()["trailList"] == []


def test_cloudformation_creates_a_logging_trail(aws: EmbeddedAws) -> None:
    template = {"Resources": {
        "Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "trail-logs"}},
        "LogsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Logs"}, "PolicyDocument": TRAIL_BUCKET_POLICY}},
        "Trail": {"Type": "AWS::CloudTrail::Trail", "DependsOn": "LogsPolicy", "Properties": {
            "TrailName": "management", "S3BucketName": {"Ref": "Logs"}, "IsLogging": True, "IsMultiRegionTrail": True,
            "IncludeGlobalServiceEvents": True, "EventSelectors": [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]}}},
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Trail", "Arn"]}}}}
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="trail", TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName="trail")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Outputs"][0]["OutputValue"] == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"
    assert aws.client("cloudtrail").get_trail_status(Name="management")["IsLogging"] is True
    selectors = aws.client("cloudtrail").get_event_selectors(TrailName="management")["EventSelectors"]
    assert selectors[0]["ReadWriteType"] == "WriteOnly"
    cfn.delete_stack(StackName="trail")
    assert aws.client("cloudtrail").describe_trails()["trailList"] == []
