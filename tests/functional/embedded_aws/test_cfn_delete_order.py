"""Extension cfn-delete-order: stacks delete dependents before what they depend on."""

from __future__ import annotations

import json

from embedded_aws import EmbeddedAws
from embedded_aws.extensions.cfn_delete_order import deletion_order, references

ROLE_AND_POLICY = {
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
    "Policy": {"Type": "AWS::IAM::Policy", "Properties": {
        "PolicyName": "p", "Roles": [{"Ref": "Role"}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}},
    "Function": {"Type": "AWS::Lambda::Function", "DependsOn": ["Policy"], "Properties": {
        "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Description": {"Fn::Sub": "uses ${Role.Arn}"}}},
}


def test_deletion_order_puts_dependents_first() -> None:
    order = deletion_order(ROLE_AND_POLICY)
    assert order.index("Function") < order.index("Policy") < order.index("Role")


def test_references_follow_ref_getatt_sub_and_strings() -> None:
    names = {"A", "B", "C"}
    value = {"x": [{"Ref": "A"}, {"Fn::GetAtt": "B.Arn"}, {"Fn::Sub": ["${C} ${Other}", {"Other": {"Ref": "A"}}]}, {"Ref": "AWS::Region"}]}
    assert references(value, names) == {"A", "B", "C"}


def test_role_with_attached_policy_deletes_cleanly_every_time(aws: EmbeddedAws) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    template = json.dumps({"Resources": {k: v for k, v in ROLE_AND_POLICY.items() if k != "Function"}})
    for attempt in range(6):
        name = f"roles-{attempt}"
        cfn.create_stack(StackName=name, TemplateBody=template, Capabilities=["CAPABILITY_IAM"])
        cfn.delete_stack(StackName=name)
        assert cfn.describe_stacks(StackName=cfn.list_stacks()["StackSummaries"][0]["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("roles-")] == []
