"""Extension lambda-vpc-networking: a function in a VPC reaches what its routes, endpoints and groups let it reach."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from embedded_aws import EmbeddedAws, extensions
from support import stack_outcome, trust_policy, zip_module

HANDLER = '''
import json, urllib.request, boto3
from botocore.config import Config

QUICK = Config(connect_timeout=1, retries={"max_attempts": 1})

def _try(call):
    try:
        call()
        return "ok"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"

def handler(event, context):
    return {
        "ssm": _try(lambda: boto3.client("ssm", config=QUICK).put_parameter(Name="/net/seen", Value="1", Type="String", Overwrite=True)),
        "iam": _try(lambda: boto3.client("iam", config=QUICK).get_user(UserName="nobody-here")),
        "s3": _try(lambda: boto3.client("s3", config=QUICK).put_object(Bucket=event["bucket"], Key="k", Body=b"x")),
        "web": _try(lambda: urllib.request.urlopen(event["web"], timeout=2).read()),
    }

def patient(event, context):
    return boto3.client("iam").list_users()
'''

ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ssm:PutParameter", "iam:GetUser", "iam:ListUsers", "s3:PutObject"], "Resource": "*"}]})


@pytest.fixture()
def web() -> Iterator[str]:
    """A web site outside the VPC (on the loopback address, another port than the AWS endpoints)."""

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class Network:
    """A VPC with one private subnet, the function's group and the endpoints' group, in the tooling account."""

    def __init__(self, aws: EmbeddedAws) -> None:
        self.ec2 = aws.client("ec2")
        self.vpc = self.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        self.table = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=self.table, SubnetId=self.subnet)
        self.function_group = self.ec2.create_security_group(GroupName="fn", Description="fn", VpcId=self.vpc)["GroupId"]
        self.endpoint_group = self.ec2.create_security_group(GroupName="vpce", Description="vpce", VpcId=self.vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=self.endpoint_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": self.function_group}]}])

    def interface_endpoint(self, service: str, private_dns: bool = True) -> str:
        return self.ec2.create_vpc_endpoint(
            VpcId=self.vpc, ServiceName=f"com.amazonaws.us-east-1.{service}", VpcEndpointType="Interface", SubnetIds=[self.subnet],
            SecurityGroupIds=[self.endpoint_group], PrivateDnsEnabled=private_dns)["VpcEndpoint"]["VpcEndpointId"]

    def s3_gateway(self, policy: dict[str, Any]) -> str:
        return self.ec2.create_vpc_endpoint(
            VpcId=self.vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway", RouteTableIds=[self.table],
            PolicyDocument=json.dumps(policy))["VpcEndpoint"]["VpcEndpointId"]

    def nat(self) -> None:
        public = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.9.2.0/24")["Subnet"]["SubnetId"]
        address = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = self.ec2.create_nat_gateway(SubnetId=public, AllocationId=address)["NatGateway"]["NatGatewayId"]
        self.ec2.create_route(RouteTableId=self.table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)


def _function(aws: EmbeddedAws, network: Network, handler: str = "app.handler", timeout: int = 30) -> None:
    iam = aws.client("iam")
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    iam.put_role_policy(RoleName="fn-role", PolicyName="calls", PolicyDocument=ROLE_POLICY)
    aws.client("lambda").create_function(
        FunctionName="fn", Runtime="python3.11", Role=role, Handler=handler, Timeout=timeout,
        Code={"ZipFile": zip_module({"app.py": HANDLER})},
        VpcConfig={"SubnetIds": [network.subnet], "SecurityGroupIds": [network.function_group]})


def _invoke(aws: EmbeddedAws, payload: dict[str, Any]) -> dict[str, Any]:
    response = aws.client("lambda").invoke(FunctionName="fn", Payload=json.dumps(payload))
    return {"error": response.get("FunctionError"), **json.loads(response["Payload"].read())}


ONLY_BUCKET = {"Version": "2012-10-17", "Statement": [
    {"Sid": "OnlyTheData", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]}]}


def test_without_nat_only_services_with_an_endpoint_answer_and_the_rest_times_out(aws: EmbeddedAws, web: str) -> None:
    network = Network(aws)
    network.interface_endpoint("ssm")
    _function(aws, network)
    aws.client("s3").create_bucket(Bucket="data")
    result = _invoke(aws, {"bucket": "data", "web": web})
    assert result == {
        "error": None, "ssm": "ok",
        "iam": 'ConnectTimeoutError: Connect timeout on endpoint URL: "https://iam.amazonaws.com/"',
        "s3": 'ConnectTimeoutError: Connect timeout on endpoint URL: "https://s3.us-east-1.amazonaws.com/"',
        "web": "URLError: <urlopen error timed out>",
    }
    assert aws.client("ssm").get_parameter(Name="/net/seen")["Parameter"]["Value"] == "1"
    placed = aws.client("lambda").get_function_configuration(FunctionName="fn")["VpcConfig"]
    assert (placed["VpcId"], placed["SubnetIds"]) == (network.vpc, [network.subnet])  # moto alone says vpc-123abc


def test_an_endpoint_without_private_dns_or_closed_by_its_group_is_not_a_route(aws: EmbeddedAws, web: str) -> None:
    network = Network(aws)
    network.interface_endpoint("ssm", private_dns=False)  # the SDK resolves the public name: no route there
    _function(aws, network)
    assert _invoke(aws, {"bucket": "data", "web": web})["ssm"].startswith("ConnectTimeoutError")
    network.ec2.revoke_security_group_ingress(GroupId=network.endpoint_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": network.function_group}]}])
    network.interface_endpoint("ssm")  # private DNS now, but its group admits nothing from the function
    assert _invoke(aws, {"bucket": "data", "web": web})["ssm"].startswith("ConnectTimeoutError")


def test_a_nat_route_reaches_everything(aws: EmbeddedAws, web: str) -> None:
    network = Network(aws)
    network.nat()
    _function(aws, network)
    aws.client("s3").create_bucket(Bucket="data")
    assert _invoke(aws, {"bucket": "data", "web": web}) == {
        "error": None, "ssm": "ok", "s3": "ok", "web": "ok",
        "iam": "NoSuchEntityException: An error occurred (NoSuchEntity) when calling the GetUser operation: "
               "The user with name nobody-here cannot be found."}


def test_the_gateway_endpoint_policy_decides_and_the_request_carries_the_endpoint(aws: EmbeddedAws, web: str) -> None:
    network = Network(aws)
    endpoint = network.s3_gateway(ONLY_BUCKET)
    s3 = aws.client("s3")
    for bucket in ("data", "other"):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket="data", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyOutsideTheNetwork", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::data/*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoint}}}]}))
    _function(aws, network)
    assert _invoke(aws, {"bucket": "data", "web": web})["s3"] == "ok"  # through the endpoint: the fence lets it in
    refused = _invoke(aws, {"bucket": "other", "web": web})["s3"]
    assert refused == ("AccessDenied: An error occurred (AccessDenied) when calling the PutObject operation: User: "
                       "arn:aws:sts::123456789012:assumed-role/fn-role/fn is not authorized to perform: s3:PutObject on resource: "
                       "arn:aws:s3:::other/k because no VPC endpoint policy allows the s3:PutObject action")


def test_a_call_that_waits_longer_than_the_function_ends_it_as_a_timeout(aws: EmbeddedAws) -> None:
    network = Network(aws)
    _function(aws, network, handler="app.patient", timeout=20)  # botocore waits 60 s per connect by default
    started = time.monotonic()
    response = aws.client("lambda").invoke(FunctionName="fn", Payload=b"{}")
    assert time.monotonic() - started < 10  # the wait is simulated, not slept
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {"errorMessage": "Task timed out after 20.00 seconds", "errorType": "Sandbox.Timedout"}


def test_a_function_outside_any_vpc_and_moto_alone_reach_everything(aws: EmbeddedAws, web: str) -> None:
    network = Network(aws)
    _function(aws, network)
    aws.client("s3").create_bucket(Bucket="data")
    with extensions.disabled("lambda-vpc-networking"):
        assert _invoke(aws, {"bucket": "data", "web": web})["iam"].startswith("NoSuchEntityException")
    aws.client("lambda").update_function_configuration(FunctionName="fn", VpcConfig={"SubnetIds": [], "SecurityGroupIds": []})
    assert _invoke(aws, {"bucket": "data", "web": web})["web"] == "ok"


ANSWER = '''
import json, urllib.request

def handler(event, context):
    answer = {"Status": "SUCCESS", "PhysicalResourceId": "answered", "StackId": event["StackId"], "RequestId": event["RequestId"],
              "LogicalResourceId": event["LogicalResourceId"], "Data": {}}
    request = urllib.request.Request(event["ResponseURL"], data=json.dumps(answer).encode(), method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=5).read()
'''
ANSWERS = {"Sid": "Answers", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
           "Resource": "arn:aws:s3:::cloudformation-custom-resource-response-*/*"}


@pytest.mark.parametrize("admitted", [True, False], ids=["endpoint-admits-the-answer", "endpoint-refuses-the-answer"])
def test_a_custom_resource_in_a_vpc_answers_cloudformation_through_the_s3_endpoint(aws: EmbeddedAws, admitted: bool) -> None:
    statements = [ANSWERS] if admitted else []
    network = Network(aws)
    network.s3_gateway({"Version": "2012-10-17", "Statement": [*ONLY_BUCKET["Statement"], *statements]})
    role = aws.client("iam").create_role(RoleName="cr-role", AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"))["Role"]["Arn"]
    arn = aws.client("lambda").create_function(
        FunctionName="answer", Runtime="python3.11", Role=role, Handler="app.handler", Timeout=30,
        Code={"ZipFile": zip_module({"app.py": ANSWER})},
        VpcConfig={"SubnetIds": [network.subnet], "SecurityGroupIds": [network.function_group]})["FunctionArn"]
    template = json.dumps({"Resources": {"Seed": {"Type": "Custom::Seed", "Properties": {"ServiceToken": arn}}}})
    cfn = aws.client("cloudformation")
    if admitted:
        cfn.create_stack(StackName="seeded", TemplateBody=template)
        assert cfn.describe_stacks(StackName="seeded")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        return
    cfn.create_stack(StackName="seeded", TemplateBody=template)  # the endpoint refuses the PUT (403): no answer, the resource fails
    assert stack_outcome(cfn, "seeded") == ("ROLLBACK_COMPLETE", [
        ("Seed", "the custom resource function sent no response (HTTPError: HTTP Error 403: Forbidden)")])
