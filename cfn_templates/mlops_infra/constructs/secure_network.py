"""The ML network: private subnets only, SageMaker workloads and Studio behind security groups, AWS APIs through endpoints.

    VPC (no internet gateway; NAT optional)
      private subnets in ≥ 2 AZs ── SG studio (notebooks, Studio apps) ─┐
                                 └─ SG workloads (jobs, endpoints) ────┼─▶ SG endpoints (HTTPS from both only)
                                                                       └─▶ interface endpoints: the APIs the platform calls
                                     S3 gateway endpoint (policy: buckets of the platform's accounts, or of
                                                          accounts in its organizational units, only; plus
                                                          the AWS-owned buckets of ECR layers and of
                                                          CloudFormation's custom resource answers)

Nothing in it reaches the internet unless ``nat`` is set; every AWS API the platform's jobs, notebooks,
Studio and Lambda functions call has an interface endpoint with private DNS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

#: Interface endpoints (service name suffixes after ``com.amazonaws.<region>.``) for what the platform calls.
INTERFACE_ENDPOINTS = (
    "sagemaker.api", "sagemaker.runtime", "sagemaker.featurestore-runtime", "sts", "ssm", "logs", "monitoring", "ecr.api", "ecr.dkr",
    "kms", "servicecatalog", "codepipeline", "codebuild", "states", "lambda", "events", "execute-api", "dynamodb",
)
#: SageMaker's own browser-facing endpoints (``aws.sagemaker.<region>.<name>``).
SAGEMAKER_UI_ENDPOINTS = ("notebook", "studio")
#: AWS-owned buckets jobs must read through the S3 endpoint: ECR image layers.
AWS_OWNED_BUCKETS = ("prod-{region}-starport-layer-bucket",)
#: Where CloudFormation waits for custom resources' answers (``cloudformation-custom-resource-response-<region
#: without dashes>``, a presigned PUT): the platform's functions in the private subnets answer through the endpoint.
CUSTOM_RESOURCE_ANSWERS = "cloudformation-custom-resource-response-*"


@dataclass(frozen=True)
class StageUnits:
    """Organizational units whose member accounts' buckets the network may reach, and the condition that any was given."""

    unit_ids: Sequence[str]
    given: cdk.CfnCondition


class SecureNetwork(Construct):
    """VPC ``<project>-ml``, its security groups, interface endpoints and the policy-bound S3 gateway endpoint."""

    def __init__(self, scope: Construct, id_: str, *, project: str, cidr: str, account_ids: Sequence[str], nat: bool = False,
                 max_azs: int = 2, units: StageUnits | None = None) -> None:
        super().__init__(scope, id_)
        if max_azs < 2:
            raise ValueError("the ML network spans at least two availability zones")
        private = ec2.SubnetType.PRIVATE_WITH_EGRESS if nat else ec2.SubnetType.PRIVATE_ISOLATED
        subnets = [ec2.SubnetConfiguration(name="ml", subnet_type=private, cidr_mask=20)]
        if nat:
            subnets.append(ec2.SubnetConfiguration(name="egress", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24))
        self.vpc = ec2.Vpc(self, "Vpc", vpc_name=f"{project}-ml", ip_addresses=ec2.IpAddresses.cidr(cidr), max_azs=max_azs,
                           nat_gateways=1 if nat else 0, subnet_configuration=subnets, restrict_default_security_group=False)
        flow_logs = logs.LogGroup(self, "FlowLogs", retention=logs.RetentionDays.ONE_YEAR, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs))
        self.private_subnets = self.vpc.select_subnets(subnet_type=private)

        self.studio_sg = self._group("Studio", "ML environment: Studio apps and notebooks")
        self.workload_sg = self._group("Workloads", "ML environment: SageMaker jobs and endpoints")
        self.endpoint_sg = self._group("Endpoints", "ML environment: interface endpoints, HTTPS from the ML groups only")
        for group in (self.studio_sg, self.workload_sg):
            self.endpoint_sg.add_ingress_rule(group, ec2.Port.tcp(443), "HTTPS to the AWS APIs")
            # the subnets route only to the endpoints and the S3 gateway (and NAT when enabled): no internet otherwise
            group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS: interface endpoints and the S3 gateway endpoint")
        self.workload_sg.add_ingress_rule(self.workload_sg, ec2.Port.all_tcp(), "Distributed training between job instances")
        self.workload_sg.add_egress_rule(self.workload_sg, ec2.Port.all_tcp(), "Distributed training between job instances")
        self.studio_sg.add_ingress_rule(self.studio_sg, ec2.Port.tcp(2049), "Studio home volume (EFS)")
        self.studio_sg.add_egress_rule(self.studio_sg, ec2.Port.tcp(2049), "Studio home volume (EFS)")

        region = cdk.Aws.REGION
        self.interface_endpoints = {
            name: self.vpc.add_interface_endpoint(
                _logical(name), service=ec2.InterfaceVpcEndpointAwsService(name), private_dns_enabled=True, open=False,
                security_groups=[self.endpoint_sg], subnets=ec2.SubnetSelection(subnet_type=private))
            for name in INTERFACE_ENDPOINTS}
        for name in SAGEMAKER_UI_ENDPOINTS:
            self.interface_endpoints[name] = self.vpc.add_interface_endpoint(
                _logical(f"sagemaker-{name}"), service=ec2.InterfaceVpcEndpointService(f"aws.sagemaker.{region}.{name}", 443),
                private_dns_enabled=True, open=False, security_groups=[self.endpoint_sg], subnets=ec2.SubnetSelection(subnet_type=private))

        self.s3_endpoint = self.vpc.add_gateway_endpoint("S3", service=ec2.GatewayVpcEndpointAwsService.S3,
                                                          subnets=[ec2.SubnetSelection(subnet_type=private)])
        accounts = iam.PolicyStatement(
            sid="PlatformAccountsBuckets", principals=[iam.AnyPrincipal()], actions=["s3:*"], resources=["*"],
            conditions={"StringEquals": {"aws:ResourceAccount": account_ids}})
        layers = iam.PolicyStatement(
            sid="AwsOwnedImageLayers", principals=[iam.AnyPrincipal()], actions=["s3:GetObject"],
            resources=[f"arn:{cdk.Aws.PARTITION}:s3:::{bucket.format(region=region)}/*" for bucket in AWS_OWNED_BUCKETS])
        answers = iam.PolicyStatement(
            sid="CloudFormationCustomResourceAnswers", principals=[iam.AnyPrincipal()], actions=["s3:PutObject"],
            resources=[f"arn:{cdk.Aws.PARTITION}:s3:::{CUSTOM_RESOURCE_ANSWERS}/*"])
        endpoint = self.s3_endpoint.node.default_child
        assert isinstance(endpoint, ec2.CfnVPCEndpoint)
        if units is None:
            endpoint.policy_document = iam.PolicyDocument(statements=[accounts, layers, answers])
        else:  # the units statement exists only when a unit id was given (an empty one would match no path anyway)
            in_units = iam.PolicyStatement(
                sid="PlatformUnitsBuckets", principals=[iam.AnyPrincipal()], actions=["s3:*"], resources=["*"],
                conditions={"ForAnyValue:StringLike": {"aws:ResourceOrgPaths": [f"*/{unit}/*" for unit in units.unit_ids]}})
            endpoint.policy_document = cdk.Fn.condition_if(
                units.given.logical_id, iam.PolicyDocument(statements=[accounts, in_units, layers, answers]),
                iam.PolicyDocument(statements=[accounts, layers, answers]))

    def _group(self, id_: str, description: str) -> ec2.SecurityGroup:
        return ec2.SecurityGroup(self, id_, vpc=self.vpc, description=description, allow_all_outbound=False)


def _logical(service: str) -> str:
    return "".join(part.title() for part in service.replace("-", ".").split("."))
