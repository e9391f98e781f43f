"""A Python Lambda function running a handler of the ``mlops_runtime`` package."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from mlops_infra.assets import runtime_code_root
from mlops_infra.constructs.network_placement import NetworkPlacement
from mlops_infra.nag import logical_id, suppress

#: The asset is the runtime package whole: what is beside it in ``stepfunctions/`` is for review, and caches never ship.
CODE_EXCLUDES = ["**/__pycache__", "**/*.pyc", "definitions", "README.md"]
#: Powertools for AWS Lambda (Python), the public layer AWS publishes (``{account}`` per partition and region).
POWERTOOLS_LAYER = "arn:{partition}:lambda:{region}:{account}:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:18"
#: The account publishing the layer in the commercial partition, and elsewhere per region (Powertools' documentation).
POWERTOOLS_ACCOUNT = "017000801446"
POWERTOOLS_ACCOUNTS_ELSEWHERE = {"us-gov-west-1": "165093116878", "us-gov-east-1": "165087284144", "cn-north-1": "498634801083"}


def powertools_layer_arn(scope: Construct) -> str:
    """The layer's ARN in the stack's partition and region: one condition per region outside the commercial partition,
    created once per stack (``PowertoolsIn<Region>``)."""
    stack = cdk.Stack.of(scope)
    account: str = POWERTOOLS_ACCOUNT
    for region, publisher in POWERTOOLS_ACCOUNTS_ELSEWHERE.items():
        name = "PowertoolsIn" + "".join(part.capitalize() for part in region.split("-"))
        condition = stack.node.try_find_child(name)
        if condition is None:
            condition = cdk.CfnCondition(stack, name, expression=cdk.Fn.condition_equals(cdk.Aws.REGION, region))
        assert isinstance(condition, cdk.CfnCondition)
        account = cdk.Fn.condition_if(condition.logical_id, publisher, account).to_string()
    return POWERTOOLS_LAYER.format(partition=cdk.Aws.PARTITION, region=cdk.Aws.REGION, account=account)


class PlatformFunction(Construct):
    """Function ``<project>-<name>`` with its own log group and a role that may only write to it.

    In the secure ML environment it runs in the private subnets, unless ``outside_network`` says why it must not
    (a function that must reach the internet, which those subnets do not, and touches no data).
    """

    def __init__(self, scope: Construct, id_: str, *, project: str, name: str, handler_module: str, description: str,
                 environment: dict[str, str] | None = None, timeout_seconds: int = 30, layer_arns: tuple[str, ...] = (),
                 role_name: str | None = None, outside_network: str | None = None) -> None:
        super().__init__(scope, id_)
        function_name = f"{project}-{name}"
        self.log_group = logs.LogGroup(self, "Logs", log_group_name=f"/aws/lambda/{function_name}",
                                       retention=logs.RetentionDays.THREE_MONTHS, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), role_name=role_name,
                             description=f"Execution role of {function_name}")
        self.role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                                    resources=[f"{self.log_group.log_group_arn}:*"]))
        suppress(self.role, "AwsSolutions-IAM5", "Log streams are created per invocation inside the function's own log group",
                 applies_to=[f"Resource::<{logical_id(self.log_group)}.Arn>:*"])
        self.function = lambda_.Function(
            self, "Function",
            function_name=function_name,
            description=description,
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,
            handler=f"mlops_runtime.handlers.{handler_module}.handler",
            code=lambda_.Code.from_asset(str(runtime_code_root()), exclude=CODE_EXCLUDES),
            layers=[lambda_.LayerVersion.from_layer_version_arn(
                self, "Powertools", powertools_layer_arn(self)),
                *(lambda_.LayerVersion.from_layer_version_arn(self, f"Layer{index}", arn) for index, arn in enumerate(layer_arns))],
            memory_size=256,
            timeout=cdk.Duration.seconds(timeout_seconds),
            role=self.role,
            log_group=self.log_group,
            environment={"POWERTOOLS_SERVICE_NAME": name, **(environment or {})},
        )
        placement = NetworkPlacement.of(self) if outside_network is None else None
        if placement is not None:  # the secure ML environment: private subnets only, AWS APIs through its endpoints
            function_resource = self.function.node.default_child
            assert isinstance(function_resource, lambda_.CfnFunction)
            function_resource.vpc_config = lambda_.CfnFunction.VpcConfigProperty(
                subnet_ids=placement.subnet_ids, security_group_ids=placement.security_group_ids)
            self.role.add_to_policy(iam.PolicyStatement(sid="NetworkInterfaces", resources=["*"], actions=[
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]))
            suppress(self.role, "AwsSolutions-IAM5", "Lambda manages the function's network interfaces in the private subnets; "
                                                     "EC2 has no resource-level permission for describing or creating them here",
                     applies_to=["Resource::*"])
        suppress(self.function, "AwsSolutions-L1", "Python 3.11 is the platform's runtime: the Powertools layer build and the "
                                                    "embedded AWS worker run 3.11; upgraded together with them")
