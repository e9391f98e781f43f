"""The secure ML environment: the private network the platform's workloads, notebooks and Studio run in, its data stores,
the personas and the preventive controls they wear.

One definition, two ways to deploy it, the same parameters:

* directly — stack ``<platform>-ml-environment`` (``mlops deploy`` puts one in each account, named after the platform);
* as a Service Catalog product a data-science admin launches (``MlEnvironmentProduct``, in the tooling stack's
  environment portfolio), e.g. one environment per team.

    EnvironmentName      names the environment's resources: VPC <name>-ml, stores <name>-ml-data/-models-*,
                         personas <name>-<persona>, exports <name>-ml-environment-*
    EnvironmentType      tooling | staging | prod (tag ml-environment-type)
    ToolingAccountId     the platform's tooling account (where model artifacts live; default: this account)
    StagingAccountIds, ProdAccountIds                    the stages' accounts (lists)
    StagingOrganizationalUnitId, ProdOrganizationalUnitId  or the stages' organizational units
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from mlops_infra.constructs.ml_guardrails import MlGuardrails
from mlops_infra.constructs.network_placement import export_name
from mlops_infra.constructs.personas import Personas, Stores
from mlops_infra.constructs.secure_data_stores import SecureDataStores
from mlops_infra.constructs.secure_network import SecureNetwork, StageUnits
from mlops_runtime.config import PlatformConfig

#: The accounts an environment serves: development and pipelines (tooling), pre-production, production.
ENVIRONMENT_TYPES = ("tooling", "staging", "prod")
ENVIRONMENT_NAME_PATTERN = r"^[a-z][a-z0-9-]{1,20}$"
#: List parameters admit empty entries (their default is empty); a given entry must be a whole id.
ACCOUNT_LIST_PATTERN = r"^(\d{12})?$"
OPTIONAL_UNIT_PATTERN = r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})?$"


class MlEnvironmentStack(cdk.Stack):
    """VPC with private subnets in two AZs, security groups, interface endpoints, policy-bound S3 endpoint, fenced data stores."""

    def __init__(self, scope: Construct, id_: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        define_ml_environment(self, config)


class MlEnvironmentProduct(servicecatalog.ProductStack):
    """The same environment as the template of a Service Catalog product (a CDK product stack)."""

    def __init__(self, scope: Construct, id_: str, *, config: PlatformConfig) -> None:
        super().__init__(scope, id_)
        define_ml_environment(self, config)


def define_ml_environment(stack: cdk.Stack, config: PlatformConfig) -> None:
    """The environment's parameters, resources and outputs, added to ``stack``."""
    if config.network_cidr is None:
        raise ValueError("the ML environment needs network_cidr (its VPC's address block)")
    name = cdk.CfnParameter(stack, "EnvironmentName", allowed_pattern=ENVIRONMENT_NAME_PATTERN, default=config.project,
                            constraint_description="2-21 lowercase letters, digits or '-', starting with a letter",
                            description="Names the environment's resources; the platform's own environment bears the platform's name")
    kind = cdk.CfnParameter(stack, "EnvironmentType", allowed_values=list(ENVIRONMENT_TYPES), default="tooling",
                            description="Which of the platform's accounts this environment serves")
    tooling = cdk.CfnParameter(stack, "ToolingAccountId", allowed_pattern=ACCOUNT_LIST_PATTERN, default="",
                               description="The platform's tooling account, where model artifacts live (empty: this account)")
    staging = _list(stack, "StagingAccountIds", ACCOUNT_LIST_PATTERN, "Staging accounts")
    prod = _list(stack, "ProdAccountIds", ACCOUNT_LIST_PATTERN, "Production accounts")
    units = [cdk.CfnParameter(stack, f"{stage}OrganizationalUnitId", allowed_pattern=OPTIONAL_UNIT_PATTERN, default="",
                              description=f"Or the organizational unit whose member accounts are {stage.lower()}").value_as_string
             for stage in ("Staging", "Prod")]
    units_given = cdk.CfnCondition(stack, "OrganizationalUnitsGiven", expression=cdk.Fn.condition_not(
        cdk.Fn.condition_equals(cdk.Fn.join("", units), "")))
    environment = name.value_as_string
    cdk.Tags.of(stack).add("ml-environment-type", kind.value_as_string)
    cdk.Tags.of(stack).add("ml-environment", environment)

    accounts = cdk.Fn.split(",", cdk.Fn.join(",", [cdk.Aws.ACCOUNT_ID, tooling.value_as_string, cdk.Fn.join(",", staging),
                                                   cdk.Fn.join(",", prod)]))
    network = SecureNetwork(stack, "Network", project=environment, cidr=config.network_cidr, nat=config.network_nat,
                            account_ids=accounts, units=StageUnits(units, units_given))
    removal = cdk.RemovalPolicy.RETAIN if config.retain_data else cdk.RemovalPolicy.DESTROY
    stores = SecureDataStores(stack, "Stores", project=environment, endpoint_ids=[network.s3_endpoint.vpc_endpoint_id],
                              removal_policy=removal)
    # presigned URLs are API calls: they must come through the network's SageMaker API endpoint
    guardrails = MlGuardrails(stack, "Guardrails", project=environment,
                              url_vpc_endpoint_ids=[network.interface_endpoints["sagemaker.api"].vpc_endpoint_id])
    personas = Personas(stack, "Personas", project=config.project, environment=environment, guardrails=guardrails.policy,
                        stores=Stores(stores.buckets["data"], stores.buckets["models"]), vpc_id=network.vpc.vpc_id,
                        stage_reader_role_name=config.deploy_verifier_role_name)

    cdk.CfnOutput(stack, "VpcId", value=network.vpc.vpc_id, export_name=export_name(environment, "VpcId"))
    cdk.CfnOutput(stack, "PrivateSubnetIds", value=",".join(network.private_subnets.subnet_ids),
                  export_name=export_name(environment, "PrivateSubnetIds"))
    cdk.CfnOutput(stack, "StudioSecurityGroupId", value=network.studio_sg.security_group_id,
                  export_name=export_name(environment, "StudioSecurityGroupId"))
    cdk.CfnOutput(stack, "WorkloadSecurityGroupId", value=network.workload_sg.security_group_id,
                  export_name=export_name(environment, "WorkloadSecurityGroupId"))
    cdk.CfnOutput(stack, "ExecuteApiEndpointId", value=network.interface_endpoints["execute-api"].vpc_endpoint_id)
    cdk.CfnOutput(stack, "StudioEndpointId", value=network.interface_endpoints["studio"].vpc_endpoint_id)
    cdk.CfnOutput(stack, "S3EndpointId", value=network.s3_endpoint.vpc_endpoint_id)
    for store, bucket in stores.buckets.items():
        cdk.CfnOutput(stack, f"Ml{store.title()}BucketName", value=bucket.bucket_name)
        cdk.CfnOutput(stack, f"Ml{store.title()}KeyArn", value=stores.keys[store].key_arn)
    cdk.CfnOutput(stack, "DataBreakGlassRoleArn", value=stores.break_glass.role_arn)
    cdk.CfnOutput(stack, "MlGuardrailsPolicyArn", value=guardrails.policy.managed_policy_arn)
    for persona, role in personas.roles.items():
        cdk.CfnOutput(stack, "".join(p.title() for p in persona.split("-")) + "RoleArn", value=role.role_arn)


def _list(stack: cdk.Stack, id_: str, pattern: str, description: str) -> list[str]:
    return cdk.CfnParameter(stack, id_, type="CommaDelimitedList", allowed_pattern=pattern, default="",
                            description=f"{description} (comma-separated; may be empty)").value_as_list
