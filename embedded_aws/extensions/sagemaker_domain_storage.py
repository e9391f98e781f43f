"""A Studio domain gets its home EFS volume, and deleting the domain keeps it unless told otherwise.

moto 5.2.5 answers CreateDomain with a made-up ``HomeEfsFileSystemId`` and nothing behind it. Here, as
in SageMaker:

* CreateDomain creates the domain's home EFS file system (encrypted, with ``HomeEfsFileSystemKmsKeyId``
  or ``KmsKeyId`` when given), tagged ``ManagedByAmazonSageMakerResource=<domain ARN>``, and a mount
  target — with its network interface — in the first existing domain subnet of each availability zone;
* DeleteDomain keeps the file system, its mount targets and their interfaces (``RetentionPolicy``
  ``HomeEfsFileSystem=Retain``, the default, and what a CloudFormation stack deletion does); with
  ``Delete`` it removes them.

So what a platform leaves behind after deleting a domain can be found and reported, as on AWS.
SageMaker also creates NFS security groups for the domain; those are not emulated.
"""

from __future__ import annotations

from typing import Any

from moto.efs.models import efs_backends
from moto.sagemaker.models import SageMakerModelBackend

from embedded_aws.extensions.base import Extension, Patcher

MANAGED_TAG = "ManagedByAmazonSageMakerResource"


def _efs(backend: SageMakerModelBackend) -> Any:
    return efs_backends[backend.account_id][backend.region_name]


def create_home_volume(backend: SageMakerModelBackend, domain: Any) -> None:
    efs = _efs(backend)
    key = domain.home_efs_file_system_kms_key_id or domain.kms_key_id
    volume = efs.create_file_system(
        creation_token=f"sagemaker-{domain.id}", performance_mode="generalPurpose", encrypted=True, kms_key_id=key,
        throughput_mode="bursting", provisioned_throughput_in_mibps=0, availability_zone_name=None, backup=False,
        tags=[{"Key": MANAGED_TAG, "Value": domain.arn}])
    domain.home_efs_file_system_id = volume.file_system_id
    zones: set[str] = set()
    for subnet_id in domain.subnet_ids or []:
        try:
            subnet = efs.ec2_backend.get_subnet(subnet_id)
        except Exception:  # noqa: BLE001 - a subnet this account does not have: no mount target there
            continue
        if subnet.availability_zone not in zones:  # EFS: one mount target per availability zone
            zones.add(subnet.availability_zone)
            efs.create_mount_target(volume.file_system_id, subnet_id)


def delete_home_volume(backend: SageMakerModelBackend, volume_id: str) -> None:
    efs = _efs(backend)
    for target in list(efs.mount_targets_by_id.values()):
        if target.file_system_id == volume_id:
            efs.delete_mount_target(target.mount_target_id)
    efs.delete_file_system(volume_id)


class DomainHomeStorage(Extension):
    name = "sagemaker-domain-storage"
    summary = "Studio domains get a real home EFS volume (tagged, mount targets with interfaces) that DeleteDomain retains by default"

    def install(self, patcher: Patcher) -> None:
        original_create = SageMakerModelBackend.create_domain
        original_delete = SageMakerModelBackend.delete_domain

        def create_domain(self: SageMakerModelBackend, *args: Any, **kwargs: Any) -> dict[str, Any]:
            answer = original_create(self, *args, **kwargs)
            domain = next(d for d in self.domains.values() if d.arn == answer["DomainArn"])
            create_home_volume(self, domain)
            return answer

        def delete_domain(self: SageMakerModelBackend, domain_id: str, retention_policy: dict[str, str] | None) -> None:
            domain = self.domains.get(domain_id)
            original_delete(self, domain_id, retention_policy)
            if domain is not None and (retention_policy or {}).get("HomeEfsFileSystem") == "Delete":
                delete_home_volume(self, domain.home_efs_file_system_id)

        patcher.replace(SageMakerModelBackend, "create_domain", create_domain)
        patcher.replace(SageMakerModelBackend, "delete_domain", delete_domain)
