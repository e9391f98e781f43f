"""Extension cfn-iam-managed-policies: a template role wears its ManagedPolicyArns; a template's policy goes with its stack."""

from __future__ import annotations

import json

from embedded_aws import EmbeddedAws, extensions
from support import stack_outcome

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
GUARD = {"Version": "2012-10-17", "Statement": [{"Sid": "DenyWithoutVpc", "Effect": "Deny", "Action": "sagemaker:CreateModel",
                                                 "Resource": "*", "Condition": {"Null": {"sagemaker:VpcSubnets": "true"}}}]}


def _template(*arns: object) -> str:
    return json.dumps({"Resources": {
        "Guard": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "guard", "PolicyDocument": GUARD}},
        "Worker": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "worker", "AssumeRolePolicyDocument": TRUST,
                                                            "ManagedPolicyArns": list(arns)}}}})


def _attached(aws: EmbeddedAws) -> list[str]:
    return sorted(p["PolicyName"] for p in aws.client("iam").list_attached_role_policies(RoleName="worker")["AttachedPolicies"])


def test_the_role_wears_its_policies_through_update_and_delete(aws: EmbeddedAws) -> None:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="roles", TemplateBody=_template({"Ref": "Guard"}, "arn:aws:iam::aws:policy/ReadOnlyAccess"),
                     Capabilities=["CAPABILITY_NAMED_IAM"])
    assert _attached(aws) == ["ReadOnlyAccess", "guard"]
    cfn.update_stack(StackName="roles", TemplateBody=_template({"Ref": "Guard"}), Capabilities=["CAPABILITY_NAMED_IAM"])
    assert _attached(aws) == ["guard"]
    cfn.delete_stack(StackName="roles")
    assert [r["RoleName"] for r in aws.client("iam").list_roles()["Roles"] if r["RoleName"] == "worker"] == []
    assert [p["PolicyName"] for p in aws.client("iam").list_policies(Scope="Local")["Policies"]] == []


def test_without_the_extension_the_role_exists_without_its_policies(aws: EmbeddedAws) -> None:
    with extensions.disabled("cfn-iam-managed-policies"):
        aws.client("cloudformation").create_stack(StackName="roles", TemplateBody=_template({"Ref": "Guard"}),
                                                  Capabilities=["CAPABILITY_NAMED_IAM"])
        assert _attached(aws) == []


def test_a_policy_still_attached_elsewhere_is_not_deleted(aws: EmbeddedAws) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(StackName="roles", TemplateBody=_template({"Ref": "Guard"}), Capabilities=["CAPABILITY_NAMED_IAM"])
    iam.create_role(RoleName="outsider", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="outsider", PolicyArn="arn:aws:iam::123456789012:policy/guard")
    cfn.delete_stack(StackName="roles")
    status, failed = stack_outcome(cfn, "roles")
    assert status == "DELETE_FAILED" and "DeleteConflict: Cannot delete a policy attached to entities" in failed[-1][1]
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]] == ["guard"]


def test_disabling_an_extension_it_builds_on_leaves_it_working_afterwards(aws: EmbeddedAws) -> None:
    """cfn-iam-group is patched underneath this extension; a 'without' block for it must not drop this one's patch."""
    with extensions.disabled("cfn-iam-group"):
        assert "cfn-iam-managed-policies" not in extensions.installed()  # it requires the disabled one
    assert extensions.installed() == [e.name for e in extensions.ALL]
    test_the_role_wears_its_policies_through_update_and_delete(aws)


def test_disabling_an_earlier_extension_keeps_later_ones_on_the_same_entry_point(aws: EmbeddedAws) -> None:
    """cfn-custom-resources and apigateway-execute both wrap the server's WSGI entry; only the disabled one goes away."""
    import uuid

    import requests

    answer_url = f"{aws.endpoint_url}/_embedded/cloudformation/custom-resource-response/{uuid.uuid4()}"
    execute_url = f"{aws.endpoint_url}/restapis/nosuchapi/prod/_user_request_/anything"  # answered by apigateway-execute
    assert requests.put(answer_url, data=b"{}", timeout=10).status_code == 403  # the route answers: nothing waits for it
    with extensions.disabled("cfn-custom-resources"):
        assert requests.put(answer_url, data=b"{}", timeout=10).status_code == 404  # moto alone: no such route
        assert requests.get(execute_url, timeout=10).json() == {"message": "Forbidden"}  # execute-api still answers (no such API)
    assert requests.put(answer_url, data=b"{}", timeout=10).status_code == 403
    assert requests.get(execute_url, timeout=10).json() == {"message": "Forbidden"}
    assert extensions.installed() == [e.name for e in extensions.ALL]
