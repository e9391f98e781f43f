"""Where the platform's own compute runs when the secure ML environment exists: its private subnets and workload group.

The environment stack (``<platform>-ml-environment``, deployed first into each account) exports its
private subnet ids and its workload security group; a stack that places compute there holds one
``NetworkPlacement`` (created before that compute), and the platform's functions and builds find it:

* every ``PlatformFunction`` runs in the private subnets (no internet; AWS APIs through the endpoints);
* the model-build pipeline's jobs get the subnets and group (``sagemaker:VpcSubnets`` is then present,
  as the guardrails demand);
* notebooks are launched into the first private subnet with the Studio group, without direct internet;
* a Studio domain (``studio_domain``) is created in the environment's VPC and private subnets with the Studio group.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

ID = "MlNetworkPlacement"
#: Two private subnets, one per availability zone (the environment's layout).
SUBNET_COUNT = 2


def export_name(platform: str, output: str) -> str:
    """Export name of an environment output (unique per account and region)."""
    return f"{platform}-ml-environment-{output}"


class NetworkPlacement(Construct):
    """The environment's exported subnets and workload security group, imported into this stack."""

    def __init__(self, scope: cdk.Stack, *, platform: str) -> None:
        super().__init__(scope, ID)
        self.vpc_id: str = cdk.Fn.import_value(export_name(platform, "VpcId"))
        self.subnet_ids: list[str] = cdk.Fn.split(",", cdk.Fn.import_value(export_name(platform, "PrivateSubnetIds")), SUBNET_COUNT)
        self.security_group_ids: list[str] = [cdk.Fn.import_value(export_name(platform, "WorkloadSecurityGroupId"))]
        #: Notebooks sit with Studio's apps (the group that may reach the endpoints and the home volumes).
        self.notebook_security_group_ids: list[str] = [cdk.Fn.import_value(export_name(platform, "StudioSecurityGroupId"))]

    @staticmethod
    def of(scope: Construct) -> NetworkPlacement | None:
        """The stack's placement, if it has one."""
        found = cdk.Stack.of(scope).node.try_find_child(ID)
        return found if isinstance(found, NetworkPlacement) else None

    def subnets_json(self) -> str:
        """The subnet ids as a JSON list (for build environment variables)."""
        return cdk.Fn.join("", ['["', cdk.Fn.join('","', self.subnet_ids), '"]'])

    def security_groups_json(self) -> str:
        return cdk.Fn.join("", ['["', cdk.Fn.join('","', self.security_group_ids), '"]'])
