"""Preventive controls: what no ML persona may do, whatever else its policies allow.

A managed policy of Deny statements, attached to every persona and service role that can create SageMaker
resources (an explicit Deny wins over any Allow):

* jobs, models and notebooks without a VPC configuration (``sagemaker:VpcSubnets`` absent);
* jobs, notebooks and endpoint configs without a volume KMS key (``sagemaker:VolumeKmsKey`` absent), and jobs
  without an output KMS key (``sagemaker:OutputKmsKey`` absent);
* notebooks with direct internet access or root access (``sagemaker:DirectInternetAccess``, ``sagemaker:RootAccess``);
* presigned Studio and notebook URLs requested from outside the allowed VPC endpoints (``aws:SourceVpce``), when
  endpoints are given.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from constructs import Construct

JOBS = ("sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob", "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:CreateTransformJob", "sagemaker:CreateAutoMLJobV2")
NEEDS_VPC = (*JOBS[:4], "sagemaker:CreateModel", "sagemaker:CreateNotebookInstance")
NEEDS_VOLUME_KEY = (*JOBS[:4], "sagemaker:CreateNotebookInstance", "sagemaker:CreateEndpointConfig")
NEEDS_OUTPUT_KEY = JOBS
PRESIGNED_URLS = ("sagemaker:CreatePresignedDomainUrl", "sagemaker:CreatePresignedNotebookInstanceUrl")


def guardrail_statements(url_vpc_endpoint_ids: Sequence[str] = ()) -> list[iam.PolicyStatement]:
    """The Deny statements (also usable in a permissions boundary or an SCP)."""
    statements = [
        iam.PolicyStatement(sid="DenyWithoutVpc", effect=iam.Effect.DENY, actions=list(NEEDS_VPC), resources=["*"],
                            conditions={"Null": {"sagemaker:VpcSubnets": "true"}}),
        iam.PolicyStatement(sid="DenyWithoutVolumeKey", effect=iam.Effect.DENY, actions=list(NEEDS_VOLUME_KEY), resources=["*"],
                            conditions={"Null": {"sagemaker:VolumeKmsKey": "true"}}),
        iam.PolicyStatement(sid="DenyWithoutOutputKey", effect=iam.Effect.DENY, actions=list(NEEDS_OUTPUT_KEY), resources=["*"],
                            conditions={"Null": {"sagemaker:OutputKmsKey": "true"}}),
        iam.PolicyStatement(sid="DenyInternetFacingNotebooks", effect=iam.Effect.DENY, actions=["sagemaker:CreateNotebookInstance",
                                                                                                "sagemaker:UpdateNotebookInstance"],
                            resources=["*"], conditions={"StringEquals": {"sagemaker:DirectInternetAccess": "Enabled"}}),
        iam.PolicyStatement(sid="DenyRootOnNotebooks", effect=iam.Effect.DENY, actions=["sagemaker:CreateNotebookInstance",
                                                                                        "sagemaker:UpdateNotebookInstance"],
                            resources=["*"], conditions={"StringEquals": {"sagemaker:RootAccess": "Enabled"}}),
    ]
    if url_vpc_endpoint_ids:
        statements.append(iam.PolicyStatement(
            sid="DenyUrlsOutsideEndpoints", effect=iam.Effect.DENY, actions=list(PRESIGNED_URLS), resources=["*"],
            conditions={"StringNotEquals": {"aws:SourceVpce": list(url_vpc_endpoint_ids)}}))
    return statements


class MlGuardrails(Construct):
    """Managed policy ``<project>-ml-guardrails`` holding the Deny statements."""

    def __init__(self, scope: Construct, id_: str, *, project: str, url_vpc_endpoint_ids: Sequence[str] = ()) -> None:
        super().__init__(scope, id_)
        self.policy = iam.ManagedPolicy(
            self, "Policy", managed_policy_name=f"{project}-ml-guardrails",
            description="Denies SageMaker resources without VPC or KMS keys, internet-facing or root notebooks, and URLs off the endpoints",
            statements=guardrail_statements(url_vpc_endpoint_ids))
