"""The calls CloudFormation makes for a template resource (what the stack's principal must be allowed)."""

from __future__ import annotations

from embedded_aws.iam.actions import Scope, authorization
from embedded_aws.iam.cfn_calls import NEW_KEY, Target, calls_for, covered

SCOPE = Scope("us-east-1", "111122223333")


def _actions(operation: str, target: Target) -> list[tuple[str, tuple[str, ...]]]:
    calls = calls_for(operation, target) or []
    authorized = [authorization(service, api, params, SCOPE) for service, api, params in calls]
    return [(a.action, a.resources) for a in authorized]


def test_a_role_is_created_tagged_given_its_policies_and_deleted_in_reverse() -> None:
    role = Target("AWS::IAM::Role", {"Path": "/service-role/", "Policies": [{"PolicyName": "p"}],
                                     "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}, "mlops-build", {"project": "mlops"})
    arn = ("arn:aws:iam::111122223333:role/service-role/mlops-build",)
    assert _actions("create", role) == [("iam:CreateRole", arn), ("iam:TagRole", arn), ("iam:PutRolePolicy", arn), ("iam:AttachRolePolicy", arn)]
    assert _actions("delete", role) == [("iam:DeleteRolePolicy", arn), ("iam:DetachRolePolicy", arn), ("iam:DeleteRole", arn)]
    [*_, attach] = [authorization(s, a, p, SCOPE) for s, a, p in calls_for("create", role) or []]
    assert attach.context["iam:policyarn"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]


def test_a_bucket_needs_one_call_per_setting_it_declares() -> None:
    bucket = Target("AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "Enabled"}, "CorsConfiguration": {"CorsRules": []},
                                        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True}}, "mlops-data", {"owner": "team"})
    assert [action for action, _ in _actions("create", bucket)] == [
        "s3:CreateBucket", "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock", "s3:PutBucketCORS", "s3:PutBucketTagging"]
    assert {resources for _, resources in _actions("create", bucket)} == {("arn:aws:s3:::mlops-data",)}


def test_roles_handed_to_services_are_passed_and_sagemaker_arns_are_lowercase() -> None:
    notebook = Target("AWS::SageMaker::NotebookInstance", {"RoleArn": "arn:aws:iam::111122223333:role/nb", "RootAccess": "Disabled"},
                      "ana-Notebook", {"owner": "ana"})
    create, tag = [authorization(s, a, p, SCOPE) for s, a, p in calls_for("create", notebook) or []]
    assert (create.action, create.resources) == ("sagemaker:CreateNotebookInstance",
                                                 ("arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/ana-notebook",))
    assert create.passed_roles == (("arn:aws:iam::111122223333:role/nb", "sagemaker.amazonaws.com"),)
    assert create.context["sagemaker:rootaccess"] == ["Disabled"] and create.context["aws:requesttag/owner"] == ["ana"]
    assert tag.action == "sagemaker:AddTags"


def test_a_new_keys_alias_is_authorized_on_the_alias_and_the_key() -> None:
    alias = Target("AWS::KMS::Alias", {"AliasName": "alias/mlops-data", "TargetKeyId": "1234abcd"}, "alias/mlops-data")
    assert _actions("create", alias) == [("kms:CreateAlias", ("arn:aws:kms:us-east-1:111122223333:alias/mlops-data",
                                                               "arn:aws:kms:us-east-1:111122223333:key/1234abcd"))]
    key = Target("AWS::KMS::Key", {"EnableKeyRotation": True}, "key", {"project": "mlops"})
    assert [a for a, _ in _actions("create", key)] == ["kms:CreateKey", "kms:TagResource", "kms:EnableKeyRotation"]
    assert _actions("create", key)[2][1] == (f"arn:aws:kms:us-east-1:111122223333:key/{NEW_KEY}",)


def test_custom_resources_invoke_their_function_and_unknown_types_are_not_covered() -> None:
    seed = Target("Custom::ProjectSeed", {"ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:mlops-project-seed"}, "seed")
    assert _actions("delete", seed) == [("lambda:InvokeFunction", ("arn:aws:lambda:us-east-1:111122223333:function:mlops-project-seed",))]
    assert covered("AWS::CloudFormation::CustomResource") and not covered("AWS::ApiGateway::RestApi")
    assert calls_for("create", Target("AWS::ApiGateway::RestApi", {}, "api")) is None


def test_a_seeded_tagged_repository_is_created_tagged_and_reads_its_code() -> None:
    repository = Target("AWS::CodeCommit::Repository", {"Code": {"S3": {"Bucket": "seeds", "Key": "modelbuild.zip"}}},
                        "mlops-churn-modelbuild", {"project": "mlops"})
    arn = ("arn:aws:codecommit:us-east-1:111122223333:mlops-churn-modelbuild",)
    assert _actions("create", repository) == [("codecommit:CreateRepository", arn), ("codecommit:TagResource", arn),
                                              ("s3:GetObject", ("arn:aws:s3:::seeds/modelbuild.zip",))]
    untagged = Target("AWS::CodeCommit::Repository", {}, "plain", {})
    assert [action for action, _ in _actions("create", untagged)] == ["codecommit:CreateRepository"]
