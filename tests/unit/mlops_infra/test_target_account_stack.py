"""Intent of the target-account stack: an execution role trusting only tooling's admin role, scoped by prefix;
a read-only verifier role trusting only the tooling account's verify project."""

from __future__ import annotations

from aws_cdk.assertions import Template


def _statements(target_account: Template) -> dict[str, dict]:
    [role] = target_account.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-stackset-execution"}}).values()
    return {s["Sid"]: s for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}


def test_execution_role_trusts_only_the_tooling_admin_role(target_account: Template) -> None:
    target_account.has_resource_properties("AWS::IAM::Role", {
        "RoleName": "mlops-stackset-execution",
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "sts:AssumeRole", "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${ToolingAccountId}:role/mlops-stackset-administration"}}}]},
    })


def test_no_statement_allows_every_action_or_every_resource(target_account: Template) -> None:
    for statement in _statements(target_account).values():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(not a.endswith(":*") and a != "*" for a in actions), statement["Sid"]
        assert statement["Resource"] != "*", statement["Sid"]


def test_passrole_is_limited_to_sagemaker(target_account: Template) -> None:
    assert _statements(target_account)["PassProjectModelRoles"]["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_stack_permissions_cover_only_project_stackset_instances(target_account: Template) -> None:
    resource = _statements(target_account)["ManageProjectStackSetInstances"]["Resource"]
    assert resource["Fn::Join"][1][-1] == ":stack/StackSet-mlops-*/*"


def test_execution_role_manages_only_the_project_endpoint_roles(target_account: Template) -> None:
    statements = _statements(target_account)
    for sid in ("ManageProjectEndpointRoles", "PassProjectModelRoles"):
        assert statements[sid]["Resource"]["Fn::Join"][1][-1] == ":role/mlops-*-endpoint", sid
    assert "iam:CreateRole" in statements["ManageProjectEndpointRoles"]["Action"]


def test_verifier_role_only_checks_project_endpoints_and_alarms(target_account: Template) -> None:
    [role] = target_account.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": "mlops-deploy-verifier"}}).values()
    [verify, ds_admin] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert verify["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${ToolingAccountId}:role/mlops-modeldeploy-verify"}}
    # the DS admin persona by a condition (it may not exist: a principal that does not exist would fail the role's creation)
    assert ds_admin["Principal"] == {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "ToolingAccountId"}, ":root"]]}}
    assert ds_admin["Condition"] == {"ArnEquals": {"aws:PrincipalArn": {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${ToolingAccountId}:role/mlops-ds-admin"}}}
    statements = {s["Sid"]: s for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}
    assert {sid: (s["Action"], s["Resource"]["Fn::Join"][1][-1]) for sid, s in statements.items()} == {
        "CheckProjectEndpoints": (["sagemaker:DescribeEndpoint", "sagemaker:InvokeEndpoint"], ":endpoint/mlops-*"),
        "DescribeProjectAlarms": ("cloudwatch:DescribeAlarms", ":alarm:mlops-*"),
    }


def test_the_endpoints_network_is_none_without_an_environment_and_the_environments_with_one(
        target_account: Template, secure_synthesized: dict) -> None:
    names = {"/mlops/ml-environment/private-subnet-ids": "PrivateSubnetIds",
             "/mlops/ml-environment/workload-security-group-id": "WorkloadSecurityGroupId"}
    plain = {p["Properties"]["Name"]: p["Properties"]["Value"] for p in target_account.find_resources("AWS::SSM::Parameter").values()}
    assert plain == {name: "none" for name in names}
    inside = Template.from_json(secure_synthesized["mlops-target-account"].template)
    placed = {p["Properties"]["Name"]: p["Properties"]["Value"] for p in inside.find_resources("AWS::SSM::Parameter").values()}
    assert placed == {name: {"Fn::ImportValue": f"mlops-ml-environment-{output}"} for name, output in names.items()}


def test_execution_role_reads_the_network_parameters_the_endpoint_template_resolves(target_account: Template) -> None:
    # CloudFormation resolves the endpoint template's SSM-typed parameters as the execution role
    read = _statements(target_account)["ReadNetworkParameters"]
    assert read["Action"] == "ssm:GetParameters"
    assert read["Resource"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ssm:", {"Ref": "AWS::Region"}, ":",
                                                  {"Ref": "AWS::AccountId"}, ":parameter/mlops/ml-environment/*"]]}
