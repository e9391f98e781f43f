"""Extension iam-authorization: requests signed by IAM users and role sessions are authorized as IAM does."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from embedded_aws import EmbeddedAws, extensions
from embedded_aws.clients import credentials_client

ACCOUNT = "123456789012"
NOTEBOOK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/notebook-exec"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _user(aws: EmbeddedAws, name: str, *statements: dict[str, Any], account: str = "tooling") -> Callable[[str], Any]:
    iam = aws.client("iam", account)
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="work", PolicyDocument=_policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return lambda service: credentials_client(aws.endpoint_url, service, key["AccessKeyId"], key["SecretAccessKey"],
                                              region=aws.region)


def _refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


def test_a_user_reaches_only_the_parameters_its_policy_names(aws: EmbeddedAws) -> None:
    client = _user(aws, "ana", {"Effect": "Allow", "Action": ["ssm:PutParameter", "ssm:GetParameter"],
                                "Resource": "arn:aws:ssm:*:*:parameter/home/${aws:username}/*"})
    ssm = client("ssm")
    ssm.put_parameter(Name="/home/ana/token", Value="1", Type="String")
    assert ssm.get_parameter(Name="/home/ana/token")["Parameter"]["Value"] == "1"

    response = _refused(lambda: ssm.put_parameter(Name="/home/bob/token", Value="1", Type="String"))
    assert response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": f"User: arn:aws:iam::{ACCOUNT}:user/ana is not authorized to perform: ssm:PutParameter on resource: "
                   f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/home/bob/token because no identity-based policy allows "
                   "the ssm:PutParameter action",
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError, match="ParameterNotFound"):
        aws.client("ssm").get_parameter(Name="/home/bob/token")  # nothing was written


def test_an_explicit_deny_wins_over_an_allow(aws: EmbeddedAws) -> None:
    client = _user(aws, "dee", {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"},
                   {"Effect": "Deny", "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
                    "Condition": {"StringEquals": {"sagemaker:DirectInternetAccess": "Enabled"}}})
    sagemaker = client("sagemaker")
    assert sagemaker.list_notebook_instances()["NotebookInstances"] == []
    error = _refused(lambda: sagemaker.create_notebook_instance(
        NotebookInstanceName="open", InstanceType="ml.t3.medium", RoleArn=NOTEBOOK_ROLE))["Error"]
    assert error["Message"].endswith("sagemaker:CreateNotebookInstance on resource: "
                                     f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:notebook-instance/open "
                                     "with an explicit deny in an identity-based policy")


def test_handing_a_role_to_a_service_needs_pass_role_for_that_service(aws: EmbeddedAws) -> None:
    iam = aws.client("iam")
    iam.create_role(RoleName="notebook-exec", AssumeRolePolicyDocument=_policy(
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    create = {"Effect": "Allow", "Action": "sagemaker:CreateNotebookInstance", "Resource": "*"}
    without = _user(aws, "no-pass", create)("sagemaker")
    error = _refused(lambda: without.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=NOTEBOOK_ROLE, DirectInternetAccess="Disabled"))
    assert error["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/no-pass is not authorized to perform: iam:PassRole on resource: "
        f"{NOTEBOOK_ROLE} because no identity-based policy allows the iam:PassRole action")

    wrong_service = _user(aws, "pass-to-lambda", create, {
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": NOTEBOOK_ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}})("sagemaker")
    assert "iam:PassRole" in _refused(lambda: wrong_service.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=NOTEBOOK_ROLE))["Error"]["Message"]

    allowed = _user(aws, "pass-to-sagemaker", create, {
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": NOTEBOOK_ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}})("sagemaker")
    allowed.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=NOTEBOOK_ROLE)
    assert aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName="nb")["RoleArn"] == NOTEBOOK_ROLE


def test_a_role_session_acts_with_its_role_policies_within_its_boundary(aws: EmbeddedAws) -> None:
    iam = aws.client("iam")
    boundary = iam.create_policy(PolicyName="ssm-only", PolicyDocument=_policy(
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}))["Policy"]["Arn"]
    iam.create_role(RoleName="worker", PermissionsBoundary=boundary, AssumeRolePolicyDocument=_policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName="worker", PolicyName="work", PolicyDocument=_policy(
        {"Effect": "Allow", "Action": ["ssm:DescribeParameters", "sagemaker:ListNotebookInstances"], "Resource": "*"}))
    creds = aws.client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/worker", RoleSessionName="job-1")["Credentials"]

    def client(service: str) -> Any:
        return credentials_client(aws.endpoint_url, service, creds["AccessKeyId"], creds["SecretAccessKey"],
                                  creds["SessionToken"], region=aws.region)

    assert client("ssm").describe_parameters()["Parameters"] == []
    error = _refused(lambda: client("sagemaker").list_notebook_instances())["Error"]
    assert error["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/worker/job-1 is not authorized to perform: "
        "sagemaker:ListNotebookInstances on resource: * because no permissions boundary allows the "
        "sagemaker:ListNotebookInstances action")


def test_a_bucket_policy_grants_within_the_account_and_must_agree_across_accounts(aws: EmbeddedAws) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="shared-data")
    s3.put_object(Bucket="shared-data", Key="a.csv", Body=b"1,2")
    reader = _user(aws, "reader")("s3")  # no identity policy at all
    assert _refused(lambda: reader.get_object(Bucket="shared-data", Key="a.csv"))["Error"]["Code"] == "AccessDenied"
    s3.put_bucket_policy(Bucket="shared-data", Policy=_policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/reader"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::shared-data/*"}))
    assert reader.get_object(Bucket="shared-data", Key="a.csv")["Body"].read() == b"1,2"

    staging = aws.accounts.staging
    outsider = _user(aws, "outsider", account="staging")("s3")
    s3.put_bucket_policy(Bucket="shared-data", Policy=_policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{staging}:user/outsider"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::shared-data/*"}))
    error = _refused(lambda: outsider.get_object(Bucket="shared-data", Key="a.csv"))["Error"]
    assert error["Message"].endswith("because no identity-based policy allows the s3:GetObject action")


def test_the_accounts_admin_acts_through_its_policy_and_root_keys_are_not_restricted(aws: EmbeddedAws) -> None:
    admin = aws.client("iam")
    assert admin.get_user_policy(UserName="embedded-admin", PolicyName="AdministratorAccess")["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]
    admin.delete_user_policy(UserName="embedded-admin", PolicyName="AdministratorAccess")
    assert _refused(lambda: aws.client("ssm").describe_parameters())["Error"]["Code"] == "AccessDeniedException"
    from embedded_aws.clients import account_client

    assert account_client(aws.endpoint_url, "ssm", ACCOUNT, aws.region).describe_parameters()["Parameters"] == []


def test_get_caller_identity_needs_no_permission(aws: EmbeddedAws) -> None:
    sts = _user(aws, "nobody")("sts")
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/nobody"


def test_without_the_extension_moto_lets_any_user_do_anything(aws: EmbeddedAws) -> None:
    ssm = _user(aws, "unchecked")("ssm")
    with extensions.disabled("iam-authorization"):
        ssm.put_parameter(Name="/anything", Value="1", Type="String")
    assert _refused(lambda: ssm.get_parameter(Name="/anything"))["Error"]["Code"] == "AccessDeniedException"


def test_s3_subresources_are_authorized_as_their_own_actions(aws: EmbeddedAws) -> None:
    aws.client("s3").create_bucket(Bucket="settings")
    aws.client("s3").put_bucket_encryption(Bucket="settings", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3 = _user(aws, "auditor", {"Effect": "Allow", "Action": "s3:GetEncryptionConfiguration", "Resource": "arn:aws:s3:::settings"})("s3")
    rules = s3.get_bucket_encryption(Bucket="settings")["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # moto names GET ?encryption ListBucket: a policy granting s3:ListBucket must not read the encryption
    lister = _user(aws, "lister", {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::settings"})("s3")
    error = _refused(lambda: lister.get_bucket_encryption(Bucket="settings"))["Error"]
    assert "s3:GetEncryptionConfiguration on resource: arn:aws:s3:::settings" in error["Message"]
    assert lister.list_objects_v2(Bucket="settings")["KeyCount"] == 0


def test_a_missing_object_is_404_only_to_whoever_may_list_the_bucket(aws: EmbeddedAws) -> None:
    aws.client("s3").create_bucket(Bucket="sources")
    aws.client("s3").put_object(Bucket="sources", Key="there.zip", Body=b"1")
    reads = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::sources/*"}
    reader = _user(aws, "reader", reads)("s3")
    assert reader.get_object(Bucket="sources", Key="there.zip")["Body"].read() == b"1"
    error = _refused(lambda: reader.get_object(Bucket="sources", Key="missing.zip"))["Error"]
    assert (error["Code"], error["Message"]) == ("AccessDenied", f"User: arn:aws:iam::{ACCOUNT}:user/reader is not authorized to perform: "
                                              "s3:ListBucket on resource: arn:aws:s3:::sources because no identity-based policy allows "
                                              "the s3:ListBucket action")
    assert _refused(lambda: reader.head_object(Bucket="sources", Key="missing.zip"))["Error"]["Code"] == "403"
    lister = _user(aws, "lister", reads, {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::sources"})("s3")
    assert _refused(lambda: lister.get_object(Bucket="sources", Key="missing.zip"))["Error"]["Code"] == "NoSuchKey"
    assert _refused(lambda: lister.head_object(Bucket="sources", Key="missing.zip"))["Error"]["Code"] == "404"


def test_reading_one_version_of_an_object_needs_get_object_version(aws: EmbeddedAws) -> None:
    admin = aws.client("s3")
    admin.create_bucket(Bucket="sources")
    admin.put_bucket_versioning(Bucket="sources", VersioningConfiguration={"Status": "Enabled"})
    version = admin.put_object(Bucket="sources", Key="repo.zip", Body=b"1")["VersionId"]
    reader = _user(aws, "reader", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::sources/*"})("s3")
    assert reader.get_object(Bucket="sources", Key="repo.zip")["Body"].read() == b"1"
    assert _refused(lambda: reader.head_object(Bucket="sources", Key="repo.zip", VersionId=version))["Error"]["Code"] == "403"
    assert "s3:GetObjectVersion on resource: arn:aws:s3:::sources/repo.zip" in _refused(
        lambda: reader.get_object(Bucket="sources", Key="repo.zip", VersionId=version))["Error"]["Message"]
    versions = _user(aws, "versions", {"Effect": "Allow", "Action": "s3:GetObjectVersion", "Resource": "arn:aws:s3:::sources/*"})("s3")
    assert versions.get_object(Bucket="sources", Key="repo.zip", VersionId=version)["Body"].read() == b"1"


def test_rest_operations_are_authorized_on_the_resource_in_their_path() -> None:
    from embedded_aws.extensions.iam_authorization import request_params

    class Request:  # what the authorizer reads of a REST request whose body is a payload, not parameters
        automated_parameter_parsing = False
        raw_body = b'{"FunctionName": "from-the-payload"}'
        querystring: dict = {}

        def __init__(self, path: str) -> None:
            self.raw_path = path

    assert request_params(Request("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Afn/invocations"),
                          "lambda")["FunctionName"] == "arn:aws:lambda:us-east-1:1:function:fn"
    assert request_params(Request("/endpoints/mlops-staging/invocations"), "sagemaker")["EndpointName"] == "mlops-staging"


def test_resource_tag_conditions_read_the_resources_own_tags(aws: EmbeddedAws) -> None:
    kms = aws.client("kms")
    tagged = kms.create_key(Tags=[{"TagKey": "project", "TagValue": "mlops"}])["KeyMetadata"]["KeyId"]
    other = kms.create_key(Tags=[{"TagKey": "project", "TagValue": "other"}])["KeyMetadata"]["KeyId"]
    client = _user(aws, "keeper", {"Effect": "Allow", "Action": ["kms:EnableKeyRotation", "kms:CreateAlias"], "Resource": "*",
                                   "Condition": {"StringEquals": {"aws:ResourceTag/project": "mlops"}}})("kms")
    client.enable_key_rotation(KeyId=tagged)
    assert kms.get_key_rotation_status(KeyId=tagged)["KeyRotationEnabled"] is True
    refused = _refused(lambda: client.enable_key_rotation(KeyId=other))["Error"]
    assert refused["Message"].endswith(f"kms:EnableKeyRotation on resource: arn:aws:kms:us-east-1:{ACCOUNT}:key/{other} because no "
                                       "identity-based policy allows the kms:EnableKeyRotation action")
    # an alias carries no tags: the same condition cannot allow creating one, even for the tagged key
    refused = _refused(lambda: client.create_alias(AliasName="alias/mlops-data", TargetKeyId=tagged))["Error"]
    assert f"kms:CreateAlias on resource: arn:aws:kms:us-east-1:{ACCOUNT}:alias/mlops-data" in refused["Message"]
