"""A function placed in a VPC reaches only what its subnets, endpoints and security groups let it reach.

moto runs no network: every function reaches every service. On AWS a function with ``VpcConfig`` has network
interfaces in its subnets and no public address: without a NAT route it reaches only the services that have an
endpoint in its VPC (interface endpoints with private DNS, S3/DynamoDB gateway endpoints on its route tables), each
through its endpoint policy; anything else times out. Here each invocation carries the function's reach
(:func:`embedded_aws.network.reach.function_reach`, read from EC2's current state) and its worker routes every
connection by it (:mod:`embedded_aws.network.guard`); requests through an endpoint are authorized with
``aws:SourceVpce``/``aws:SourceVpc`` and the endpoint's policy (``iam-authorization``). A function's ``VpcConfig``
names the VPC of its subnets (moto answers a made-up ``vpc-123abc``).
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.ec2.models import ec2_backends

from embedded_aws.extensions import lambda_runtime
from embedded_aws.extensions.base import Extension, Patcher
from embedded_aws.network.reach import function_reach, view_from_backend


def reach_of(fn: Any, account_id: str, region: str) -> dict[str, Any] | None:
    """The reach of moto's function ``fn`` now (``None`` when it is not in a VPC)."""
    config = fn.vpc_config or {}
    subnets = list(config.get("SubnetIds") or [])
    if not subnets:
        return None
    ec2 = ec2_backends[account_id][region]
    view = view_from_backend(ec2, ec2.get_subnet(subnets[0]).vpc_id)
    return function_reach(view, account_id, region, subnets, list(config.get("SecurityGroupIds") or [])).to_dict()


class LambdaVpcNetworking(Extension):
    name = "lambda-vpc-networking"
    summary = ("functions in a VPC reach only services with an endpoint in it (or anything through a NAT route), "
               "as their route tables and security groups allow; other connections time out")
    requires = ("lambda-python-runtime",)

    def install(self, patcher: Patcher) -> None:
        patcher.replace(lambda_runtime, "network_reach", reach_of)

        def vpc_config(self: Any) -> dict[str, Any] | None:
            config = dict(self._vpc_config or {})
            if not config:
                return None
            subnets = config.get("SubnetIds") or []
            if subnets:
                config["VpcId"] = ec2_backends[self.account_id][self.region].get_subnet(subnets[0]).vpc_id
            else:
                config.pop("VpcId", None)
            return config

        patcher.replace(LambdaFunction, "vpc_config", property(vpc_config))
