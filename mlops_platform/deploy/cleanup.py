"""What ``mlops destroy`` removes besides the platform's stacks, and what it reports it could not remove.

The deploy tool's asset bucket in each account (templates and Lambda code only) is removed after the stacks.
The model-deploy pipeline creates one stack set per stage (``<project>-staging``, ``<project>-prod``) whose
instances are stacks in the target accounts; they are not part of any platform stack, so they are removed
first (while the administration and execution roles still exist). Afterwards every account is searched for
resources still tagged with the project: retained data (when the platform keeps it) and anything a stack could
not delete are listed, never dropped silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlops_platform.errors import DeployError
from mlops_runtime import waiting

Progress = Callable[[str], None]


RETAINED = "tagged with the project (retained data, or not removable by its stack)"
STUDIO_HOME = "the Studio domain's home volume, kept by SageMaker when the domain is deleted"
SAGEMAKER_TAG = "ManagedByAmazonSageMakerResource"


@dataclass(frozen=True)
class Leftover:
    account: str
    arn: str
    why: str = RETAINED

    def to_dict(self) -> dict[str, str]:
        return {"account": self.account, "arn": self.arn, "why": self.why}


def _wait(cfn: Any, name: str, operation_id: str, timeout: float, sleep: Callable[[float], None]) -> dict[str, Any]:
    return waiting.poll(
        lambda: cfn.describe_stack_set_operation(StackSetName=name, OperationId=operation_id)["StackSetOperation"],
        lambda operation: operation["Status"] not in ("RUNNING", "QUEUED", "STOPPING"), timeout=timeout, interval=1.0,
        on_timeout=lambda operation: DeployError(f"stack set {name}: operation {operation_id} still {operation['Status']} "
                                                 f"after {timeout:.0f} s"),
        clock=waiting.Clock(sleep=sleep))


def remove_stack_set(cfn: Any, name: str, progress: Progress = lambda _: None, timeout: float = 1800.0,
                     sleep: Callable[[float], None] = time.sleep) -> bool:
    """Delete the stack set's instances (their stacks too), then the stack set; ``False`` if it did not exist."""
    try:
        instances = cfn.list_stack_instances(StackSetName=name)["Summaries"]
    except cfn.exceptions.StackSetNotFoundException:
        return False
    if instances:
        progress(f"stack set {name}: deleting {len(instances)} instance(s)")
        units = sorted({i["OrganizationalUnitId"] for i in instances if i.get("OrganizationalUnitId")})
        # a service-managed stack set's instances are addressed by their organizational units, never by account
        targets: dict[str, Any] = ({"DeploymentTargets": {"OrganizationalUnitIds": units}} if units
                                   else {"Accounts": sorted({i["Account"] for i in instances})})
        operation_id = cfn.delete_stack_instances(StackSetName=name, Regions=sorted({i["Region"] for i in instances}),
                                                  RetainStacks=False, **targets)["OperationId"]
        operation = _wait(cfn, name, operation_id, timeout, sleep)
        if operation["Status"] != "SUCCEEDED":
            raise DeployError(f"stack set {name}: deleting its instances {operation['Status']}: {operation.get('StatusReason', '')}")
    cfn.delete_stack_set(StackSetName=name)
    progress(f"stack set {name}: deleted")
    return True


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker of ``bucket``; returns how many."""
    removed = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
            removed += len(doomed)
    return removed


def remove_asset_bucket(s3: Any, bucket: str, progress: Progress = lambda _: None) -> bool:
    """Empty (every version) and delete the deploy tool's asset bucket; ``False`` if it did not exist."""
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    empty_bucket(s3, bucket)
    s3.delete_bucket(Bucket=bucket)
    progress(f"asset bucket {bucket}: deleted")
    return True


def leftovers(accounts: Any, project: str, account_names: tuple[str, ...]) -> list[Leftover]:
    """Resources still tagged ``project=<project>`` in each account."""
    found = []
    for account in account_names:
        tagging = accounts.client("resourcegroupstaggingapi", account)
        for page in tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": "project", "Values": [project]}]):
            found += [Leftover(account, r["ResourceARN"]) for r in page["ResourceTagMappingList"]]
    return found


def studio_leftovers(efs: Any, account: str, account_id: str, region: str, domain_ids: list[str]) -> list[Leftover]:
    """The home EFS volumes SageMaker made for these (deleted) domains, and the network interfaces of their mount targets.

    Deleting a domain through CloudFormation retains its home volume; it is the user's data, so it is
    reported for a person to delete, never deleted here.
    """
    found = []
    for page in efs.get_paginator("describe_file_systems").paginate():
        for volume in page["FileSystems"]:
            owner = {t["Key"]: t["Value"] for t in volume.get("Tags", [])}.get(SAGEMAKER_TAG, "")
            if not any(owner.endswith(f":domain/{domain_id}") for domain_id in domain_ids):
                continue
            found.append(Leftover(account, volume["FileSystemArn"], STUDIO_HOME))
            for target in efs.describe_mount_targets(FileSystemId=volume["FileSystemId"])["MountTargets"]:
                found.append(Leftover(account, f"arn:aws:ec2:{region}:{account_id}:network-interface/{target['NetworkInterfaceId']}",
                                      f"mount target {target['MountTargetId']} of that volume"))
    return found
