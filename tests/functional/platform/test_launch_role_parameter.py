"""mlops deploy creates the SageMaker project launch role only when the account lacks it, and keeps its own on updates."""

from __future__ import annotations

import json

from embedded_aws import EmbeddedAws
from mlops_platform.deploy.platform import creates_project_launch_role

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "servicecatalog.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
STACK = {"Parameters": {"CreateProjectLaunchRole": {"Type": "String"}},
         "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def test_a_fresh_account_gets_the_role(aws: EmbeddedAws) -> None:
    assert creates_project_launch_role(aws.client("iam"), aws.client("cloudformation"), "mlops-tooling") == "true"


def test_an_existing_role_is_used_untouched(aws: EmbeddedAws) -> None:
    aws.client("iam").create_role(RoleName="AmazonSageMakerServiceCatalogProductsLaunchRole", Path="/service-role/",
                                  AssumeRolePolicyDocument=TRUST)
    assert creates_project_launch_role(aws.client("iam"), aws.client("cloudformation"), "mlops-tooling") == "false"


def test_an_update_keeps_the_role_the_stack_created(aws: EmbeddedAws) -> None:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="mlops-tooling", TemplateBody=json.dumps(STACK),
                     Parameters=[{"ParameterKey": "CreateProjectLaunchRole", "ParameterValue": "true"}])
    aws.client("iam").create_role(RoleName="AmazonSageMakerServiceCatalogProductsLaunchRole", Path="/service-role/",
                                  AssumeRolePolicyDocument=TRUST)  # as the stack would have created it
    assert creates_project_launch_role(aws.client("iam"), cfn, "mlops-tooling") == "true"
