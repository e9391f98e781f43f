"""The notebook self-service catalog: portfolio, products from environment-type folders, access, launch role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_servicecatalog as servicecatalog
from constructs import Construct

from mlops_infra.constructs.provisioned_stacks import PRODUCT_TEMPLATES_REASON, PROVISIONED_STACKS_EVIDENCE, product_templates, provisioned_stacks
from mlops_infra.nag import suppress


class NotebookCatalog(Construct):
    """Portfolio shared with the analysts group; one product per environment type; least-privilege launch role."""

    def __init__(self, scope: Construct, id_: str, *, project: str, product_name: str, product_version: str,
                 template: dict[str, Any], key: kms.IKey, url_parameter_prefix: str) -> None:
        super().__init__(scope, id_)
        account, partition, region = cdk.Aws.ACCOUNT_ID, cdk.Aws.PARTITION, cdk.Aws.REGION
        notebook_arn = f"arn:{partition}:sagemaker:{region}:{account}:notebook-instance/*-notebook"

        self.notebook_role = iam.Role(
            self, "NotebookRole", role_name=f"{project}-notebook-execution",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Execution role of analysts' notebook instances",
        )
        self.launch_role = iam.Role(
            self, "LaunchRole", role_name=f"{project}-notebook-launch",
            assumed_by=iam.ServicePrincipal("servicecatalog.amazonaws.com"),
            description="Service Catalog launch role of the notebook product: notebook instances and their stacks only",
            inline_policies={"LaunchNotebooks": iam.PolicyDocument(statements=[
                provisioned_stacks("NotebookStacks"), product_templates("ProductTemplates"),
                iam.PolicyStatement(sid="Notebooks", actions=[
                    "sagemaker:CreateNotebookInstance", "sagemaker:DeleteNotebookInstance", "sagemaker:DescribeNotebookInstance",
                    "sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance", "sagemaker:AddTags"],
                    resources=[notebook_arn]),
                iam.PolicyStatement(sid="PassNotebookRole", actions=["iam:PassRole"], resources=[self.notebook_role.role_arn],
                                    conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
                iam.PolicyStatement(sid="EncryptNotebookVolumes", actions=["kms:CreateGrant", "kms:DescribeKey"],
                                    resources=[key.key_arn]),
            ])},
        )
        suppress(self.launch_role, "AwsSolutions-IAM5",
                 "Service Catalog names each stack SC-<account>-pp-<id> and each notebook <user>-Notebook at launch time; "
                 + PRODUCT_TEMPLATES_REASON,
                 applies_to=["Resource::*", PROVISIONED_STACKS_EVIDENCE,
                             "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance/*-notebook"])

        self.analysts = iam.Group(self, "Analysts", group_name=f"{project}-analysts")
        self.analysts.attach_inline_policy(iam.Policy(self, "ReadOwnNotebookUrl", statements=[
            iam.PolicyStatement(sid="OwnNotebookUrlOnly", actions=["ssm:GetParameter"],
                                resources=[f"arn:{partition}:ssm:{region}:{account}:parameter{url_parameter_prefix}${{aws:username}}-Notebook"]),
            iam.PolicyStatement(sid="DecryptThroughSsm", actions=["kms:Decrypt"], resources=[key.key_arn],
                                conditions={"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}}),
        ]))

        self.portfolio = servicecatalog.Portfolio(self, "Portfolio", display_name=f"{project} notebooks",
                                                  provider_name=f"{project} platform", description="Self-service SageMaker notebooks")
        self.product = servicecatalog.CloudFormationProduct(
            self, "Product", product_name=product_name, owner=f"{project} platform",
            description="A SageMaker notebook instance for one analyst",
            product_versions=[servicecatalog.CloudFormationProductVersion(
                product_version_name=product_version,
                cloud_formation_template=servicecatalog.CloudFormationTemplate.from_asset(
                    _written(self, f"{product_name}-{product_version}", template)))],
        )
        self.portfolio.add_product(self.product)
        self.portfolio.give_access_to_group(self.analysts)
        # the Service Catalog console as an end user: launch the notebook product, follow one's own launches
        launch = iam.Policy(self, "LaunchFromConsole", statements=[
            iam.PolicyStatement(sid="LaunchNotebookProduct", actions=[
                "servicecatalog:ProvisionProduct", "servicecatalog:DescribeProduct", "servicecatalog:DescribeProvisioningParameters",
                "servicecatalog:ListLaunchPaths"],
                resources=[f"arn:{partition}:catalog:{region}:{account}:product/{self.product.product_id}"]),
            iam.PolicyStatement(sid="FindProducts", actions=["servicecatalog:SearchProducts"], resources=["*"]),
            iam.PolicyStatement(sid="OwnLaunches", actions=[
                "servicecatalog:DescribeRecord", "servicecatalog:ListRecordHistory", "servicecatalog:DescribeProvisionedProduct",
                "servicecatalog:SearchProvisionedProducts", "servicecatalog:ScanProvisionedProducts"], resources=["*"],
                conditions={"StringEquals": {"servicecatalog:userLevel": "self"}}),
        ])
        self.analysts.attach_inline_policy(launch)
        suppress(launch, "AwsSolutions-IAM5", "SearchProducts and the provisioned-product reads have no resource-level permissions; "
                                              "the reads are limited to the analyst's own launches (servicecatalog:userLevel self)",
                 applies_to=["Resource::*"])
        self.portfolio.set_local_launch_role(self.product, self.launch_role)


def _written(scope: Construct, name: str, template: dict[str, Any]) -> str:
    """The product template rendered for this platform, as a file in the cloud assembly (the product's asset source)."""
    path = Path(cdk.Stage.of(scope).outdir) / "product-templates" / f"{name}.template.json"  # type: ignore[union-attr]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(template, indent=1, sort_keys=True) + "\n")
    return str(path)
