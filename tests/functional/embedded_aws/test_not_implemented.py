"""Extension not-implemented-errors: a missing action is an AWS-shaped 501 naming it."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions


def test_json_protocol_action_is_named(aws: EmbeddedAws) -> None:
    with pytest.raises(ClientError) as raised:
        aws.client("sagemaker").retry_pipeline_execution(PipelineExecutionArn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/x",
                                                         ClientRequestToken="x" * 32)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert raised.value.response["Error"] == {
        "Code": "NotImplemented", "Message": "RetryPipelineExecution is not implemented by the embedded AWS"}


def test_query_protocol_action_is_named(aws: EmbeddedAws) -> None:
    with pytest.raises(ClientError) as raised:
        aws.client("iam").simulate_custom_policy(PolicyInputList=["{}"], ActionNames=["s3:GetObject"])
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
    assert raised.value.response["Error"]["Message"] == "SimulateCustomPolicy is not implemented by the embedded AWS"


def test_without_the_extension_moto_answers_an_html_500(aws: EmbeddedAws) -> None:
    from botocore.parsers import ResponseParserError

    with extensions.disabled("not-implemented-errors"), pytest.raises((ClientError, ResponseParserError)) as raised:
        aws.client("iam").simulate_custom_policy(PolicyInputList=["{}"], ActionNames=["s3:GetObject"])
    assert "500 Internal Server Error" in str(raised.value)
