"""An optional SageMaker Studio domain: VPC-only, KMS-encrypted, idle JupyterLab spaces shut down, named user profiles."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from mlops_infra.nag import logical_id, suppress


class StudioDomain(Construct):
    """Domain ``<project>-studio`` in the given VPC subnets, its execution role, its security group (unless given), user profiles."""

    def __init__(self, scope: Construct, id_: str, *, project: str, vpc_id: str, subnet_ids: Sequence[str], key: kms.IKey,
                 bucket: s3.IBucket, user_profiles: Sequence[str], idle_minutes: int,
                 security_group_ids: Sequence[str] | None = None) -> None:
        super().__init__(scope, id_)
        self.role = iam.Role(self, "ExecutionRole", role_name=f"{project}-studio-execution",
                             assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                             description="Studio users' execution role: the platform's artifacts and key, nothing else")
        bucket.grant_read_write(self.role)
        key.grant_encrypt_decrypt(self.role)
        suppress(self.role, "AwsSolutions-IAM5", "Objects of the artifacts bucket and its key, granted by CDK's bucket and key grants",
                 applies_to=["Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
                             "Action::s3:List*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
                             f"Resource::<{logical_id(bucket)}.Arn>/*"])
        if security_group_ids is None:  # a VPC of the user's: the domain's own group, egress inside private addresses only
            self.security_group = ec2.CfnSecurityGroup(
                self, "SecurityGroup", vpc_id=vpc_id, group_description=f"{project} Studio apps: egress inside the VPC only",
                security_group_egress=[ec2.CfnSecurityGroup.EgressProperty(
                    ip_protocol="-1", cidr_ip="10.0.0.0/8", description="VPC endpoints and services inside the private network")])
            security_group_ids = [self.security_group.attr_group_id]
        self.domain = sagemaker.CfnDomain(
            self, "Domain", domain_name=f"{project}-studio", auth_mode="IAM", app_network_access_type="VpcOnly",
            vpc_id=vpc_id, subnet_ids=list(subnet_ids), kms_key_id=key.key_arn,
            default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
                execution_role=self.role.role_arn, security_groups=list(security_group_ids),
                jupyter_lab_app_settings=sagemaker.CfnDomain.JupyterLabAppSettingsProperty(
                    app_lifecycle_management=sagemaker.CfnDomain.AppLifecycleManagementProperty(
                        idle_settings=sagemaker.CfnDomain.IdleSettingsProperty(lifecycle_management="ENABLED",
                                                                               idle_timeout_in_minutes=idle_minutes)))))
        self.profiles = [sagemaker.CfnUserProfile(self, f"Profile{index}", domain_id=self.domain.attr_domain_id, user_profile_name=name)
                         for index, name in enumerate(user_profiles)]
