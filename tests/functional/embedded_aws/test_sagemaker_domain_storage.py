"""Extension sagemaker-domain-storage: a Studio domain's home EFS volume exists, and outlives the domain by default."""

from __future__ import annotations

from embedded_aws import EmbeddedAws, extensions


def _domain(aws: EmbeddedAws) -> tuple[str, str]:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for i, zone in ((1, "us-east-1a"), (2, "us-east-1b"))]
    key = aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    sm = aws.client("sagemaker")
    domain_id = sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/ds"},
                                 SubnetIds=[*subnets, "subnet-0000000000000000f"], VpcId=vpc, KmsKeyId=key)["DomainArn"].rsplit("/", 1)[1]
    return domain_id, key


def test_the_domain_has_a_tagged_encrypted_home_volume_with_a_mount_target_per_subnet(aws: EmbeddedAws) -> None:
    domain_id, key = _domain(aws)
    domain = aws.client("sagemaker").describe_domain(DomainId=domain_id)
    efs = aws.client("efs")
    [volume] = efs.describe_file_systems(FileSystemId=domain["HomeEfsFileSystemId"])["FileSystems"]
    assert volume["Encrypted"] and volume["KmsKeyId"] == key
    assert {"Key": "ManagedByAmazonSageMakerResource", "Value": domain["DomainArn"]} in volume["Tags"]
    targets = efs.describe_mount_targets(FileSystemId=volume["FileSystemId"])["MountTargets"]
    assert len(targets) == 2  # the subnet the account does not have gets none
    interfaces = aws.client("ec2").describe_network_interfaces(NetworkInterfaceIds=[t["NetworkInterfaceId"] for t in targets])
    assert len(interfaces["NetworkInterfaces"]) == 2


def test_deleting_the_domain_keeps_the_volume_unless_told_to_delete_it(aws: EmbeddedAws) -> None:
    sm, efs = aws.client("sagemaker"), aws.client("efs")
    kept, _ = _domain(aws)
    kept_volume = sm.describe_domain(DomainId=kept)["HomeEfsFileSystemId"]
    sm.delete_domain(DomainId=kept)
    assert [v["FileSystemId"] for v in efs.describe_file_systems()["FileSystems"]] == [kept_volume]
    deleted = sm.create_domain(DomainName="other", AuthMode="IAM", DefaultUserSettings={}, SubnetIds=["subnet-0000000000000000f"], VpcId="vpc-1")["DomainArn"]
    deleted_id = deleted.rsplit("/", 1)[1]
    sm.delete_domain(DomainId=deleted_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})
    assert [v["FileSystemId"] for v in efs.describe_file_systems()["FileSystems"]] == [kept_volume]


def test_without_the_extension_the_home_volume_is_a_name_only(aws: EmbeddedAws) -> None:
    with extensions.disabled("sagemaker-domain-storage"):
        domain_id = aws.client("sagemaker").create_domain(
            DomainName="studio", AuthMode="IAM", DefaultUserSettings={}, SubnetIds=["subnet-0000000000000000f"], VpcId="vpc-1")["DomainArn"].rsplit("/", 1)[1]
    assert aws.client("sagemaker").describe_domain(DomainId=domain_id)["HomeEfsFileSystemId"] == "studio-efs-id"
    assert aws.client("efs").describe_file_systems()["FileSystems"] == []
