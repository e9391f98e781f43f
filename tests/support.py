"""Small helpers shared by the tests."""

from __future__ import annotations

import contextlib
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from embedded_aws import EmbeddedAws


def wait_for(probe: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Call ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def event_queue(aws: EmbeddedAws, name: str, pattern: dict[str, Any]) -> str:
    """A queue receiving the events ``pattern`` matches on the default bus (rule and queue named ``name``); its URL."""
    sqs, events = aws.client("sqs"), aws.client("events")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
    return str(url)


def queued_events(aws: EmbeddedAws, url: str) -> list[dict[str, Any]]:
    """The events waiting in the queue at ``url`` (up to ten), parsed."""
    messages = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def sagemaker_role(aws: EmbeddedAws, name: str = "pipeline",
                   actions: tuple[str, ...] = ("sagemaker:*", "s3:*", "iam:PassRole")) -> str:
    """A role SageMaker may assume (pipelines and jobs alike), allowed ``actions`` on every resource; its ARN."""
    iam = aws.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy("sagemaker.amazonaws.com"))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}))
    return str(arn)


def wait_for_execution(sfn: Any, execution_arn: str, timeout: float = 15.0) -> dict[str, Any]:
    """Return DescribeExecution once the execution has left RUNNING."""

    def finished() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return described if described["status"] != "RUNNING" else None

    return wait_for(finished, timeout)


def zip_module(files: dict[str, str]) -> bytes:
    """A zip holding ``files`` (path -> text): a Lambda deployment package, a repository's initial code."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, source in files.items():
            archive.writestr(path, source)
    return buffer.getvalue()


def trust_policy(service: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    )


@contextlib.contextmanager
def server_error() -> Iterator[None]:
    """Expect the call to fail as moto fails what it cannot do: HTTP 500, or 501 NotImplemented (extension not-implemented-errors)."""
    from botocore.exceptions import ClientError
    from botocore.parsers import ResponseParserError

    try:
        yield
    except ClientError as exc:
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] in (500, 501), exc
    except ResponseParserError as exc:
        assert "500 Internal Server Error" in str(exc), exc
    else:
        raise AssertionError("expected an HTTP 500 or 501 from the embedded AWS")


@dataclass
class Platform:
    """A platform deployed into the embedded AWS for a test module: its accounts, stack outputs, notebook service."""

    aws: Any
    accounts: Any
    outputs: dict[str, str]
    service: Any = None

    def client(self, name: str) -> Any:
        return self.aws.client(name)


def assume_as_user(aws: Any, user: str, role_arn: str, mfa: bool = False, session: str | None = None) -> dict[str, str]:
    """Credentials of a session of ``role_arn`` (named ``session``, by default after the user), assumed by the IAM user
    ``user`` (created if missing, with the right to assume the role), with an MFA device and code when ``mfa`` — as a
    person reaches a persona role."""
    iam = aws.client("iam")
    try:
        iam.get_user(UserName=user)
    except iam.exceptions.NoSuchEntityException:
        iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName=f"assume-{role_arn.rsplit('/', 1)[-1]}", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    from embedded_aws.clients import credentials_client

    sts = credentials_client(aws.endpoint_url, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    device = {"SerialNumber": f"arn:aws:iam::{role_arn.split(':')[4]}:mfa/{user}", "TokenCode": "123456"} if mfa else {}
    try:
        credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session or user, **device)["Credentials"]
    finally:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    return dict(credentials)


def deployed_platform(server: Any, outdir: Any, config: Any) -> Platform:
    """A fresh embedded AWS with the platform (``config``) deployed into its three accounts, as ``mlops deploy`` does."""
    from mlops_infra.synth import synthesize
    from mlops_platform.accounts import LocalAccounts
    from mlops_platform.deploy.platform import deploy_platform
    from mlops_platform.local.state import LocalState

    server.reset()
    accounts = LocalAccounts(LocalState.from_dict(server.describe()))
    outputs = deploy_platform(accounts, config, synthesize(config, outdir))[0].outputs
    return Platform(server, accounts, outputs)


def stack_outcome(cfn: Any, name: str) -> tuple[str, list[tuple[str, str]]]:
    """The stack's status and its failed resources as (logical id, reason), oldest first."""
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    events = cfn.describe_stack_events(StackName=stack["StackId"])["StackEvents"]
    failed = [(e["LogicalResourceId"], e.get("ResourceStatusReason", "")) for e in reversed(events)
              if e["ResourceStatus"].endswith("_FAILED") and e["ResourceType"] != "AWS::CloudFormation::Stack"]
    return stack["StackStatus"], failed


#: What AWS's template for the self-managed execution role grants (AdministratorAccess).
EVERYTHING = ({"Effect": "Allow", "Action": "*", "Resource": "*"},)


def stackset_roles(aws: Any, accounts: tuple[str, ...] = ("staging", "prod"),
                   admin: str = "AWSCloudFormationStackSetAdministrationRole",
                   execution: str = "AWSCloudFormationStackSetExecutionRole",
                   execution_statements: tuple[dict[str, Any], ...] = EVERYTHING) -> str:
    """Create the self-managed StackSet roles (administration in tooling, execution in ``accounts`` allowed
    ``execution_statements``: CloudFormation acts with them there); return the admin ARN."""
    admin_arn = aws.client("iam").create_role(RoleName=admin, AssumeRolePolicyDocument=trust_policy("cloudformation.amazonaws.com"))["Role"]["Arn"]
    aws.client("iam").put_role_policy(RoleName=admin, PolicyName="assume-execution", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::*:role/{execution}"}]}))
    for account in accounts:
        iam = aws.client("iam", account)
        iam.create_role(RoleName=execution, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": admin_arn}, "Action": "sts:AssumeRole"}]}))
        if execution_statements:
            iam.put_role_policy(RoleName=execution, PolicyName="deploy", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": list(execution_statements)}))
    return admin_arn


def wait_for_stackset_operation(cfn: Any, name: str, operation_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """DescribeStackSetOperation once the operation has ended."""

    def ended() -> dict[str, Any] | None:
        operation = cfn.describe_stack_set_operation(StackSetName=name, OperationId=operation_id)["StackSetOperation"]
        return operation if operation["Status"] not in ("RUNNING", "QUEUED", "STOPPING") else None

    return wait_for(ended, timeout)


ECHO_MODEL = '''
def model_fn(model_dir):
    return open(model_dir + "/answer.txt").read().strip()


def input_fn(body, content_type):
    return body.decode() if isinstance(body, bytes) else body


def predict_fn(data, model):
    if model == "fail":
        raise ValueError("model is broken")
    return model + ":" + data


def output_fn(prediction, accept):
    return prediction
'''


def model_data(aws: Any, bucket: str, key: str, answer: str = "ok", program: str = ECHO_MODEL, account: str = "tooling") -> str:
    """Upload a model tarball (``answer.txt`` and ``code/inference.py``) and return its ``s3://`` URL.

    The default program answers ``<answer>:<request>``; ``answer="fail"`` makes every prediction raise.
    """
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in (("answer.txt", answer), ("code/inference.py", program)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    s3 = aws.client("s3", account)
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
    return f"s3://{bucket}/{key}"


def join_organization(aws: EmbeddedAws, account: str) -> dict:
    """Invite an embedded account into tooling's organization and accept as that account."""
    handshake = aws.client("organizations").invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": account})["Handshake"]
    name = {"222222222222": "staging", "333333333333": "prod"}[account]
    return aws.client("organizations", name).accept_handshake(HandshakeId=handshake["Id"])["Handshake"]


def organization_with_units(aws: EmbeddedAws) -> dict[str, str]:
    """Tooling manages the organization; staging and prod are members in units Staging and Prod/Critical."""
    org = aws.client("organizations")
    org.create_organization(FeatureSet="ALL")
    for account in ("222222222222", "333333333333"):
        join_organization(aws, account)
    root = org.list_roots()["Roots"][0]["Id"]
    staging = org.create_organizational_unit(ParentId=root, Name="Staging")["OrganizationalUnit"]["Id"]
    prod = org.create_organizational_unit(ParentId=root, Name="Prod")["OrganizationalUnit"]["Id"]
    critical = org.create_organizational_unit(ParentId=prod, Name="Critical")["OrganizationalUnit"]["Id"]
    org.move_account(AccountId="222222222222", SourceParentId=root, DestinationParentId=staging)
    org.move_account(AccountId="333333333333", SourceParentId=root, DestinationParentId=critical)
    return {"root": root, "staging": staging, "prod": prod, "critical": critical}


PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::URLSuffix": "amazonaws.com"}


def render(value: Any, names: dict[str, str]) -> Any:
    """A template value with its references replaced by concrete names (what IAM sees at request time).

    ``names`` maps logical ids to what ``Ref`` / ``Fn::GetAtt`` give; pseudo parameters are the embedded tooling account's.
    """
    if isinstance(value, dict):
        if "Ref" in value:
            return PSEUDO.get(value["Ref"]) or names[value["Ref"]]
        if "Fn::GetAtt" in value:
            return names[value["Fn::GetAtt"][0]]
        if "Fn::Join" in value:
            return value["Fn::Join"][0].join(str(render(v, names)) for v in value["Fn::Join"][1])
        return {k: render(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, names) for v in value]
    return value


def with_parameters(value: Any, parameters: dict[str, str]) -> Any:
    """A template (or part) as CloudFormation would see it with these parameter values: their ``Ref`` replaced and
    the strings of joins folded, everything else left as it is."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        resolved = {k: with_parameters(v, parameters) for k, v in value.items()}
        if set(resolved) == {"Fn::Join"} and resolved["Fn::Join"][0] == "" and isinstance(resolved["Fn::Join"][1], list):
            parts: list[Any] = []
            for part in resolved["Fn::Join"][1]:  # adjacent strings merge, as CDK writes joins
                if isinstance(part, str) and parts and isinstance(parts[-1], str):
                    parts[-1] += part
                else:
                    parts.append(part)
            return parts[0] if len(parts) == 1 and isinstance(parts[0], str) else {"Fn::Join": ["", parts]}
        return resolved
    if isinstance(value, list):
        return [with_parameters(v, parameters) for v in value]
    return value


def environment_template(template: dict[str, Any], name: str = "mlops") -> dict[str, Any]:
    """The ML environment's template as deployed under ``name`` (its resource names become concrete)."""
    return with_parameters(template, {"EnvironmentName": name})
