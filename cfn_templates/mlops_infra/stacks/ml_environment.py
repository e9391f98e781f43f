"""The optional secure ML environment: the private network the platform's workloads, notebooks and Studio run in, its data
stores, the personas and the preventive controls they wear."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from mlops_infra.config import PlatformConfig
from mlops_infra.constructs.ml_guardrails import MlGuardrails
from mlops_infra.constructs.network_placement import export_name
from mlops_infra.constructs.personas import Personas, Stores
from mlops_infra.constructs.secure_data_stores import SecureDataStores
from mlops_infra.constructs.secure_network import SecureNetwork
from mlops_infra.stacks.tooling import ACCOUNT_ID_PATTERN

#: The accounts an environment serves: development and pipelines (tooling), pre-production, production.
ENVIRONMENT_TYPES = ("tooling", "staging", "prod")


class MlEnvironmentStack(cdk.Stack):
    """VPC with private subnets in two AZs, security groups, interface endpoints, policy-bound S3 endpoint, fenced data stores."""

    def __init__(self, scope: Construct, id_: str, *, config: PlatformConfig, **kwargs: object) -> None:
        super().__init__(scope, id_, **kwargs)  # type: ignore[arg-type]
        assert config.network_cidr is not None
        staging = cdk.CfnParameter(self, "StagingAccountId", allowed_pattern=ACCOUNT_ID_PATTERN, description="Staging account")
        prod = cdk.CfnParameter(self, "ProdAccountId", allowed_pattern=ACCOUNT_ID_PATTERN, description="Production account")
        kind = cdk.CfnParameter(self, "EnvironmentType", allowed_values=list(ENVIRONMENT_TYPES), default="tooling",
                                description="Which of the platform's accounts this environment serves")
        cdk.Tags.of(self).add("ml-environment-type", kind.value_as_string)
        network = SecureNetwork(self, "Network", project=config.project, cidr=config.network_cidr, nat=config.network_nat,
                                account_ids=[cdk.Aws.ACCOUNT_ID, staging.value_as_string, prod.value_as_string])
        removal = cdk.RemovalPolicy.RETAIN if config.retain_data else cdk.RemovalPolicy.DESTROY
        stores = SecureDataStores(self, "Stores", project=config.project, endpoint_ids=[network.s3_endpoint.vpc_endpoint_id],
                                  removal_policy=removal)
        # presigned URLs are API calls: they must come through the network's SageMaker API endpoint
        guardrails = MlGuardrails(self, "Guardrails", project=config.project,
                                  url_vpc_endpoint_ids=[network.interface_endpoints["sagemaker.api"].vpc_endpoint_id])
        personas = Personas(self, "Personas", project=config.project, guardrails=guardrails.policy,
                            stores=Stores(stores.buckets["data"], stores.buckets["models"]), vpc_id=network.vpc.vpc_id)
        cdk.CfnOutput(self, "VpcId", value=network.vpc.vpc_id)
        cdk.CfnOutput(self, "PrivateSubnetIds", value=",".join(network.private_subnets.subnet_ids),
                      export_name=export_name(config.project, "PrivateSubnetIds"))
        cdk.CfnOutput(self, "StudioSecurityGroupId", value=network.studio_sg.security_group_id,
                      export_name=export_name(config.project, "StudioSecurityGroupId"))
        cdk.CfnOutput(self, "WorkloadSecurityGroupId", value=network.workload_sg.security_group_id,
                      export_name=export_name(config.project, "WorkloadSecurityGroupId"))
        cdk.CfnOutput(self, "ExecuteApiEndpointId", value=network.interface_endpoints["execute-api"].vpc_endpoint_id)
        cdk.CfnOutput(self, "StudioEndpointId", value=network.interface_endpoints["studio"].vpc_endpoint_id)
        cdk.CfnOutput(self, "S3EndpointId", value=network.s3_endpoint.vpc_endpoint_id)
        for kind, bucket in stores.buckets.items():
            cdk.CfnOutput(self, f"Ml{kind.title()}BucketName", value=bucket.bucket_name)
            cdk.CfnOutput(self, f"Ml{kind.title()}KeyArn", value=stores.keys[kind].key_arn)
        cdk.CfnOutput(self, "DataBreakGlassRoleArn", value=stores.break_glass.role_arn)
        cdk.CfnOutput(self, "MlGuardrailsPolicyArn", value=guardrails.policy.managed_policy_arn)
        for persona, role in personas.roles.items():
            cdk.CfnOutput(self, "".join(p.title() for p in persona.split("-")) + "RoleArn", value=role.role_arn)
