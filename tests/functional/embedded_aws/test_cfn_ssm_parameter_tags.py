"""Extension cfn-ssm-parameter-tags: a template's SSM parameter keeps its tags (a map in CloudFormation)."""

from __future__ import annotations

import json

from embedded_aws import EmbeddedAws, extensions
from support import stack_outcome

TEMPLATE = json.dumps({"Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {
    "Name": "/platform/ml-environment/private-subnet-ids", "Type": "String", "Value": "none",
    "Tags": {"owner": "platform-team", "project": "mlops"}}}}})


def test_a_tagged_parameter_is_created_with_its_tags_and_updated(aws: EmbeddedAws) -> None:
    cfn, ssm = aws.client("cloudformation"), aws.client("ssm")
    cfn.create_stack(StackName="p", TemplateBody=TEMPLATE)
    assert cfn.describe_stacks(StackName="p")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert ssm.get_parameter(Name="/platform/ml-environment/private-subnet-ids")["Parameter"]["Value"] == "none"
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/platform/ml-environment/private-subnet-ids")["TagList"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("owner", "platform-team"), ("project", "mlops")]
    cfn.update_stack(StackName="p", TemplateBody=TEMPLATE.replace('"none"', '"subnet-a,subnet-b"'))
    assert ssm.get_parameter(Name="/platform/ml-environment/private-subnet-ids")["Parameter"]["Value"] == "subnet-a,subnet-b"


def test_without_the_extension_moto_fails_the_tagged_parameter(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-ssm-parameter-tags"):
        aws.client("cloudformation").create_stack(StackName="p", TemplateBody=TEMPLATE)
        status, failed = stack_outcome(aws.client("cloudformation"), "p")
    assert (status, [logical_id for logical_id, _ in failed]) == ("ROLLBACK_COMPLETE", ["P"])
