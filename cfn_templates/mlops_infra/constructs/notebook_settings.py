"""What the platform sets on every notebook, as SSM parameters the notebook product reads.

The product template declares these settings as SSM-typed parameters whose defaults name
``/<project>/notebook-product/<Name>``; Service Catalog's CloudFormation resolves them with the launch role's
rights. So a notebook launched from the Service Catalog console and one requested through the platform get the same
role, key, lifecycle configuration, backup bucket and network, and the analyst chooses only what the type lets them.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from mlops_infra.constructs.network_placement import NetworkPlacement
from mlops_runtime.environment_types import UNSET


class NotebookSettings(Construct):
    """One String parameter per platform setting of the product (``none`` where the platform sets nothing)."""

    def __init__(self, scope: Construct, id_: str, *, names: dict[str, str], values: dict[str, str]) -> None:
        super().__init__(scope, id_)
        missing = sorted(set(names) - set(values) - set(NETWORK))
        if missing:
            raise ValueError(f"no value for the notebook product's platform settings: {', '.join(missing)}")
        values = {**values, **network_settings(self)}
        self.parameters = {
            name: ssm.StringParameter(self, name, parameter_name=parameter, string_value=values[name],
                                      description=f"{name} of every notebook the notebook product launches (set by the platform)")
            for name, parameter in names.items()}

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """Read every setting by name (CloudFormation resolves SSM-typed parameters with ssm:GetParameters)."""
        iam.Grant.add_to_principal(grantee=grantee, actions=["ssm:GetParameters"],
                                   resource_arns=[p.parameter_arn for p in self.parameters.values()])


#: The settings that place a notebook in the private network (none outside the secure ML environment).
NETWORK = ("SubnetId", "SecurityGroupIds")


def network_settings(scope: Construct) -> dict[str, str]:
    """Subnet and security groups of new notebooks when the stack runs in the secure ML environment."""
    placement = NetworkPlacement.of(scope)
    if placement is None:
        return dict.fromkeys(NETWORK, UNSET)
    return {"SubnetId": placement.subnet_ids[0], "SecurityGroupIds": cdk.Fn.join(",", placement.notebook_security_group_ids)}
