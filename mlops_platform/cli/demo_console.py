"""The demo's console launch: an analyst launches the notebook product from Service Catalog with their own keys."""

from __future__ import annotations

from typing import Any

from mlops_platform.accounts import LocalAccounts
from mlops_platform.cli.output import progress, table
from mlops_runtime.contracts import ToolingOutputs
from mlops_runtime.notebooks.service import NotebookService

CONSOLE_ANALYST = "bo"


def console_launch_demo(accounts: LocalAccounts, outputs: ToolingOutputs, notebooks: NotebookService, text: bool) -> dict[str, Any]:
    """``bo`` launches the product as the console does (ProvisionProduct with the analyst's choices only); CloudTrail's
    event starts the provisioning state machine, which adopts the launch and stores the URL."""
    from embedded_aws.clients import credentials_client

    iam = accounts.client("iam")
    iam.create_user(UserName=CONSOLE_ANALYST, Tags=[{"Key": "project", "Value": "mlops"}])
    iam.add_user_to_group(GroupName=outputs.analysts_group_name, UserName=CONSOLE_ANALYST)
    key = iam.create_access_key(UserName=CONSOLE_ANALYST)["AccessKey"]
    catalog = credentials_client(accounts.state.endpoint_url, "servicecatalog", key["AccessKeyId"], key["SecretAccessKey"],
                                 region=accounts.region)
    record = catalog.provision_product(
        ProductId=outputs.notebook_product_id, ProvisioningArtifactName="v1", ProvisionedProductName=f"{CONSOLE_ANALYST}-console-launch",
        ProvisionToken=f"{CONSOLE_ANALYST}-console-launch", ProvisioningParameters=[
            {"Key": "UserName", "Value": CONSOLE_ANALYST}, {"Key": "InstanceType", "Value": "ml.t3.large"}])["RecordDetail"]
    with progress(f"Adopting {CONSOLE_ANALYST}'s console launch", enabled=text) as step:
        adopted = notebooks.follow(CONSOLE_ANALYST, timeout=300, progress=step)
    report = {**adopted, "record_id": record["RecordId"]}
    if text:
        table("Notebook launched from the console", ["field", "value"],
              [(k, report[k]) for k in ("environment_id", "owner", "status", "instance_type", "record_id", "url_parameter")])
    return report
